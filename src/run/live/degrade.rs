//! Feed mode degradation with hysteresis: a venue's market data goes stream ->
//! hybrid (stream plus periodic full resyncs) -> poll-only (REST books, no stream) as
//! drops (disconnects, silences, gaps) pile up within a window, and climbs back one
//! step only after a quiet spell with no drop, never sooner than that spell after the
//! last change, so it does not flap. Every change is journaled (`FeedMode`).

use crate::event::FeedMode;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Thresholds (`[feed]` in the live configuration).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedPolicy {
    /// Drops within `window_s` that make a stream hybrid.
    #[serde(default = "d_hybrid")]
    pub hybrid_after_drops: u32,
    /// Drops within `window_s` that make a hybrid feed poll-only.
    #[serde(default = "d_poll")]
    pub poll_only_after_drops: u32,
    #[serde(default = "d_window")]
    pub window_s: f64,
    /// A quiet spell (no drop) after which the feed climbs back one step.
    #[serde(default = "d_recover")]
    pub recover_s: f64,
    /// Seconds between full resyncs in hybrid mode.
    #[serde(default = "d_resync")]
    pub hybrid_resync_s: f64,
    /// Seconds between full resyncs in stream mode: a book that silently diverged from
    /// the venue's is found and corrected within one period.
    #[serde(default = "d_reconcile")]
    pub reconcile_s: f64,
    /// Seconds between REST book polls in poll-only mode.
    #[serde(default = "d_poll_every")]
    pub poll_s: f64,
}

fn d_hybrid() -> u32 {
    3
}
fn d_poll() -> u32 {
    6
}
fn d_window() -> f64 {
    60.0
}
fn d_recover() -> f64 {
    120.0
}
fn d_resync() -> f64 {
    10.0
}
fn d_reconcile() -> f64 {
    60.0
}
fn d_poll_every() -> f64 {
    2.0
}

impl Default for FeedPolicy {
    fn default() -> Self {
        FeedPolicy {
            hybrid_after_drops: d_hybrid(),
            poll_only_after_drops: d_poll(),
            window_s: d_window(),
            recover_s: d_recover(),
            hybrid_resync_s: d_resync(),
            reconcile_s: d_reconcile(),
            poll_s: d_poll_every(),
        }
    }
}

impl FeedPolicy {
    /// What is wrong with the thresholds, if anything.
    pub fn check(&self) -> Result<(), String> {
        if !(1 <= self.hybrid_after_drops && self.hybrid_after_drops < self.poll_only_after_drops) {
            return Err(
                "feed.hybrid_after_drops must be at least 1 and below feed.poll_only_after_drops"
                    .into(),
            );
        }
        for (name, v) in [
            ("feed.window_s", self.window_s),
            ("feed.recover_s", self.recover_s),
            ("feed.hybrid_resync_s", self.hybrid_resync_s),
            ("feed.reconcile_s", self.reconcile_s),
            ("feed.poll_s", self.poll_s),
        ] {
            if !(0.1..=86_400.0).contains(&v) {
                return Err(format!("{name}: {v} is not between 0.1 and 86400"));
            }
        }
        Ok(())
    }
}

/// One venue's feed health.
/// One venue's health, shared by the connections its stream is sharded across: a drop
/// on any of them counts toward the venue's mode, which every one of them follows (and
/// a change is reported once, by the connection that caused it).
#[derive(Clone, Debug)]
pub struct SharedHealth(std::sync::Arc<std::sync::Mutex<Health>>);

impl SharedHealth {
    pub fn new(policy: FeedPolicy, now: Instant) -> SharedHealth {
        SharedHealth(std::sync::Arc::new(std::sync::Mutex::new(Health::new(
            policy, now,
        ))))
    }

    fn with<R>(&self, f: impl FnOnce(&mut Health) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn mode(&self) -> FeedMode {
        self.with(|h| h.mode())
    }

    pub fn resync_every(&self) -> Duration {
        self.with(|h| h.resync_every())
    }

    pub fn on_drop(&self, now: Instant) -> Option<FeedMode> {
        self.with(|h| h.on_drop(now))
    }

    pub fn on_tick(&self, now: Instant) -> Option<FeedMode> {
        self.with(|h| h.on_tick(now))
    }
}

#[derive(Debug)]
pub struct Health {
    policy: FeedPolicy,
    mode: FeedMode,
    drops: VecDeque<Instant>,
    changed_at: Instant,
}

impl Health {
    pub fn new(policy: FeedPolicy, now: Instant) -> Health {
        Health {
            policy,
            mode: FeedMode::Stream,
            drops: VecDeque::new(),
            changed_at: now,
        }
    }

