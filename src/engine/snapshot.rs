//! The reducer's state as bytes and back: `snapshot_bytes` is the canonical encoding
//! that `state_hash` digests (bincode 1.3.3, fixed-width integers, books as level
//! lists), and `from_snapshot_bytes` rebuilds a reducer from it, checking that the
//! state is one the reducer could have reached (ids in range, books well formed), so
//! that bad bytes give an error and never a reducer that panics later.

use super::book::Book;
use super::markets::{MarketState, Markets};
use super::orders::Orders;
use super::portfolio::Portfolio;
use super::risk::RiskState;
use super::{Reducer, Stats};
use crate::config::{EngineConfig, LegPolicy, RestingPolicy};
use crate::core::{MarketId, Rng};
use crate::event::{Leg, Level, MarketMeta, Mode, PairRule};
use bincode::Options;
use serde::Deserialize;

/// Why bytes are not a reducer state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("reducer state does not decode: {0}")]
    Decode(String),
    #[error("reducer state is inconsistent: {0}")]
    Invalid(String),
}

/// `hash::MarketView`, owned.
#[derive(Deserialize)]
struct MarketOwned {
    meta: MarketMeta,
    bids: Vec<Level>,
    asks: Vec<Level>,
    last_venue_seq: u64,
    suspect: bool,
    updated_ts: i64,
    pairs: Vec<u32>,
    open_orders: u32,
    watch: crate::event::Watch,
}

/// `hash::StateView`, owned: the same fields in the same order.
#[derive(Deserialize)]
struct StateOwned {
    config: EngineConfig,
    policy: LegPolicy,
    resting: RestingPolicy,
    risk: RiskState,
    markets: Vec<MarketOwned>,
    pairs: Vec<PairRule>,
    portfolio: Portfolio,
    orders: Orders,
    mode: Mode,
    next_opportunity: u64,
    rng: Rng,
    now: i64,
    stats: Stats,
    last_intra: Vec<Option<[Leg; 2]>>,
    last_cross: Vec<Option<[Leg; 2]>>,
    firewall: super::firewall::FirewallState,
    groups: Vec<crate::event::GroupRule>,
    last_group: Vec<Option<Vec<Leg>>>,
    lane_refused: std::collections::BTreeMap<(crate::event::Lane, u32), crate::event::SkipReason>,
    coverage_mark: super::coverage::CoverageMark,
    settlement: super::settlement::SettlementBook,
    exits: Option<crate::config::ExitPolicy>,
    vouch: super::markets::Vouch,
}

/// The journal's payload options: fixed-width integers, little-endian, no trailing
/// bytes, no length prefix larger than the input.
fn options(limit: usize) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(limit as u64)
}

impl Reducer {
    /// The complete state, encoded. Restoring it gives a reducer with the same
    /// `state_hash` that decides exactly as this one does.
    pub fn snapshot_bytes(&self) -> Vec<u8> {
        // Serialising plain data into a Vec cannot fail.
        bincode::serialize(&self.view()).unwrap_or_default()
    }

