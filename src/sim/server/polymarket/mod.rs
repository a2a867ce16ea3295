//! Polymarket's CLOB REST API on the simulator: market data, L1/L2 auth, V2 orders, trades.
//!
//! Public: markets (and the Gamma catalogue under `/gamma`), books, tick size, neg risk,
//! fee rate, version, time. L1: the API-key endpoints. L2: signed V2 orders, cancels,
//! open orders, trades. The venue's JSON shapes and `{"error"}` bodies.
//!
//! Every token is a market of its own in the exchange (its book is the token's book);
//! a BUY of a token buys that market's YES, a SELL sells it. Order ids are the EIP-712
//! order hashes, kept as the exchange orders' client order ids. No market is neg-risk.

mod account;
mod auth;
mod gamma;
mod market_data;
mod orders;
mod prices;

use super::SimState;
pub(super) use crate::clock::wall_ms as now_ms;
use crate::core::fixed::format_decimal;
use crate::core::{Money, Price, Qty, Venue};
use crate::event::FeeModel;
use crate::sim::exchange::Action;
use crate::venues::polymarket::auth::{AMOY_CHAIN_ID, POLYGON_CHAIN_ID};
use crate::venues::polymarket::eth::{U256, hex0x, keccak256};
use crate::venues::polymarket::rest_wire as w;
use account::{balance_allowance, get_order, open_orders, positions, trades};
use auth::{create_api_key, derive_api_key};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{delete, get, post};
use market_data::{
    book, books, clob_market, fee_rate, fee_rate_by_path, market, market_by_token, markets,
    neg_risk, tick_size, time, version,
};
use orders::{cancel_all, cancel_order, cancel_orders, post_order, post_orders};
use std::sync::Arc;

// What the WebSocket channels share with these endpoints.
pub(super) use account::{open_order, wire_trade};
pub(super) use market_data::{book_summary, last_trade};

type Shared = State<Arc<SimState>>;

/// Chains whose order and L1 signatures the simulator accepts (the official clients
/// build orders only for these).
pub(super) const CHAIN_IDS: [u64; 2] = [POLYGON_CHAIN_ID, AMOY_CHAIN_ID];
/// Every simulated market trades on the standard (not neg-risk) exchange.
pub(super) const NEG_RISK: bool = false;
/// Minimum size of a resting (GTC/GTD) order, tokens.
pub(super) const MIN_ORDER_SIZE: Qty = Qty(5 * Qty::SCALE);
/// How far `POLY_TIMESTAMP` (seconds) may be from the simulator's clock.
const TIMESTAMP_WINDOW_S: i64 = 300;
/// Most orders in one `POST /orders`.
const MAX_BATCH: usize = 15;
/// The order version the simulated exchange takes.
const ORDER_VERSION: u32 = 2;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/", get(prices::ok))
        .route("/midpoint", get(prices::get_midpoint))
        .route("/midpoints", post(prices::post_midpoints))
        .route("/price", get(prices::get_price))
        .route("/prices", post(prices::post_prices))
        .route("/spread", get(prices::get_spread))
        .route("/spreads", post(prices::post_spreads))
        .route("/last-trade-price", get(prices::get_last_trade_price))
        .route("/last-trades-prices", post(prices::post_last_trades_prices))
        .route("/book", get(book))
        .route("/books", post(books))
        .route("/markets", get(markets))
        .route("/gamma/markets", get(gamma::markets))
        .route("/gamma/events", get(gamma::events))
        .route("/markets/{condition_id}", get(market))
        .route("/markets-by-token/{token_id}", get(market_by_token))
        .route("/clob-markets/{condition_id}", get(clob_market))
        .route("/tick-size", get(tick_size))
        .route("/neg-risk", get(neg_risk))
        .route("/fee-rate", get(fee_rate))
        .route("/fee-rate/{token_id}", get(fee_rate_by_path))
        .route("/version", get(version))
        .route("/time", get(time))
        .route("/auth/api-key", post(create_api_key))
        .route("/auth/derive-api-key", get(derive_api_key))
        .route("/order", post(post_order).delete(cancel_order))
        .route("/orders", post(post_orders).delete(cancel_orders))
        .route("/cancel-all", delete(cancel_all))
        .route("/data/order/{order_id}", get(get_order))
        .route("/data/orders", get(open_orders))
        .route("/data/trades", get(trades))
        .route("/balance-allowance", get(balance_allowance))
        // The Data API's route (a separate host at the venue; here the same server).
        .route("/positions", get(positions))
}

