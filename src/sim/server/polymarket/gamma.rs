//! Polymarket's Gamma catalogue on the simulator (served under `/gamma`): `GET
//! /gamma/markets` and `GET /gamma/events`, offset-paged as on the venue, in Gamma's
//! camelCase with string-encoded token lists and each market's fee schedule.
//!
//! Each simulated condition is its own Gamma event (ticker and id the condition's).

use super::{NEG_RISK, Refusal, Shared, tick_number, tokens};
use crate::event::FeeModel;
use crate::sim::exchange::MarketStatus;
use crate::sim::server::SimState;
use crate::venues::polymarket::gamma_wire::{
    GammaEvent, GammaEventRef, GammaFeeSchedule, GammaMarket,
};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

/// Gamma's page size when no `limit` is given, and the most it serves.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 500;

/// One listed condition: its tokens (scenario order) and their statuses.
struct Condition {
    id: String,
    tokens: Vec<usize>,
    statuses: Vec<MarketStatus>,
}

/// Listed conditions in scenario order, read in one pass under one lock.
fn listed_conditions(state: &SimState) -> Vec<Condition> {
    let ex = state.exchange();
    let mut out: Vec<Condition> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = Default::default();
    for i in tokens(state).filter(|&i| ex.listed(i)) {
        let c = state.metas[i].event_id.as_str();
        let k = *at.entry(c).or_insert_with(|| {
            out.push(Condition {
                id: c.to_string(),
                tokens: Vec::new(),
                statuses: Vec::new(),
            });
            out.len() - 1
        });
        out[k].tokens.push(i);
        out[k].statuses.push(ex.markets[i].status);
    }
    out
}

fn gamma_market(state: &SimState, c: &Condition, close_ns: Option<i64>) -> GammaMarket {
    let meta = &state.metas[c.tokens[0]];
    let amended = state.exchange().markets[c.tokens[0]].rules_amended(crate::clock::event_ns());
    let open = c.statuses.iter().all(|s| *s == MarketStatus::Open);
    let outcome = |k: usize| if k == 1 { "No" } else { "Yes" };
    let outcomes: Vec<&str> = (0..c.tokens.len()).map(outcome).collect();
    let ids: Vec<&str> = c
        .tokens
        .iter()
        .map(|&i| state.metas[i].venue_id.as_str())
        .collect();
    let fee_schedule = match meta.fees {
        FeeModel::Polymarket {
            rate_ppm,
            exponent,
            taker_only,
        } => Some(GammaFeeSchedule {
            rate: f64::from(rate_ppm) / 1e6,
            exponent: f64::from(exponent),
            taker_only,
        }),
        _ => None,
    };
    GammaMarket {
        id: c.id.clone(),
        question: meta.title.clone(),
        condition_id: c.id.clone(),
        description: crate::sim::scenario::rules_text(&meta.title, amended),
        slug: c.id.clone(),
        end_date: close_ns.map(crate::sim::server::kalshi::rfc3339),
        outcomes: serde_json::to_string(&outcomes).unwrap_or_default(),
        clob_token_ids: serde_json::to_string(&ids).unwrap_or_default(),
        order_price_min_tick_size: Some(tick_number(meta.tick)),
        neg_risk: NEG_RISK,
        active: true,
        closed: !open,
        accepting_orders: open,
        enable_order_book: !c
            .statuses
            .iter()
            .any(|s| matches!(s, MarketStatus::Settled { .. })),
        fees_enabled: fee_schedule.is_some(),
        fee_schedule,
        events: vec![GammaEventRef {
            id: c.id.clone(),
            ticker: c.id.clone(),
            title: meta.title.clone(),
        }],
    }
}

/// `limit` (default 20, at most 500), `offset`, and the `closed` / `active` filters.
struct Paging {
    limit: usize,
    offset: usize,
    closed: Option<bool>,
    active: Option<bool>,
}

fn paging(q: &BTreeMap<String, String>) -> Result<Paging, Refusal> {
    let num = |k: &str, default: usize| match q.get(k).map(|v| v.parse::<usize>()) {
        None => Ok(default),
        Some(Ok(n)) => Ok(n),
        Some(Err(_)) => Err(Refusal::bad(format!("invalid {k}"))),
    };
    let flag = |k: &str| match q.get(k).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(Refusal::bad(format!("invalid {k}"))),
    };
    let limit = num("limit", DEFAULT_LIMIT)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Refusal::bad("invalid limit"));
    }
    Ok(Paging {
        limit,
        offset: num("offset", 0)?,
        closed: flag("closed")?,
        active: flag("active")?,
    })
}

/// The listed markets that pass the filters, a page of them.
fn page(state: &SimState, p: &Paging) -> Vec<GammaMarket> {
    let conditions = listed_conditions(state);
    let close: Vec<Option<i64>> = {
        let ex = state.exchange();
        conditions
            .iter()
            .map(|c| ex.markets[c.tokens[0]].close_ns)
            .collect()
    };
    conditions
        .iter()
        .zip(close)
        .map(|(c, close_ns)| gamma_market(state, c, close_ns))
        .filter(|m| p.closed.is_none_or(|c| m.closed == c))
        .filter(|m| p.active.is_none_or(|a| m.active == a))
        .skip(p.offset)
        .take(p.limit)
        .collect()
}

/// `GET /gamma/markets?limit=&offset=&closed=&active=`: a JSON array, as Gamma answers.
pub(super) async fn markets(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    match paging(&q) {
        Ok(p) => Json(page(&state, &p)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// `GET /gamma/events?limit=&offset=&closed=`: each condition as its own event.
pub(super) async fn events(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    match paging(&q) {
        Ok(p) => {
            let events: Vec<GammaEvent> = page(&state, &p)
                .into_iter()
                .map(|m| GammaEvent {
                    id: m.id.clone(),
                    ticker: m.slug.clone(),
                    title: m.question.clone(),
                    neg_risk: m.neg_risk,
                    active: m.active,
                    closed: m.closed,
                    markets: vec![m],
                })
                .collect();
            Json(events).into_response()
        }
        Err(r) => r.into_response(),
    }
}
