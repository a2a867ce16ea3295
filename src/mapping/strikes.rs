//! Event trees and parity families from Kalshi's strike metadata. Each market of a
//! Kalshi event says which values of the event's one underlying pay YES: `strike_type`
//! (`greater`, `greater_or_equal`, `less`, `less_or_equal`, `between`) with
//! `floor_strike` / `cap_strike`. Within one event, a market whose YES values lie
//! strictly inside another's implies it (a tree rule: parent, then child), and two whose
//! YES values are each other's complement state one proposition (a parity family).
//! Strike types the venue describes only in words (`functional`, `custom`,
//! `structured`) give no rule. Trees are kept to direct implications (no market lies
//! between child and parent), so a ladder of n strikes gives n − 1 rules.

use super::groups::GroupSpec;
use crate::core::{Outcome, Venue};
use crate::event::GroupKind;
use crate::venues::kalshi::rest_wire::Market;

/// Read from the venue's own fields by rule, not stated by the venue: a notch below
/// the 10 000 a venue's `mutually_exclusive` flag earns.
pub const STRIKE_CONFIDENCE_BP: u16 = 9_800;

/// One end of the set of values that pay YES.
#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    Unbounded,
    /// The value itself included.
    Closed(f64),
    /// The value itself excluded.
    Open(f64),
}

/// The values of the underlying that pay YES: from `low` to `high`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Payoff {
    low: End,
    high: End,
}

fn payoff(m: &Market) -> Option<Payoff> {
    let finite = |v: &Option<serde_json::Number>| {
        v.as_ref()
            .and_then(serde_json::Number::as_f64)
            .filter(|x| x.is_finite())
    };
    let (floor, cap) = (finite(&m.floor_strike), finite(&m.cap_strike));
    let p = match m.strike_type.as_deref()? {
        "greater" => (End::Open(floor?), End::Unbounded),
        "greater_or_equal" => (End::Closed(floor?), End::Unbounded),
        "less" => (End::Unbounded, End::Open(cap?)),
        "less_or_equal" => (End::Unbounded, End::Closed(cap?)),
        // Kalshi's ranges ("81-82°") include both ends.
        "between" if floor? <= cap? => (End::Closed(floor?), End::Closed(cap?)),
        _ => return None,
    };
    Some(Payoff {
        low: p.0,
        high: p.1,
    })
}

/// `outer`'s low end is at or below `inner`'s (every value above `inner.low` that
/// `inner` admits, `outer` admits too).
fn low_covers(outer: End, inner: End) -> bool {
    match (outer, inner) {
        (End::Unbounded, _) => true,
        (_, End::Unbounded) => false,
        (End::Open(o), End::Closed(i)) => o < i,
        (End::Open(o) | End::Closed(o), End::Open(i) | End::Closed(i)) => o <= i,
    }
}

fn high_covers(outer: End, inner: End) -> bool {
    match (outer, inner) {
        (End::Unbounded, _) => true,
        (_, End::Unbounded) => false,
        (End::Open(o), End::Closed(i)) => o > i,
        (End::Open(o) | End::Closed(o), End::Open(i) | End::Closed(i)) => o >= i,
    }
}

/// Every value that pays `inner` pays `outer`.
fn within(inner: &Payoff, outer: &Payoff) -> bool {
    low_covers(outer.low, inner.low) && high_covers(outer.high, inner.high)
}

/// `a` pays exactly when `b` does not: a lower tail and an upper tail meeting at one
/// strike that exactly one of them includes.
fn complements(a: &Payoff, b: &Payoff) -> bool {
    let meet = |upper: End, lower: End| match (upper, lower) {
        (End::Open(x), End::Closed(y)) | (End::Closed(x), End::Open(y)) => x == y,
        _ => false,
    };
    (a.low == End::Unbounded && b.high == End::Unbounded && meet(a.high, b.low))
        || (b.low == End::Unbounded && a.high == End::Unbounded && meet(b.high, a.low))
}

/// The tree and parity specs of the markets' events (markets of several events may
/// be given together; only markets of one event are related).
pub fn kalshi_strike_specs(markets: &[Market]) -> Vec<GroupSpec> {
    let mut events: Vec<&str> = markets.iter().map(|m| m.event_ticker.as_str()).collect();
    events.sort_unstable();
    events.dedup();
    let mut specs = Vec::new();
    for event in events {
        let ms: Vec<(&Market, Payoff)> = markets
            .iter()
            .filter(|m| m.event_ticker == event)
            .filter_map(|m| payoff(m).map(|p| (m, p)))
            .collect();
        let strictly_within = |i: usize, j: usize| {
            i != j && within(&ms[i].1, &ms[j].1) && !within(&ms[j].1, &ms[i].1)
        };
        for child in 0..ms.len() {
            for parent in 0..ms.len() {
                let direct = strictly_within(child, parent)
                    && !(0..ms.len())
                        .any(|m| strictly_within(child, m) && strictly_within(m, parent));
                if direct {
                    let (p, c) = (&ms[parent].0.ticker, &ms[child].0.ticker);
                    specs.push(GroupSpec {
                        kind: GroupKind::Tree,
                        members: vec![
                            (Venue::Kalshi, p.clone(), Outcome::Yes),
                            (Venue::Kalshi, c.clone(), Outcome::Yes),
                        ],
                        exhaustive: false,
                        source: format!("kalshi:strike:{event}:{c}=>{p}"),
                        confidence_bp: STRIKE_CONFIDENCE_BP,
                    });
                }
            }
        }
        for a in 0..ms.len() {
            for b in a + 1..ms.len() {
                if complements(&ms[a].1, &ms[b].1) {
                    let (x, y) = (&ms[a].0.ticker, &ms[b].0.ticker);
                    specs.push(GroupSpec {
                        kind: GroupKind::Parity,
                        members: vec![
                            (Venue::Kalshi, x.clone(), Outcome::Yes),
                            (Venue::Kalshi, y.clone(), Outcome::No),
                        ],
                        exhaustive: true,
                        source: format!("kalshi:strike:{event}:{x}=not {y}"),
                        confidence_bp: STRIKE_CONFIDENCE_BP,
                    });
                }
            }
        }
    }
    specs
}

/// Reads a Kalshi listing (see `parse_kalshi_markets`) and returns its tree and parity
/// specs.
pub fn load_kalshi_strike_specs(
    path: &std::path::Path,
) -> Result<Vec<GroupSpec>, super::groups::GroupsError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| super::groups::GroupsError::Read {
            path: path.display().to_string(),
            source,
        })?;
    let markets =
        parse_kalshi_markets(&text).map_err(|message| super::groups::GroupsError::Parse {
            path: path.display().to_string(),
            message,
        })?;
    Ok(kalshi_strike_specs(&markets))
}

/// The markets of a Kalshi `GET /events` page (nested markets), `GET /events/{ticker}`
/// answer, or `GET /markets` page.
pub fn parse_kalshi_markets(text: &str) -> Result<Vec<Market>, String> {
    use crate::venues::kalshi::rest_wire::{EventResponse, EventsResponse, MarketsResponse};
    if let Ok(page) = serde_json::from_str::<EventsResponse>(text) {
        return Ok(page
            .events
            .into_iter()
            .flat_map(|e| e.markets.unwrap_or_default())
            .collect());
    }
    if let Ok(one) = serde_json::from_str::<EventResponse>(text) {
        let mut ms = one.event.markets.unwrap_or_default();
        ms.extend(one.markets);
        return Ok(ms);
    }
    serde_json::from_str::<MarketsResponse>(text)
        .map(|page| page.markets)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
