//! Polymarket's public market data: books, markets, tick size, neg risk, fee rate, version, time.
//!
//! A market's lifecycle shows in `GET /markets`: `accepting_orders` false once it closes,
//! `closed` true and its winning token's `winner` once it settles (its book is then
//! gone). An unlisted market is unknown everywhere.

use super::{
    MIN_ORDER_SIZE, NEG_RISK, ORDER_VERSION, Refusal, Shared, base_fee_bps, condition, find_token,
    now_ms, outcome_name, px, respond, siblings, size, tick_number, tokens,
};
use crate::core::{Price, Qty};
use crate::event::FeeModel;
use crate::sim::exchange::{Exchange, MarketStatus, public_levels};
use crate::sim::server::SimState;
use crate::venues::polymarket::eth::{U256, hex0x, keccak256};
use crate::venues::polymarket::rest_wire as w;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

fn token_param(state: &SimState, q: &BTreeMap<String, String>) -> Result<usize, Refusal> {
    let Some(t) = q.get("token_id").filter(|t| U256::from_dec_str(t).is_ok()) else {
        return Err(Refusal::bad("Invalid token id"));
    };
    find_token(state, t).ok_or_else(Refusal::market_not_found)
}

/// The last price the account's orders traded at in a market (`""` if none).
pub(crate) fn last_trade(ex: &Exchange, market: usize) -> String {
    ex.ledger
        .fills
        .iter()
        .rev()
        .find(|f| f.market == market)
        .map(|f| px(f.price))
        .unwrap_or_default()
}

/// A token's book as `GET /book` and the market channel's `book` show it: bids
/// ascending, asks descending (best last), hashed as the venue hashes it.
pub(crate) fn book_summary(
    state: &SimState,
    market: usize,
    bids: &BTreeMap<u16, i64>,
    asks: &BTreeMap<u16, i64>,
    last_trade_price: String,
    ts_ms: i64,
) -> w::OrderBookSummary {
    let level = |(&p, &q): (&u16, &i64)| w::OrderSummary {
        price: px(Price(p)),
        size: size(Qty(q)),
    };
    let tick = state.metas.get(market).map_or(Price(100), |m| m.tick);
    let mut b = w::OrderBookSummary {
        market: condition(state, market),
        asset_id: state
            .metas
            .get(market)
            .map(|m| m.venue_id.clone())
            .unwrap_or_default(),
        timestamp: ts_ms.to_string(),
        hash: String::new(),
        bids: bids.iter().map(level).collect(),
        asks: asks.iter().rev().map(level).collect(),
        min_order_size: size(MIN_ORDER_SIZE),
        tick_size: px(tick),
        neg_risk: NEG_RISK,
        last_trade_price,
    };
    b.hash = w::book_hash(&b);
    b
}

/// The current book of a token.
pub(super) fn current_book(state: &SimState, market: usize) -> w::OrderBookSummary {
    let (bids, asks, last) = {
        let ex = state.exchange();
        let (b, a) = public_levels(&ex, market);
        (b, a, last_trade(&ex, market))
    };
    book_summary(state, market, &bids, &asks, last, crate::clock::event_ms())
}

pub(super) async fn book(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(t) = q.get("token_id").filter(|t| U256::from_dec_str(t).is_ok()) else {
        return Refusal::bad("Invalid token id").into_response();
    };
    match find_token(&state, t).filter(|&i| !settled(&state, i)) {
        Some(i) => Json(current_book(&state, i)).into_response(),
        None => Refusal::new(
            StatusCode::NOT_FOUND,
            "No orderbook exists for the requested token id",
        )
        .into_response(),
    }
}

pub(super) async fn books(State(state): Shared, body: axum::body::Bytes) -> Response {
    let Ok(params) = serde_json::from_slice::<Vec<w::BookParams>>(&body) else {
        return Refusal::bad("Invalid payload").into_response();
    };
    if params.len() > 500 {
        return Refusal::bad("Payload exceeds the limit").into_response();
    }
    let list: Vec<w::OrderBookSummary> = params
        .iter()
        .filter_map(|p| find_token(&state, &p.token_id))
        .map(|i| current_book(&state, i))
        .collect();
    Json(list).into_response()
}

