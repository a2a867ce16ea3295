//! Kalshi in `arb live`: market metadata at start, the WebSocket ingress (books and
//! trades -> events, resync on a sequence gap, reconnect with back-off), and the
//! executor (orders -> REST -> acks, fills, cancels as events).

use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::event::{
    BalanceReport, Event, FeeModel, FeedState, FeedStatus, Fill, MarketMeta, NoLeg, OrderAck,
    OrderCanceled, OrderReject, PlaceOrder, TimeInForce,
};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::auth::KalshiSigner;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire::CreateOrderRequest;
use crate::venues::kalshi::ws::KalshiWs;
use crate::venues::kalshi::{KalshiState, map_message};
use std::sync::Arc;
use std::time::Duration;

/// Fetches each ticker's market, event and series, and interns it with its fees.
pub async fn market_metas(
    rest: &KalshiRest,
    tickers: &[String],
    interner: &mut MarketInterner,
) -> Result<Vec<Event>, VenueError> {
    let mut out = Vec::new();
    for t in tickers {
        let m = rest.market(t).await?;
        let series_ticker = match rest.event(&m.event_ticker).await {
            Ok(e) => e.event.series_ticker,
            Err(VenueError::NotFound { .. }) => String::new(),
            Err(e) => return Err(e),
        };
        let multiplier_bp = if series_ticker.is_empty() {
            10_000
        } else {
            let s = rest.series(&series_ticker).await?;
            (s.fee_multiplier * 10_000.0).round().clamp(0.0, 1e9) as u32
        };
        interner.intern(
            Venue::Kalshi,
            t,
            |id| MarketMeta {
                id,
                venue: Venue::Kalshi,
                venue_id: t.clone(),
                title: m.title.clone(),
                event_id: m.event_ticker.clone(),
                series_id: series_ticker.clone(),
                close_ts: None,
                no_leg: NoLeg::SameBook,
                fees: FeeModel::Kalshi { multiplier_bp },
                tick: Price(100),
            },
            &mut out,
        );
    }
    Ok(out)
}

pub async fn balance(rest: &KalshiRest) -> Result<Event, VenueError> {
    let b = rest.balance().await?;
    Ok(Event::Balance(BalanceReport {
        venue: Venue::Kalshi,
        cash: Money(b.balance * 10_000),
    }))
}

