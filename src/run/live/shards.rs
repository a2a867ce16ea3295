//! A venue's stream sharded across connections (`kalshi.markets_per_connection`,
//! `polymarket.tokens_per_connection`): which connection streams each market
//! (`ShardMap`), and the router that hands each connection's task the markets it
//! streams, opening a connection when the others are full. The reducer learns each
//! market's connection from a journaled `MarketWatch` before the stream delivers it, so
//! a connection's drop, gap or silence makes only its own books suspect.

use super::core::{Inbound, event_ns};
use super::universe_watch::{Added, AddedRx};
use crate::core::{MarketId, Venue};
use crate::event::{Event, MarketMeta, Watch, WatchChange, WatchReason};
use crate::venues::MarketInterner;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// Which connection of one venue streams each market.
#[derive(Debug, Default)]
pub struct ShardMap {
    /// Markets a connection streams at most (0: no limit, one connection).
    cap: usize,
    of: HashMap<MarketId, u16>,
    /// Markets per connection.
    load: Vec<usize>,
}

/// One venue's map, shared by whoever decides what is streamed (the tiers, or the
/// router itself without them) and the router.
pub type Shards = Arc<Mutex<ShardMap>>;

impl ShardMap {
    pub fn new(cap: usize) -> ShardMap {
        ShardMap {
            cap,
            ..ShardMap::default()
        }
    }

    pub fn shared(cap: usize) -> Shards {
        Arc::new(Mutex::new(ShardMap::new(cap)))
    }

    /// The connection streaming `m`: the one it has, else the first with room (a new
    /// one when every connection is full).
    pub fn assign(&mut self, m: MarketId) -> u16 {
        if let Some(&c) = self.of.get(&m) {
            return c;
        }
        let c = if self.cap == 0 {
            0
        } else {
            self.load
                .iter()
                .position(|&n| n < self.cap)
                .unwrap_or(self.load.len())
        };
        if self.load.len() <= c {
            self.load.resize(c + 1, 0);
        }
        self.load[c] += 1;
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        self.of.insert(m, c);
        c
    }

    /// `m` is streamed no more: its connection, if it had one.
    pub fn release(&mut self, m: MarketId) -> Option<u16> {
        let c = self.of.remove(&m)?;
        if let Some(n) = self.load.get_mut(usize::from(c)) {
            *n = n.saturating_sub(1);
        }
        Some(c)
    }

    pub fn connection_of(&self, m: MarketId) -> Option<u16> {
        self.of.get(&m).copied()
    }

    /// Markets per connection, in connection order.
    #[cfg(test)]
    pub fn load(&self) -> &[usize] {
        &self.load
    }
}

/// Locks a venue's map (a panic elsewhere does not make it unusable).
pub fn lock(shards: &Shards) -> std::sync::MutexGuard<'_, ShardMap> {
    shards.lock().unwrap_or_else(|e| e.into_inner())
}

/// `Streamed` on `connection`, journaled on the control channel (read by the core
/// before market data); false once the core is gone.
pub fn journal_streamed(
    control: &crossbeam_channel::Sender<Inbound>,
    market: MarketId,
    connection: u16,
    reason: WatchReason,
) -> bool {
    let change = WatchChange {
        market,
        watch: Watch::Streamed { connection },
        reason,
    };
    control
        .send(Inbound {
            ts: event_ns(),
            event: Event::MarketWatch(change),
        })
        .is_ok()
}

/// Starts a task streaming these venue ids (on `connection` of a sharded stream, or
/// `None`: the venue's one connection), with the markets known now and the additions
/// meant for it.
pub type SpawnConnection = Box<
    dyn FnMut(Option<u16>, Vec<String>, MarketInterner, Option<AddedRx>) -> JoinHandle<()> + Send,
>;

/// One venue's stream as start-up hands it over.
pub struct VenueStream {
    pub venue: Venue,
    /// Markets per connection at most (0: one connection for all).
    pub cap: usize,
    /// The venue ids streamed from the start.
    pub ids: Vec<String>,
    pub interner: MarketInterner,
    /// Additions while running (listings, or the tiers' promotions and demotions).
    pub adds: Option<AddedRx>,
    pub shards: Shards,
    /// Under tiers the tiers journal each market's connection; else start-up and the
    /// router do.
    pub tiered: bool,
}

