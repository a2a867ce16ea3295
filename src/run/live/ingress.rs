//! What every market-data ingress task shares: its venue's market-data queue (with the
//! mirror books and the coalescing policy, `queue.rs`), the stop flag, the silence
//! bound, the feed-mode policy and the watchdog's counts, how a silent stream, a
//! feed-mode change or a bad book is reported, and the stream's circuit breaker gate.

use super::core::{Inbound, event_ns};
use super::mirror::Verdict;
use super::queue::{Closed, MarketFeed};
use crate::core::{MarketId, Venue};
use crate::event::{ConnectionStatus, Endpoint, Event, FeedState, FeedStatus};
use crate::venues::governor::Governor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where a venue's market data goes and how it is watched: the venue's queue, the
/// stop flag, the silence bound and the feed-mode policy.
pub struct IngressCtx {
    pub queue: MarketFeed,
    pub stop: Arc<AtomicBool>,
    pub silent_after: Duration,
    pub feed: super::degrade::FeedPolicy,
    pub stats: super::watchdog::SharedFeedStats,
    /// Where a venue's lifecycle message (a market closed, determined or resolved)
    /// wakes the market status watcher (`market_status.rs`) for that market, so that its
    /// close or result is read at once instead of at the next poll. `None`: no watcher.
    pub lifecycle: Option<tokio::sync::mpsc::UnboundedSender<MarketId>>,
    /// When the core last got something that vouches for this venue's books (market
    /// data or an `Alive` mark).
    pub vouched: Instant,
    /// The venue's feed mode, shared by its connections.
    pub health: super::degrade::SharedHealth,
    /// The connection this task streams when the venue's stream is sharded: its
    /// `Feed` reports (drops, gaps, silences, signs of life) are journaled as that
    /// connection's (`ConnectionFeed`), not the whole venue's. `None`: one connection.
    pub connection: Option<u16>,
    /// The venue's books the core asks to be subscribed again (coverage probes).
    pub probes: super::probes::ProbeBoard,
}

/// What every ingress task's context is made of, owned (tasks opened while running make
/// theirs from it).
#[derive(Clone)]
pub struct CtxParts {
    /// Each venue's market-data queue.
    pub queues: [crossbeam_channel::Sender<Inbound>; 2],
    pub stats: [super::watchdog::SharedFeedStats; 2],
    pub health: [super::degrade::SharedHealth; 2],
    pub stop: Arc<AtomicBool>,
    pub silent_after: Duration,
    pub feed: super::degrade::FeedPolicy,
    pub lifecycle: Option<tokio::sync::mpsc::UnboundedSender<MarketId>>,
    pub probes: [super::probes::ProbeBoard; 2],
}

impl CtxParts {
    /// A context for one task of `venue` (streaming `connection` of a sharded stream).
    pub fn ctx(&self, venue: Venue, connection: Option<u16>) -> IngressCtx {
        let v = venue.index();
        IngressCtx {
            queue: MarketFeed::new(self.queues[v].clone(), self.stats[v].clone()),
            stop: self.stop.clone(),
            silent_after: self.silent_after,
            feed: self.feed,
            stats: self.stats[v].clone(),
            lifecycle: self.lifecycle.clone(),
            vouched: Instant::now(),
            health: self.health[v].clone(),
            connection,
            probes: self.probes[v].clone(),
        }
    }
}

/// How often a quiet, live stream marks its books current (`Feed` `Alive`): well
/// inside any sensible book age bound, and nothing on a stream that carries data.
pub const ALIVE_EVERY: Duration = Duration::from_secs(1);

impl IngressCtx {
    /// Hands an event received now to the core; false once the core is gone.
    pub fn send(&mut self, event: Event) -> bool {
        self.push(event_ns(), event).is_ok()
    }

