//! `GET /_sim/ledger`: what the simulated exchange received and did, for tests that
//! audit the engine against it. Markets are named by their venue ids (a Kalshi ticker,
//! a Polymarket token id) everywhere, money in 6-decimal dollars.

use super::SimState;
use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome};
use crate::sim::exchange::Exchange;
use axum::response::{IntoResponse, Json};
use serde_json::{Value, json};
use std::sync::Arc;

fn dollars(m: Money) -> String {
    format_decimal(m.0, 6, 6)
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Yes => "yes",
        Outcome::No => "no",
    }
}

/// A serialized record with its `market` index replaced by the market's venue id and
/// its venue added.
fn named(ex: &Exchange, record: &impl serde::Serialize, market: usize) -> Value {
    let mut v = serde_json::to_value(record).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        let m = ex.markets.get(market);
        obj.insert(
            "market".into(),
            json!(m.map_or("?", |m| m.venue_id.as_str())),
        );
        obj.insert("venue".into(), json!(m.map_or("?", |m| m.venue.name())));
    }
    v
}

/// `GET /_sim/ledger`: every order received (with its client order id), every reject,
/// fill, cancel and settlement, each account's cash and positions, and the venue
/// requests served per route.
pub(super) async fn ledger(
    axum::extract::State(state): axum::extract::State<Arc<SimState>>,
) -> impl IntoResponse {
    let ex = state.exchange();
    let orders: Vec<Value> = ex
        .ledger
        .orders
        .iter()
        .map(|(id, o)| {
            let mut v = named(&ex, o, o.market);
            v["order_id"] = json!(id);
            v
        })
        .collect();
    let rejects: Vec<Value> = ex
        .ledger
        .rejects
        .iter()
        .map(|(o, reason)| json!({"order": named(&ex, o, o.market), "reason": reason}))
        .collect();
    let fills: Vec<Value> = ex
        .ledger
        .fills
        .iter()
        .map(|f| named(&ex, f, f.market))
        .collect();
    let settlements: Vec<Value> = ex
        .ledger
        .settlements
        .iter()
        .map(|s| {
            let m = ex.markets.get(s.market);
            json!({
                "account": s.account,
                "venue": m.map_or("?", |m| m.venue.name()),
                "market": m.map_or("?", |m| m.venue_id.as_str()),
                "outcome": outcome(s.outcome),
                "qty": format_decimal(s.qty.0, 6, 6),
                "payout": dollars(s.payout),
                "ts_ns": s.ts_ns,
            })
        })
        .collect();
    let accounts: Vec<Value> = ex
        .accounts
        .iter()
        .map(|(name, a)| {
            let positions: Vec<Value> = a
                .positions
                .iter()
                .filter(|(_, q)| q.0 != 0)
                .map(|((m, o), q)| {
                    let market = ex.markets.get(*m);
                    json!([market.map_or("?", |m| m.venue_id.as_str()), o, q])
                })
                .collect();
            json!({
                "name": name,
                "cash": dollars(a.cash),
                "locked": dollars(a.locked),
                "positions": positions,
            })
        })
        .collect();
    Json(json!({
        "orders": orders,
        "rejects": rejects,
        "fills": fills,
        "cancels": ex.ledger.cancels,
        "settlements": settlements,
        "accounts": accounts,
        "requests": state.request_counts(),
        "streams": {
            "kalshi": state.stream_counts(crate::core::Venue::Kalshi),
            "polymarket": state.stream_counts(crate::core::Venue::Polymarket),
        },
    }))
}
