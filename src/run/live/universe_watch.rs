//! `[universe] refresh_s`: the venues' listings read again while `arb live` runs.
//! Markets listed since are defined (journaled `MarketDefined` through the core) and
//! handed to every task that maps venue ids (feeds subscribe them, the executor routes
//! orders to them, the mapping completes their pairs); markets gone from the listing
//! wake the status watcher, whose venue answer journals their close.

use super::core::Inbound;
use super::executor::Route;
use super::{kalshi, polymarket, universe};
use crate::core::{MarketId, Venue};
use crate::event::{Event, MarketMeta};
use crate::venues::MarketInterner;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Markets listed since the start, as the core was told of them.
pub struct Added {
    pub metas: Vec<MarketMeta>,
    /// Where each new market's orders go.
    pub routes: Vec<(MarketId, Route)>,
    /// The ladders (`GroupDefined`) of mutually exclusive Kalshi events listed whole
    /// since (journaled after the markets).
    pub ladders: Vec<Event>,
    /// Markets the feeds stop streaming (the tiers' demotions; known already, so no
    /// other task does anything with them).
    pub unsubscribe: Vec<MarketMeta>,
}

pub type AddedRx = UnboundedReceiver<Arc<Added>>;

/// Hands each addition to every task that asked for them.
#[derive(Default)]
pub struct Fanout {
    senders: Vec<UnboundedSender<Arc<Added>>>,
}

impl Fanout {
    /// A receiver of every addition from now on.
    pub fn subscribe(&mut self) -> AddedRx {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.senders.push(tx);
        rx
    }

    fn send(&self, added: &Arc<Added>) {
        for tx in &self.senders {
            // A task that has ended wants no more.
            let _ = tx.send(added.clone());
        }
    }
}

/// What a feed of `venue` makes of additions, in order: the venue ids to stream from
/// now on, and those to stream no more. A market in both `metas` and `unsubscribe` of
/// one addition is known but not streamed (a listing the tiers poll or only list).
pub fn stream_changes(added: &[Arc<Added>], venue: Venue) -> (Vec<String>, Vec<String>) {
    fn ids(metas: &[MarketMeta], venue: Venue) -> BTreeSet<&str> {
        metas
            .iter()
            .filter(|m| m.venue == venue)
            .map(|m| m.venue_id.as_str())
            .collect()
    }
    let mut streamed: std::collections::BTreeMap<&str, bool> = Default::default();
    for a in added {
        let (known, not) = (ids(&a.metas, venue), ids(&a.unsubscribe, venue));
        for id in not.difference(&known) {
            streamed.insert(id, false);
        }
        for id in known.difference(&not) {
            streamed.insert(id, true);
        }
    }
    let pick = |on: bool| {
        streamed
            .iter()
            .filter(|(_, s)| **s == on)
            .map(|(id, _)| id.to_string())
            .collect()
    };
    (pick(true), pick(false))
}

/// The additions waiting on `rx` (none without one), each observed into `interner`.
pub fn drain(rx: &mut Option<AddedRx>, interner: &mut MarketInterner) -> Vec<Arc<Added>> {
    let mut out = Vec::new();
    let Some(rx) = rx else {
        return out;
    };
    while let Ok(added) = rx.try_recv() {
        for meta in &added.metas {
            if let Err(e) = interner.observe(meta.clone()) {
                tracing::error!(error = %e, "a listed market does not fit the markets known");
            }
        }
        out.push(added);
    }
    out
}

/// The venues as the watch reads them.
pub struct Listings {
    pub kalshi: Option<KalshiRest>,
    /// The CLOB and the Gamma catalogue.
    pub polymarket: Option<(PolymarketRest, PolymarketRest)>,
    pub page_size: u32,
}

pub struct UniverseWatch {
    pub listings: Listings,
    pub every: Duration,
    /// The markets known at start (the watch's own copy).
    pub interner: MarketInterner,
    pub tx: crossbeam_channel::Sender<Inbound>,
    pub fanout: Fanout,
    /// Wakes the status watcher for markets gone from the listing.
    pub gone: Option<UnboundedSender<MarketId>>,
    /// Each listing's resolution texts, to the mapping watch (pairs verified against
    /// another text stop trading).
    pub listed_rules: Option<UnboundedSender<crate::mapping::drift::ListedRules>>,
    /// `<journal>/universe.json`, rewritten after each listing.
    pub file: PathBuf,
    /// The mapping file in use, when there is one: pairs for the markets listed
    /// since are verified and proposed beside the journal (`pair_proposals`).
    pub mapping: Option<PathBuf>,
}

