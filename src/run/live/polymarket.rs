//! Polymarket in `arb live`: token metadata at start (condition, complement, tick, fee
//! schedule), the market-channel ingress (books and price changes -> events, reconnect
//! with back-off), and the executor (signed V2 orders -> acks, fills, cancels).

use super::core::Inbound;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::engine::fees::fee;
use crate::event::{
    BalanceReport, Event, FeeModel, FeedState, FeedStatus, Fill, MarketMeta, NoLeg, OrderAck,
    OrderCanceled, OrderReject, PlaceOrder, TimeInForce,
};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::polymarket::auth::Side;
use crate::venues::polymarket::rest::{LimitOrder, OrderType, PolymarketRest};
use crate::venues::polymarket::ws::{PolymarketWs, split_frame};
use crate::venues::polymarket::{PolymarketState, map_message};
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the executor needs to know of a token to sign an order for it.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub token_id: String,
    pub tick: Price,
    pub neg_risk: bool,
    pub fees: FeeModel,
}

fn tick_of(mts: f64) -> Price {
    Price((mts * 10_000.0).round().clamp(1.0, 10_000.0) as u16)
}

/// Interns every configured token with its sibling (the other outcome of its
/// condition), tick and fee schedule, and returns the definitions with each token's
/// order parameters.
pub async fn market_metas(
    rest: &PolymarketRest,
    tokens: &[String],
    interner: &mut MarketInterner,
) -> Result<(Vec<Event>, Vec<(crate::core::MarketId, TokenInfo)>), VenueError> {
    let mut out = Vec::new();
    let mut infos = Vec::new();
    for token in tokens {
        if infos
            .iter()
            .any(|(_, i): &(crate::core::MarketId, TokenInfo)| &i.token_id == token)
        {
            continue; // done with its sibling already
        }
        let condition = rest.market_by_token(token).await?.condition_id;
        let m = rest.clob_market(&condition).await?;
        let fees = match &m.fd {
            Some(fd) => FeeModel::Polymarket {
                rate_ppm: (fd.r * 1e6).round().clamp(0.0, 1e9) as u32,
                exponent: fd.e.round().clamp(0.0, 8.0) as u8,
                taker_only: fd.to,
            },
            None => FeeModel::Free,
        };
        let tick = tick_of(m.mts);
        let base = interner.next_id();
        let pair = m.t.len() == 2;
        // Tokens a continued journal already defined keep their ids (and need no event).
        let known: Vec<Option<crate::core::MarketId>> =
            m.t.iter()
                .map(|t| interner.get(Venue::Polymarket, &t.t))
                .collect();
        for (i, t) in m.t.iter().enumerate() {
            if let Some(id) = known[i] {
                infos.push((
                    id,
                    TokenInfo {
                        token_id: t.t.clone(),
                        tick,
                        neg_risk: m.nr,
                        fees,
                    },
                ));
                continue;
            }
            let no_leg = if pair {
                NoLeg::Complement(crate::core::MarketId(base.0 + (1 - i as u32)))
            } else {
                NoLeg::Unknown
            };
            let id = interner.intern(
                Venue::Polymarket,
                &t.t,
                |id| MarketMeta {
                    id,
                    venue: Venue::Polymarket,
                    venue_id: t.t.clone(),
                    title: format!("{} ({})", condition, t.o),
                    event_id: condition.clone(),
                    series_id: String::new(),
                    close_ts: None,
                    no_leg,
                    fees,
                    tick,
                },
                &mut out,
            );
            infos.push((
                id,
                TokenInfo {
                    token_id: t.t.clone(),
                    tick,
                    neg_risk: m.nr,
                    fees,
                },
            ));
        }
    }
    Ok((out, infos))
}

pub async fn balance(rest: &PolymarketRest) -> Result<Event, VenueError> {
    Ok(Event::Balance(BalanceReport {
        venue: Venue::Polymarket,
        cash: rest.collateral_balance().await?,
    }))
}