/// True once a token's market has settled (its book is gone).
fn settled(state: &SimState, market: usize) -> bool {
    matches!(
        state.exchange().markets.get(market).map(|m| m.status),
        Some(MarketStatus::Settled { .. })
    )
}

fn wire_market(state: &SimState, condition_id: &str) -> w::Market {
    let sibs = siblings(state, condition_id);
    let first = sibs.first().copied().unwrap_or_default();
    let meta = &state.metas[first];
    let (status, close_ns) = {
        let ex = state.exchange();
        let statuses: Vec<MarketStatus> = sibs.iter().map(|&i| ex.markets[i].status).collect();
        (statuses, ex.markets[first].close_ns)
    };
    let open = status.iter().all(|s| *s == MarketStatus::Open);
    let settled = status
        .iter()
        .any(|s| matches!(s, MarketStatus::Settled { .. }));
    let tokens = sibs
        .iter()
        .zip(&status)
        .map(|(&i, s)| {
            let (price, _) = token_price(state, i);
            let winner = *s == MarketStatus::Settled { yes_wins: true };
            w::MarketToken {
                token_id: state.metas[i].venue_id.clone(),
                outcome: outcome_name(state, i).into(),
                // A resolved token is worth what it pays.
                price: if settled {
                    f64::from(u8::from(winner))
                } else {
                    price
                },
                winner,
            }
        })
        .collect();
    w::Market {
        condition_id: condition_id.to_string(),
        question_id: hex0x(keccak256(format!("question-{condition_id}"))),
        tokens,
        minimum_order_size: MIN_ORDER_SIZE.0 as f64 / Qty::SCALE as f64,
        minimum_tick_size: tick_number(meta.tick),
        neg_risk: NEG_RISK,
        active: true,
        closed: settled,
        accepting_orders: open,
        enable_order_book: !settled,
        question: meta.title.clone(),
        description: String::new(),
        market_slug: meta.series_id.clone(),
        end_date_iso: close_ns.map(crate::sim::server::kalshi::rfc3339),
        maker_base_fee: 0,
        taker_base_fee: base_fee_bps(state, first),
    }
}

/// A token's indicative price: the mid of its best bid and ask, else the last trade.
fn token_price(state: &SimState, market: usize) -> (f64, String) {
    let ex = state.exchange();
    let (bids, asks) = public_levels(&ex, market);
    let last = last_trade(&ex, market);
    let mid = match (bids.keys().next_back(), asks.keys().next()) {
        (Some(&b), Some(&a)) => f64::from(b + a) / 20_000.0,
        _ => last.parse().unwrap_or(0.0),
    };
    (mid, last)
}

/// Condition ids of listed markets, in scenario order.
fn conditions(state: &SimState) -> Vec<String> {
    let listed: Vec<usize> = {
        let ex = state.exchange();
        tokens(state).filter(|&i| ex.listed(i)).collect()
    };
    let mut out: Vec<String> = Vec::new();
    for i in listed {
        let c = &state.metas[i].event_id;
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

/// Markets per page of `GET /markets` (the venue's pages are about this size); a
/// `limit` query parameter (a simulator extension, for tests) makes them smaller.
const PAGE: usize = 500;

/// `GET /markets?next_cursor=`: listed markets a page at a time. Cursors are base64
/// offsets as on the venue; the last page's `next_cursor` is `"LTE="` (`-1`).
pub(super) async fn markets(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let from = match q.get("next_cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) if c == w::END_CURSOR => usize::MAX,
        Some(c) => match b64
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.parse::<usize>().ok())
        {
            Some(n) => n,
            None => return Refusal::bad("invalid next_cursor").into_response(),
        },
    };
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => PAGE,
        Some(Ok(l)) if (1..=PAGE).contains(&l) => l,
        Some(_) => return Refusal::bad("invalid limit").into_response(),
    };
    let all = conditions(&state);
    let data: Vec<w::Market> = all
        .iter()
        .skip(from)
        .take(limit)
        .map(|c| wire_market(&state, c))
        .collect();
    let next = from.saturating_add(data.len());
    let next_cursor = if next < all.len() {
        b64.encode(next.to_string())
    } else {
        w::END_CURSOR.to_string()
    };
    let n = data.len() as u64;
    Json(w::MarketsPage {
        data,
        next_cursor,
        limit: limit as u64,
        count: n,
    })
    .into_response()
}

