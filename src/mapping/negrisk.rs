//! Polymarket neg-risk events as bucket groups. A Gamma event with `negRisk: true`
//! runs its markets through the neg-risk adapter: at most one of them resolves YES, so
//! their YES tokens form a bucket ladder (`GroupKind::Bucket`, source
//! `polymarket:negRisk:<event slug>`, confidence 10 000: the venue says so).
//!
//! Members: the event's markets with `negRisk: true`, active, not closed, not the
//! `negRiskOther` catch-all, with a `Yes` outcome and its CLOB token id; the member is
//! that YES token. The ladder is **exhaustive** (exactly one member pays) only when
//! every market of the event is a member and the event is not `negRiskAugmented`: an
//! augmented event may still name new outcomes (its placeholders and "Other" change
//! meaning as it does), and a market left out (closed, inactive, no token) may be the
//! one that pays. Events with fewer than two members give no group.

use super::groups::GroupSpec;
use crate::core::{Outcome, Venue};
use crate::event::GroupKind;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum NegRiskError {
    #[error("cannot read Polymarket events {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("Polymarket events {path}: {at}: {message}")]
    Parse {
        path: String,
        at: String,
        message: String,
    },
}

/// Reads Gamma events (a JSON array of events, or `{"events": [...]}`) and returns the
/// bucket specs of their neg-risk events.
pub fn load_polymarket_events(path: &Path) -> Result<Vec<GroupSpec>, NegRiskError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| NegRiskError::Read {
        path: p.clone(),
        source,
    })?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| NegRiskError::Parse {
        path: p.clone(),
        at: format!("line {} column {}", e.line(), e.column()),
        message: format!("not JSON: {e}"),
    })?;
    negrisk_bucket_specs(&doc).map_err(|(at, message)| NegRiskError::Parse {
        path: p,
        at,
        message,
    })
}

/// The bucket specs of the neg-risk events of a Gamma events document; an error is
/// (where, what).
pub fn negrisk_bucket_specs(doc: &Value) -> Result<Vec<GroupSpec>, (String, String)> {
    let events = match doc {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => match o.get("events") {
            Some(Value::Array(a)) => a.as_slice(),
            _ => return Err(("$.events".into(), "missing or not an array".into())),
        },
        _ => return Err(("$".into(), "expected an array of Gamma events".into())),
    };
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let at = format!("[{i}]");
        if !flag(e, "negRisk") {
            continue;
        }
        let name = match (e.get("slug"), e.get("id")) {
            (Some(Value::String(s)), _) if !s.is_empty() => s.clone(),
            (_, Some(Value::String(s))) if !s.is_empty() => s.clone(),
            (_, Some(Value::Number(n))) => n.to_string(),
            _ => return Err((format!("{at}.slug"), "missing (and no id)".into())),
        };
        let Some(Value::Array(markets)) = e.get("markets") else {
            return Err((format!("{at}.markets"), "missing or not an array".into()));
        };
        let mut members = Vec::new();
        let mut left_out = 0;
        for (j, m) in markets.iter().enumerate() {
            let at_m = format!("{at}.markets[{j}]");
            let usable = flag(m, "negRisk")
                && !flag(m, "closed")
                && m.get("active").and_then(Value::as_bool).unwrap_or(true)
                && !flag(m, "negRiskOther");
            match usable.then(|| yes_token(m, &at_m)).transpose()?.flatten() {
                Some(token) => members.push((Venue::Polymarket, token, Outcome::Yes)),
                None => left_out += 1,
            }
        }
        if members.len() < 2 {
            continue;
        }
        out.push(GroupSpec {
            kind: GroupKind::Bucket,
            members,
            exhaustive: left_out == 0 && !flag(e, "negRiskAugmented"),
            source: format!("polymarket:negRisk:{name}"),
            confidence_bp: 10_000,
        });
    }
    Ok(out)
}

fn flag(v: &Value, field: &str) -> bool {
    v.get(field).and_then(Value::as_bool).unwrap_or(false)
}

/// The token id of a market's `Yes` outcome (None when it has none).
fn yes_token(m: &Value, at: &str) -> Result<Option<String>, (String, String)> {
    let outcomes = list(m, at, "outcomes")?;
    let tokens = match m.get("clobTokenIds") {
        None | Some(Value::Null) => return Ok(None),
        Some(_) => list(m, at, "clobTokenIds")?,
    };
    if tokens.len() != outcomes.len() {
        return Err((
            format!("{at}.clobTokenIds"),
            format!("{} token ids for {} outcomes", tokens.len(), outcomes.len()),
        ));
    }
    Ok(outcomes
        .iter()
        .position(|o| o.eq_ignore_ascii_case("yes"))
        .map(|k| tokens[k].clone())
        .filter(|t| !t.is_empty()))
}

/// Gamma sends `outcomes` and `clobTokenIds` as JSON-encoded strings (arrays accepted).
fn list(v: &Value, at: &str, field: &str) -> Result<Vec<String>, (String, String)> {
    let at_f = format!("{at}.{field}");
    let parsed: Value = match v.get(field) {
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|e| (at_f.clone(), format!("not a JSON list of strings: {e}")))?,
        Some(a @ Value::Array(_)) => a.clone(),
        _ => return Err((at_f, "missing or not a list".into())),
    };
    parsed
        .as_array()
        .ok_or_else(|| (at_f.clone(), "not a list".to_string()))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| (at_f.clone(), format!("element {x} is not a string")))
        })
        .collect()
}
