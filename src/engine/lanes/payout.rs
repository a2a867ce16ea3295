//! Basket payouts by enumeration: every outcome a group's relation allows is listed
//! (which members' YES pay), a basket's payout is counted in each from its legs, and
//! what the basket guarantees is the least of them. Nothing about a basket's payout is
//! assumed.

use crate::core::{MarketId, Money, Outcome};
use crate::engine::markets::Markets;
use crate::event::{GroupKind, GroupRule, Leg, NoLeg};

/// An outcome of the group: bit i set when member i's market resolves YES.
pub type World = u64;

/// The outcomes the rule allows.
pub fn worlds(rule: &GroupRule) -> Vec<World> {
    let n = rule.members.len();
    match rule.kind {
        GroupKind::Bucket => {
            // Mutually exclusive: at most one YES; exhaustive: exactly one.
            let mut w: Vec<World> = (0..n).map(|i| 1 << i).collect();
            if !rule.exhaustive {
                w.push(0);
            }
            w
        }
        GroupKind::Parity => {
            // The proposition holds or not; each member's `outcome` pays when it holds.
            [true, false]
                .iter()
                .map(|&holds| {
                    rule.members
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| holds == (m.outcome == Outcome::Yes))
                        .fold(0, |acc, (i, _)| acc | (1 << i))
                })
                .collect()
        }
        GroupKind::Tree => (0..(1u64 << n))
            .filter(|&w| {
                let parent = w & 1 == 1;
                let children = (w >> 1).count_ones();
                // A child implies its parent; a partition has exactly one child when
                // the parent holds.
                (parent || children == 0) && (!rule.exhaustive || !parent || children == 1)
            })
            .collect(),
    }
}

/// Which member a leg trades, and the outcome of that member it buys: a Polymarket
/// leg on the complement token buys the member's NO.
fn member_of(markets: &Markets, rule: &GroupRule, leg: &Leg) -> Option<(usize, Outcome)> {
    rule.members.iter().enumerate().find_map(|(i, m)| {
        if m.market == leg.market {
            return Some((i, leg.outcome));
        }
        match markets.get(m.market).map(|s| s.meta.no_leg) {
            Some(NoLeg::Complement(c)) if c == leg.market => Some((i, leg.outcome.other())),
            _ => None,
        }
    })
}

/// Contracts paid in `world` by one contract of each leg; `None` if a leg is not on a
/// member of the group.
pub fn payout_in(markets: &Markets, rule: &GroupRule, legs: &[Leg], world: World) -> Option<u64> {
    legs.iter().try_fold(0u64, |acc, leg| {
        let (i, outcome) = member_of(markets, rule, leg)?;
        let yes = world & (1 << i) != 0;
        Some(acc + u64::from(yes == (outcome == Outcome::Yes)))
    })
}

/// The least the legs pay together over every outcome the rule allows, in dollars
/// per contract of each leg.
pub fn guaranteed(markets: &Markets, rule: &GroupRule, legs: &[Leg]) -> Option<Money> {
    let least = worlds(rule)
        .into_iter()
        .map(|w| payout_in(markets, rule, legs, w))
        .try_fold(u64::MAX, |acc, p| p.map(|p| acc.min(p)))?;
    (least != u64::MAX).then(|| Money::dollars(least as i64))
}

/// The market ids of a rule's members, in order.
pub fn member_ids(rule: &GroupRule) -> Vec<MarketId> {
    rule.members.iter().map(|m| m.market).collect()
}