pub(super) async fn market(State(state): Shared, Path(condition_id): Path<String>) -> Response {
    let listed = {
        let sibs = siblings(&state, &condition_id);
        let ex = state.exchange();
        sibs.iter().any(|&i| ex.listed(i))
    };
    if !listed {
        return Refusal::market_not_found().into_response();
    }
    Json(wire_market(&state, &condition_id)).into_response()
}

pub(super) async fn market_by_token(
    State(state): Shared,
    Path(token_id): Path<String>,
) -> Response {
    let Some(i) = find_token(&state, &token_id) else {
        return Refusal::market_not_found().into_response();
    };
    let c = condition(&state, i);
    let sibs = siblings(&state, &c);
    let id = |k: usize| {
        sibs.get(k)
            .map(|&m| state.metas[m].venue_id.clone())
            .unwrap_or_default()
    };
    Json(w::MarketByToken {
        condition_id: c,
        primary_token_id: id(0),
        secondary_token_id: id(1),
    })
    .into_response()
}

pub(super) async fn clob_market(
    State(state): Shared,
    Path(condition_id): Path<String>,
) -> Response {
    let sibs = siblings(&state, &condition_id);
    let listed = {
        let ex = state.exchange();
        sibs.iter().any(|&i| ex.listed(i))
    };
    let Some(&first) = sibs.first().filter(|_| listed) else {
        return Refusal::market_not_found().into_response();
    };
    let meta = &state.metas[first];
    let fd = match meta.fees {
        FeeModel::Polymarket {
            rate_ppm,
            exponent,
            taker_only,
        } => Some(w::FeeDetails {
            r: f64::from(rate_ppm) / 1e6,
            e: f64::from(exponent),
            to: taker_only,
        }),
        _ => None,
    };
    Json(w::ClobMarketInfo {
        t: sibs
            .iter()
            .map(|&i| w::ClobToken {
                t: state.metas[i].venue_id.clone(),
                o: outcome_name(&state, i).into(),
            })
            .collect(),
        mts: tick_number(meta.tick),
        mos: MIN_ORDER_SIZE.0 as f64 / Qty::SCALE as f64,
        nr: NEG_RISK,
        fd,
        mbf: 0,
        tbf: base_fee_bps(&state, first),
    })
    .into_response()
}

pub(super) async fn tick_size(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    respond(token_param(&state, &q).map(|i| w::TickSizeResponse {
        minimum_tick_size: tick_number(state.metas[i].tick),
    }))
}

pub(super) async fn neg_risk(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    respond(token_param(&state, &q).map(|_| w::NegRiskResponse { neg_risk: NEG_RISK }))
}

pub(super) async fn fee_rate(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    respond(token_param(&state, &q).map(|i| w::FeeRateResponse {
        base_fee: base_fee_bps(&state, i),
    }))
}

pub(super) async fn fee_rate_by_path(
    State(state): Shared,
    Path(token_id): Path<String>,
) -> Response {
    let q = BTreeMap::from([("token_id".to_string(), token_id)]);
    respond(token_param(&state, &q).map(|i| w::FeeRateResponse {
        base_fee: base_fee_bps(&state, i),
    }))
}

pub(super) async fn version() -> Response {
    Json(w::VersionResponse {
        version: ORDER_VERSION,
    })
    .into_response()
}

/// A bare integer of Unix seconds, as the venue answers.
pub(super) async fn time() -> Response {
    Json(now_ms() / 1000).into_response()
}
