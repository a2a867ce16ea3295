//! Opportunity detection per strategy family. A lane looks at books and returns a
//! candidate (legs and prices); sizing, fees and risk gates are applied by the reducer.

pub mod bucket;
pub mod cross;
pub mod intra;
pub mod parity;
pub mod payout;
pub mod tree;

use super::markets::Markets;
use crate::core::{MarketId, Money, Outcome, Price};
use crate::event::{Lane, Leg, NoLeg};

/// Legs of a possible arbitrage: buying one contract of every leg pays at least
/// `payout` in every outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub lane: Lane,
    pub legs: Vec<Leg>,
    /// For cross-venue pairs: the index of the pair rule.
    pub pair: Option<u32>,
    /// For group lanes: the index of the group rule.
    pub group: Option<u32>,
    /// The least the legs pay together, per contract of each ($1 for a pair).
    pub payout: Money,
}

impl Candidate {
    /// A two-leg candidate that pays exactly $1.
    pub fn pair_of(lane: Lane, legs: [Leg; 2], pair: Option<u32>) -> Candidate {
        Candidate {
            lane,
            legs: legs.to_vec(),
            pair,
            group: None,
            payout: Money(Money::SCALE),
        }
    }

    /// The payout minus the sum of leg prices, in 1e-4 dollars (before fees).
    pub fn gross_edge(&self) -> i64 {
        self.payout.0 / 100 - self.legs.iter().map(|l| i64::from(l.price.0)).sum::<i64>()
    }
}

/// Of a group rule's quoted baskets, the one whose enumerated payout exceeds its cost
/// by the most (before fees); the first of equals. The bucket, tree and parity lanes
/// each build their baskets and let this judge them.
pub fn best_basket(
    markets: &Markets,
    rule: &crate::event::GroupRule,
    lane: crate::event::Lane,
    group: u32,
    baskets: Vec<Vec<Leg>>,
) -> Option<Candidate> {
    let mut best: Option<Candidate> = None;
    for legs in baskets {
        let Some(pays) = payout::guaranteed(markets, rule, &legs) else {
            continue;
        };
        let c = Candidate {
            lane,
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
    best
}

/// A price as money (1e-4 dollars to 1e-6).
pub fn price_money(p: Price) -> Money {
    Money(i64::from(p.0) * 100)
}

/// The best price at which `outcome` of `market` can be sold now, as the leg to send
/// (the mirror of `buy_quote`): Kalshi NO is sold at 1 − the YES ask; Polymarket NO
/// is the YES of the complement token. `None` if no one bids.
pub fn sell_quote(markets: &Markets, market: MarketId, outcome: Outcome) -> Option<Leg> {
    let m = markets.tradable(market)?;
    match (outcome, m.meta.no_leg) {
        (Outcome::Yes, _) => {
            let bid = m.book.best_bid()?;
            Some(Leg {
                market,
                outcome: Outcome::Yes,
                price: bid.price,
                depth: bid.qty,
            })
        }
        (Outcome::No, NoLeg::SameBook) => {
            let ask = m.book.best_ask()?;
            Some(Leg {
                market,
                outcome: Outcome::No,
                price: ask.price.complement(),
                depth: ask.qty,
            })
        }
        (Outcome::No, NoLeg::Complement(c)) => sell_quote(markets, c, Outcome::Yes),
        (Outcome::No, NoLeg::Unknown) => None,
    }
}

/// The best price at which `outcome` of `market` can be bought now, as the leg to
/// send: Kalshi NO is bought on the same ticker; Polymarket NO is the YES of the
/// complement token. `None` if there is no tradable offer.
pub fn buy_quote(markets: &Markets, market: MarketId, outcome: Outcome) -> Option<Leg> {
    let m = markets.tradable(market)?;
    match (outcome, m.meta.no_leg) {
        (Outcome::Yes, _) => {
            let ask = m.book.best_ask()?;
            Some(Leg {
                market,
                outcome: Outcome::Yes,
                price: ask.price,
                depth: ask.qty,
            })
        }
        (Outcome::No, NoLeg::SameBook) => {
            // Buying NO at 1 − p takes the YES bid at p.
            let bid = m.book.best_bid()?;
            Some(Leg {
                market,
                outcome: Outcome::No,
                price: bid.price.complement(),
                depth: bid.qty,
            })
        }
        (Outcome::No, NoLeg::Complement(c)) => buy_quote(markets, c, Outcome::Yes),
        (Outcome::No, NoLeg::Unknown) => None,
    }
}