/// A refusal in the CLOB's shape: `{"error": message}` with a status.
pub(super) struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, message)
    }

    fn unauthorized() -> Refusal {
        Refusal::new(StatusCode::UNAUTHORIZED, "Unauthorized/Invalid api key")
    }

    fn market_not_found() -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, "market not found")
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(w::ApiError {
                error: self.message,
            }),
        )
            .into_response()
    }
}

fn respond<T: serde::Serialize>(r: Result<T, Refusal>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

// ---- formatting ----

/// A price as the CLOB writes it: `"0.42"`, `"0.5"`, `"0.001"`.
pub(super) fn px(p: Price) -> String {
    format_decimal(i64::from(p.0), 4, 0)
}

/// A token amount: `"667.12"`, `"800"`.
pub(super) fn size(q: Qty) -> String {
    format_decimal(q.0, 6, 0)
}

fn usdc(m: Money) -> String {
    format_decimal(m.0, 6, 0)
}

fn tick_number(tick: Price) -> f64 {
    f64::from(tick.0) / 10_000.0
}

/// Trade ids are UUIDs on the venue; the simulator's are counters in UUID form.
pub(super) fn trade_uuid(trade_id: u64) -> String {
    format!("00000000-0000-4000-9000-{trade_id:012x}")
}

/// A stand-in settlement transaction hash for a trade.
pub(super) fn tx_hash(trade_id: u64) -> String {
    hex0x(keccak256(format!("arb-sim-trade-{trade_id}")))
}

pub(super) fn side_name(a: Action) -> &'static str {
    match a {
        Action::Buy => "BUY",
        Action::Sell => "SELL",
    }
}

fn other_side(a: Action) -> Action {
    match a {
        Action::Buy => Action::Sell,
        Action::Sell => Action::Buy,
    }
}

// ---- markets and tokens ----

pub(super) fn is_token(state: &SimState, market: usize) -> bool {
    state
        .metas
        .get(market)
        .is_some_and(|m| m.venue == Venue::Polymarket)
}

fn tokens(state: &SimState) -> impl Iterator<Item = usize> + '_ {
    (0..state.metas.len()).filter(|&i| is_token(state, i))
}

/// The exchange market of a listed token id (decimal text; leading zeros tolerated):
/// an unlisted token is unknown, as on the venue before it lists. Takes the exchange's
/// lock: never call it holding the exchange.
pub(super) fn find_token(state: &SimState, token_id: &str) -> Option<usize> {
    let i = match state.meta_of(Venue::Polymarket, token_id) {
        Some((i, _)) => i,
        None => {
            let canonical = U256::from_dec_str(token_id).ok()?.to_string();
            state.meta_of(Venue::Polymarket, &canonical)?.0
        }
    };
    state.exchange().listed(i).then_some(i)
}

/// The condition id of a token.
pub(super) fn condition(state: &SimState, market: usize) -> String {
    state
        .metas
        .get(market)
        .map(|m| m.event_id.clone())
        .unwrap_or_default()
}

/// The tokens of a condition, in scenario order.
fn siblings(state: &SimState, condition_id: &str) -> Vec<usize> {
    tokens(state)
        .filter(|&i| state.metas[i].event_id == condition_id)
        .collect()
}

/// `Yes` for a condition's first token, `No` for its second.
pub(super) fn outcome_name(state: &SimState, market: usize) -> &'static str {
    let sibs = siblings(state, &condition(state, market));
    match sibs.iter().position(|&i| i == market) {
        Some(1) => "No",
        _ => "Yes",
    }
}

/// The market's base fee in basis points (its fee rate, as `/fee-rate` reports it).
pub(super) fn base_fee_bps(state: &SimState, market: usize) -> u64 {
    match state.metas.get(market).map(|m| m.fees) {
        Some(FeeModel::Polymarket { rate_ppm, .. }) => u64::from(rate_ppm / 100),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_sizes_are_written_as_the_clob_writes_them() {
        assert_eq!(px(Price(4200)), "0.42");
        assert_eq!(px(Price(5000)), "0.5");
        assert_eq!(px(Price(10)), "0.001");
        assert_eq!(size(Qty(667_120_000)), "667.12");
        assert_eq!(size(Qty::contracts(800)), "800");
    }
}
