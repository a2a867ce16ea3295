//! Polymarket's price reads, as the official clients call them: `GET /` (health),
//! `GET /midpoint`, `/price` (`side=BUY`: the best bid, `SELL`: the best ask, as the
//! venue documents), `/spread`, `/last-trade-price`, and their batch forms (`POST
//! /midpoints`, `/prices`, `/spreads`, `/last-trades-prices`), all read from the public
//! book `GET /book` shows.

use super::{Refusal, Shared, find_token, px, respond};
use crate::core::Price;
use crate::core::fixed::format_decimal;
use crate::sim::exchange::{Action, public_levels};
use crate::sim::server::SimState;
use crate::venues::polymarket::rest_wire as w;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Most tokens in one batch request.
const MAX_BATCH: usize = 500;

/// A token's best bid and best ask now.
fn touch(state: &SimState, market: usize) -> (Option<Price>, Option<Price>) {
    let ex = state.exchange();
    let (bids, asks) = public_levels(&ex, market);
    (
        bids.keys().next_back().map(|&p| Price(p)),
        asks.keys().next().map(|&p| Price(p)),
    )
}

fn no_book() -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "No orderbook exists for the requested token id",
    )
}

fn token(state: &SimState, token_id: Option<&String>) -> Result<usize, Refusal> {
    let t = token_id.ok_or_else(|| Refusal::bad("Invalid token id"))?;
    find_token(state, t).ok_or_else(no_book)
}

/// Half way between the best bid and ask: `"0.41"`, `"0.415"`.
fn midpoint(state: &SimState, market: usize) -> Result<String, Refusal> {
    match touch(state, market) {
        (Some(b), Some(a)) => Ok(format_decimal((i64::from(b.0) + i64::from(a.0)) * 5, 5, 0)),
        _ => Err(no_book()),
    }
}

fn spread(state: &SimState, market: usize) -> Result<String, Refusal> {
    match touch(state, market) {
        (Some(b), Some(a)) => Ok(px(Price(a.0.saturating_sub(b.0)))),
        _ => Err(no_book()),
    }
}

/// `BUY`: the best bid; `SELL`: the best ask.
fn price(state: &SimState, market: usize, side: Option<&str>) -> Result<String, Refusal> {
    let (bid, ask) = touch(state, market);
    let best = match side.map(str::to_ascii_uppercase).as_deref() {
        Some("BUY") => bid,
        Some("SELL") => ask,
        _ => return Err(Refusal::bad("Invalid side")),
    };
    best.map(px).ok_or_else(no_book)
}

/// The last trade's price and side (`""`, `""` before any).
fn last_trade(state: &SimState, market: usize) -> (String, &'static str) {
    let ex = state.exchange();
    ex.ledger
        .fills
        .iter()
        .rev()
        .find(|f| f.market == market)
        .map_or((String::new(), ""), |f| {
            let side = match f.action {
                Action::Buy => "BUY",
                Action::Sell => "SELL",
            };
            (px(f.price), side)
        })
}

type Params = Query<BTreeMap<String, String>>;

pub(super) async fn ok() -> Response {
    Json("OK").into_response()
}

pub(super) async fn get_midpoint(State(state): Shared, Query(q): Params) -> Response {
    respond(
        token(&state, q.get("token_id"))
            .and_then(|m| midpoint(&state, m))
            .map(|mid| json!({ "mid": mid })),
    )
}

pub(super) async fn get_price(State(state): Shared, Query(q): Params) -> Response {
    let side = q.get("side").map(String::as_str);
    respond(
        token(&state, q.get("token_id"))
            .and_then(|m| price(&state, m, side))
            .map(|p| json!({ "price": p })),
    )
}

pub(super) async fn get_spread(State(state): Shared, Query(q): Params) -> Response {
    respond(
        token(&state, q.get("token_id"))
            .and_then(|m| spread(&state, m))
            .map(|s| json!({ "spread": s })),
    )
}

pub(super) async fn get_last_trade_price(State(state): Shared, Query(q): Params) -> Response {
    respond(token(&state, q.get("token_id")).map(|m| {
        let (price, side) = last_trade(&state, m);
        json!({ "price": price, "side": side })
    }))
}

/// A batch body's params, or why not.
fn batch(body: &[u8]) -> Result<Vec<w::BookParams>, Refusal> {
    let params: Vec<w::BookParams> =
        serde_json::from_slice(body).map_err(|_| Refusal::bad("Invalid payload"))?;
    if params.len() > MAX_BATCH {
        return Err(Refusal::bad("Payload exceeds the limit"));
    }
    Ok(params)
}

/// `{token_id: value}` for each known token of the batch with a value.
fn by_token(
    state: &SimState,
    body: &[u8],
    value: impl Fn(usize, &w::BookParams) -> Option<Value>,
) -> Response {
    respond(batch(body).map(|params| {
        let mut out = Map::new();
        for p in &params {
            if let Some(v) = find_token(state, &p.token_id).and_then(|m| value(m, p)) {
                out.insert(p.token_id.clone(), v);
            }
        }
        Value::Object(out)
    }))
}

pub(super) async fn post_midpoints(State(state): Shared, body: axum::body::Bytes) -> Response {
    by_token(&state, &body, |m, _| {
        midpoint(&state, m).ok().map(Value::from)
    })
}

pub(super) async fn post_spreads(State(state): Shared, body: axum::body::Bytes) -> Response {
    by_token(&state, &body, |m, _| {
        spread(&state, m).ok().map(Value::from)
    })
}

/// `{token_id: {SIDE: price}}`, the sides of one token merged.
pub(super) async fn post_prices(State(state): Shared, body: axum::body::Bytes) -> Response {
    respond(batch(&body).map(|params| {
        let mut out = Map::new();
        for p in &params {
            let side = p.side.as_deref().unwrap_or_default().to_ascii_uppercase();
            let Some(m) = find_token(&state, &p.token_id) else {
                continue;
            };
            if let Ok(v) = price(&state, m, Some(&side)) {
                let entry = out
                    .entry(p.token_id.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                entry[side.as_str()] = Value::from(v);
            }
        }
        Value::Object(out)
    }))
}

pub(super) async fn post_last_trades_prices(
    State(state): Shared,
    body: axum::body::Bytes,
) -> Response {
    respond(batch(&body).map(|params| {
        params
            .iter()
            .filter_map(|p| {
                let m = find_token(&state, &p.token_id)?;
                let (price, side) = last_trade(&state, m);
                Some(json!({ "token_id": p.token_id, "price": price, "side": side }))
            })
            .collect::<Vec<Value>>()
    }))
}
