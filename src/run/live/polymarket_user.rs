//! Polymarket's user channel in `arb live`: trades of our orders that fail to settle
//! become `FillReversed` events, behind the channel's own circuit breaker.

use super::core::Inbound;
use super::polymarket::PlacedOrders;
use crate::core::{Money, Outcome, Price, Qty};
use crate::engine::fees::fee;
use crate::event::{Event, Fill};
use crate::venues::polymarket::ws::{PolymarketWs, split_frame};
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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
