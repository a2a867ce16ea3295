//! Kalshi in `arb live`: market metadata at start, the WebSocket ingress (books and
//! trades -> events, resync on a sequence gap, reconnect with back-off), and the
//! executor (orders -> REST -> acks, fills, cancels as events).

use super::core::{Inbound, wall_ns};
use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::event::{
    BalanceReport, Event, FeeModel, FeedState, FeedStatus, Fill, MarketMeta, NoLeg, OrderAck,
    OrderCanceled, OrderReject, PlaceOrder,
};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::auth::KalshiSigner;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire::CreateOrderRequest;
use crate::venues::kalshi::ws::KalshiWs;
use crate::venues::kalshi::{KalshiState, map_message};
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Streams books and trades of `tickers` into the core until `stop`.
pub async fn ingress(
    url: String,
    signer: KalshiSigner,
    tickers: Vec<String>,
    mut interner: MarketInterner,
    tx: Sender<Inbound>,
    stop: Arc<AtomicBool>,
) {
    let mut backoff = Duration::from_millis(250);
    while !stop.load(Ordering::Relaxed) {
        match KalshiWs::connect(&url, Some(&signer)).await {
            Ok(mut ws) => {
                backoff = Duration::from_millis(250);
                if ws
                    .subscribe(&["orderbook_delta", "trade"], &tickers)
                    .await
                    .is_err()
                {
                    continue;
                }
                let mut state = KalshiState::default();
                loop {
                    if stop.load(Ordering::Relaxed) {
                        ws.close().await;
                        return;
                    }
                    let frame = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
                    let Ok(frame) = frame else { continue };
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
                    let mapped = map_message(value, &mut interner, &mut state);
                    for event in mapped.events {
                        if tx.send(Inbound { ts, event }).is_err() {
                            return;
                        }
                    }
                    if mapped.warnings.contains(&"sequence_gap")
                        && let Some(sid) = sid
                    {
                        // The book is suspect until a fresh snapshot: ask for one.
                        let _ = ws.get_snapshot(sid, &tickers).await;
                    }
                }
            }
            Err(VenueError::Auth { .. }) => {
                // Refused credentials do not get better by retrying fast.
                backoff = Duration::from_secs(5);
            }
            Err(_) => {}
        }
        let _ = tx.send(Inbound {
            ts: wall_ns(),
            event: Event::Feed(FeedStatus {
                venue: Venue::Kalshi,
                state: FeedState::Disconnected,
            }),
        });
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
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
                crate::event::TimeInForce::ImmediateOrCancel => "immediate_or_cancel",
                crate::event::TimeInForce::GoodTillCanceled => "good_till_canceled",
            }
            .into(),
        ),
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
    let mut filled = Qty::ZERO;
    match rest.fills(&[("order_id", order.order_id.clone())]).await {
        Ok(f) => {
            for fill in f.fills {
                let (Ok(qty), Ok(yes)) = (
                    Qty::from_decimal(&fill.count_fp),
                    Price::from_decimal(&fill.yes_price_dollars),
                ) else {
                    continue;
                };
                let price = if o.outcome == Outcome::Yes {
                    yes
                } else {
                    yes.complement()
                };
                let fee = Money::from_decimal(&fill.fee_cost).unwrap_or_default();
                filled = Qty(filled.0 + qty.0);
                out.push(Event::Fill(Fill {
                    id: o.id,
                    market: o.market,
                    outcome: o.outcome,
                    price,
                    qty,
                    fee,
                    maker: !fill.is_taker,
                }));
            }
        }
        Err(e) => {
            tracing::warn!(order = %o.id, error = %e, "fills of an acked order could not be read; reconciliation will find them")
        }
    }
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