    /// Hands an event received at `ts` to the core; the markets it left crossed or
    /// impossible (logged here; the caller resyncs them).
    pub fn push(&mut self, ts: i64, event: Event) -> Result<Vec<(MarketId, Verdict)>, Closed> {
        let event = match (self.connection, event) {
            (Some(connection), Event::Feed(FeedStatus { venue, state })) => {
                Event::ConnectionFeed(ConnectionStatus {
                    venue,
                    connection,
                    state,
                })
            }
            (_, event) => event,
        };
        if event.is_market_data() && !matches!(event, Event::Tick) {
            self.vouched = Instant::now();
        }
        let bad = self.queue.push(Inbound { ts, event })?;
        for (market, verdict) in &bad {
            tracing::warn!(
                market = market.0,
                ?verdict,
                "book crossed or impossible after an update; resyncing it now"
            );
        }
        Ok(bad)
    }

    /// A lifecycle message of the venue named `market`: its status is read now.
    pub fn lifecycle_news(&self, market: MarketId) {
        if let Some(tx) = &self.lifecycle {
            tracing::info!(
                market = market.0,
                "lifecycle message; reading the market's status"
            );
            let _ = tx.send(market);
        }
    }

    /// Reports a feed-mode change (journaled).
    pub fn mode(&mut self, venue: Venue, mode: Option<crate::event::FeedMode>) -> bool {
        match mode {
            Some(mode) => {
                tracing::warn!(venue = venue.name(), ?mode, "feed mode");
                self.count(|s| s.mode_changes += 1);
                self.send(Event::FeedMode { venue, mode })
            }
            None => true,
        }
    }

    pub fn count(&self, f: impl FnOnce(&mut super::watchdog::FeedStats)) {
        super::watchdog::count(&self.stats, f);
    }

    /// Notes that the stream was last heard `quiet` ago (data or heartbeat).
    pub fn heard(&self, quiet: Duration) {
        let at = Instant::now().checked_sub(quiet);
        self.count(|s| s.last_heard = at.or(s.last_heard));
    }

    /// Notes how long the stream has said nothing; true if that is past the bound.
    pub fn silent(&self, silence: &mut super::watchdog::Silence, quiet: Duration) -> bool {
        self.heard(quiet);
        self.count(|s| s.max_silence_ms = s.max_silence_ms.max(quiet.as_millis() as u64));
        let silent = silence.is_silent(quiet);
        if silent {
            self.count(|s| s.silent_drops += 1);
        }
        silent
    }

    /// Marks `venue`'s books current (`Feed` `Alive`) when its stream was heard from
    /// within `ALIVE_EVERY` (data, a heartbeat or a pong) but carried no market data
    /// for that long; false once the core is gone.
    pub fn alive(&mut self, venue: Venue, quiet: Duration) -> bool {
        if quiet >= ALIVE_EVERY || self.vouched.elapsed() < ALIVE_EVERY {
            return true;
        }
        self.send(Event::Feed(FeedStatus {
            venue,
            state: FeedState::Alive,
        }))
    }

    /// Journals that a stream went silent (and is dropped for a reconnect).
    pub fn report_silent(&mut self, venue: Venue, next_bound: Duration) {
        tracing::warn!(
            venue = venue.name(),
            next_bound_ms = next_bound.as_millis() as u64,
            "market data stream silent; reconnecting"
        );
        self.send(Event::Feed(FeedStatus {
            venue,
            state: FeedState::Silent,
        }));
    }

    /// Sends what the queue owes the core while there is room; false once it is gone.
    pub fn flush(&mut self) -> bool {
        self.queue.flush().is_ok()
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// How often a stream whose breaker is open looks again.
pub const BREAKER_POLL: Duration = Duration::from_millis(250);

/// Whether `endpoint`'s breaker lets a connection be tried now (it is closed, or this
/// is its probe, which the caller must then settle with `record_stream`); when not,
/// waits `BREAKER_POLL` so that the caller looks again (stop and feed mode first).
pub async fn breaker_allows(governor: &Governor, endpoint: Endpoint) -> bool {
    if governor.allow(endpoint).is_ok() {
        return true;
    }
    tokio::time::sleep(BREAKER_POLL).await;
    false
}
