//! `state_hash`: a 64-bit digest (xxh3) of a canonical encoding of the whole reducer
//! state. Two reducers that saw the same journal have the same hash.

use super::orders::Orders;
use super::portfolio::Portfolio;
use super::{Reducer, Stats};
use crate::config::EngineConfig;
use crate::core::Rng;
use crate::event::{BookSide, Leg, Level, MarketMeta, Mode, PairRule};
use serde::Serialize;

#[derive(Serialize)]
struct MarketView<'a> {
    meta: &'a MarketMeta,
    bids: Vec<Level>,
    asks: Vec<Level>,
    last_venue_seq: u64,
    suspect: bool,
    updated_ts: i64,
    pairs: &'a [u32],
    open_orders: u32,
}

#[derive(Serialize)]
struct StateView<'a> {
    config: &'a EngineConfig,
    policy: &'a crate::config::LegPolicy,
    resting: &'a crate::config::RestingPolicy,
    risk: &'a super::risk::RiskState,
    markets: Vec<MarketView<'a>>,
    pairs: &'a [PairRule],
    portfolio: &'a Portfolio,
    orders: &'a Orders,
    mode: Mode,
    next_opportunity: u64,
    rng: &'a Rng,
    now: i64,
    stats: &'a Stats,
    last_intra: &'a [Option<[Leg; 2]>],
    last_cross: &'a [Option<[Leg; 2]>],
}

impl Reducer {
    /// Digest of the complete state, for replay and recovery checks.
    pub fn state_hash(&self) -> u64 {
        let view = StateView {
            config: &self.config,
            policy: &self.policy,
            resting: &self.resting,
            risk: &self.risk,
            markets: self
                .markets
                .list
                .iter()
                .map(|m| MarketView {
                    meta: &m.meta,
                    bids: m.book.levels(BookSide::Bid).collect(),
                    asks: m.book.levels(BookSide::Ask).collect(),
                    last_venue_seq: m.last_venue_seq,
                    suspect: m.suspect,
                    updated_ts: m.updated_ts,
                    pairs: &m.pairs,
                    open_orders: m.open_orders,
                })
                .collect(),
            pairs: &self.markets.pairs,
            portfolio: &self.portfolio,
            orders: &self.orders,
            mode: self.mode,
            next_opportunity: self.next_opportunity,
            rng: &self.rng,
            now: self.now,
            stats: &self.stats,
            last_intra: &self.last_intra,
            last_cross: &self.last_cross,
        };
        // Serialising plain data into a Vec cannot fail.
        let bytes = bincode::serialize(&view).unwrap_or_default();
        xxhash_rust::xxh3::xxh3_64(&bytes)
    }
}
