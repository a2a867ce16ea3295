//! Opportunity detection per strategy family. A lane looks at books and returns a
//! candidate (legs and prices); sizing, fees and risk gates are applied by the reducer.

pub mod cross;
pub mod intra;

use super::markets::Markets;
use crate::core::{MarketId, Outcome, Price};
use crate::event::{Lane, Leg, NoLeg};

/// Legs of a possible arbitrage: buying every leg pays exactly $1 in every outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub lane: Lane,
    pub legs: [Leg; 2],
    /// For cross-venue pairs: the index of the pair rule.
    pub pair: Option<u32>,
}

impl Candidate {
    /// $1 minus the sum of leg prices, in 1e-4 dollars (before fees).
    pub fn gross_edge(&self) -> i32 {
        Price::SCALE as i32 - self.legs.iter().map(|l| i32::from(l.price.0)).sum::<i32>()
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
