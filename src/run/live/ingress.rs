//! What every market-data ingress task shares: the core's channel, the stop flag, the
//! silence bound, the feed-mode policy and the watchdog's counts, and how a silent
//! stream or a feed-mode change is reported.

use super::core::{Inbound, wall_ns};
use crate::core::Venue;
use crate::event::{Event, FeedState, FeedStatus};
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Where a venue's market data goes and how it is watched: the core's channel, the
/// stop flag, the silence bound and the feed-mode policy.
pub struct IngressCtx {
    pub tx: Sender<Inbound>,
    pub stop: Arc<AtomicBool>,
    pub silent_after: Duration,
    pub feed: super::degrade::FeedPolicy,
    pub stats: super::watchdog::SharedFeedStats,
}

impl IngressCtx {
    pub fn send(&self, event: Event) -> bool {
        self.tx
            .send(Inbound {
                ts: wall_ns(),
                event,
            })
            .is_ok()
    }

    /// Reports a feed-mode change (journaled).
    pub fn mode(&self, venue: Venue, mode: Option<crate::event::FeedMode>) -> bool {
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

    /// Notes how long the stream has said nothing; true if that is past the bound.
    pub fn silent(&self, silence: &mut super::watchdog::Silence, quiet: Duration) -> bool {
        self.count(|s| s.max_silence_ms = s.max_silence_ms.max(quiet.as_millis() as u64));
        let silent = silence.is_silent(quiet);
        if silent {
            self.count(|s| s.silent_drops += 1);
        }
        silent
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Journals that a stream went silent (and is dropped for a reconnect).
pub fn silent(tx: &Sender<Inbound>, venue: Venue, next_bound: Duration) {
    tracing::warn!(
        venue = venue.name(),
        next_bound_ms = next_bound.as_millis() as u64,
        "market data stream silent; reconnecting"
    );
    let _ = tx.send(Inbound {
        ts: wall_ns(),
        event: Event::Feed(FeedStatus {
            venue,
            state: FeedState::Silent,
        }),
    });
}