/// Streams the tokens' books into the core until `stop`; after repeated drops it
/// polls REST books now and then alongside the stream (hybrid) or instead of it
/// (poll-only), and climbs back after a quiet spell.
pub async fn ingress(
    url: String,
    rest: PolymarketRest,
    tokens: Vec<String>,
    mut interner: MarketInterner,
    mut ctx: super::ingress::IngressCtx,
) {
    use crate::event::{Endpoint, FeedMode};
    let mut backoff = Duration::from_millis(250);
    let mut silence = super::watchdog::Silence::new(ctx.silent_after);
    let mut health = super::degrade::Health::new(ctx.feed, std::time::Instant::now());
    while !ctx.stopped() {
        if health.mode() == FeedMode::PollOnly {
            if !rest_books(&rest, &tokens, &interner, &mut ctx).await {
                return;
            }
            tokio::time::sleep(Duration::from_secs_f64(ctx.feed.poll_s)).await;
            if !ctx.mode(Venue::Polymarket, health.on_tick(std::time::Instant::now())) {
                return;
            }
            continue;
        }
        // An open breaker (failed connections in a row) holds connections off until its
        // cool-down is over; then one probe goes.
        if !super::ingress::breaker_allows(rest.governor(), Endpoint::MarketStream).await {
            if !ctx.mode(Venue::Polymarket, health.on_tick(std::time::Instant::now())) {
                return;
            }
            continue;
        }
        if let Ok(mut ws) = PolymarketWs::connect(&url).await {
            backoff = Duration::from_millis(250);
            silence.connected();
            ctx.count(|s| s.connects += 1);
            if ws.subscribe_market(&tokens).await.is_ok() {
                // The breaker closes once the stream delivered a book, not on the handshake.
                let mut delivered = false;
                let mut state = PolymarketState::from_interner(&interner);
                let mut next_resync = tokio::time::Instant::now() + health.resync_every();
                loop {
                    if ctx.stopped() || !ctx.flush() {
                        ws.close().await;
                        return;
                    }
                    ctx.heard(ws.silent_for());
                    if !ctx.mode(Venue::Polymarket, health.on_tick(std::time::Instant::now())) {
                        return;
                    }
                    if tokio::time::Instant::now() >= next_resync {
                        // The REST books now and then (often in hybrid mode, once a
                        // reconcile period in stream mode; levels are set, not added, so
                        // a resync cannot double-count the stream's changes).
                        if !rest_books(&rest, &tokens, &interner, &mut ctx).await {
                            return;
                        }
                        next_resync = tokio::time::Instant::now() + health.resync_every();
                    }
                    let Ok(frame) =
                        tokio::time::timeout(Duration::from_millis(200), ws.next()).await
                    else {
                        if ctx.silent(&mut silence, ws.silent_for()) {
                            ctx.report_silent(Venue::Polymarket, silence.bound());
                            break;
                        }
                        continue;
                    };
                    let Some(Ok((ts, text))) = frame else { break };
                    let mut bad = Vec::new();
                    for value in split_frame(&text) {
                        // Only tokens interned at start: an unknown asset must not mint an id here.
                        let known = |v: &serde_json::Value| {
                            v.as_str()
                                .is_some_and(|a| interner.get(Venue::Polymarket, a).is_some())
                        };
                        let direct = value.get("asset_id").map(known);
                        let changes = value
                            .get("price_changes")
                            .and_then(|c| c.as_array())
                            .map(|c| c.iter().all(|x| x.get("asset_id").is_some_and(known)));
                        if direct == Some(false) || changes == Some(false) {
                            continue;
                        }
                        let events = map_message(value, &mut interner, &mut state).events;
                        if !delivered && events.iter().any(|e| matches!(e, Event::BookSnapshot(_)))
                        {
                            delivered = true;
                            rest.governor().record_stream(Endpoint::MarketStream, true);
                        }
                        for event in events {
                            match ctx.push(ts, event) {
                                Ok(b) => bad.extend(b),
                                Err(_) => return,
                            }
                        }
                    }
                    if !bad.is_empty() {
                        // A crossed or impossible book is not waited out: those books
                        // over REST now, as the periodic resync reads them.
                        let resync: Vec<String> = bad
                            .iter()
                            .filter_map(|(m, _)| interner.meta(*m).map(|x| x.venue_id.clone()))
                            .collect();
                        if !rest_books(&rest, &resync, &interner, &mut ctx).await {
                            return;
                        }
                    }
                }
            }
        }
        tracing::warn!(
            venue = "polymarket",
            retry_in_ms = backoff.as_millis() as u64,
            "market data stream down; reconnecting"
        );
        ctx.count(|s| s.drops += 1);
        if !ctx.send(Event::Feed(FeedStatus {
            venue: Venue::Polymarket,
            state: FeedState::Disconnected,
        })) {
            return;
        }
        rest.governor().record_stream(Endpoint::MarketStream, false);
        if !ctx.mode(Venue::Polymarket, health.on_drop(std::time::Instant::now())) {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Every token's book over REST, as snapshots to the core; false once the core is gone.
/// A book that cannot be read is skipped (the next poll retries).
async fn rest_books(
    rest: &PolymarketRest,
    tokens: &[String],
    interner: &MarketInterner,
    ctx: &mut super::ingress::IngressCtx,
) -> bool {
    for token in tokens {
        let Some(market) = interner.get(Venue::Polymarket, token) else {
            continue;
        };
        let Ok(book) = rest.book(token).await else {
            continue;
        };
        let levels = |side: &[crate::venues::polymarket::wire::OrderSummary]| {
            side.iter()
                .map(|l| {
                    Some(crate::event::Level {
                        price: Price::from_decimal(&l.price).ok()?,
                        qty: Qty::from_decimal(&l.size).ok()?,
                    })
                })
                .collect::<Option<Vec<_>>>()
        };
        let (Some(bids), Some(asks)) = (levels(&book.bids), levels(&book.asks)) else {
            continue;
        };
        let event = Event::BookSnapshot(crate::event::BookSnapshot {
            market,
            venue_seq: 0,
            bids,
            asks,
        });
        if !ctx.send(event) {
            return false;
        }
    }
    true
}

/// The order's salt, derived from its client order id: with the decision's timestamp
/// it makes the signed order (and so the venue's order id) reproducible from the
/// journal, which is how recovery finds an order whose answer a crash lost.
pub fn salt_of(id: crate::core::ClientOrderId) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.to_string().as_bytes()) & ((1 << 53) - 1)
}

/// The limit order a `PlaceOrder` becomes on Polymarket.
pub fn limit_order(token: &TokenInfo, o: &PlaceOrder) -> LimitOrder {
    LimitOrder {
        token_id: token.token_id.clone(),
        side: Side::Buy,
        price: o.price,
        size: o.qty,
        tick: token.tick,
        neg_risk: token.neg_risk,
        // A resting leg is good-till-canceled and canceled by the engine at its
        // deadline: a GTD expiration would change the signed order (and so its hash,
        // which recovery rebuilds), and Polymarket wants GTD at least a minute out.
        order_type: match o.tif {
            TimeInForce::ImmediateOrCancel => OrderType::Fak,
            TimeInForce::GoodTillCanceled | TimeInForce::GoodTillTime { .. } => OrderType::Gtc,
        },
        expiration: 0,
        post_only: false,
    }
}

/// Places one immediate-or-cancel (FAK) buy, signed with the salt of its client order
/// id and the time it was decided (ms), and reports an ack, its fills and the cancel of
/// the remainder, or a reject.
pub async fn place(
    rest: &PolymarketRest,
    token: &TokenInfo,
    o: &PlaceOrder,
    decided_ms: i64,
) -> Vec<Event> {
    if o.outcome != Outcome::Yes {
        return vec![Event::OrderReject(OrderReject {
            id: o.id,
            reason: "Polymarket orders buy a token (its YES)".into(),
        })];
    }
    let order = limit_order(token, o);
    let resp = match rest
        .place_order_with(&order, salt_of(o.id), decided_ms.max(0) as u64)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return vec![Event::OrderReject(OrderReject {
                id: o.id,
                reason: e.to_string(),
            })];
        }
    };
    let mut out = vec![Event::OrderAck(OrderAck {
        id: o.id,
        venue_order_id: resp.order_id.clone(),
    })];
    let mut filled = Qty::ZERO;
    for trade_id in &resp.trade_ids {
        match rest.trades(&[("id", trade_id.clone())]).await {
            Ok(page) => {
                for t in page.data.iter().filter(|t| &t.id == trade_id) {
                    let (Ok(price), Ok(qty)) =
                        (Price::from_decimal(&t.price), Qty::from_decimal(&t.size))
                    else {
                        continue;
                    };
                    let qty = qty.min(Qty(o.qty.0 - filled.0));
                    if qty.0 <= 0 {
                        continue;
                    }
                    filled = Qty(filled.0 + qty.0);
                    let paid = fee(token.fees, price, qty, false).unwrap_or(Money::ZERO);
                    out.push(Event::Fill(Fill {
                        id: o.id,
                        market: o.market,
                        outcome: Outcome::Yes,
                        price,
                        qty,
                        fee: paid,
                        maker: false,
                    }));
                }
            }
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "a trade of an acked order could not be read; reconciliation will find it")
            }
        }
    }
    let remaining = Qty(o.qty.0 - filled.0);
    if remaining.0 > 0 && o.tif == TimeInForce::ImmediateOrCancel {
        out.push(Event::OrderCanceled(OrderCanceled {
            id: o.id,
            canceled_qty: remaining,
        }));
    }
    out
}