impl UniverseWatch {
    pub async fn run(mut self) {
        let kalshi_cache = Mutex::new(kalshi::KalshiMetaCache::default());
        let poly_cache = Mutex::new(polymarket::PolymarketMetaCache::default());
        let mut reported_gone: BTreeSet<MarketId> = BTreeSet::new();
        loop {
            tokio::time::sleep(self.every).await;
            // A refresh is a background read: the engine's reads go first.
            let l = &self.listings;
            let kalshi = l.kalshi.as_ref().map(KalshiRest::background);
            let polymarket = l
                .polymarket
                .as_ref()
                .map(|(c, g)| (c.background(), g.background()));
            let polymarket = polymarket.as_ref().map(|(c, g)| (c, g));
            let d = match universe::list(kalshi.as_ref(), polymarket, l.page_size).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e, "universe listing failed; the next refresh tries again");
                    continue;
                }
            };
            if let Ok(text) = serde_json::to_string(&d.universe)
                && let Err(e) = std::fs::write(&self.file, text)
            {
                tracing::warn!(file = %self.file.display(), error = %e, "universe file not written");
            }
            if let Some(tx) = &self.listed_rules {
                let _ = tx.send(d.universe.listed_rules());
            }
            let gone = self.gone_from(&d, &mut reported_gone);
            if let Some(tx) = &self.gone {
                for m in &gone {
                    let _ = tx.send(*m);
                }
            }
            kalshi_cache.lock().unwrap_or_else(|e| e.into_inner()).seed(
                &d.kalshi_markets,
                &d.kalshi_events,
                &d.kalshi_series,
            );
            poly_cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .seed(&d.gamma);
            // A failed definition leaves the ids as the core knows them: the next
            // refresh assigns the same ones again.
            let before = self.interner.clone();
            let added = match self.define_new(&d, &kalshi_cache, &poly_cache).await {
                Ok(a) => a,
                Err(e) => {
                    self.interner = before;
                    tracing::warn!(error = %e, "listed markets not defined; the next refresh tries again");
                    continue;
                }
            };
            tracing::info!(
                listed = added.metas.len(),
                gone = gone.len(),
                "universe refreshed"
            );
            if added.metas.is_empty() {
                continue;
            }
            let definitions = added.metas.iter().cloned().map(Event::MarketDefined);
            for ev in definitions.chain(added.ladders.iter().cloned()) {
                if self.tx.send(Inbound::now(ev)).is_err() {
                    return;
                }
            }
            self.propose_pairs(&d, &added.metas);
            // After the core was told: a task's first event on a new market comes later
            // than its definition (the core reads its control queue first).
            self.fanout.send(&Arc::new(added));
        }
    }

    /// Verifies pairs for the markets listed since against the other venue's listing
    /// (in a blocking task: a 10,000-market listing takes a moment) and adds those worth
    /// a look to `<journal>/pairs-proposed.toml`.
    fn propose_pairs(&self, d: &universe::Discovery, metas: &[MarketMeta]) {
        let Some(file) = self
            .file
            .parent()
            .map(|j| j.join(super::pair_proposals::FILE))
        else {
            return;
        };
        let new: BTreeSet<(Venue, String)> = metas
            .iter()
            .map(|m| (m.venue, m.venue_id.clone()))
            .collect();
        let listing = serde_json::to_value(&d.universe).unwrap_or_default();
        let mapping = self.mapping.clone();
        tokio::task::spawn_blocking(move || {
            let (kalshi, polymarket) =
                match crate::mapping::listings::parse_universe(&listing, "the listing") {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "new listings not verified");
                        return;
                    }
                };
            let pairs = super::pair_proposals::verified_pairs(&kalshi, &polymarket, &new);
            match super::pair_proposals::add(&file, mapping.as_deref(), pairs) {
                Ok(0) => {}
                Ok(n) => tracing::warn!(
                    proposed = n,
                    file = %file.display(),
                    "pairs proposed for markets listed while running: review them and merge into the mapping file to trade them"
                ),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "pair proposals not written")
                }
            }
        });
    }

    /// Known markets the listing no longer holds (each reported once).
    fn gone_from(
        &self,
        d: &universe::Discovery,
        reported: &mut BTreeSet<MarketId>,
    ) -> Vec<MarketId> {
        let listed: BTreeSet<(Venue, &str)> = d
            .universe
            .kalshi
            .iter()
            .map(|m| (Venue::Kalshi, m.ticker.as_str()))
            .chain(d.universe.polymarket.iter().flat_map(|c| {
                c.tokens
                    .iter()
                    .map(|(_, t)| (Venue::Polymarket, t.as_str()))
            }))
            .collect();
        let venues = [
            self.listings.kalshi.is_some(),
            self.listings.polymarket.is_some(),
        ];
        self.interner
            .metas()
            .iter()
            .filter(|m| venues[m.venue.index()])
            .filter(|m| !listed.contains(&(m.venue, m.venue_id.as_str())))
            .map(|m| m.id)
            .filter(|id| reported.insert(*id))
            .collect()
    }

    /// Defines the listed markets not known yet (ids from the watch's interner, as the
    /// core will assign them: nothing else defines markets while running).
    async fn define_new(
        &mut self,
        d: &universe::Discovery,
        kalshi_cache: &Mutex<kalshi::KalshiMetaCache>,
        poly_cache: &Mutex<polymarket::PolymarketMetaCache>,
    ) -> Result<Added, crate::venues::http::VenueError> {
        let mut events = Vec::new();
        let mut routes = Vec::new();
        let mut ladders = Vec::new();
        if let Some(rest) = &self.listings.kalshi {
            let new: Vec<String> = d
                .tickers()
                .into_iter()
                .filter(|t| self.interner.get(Venue::Kalshi, t).is_none())
                .collect();
            if !new.is_empty() {
                let known_events: BTreeSet<String> = self
                    .interner
                    .metas()
                    .iter()
                    .filter(|m| m.venue == Venue::Kalshi)
                    .map(|m| m.event_id.clone())
                    .collect();
                let metas =
                    kalshi::market_metas(rest, kalshi_cache, &new, &mut self.interner).await?;
                events.extend(metas.definitions);
                // A mutually exclusive event listed whole gets its ladder; a market new
                // to an event known before leaves a ladder defined at start incomplete,
                // which no event can retire yet: said loudly.
                let (fresh, grown): (Vec<_>, Vec<_>) = metas
                    .exclusive
                    .into_iter()
                    .partition(|e| !known_events.contains(&e.event_ticker));
                for e in grown {
                    tracing::error!(event = %e.event_ticker, "a market listed in a mutually exclusive event known before: a ladder defined for it at start no longer covers every outcome (disable the bucket lane until a restart defines it whole)");
                }
                let fresh_markets: Vec<_> = metas
                    .markets
                    .into_iter()
                    .filter(|m| !known_events.contains(&m.event_ticker))
                    .collect();
                let (defined, partial) =
                    super::groups::to_define(&fresh, &fresh_markets, self.interner.metas(), &[]);
                super::groups::warn_partial(&partial, self.interner.metas());
                ladders = defined;
                let rest = Arc::new(rest.clone());
                for t in new {
                    if let Some(id) = self.interner.get(Venue::Kalshi, &t) {
                        let route = Route::Kalshi {
                            rest: rest.clone(),
                            ticker: t,
                        };
                        routes.push((id, route));
                    }
                }
            }
        }
        if let Some((clob, _)) = &self.listings.polymarket {
            let new: Vec<String> = d
                .tokens()
                .into_iter()
                .filter(|t| self.interner.get(Venue::Polymarket, t).is_none())
                .collect();
            if !new.is_empty() {
                let (defs, infos) =
                    polymarket::market_metas(clob, poly_cache, &new, &mut self.interner).await?;
                events.extend(defs);
                let rest = Arc::new(clob.clone());
                for (id, token) in infos {
                    let route = Route::Polymarket {
                        rest: rest.clone(),
                        token,
                    };
                    routes.push((id, route));
                }
            }
        }
        let metas = events
            .into_iter()
            .filter_map(|e| match e {
                Event::MarketDefined(m) => Some(m),
                _ => None,
            })
            .collect();
        Ok(Added {
            metas,
            routes,
            ladders,
            unsubscribe: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NoLeg;

    fn added(metas: &[u32], unsubscribe: &[u32]) -> Arc<Added> {
        let meta = |id: &u32| MarketMeta::for_test(*id, Venue::Polymarket, NoLeg::SameBook);
        Arc::new(Added {
            metas: metas.iter().map(meta).collect(),
            routes: Vec::new(),
            ladders: Vec::new(),
            unsubscribe: unsubscribe.iter().map(meta).collect(),
        })
    }

    #[test]
    fn a_feed_streams_what_is_added_and_not_what_is_only_made_known() {
        // A listing of 1, 2, 3 of which 2 and 3 are polled; then 3 promoted; then 1
        // demoted. Kalshi's feed has nothing to do with Polymarket tokens.
        let batch = [
            added(&[1, 2, 3], &[2, 3]),
            added(&[3], &[]),
            added(&[], &[1]),
        ];
        let (on, off) = stream_changes(&batch, Venue::Polymarket);
        assert_eq!((on, off), (vec!["m3".to_string()], vec!["m1".to_string()]));
        assert_eq!(
            stream_changes(&batch, Venue::Kalshi),
            (Vec::new(), Vec::new())
        );
        // Taken one at a time, the first streams 1 only.
        assert_eq!(
            stream_changes(&batch[..1], Venue::Polymarket),
            (vec!["m1".to_string()], Vec::new())
        );
    }
}
