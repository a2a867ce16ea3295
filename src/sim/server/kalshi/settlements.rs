//! Kalshi's `GET /portfolio/settlements`: the signed-in account's settled markets, one
//! record per market, newest first, cursor-paginated.

use super::auth::KalshiAccount;
use super::{Shared, count, error, money, rfc3339};
use crate::core::{Money, Outcome, Qty, Venue};
use crate::sim::exchange::{Action, Exchange, MarketStatus};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;
use std::collections::BTreeMap;

/// One settlement as the venue reports it. Counts in `_fp` form, costs in dollars,
/// `revenue` and `value` (a YES contract's payout) in cents.
#[derive(Serialize)]
struct Settlement {
    ticker: String,
    event_ticker: String,
    market_result: &'static str,
    yes_count_fp: String,
    yes_total_cost_dollars: String,
    no_count_fp: String,
    no_total_cost_dollars: String,
    revenue: i64,
    settled_time: String,
    fee_cost: String,
    value: i64,
}

/// What the account paid for its contracts of `outcome` in `market`: the notional of
/// its buys (the simulator keeps no finer cost basis).
fn cost(ex: &Exchange, account: &str, market: usize, outcome: Outcome) -> Money {
    Money(
        ex.ledger
            .fills
            .iter()
            .filter(|f| f.account == account && f.market == market && f.outcome == outcome)
            .filter(|f| f.action == Action::Buy && !ex.failed_trades.contains(&f.trade_id))
            .map(|f| crate::core::fixed::notional_ceil(f.price, f.qty).map_or(0, |m| m.0))
            .sum(),
    )
}

fn fees(ex: &Exchange, account: &str, market: usize) -> Money {
    Money(
        ex.ledger
            .fills
            .iter()
            .filter(|f| f.account == account && f.market == market)
            .map(|f| f.fee.0)
            .sum(),
    )
}

/// `GET /portfolio/settlements?limit=&cursor=&ticker=`.
pub(super) async fn settlements(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, "invalid_parameters", m);
    let (limit, from) = match super::page(&q) {
        Ok(p) => p,
        Err(m) => return bad(m),
    };
    let ex = state.exchange();
    // The account's settled Kalshi markets, in settlement order.
    let mut markets: Vec<usize> = Vec::new();
    for s in ex
        .ledger
        .settlements
        .iter()
        .filter(|s| s.account == account)
    {
        let kalshi = state
            .metas
            .get(s.market)
            .is_some_and(|m| m.venue == Venue::Kalshi);
        if kalshi && !markets.contains(&s.market) {
            markets.push(s.market);
        }
    }
    markets.retain(|&m| {
        q.get("ticker")
            .is_none_or(|t| *t == state.metas[m].venue_id)
    });
    markets.reverse(); // newest first
    let page: Vec<Settlement> = markets
        .iter()
        .skip(from)
        .take(limit)
        .map(|&m| {
            let records: Vec<_> = ex
                .ledger
                .settlements
                .iter()
                .filter(|s| s.account == account && s.market == m)
                .collect();
            let held = |o: Outcome| {
                Qty(records
                    .iter()
                    .filter(|s| s.outcome == o)
                    .map(|s| s.qty.0)
                    .sum())
            };
            let payout: i64 = records.iter().map(|s| s.payout.0).sum();
            let yes_wins = matches!(
                ex.markets[m].status,
                MarketStatus::Settled { yes_wins: true }
            );
            Settlement {
                ticker: state.metas[m].venue_id.clone(),
                event_ticker: state.metas[m].event_id.clone(),
                market_result: if yes_wins { "yes" } else { "no" },
                yes_count_fp: count(held(Outcome::Yes)),
                yes_total_cost_dollars: money(cost(&ex, &account, m, Outcome::Yes)),
                no_count_fp: count(held(Outcome::No)),
                no_total_cost_dollars: money(cost(&ex, &account, m, Outcome::No)),
                revenue: payout / 10_000,
                settled_time: rfc3339(records.first().map_or(0, |s| s.ts_ns)),
                fee_cost: money(fees(&ex, &account, m)),
                value: if yes_wins { 100 } else { 0 },
            }
        })
        .collect();
    let next = from + page.len();
    let cursor = if next < markets.len() {
        next.to_string()
    } else {
        String::new()
    };
    Json(serde_json::json!({ "settlements": page, "cursor": cursor })).into_response()
}