/// Starts a venue's stream: one task for every market when the venue has no cap, else
/// one per connection behind a `Router` that opens more as markets come. Each market's
/// connection is journaled (before any feed starts) where the reducer does not hold it.
/// Returns the handles to stop at the end.
pub fn start_venue(
    s: VenueStream,
    reducer: &crate::engine::Reducer,
    control: &crossbeam_channel::Sender<Inbound>,
    mut spawn: SpawnConnection,
) -> Vec<JoinHandle<()>> {
    if s.cap == 0 {
        return vec![spawn(None, s.ids, s.interner, s.adds)];
    }
    let mut by_connection: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    let mut routed = HashMap::new();
    for id in s.ids {
        let Some(m) = s.interner.get(s.venue, &id) else {
            continue;
        };
        let c = lock(&s.shards).assign(m);
        let held = reducer.markets().get(m).map(|st| st.watch);
        if !s.tiered && held != Some(Watch::Streamed { connection: c }) {
            journal_streamed(control, m, c, WatchReason::Start);
        }
        routed.insert(m, c);
        by_connection.entry(c).or_default().push(id);
    }
    let n = by_connection
        .keys()
        .max()
        .map_or(1, |&c| usize::from(c) + 1);
    let mut connections = Vec::with_capacity(n);
    let mut tasks = Vec::with_capacity(n);
    for c in 0..n as u16 {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let ids = by_connection.remove(&c).unwrap_or_default();
        tracing::info!(
            venue = s.venue.name(),
            connection = c,
            markets = ids.len(),
            "stream connection"
        );
        tasks.push(spawn(Some(c), ids, s.interner.clone(), Some(rx)));
        connections.push(tx);
    }
    let Some(adds) = s.adds else {
        return tasks;
    };
    let router = Router {
        venue: s.venue,
        shards: s.shards,
        connections,
        routed,
        interner: s.interner,
        journal: (!s.tiered).then(|| control.clone()),
        spawn,
        tasks,
    };
    vec![tokio::spawn(router.run(adds))]
}

/// Hands a venue's additions (listings, promotions, demotions) to the connections that
/// stream them.
pub struct Router {
    pub venue: Venue,
    pub shards: Shards,
    /// Every connection's additions, in connection order.
    pub connections: Vec<UnboundedSender<Arc<Added>>>,
    /// Where each market is subscribed (an unsubscription goes there).
    pub routed: HashMap<MarketId, u16>,
    /// The markets known (every connection's task knows every market: ids are dense).
    pub interner: MarketInterner,
    /// Without tiers the router decides connections itself and journals them; under
    /// tiers, the tiers do (and release them), and this is `None`.
    pub journal: Option<crossbeam_channel::Sender<Inbound>>,
    pub spawn: SpawnConnection,
    pub tasks: Vec<JoinHandle<()>>,
}

impl Drop for Router {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Router {
    pub async fn run(mut self, mut input: AddedRx) {
        while let Some(added) = input.recv().await {
            if !self.route(&added) {
                return;
            }
        }
    }

