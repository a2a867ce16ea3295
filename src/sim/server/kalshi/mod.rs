//! Kalshi Trade API v2 on the simulator: markets, events, series, order books, and the
//! authenticated portfolio endpoints (balance, positions, orders, fills), with Kalshi's
//! JSON shapes and error bodies.

mod auth;
mod exchange;
mod market_data;
mod orders;
mod portfolio;
mod settlements;

use super::SimState;
use crate::core::fixed::format_decimal;
use crate::core::{Money, Price, Qty, Venue};
use crate::venues::kalshi::rest_wire as w;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use market_data::{event, events, market, markets, orderbook, series, series_list};
use orders::{batch_create_orders, cancel_order, create_order, get_order, list_orders};
use portfolio::{balance, fills, positions};
use std::sync::Arc;

pub(super) use auth::authenticate;

type Shared = State<Arc<SimState>>;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/exchange/status", get(exchange::status))
        .route("/markets/trades", get(exchange::trades))
        .route("/markets", get(markets))
        .route("/markets/{ticker}", get(market))
        .route("/markets/{ticker}/orderbook", get(orderbook))
        .route("/events", get(events))
        .route("/events/{event_ticker}", get(event))
        .route("/series", get(series_list))
        .route("/series/{series_ticker}", get(series))
        .route("/portfolio/balance", get(balance))
        .route("/portfolio/positions", get(positions))
        .route("/portfolio/orders", get(list_orders).post(create_order))
        .route(
            "/portfolio/orders/batched",
            axum::routing::post(batch_create_orders),
        )
        .route(
            "/portfolio/orders/{order_id}",
            get(get_order).delete(cancel_order),
        )
        .route("/portfolio/fills", get(fills))
        .route("/portfolio/settlements", get(settlements::settlements))
}

/// A refusal in Kalshi's error shape, small enough to return in a `Result`.
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

/// Kalshi's error body with a status.
pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = w::ApiError {
        error: w::ApiErrorBody {
            code: code.into(),
            message: message.into(),
            details: None,
        },
    };
    (status, Json(body)).into_response()
}

/// A page request's `limit` (default 100, at most 1000, as the venue) and `cursor`
/// (where the page starts; opaque to clients), or what is wrong with them.
fn page(q: &std::collections::BTreeMap<String, String>) -> Result<(usize, usize), &'static str> {
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(l)) if (1..=1000).contains(&l) => l,
        Some(_) => return Err("limit must be between 1 and 1000"),
    };
    let from = match q
        .get("cursor")
        .filter(|c| !c.is_empty())
        .map(|c| c.parse::<usize>())
    {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Err("invalid cursor"),
    };
    Ok((limit, from))
}

fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("{what} not found"),
    )
}

fn dollars(p: Price) -> String {
    p.to_string()
}

pub(super) fn count(q: Qty) -> String {
    format_decimal(q.0, 6, 2)
}

pub(super) fn money(m: Money) -> String {
    format_decimal(m.0, 6, 6)
}

fn kalshi_markets(state: &SimState) -> impl Iterator<Item = usize> + '_ {
    state
        .metas
        .iter()
        .enumerate()
        .filter(|(_, m)| m.venue == Venue::Kalshi)
        .map(|(i, _)| i)
}

/// A listed market's index: an unlisted one is unknown, as on the venue before it lists.
/// Takes the exchange's lock: never call it holding the exchange.
fn find(state: &SimState, ticker: &str) -> Option<usize> {
    let i = state.meta_of(Venue::Kalshi, ticker).map(|(i, _)| i)?;
    state.exchange().listed(i).then_some(i)
}

/// Kalshi's order ids are UUIDs; the simulator's are counters in UUID form.
pub(super) fn order_uuid(id: u64) -> String {
    format!("00000000-0000-4000-8000-{id:012x}")
}

fn parse_order_uuid(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("00000000-0000-4000-8000-")?, 16).ok()
}

/// RFC 3339 UTC time of epoch nanoseconds (second precision).
pub(in crate::sim::server) fn rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