/// Streams books and trades of `tickers` into the core until `stop`; after repeated
/// drops it resyncs periodically (hybrid) or polls REST books with the stream off
/// (poll-only), and climbs back after a quiet spell.
pub async fn ingress(
    url: String,
    signer: KalshiSigner,
    rest: KalshiRest,
    tickers: Vec<String>,
    mut interner: MarketInterner,
    mut ctx: super::ingress::IngressCtx,
) {
    use crate::event::{Endpoint, FeedMode};
    let mut backoff = Duration::from_millis(250);
    let mut silence = super::watchdog::Silence::new(ctx.silent_after);
    let mut health = super::degrade::Health::new(ctx.feed, std::time::Instant::now());
    while !ctx.stopped() {
        if health.mode() == FeedMode::PollOnly {
            for t in &tickers {
                if let Some(ev) = rest_book(&rest, t, &interner).await
                    && !ctx.send(ev)
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_secs_f64(ctx.feed.poll_s)).await;
            if !ctx.mode(Venue::Kalshi, health.on_tick(std::time::Instant::now())) {
                return;
            }
            continue;
        }
        // An open breaker (failed connections in a row) holds connections off until its
        // cool-down is over; then one probe goes.
        if !super::ingress::breaker_allows(rest.governor(), Endpoint::MarketStream).await {
            if !ctx.mode(Venue::Kalshi, health.on_tick(std::time::Instant::now())) {
                return;
            }
            continue;
        }
        match KalshiWs::connect(&url, Some(&signer)).await {
            Ok(mut ws) => 'stream: {
                backoff = Duration::from_millis(250);
                silence.connected();
                ctx.count(|s| s.connects += 1);
                if ws
                    .subscribe(&["orderbook_delta", "trade"], &tickers)
                    .await
                    .is_err()
                {
                    break 'stream;
                }
                // The breaker closes once the stream delivered a book, not on the handshake.
                let mut delivered = false;
                let mut state = KalshiState::default();
                let mut sids = std::collections::BTreeSet::new();
                let mut next_resync = tokio::time::Instant::now() + health.resync_every();
                loop {
                    if ctx.stopped() || !ctx.flush() {
                        ws.close().await;
                        return;
                    }
                    ctx.heard(ws.silent_for());
                    if !ctx.mode(Venue::Kalshi, health.on_tick(std::time::Instant::now())) {
                        return;
                    }
                    if tokio::time::Instant::now() >= next_resync {
                        // Full books now and then, in the stream's own sequence: often in
                        // hybrid mode, once a reconcile period in stream mode.
                        for sid in &sids {
                            let _ = ws.get_snapshot(*sid, &tickers).await;
                        }
                        next_resync = tokio::time::Instant::now() + health.resync_every();
                    }
                    let frame = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
                    let Ok(frame) = frame else {
                        if ctx.silent(&mut silence, ws.silent_for()) {
                            ctx.report_silent(Venue::Kalshi, silence.bound());
                            break;
                        }
                        continue;
                    };
                    let Some(Ok((ts, text))) = frame else { break };
                    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                        continue;
                    };
                    // Only the markets interned at start: an unknown ticker must not mint an id here.
                    let ticker = value
                        .get("msg")
                        .and_then(|m| m.get("market_ticker"))
                        .and_then(|t| t.as_str());
                    if ticker.is_some_and(|t| interner.get(Venue::Kalshi, t).is_none()) {
                        continue;
                    }
                    let sid = value.get("sid").and_then(|s| s.as_u64());
                    if let Some(sid) = sid {
                        sids.insert(sid);
                    }
                    let mapped = map_message(value, &mut interner, &mut state);
                    if !delivered
                        && mapped
                            .events
                            .iter()
                            .any(|e| matches!(e, Event::BookSnapshot(_)))
                    {
                        delivered = true;
                        rest.governor().record_stream(Endpoint::MarketStream, true);
                    }
                    let mut bad = Vec::new();
                    for event in mapped.events {
                        match ctx.push(ts, event) {
                            Ok(b) => bad.extend(b),
                            Err(_) => return,
                        }
                    }
                    if let (false, Some(sid)) = (bad.is_empty(), sid) {
                        // A crossed or impossible book is not waited out: the same
                        // in-stream snapshot a gap asks for, now.
                        let _ = ws.get_snapshot(sid, &tickers).await;
                    }
                    if mapped.warnings.contains(&"sequence_gap")
                        && let Some(sid) = sid
                    {
                        // The book is suspect until a fresh snapshot: ask for one.
                        let _ = ws.get_snapshot(sid, &tickers).await;
                        ctx.count(|s| s.gaps += 1);
                        let now = std::time::Instant::now();
                        if !ctx.mode(Venue::Kalshi, health.on_drop(now)) {
                            return;
                        }
                        if health.mode() == FeedMode::PollOnly {
                            ws.close().await;
                            break;
                        }
                    }
                }
            }
            Err(VenueError::Auth { .. }) => {
                // Refused credentials do not get better by retrying fast.
                backoff = Duration::from_secs(5);
            }
            Err(_) => {}
        }
        tracing::warn!(
            venue = "kalshi",
            retry_in_ms = backoff.as_millis() as u64,
            "market data stream down; reconnecting"
        );
        ctx.count(|s| s.drops += 1);
        if !ctx.send(Event::Feed(FeedStatus {
            venue: Venue::Kalshi,
            state: FeedState::Disconnected,
        })) {
            return;
        }
        rest.governor().record_stream(Endpoint::MarketStream, false);
        if !ctx.mode(Venue::Kalshi, health.on_drop(std::time::Instant::now())) {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// One market's book over REST (poll-only mode), as a snapshot: YES bids are bids, NO
/// bids at q are asks at 1 − q. `None` when it cannot be read (the next poll retries).
async fn rest_book(rest: &KalshiRest, ticker: &str, interner: &MarketInterner) -> Option<Event> {
    let market = interner.get(Venue::Kalshi, ticker)?;
    let ob = rest.orderbook(ticker).await.ok()?;
    let level = |(p, q): &(String, String)| {
        Some((Price::from_decimal(p).ok()?, Qty::from_decimal(q).ok()?))
    };
    let bids = ob
        .yes_dollars
        .iter()
        .map(level)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .map(|(price, qty)| crate::event::Level { price, qty })
        .collect();
    let asks = ob
        .no_dollars
        .iter()
        .map(level)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .map(|(price, qty)| crate::event::Level {
            price: price.complement(),
            qty,
        })
        .collect();
    Some(Event::BookSnapshot(crate::event::BookSnapshot {
        market,
        venue_seq: 0,
        bids,
        asks,
    }))
}

/// Places one order and reports what happened as events: an ack, its fills, and the
/// cancel of an immediate-or-cancel remainder (or a reject).
pub async fn place(rest: &KalshiRest, ticker: &str, o: &PlaceOrder) -> Vec<Event> {
    let (side, price_field) = match o.outcome {
        Outcome::Yes => ("yes", (Some(o.price.to_string()), None)),
        Outcome::No => ("no", (None, Some(o.price.to_string()))),
    };
    let req = CreateOrderRequest {
        ticker: ticker.to_string(),
        client_order_id: Some(o.id.to_string()),
        side: side.into(),
        action: "buy".into(),
        count_fp: Some(format_decimal(o.qty.0, 6, 2)),
        order_type: Some("limit".into()),
        yes_price_dollars: price_field.0,
        no_price_dollars: price_field.1,
        time_in_force: Some(
            match o.tif {
                TimeInForce::ImmediateOrCancel => "immediate_or_cancel",
                TimeInForce::GoodTillCanceled | TimeInForce::GoodTillTime { .. } => {
                    "good_till_canceled"
                }
            }
            .into(),
        ),
        // The venue expires the order itself (whole seconds, rounded up), so a resting
        // leg ends on time even if this process does not live to cancel it.
        expiration_ts: match o.tif {
            TimeInForce::GoodTillTime { expires_ns } => {
                Some((expires_ns + 999_999_999) / 1_000_000_000)
            }
            _ => None,
        },
        ..CreateOrderRequest::default()
    };
    let order = match rest.create_order(&req).await {
        Ok(order) => order,
        Err(e) => {
            return vec![Event::OrderReject(OrderReject {
                id: o.id,
                reason: e.to_string(),
            })];
        }
    };
    let mut out = vec![Event::OrderAck(OrderAck {
        id: o.id,
        venue_order_id: order.order_id.clone(),
    })];
    let filled = match new_fills(rest, o, &order.order_id, Qty::ZERO).await {
        Ok((fills, filled)) => {
            out.extend(fills);
            filled
        }
        Err(e) => {
            tracing::warn!(order = %o.id, error = %e, "fills of an acked order could not be read; reconciliation will find them");
            Qty::ZERO
        }
    };
    if order.status == "canceled" {
        let remaining = Qty(o.qty.0 - filled.0);
        if remaining.0 > 0 {
            out.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: remaining,
            }));
        }
    }
    out
}

