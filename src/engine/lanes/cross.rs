//! Cross-venue lane: the same question on two venues (a pair rule from the mapping
//! file). Buy YES on one side and the opposite outcome on the other when the two asks
//! sum below $1.

use super::{Candidate, buy_quote};
use crate::engine::markets::Markets;
use crate::event::Lane;

/// The better of the pair's two directions, if either has a positive gross edge.
pub fn evaluate(markets: &Markets, pair: u32) -> Option<Candidate> {
    let rule = markets.pairs.get(pair as usize)?;
    let b_yes_equiv = rule.b_outcome_for_a_yes;
    let directions = [
        // a YES pays exactly when b's equivalent pays; b's other outcome covers the rest.
        (crate::core::Outcome::Yes, b_yes_equiv.other()),
        (crate::core::Outcome::No, b_yes_equiv),
    ];
    let mut best: Option<Candidate> = None;
    for (a_out, b_out) in directions {
        let (Some(la), Some(lb)) = (
            buy_quote(markets, rule.a, a_out),
            buy_quote(markets, rule.b, b_out),
        ) else {
            continue;
        };
        let c = Candidate::pair_of(Lane::CrossVenue, [la, lb], Some(pair));
        if c.gross_edge() > 0
            && best
                .as_ref()
                .is_none_or(|b| c.gross_edge() > b.gross_edge())
        {
            best = Some(c);
        }
    }
    best
}
