//! Parity lane: a family of complement markets, within or across venues (YES on one
//! is NO on another; the Kalshi and Polymarket markets of one game, each team's). Any
//! two members, one bought on the proposition's side and the other on its opposite,
//! pay exactly $1. The family is one rule in canonical form (members in market order,
//! each market in at most one family), evaluated and journaled under its one key, so
//! an edge between two of its markets is counted once, not once per pair or per lane
//! (the cross-venue lane leaves pairs inside a family to this lane).

use super::{Candidate, best_basket, buy_quote};
use crate::engine::markets::Markets;
use crate::event::{GroupRule, Lane, Leg, SkipReason};

pub fn evaluate(
    markets: &Markets,
    rule: &GroupRule,
    group: u32,
) -> Result<Option<Candidate>, SkipReason> {
    let mut baskets: Vec<Vec<Leg>> = Vec::new();
    for (i, a) in rule.members.iter().enumerate() {
        for (j, b) in rule.members.iter().enumerate() {
            if i == j {
                continue;
            }
            if let (Some(la), Some(lb)) = (
                buy_quote(markets, a.market, a.outcome),
                buy_quote(markets, b.market, b.outcome.other()),
            ) {
                baskets.push(vec![la, lb]);
            }
        }
    }
    if baskets.is_empty() {
        return Err(SkipReason::IncompleteBook);
    }
    Ok(best_basket(markets, rule, Lane::Parity, group, baskets))
}
