//! Kalshi's public exchange reads the official clients make beside the market data:
//! `GET /exchange/status` and `GET /markets/trades` (every trade the simulated exchange
//! matched, newest first, by `ticker` and `min_ts`/`max_ts`, a page of `limit` with the
//! next page's `cursor`).

use super::{Shared, count, dollars, error, page, rfc3339};
use crate::core::{Outcome, Venue};
use crate::sim::exchange::Action;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The exchange is open and trading whenever the simulator runs.
pub(super) async fn status() -> Response {
    Json(json!({
        "exchange_active": true,
        "trading_active": true,
        "exchange_estimated_resume_time": null,
    }))
    .into_response()
}

pub(super) async fn trades(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, "invalid_parameters", m);
    let (limit, from) = match page(&q) {
        Ok(p) => p,
        Err(m) => return bad(m),
    };
    let bound = |key: &str| q.get(key).map(|v| v.parse::<i64>()).transpose();
    let (Ok(min_ts), Ok(max_ts)) = (bound("min_ts"), bound("max_ts")) else {
        return bad("invalid timestamp");
    };
    let ticker = q.get("ticker");
    let ex = state.exchange();
    // One row a trade (a fill is booked for each account on it), newest first.
    let mut seen = BTreeSet::new();
    let list: Vec<Value> = ex
        .ledger
        .fills
        .iter()
        .rev()
        .filter(|f| seen.insert(f.trade_id))
        .filter_map(|f| {
            let meta = state.metas.get(f.market)?;
            let ts = f.ts_ns / 1_000_000_000;
            let kept = meta.venue == Venue::Kalshi
                && ticker.is_none_or(|t| *t == meta.venue_id)
                && min_ts.is_none_or(|m| ts >= m)
                && max_ts.is_none_or(|m| ts <= m);
            kept.then_some((f, meta))
        })
        .skip(from)
        .take(limit + 1)
        .map(|(f, meta)| {
            let yes = if f.outcome == Outcome::Yes {
                f.price
            } else {
                f.price.complement()
            };
            // The side the taker bought: this account's if it took, else the other.
            let bought = (f.action == Action::Buy) == (f.outcome == Outcome::Yes);
            let taker_yes = bought == f.is_taker;
            json!({
                "trade_id": format!("trade-{}", f.trade_id),
                "ticker": meta.venue_id,
                "count_fp": count(f.qty),
                "yes_price_dollars": dollars(yes),
                "no_price_dollars": dollars(yes.complement()),
                "taker_side": if taker_yes { "yes" } else { "no" },
                "created_time": rfc3339(f.ts_ns),
            })
        })
        .collect();
    let more = list.len() > limit;
    let trades: Vec<Value> = list.into_iter().take(limit).collect();
    let cursor = if more {
        (from + limit).to_string()
    } else {
        String::new()
    };
    Json(json!({ "trades": trades, "cursor": cursor })).into_response()
}
