//! Event tree lane: a parent market and children that imply it (a child's YES means
//! the parent's YES: "above 100" implies "above 90"; a state's winner implies the
//! region's). Baskets tried: parent YES with one child's NO (pays at least $1: if the
//! child holds so does the parent); and, when the children partition the parent,
//! parent NO with every child YES (exactly $1) and parent YES with every child NO
//! (pays n for n children). Every basket's payout is the least over
//! the outcomes the relation allows, enumerated, never assumed.

use super::{Candidate, best_basket, buy_quote};
use crate::core::Outcome;
use crate::engine::markets::Markets;
use crate::event::{GroupRule, Lane, Leg, SkipReason};

pub fn evaluate(
    markets: &Markets,
    rule: &GroupRule,
    group: u32,
) -> Result<Option<Candidate>, SkipReason> {
    let parent = rule.members[0].market;
    let children = &rule.members[1..];
    let quote = |m, o| buy_quote(markets, m, o);
    let mut baskets: Vec<Vec<Leg>> = Vec::new();
    for c in children {
        if let (Some(p), Some(k)) = (quote(parent, Outcome::Yes), quote(c.market, Outcome::No)) {
            baskets.push(vec![p, k]);
        }
    }
    if rule.exhaustive {
        for (p_out, c_out) in [(Outcome::No, Outcome::Yes), (Outcome::Yes, Outcome::No)] {
            let legs: Option<Vec<Leg>> = std::iter::once(quote(parent, p_out))
                .chain(children.iter().map(|c| quote(c.market, c_out)))
                .collect();
            baskets.extend(legs);
        }
    }
    if baskets.is_empty() {
        return Err(SkipReason::IncompleteBook);
    }
    Ok(best_basket(markets, rule, Lane::Tree, group, baskets))
}
