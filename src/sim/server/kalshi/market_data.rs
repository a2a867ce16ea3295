//! Kalshi's public market data: markets (paged, filtered by lifecycle status), one
//! market, its order book, events, series.

use super::{Shared, count, dollars, error, find, kalshi_markets, not_found, rfc3339};
use crate::core::{Price, Qty, Venue};
use crate::event::FeeModel;
use crate::sim::exchange::{MarketStatus, public_levels};
use crate::sim::server::SimState;
use crate::venues::kalshi::rest_wire as w;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

/// A market as the venue shows it, with its lifecycle: `status` (`active`, `closed`,
/// `finalized`), `close_time`, and once settled `result`, `settlement_value_dollars`
/// and `settlement_ts`.
fn kalshi_market(state: &SimState, i: usize) -> serde_json::Value {
    let (status, close_ns, settled_ns, listed_ns) = {
        let ex = state.exchange();
        let m = &ex.markets[i];
        (m.status, m.close_ns, m.settled_ns, m.listed_ns)
    };
    let mut v = serde_json::to_value(wire_market(state, i, status, close_ns)).unwrap_or_default();
    if let (Some(listed), Some(obj)) = (listed_ns, v.as_object_mut()) {
        // Listed during the run: created and opened then.
        for key in ["created_time", "open_time"] {
            obj.insert(key.into(), rfc3339(listed).into());
        }
    }
    if let (MarketStatus::Settled { yes_wins }, Some(obj)) = (status, v.as_object_mut()) {
        let value = if yes_wins { "1.0000" } else { "0.0000" };
        obj.insert("settlement_value_dollars".into(), value.into());
        obj.insert(
            "settlement_ts".into(),
            rfc3339(settled_ns.unwrap_or_default()).into(),
        );
    }
    v
}

/// The status a market shows: Kalshi's `active` while it trades, `closed` past its
/// close time, `finalized` once paid (the simulator determines and settles at once).
fn status_name(status: MarketStatus) -> &'static str {
    match status {
        MarketStatus::Unlisted => "initialized",
        MarketStatus::Open => "active",
        MarketStatus::Closed => "closed",
        MarketStatus::Settled { .. } => "finalized",
    }
}

fn wire_market(
    state: &SimState,
    i: usize,
    status: MarketStatus,
    close_ns: Option<i64>,
) -> w::Market {
    let meta = &state.metas[i];
    let ex = state.exchange();
    let rules = crate::sim::scenario::rules_text(
        &meta.title,
        ex.markets[i].rules_amended(crate::clock::event_ns()),
    );
    let (bids, asks) = public_levels(&ex, i);
    let best_bid = bids.keys().next_back().map(|&p| Price(p));
    let best_ask = asks.keys().next().map(|&p| Price(p));
    let fmt = |p: Option<Price>| p.map_or_else(|| "0.0000".to_string(), dollars);
    let cents = |p: Option<Price>| p.map_or(0, |p| i64::from(p.0) / 100);
    let time = "2026-01-01T00:00:00Z".to_string();
    let close = close_ns.map_or_else(|| "2030-01-01T00:00:00Z".to_string(), rfc3339);
    let strike = state
        .strikes
        .iter()
        .find(|(t, _)| *t == meta.venue_id)
        .map(|(_, s)| s);
    let number = |v: Option<f64>| v.and_then(serde_json::Number::from_f64);
    w::Market {
        strike_type: strike.map(|s| s.strike_type.clone()),
        floor_strike: number(strike.and_then(|s| s.floor)),
        cap_strike: number(strike.and_then(|s| s.cap)),
        subtitle: String::new(),
        yes_sub_title: "Yes".into(),
        no_sub_title: "No".into(),
        created_time: time.clone(),
        open_time: time,
        close_time: close.clone(),
        expiration_time: close.clone(),
        latest_expiration_time: close,
        settlement_timer_seconds: 60,
        response_price_units: "usd_cent".into(),
        yes_bid: cents(best_bid),
        yes_ask: cents(best_ask),
        no_bid: cents(best_ask.map(Price::complement)),
        no_ask: cents(best_bid.map(Price::complement)),
        notional_value: 100,
        previous_yes_bid_dollars: "0.0000".into(),
        previous_yes_ask_dollars: "0.0000".into(),
        previous_price_dollars: "0.0000".into(),
        liquidity_dollars: "0.0000".into(),
        can_close_early: true,
        price_level_structure: "linear_cent".into(),
        price_ranges: vec![w::PriceRange {
            start: "0.0000".into(),
            end: "1.0000".into(),
            step: "0.0100".into(),
        }],
        ticker: meta.venue_id.clone(),
        event_ticker: meta.event_id.clone(),
        market_type: "binary".into(),
        title: meta.title.clone(),
        status: status_name(status).into(),
        result: match status {
            MarketStatus::Settled { yes_wins: true } => "yes".into(),
            MarketStatus::Settled { yes_wins: false } => "no".into(),
            _ => String::new(),
        },
        yes_bid_dollars: fmt(best_bid),
        yes_ask_dollars: fmt(best_ask),
        no_bid_dollars: fmt(best_ask.map(Price::complement)),
        no_ask_dollars: fmt(best_bid.map(Price::complement)),
        last_price_dollars: "0.0000".into(),
        volume_fp: "0.00".into(),
        open_interest_fp: "0.00".into(),
        notional_value_dollars: "1.0000".into(),
        tick_size: Some(1),
        rules_primary: rules,
        ..w::Market::default()
    }
}