    pub fn mode(&self) -> FeedMode {
        self.mode
    }

    pub fn policy(&self) -> &FeedPolicy {
        &self.policy
    }

    /// How often the books are resynced in full in the current mode.
    pub fn resync_every(&self) -> Duration {
        Duration::from_secs_f64(match self.mode {
            FeedMode::Hybrid => self.policy.hybrid_resync_s,
            _ => self.policy.reconcile_s,
        })
    }

    fn set(&mut self, mode: FeedMode, now: Instant) -> Option<FeedMode> {
        (mode != self.mode).then(|| {
            self.mode = mode;
            self.changed_at = now;
            mode
        })
    }

    /// The stream dropped (disconnect, silence, gap): the new mode if it changes.
    pub fn on_drop(&mut self, now: Instant) -> Option<FeedMode> {
        self.drops.push_back(now);
        let window = Duration::from_secs_f64(self.policy.window_s);
        while self
            .drops
            .front()
            .is_some_and(|&t| now.duration_since(t) > window)
        {
            self.drops.pop_front();
        }
        let n = self.drops.len() as u32;
        match self.mode {
            FeedMode::Stream if n >= self.policy.hybrid_after_drops => {
                self.set(FeedMode::Hybrid, now)
            }
            FeedMode::Hybrid if n >= self.policy.poll_only_after_drops => {
                self.set(FeedMode::PollOnly, now)
            }
            _ => None,
        }
    }

    /// Time passes: after a quiet spell the feed climbs back one step.
    pub fn on_tick(&mut self, now: Instant) -> Option<FeedMode> {
        let quiet = Duration::from_secs_f64(self.policy.recover_s);
        let last_drop = self.drops.back().copied().unwrap_or(self.changed_at);
        let calm =
            now.duration_since(last_drop) >= quiet && now.duration_since(self.changed_at) >= quiet;
        if !calm {
            return None;
        }
        // A fresh start on each step up: drops before the climb no longer count.
        match self.mode {
            FeedMode::PollOnly => {
                self.drops.clear();
                self.set(FeedMode::Hybrid, now)
            }
            FeedMode::Hybrid => {
                self.drops.clear();
                self.set(FeedMode::Stream, now)
            }
            FeedMode::Stream => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FeedPolicy {
        FeedPolicy {
            window_s: 60.0,
            recover_s: 120.0,
            ..FeedPolicy::default()
        }
    }

    #[test]
    fn drops_degrade_step_by_step_and_quiet_climbs_back_without_flapping() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut h = Health::new(policy(), t0);
        assert_eq!(h.on_drop(at(1)), None);
        assert_eq!(h.on_drop(at(2)), None);
        assert_eq!(h.on_drop(at(3)), Some(FeedMode::Hybrid), "3 drops in 60 s");
        assert_eq!(h.on_drop(at(4)), None);
        assert_eq!(h.on_drop(at(5)), None);
        assert_eq!(
            h.on_drop(at(6)),
            Some(FeedMode::PollOnly),
            "6 drops in 60 s"
        );
        assert_eq!(h.on_tick(at(100)), None, "not quiet for long enough");
        assert_eq!(h.on_tick(at(126)), Some(FeedMode::Hybrid));
        assert_eq!(
            h.on_tick(at(200)),
            None,
            "120 s since the last change first"
        );
        assert_eq!(h.on_tick(at(246)), Some(FeedMode::Stream));
        assert_eq!(h.on_tick(at(1_000)), None);
        // Old drops fall out of the window: three spread-out drops do not degrade.
        assert_eq!(h.on_drop(at(1_100)), None);
        assert_eq!(h.on_drop(at(1_170)), None);
        assert_eq!(h.on_drop(at(1_240)), None);
        assert_eq!(h.mode(), FeedMode::Stream);
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(FeedPolicy::default().check().is_ok());
        let bad = FeedPolicy {
            hybrid_after_drops: 6,
            ..FeedPolicy::default()
        };
        assert!(bad.check().unwrap_err().contains("hybrid_after_drops"));
    }
}
