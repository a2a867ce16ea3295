//! `GET /_sim/ledger`: what the simulated exchange received and did, for tests that
//! audit the engine against it.

use super::SimState;
use crate::core::{Money, Venue};
use axum::response::{IntoResponse, Json};
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
struct LedgerView<'a> {
    orders: Vec<LedgerOrder<'a>>,
    rejects: Vec<LedgerReject<'a>>,
    fills: &'a [crate::sim::exchange::FillRecord],
    cancels: &'a [u64],
    accounts: Vec<LedgerAccount<'a>>,
}

#[derive(Serialize)]
struct LedgerOrder<'a> {
    order_id: u64,
    venue: Venue,
    market: &'a str,
    #[serde(flatten)]
    order: &'a crate::sim::exchange::NewOrder,
}

#[derive(Serialize)]
struct LedgerReject<'a> {
    order: &'a crate::sim::exchange::NewOrder,
    reason: &'a str,
}

#[derive(Serialize)]
struct LedgerAccount<'a> {
    name: &'a str,
    cash: Money,
    locked: Money,
    positions: Vec<(String, crate::core::Outcome, crate::core::Qty)>,
}

/// `GET /_sim/ledger`: every order received (with its client order id), every reject,
/// fill and cancel, and each account's cash and positions.
pub(super) async fn ledger(
    axum::extract::State(state): axum::extract::State<Arc<SimState>>,
) -> impl IntoResponse {
    let ex = state.exchange();
    let market = |i: usize| ex.markets.get(i).map_or("?", |m| m.venue_id.as_str());
    let view = LedgerView {
        orders: ex
            .ledger
            .orders
            .iter()
            .map(|(id, o)| LedgerOrder {
                order_id: *id,
                venue: ex.markets.get(o.market).map_or(Venue::Kalshi, |m| m.venue),
                market: market(o.market),
                order: o,
            })
            .collect(),
        rejects: ex
            .ledger
            .rejects
            .iter()
            .map(|(o, r)| LedgerReject {
                order: o,
                reason: r,
            })
            .collect(),
        fills: &ex.ledger.fills,
        cancels: &ex.ledger.cancels,
        accounts: ex
            .accounts
            .iter()
            .map(|(name, a)| LedgerAccount {
                name,
                cash: a.cash,
                locked: a.locked,
                positions: a
                    .positions
                    .iter()
                    .map(|((m, o), q)| (market(*m).to_string(), *o, *q))
                    .collect(),
            })
            .collect(),
    };
    Json(serde_json::to_value(&view).unwrap_or_default())
}
