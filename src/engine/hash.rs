//! `state_hash`: a 64-bit digest (xxh3) of a canonical encoding of the whole reducer
//! state (the bytes a snapshot stores). Two reducers that saw the same journal have the
//! same hash.

use super::orders::Orders;
use super::portfolio::Portfolio;
use super::{Reducer, Stats};
use crate::config::EngineConfig;
use crate::core::Rng;
use crate::event::{BookSide, Leg, Level, MarketMeta, Mode, PairRule};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct MarketView<'a> {
    pub(super) meta: &'a MarketMeta,
    pub(super) bids: Vec<Level>,
    pub(super) asks: Vec<Level>,
    pub(super) last_venue_seq: u64,
    pub(super) suspect: bool,
    pub(super) updated_ts: i64,
    pub(super) pairs: &'a [u32],
    pub(super) open_orders: u32,
    pub(super) watch: crate::event::Watch,
}

/// The canonical encoding of the state: what `state_hash` digests and what a snapshot
/// stores (`snapshot::StateOwned` mirrors it field for field).
#[derive(Serialize)]
pub(super) struct StateView<'a> {
    pub(super) config: &'a EngineConfig,
    pub(super) policy: &'a crate::config::LegPolicy,
    pub(super) resting: &'a crate::config::RestingPolicy,
    pub(super) risk: &'a super::risk::RiskState,
    pub(super) markets: Vec<MarketView<'a>>,
    pub(super) pairs: &'a [PairRule],
    pub(super) portfolio: &'a Portfolio,
    pub(super) orders: &'a Orders,
    pub(super) mode: Mode,
    pub(super) next_opportunity: u64,
    pub(super) rng: &'a Rng,
    pub(super) now: i64,
    pub(super) stats: &'a Stats,
    pub(super) last_intra: &'a [Option<[Leg; 2]>],
    pub(super) last_cross: &'a [Option<[Leg; 2]>],
    pub(super) firewall: &'a super::firewall::FirewallState,
    pub(super) groups: &'a [crate::event::GroupRule],
    pub(super) last_group: &'a [Option<Vec<Leg>>],
    pub(super) lane_refused:
        &'a std::collections::BTreeMap<(crate::event::Lane, u32), crate::event::SkipReason>,
    pub(super) coverage_mark: &'a super::coverage::CoverageMark,
    pub(super) settlement: &'a super::settlement::SettlementBook,
    pub(super) exits: Option<crate::config::ExitPolicy>,
    pub(super) vouch: &'a super::markets::Vouch,
}

impl Reducer {
    /// Digest of the complete state, for replay and recovery checks.
    pub fn state_hash(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.snapshot_bytes())
    }

    pub(super) fn view(&self) -> StateView<'_> {
        StateView {
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
                    watch: m.watch,
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
            firewall: &self.firewall,
            groups: &self.groups.rules,
            last_group: &self.last_group,
            lane_refused: &self.lane_refused,
            coverage_mark: &self.coverage_mark,
            settlement: &self.settlement,
            exits: self.exits,
            vouch: &self.markets.vouch,
        }
    }
}
