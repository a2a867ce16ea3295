//! The tiers' first plan (`[universe] tiers`): which markets start streamed (held, or
//! in a tradable pair or group rule, with their complements, up to `hot_max`), polled
//! (as far as each venue's read budget goes) or only listed. Pure: the reducer's state
//! in, one watch per market out.

use super::core::{Inbound, event_ns};
use super::polymarket_feed::BOOKS_BATCH;
use crate::core::MarketId;
use crate::engine::Reducer;
use crate::event::{Event, MarketMeta, NoLeg, Watch, WatchChange, WatchReason};
use crate::venues::MarketInterner;
use std::collections::{BTreeMap, BTreeSet};

/// How many markets each tier holds at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierCaps {
    /// Streamed, both venues together.
    pub hot_max: usize,
    /// Polled, per venue (`Venue::index`).
    pub warm_max: [usize; 2],
    /// Per venue, the gap between two warm reads that keeps them within the share.
    pub pace: [std::time::Duration; 2],
}

impl TierCaps {
    /// The warm capacity a venue's read budget allows: `share` of `read_per_s` over one
    /// poll period, times the books one request reads (Kalshi one, Polymarket a batch).
    pub fn from_budget(hot_max: usize, read_per_s: [f64; 2], share: f64, poll_s: f64) -> Self {
        let per_read = [1, BOOKS_BATCH];
        let warm_max = std::array::from_fn(|v| {
            let reads = (read_per_s[v] * share * poll_s).floor().max(0.0) as usize;
            reads * per_read[v]
        });
        let pace = std::array::from_fn(|v| {
            let rate = read_per_s[v] * share;
            if rate > 0.0 {
                std::time::Duration::from_secs_f64(1.0 / rate)
            } else {
                std::time::Duration::ZERO
            }
        });
        TierCaps {
            hot_max,
            warm_max,
            pace,
        }
    }
}

/// Every market's first watch: hot (held first, then in a rule, by id) up to
/// `hot_max`, then warm per venue up to its cap, then cold. A Polymarket token's
/// complement shares its tier, since both lanes that trade a token read both books.
pub fn plan(reducer: &Reducer, caps: TierCaps) -> Vec<WatchChange> {
    let markets = &reducer.markets().list;
    let mut wanted: BTreeMap<MarketId, WatchReason> = BTreeMap::new();
    let mut want = |m: MarketId, reason: WatchReason| {
        wanted.entry(m).or_insert(reason);
    };
    for m in markets.iter().filter(|m| m.open_orders > 0) {
        want(m.meta.id, WatchReason::Position);
    }
    for (&(m, _), p) in &reducer.portfolio().positions {
        if p.qty.0 != 0 {
            want(m, WatchReason::Position);
        }
    }
    for pair in reducer
        .markets()
        .pairs
        .iter()
        .filter(|p| p.confidence_bp > 0)
    {
        want(pair.a, WatchReason::Rule);
        want(pair.b, WatchReason::Rule);
    }
    for rule in &reducer.groups().rules {
        for member in &rule.members {
            want(member.market, WatchReason::Rule);
        }
    }
    let complements: Vec<(MarketId, WatchReason)> = wanted
        .iter()
        .filter_map(|(m, r)| match markets.get(m.index())?.meta.no_leg {
            NoLeg::Complement(other) => Some((other, *r)),
            _ => None,
        })
        .collect();
    for (m, r) in complements {
        wanted.entry(m).or_insert(r);
    }
    let mut order: Vec<(MarketId, WatchReason)> = wanted.into_iter().collect();
    order.sort_by_key(|&(m, r)| (r != WatchReason::Position, m));
    let mut out = Vec::with_capacity(markets.len());
    let mut warm = [0usize; 2];
    let mut place = |m: MarketId, reason: WatchReason, out: &mut Vec<WatchChange>| {
        let venue = markets[m.index()].meta.venue.index();
        let (watch, reason) = if warm[venue] < caps.warm_max[venue] {
            warm[venue] += 1;
            (Watch::Polled, reason)
        } else {
            (Watch::Listed, WatchReason::Capacity)
        };
        out.push(WatchChange {
            market: m,
            watch,
            reason,
        });
    };
    let mut hot = BTreeSet::new();
    for (i, &(m, reason)) in order.iter().enumerate() {
        if m.index() >= markets.len() {
            continue;
        }
        if i < caps.hot_max {
            hot.insert(m);
            out.push(WatchChange {
                market: m,
                watch: Watch::Streamed { connection: 0 },
                reason,
            });
        } else {
            hot.insert(m);
            place(m, WatchReason::Capacity, &mut out);
        }
    }
    for m in markets.iter().filter(|m| !hot.contains(&m.meta.id)) {
        place(m.meta.id, WatchReason::Start, &mut out);
    }
    out
}

/// The first plan, sorted for the tasks that use it.
pub struct Tiered {
    /// Venue ids of the markets to stream (the feeds subscribe these only).
    pub hot_ids: BTreeSet<String>,
    pub streamed: BTreeMap<MarketId, MarketMeta>,
    /// Polled and listed markets, by venue.
    pub warm: [BTreeMap<MarketId, MarketMeta>; 2],
    pub cold: [BTreeMap<MarketId, MarketMeta>; 2],
}

