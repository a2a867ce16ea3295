//! `<journal>/status.json`: the feed watchdog's live view while `arb live` runs, per
//! venue: its counts, heartbeat lag (now and the worst seen), reconnects and gaps per
//! minute over the last minute, and the market-data queue's depth. Rewritten every
//! `status_every_s` (a temporary file renamed over it, so a reader never sees half a
//! file), with one log line per venue each time; a last one with `running: false`
//! when the run stops.

use super::core::Inbound;
use super::watchdog::{FeedStats, SharedFeedStats};
use crate::clock::wall_ns;
use crate::core::Venue;
use crossbeam_channel::Receiver;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The window the rates are measured over.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// One venue's line of `status.json`.
#[derive(Clone, Debug, Serialize)]
pub struct VenueStatus {
    #[serde(flatten)]
    pub counts: FeedStats,
    /// Since the stream last said anything (data or heartbeat); absent before the
    /// first connection.
    pub heartbeat_lag_ms: Option<u64>,
    /// The worst heartbeat lag seen in the run.
    pub max_heartbeat_lag_ms: u64,
    /// Stream drops (each a reconnect) per minute, over the last minute.
    pub reconnects_per_min: f64,
    /// Sequence gaps per minute, over the last minute.
    pub gaps_per_min: f64,
    /// Items waiting in the venue's market-data queue to the core.
    pub queue_len: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub ts_ns: i64,
    pub uptime_s: f64,
    pub running: bool,
    /// The engine as the core last saw it.
    pub engine: EngineStatus,
    pub venues: BTreeMap<String, VenueStatus>,
}

/// The engine's mode and what it waits on, as the core publishes it after each step
/// that changed something.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EngineStatus {
    /// `normal`, `halted` or `safe`.
    pub mode: String,
    /// Why it is halted or in safe mode (the last halt's reason), while it is.
    pub halt_reason: Option<String>,
    pub open_orders: usize,
    /// Orders whose request got no definite answer, still being looked up.
    pub unknown_orders: usize,
    /// Differences with the venues journaled so far in this run.
    pub discrepancies: u64,
    /// The latest one, in words.
    pub last_discrepancy: Option<String>,
}

/// Shared between the core (writer) and the status file (reader).
pub type SharedEngineStatus = Arc<std::sync::Mutex<EngineStatus>>;

/// A watched venue: its counts and the core's end of its queue (read for its length only).
pub struct Watched {
    pub venue: Venue,
    pub stats: SharedFeedStats,
    pub queue: Receiver<Inbound>,
}

pub struct StatusWriter {
    path: PathBuf,
    venues: Vec<Watched>,
    engine: SharedEngineStatus,
    started: Instant,
    /// (when, per venue (drops, gaps)) samples, oldest first, covering the window.
    history: VecDeque<(Instant, Vec<(u64, u64)>)>,
    max_lag_ms: Vec<u64>,
}

impl StatusWriter {
    pub fn new(
        journal: &std::path::Path,
        venues: Vec<Watched>,
        engine: SharedEngineStatus,
    ) -> StatusWriter {
        let n = venues.len();
        StatusWriter {
            path: journal.join("status.json"),
            venues,
            engine,
            started: Instant::now(),
            history: VecDeque::new(),
            max_lag_ms: vec![0; n],
        }
    }

    /// The status now (and a sample for the rates).
    pub fn status(&mut self, running: bool) -> Status {
        let now = Instant::now();
        let counts: Vec<FeedStats> = self
            .venues
            .iter()
            .map(|w| w.stats.lock().map(|s| s.clone()).unwrap_or_default())
            .collect();
        let sample: Vec<(u64, u64)> = counts.iter().map(|c| (c.drops, c.gaps)).collect();
        if self.history.is_empty() {
            self.history
                .push_back((self.started, vec![(0, 0); sample.len()]));
        }
        while self.history.len() > 1
            && self
                .history
                .get(1)
                .is_some_and(|(t, _)| now.duration_since(*t) >= RATE_WINDOW)
        {
            self.history.pop_front();
        }
        let (since, then) = self
            .history
            .front()
            .cloned()
            .unwrap_or((now, sample.clone()));
        let minutes = now.duration_since(since).as_secs_f64() / 60.0;
        let rate = |a: u64, b: u64| {
            if minutes > 0.0 {
                a.saturating_sub(b) as f64 / minutes
            } else {
                0.0
            }
        };
        let mut venues = BTreeMap::new();
        for (i, (w, c)) in self.venues.iter().zip(counts).enumerate() {
            let lag = c
                .last_heard
                .map(|t| now.duration_since(t).as_millis() as u64);
            let worst = self.max_lag_ms[i]
                .max(c.max_silence_ms)
                .max(lag.unwrap_or(0));
            self.max_lag_ms[i] = worst;
            let (drops, gaps) = (c.drops, c.gaps);
            venues.insert(
                w.venue.name().to_string(),
                VenueStatus {
                    counts: c,
                    heartbeat_lag_ms: lag,
                    max_heartbeat_lag_ms: worst,
                    reconnects_per_min: rate(drops, then.get(i).map_or(0, |x| x.0)),
                    gaps_per_min: rate(gaps, then.get(i).map_or(0, |x| x.1)),
                    queue_len: w.queue.len(),
                },
            );
        }
        self.history.push_back((now, sample));
        Status {
            ts_ns: wall_ns(),
            uptime_s: now.duration_since(self.started).as_secs_f64(),
            running,
            engine: self.engine.lock().map(|e| e.clone()).unwrap_or_default(),
            venues,
        }
    }

    /// Writes the status now: to a temporary file, then renamed over `status.json`.
    pub fn write(&mut self, running: bool) -> std::io::Result<Status> {
        let status = self.status(running);
        let text = serde_json::to_vec_pretty(&status).map_err(std::io::Error::other)?;
        let e = &status.engine;
        tracing::info!(
            mode = e.mode.as_str(),
            halt_reason = e.halt_reason.as_deref(),
            open_orders = e.open_orders,
            unknown_orders = e.unknown_orders,
            discrepancies = e.discrepancies,
            "engine status"
        );
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)?;
        for (venue, v) in &status.venues {
            tracing::info!(
                venue = venue.as_str(),
                heartbeat_lag_ms = v.heartbeat_lag_ms,
                max_heartbeat_lag_ms = v.max_heartbeat_lag_ms,
                reconnects_per_min = v.reconnects_per_min,
                gaps_per_min = v.gaps_per_min,
                connects = v.counts.connects,
                drops = v.counts.drops,
                gaps = v.counts.gaps,
                coalesced = v.counts.coalesced,
                dropped_trades = v.counts.dropped_trades,
                crossed_books = v.counts.crossed_books,
                impossible_books = v.counts.impossible_books,
                queue_len = v.queue_len,
                "feed status"
            );
        }
        Ok(status)
    }

    /// Rewrites the file every `every` until `done` is notified, then once more,
    /// marked stopped.
    pub async fn run(mut self, every: Duration, done: Arc<tokio::sync::Notify>) {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let running = tokio::select! {
                biased;
                _ = done.notified() => false,
                _ = timer.tick() => true,
            };
            if let Err(e) = self.write(running) {
                tracing::warn!(path = %self.path.display(), error = %e, "status not written");
            }
            if !running {
                return;
            }
        }
    }
}