/// A Polymarket order resting at the venue, as the executor's tracker follows it.
pub struct PolymarketResting {
    pub rest: Arc<PolymarketRest>,
    pub token: TokenInfo,
    pub order: PlaceOrder,
    pub order_hash: String,
    /// Contracts of it the engine has been told of.
    pub booked: Qty,
}

impl super::executor::RestingOrder for PolymarketResting {
    async fn cancel(&self) {
        if let Err(e) = self.rest.cancel_order(&self.order_hash).await {
            tracing::info!(order = %self.order.id, error = %e, "cancel not taken");
        }
    }

    async fn poll(&mut self) -> Option<(Vec<Event>, bool)> {
        let o = self.order;
        let v = match self.rest.order(&self.order_hash).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "order status not read; will retry");
                return None;
            }
        };
        let matched = Qty::from_decimal(&v.size_matched)
            .unwrap_or(self.booked)
            .min(o.qty);
        let mut events = Vec::new();
        if matched > self.booked {
            // A resting order is the maker: it trades at its own price.
            let qty = Qty(matched.0 - self.booked.0);
            events.push(Event::Fill(Fill {
                id: o.id,
                market: o.market,
                outcome: o.outcome,
                price: o.price,
                qty,
                fee: fee(self.token.fees, o.price, qty, true).unwrap_or(Money::ZERO),
                maker: true,
            }));
            self.booked = matched;
        }
        let over = v.status != "LIVE";
        if over && self.booked < o.qty {
            events.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: Qty(o.qty.0 - self.booked.0),
            }));
        }
        Some((events, over))
    }
}

