//! Watching the universe in tiers (`[universe] tiers`): markets in a tradable pair or
//! group rule, held or with an open order are streamed (hot); the others are read over
//! REST every `warm_poll_s` (warm) as far as a share of the venue's read budget goes,
//! and only listed beyond it (cold). A warm market whose quote moved between two reads
//! is promoted to the stream while the hot set has room. Every watch is journaled
//! (`MarketWatch`) on the control channel, which the core reads before market data, so
//! the reducer knows how a book is watched before the stream or a read delivers it.

use super::core::{Inbound, event_ns};
use super::tier_reader::Reader;
use super::universe_watch::Added;
use crate::core::{MarketId, Venue};
use crate::event::{Event, MarketMeta, NoLeg, Watch, WatchChange, WatchReason};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// A market streamed for its activity: demoted once its quote has not moved for
/// `hot_idle` (it keeps its warm read, so promoting it costs no read budget).
struct Promoted {
    meta: MarketMeta,
    moved: std::time::Instant,
}

/// The warm tier's reader, promoter and demoter.
pub struct Tiers {
    pub poll: std::time::Duration,
    /// How long a market streamed for its activity stays so with a quote that does not
    /// move.
    pub hot_idle: std::time::Duration,
    /// Every market streamed now (the hot set).
    pub streamed: BTreeMap<MarketId, MarketMeta>,
    pub hot_max: usize,
    pub warm_max: [usize; 2],
    /// The warm markets, by venue.
    pub warm: [BTreeMap<MarketId, MarketMeta>; 2],
    /// The cold markets, by venue (streamed if a rule comes to name them).
    pub cold: [BTreeMap<MarketId, MarketMeta>; 2],
    /// Each venue's feed additions: a promoted market is subscribed there, a demoted
    /// one unsubscribed.
    pub feeds: [Option<UnboundedSender<Arc<Added>>>; 2],
    pub control: crossbeam_channel::Sender<Inbound>,
    /// Markets listed while running (`universe_watch`): each gets a tier.
    pub listed: Option<super::universe_watch::AddedRx>,
    /// Markets that came to be in a tradable pair (`mapping_watch`): streamed.
    pub ruled: Option<tokio::sync::mpsc::UnboundedReceiver<Vec<MarketId>>>,
    /// Markets found closed (`market_status`): watched no more.
    pub closed: Option<tokio::sync::mpsc::UnboundedReceiver<MarketId>>,
    /// Markets named by a rule before their listing reached the tiers (the mapping
    /// watch and the tiers hear of a listing each on their own).
    pub ruled_early: BTreeSet<MarketId>,
    /// Each venue's connections: a market streamed is given one, journaled with it.
    pub shards: [super::shards::Shards; 2],
    /// How many markets may be streamed for their activity, after each look at the
    /// core's load and the queues' coalescing.
    pub capacity: super::capacity::Capacity,
    pub load: super::capacity::CoreLoad,
    pub stats: [super::watchdog::SharedFeedStats; 2],
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
    /// Reads the warm books every `poll` with `reader` (in a task of its own, so that
    /// listings, rules and closes are tiered at once while a paced round takes its poll
    /// period), and tiers the markets listed, paired or closed since, until the run
    /// stops or the core is gone.
    pub async fn run(mut self, mut reader: Reader) {
        let mut last: BTreeMap<MarketId, Quote> = BTreeMap::new();
        let mut promoted: BTreeMap<MarketId, Promoted> = BTreeMap::new();
        let mut interval = tokio::time::interval(self.poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (ask, mut asked) =
            tokio::sync::mpsc::channel::<([Vec<(MarketId, String)>; 2], bool)>(1);
        let (answer, mut answered) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            while let Some((list, first)) = asked.recv().await {
                let books = reader.read(list, first).await;
                let gone = books.is_none();
                if answer.send(books).await.is_err() || gone {
                    return;
                }
            }
        });
        let mut first = true;
        let mut started = None;
        loop {
            tokio::select! {
                _ = interval.tick(), if started.is_none() => {
                    if ask.send((self.read_list(&promoted), first)).await.is_err() {
                        return;
                    }
                    first = false;
                    started = Some(std::time::Instant::now());
                    continue;
                }
                Some(added) = async { self.listed.as_mut()?.recv().await }, if self.listed.is_some() => {
                    if self.on_listed(&added).is_none() {
                        return;
                    }
                    continue;
                }
                Some(market) = async { self.closed.as_mut()?.recv().await }, if self.closed.is_some() => {
                    promoted.remove(&market);
                    if self.on_closed(market).is_none() {
                        return;
                    }
                    continue;
                }
                Some(markets) = async { self.ruled.as_mut()?.recv().await }, if self.ruled.is_some() => {
                    if self.on_ruled(&markets, &mut promoted).is_none() {
                        return;
                    }
                    continue;
                }
                books = answered.recv() => {
                    let Some(Some(books)) = books else {
                        return;
                    };
                    let started = started.take().unwrap_or_else(std::time::Instant::now);
                    if self.after_read(&books, &mut last, &mut promoted, started).is_none() {
                        return;
                    }
                }
            }
        }
    }

    /// What a round reads: every warm market and every market streamed for its
    /// activity, by venue.
    fn read_list(&self, promoted: &BTreeMap<MarketId, Promoted>) -> [Vec<(MarketId, String)>; 2] {
        std::array::from_fn(|v| {
            let venue = Venue::ALL[v];
            self.warm[v]
                .iter()
                .map(|(m, meta)| (*m, meta.venue_id.clone()))
                .chain(
                    promoted
                        .iter()
                        .filter(|(_, p)| p.meta.venue == venue)
                        .map(|(m, p)| (*m, p.meta.venue_id.clone())),
                )
                .collect()
        })
    }

    /// Promotes what moved and demotes what went quiet after a round of reads; `None`
    /// once the core is gone.
    fn after_read(
        &mut self,
        books: &[Event],
        last: &mut BTreeMap<MarketId, Quote>,
        promoted: &mut BTreeMap<MarketId, Promoted>,
        started: std::time::Instant,
    ) -> Option<()> {
        let now = std::time::Instant::now();
        let mut active = Vec::new();
        for event in books {
            let Some((m, q)) = quote(event) else {
                continue;
            };
            let moved = last.insert(m, q).is_some_and(|before| before != q);
            match promoted.get_mut(&m) {
                Some(p) if moved => p.moved = now,
                Some(_) => {}
                None if moved => active.push(m),
                None => {}
            }
        }
        let idle: Vec<MarketId> = promoted
            .iter()
            .filter(|(_, p)| now.duration_since(p.moved) >= self.hot_idle)
            .map(|(m, _)| *m)
            .collect();
        let mut demoted = self.demote(&idle, promoted, WatchReason::Idle)?;
        // Within the capacity the machine keeps up with: the least recently moved go
        // back to polling first.
        let coalesced = self
            .stats
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.coalesced))
            .sum();
        let cap = self.capacity.update(self.load.busy(), coalesced);
        if promoted.len() > cap {
            let mut by_age: Vec<(std::time::Instant, MarketId)> =
                promoted.iter().map(|(m, p)| (p.moved, *m)).collect();
            by_age.sort();
            let over: Vec<MarketId> = by_age
                .into_iter()
                .take(promoted.len() - cap)
                .map(|(_, m)| m)
                .collect();
            demoted += self.demote(&over, promoted, WatchReason::Capacity)?;
        }
        active.truncate(cap.saturating_sub(promoted.len()));
        let up = self.promote(&active, WatchReason::Activity)?;
        for meta in up {
            promoted.insert(meta.id, Promoted { meta, moved: now });
        }
        tracing::info!(
            read = books.len(),
            active = active.len(),
            demoted,
            hot = self.streamed.len(),
            ms = started.elapsed().as_millis() as u64,
            "warm markets read"
        );
        Some(())
    }

    /// Journals a watch on the control channel (read before market data); false once
    /// the core is gone.
    fn journal(&self, market: MarketId, watch: Watch, reason: WatchReason) -> bool {
        let change = WatchChange {
            market,
            watch,
            reason,
        };
        self.control
            .send(Inbound {
                ts: event_ns(),
                event: Event::MarketWatch(change),
            })
            .is_ok()
    }

    /// Streamed on the connection its venue's shard map gives it.
    fn streamed_on(&self, meta: &MarketMeta) -> Watch {
        let map = &self.shards[meta.venue.index()];
        Watch::Streamed {
            connection: super::shards::lock(map).assign(meta.id),
        }
    }

    /// Streamed no more: its place on a connection is free.
    fn unstream(&self, meta: &MarketMeta) {
        super::shards::lock(&self.shards[meta.venue.index()]).release(meta.id);
    }

    fn feed(&self, venue: Venue) -> Option<&UnboundedSender<Arc<Added>>> {
        self.feeds[venue.index()].as_ref()
    }

    /// Takes `m` out of the warm or cold tier with its complement (a Polymarket token's
    /// other token, in the same tier), if the hot set has room for them.
    fn take_group(&mut self, m: MarketId) -> Option<Vec<MarketMeta>> {
        let (venue, warm) = Venue::ALL.into_iter().find_map(|v| {
            if self.warm[v.index()].contains_key(&m) {
                Some((v, true))
            } else if self.cold[v.index()].contains_key(&m) {
                Some((v, false))
            } else {
                None
            }
        })?;
        let tier = if warm {
            &mut self.warm[venue.index()]
        } else {
            &mut self.cold[venue.index()]
        };
        let mut group = vec![m];
        if let Some(NoLeg::Complement(other)) = tier.get(&m).map(|meta| meta.no_leg)
            && tier.contains_key(&other)
        {
            group.push(other);
        }
        if self.streamed.len() + group.len() > self.hot_max {
            return None;
        }
        Some(group.iter().filter_map(|g| tier.remove(g)).collect())
    }

    /// Streams `markets` (each with its complement) while the hot set has room: the
    /// metas moved, `None` once the core is gone.
    fn promote(&mut self, markets: &[MarketId], reason: WatchReason) -> Option<Vec<MarketMeta>> {
        let mut moved = Vec::new();
        let mut held_back = 0;
        for &m in markets {
            let known = self
                .warm
                .iter()
                .chain(&self.cold)
                .any(|t| t.contains_key(&m));
            if !known {
                continue; // streamed already (with its complement, or by a rule)
            }
            let Some(metas) = self.take_group(m) else {
                held_back += 1;
                continue;
            };
            for meta in &metas {
                if !self.journal(meta.id, self.streamed_on(meta), reason) {
                    return None;
                }
            }
            for meta in &metas {
                self.streamed.insert(meta.id, meta.clone());
            }
            if let Some(feed) = metas.first().and_then(|m| self.feed(m.venue)) {
                let _ = feed.send(Arc::new(Added {
                    metas: metas.clone(),
                    routes: Vec::new(),
                    ladders: Vec::new(),
                    unsubscribe: Vec::new(),
                }));
            }
            moved.extend(metas);
        }
        if held_back > 0 {
            tracing::warn!(
                held_back,
                hot = self.streamed.len(),
                hot_max = self.hot_max,
                ?reason,
                "markets stay unstreamed: the hot set is full (universe.hot_max)"
            );
        }
        Some(moved)
    }

    /// Moves markets streamed for an activity that stopped back to the warm tier (with
    /// their complements): how many, `None` once the core is gone.
    fn demote(
        &mut self,
        idle: &[MarketId],
        promoted: &mut BTreeMap<MarketId, Promoted>,
        reason: WatchReason,
    ) -> Option<usize> {
        let mut n = 0;
        for &m in idle {
            let Some(p) = promoted.remove(&m) else {
                continue; // with its complement already
            };
            let mut group = vec![p.meta];
            if let NoLeg::Complement(other) = group[0].no_leg
                && let Some(q) = promoted.remove(&other)
            {
                group.push(q.meta);
            }
            for meta in &group {
                if !self.journal(meta.id, Watch::Polled, reason) {
                    return None;
                }
            }
            if let Some(feed) = self.feed(group[0].venue) {
                let _ = feed.send(Arc::new(Added {
                    metas: Vec::new(),
                    routes: Vec::new(),
                    ladders: Vec::new(),
                    unsubscribe: group.clone(),
                }));
            }
            for meta in &group {
                self.streamed.remove(&meta.id);
                self.unstream(meta);
            }
            n += group.len();
            for meta in group {
                self.warm[meta.venue.index()].insert(meta.id, meta);
            }
        }
        Some(n)
    }

    /// Markets listed while running: the members of a ladder listed with them are
    /// streamed, the others polled as far as the budget goes and only listed beyond.
    /// (Under tiers the feeds hear of listings from here only.) `None` once the core is
    /// gone.
    fn on_listed(&mut self, added: &Added) -> Option<()> {
        let laddered: BTreeSet<MarketId> = added
            .ladders
            .iter()
            .filter_map(|e| match e {
                Event::GroupDefined(rule) => Some(rule.members.iter().map(|m| m.market)),
                _ => None,
            })
            .flatten()
            .collect();
        let mut ruled: BTreeSet<MarketId> = added
            .metas
            .iter()
            .map(|m| m.id)
            .filter(|id| laddered.contains(id) || self.ruled_early.remove(id))
            .collect();
        // A Polymarket token's complement shares its tier (the lanes read both books).
        let complements: Vec<MarketId> = added
            .metas
            .iter()
            .filter(|m| matches!(m.no_leg, NoLeg::Complement(other) if ruled.contains(&other)))
            .map(|m| m.id)
            .collect();
        ruled.extend(complements);
        let mut unstreamed: [Vec<MarketMeta>; 2] = Default::default();
        for meta in &added.metas {
            let v = meta.venue.index();
            let ruled = ruled.contains(&meta.id);
            let (watch, reason) = if ruled && self.streamed.len() < self.hot_max {
                self.streamed.insert(meta.id, meta.clone());
                (self.streamed_on(meta), WatchReason::Rule)
            } else if self.warm[v].len() < self.warm_max[v] {
                self.warm[v].insert(meta.id, meta.clone());
                (Watch::Polled, WatchReason::Start)
            } else {
                self.cold[v].insert(meta.id, meta.clone());
                (Watch::Listed, WatchReason::Capacity)
            };
            if !self.journal(meta.id, watch, reason) {
                return None;
            }
            if !matches!(watch, Watch::Streamed { .. }) {
                unstreamed[v].push(meta.clone());
            }
        }
        // Every feed knows every listed market (their ids are dense); it streams those
        // not named unstreamed here.
        for venue in Venue::ALL {
            if let Some(feed) = self.feed(venue) {
                let _ = feed.send(Arc::new(Added {
                    metas: added.metas.clone(),
                    routes: Vec::new(),
                    ladders: Vec::new(),
                    unsubscribe: std::mem::take(&mut unstreamed[venue.index()]),
                }));
            }
        }
        Some(())
    }

    /// A market whose trading ended: no longer streamed or read (`Listed/Closed`), so
    /// that the markets that close every day free the hot set and the read budget.
    /// `None` once the core is gone.
    fn on_closed(&mut self, market: MarketId) -> Option<()> {
        let streamed = self.streamed.remove(&market);
        if let Some(meta) = &streamed {
            self.unstream(meta);
        }
        let polled = Venue::ALL
            .into_iter()
            .find_map(|v| self.warm[v.index()].remove(&market));
        let Some(venue) = streamed.as_ref().or(polled.as_ref()).map(|m| m.venue) else {
            self.cold.iter_mut().for_each(|t| {
                t.remove(&market);
            });
            return Some(()); // listed only already
        };
        if !self.journal(market, Watch::Listed, WatchReason::Closed) {
            return None;
        }
        if let (Some(meta), Some(feed)) = (streamed, self.feed(venue)) {
            let _ = feed.send(Arc::new(Added {
                metas: Vec::new(),
                routes: Vec::new(),
                ladders: Vec::new(),
                unsubscribe: vec![meta],
            }));
        }
        // Not kept among the cold either: nothing promotes a closed market again.
        Some(())
    }

    /// Markets that came to be in a tradable pair: streamed (no longer demoted for
    /// idleness). `None` once the core is gone.
    fn on_ruled(
        &mut self,
        markets: &[MarketId],
        promoted: &mut BTreeMap<MarketId, Promoted>,
    ) -> Option<()> {
        for m in markets {
            let listed = self.streamed.contains_key(m)
                || self
                    .warm
                    .iter()
                    .chain(&self.cold)
                    .any(|t| t.contains_key(m));
            if !listed {
                // The mapping heard of its listing first: streamed once the tiers do.
                self.ruled_early.insert(*m);
                continue;
            }
            if let Some(p) = promoted.remove(m) {
                // Streamed already; a rule keeps it so.
                if !self.journal(p.meta.id, self.streamed_on(&p.meta), WatchReason::Rule) {
                    return None;
                }
            }
        }
        self.promote(markets, WatchReason::Rule).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::live::shards::ShardMap;

    fn tiers(control: crossbeam_channel::Sender<Inbound>) -> Tiers {
        Tiers {
            poll: std::time::Duration::from_secs(1),
            hot_idle: std::time::Duration::from_secs(60),
            streamed: BTreeMap::new(),
            hot_max: 10,
            warm_max: [10, 10],
            warm: Default::default(),
            cold: Default::default(),
            feeds: Default::default(),
            control,
            listed: None,
            ruled: None,
            closed: None,
            ruled_early: BTreeSet::new(),
            shards: [ShardMap::shared(0), ShardMap::shared(0)],
            capacity: crate::run::live::capacity::Capacity::new(10, 0.5),
            load: Default::default(),
            stats: Default::default(),
        }
    }

    fn watches(rx: &crossbeam_channel::Receiver<Inbound>) -> Vec<(u32, Watch, WatchReason)> {
        rx.try_iter()
            .filter_map(|i| match i.event {
                Event::MarketWatch(w) => Some((w.market.0, w.watch, w.reason)),
                _ => None,
            })
            .collect()
    }

    /// The mapping and the tiers hear of a listing each on their own: a rule that
    /// names markets before their listing reaches the tiers streams them once it does.
    #[test]
    fn a_rule_heard_before_its_listing_streams_the_markets_once_listed() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut t = tiers(tx);
        let mut promoted = BTreeMap::new();
        t.on_ruled(&[MarketId(5), MarketId(6)], &mut promoted)
            .unwrap();
        assert_eq!(watches(&rx), [], "nothing to watch before the listing");
        let meta = |id| MarketMeta::for_test(id, Venue::Kalshi, NoLeg::SameBook);
        // Market 8 is 6's complement (a Polymarket NO token): streamed with it.
        let no = MarketMeta::for_test(8, Venue::Polymarket, NoLeg::Complement(MarketId(6)));
        t.on_listed(&Added {
            metas: vec![meta(5), meta(6), meta(7), no],
            routes: Vec::new(),
            ladders: Vec::new(),
            unsubscribe: Vec::new(),
        })
        .unwrap();
        let streamed = Watch::Streamed { connection: 0 };
        assert_eq!(
            watches(&rx),
            [
                (5, streamed, WatchReason::Rule),
                (6, streamed, WatchReason::Rule),
                (7, Watch::Polled, WatchReason::Start),
                (8, streamed, WatchReason::Rule),
            ]
        );
        assert!(t.ruled_early.is_empty());
    }
}
