//! Watching the universe in tiers (`[universe] tiers`): markets in a tradable pair or
//! group rule, held or with an open order are streamed (hot); the others are read over
//! REST every `warm_poll_s` (warm) as far as a share of the venue's read budget goes,
//! and only listed beyond it (cold). A warm market whose quote moved between two reads
//! is promoted to the stream while the hot set has room. Every watch is journaled
//! (`MarketWatch`) on the control channel, which the core reads before market data, so
//! the reducer knows how a book is watched before the stream or a read delivers it.

use super::core::{Inbound, event_ns};
use super::ingress::IngressCtx;
use super::polymarket_feed::{BOOKS_BATCH, book_snapshot};
use super::universe_watch::Added;
use crate::core::{MarketId, Venue};
use crate::engine::Reducer;
use crate::event::{Event, MarketMeta, NoLeg, Watch, WatchChange, WatchReason};
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// How many markets each tier holds at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierCaps {
    /// Streamed, both venues together.
    pub hot_max: usize,
    /// Polled, per venue (`Venue::index`).
    pub warm_max: [usize; 2],
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
        TierCaps { hot_max, warm_max }
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

/// Where the warm reads of one venue go.
pub struct WarmVenue<R> {
    pub rest: R,
    /// Its market data queue (the reads' snapshots).
    pub ctx: IngressCtx,
    /// Its feed's additions: a promoted market is subscribed there.
    pub feed: UnboundedSender<Arc<Added>>,
}

/// The warm tier's reader and promoter.
pub struct Tiers {
    pub poll: std::time::Duration,
    pub hot: usize,
    pub hot_max: usize,
    /// The warm markets, by venue.
    pub warm: [BTreeMap<MarketId, MarketMeta>; 2],
    pub kalshi: Option<WarmVenue<KalshiRest>>,
    pub polymarket: Option<WarmVenue<PolymarketRest>>,
    pub control: crossbeam_channel::Sender<Inbound>,
}

/// Best bid and best ask prices (ten-thousandths), if any.
type Quote = (Option<u16>, Option<u16>);

/// A book's quote (best bid and ask prices): whether it moved since the last read. Sizes
/// are left out, since market makers refresh them all the time on books nobody trades.
fn quote(event: &Event) -> Option<(MarketId, Quote)> {
    let Event::BookSnapshot(b) = event else {
        return None;
    };
    let best_bid = b.bids.iter().map(|l| l.price.0).max();
    let best_ask = b.asks.iter().map(|l| l.price.0).min();
    Some((b.market, (best_bid, best_ask)))
}

impl Tiers {
    /// Reads the warm books every `poll` until the run stops or the core is gone.
    pub async fn run(mut self) {
        let mut last: BTreeMap<MarketId, Quote> = BTreeMap::new();
        let mut interval = tokio::time::interval(self.poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let started = std::time::Instant::now();
            let Some(books) = self.read_all().await else {
                return;
            };
            let mut active = Vec::new();
            for event in &books {
                if let Some((m, d)) = quote(event)
                    && last.insert(m, d).is_some_and(|before| before != d)
                {
                    active.push(m);
                }
            }
            let read = books.len();
            let promoted = self.promote(&active);
            tracing::info!(
                read,
                active = active.len(),
                promoted,
                hot = self.hot,
                ms = started.elapsed().as_millis() as u64,
                "warm markets read"
            );
            if promoted.is_none() {
                return;
            }
        }
    }

    /// One read of every warm book, each handed to the core as it comes; `None` once the
    /// core or the run is gone.
    async fn read_all(&mut self) -> Option<Vec<Event>> {
        let mut books = Vec::new();
        if let Some(k) = &mut self.kalshi {
            for (&market, meta) in &self.warm[Venue::Kalshi.index()] {
                if k.ctx.stopped() {
                    return None;
                }
                if let Some(ev) =
                    super::kalshi_feed::rest_book(&k.rest, &meta.venue_id, market).await
                {
                    if !k.ctx.send(ev.clone()) {
                        return None;
                    }
                    books.push(ev);
                }
            }
        }
        if let Some(p) = &mut self.polymarket {
            let warm = &self.warm[Venue::Polymarket.index()];
            let by_token: BTreeMap<&str, MarketId> = warm
                .iter()
                .map(|(m, meta)| (meta.venue_id.as_str(), *m))
                .collect();
            let tokens: Vec<String> = by_token.keys().map(|t| t.to_string()).collect();
            for chunk in tokens.chunks(BOOKS_BATCH) {
                if p.ctx.stopped() {
                    return None;
                }
                let Ok(read) = p.rest.books(chunk).await else {
                    continue; // the next poll retries
                };
                for book in &read {
                    let Some(ev) = by_token
                        .get(book.asset_id.as_str())
                        .and_then(|&m| book_snapshot(book, m))
                    else {
                        continue;
                    };
                    if !p.ctx.send(ev.clone()) {
                        return None;
                    }
                    books.push(ev);
                }
            }
        }
        Some(books)
    }

    /// Moves active warm markets (with their complements) to the stream while the hot
    /// set has room; how many moved, `None` once the core is gone.
    fn promote(&mut self, active: &[MarketId]) -> Option<usize> {
        let mut moved = 0;
        let mut held_back = 0;
        for &m in active {
            let Some(venue) = Venue::ALL
                .into_iter()
                .find(|v| self.warm[v.index()].contains_key(&m))
            else {
                continue; // promoted already with its complement
            };
            let warm = &mut self.warm[venue.index()];
            let mut group = vec![m];
            if let Some(NoLeg::Complement(other)) = warm.get(&m).map(|meta| meta.no_leg)
                && warm.contains_key(&other)
            {
                group.push(other);
            }
            if self.hot + group.len() > self.hot_max {
                held_back += 1;
                continue;
            }
            let metas: Vec<MarketMeta> = group.iter().filter_map(|g| warm.remove(g)).collect();
            for meta in &metas {
                let change = WatchChange {
                    market: meta.id,
                    watch: Watch::Streamed { connection: 0 },
                    reason: WatchReason::Activity,
                };
                let journaled = self.control.send(Inbound {
                    ts: event_ns(),
                    event: Event::MarketWatch(change),
                });
                if journaled.is_err() {
                    return None;
                }
            }
            self.hot += metas.len();
            moved += metas.len();
            let feed = match venue {
                Venue::Kalshi => self.kalshi.as_ref().map(|k| &k.feed),
                Venue::Polymarket => self.polymarket.as_ref().map(|p| &p.feed),
            };
            if let Some(feed) = feed {
                let _ = feed.send(Arc::new(Added {
                    metas,
                    routes: Vec::new(),
                    ladders: Vec::new(),
                }));
            }
        }
        if held_back > 0 {
            tracing::warn!(
                held_back,
                hot = self.hot,
                hot_max = self.hot_max,
                "active warm markets stay polled: the hot set is full (universe.hot_max)"
            );
        }
        Some(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EngineConfig;
    use crate::core::Outcome;
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
    }
}
