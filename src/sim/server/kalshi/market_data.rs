//! Kalshi's public market data: markets, one market, its order book, events, series.

use super::{Shared, count, dollars, find, kalshi_markets, not_found, rfc3339};
use crate::core::{Price, Qty, Venue};
use crate::event::FeeModel;
use crate::sim::exchange::public_levels;
use crate::sim::server::SimState;
use crate::venues::kalshi::rest_wire as w;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

fn kalshi_market(state: &SimState, i: usize) -> w::Market {
    let meta = &state.metas[i];
    let ex = state.exchange();
    let (bids, asks) = public_levels(&ex, i);
    let best_bid = bids.keys().next_back().map(|&p| Price(p));
    let best_ask = asks.keys().next().map(|&p| Price(p));
    let fmt = |p: Option<Price>| p.map_or_else(|| "0.0000".to_string(), dollars);
    let cents = |p: Option<Price>| p.map_or(0, |p| i64::from(p.0) / 100);
    let time = "2026-01-01T00:00:00Z".to_string();
    let close = meta
        .close_ts
        .map_or_else(|| "2030-01-01T00:00:00Z".to_string(), rfc3339);
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
        status: "active".into(),
        yes_bid_dollars: fmt(best_bid),
        yes_ask_dollars: fmt(best_ask),
        no_bid_dollars: fmt(best_ask.map(Price::complement)),
        no_ask_dollars: fmt(best_bid.map(Price::complement)),
        last_price_dollars: "0.0000".into(),
        volume_fp: "0.00".into(),
        open_interest_fp: "0.00".into(),
        notional_value_dollars: "1.0000".into(),
        tick_size: Some(1),
        ..w::Market::default()
    }
}

pub(super) async fn markets(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let event = q.get("event_ticker");
    let series = q.get("series_ticker");
    let tickers: Option<Vec<&str>> = q.get("tickers").map(|t| t.split(',').collect());
    let list = kalshi_markets(&state)
        .filter(|&i| {
            let m = &state.metas[i];
            event.is_none_or(|e| *e == m.event_id)
                && series.is_none_or(|s| *s == m.series_id)
                && tickers
                    .as_ref()
                    .is_none_or(|t| t.contains(&m.venue_id.as_str()))
        })
        .map(|i| kalshi_market(&state, i))
        .collect();
    Json(w::MarketsResponse {
        markets: list,
        cursor: String::new(),
    })
    .into_response()
}

pub(super) async fn market(State(state): Shared, Path(ticker): Path<String>) -> Response {
    match find(&state, &ticker) {
        Some(i) => Json(w::MarketResponse {
            market: kalshi_market(&state, i),
        })
        .into_response(),
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
        .collect();
    let Some(&first) = members.first() else {
        return not_found("event");
    };
    let meta = &state.metas[first];
    let markets: Vec<_> = members.iter().map(|&i| kalshi_market(&state, i)).collect();
    let ev = w::Event {
        mutually_exclusive: state.exclusive_events.contains(&event_ticker),
        event_ticker,
        series_ticker: meta.series_id.clone(),
        title: meta.title.clone(),
        ..w::Event::default()
    };
    Json(w::EventResponse { event: ev, markets }).into_response()
}

pub(super) async fn series(State(state): Shared, Path(series_ticker): Path<String>) -> Response {
    let Some(meta) = state
        .metas
        .iter()
        .find(|m| m.venue == Venue::Kalshi && m.series_id == series_ticker)
    else {
        return not_found("series");
    };
    let fee_multiplier = match meta.fees {
        FeeModel::Kalshi { multiplier_bp } => f64::from(multiplier_bp) / 10_000.0,
        _ => 0.0,
    };
    let s = w::Series {
        ticker: series_ticker,
        title: meta.title.clone(),
        fee_type: "quadratic".into(),
        fee_multiplier,
        ..w::Series::default()
    };
    Json(w::SeriesResponse { series: s }).into_response()
}