/// Orders the executor placed on Polymarket, by the venue's order id (the order hash),
/// so that a trade reported on the user channel can be tied back to its order.
pub type PlacedOrders =
    Arc<std::sync::Mutex<std::collections::BTreeMap<String, (PlaceOrder, TokenInfo)>>>;

/// Watches the account's user channel for trades that fail to settle and reports each
/// as a `FillReversed` (once per trade). The channel's breaker (`UserStream`) holds
/// connections off after failures in a row; it closes once a connection subscribed and
/// was not hung up at once.
pub async fn user_ingress(
    url: String,
    creds: crate::venues::polymarket::auth::ApiCreds,
    governor: crate::venues::governor::Governor,
    placed: PlacedOrders,
    tx: Sender<Inbound>,
    stop: Arc<AtomicBool>,
) {
    use crate::event::Endpoint;
    let mut reversed = std::collections::BTreeSet::new();
    let mut backoff = Duration::from_millis(250);
    while !stop.load(Ordering::Relaxed) {
        if !super::ingress::breaker_allows(&governor, Endpoint::UserStream).await {
            continue;
        }
        if let Ok(mut ws) = PolymarketWs::connect(&url).await {
            backoff = Duration::from_millis(250);
            if ws.subscribe_user(&creds, &[]).await.is_ok() {
                // Subscribed, and not closed at once (the first read ends in a frame or
                // in quiet, not in the venue hanging up): the breaker closes.
                let mut settled = false;
                loop {
                    if stop.load(Ordering::Relaxed) {
                        ws.close().await;
                        return;
                    }
                    let frame = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
                    if !settled && matches!(frame, Err(_) | Ok(Some(Ok(_)))) {
                        settled = true;
                        governor.record_stream(Endpoint::UserStream, true);
                    }
                    let Ok(frame) = frame else {
                        continue;
                    };
                    let Some(Ok((ts, text))) = frame else { break };
                    for event in reversals(&text, &placed, &mut reversed) {
                        if tx.send(Inbound { ts, event }).is_err() {
                            return;
                        }
                    }
                }
            }
        }
        governor.record_stream(Endpoint::UserStream, false);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// The `FillReversed` events of one user-channel frame: each trade of an order the
/// executor placed that the venue reports FAILED, once per trade (`reversed`).
fn reversals(
    text: &str,
    placed: &PlacedOrders,
    reversed: &mut std::collections::BTreeSet<String>,
) -> Vec<Event> {
    let mut out = Vec::new();
    for v in split_frame(text) {
        if v.get("event_type").and_then(|e| e.as_str()) != Some("trade")
            || v.get("status").and_then(|s| s.as_str()) != Some("FAILED")
        {
            continue;
        }
        let (Some(trade), Some(order_hash)) = (
            v.get("id").and_then(|x| x.as_str()),
            v.get("taker_order_id").and_then(|x| x.as_str()),
        ) else {
            continue;
        };
        if reversed.contains(trade) {
            continue;
        }
        let found = placed.lock().ok().and_then(|m| m.get(order_hash).cloned());
        let Some((order, token)) = found else {
            continue;
        };
        let (Some(Ok(price)), Some(Ok(qty))) = (
            v.get("price")
                .and_then(|x| x.as_str())
                .map(Price::from_decimal),
            v.get("size")
                .and_then(|x| x.as_str())
                .map(Qty::from_decimal),
        ) else {
            continue;
        };
        reversed.insert(trade.to_string());
        // The fee is the one the fill was booked with.
        let paid = fee(token.fees, price, qty, false).unwrap_or(Money::ZERO);
        out.push(Event::FillReversed(Fill {
            id: order.id,
            market: order.market,
            outcome: Outcome::Yes,
            price,
            qty,
            fee: paid,
            maker: false,
        }));
    }
    out
}