/// The venue's fills of order `venue_order_id` beyond the first `booked` contracts
/// (those the engine has already), as events; and the total the venue has filled.
pub async fn new_fills(
    rest: &KalshiRest,
    o: &PlaceOrder,
    venue_order_id: &str,
    booked: Qty,
) -> Result<(Vec<Event>, Qty), VenueError> {
    let fills = rest
        .fills(&[("order_id", venue_order_id.to_string())])
        .await?
        .fills;
    let (mut out, mut total, mut skip) = (Vec::new(), 0i64, booked.0);
    for f in fills {
        let (Ok(q), Ok(yes)) = (
            Qty::from_decimal(&f.count_fp),
            Price::from_decimal(&f.yes_price_dollars),
        ) else {
            continue;
        };
        total += q.0;
        // The part of the venue's fills the engine already booked is skipped.
        let take = q.0 - skip.min(q.0);
        skip -= q.0 - take;
        if take == 0 {
            continue;
        }
        let price = if o.outcome == Outcome::Yes {
            yes
        } else {
            yes.complement()
        };
        out.push(Event::Fill(Fill {
            id: o.id,
            market: o.market,
            outcome: o.outcome,
            price,
            qty: Qty(take),
            fee: Money::from_decimal(&f.fee_cost).unwrap_or_default(),
            maker: !f.is_taker,
        }));
    }
    Ok((out, Qty(total)))
}

/// A Kalshi order resting at the venue, as the executor's tracker follows it.
pub struct KalshiResting {
    pub rest: Arc<KalshiRest>,
    pub order: PlaceOrder,
    pub venue_order_id: String,
    /// Contracts of it the engine has been told of.
    pub booked: Qty,
}

impl super::executor::RestingOrder for KalshiResting {
    async fn cancel(&self) {
        if let Err(e) = self.rest.cancel_order(&self.venue_order_id).await {
            // Already over at the venue, or not reachable: the next poll tells.
            tracing::info!(order = %self.order.id, error = %e, "cancel not taken");
        }
    }

    async fn poll(&mut self) -> Option<(Vec<Event>, bool)> {
        let o = self.order;
        let v = match self.rest.order(&self.venue_order_id).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "order status not read; will retry");
                return None;
            }
        };
        let venue_filled = Qty::from_decimal(&v.fill_count_fp).unwrap_or(self.booked);
        let mut events = Vec::new();
        if venue_filled > self.booked {
            match new_fills(&self.rest, &o, &self.venue_order_id, self.booked).await {
                Ok((fills, _)) => {
                    for f in fills {
                        if let Event::Fill(fill) = &f {
                            self.booked = Qty(self.booked.0 + fill.qty.0);
                        }
                        events.push(f);
                    }
                }
                Err(e) => tracing::warn!(order = %o.id, error = %e, "fills not read; will retry"),
            }
        }
        // Over once the venue says so and every fill it counts is booked.
        let over = v.status != "resting" && self.booked >= venue_filled;
        if over && v.status == "canceled" && self.booked < o.qty {
            events.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: Qty(o.qty.0 - self.booked.0),
            }));
        }
        Some((events, over))
    }
}
