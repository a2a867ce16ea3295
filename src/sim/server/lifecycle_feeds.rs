//! The lifecycle messages both venues' WebSockets send: Kalshi's `market_lifecycle_v2`
//! and Polymarket's market-channel `new_market` and `market_resolved`.

use super::SimState;
use super::polymarket::{condition, is_token, now_ms, outcome_name};
use crate::core::Venue;
use crate::sim::exchange::ExchangeEvent;
use serde_json::{Value, json};

/// The `market_lifecycle_v2` messages of an exchange event: `created` when a Kalshi
/// market lists, `determined` then `settled` when it settles (at once in the simulator).
/// Closing sends nothing: on the venue a market closes when its `close_time` passes.
pub(super) fn kalshi(state: &SimState, sid: u64, ev: &ExchangeEvent) -> Vec<Value> {
    let secs = |ns: Option<i64>| ns.map(|n| n.div_euclid(1_000_000_000));
    let (market, settled) = match ev {
        ExchangeEvent::Listed(m) => (*m, None),
        ExchangeEvent::Settled { market, yes_wins } => (*market, Some(*yes_wins)),
        _ => return Vec::new(),
    };
    let Some(meta) = state.metas.get(market).filter(|m| m.venue == Venue::Kalshi) else {
        return Vec::new();
    };
    let (listed_ns, close_ns, settled_ns) = {
        let ex = state.exchange();
        let m = &ex.markets[market];
        (m.listed_ns, m.close_ns, m.settled_ns)
    };
    let ticker = &meta.venue_id;
    let msg = |body: Value| json!({"type": "market_lifecycle_v2", "sid": sid, "msg": body});
    match settled {
        None => vec![msg(json!({
            "market_ticker": ticker,
            "event_type": "created",
            "open_ts": secs(listed_ns),
            "close_ts": secs(close_ns),
            "additional_metadata": {
                "name": meta.title,
                "title": meta.title,
                "yes_sub_title": "Yes",
                "no_sub_title": "No",
                "rules_primary": "",
                "can_close_early": true,
                "event_ticker": meta.event_id,
                "expected_expiration_ts": secs(close_ns),
            },
        }))],
        Some(yes) => {
            let result = if yes { "yes" } else { "no" };
            let value = if yes { "1.0000" } else { "0.0000" };
            vec![
                msg(json!({
                    "market_ticker": ticker,
                    "event_type": "determined",
                    "result": result,
                    "settlement_value": value,
                    "determination_ts": secs(settled_ns),
                })),
                msg(json!({
                    "market_ticker": ticker,
                    "event_type": "settled",
                    "result": result,
                    "settlement_value": value,
                    "settled_ts": secs(settled_ns),
                })),
            ]
        }
    }
}

/// `new_market` when a condition's first token lists, `market_resolved` when its
/// winning token settles (for a session subscribed to one of its tokens).
pub(super) fn polymarket(
    state: &SimState,
    ev: &ExchangeEvent,
    market: usize,
    subscribed: impl Fn(usize) -> bool,
) -> Option<String> {
    if !is_token(state, market) {
        return None;
    }
    let cond = condition(state, market);
    let tokens: Vec<usize> = (0..state.metas.len())
        .filter(|&i| is_token(state, i) && condition(state, i) == cond)
        .collect();
    let ids: Vec<&str> = tokens
        .iter()
        .map(|&i| state.metas[i].venue_id.as_str())
        .collect();
    let ts = now_ms().to_string();
    match ev {
        ExchangeEvent::Listed(_) if tokens.first() == Some(&market) => {
            let meta = &state.metas[market];
            let outcomes: Vec<&str> = tokens.iter().map(|&i| outcome_name(state, i)).collect();
            Some(
                json!({
                    "event_type": "new_market",
                    "id": cond,
                    "question": meta.title,
                    "market": cond,
                    "slug": meta.series_id,
                    "description": "",
                    "assets_ids": ids,
                    "outcomes": outcomes,
                    "timestamp": ts,
                })
                .to_string(),
            )
        }
        ExchangeEvent::Settled { yes_wins: true, .. } if tokens.iter().any(|&t| subscribed(t)) => {
            Some(
                json!({
                    "event_type": "market_resolved",
                    "id": cond,
                    "market": cond,
                    "assets_ids": ids,
                    "winning_asset_id": state.metas[market].venue_id,
                    "winning_outcome": outcome_name(state, market),
                    "timestamp": ts,
                })
                .to_string(),
            )
        }
        _ => None,
    }
}
