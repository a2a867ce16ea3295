//! Structural bucket lane: the mutually exclusive markets of one event (a range
//! ladder, or one market per candidate). Buy YES on every bucket when the asks sum
//! below $1, or NO on every bucket when the NO asks sum below (n − 1) dollars; the
//! payout of each basket is found by enumerating the event's outcomes, so a ladder the
//! venue does not call exhaustive never offers the YES basket (it pays nothing when no
//! bucket wins). A ladder whose YES bids sum below the firewall's bound is taken to be
//! missing a bucket and is not traded.

use super::{Candidate, best_basket, buy_quote};
use crate::core::{Outcome, Price};
use crate::engine::markets::Markets;
use crate::event::{GroupRule, Lane, Leg, SkipReason};

/// The better basket of the ladder, if one pays more than it costs (before fees).
pub fn evaluate(
    markets: &Markets,
    rule: &GroupRule,
    group: u32,
    min_bid_sum: Price,
) -> Result<Option<Candidate>, SkipReason> {
    if min_bid_sum.0 > 0 {
        let bids: i64 = rule
            .members
            .iter()
            .filter_map(|m| markets.get(m.market)?.book.best_bid())
            .map(|l| i64::from(l.price.0))
            .sum();
        if bids < i64::from(min_bid_sum.0) {
            return Err(SkipReason::LadderSumImplausible);
        }
    }
    let basket = |outcome: Outcome| -> Option<Vec<Leg>> {
        rule.members
            .iter()
            .map(|m| buy_quote(markets, m.market, outcome))
            .collect()
    };
    let baskets: Vec<Vec<Leg>> = [Outcome::Yes, Outcome::No]
        .into_iter()
        .filter_map(basket)
        .collect();
    if baskets.is_empty() {
        return Err(SkipReason::IncompleteBook);
    }
    Ok(best_basket(markets, rule, Lane::Bucket, group, baskets))
}