/// Plans every market's first watch and journals it on `control` (which the core reads
/// before market data) before any feed starts: every streamed market's, since why it is
/// streamed is worth saying at each start (and is the watch of a journal without one),
/// and the others' when their watch changes.
pub fn start(
    reducer: &Reducer,
    interner: &MarketInterner,
    caps: TierCaps,
    control: &crossbeam_channel::Sender<Inbound>,
    shards: &[super::shards::Shards; 2],
) -> Tiered {
    let mut t = Tiered {
        hot_ids: BTreeSet::new(),
        streamed: BTreeMap::new(),
        warm: Default::default(),
        cold: Default::default(),
    };
    for mut change in plan(reducer, caps) {
        let Some(meta) = interner.meta(change.market) else {
            continue;
        };
        let v = meta.venue.index();
        if let Watch::Streamed { .. } = change.watch {
            change.watch = Watch::Streamed {
                connection: super::shards::lock(&shards[v]).assign(change.market),
            };
        }
        let streamed = matches!(change.watch, Watch::Streamed { .. });
        match change.watch {
            Watch::Streamed { .. } => {
                t.hot_ids.insert(meta.venue_id.clone());
                t.streamed.insert(change.market, meta.clone());
            }
            Watch::Polled => {
                t.warm[v].insert(change.market, meta.clone());
            }
            Watch::Listed => {
                t.cold[v].insert(change.market, meta.clone());
            }
        }
        let now = reducer.markets().get(change.market).map(|m| m.watch);
        if now != Some(change.watch) || streamed {
            let _ = control.send(Inbound {
                ts: event_ns(),
                event: Event::MarketWatch(change),
            });
        }
    }
    let count =
        |tiers: &[BTreeMap<MarketId, MarketMeta>; 2]| tiers.iter().map(|t| t.len()).sum::<usize>();
    tracing::info!(
        hot = t.streamed.len(),
        warm = count(&t.warm),
        cold = count(&t.cold),
        "universe in tiers: hot streamed, warm polled, cold listed"
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EngineConfig;
    use crate::core::{Outcome, Venue};
    use crate::event::PairRule;

    fn meta(id: u32, venue: Venue, no_leg: NoLeg) -> Event {
        Event::MarketDefined(MarketMeta::for_test(id, venue, no_leg))
    }

    /// Kalshi 0..4, Polymarket tokens 4/5, 6/7, 8/9 (complements); pair 0 <-> 4.
    fn reducer() -> Reducer {
        let mut r = Reducer::new(EngineConfig::default());
        let mut out = Vec::new();
        for i in 0..4 {
            r.apply(0, &meta(i, Venue::Kalshi, NoLeg::SameBook), &mut out);
        }
        for i in (4..10).step_by(2) {
            r.apply(
                0,
                &meta(i, Venue::Polymarket, NoLeg::Complement(MarketId(i + 1))),
                &mut out,
            );
            r.apply(
                0,
                &meta(i + 1, Venue::Polymarket, NoLeg::Complement(MarketId(i))),
                &mut out,
            );
        }
        r.apply(
            0,
            &Event::PairDefined(PairRule {
                a: MarketId(0),
                b: MarketId(4),
                b_outcome_for_a_yes: Outcome::Yes,
                confidence_bp: 9_500,
            }),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        r
    }

    fn watch_of(plan: &[WatchChange], m: u32) -> (Watch, WatchReason) {
        let c = plan.iter().find(|c| c.market == MarketId(m)).unwrap();
        (c.watch, c.reason)
    }

    #[test]
    fn pairs_and_their_complements_are_hot_the_rest_warm_then_cold_by_budget() {
        let caps = TierCaps {
            hot_max: 10,
            warm_max: [2, 3],
            pace: Default::default(),
        };
        let plan = plan(&reducer(), caps);
        assert_eq!(plan.len(), 10, "one watch per market");
        let hot = Watch::Streamed { connection: 0 };
        for m in [0, 4, 5] {
            assert_eq!(watch_of(&plan, m), (hot, WatchReason::Rule), "market {m}");
        }
        // Kalshi 1, 2 polled, 3 over the Kalshi warm cap; Polymarket 6, 7, 8 polled, 9 not.
        for m in [1, 2, 6, 7, 8] {
            assert_eq!(
                watch_of(&plan, m),
                (Watch::Polled, WatchReason::Start),
                "{m}"
            );
        }
        for m in [3, 9] {
            assert_eq!(
                watch_of(&plan, m),
                (Watch::Listed, WatchReason::Capacity),
                "{m}"
            );
        }
    }

    #[test]
    fn a_full_hot_set_sends_rule_markets_to_the_warm_tier_with_the_reason() {
        let caps = TierCaps {
            hot_max: 2,
            warm_max: [10, 10],
            pace: Default::default(),
        };
        let plan = plan(&reducer(), caps);
        let streamed: Vec<u32> = plan
            .iter()
            .filter(|c| matches!(c.watch, Watch::Streamed { .. }))
            .map(|c| c.market.0)
            .collect();
        assert_eq!(streamed, [0, 4]);
        assert_eq!(watch_of(&plan, 5), (Watch::Polled, WatchReason::Capacity));
    }

    #[test]
    fn warm_capacity_follows_the_read_budget() {
        // Kalshi 20 reads/s, a quarter for 60 s: 300 books; Polymarket 50 reads/s of
        // 100 books: 75,000.
        let caps = TierCaps::from_budget(100, [20.0, 50.0], 0.25, 60.0);
        assert_eq!(caps.warm_max, [300, 75_000]);
        // Spread over the period: a Kalshi read every 200 ms, 300 of them in 60 s.
        assert_eq!(caps.pace[0], std::time::Duration::from_millis(200));
        assert_eq!(caps.pace[1], std::time::Duration::from_millis(80));
    }
}
