//! When a market-data stream counts as dead though its socket is open: nothing at all
//! (no data, no heartbeat) for longer than a bound. After each silent drop the bound
//! doubles (up to eight times the base), and it returns to the base once the stream has
//! stayed up for a full bound, so a slow venue does not make the feed flap.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one venue's market-data feed went through in a run (the watchdog's counts):
/// reconnect and gap rates follow from them and the run's length.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedStats {
    /// Stream connections made (the first one included).
    pub connects: u64,
    /// Times the stream was lost (disconnects, silences) and reconnected.
    pub drops: u64,
    /// Of those, dropped for saying nothing past the bound.
    pub silent_drops: u64,
    /// Sequence gaps seen (each resynced).
    pub gaps: u64,
    /// Feed mode changes (stream, hybrid, poll-only).
    pub mode_changes: u64,
    /// The longest the stream said nothing at all (no data, no heartbeat), in ms.
    pub max_silence_ms: u64,
    /// Book updates folded into a later snapshot because the market-data queue was full.
    pub coalesced: u64,
    /// Trades dropped because the market-data queue was full.
    pub dropped_trades: u64,
    /// Books a frame left crossed or locked (each resynced at once).
    pub crossed_books: u64,
    /// Book updates that were impossible (a negative size, a price of 0 or 1, one the
    /// reducer refuses; each resynced at once).
    pub impossible_books: u64,
    /// When the stream last said anything (data or heartbeat); not in the summary.
    #[serde(skip)]
    pub last_heard: Option<Instant>,
}

/// Shared between a venue's ingress task and the run's summary.
pub type SharedFeedStats = Arc<Mutex<FeedStats>>;

/// Updates the counts (a poisoned lock still counts: the data is plain).
pub fn count(stats: &SharedFeedStats, f: impl FnOnce(&mut FeedStats)) {
    f(&mut stats.lock().unwrap_or_else(|p| p.into_inner()));
}

#[derive(Debug)]
pub struct Silence {
    base: Duration,
    bound: Duration,
    connected_at: Instant,
}

impl Silence {
    /// `base` zero: never silent.
    pub fn new(base: Duration) -> Silence {
        Silence {
            base,
            bound: base,
            connected_at: Instant::now(),
        }
    }

    /// A (re)connection just succeeded.
    pub fn connected(&mut self) {
        self.connected_at = Instant::now();
    }

    /// True when a stream that has said nothing for `quiet` is to be dropped. A stream
    /// that stayed up for a full bound has earned the base bound back.
    pub fn is_silent(&mut self, quiet: Duration) -> bool {
        if self.base.is_zero() {
            return false;
        }
        if self.connected_at.elapsed() > self.bound + quiet && self.bound > self.base {
            self.bound = self.base;
        }
        if quiet > self.bound {
            self.bound = (self.bound * 2).min(self.base * 8);
            true
        } else {
            false
        }
    }

    pub fn bound(&self) -> Duration {
        self.bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_doubles_after_a_silent_drop_and_is_earned_back() {
        let mut s = Silence::new(Duration::from_secs(1));
        assert!(!s.is_silent(Duration::from_millis(900)));
        assert!(s.is_silent(Duration::from_millis(1_100)));
        assert_eq!(s.bound(), Duration::from_secs(2), "doubled after the drop");
        s.connected();
        assert!(
            !s.is_silent(Duration::from_millis(1_500)),
            "within the doubled bound"
        );
        for _ in 0..5 {
            s.is_silent(Duration::from_secs(100));
        }
        assert_eq!(s.bound(), Duration::from_secs(8), "capped at 8x");
        assert!(!Silence::new(Duration::ZERO).is_silent(Duration::from_secs(3600)));
    }
}