/// Does a market's status match a `status` filter value, as the venue maps them
/// (`unopened`, `open`, `paused`, `closed`: past close and not finalized, `settled`)?
fn status_matches(filter: &str, status: MarketStatus) -> Option<bool> {
    Some(match filter {
        "unopened" | "paused" => false,
        "open" => status == MarketStatus::Open,
        "closed" => status == MarketStatus::Closed,
        "settled" => matches!(status, MarketStatus::Settled { .. }),
        _ => return None,
    })
}

/// `GET /markets`: listed markets, filtered by `event_ticker`, `series_ticker`,
/// `tickers` and `status`, `limit` per page (default 100), the next page's `cursor`
/// (empty on the last page).
pub(super) async fn markets(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let bad = |m: &str| error(axum::http::StatusCode::BAD_REQUEST, "invalid_parameters", m);
    let event = q.get("event_ticker");
    let series = q.get("series_ticker");
    let tickers: Option<Vec<&str>> = q.get("tickers").map(|t| t.split(',').collect());
    let (limit, from) = match super::page(&q) {
        Ok(p) => p,
        Err(m) => return bad(m),
    };
    let statuses: Option<Vec<&str>> = q.get("status").map(|s| s.split(',').collect());
    let status_of: Vec<MarketStatus> = {
        let ex = state.exchange();
        ex.markets.iter().map(|m| m.status).collect()
    };
    if let Some(list) = &statuses
        && list
            .iter()
            .any(|s| status_matches(s, MarketStatus::Open).is_none())
    {
        return bad("unknown status filter");
    }
    let matching: Vec<usize> = kalshi_markets(&state)
        .filter(|&i| {
            let m = &state.metas[i];
            let status = status_of[i];
            status != MarketStatus::Unlisted
                && event.is_none_or(|e| *e == m.event_id)
                && series.is_none_or(|s| *s == m.series_id)
                && tickers
                    .as_ref()
                    .is_none_or(|t| t.contains(&m.venue_id.as_str()))
                && statuses
                    .as_ref()
                    .is_none_or(|l| l.iter().any(|s| status_matches(s, status) == Some(true)))
        })
        .collect();
    let page: Vec<serde_json::Value> = matching
        .iter()
        .skip(from)
        .take(limit)
        .map(|&i| kalshi_market(&state, i))
        .collect();
    let next = from + page.len();
    let cursor = if next < matching.len() {
        next.to_string()
    } else {
        String::new()
    };
    Json(serde_json::json!({ "markets": page, "cursor": cursor })).into_response()
}

pub(super) async fn market(State(state): Shared, Path(ticker): Path<String>) -> Response {
    match find(&state, &ticker) {
        Some(i) => Json(serde_json::json!({ "market": kalshi_market(&state, i) })).into_response(),
        None => not_found("market"),
    }
}

pub(super) async fn orderbook(
    State(state): Shared,
    Path(ticker): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(i) = find(&state, &ticker) else {
        return not_found("market");
    };
    let depth: usize = q
        .get("depth")
        .and_then(|d| d.parse().ok())
        .filter(|&d| d > 0)
        .unwrap_or(usize::MAX);
    let (bids, asks) = public_levels(&state.exchange(), i);
    // YES bids as they are; NO bids are the YES asks seen from the other side. Both
    // ascending by price, the best (highest) last, as Kalshi lists them.
    let yes: Vec<_> = bids
        .iter()
        .rev()
        .take(depth)
        .map(|(&p, &q)| (dollars(Price(p)), count(Qty(q))))
        .collect();
    let no: Vec<_> = asks
        .iter()
        .take(depth)
        .map(|(&p, &q)| (dollars(Price(p).complement()), count(Qty(q))))
        .collect();
    let book = w::OrderbookFp {
        yes_dollars: yes.into_iter().rev().collect(),
        no_dollars: no.into_iter().rev().collect(),
    };
    Json(w::OrderbookResponse {
        orderbook: Some(book.clone()),
        orderbook_fp: book,
    })
    .into_response()
}

