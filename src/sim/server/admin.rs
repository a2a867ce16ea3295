//! Operator calls for tests: `POST /_sim/position` plants a position behind the
//! engine's back (for reconciliation tests), `POST /_sim/settle` closes and settles a
//! question on both venues at once.

use super::{SimState, lifecycle};
use crate::core::{Outcome, Qty, Venue};
use crate::sim::exchange::MarketStatus;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// A refused call: `{"error": message}` with a 4xx status.
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Refused {
    Refused(status, message.into())
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(body)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("bad request body: {e}")))
}

fn parse_venue(text: &str) -> Result<Venue, Refused> {
    match text {
        "kalshi" => Ok(Venue::Kalshi),
        "polymarket" => Ok(Venue::Polymarket),
        other => Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("venue {other:?} is not \"kalshi\" or \"polymarket\""),
        )),
    }
}

fn parse_yes_no(key: &str, text: &str) -> Result<bool, Refused> {
    match text {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("{key} {other:?} is not \"yes\" or \"no\""),
        )),
    }
}

/// The exchange market of a venue id (a Polymarket token id also in another spelling).
fn find(state: &SimState, venue: Venue, id: &str) -> Option<usize> {
    if let Some((i, _)) = state.meta_of(venue, id) {
        return Some(i);
    }
    let canonical = crate::venues::polymarket::eth::U256::from_dec_str(id)
        .ok()?
        .to_string();
    state.meta_of(venue, &canonical).map(|(i, _)| i)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionBody {
    venue: String,
    market: String,
    outcome: String,
    qty: String,
    account: Option<String>,
}

/// `POST /_sim/position`: `{"venue", "market", "outcome": "yes"|"no", "qty": "5",
/// "account"?}` adds `qty` contracts to the account's position (the first account of
/// that venue when none is named), with no change to its cash. On Polymarket `market`
/// is a token id and `outcome` picks that token (`"yes"`) or its complement (`"no"`).
pub(super) async fn position(
    State(state): State<Arc<SimState>>,
    body: axum::body::Bytes,
) -> Response {
    plant(&state, &body).map_or_else(IntoResponse::into_response, |v| Json(v).into_response())
}

fn plant(state: &SimState, body: &[u8]) -> Result<serde_json::Value, Refused> {
    let b: PositionBody = parse_body(body)?;
    let venue = parse_venue(&b.venue)?;
    let yes = parse_yes_no("outcome", &b.outcome)?;
    let qty = match Qty::from_decimal(&b.qty) {
        Ok(q) if q.0 > 0 => q,
        _ => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                format!("qty {:?} is not a positive number of contracts", b.qty),
            ));
        }
    };
    let Some(market) = find(state, venue, &b.market) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            format!("{venue} market {:?} not found", b.market),
        ));
    };
    let account = match &b.account {
        Some(name) => state.accounts.iter().find(|a| &a.name == name),
        None => state.accounts.iter().find(|a| match venue {
            Venue::Kalshi => a.kalshi_key_id.is_some(),
            Venue::Polymarket => a.poly_creds.is_some(),
        }),
    };
    let Some(account) = account.map(|a| a.name.clone()) else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            format!("no {venue} account {:?}", b.account.unwrap_or_default()),
        ));
    };
    let (market, outcome) = match (venue, yes) {
        (Venue::Kalshi, true) => (market, Outcome::Yes),
        (Venue::Kalshi, false) => (market, Outcome::No),
        (Venue::Polymarket, true) => (market, Outcome::Yes),
        (Venue::Polymarket, false) => match state.metas[market].no_leg {
            crate::event::NoLeg::Complement(other) => (other.index(), Outcome::Yes),
            _ => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "this token has no complement token to hold",
                ));
            }
        },
    };
    if matches!(
        state.exchange().markets.get(market).map(|m| m.status),
        Some(MarketStatus::Settled { .. })
    ) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "the market is already settled",
        ));
    }
    state.mutate(|ex| ex.plant(&account, market, outcome, qty));
    Ok(json!({
        "account": account,
        "venue": venue.name(),
        "market": state.metas[market].venue_id,
        "outcome": if outcome == Outcome::Yes { "yes" } else { "no" },
        "qty": crate::core::fixed::format_decimal(qty.0, 6, 6),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettleBody {
    market: String,
    result: String,
}

/// `POST /_sim/settle`: `{"market": venue id, "result": "yes"|"no"}` closes and
/// settles at once every market of that market's question, on both venues. `result` is
/// the named market's (a Polymarket NO token's `"yes"` is a NO answer to the question).
pub(super) async fn settle(
    State(state): State<Arc<SimState>>,
    body: axum::body::Bytes,
) -> Response {
    settle_now(&state, &body).map_or_else(IntoResponse::into_response, |v| Json(v).into_response())
}

fn settle_now(state: &SimState, body: &[u8]) -> Result<serde_json::Value, Refused> {
    let b: SettleBody = parse_body(body)?;
    let named_yes = parse_yes_no("result", &b.result)?;
    let Some(market) =
        find(state, Venue::Kalshi, &b.market).or_else(|| find(state, Venue::Polymarket, &b.market))
    else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            format!("market {:?} not found", b.market),
        ));
    };
    let markets = lifecycle::question_of(state, market);
    let named_outcome = markets
        .iter()
        .find(|(m, _)| *m == market)
        .map_or(Outcome::Yes, |(_, o)| *o);
    let answer = named_yes == (named_outcome == Outcome::Yes);
    lifecycle::settle_question(state, &markets, answer);
    let settled: Vec<_> = markets
        .iter()
        .map(|&(m, outcome)| {
            json!({
                "venue": state.metas[m].venue.name(),
                "market": state.metas[m].venue_id,
                "wins": (outcome == Outcome::Yes) == answer,
            })
        })
        .collect();
    Ok(json!({ "settled": settled }))
}
