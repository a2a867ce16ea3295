//! Reloads the mapping file of a running `arb live` when it changes. Every
//! `mapping_watch_s` the file's bytes are read and hashed (xxh3); a new digest is
//! parsed and, if it parses, journaled as `MappingLoaded` followed by the pair events
//! that bring the reducer in line (`PairDefined` for new pairs, `PairConfidence` for
//! changed or dropped ones). A file that cannot be read or parsed is logged with its
//! path and the reason, and the mapping in use stays: never a silent fall back to none.
//! Markets listed while running (`universe_watch`) complete the pairs waiting for them,
//! and each listing's resolution texts lower the pairs verified against another text
//! (`mapping::drift`).

use super::core::Inbound;
use crate::core::MarketId;
use crate::event::Event;
use crate::mapping::PairResolver;
use crate::mapping::drift::ListedRules;
use crate::mapping::reload::{digest, parse_bytes};
use std::path::PathBuf;
use std::time::Duration;

pub struct MappingWatch {
    pub path: PathBuf,
    pub resolver: PairResolver,
    /// Digest of the file in use (journaled at start).
    pub digest: u64,
    pub every: Duration,
    pub tx: crossbeam_channel::Sender<Inbound>,
    /// Markets listed while running: their pairs are completed as they come.
    pub adds: Option<super::universe_watch::AddedRx>,
    /// Under tiers: the markets of each pair defined or made tradable here, which are
    /// then streamed.
    pub ruled: Option<tokio::sync::mpsc::UnboundedSender<Vec<MarketId>>>,
    /// Each universe refresh's resolution texts.
    pub listed_rules: Option<tokio::sync::mpsc::UnboundedReceiver<ListedRules>>,
}

impl MappingWatch {
    pub async fn run(mut self) {
        let mut timer = tokio::time::interval(self.every);
        timer.tick().await;
        // The digest last looked at, good or bad: a bad file is reported once.
        let mut seen = self.digest;
        let mut unreadable = false;
        loop {
            tokio::select! {
                _ = timer.tick() => {}
                Some(added) = async { self.adds.as_mut()?.recv().await }, if self.adds.is_some() => {
                    let pairs: Vec<Event> = added
                        .metas
                        .iter()
                        .flat_map(|m| self.resolver.on_market(m.venue, &m.venue_id, m.id))
                        .map(Event::PairDefined)
                        .collect();
                    if !self.send(pairs) {
                        return;
                    }
                    continue;
                }
                Some(listed) = async { self.listed_rules.as_mut()?.recv().await }, if self.listed_rules.is_some() => {
                    let changes = self.resolver.on_listed_rules(listed);
                    if !self.send(changes) {
                        return;
                    }
                    continue;
                }
            }
            let bytes = match std::fs::read(&self.path) {
                Ok(b) => {
                    unreadable = false;
                    b
                }
                Err(e) => {
                    if !unreadable {
                        tracing::warn!(file = %self.path.display(), error = %e, "mapping file unreadable: the mapping in use stays");
                    }
                    unreadable = true;
                    continue;
                }
            };
            let d = digest(&bytes);
            if d == seen {
                continue;
            }
            seen = d;
            let loaded = match parse_bytes(&bytes, &self.path.display().to_string()) {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(file = %self.path.display(), error = %e, "mapping file not reloaded: the mapping in use stays");
                    continue;
                }
            };
            tracing::info!(file = %self.path.display(), pairs = loaded.info.pairs, digest = d, "mapping file reloaded");
            crate::mapping::warn_shared_markets(&loaded.specs, &self.path.display().to_string());
            self.digest = d;
            let mut events = vec![Event::MappingLoaded(loaded.info)];
            events.extend(self.resolver.reload(loaded.specs));
            if !self.send(events) {
                return;
            }
        }
    }

    /// Journals `events` and tells the tiers of the markets of tradable pairs among
    /// them; false once the core is gone.
    fn send(&self, events: Vec<Event>) -> bool {
        let mut ruled = Vec::new();
        for event in events {
            if let Event::PairDefined(p) | Event::PairConfidence(p) = &event
                && p.confidence_bp > 0
            {
                ruled.extend([p.a, p.b]);
            }
            if self.tx.send(Inbound::now(event)).is_err() {
                return false;
            }
        }
        if let (Some(tx), false) = (&self.ruled, ruled.is_empty()) {
            let _ = tx.send(ruled);
        }
        true
    }
}
