//! Kalshi's portfolio reads: balance, positions and fills of the signed-in account.

use super::auth::KalshiAccount;
use super::{Shared, count, dollars, kalshi_markets, money, order_uuid, parse_order_uuid};
use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Venue};
use crate::sim::exchange::Action;
use crate::venues::kalshi::rest_wire as w;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

pub(super) async fn balance(
    State(state): Shared,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let ex = state.exchange();
    let a = ex.account(&account).cloned().unwrap_or_default();
    // Cents, as Kalshi reports balance: cash not locked by resting orders.
    let cents = (a.cash.0 - a.locked.0) / 10_000;
    Json(w::BalanceResponse {
        balance: cents,
        portfolio_value: cents,
    })
    .into_response()
}

pub(super) async fn positions(
    State(state): Shared,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let ex = state.exchange();
    let a = ex.account(&account).cloned().unwrap_or_default();
    let mut list = Vec::new();
    for i in kalshi_markets(&state) {
        let yes = a
            .positions
            .get(&(i, Outcome::Yes))
            .copied()
            .unwrap_or_default();
        let no = a
            .positions
            .get(&(i, Outcome::No))
            .copied()
            .unwrap_or_default();
        if yes.0 == 0 && no.0 == 0 {
            continue;
        }
        let fees: i64 = ex
            .ledger
            .fills
            .iter()
            .filter(|f| f.account == account && f.market == i)
            .map(|f| f.fee.0)
            .sum();
        list.push(w::MarketPosition {
            ticker: state.metas[i].venue_id.clone(),
            position_fp: format_decimal(yes.0 - no.0, 6, 2),
            fees_paid_dollars: money(Money(fees)),
            ..w::MarketPosition::default()
        });
    }
    Json(w::PositionsResponse {
        market_positions: list,
        ..w::PositionsResponse::default()
    })
    .into_response()
}

pub(super) async fn fills(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let order = q.get("order_id").and_then(|s| parse_order_uuid(s));
    let ex = state.exchange();
    let list = ex
        .ledger
        .fills
        .iter()
        .filter(|f| f.account == account && order.is_none_or(|o| o == f.order_id))
        .filter(|f| {
            state
                .metas
                .get(f.market)
                .is_some_and(|m| m.venue == Venue::Kalshi)
        })
        .map(|f| {
            let yes = if f.outcome == Outcome::Yes {
                f.price
            } else {
                f.price.complement()
            };
            w::Fill {
                fill_id: format!("fill-{}", f.trade_id),
                trade_id: format!("trade-{}", f.trade_id),
                order_id: order_uuid(f.order_id),
                client_order_id: f.client_order_id.clone().unwrap_or_default(),
                ticker: state.metas[f.market].venue_id.clone(),
                side: if f.outcome == Outcome::Yes {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                action: if f.action == Action::Buy {
                    "buy"
                } else {
                    "sell"
                }
                .into(),
                count_fp: count(f.qty),
                yes_price_dollars: dollars(yes),
                no_price_dollars: dollars(yes.complement()),
                is_taker: f.is_taker,
                fee_cost: money(f.fee),
                created_time: String::new(),
            }
        })
        .collect();
    Json(w::FillsResponse {
        fills: list,
        cursor: String::new(),
    })
    .into_response()
}
