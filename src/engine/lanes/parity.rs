//! Parity lane: a family of complement markets, within or across venues (YES on one
//! is NO on another; the Kalshi and Polymarket markets of one game, each team's). Any
//! two members, one bought on the proposition's side and the other on its opposite,
//! pay exactly $1. The family is one rule in canonical form (members in market order,
//! each market in at most one family), evaluated and journaled under its one key, so
//! an edge between two of its markets is counted once, not once per pair or per lane
//! (the cross-venue lane leaves pairs inside a family to this lane).

use super::{Candidate, buy_quote, payout};
use crate::core::Money;
use crate::engine::markets::Markets;
use crate::event::{GroupRule, Lane, SkipReason};

pub fn evaluate(
    markets: &Markets,
    rule: &GroupRule,
    group: u32,
) -> Result<Option<Candidate>, SkipReason> {
    let mut best: Option<Candidate> = None;
    let mut quoted = false;
    for (i, a) in rule.members.iter().enumerate() {
        for (j, b) in rule.members.iter().enumerate() {
            if i == j {
                continue;
            }
            let (Some(la), Some(lb)) = (
                buy_quote(markets, a.market, a.outcome),
                buy_quote(markets, b.market, b.outcome.other()),
            ) else {
                continue;
            };
            quoted = true;
            let legs = vec![la, lb];
            let Some(pays) = payout::guaranteed(markets, rule, &legs) else {
                continue;
            };
            let c = Candidate {
                lane: Lane::Parity,
                legs,
                pair: None,
                group: Some(group),
                payout: pays,
            };
            if pays > Money::ZERO
                && c.gross_edge() > 0
                && best
                    .as_ref()
                    .is_none_or(|b| c.gross_edge() > b.gross_edge())
            {
                best = Some(c);
            }
        }
    }
    if !quoted {
        return Err(SkipReason::IncompleteBook);
    }
    Ok(best)
}