    /// Rebuilds a reducer from `snapshot_bytes`. Truncated, garbage or inconsistent
    /// bytes give an error.
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Reducer, SnapshotError> {
        let s: StateOwned = options(bytes.len())
            .deserialize(bytes)
            .map_err(|e| SnapshotError::Decode(e.to_string()))?;
        check(&s)?;
        let mut list = Vec::with_capacity(s.markets.len());
        for m in s.markets {
            let mut book = Book::with_tick(m.meta.tick);
            let id = m.meta.id;
            book.replace(&m.bids, &m.asks)
                .map_err(|e| invalid(format!("market {}: book: {e:?}", id.0)))?;
            list.push(MarketState {
                meta: m.meta,
                book,
                last_venue_seq: m.last_venue_seq,
                suspect: m.suspect,
                updated_ts: m.updated_ts,
                pairs: m.pairs,
                open_orders: m.open_orders,
                watch: m.watch,
            });
        }
        let markets = Markets {
            list,
            pairs: s.pairs,
            vouch: s.vouch,
        };
        let groups = super::groups::Groups::rebuild(&markets, s.groups)
            .map_err(|e| invalid(format!("group rules: {e:?}")))?;
        Ok(Reducer {
            config: s.config,
            policy: s.policy,
            resting: s.resting,
            risk: s.risk,
            markets,
            portfolio: s.portfolio,
            orders: s.orders,
            mode: s.mode,
            next_opportunity: s.next_opportunity,
            rng: s.rng,
            now: s.now,
            stats: s.stats,
            last_intra: s.last_intra,
            last_cross: s.last_cross,
            firewall: s.firewall,
            groups,
            last_group: s.last_group,
            lane_refused: s.lane_refused,
            coverage_mark: s.coverage_mark,
            settlement: s.settlement,
            exits: s.exits,
        })
    }
}

fn invalid(reason: String) -> SnapshotError {
    SnapshotError::Invalid(reason)
}

/// The invariants the reducer keeps and indexes by: every id it will look up exists.
fn check(s: &StateOwned) -> Result<(), SnapshotError> {
    let n = s.markets.len();
    let market = |id: MarketId, what: &str| {
        if id.index() < n {
            Ok(())
        } else {
            Err(invalid(format!(
                "{what} names market {} of {n} markets",
                id.0
            )))
        }
    };
    for (i, m) in s.markets.iter().enumerate() {
        if m.meta.id.index() != i {
            return Err(invalid(format!(
                "market at position {i} has id {}",
                m.meta.id.0
            )));
        }
        // A complement may name a market defined later (venues list a ladder's
        // markets one by one); the reducer looks complements up and treats a missing
        // one as not fresh, so a snapshot taken between the two is valid.
        if let Some(p) = m.pairs.iter().find(|&&p| p as usize >= s.pairs.len()) {
            return Err(invalid(format!("market {i} names pair {p}")));
        }
        check_side(i, "bids", &m.bids, |a, b| a > b)?;
        check_side(i, "asks", &m.asks, |a, b| a < b)?;
    }
    for p in &s.pairs {
        market(p.a, "a pair")?;
        market(p.b, "a pair")?;
    }
    if s.last_intra.len() != n || s.last_cross.len() != s.pairs.len() {
        return Err(invalid(format!(
            "{} intra and {} cross edge slots for {n} markets and {} pairs",
            s.last_intra.len(),
            s.last_cross.len(),
            s.pairs.len()
        )));
    }
    if s.firewall.marks.len() != n || s.last_group.len() != s.groups.len() {
        return Err(invalid(format!(
            "{} firewall marks and {} group edge slots for {n} markets and {} groups",
            s.firewall.marks.len(),
            s.last_group.len(),
            s.groups.len()
        )));
    }
    let legs = s.last_intra.iter().chain(&s.last_cross).flatten().flatten();
    let group_legs = s.last_group.iter().flatten().flatten();
    for l in legs.chain(group_legs) {
        market(l.market, "a remembered edge")?;
    }
    for (id, o) in &s.orders.open {
        if *id != o.order.id {
            return Err(invalid(format!(
                "open order {id} is filed under {}",
                o.order.id
            )));
        }
        market(o.order.market, "an open order")?;
    }
    for ep in s.orders.episodes.values() {
        for l in &ep.pending {
            market(l.market, "a pending leg")?;
        }
        if let Some(o) = &ep.first {
            market(o.market, "an episode's first leg")?;
        }
    }
    for (m, _) in s.portfolio.positions.keys() {
        market(*m, "a position")?;
    }
    Ok(())
}

