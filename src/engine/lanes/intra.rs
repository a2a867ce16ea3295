//! Intra-venue lane: buy YES and NO of one market when the asks sum below $1.
//!
//! On a Kalshi ticker this needs YES bid + NO bid above $1, a crossed book, which the
//! reducer refuses to trade on: a real Kalshi book cannot show it. The lane fires on
//! Polymarket, where YES and NO are two tokens with books of their own.

use super::{Candidate, buy_quote};
use crate::core::{MarketId, Outcome};
use crate::engine::markets::Markets;
use crate::event::{Lane, NoLeg};

/// The market whose YES leg names this opportunity: of two complement tokens, the one
/// with the lower id, so the family is evaluated and counted once.
pub fn canonical(markets: &Markets, market: MarketId) -> Option<MarketId> {
    let m = markets.get(market)?;
    match m.meta.no_leg {
        NoLeg::SameBook => Some(market),
        NoLeg::Complement(c) => Some(market.min(c)),
        NoLeg::Unknown => None,
    }
}

pub fn evaluate(markets: &Markets, market: MarketId) -> Option<Candidate> {
    let yes = buy_quote(markets, market, Outcome::Yes)?;
    let no = buy_quote(markets, market, Outcome::No)?;
    let c = Candidate::pair_of(Lane::IntraVenue, [yes, no], None);
    (c.gross_edge() > 0).then_some(c)
}