    /// Splits one addition by connection; false once the core is gone.
    fn route(&mut self, added: &Added) -> bool {
        let new: Vec<MarketMeta> = added
            .metas
            .iter()
            .filter(|m| self.interner.get(m.venue, &m.venue_id).is_none())
            .cloned()
            .collect();
        for m in &new {
            if let Err(e) = self.interner.observe(m.clone()) {
                tracing::error!(error = %e, "a listed market does not fit the markets known");
            }
        }
        let off: BTreeSet<MarketId> = added.unsubscribe.iter().map(|m| m.id).collect();
        let mut streamed: BTreeMap<u16, Vec<MarketMeta>> = BTreeMap::new();
        let mut removed: BTreeMap<u16, Vec<MarketMeta>> = BTreeMap::new();
        for m in added.metas.iter().filter(|m| m.venue == self.venue) {
            if off.contains(&m.id) {
                continue; // known, not streamed
            }
            let c = match &self.journal {
                Some(control) => {
                    let (c, fresh) = {
                        let mut map = lock(&self.shards);
                        let fresh = map.connection_of(m.id).is_none();
                        (map.assign(m.id), fresh)
                    };
                    // A market on connection 0 needs no word: it is where a journal
                    // without watches streams every market.
                    if fresh && c != 0 && !journal_streamed(control, m.id, c, WatchReason::Start) {
                        return false;
                    }
                    c
                }
                None => lock(&self.shards).assign(m.id),
            };
            self.routed.insert(m.id, c);
            streamed.entry(c).or_default().push(m.clone());
        }
        let listed: BTreeSet<MarketId> = added.metas.iter().map(|m| m.id).collect();
        for m in added.unsubscribe.iter().filter(|m| !listed.contains(&m.id)) {
            if let Some(c) = self.routed.remove(&m.id) {
                if self.journal.is_some() {
                    lock(&self.shards).release(m.id);
                }
                removed.entry(c).or_default().push(m.clone());
            }
        }
        let needed = streamed.keys().max().map_or(0, |&c| usize::from(c) + 1);
        while self.connections.len() < needed {
            let c = self.connections.len() as u16;
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tracing::info!(
                venue = self.venue.name(),
                connection = c,
                "stream connection opened for more markets"
            );
            let task = (self.spawn)(Some(c), Vec::new(), self.interner.clone(), Some(rx));
            self.tasks.push(task);
            self.connections.push(tx);
        }
        for (c, tx) in self.connections.iter().enumerate() {
            let c = c as u16;
            let on = streamed.remove(&c).unwrap_or_default();
            let on_ids: BTreeSet<MarketId> = on.iter().map(|m| m.id).collect();
            // New listings are known everywhere; streamed only where routed.
            let mut unsubscribe: Vec<MarketMeta> = new
                .iter()
                .filter(|m| !on_ids.contains(&m.id))
                .cloned()
                .collect();
            unsubscribe.extend(removed.remove(&c).unwrap_or_default());
            let mut metas = new.clone();
            metas.extend(on.into_iter().filter(|m| !new.iter().any(|n| n.id == m.id)));
            if metas.is_empty() && unsubscribe.is_empty() {
                continue;
            }
            let _ = tx.send(Arc::new(Added {
                metas,
                routes: Vec::new(),
                ladders: Vec::new(),
                unsubscribe,
            }));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NoLeg;

    fn meta(id: u32) -> MarketMeta {
        MarketMeta::for_test(id, Venue::Polymarket, NoLeg::SameBook)
    }

    fn added(metas: &[u32], unsubscribe: &[u32]) -> Added {
        Added {
            metas: metas.iter().map(|&i| meta(i)).collect(),
            routes: Vec::new(),
            ladders: Vec::new(),
            unsubscribe: unsubscribe.iter().map(|&i| meta(i)).collect(),
        }
    }

    /// What each connection's task is told to stream and to stop streaming.
    fn told(rx: &mut AddedRx) -> (Vec<String>, Vec<String>) {
        let mut all = Vec::new();
        while let Ok(a) = rx.try_recv() {
            all.push(a);
        }
        super::super::universe_watch::stream_changes(&all, Venue::Polymarket)
    }

    /// Without tiers the router gives listed markets a connection (journaling those
    /// off connection 0) and opens one when the others are full; a demotion goes to the
    /// connection that streams the market; every connection learns every listing.
    #[test]
    fn a_listing_fills_the_connections_and_opens_another_and_a_demotion_goes_where_it_streams() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _guard = rt.enter();
        let (control, journaled) = crossbeam_channel::unbounded();
        type Opened = Vec<(Option<u16>, AddedRx)>;
        let opened: Arc<Mutex<Opened>> = Arc::default();
        let spawn: SpawnConnection = {
            let opened = opened.clone();
            Box::new(move |c, _ids, _known, adds| {
                opened.lock().unwrap().push((c, adds.unwrap()));
                tokio::spawn(async {})
            })
        };
        let shards = ShardMap::shared(2);
        lock(&shards).assign(MarketId(0));
        let (tx0, mut rx0) = tokio::sync::mpsc::unbounded_channel();
        let mut interner = MarketInterner::default();
        interner.observe(meta(0)).unwrap();
        let mut router = Router {
            venue: Venue::Polymarket,
            shards: shards.clone(),
            connections: vec![tx0],
            routed: [(MarketId(0), 0)].into(),
            interner,
            journal: Some(control),
            spawn,
            tasks: Vec::new(),
        };
        // Markets 1, 2, 3 listed, 3 only made known (polled).
        assert!(router.route(&added(&[1, 2, 3], &[3])));
        let mut opened = std::mem::take(&mut *opened.lock().unwrap());
        assert_eq!(opened.len(), 1, "a second connection for market 2");
        let (c1, mut rx1) = opened.remove(0);
        assert_eq!(c1, Some(1));
        assert_eq!(told(&mut rx0), (vec!["m1".into()], Vec::new()));
        assert_eq!(told(&mut rx1), (vec!["m2".into()], Vec::new()));
        let watches: Vec<(u32, Watch)> = journaled
            .try_iter()
            .filter_map(|i| match i.event {
                Event::MarketWatch(w) => Some((w.market.0, w.watch)),
                _ => None,
            })
            .collect();
        assert_eq!(watches, [(2, Watch::Streamed { connection: 1 })]);
        // Market 2 demoted: connection 1 stops it; its place is free again.
        assert!(router.route(&added(&[], &[2])));
        assert_eq!(told(&mut rx1), (Vec::new(), vec!["m2".into()]));
        assert_eq!(told(&mut rx0), (Vec::new(), Vec::new()));
        assert_eq!(lock(&shards).load(), [2, 0]);
    }

    #[test]
    fn markets_fill_connections_in_order_and_a_freed_place_is_taken_first() {
        let mut map = ShardMap::new(2);
        let ids: Vec<u16> = (0..5).map(|i| map.assign(MarketId(i))).collect();
        assert_eq!(ids, [0, 0, 1, 1, 2]);
        assert_eq!(map.assign(MarketId(3)), 1, "a market keeps its connection");
        assert_eq!(map.release(MarketId(1)), Some(0));
        assert_eq!(map.assign(MarketId(9)), 0, "the first connection with room");
        assert_eq!(map.load(), [2, 2, 1]);
        let mut one = ShardMap::new(0);
        assert!(
            (0..1000).all(|i| one.assign(MarketId(i)) == 0),
            "no cap: one connection"
        );
    }
}