/// Levels best first, strictly ordered, each with a positive quantity in range.
fn check_side(
    market: usize,
    side: &str,
    levels: &[Level],
    better: impl Fn(u16, u16) -> bool,
) -> Result<(), SnapshotError> {
    for (i, l) in levels.iter().enumerate() {
        if usize::from(l.price.0) >= super::book::LEVELS || l.qty.0 <= 0 {
            return Err(invalid(format!(
                "market {market} {side}: level {i} ({} at {}) is out of range",
                l.qty.0, l.price.0
            )));
        }
        if i > 0 && !better(levels[i - 1].price.0, l.price.0) {
            return Err(invalid(format!(
                "market {market} {side}: level {i} is out of order"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Price, Qty, Venue};
    use crate::event::{BookSnapshot, Event, FeeModel, FeedState, FeedStatus, NoLeg};

    fn small() -> Reducer {
        let mut r = Reducer::default();
        let mut out = Vec::new();
        r.apply(
            1,
            &Event::MarketDefined(MarketMeta {
                id: MarketId(0),
                venue: Venue::Kalshi,
                venue_id: "K".into(),
                title: "t".into(),
                event_id: "e".into(),
                series_id: "s".into(),
                close_ts: Some(9),
                no_leg: NoLeg::SameBook,
                fees: FeeModel::Free,
                tick: Price(100),
            }),
            &mut out,
        );
        let lvl = |p, q| Level {
            price: Price(p),
            qty: Qty::contracts(q),
        };
        r.apply(
            2,
            &Event::BookSnapshot(BookSnapshot {
                market: MarketId(0),
                venue_seq: 4,
                bids: vec![lvl(4000, 3), lvl(3900, 1)],
                asks: vec![lvl(4200, 2)],
            }),
            &mut out,
        );
        // A feed gap: the book stays but is marked suspect.
        r.apply(
            3,
            &Event::Feed(FeedStatus {
                venue: Venue::Kalshi,
                state: FeedState::Gap,
            }),
            &mut out,
        );
        assert!(r.markets().list[0].suspect);
        r
    }

    #[test]
    fn round_trip_keeps_the_hash_and_the_book() {
        let r = small();
        let bytes = r.snapshot_bytes();
        assert_eq!(xxhash_rust::xxh3::xxh3_64(&bytes), r.state_hash());
        let back = Reducer::from_snapshot_bytes(&bytes).unwrap();
        assert_eq!(back.state_hash(), r.state_hash());
        let book = &back.markets().list[0].book;
        assert_eq!(book.best_bid().map(|l| l.price), Some(Price(4000)));
        assert_eq!(book.best_ask().map(|l| l.price), Some(Price(4200)));
    }

    /// A snapshot of another layout must not be decoded as this one: when the state's
    /// fields change, this digest changes, and `SNAPSHOT_VERSION` must be raised with it.
    #[test]
    fn state_layout_is_pinned_to_the_snapshot_version() {
        // From version 7 the pinned state holds an episode with an open sell, so that
        // the layout of orders and episodes is pinned too.
        let mut r = small();
        let id = crate::core::ClientOrderId {
            opportunity: 1,
            leg: 2,
            attempt: 0,
        };
        let order = crate::event::PlaceOrder {
            id,
            market: MarketId(0),
            outcome: crate::core::Outcome::Yes,
            price: Price(3900),
            qty: Qty::contracts(1),
            tif: crate::event::TimeInForce::ImmediateOrCancel,
            side: crate::event::OrderSide::Sell,
        };
        r.orders.open.insert(
            id,
            super::super::orders::OpenOrder {
                order,
                venue: Venue::Kalshi,
                venue_order_id: None,
                filled: Qty::ZERO,
                reserved: crate::core::Money::ZERO,
                deadline: None,
                cancel_sent: false,
                unknown: false,
            },
        );
        let mut ep = super::super::orders::Episode::new(None, None);
        ep.legs.push((id, Qty::ZERO, false));
        ep.sells.push(id);
        r.orders.episodes.insert(1, ep);
        let restored = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
        assert_eq!(
            restored.orders.open[&id].order.side,
            crate::event::OrderSide::Sell,
            "an open order's side survives a snapshot"
        );
        let digest = xxhash_rust::xxh3::xxh3_64(&r.snapshot_bytes());
        // Version 1 includes the resting policy, risk state and halt reason (merged before any snapshot
        // left the project).
        // Version 2 adds the quote firewall, group rules and their edge slots, the
        // lanes' refusals, five lanes in the stats, and the basket of an episode.
        // (Version 2 also has the order-breaker flags and feed modes: merged before it left the
        // project.)
        // Version 3: breakers per venue endpoint (not per request class) and the lanes'
        // journaled coverage.
        let pinned = [
            (1u16, 0xd14e_c59d_d9db_9d91_u64),
            (2, 0x2a94_f9c8_9962_f78a),
            (3, 0x3c71_f0d7_9f9d_55b7),
            // Version 4: each open order's `unknown` flag (an order whose request got no
            // definite answer) and the risk state's reconciliation marks.
            (4, 0xf5a4_d8ba_4aa6_a0ad),
            // Version 5: each episode's lane and planned basket legs, and the settlement book (closed and
            // settled markets, lots, realized PnL).
            (5, 0x9c31_d730_4624_4924),
            // Version 6: each episode's unhedged-position state and the exit policy.
            (6, 0x66d0_322c_2820_e261),
            // Version 7: each open order's side, each episode's sells and the ended sells (pinned with
            // an episode holding an open sell).
            (7, 0x0646_8d87_d4fb_b1da),
            // Version 8: who vouches for a book's age (`StreamVouches`, each venue's last
            // sign of life), and whether positions are closed by selling (`SellToClose`).
            (8, 0x046d_2099_6563_f17d),
            // Version 9: each market's watch (streamed on a connection, polled, listed), and each
            // venue's last sign of life per stream connection.
            (9, 0x7ca4_343f_a891_3e15),
        ];
        let version = crate::journal::snapshot::SNAPSHOT_VERSION;
        assert_eq!(
            pinned.iter().find(|p| p.0 == version).map(|p| p.1),
            Some(digest),
            "the reducer's state encoding changed: raise SNAPSHOT_VERSION (now {version}) and pin {digest:#x} for it"
        );
    }

    #[test]
    fn inconsistent_states_are_refused() {
        let r = small();
        // A level out of order: swap the two bids' prices in the view.
        let mut view = r.view();
        view.markets[0].bids.reverse();
        let bytes = bincode::serialize(&view).unwrap();
        let err = Reducer::from_snapshot_bytes(&bytes).err().unwrap();
        assert!(err.to_string().contains("out of order"), "{err}");
        // An edge slot missing for a market.
        let mut view = r.view();
        view.last_intra = &[];
        let bytes = bincode::serialize(&view).unwrap();
        let err = Reducer::from_snapshot_bytes(&bytes).err().unwrap();
        assert!(err.to_string().contains("edge slots"), "{err}");
        // One byte too many.
        let mut bytes = r.snapshot_bytes();
        bytes.push(0);
        assert!(matches!(
            Reducer::from_snapshot_bytes(&bytes),
            Err(SnapshotError::Decode(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn truncated_or_garbled_bytes_are_an_error_not_a_panic(
            cut in 0usize..10_000,
            flips in proptest::collection::vec((0usize..10_000, 1u8..=255), 0..4),
            garbage in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        ) {
            let good = small().snapshot_bytes();
            let truncated = &good[..cut % good.len()];
            proptest::prop_assert!(Reducer::from_snapshot_bytes(truncated).is_err());
            let mut flipped = good.clone();
            for (at, x) in flips {
                let i = at % flipped.len();
                flipped[i] ^= x;
            }
            // A flipped byte may still decode (a quantity changed); it must not panic,
            // and what it gives must be usable.
            if let Ok(r) = Reducer::from_snapshot_bytes(&flipped) {
                let _ = r.state_hash();
            }
            let _ = Reducer::from_snapshot_bytes(&garbage);
        }
    }
}