pub(super) async fn event(State(state): Shared, Path(event_ticker): Path<String>) -> Response {
    let members: Vec<usize> = kalshi_markets(&state)
        .filter(|&i| state.metas[i].event_id == event_ticker)
        .filter(|&i| state.exchange().listed(i))
        .collect();
    let Some(&first) = members.first() else {
        return not_found("event");
    };
    let meta = &state.metas[first];
    let markets: Vec<serde_json::Value> =
        members.iter().map(|&i| kalshi_market(&state, i)).collect();
    let ev = w::Event {
        mutually_exclusive: state.exclusive_events.contains(&event_ticker),
        event_ticker,
        series_ticker: meta.series_id.clone(),
        title: meta.title.clone(),
        ..w::Event::default()
    };
    Json(serde_json::json!({ "event": ev, "markets": markets })).into_response()
}

/// Events per `GET /events` page at most (as on the venue).
const EVENTS_PAGE_MAX: usize = 200;

/// `GET /events`: the events of listed markets, in scenario order, filtered by
/// `status` (an event is open while any of its markets is) and `series_ticker`,
/// `limit` per page (default 100, at most 200), the next page's `cursor` (empty on
/// the last); `with_nested_markets=true` adds each event's markets.
pub(super) async fn events(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let bad = |m: &str| error(axum::http::StatusCode::BAD_REQUEST, "invalid_parameters", m);
    let (limit, from) = match super::page(&q) {
        Ok((l, _)) if l > EVENTS_PAGE_MAX => return bad("limit must be between 1 and 200"),
        Ok(p) => p,
        Err(m) => return bad(m),
    };
    let status = q.get("status").map(String::as_str);
    if status.is_some_and(|s| status_matches(s, MarketStatus::Open).is_none()) {
        return bad("unknown status filter");
    }
    let series = q.get("series_ticker");
    let nested = q.get("with_nested_markets").is_some_and(|v| v == "true");
    // Each event's markets (listed ones), in the order the events first appear.
    let mut order: Vec<&str> = Vec::new();
    let mut members: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    {
        let ex = state.exchange();
        for i in kalshi_markets(&state).filter(|&i| ex.listed(i)) {
            let m = &state.metas[i];
            if series.is_some_and(|s| *s != m.series_id) {
                continue;
            }
            let e = members.entry(m.event_id.as_str()).or_default();
            if e.is_empty() {
                order.push(m.event_id.as_str());
            }
            e.push(i);
        }
        if let Some(s) = status {
            order.retain(|e| {
                members[e]
                    .iter()
                    .any(|&i| status_matches(s, ex.markets[i].status) == Some(true))
            });
        }
    }
    let page: Vec<w::Event> = order
        .iter()
        .skip(from)
        .take(limit)
        .map(|&e| {
            let first = &state.metas[members[e][0]];
            w::Event {
                event_ticker: e.to_string(),
                series_ticker: first.series_id.clone(),
                title: first.title.clone(),
                mutually_exclusive: state.exclusive_events.iter().any(|x| x == e),
                markets: nested.then(|| {
                    members[e]
                        .iter()
                        .filter_map(|&i| serde_json::from_value(kalshi_market(&state, i)).ok())
                        .collect()
                }),
                ..w::Event::default()
            }
        })
        .collect();
    let next = from + page.len();
    let cursor = if next < order.len() {
        next.to_string()
    } else {
        String::new()
    };
    Json(w::EventsResponse {
        events: page,
        cursor,
    })
    .into_response()
}

/// `GET /series`: every series of the scenario's Kalshi markets, with its fees.
pub(super) async fn series_list(State(state): Shared) -> Response {
    let mut seen = std::collections::HashSet::new();
    let series: Vec<w::Series> = kalshi_markets(&state)
        .map(|i| &state.metas[i])
        .filter(|m| seen.insert(m.series_id.as_str()))
        .map(|m| series_of(&m.series_id, m))
        .collect();
    Json(w::SeriesList { series }).into_response()
}

/// A series as the venue describes it, from one of its markets.
fn series_of(series_ticker: &str, meta: &crate::event::MarketMeta) -> w::Series {
    let fee_multiplier = match meta.fees {
        FeeModel::Kalshi { multiplier_bp } => f64::from(multiplier_bp) / 10_000.0,
        _ => 0.0,
    };
    w::Series {
        ticker: series_ticker.to_string(),
        title: meta.title.clone(),
        fee_type: "quadratic".into(),
        fee_multiplier,
        ..w::Series::default()
    }
}

pub(super) async fn series(State(state): Shared, Path(series_ticker): Path<String>) -> Response {
    let Some(meta) = state
        .metas
        .iter()
        .find(|m| m.venue == Venue::Kalshi && m.series_id == series_ticker)
    else {
        return not_found("series");
    };
    Json(w::SeriesResponse {
        series: series_of(&series_ticker, meta),
    })
    .into_response()
}
