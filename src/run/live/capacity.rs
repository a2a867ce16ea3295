//! The hot set's capacity (seed 5J): how many markets may be streamed for their
//! activity, sized to what the machine keeps up with. The core thread's busy share
//! (time in the reducer over wall time) and the market-data queues' coalescing (books
//! folded because the core fell behind) are looked at after every warm read: over the
//! budget, the capacity shrinks by a fifth and the markets streamed for their activity
//! beyond it go back to polling (`Polled`, reason `Capacity`, journaled); well under it,
//! the capacity grows back by a tenth of `hot_max`. Markets streamed for a rule or a
//! position are never demoted for capacity.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The core thread's busy share, in parts per million, over its last window.
#[derive(Clone, Debug, Default)]
pub struct CoreLoad(Arc<AtomicU64>);

impl CoreLoad {
    pub fn busy(&self) -> f64 {
        self.0.load(Ordering::Relaxed) as f64 / 1e6
    }
}

/// Measures the core's busy share: time spent stepping over the window's wall time,
/// published once a window.
pub struct BusyMeter {
    load: CoreLoad,
    window: Duration,
    started: Instant,
    busy: Duration,
}

impl BusyMeter {
    pub fn new(load: CoreLoad, window: Duration) -> BusyMeter {
        BusyMeter {
            load,
            window,
            started: Instant::now(),
            busy: Duration::ZERO,
        }
    }

    /// The core spent `spent` on one step.
    pub fn add(&mut self, spent: Duration) {
        self.busy += spent;
        let elapsed = self.started.elapsed();
        if elapsed >= self.window {
            let ppm = (self.busy.as_secs_f64() / elapsed.as_secs_f64() * 1e6).min(1e6);
            self.load.0.store(ppm as u64, Ordering::Relaxed);
            self.started = Instant::now();
            self.busy = Duration::ZERO;
        }
    }
}

/// The capacity for markets streamed for their activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    pub hot_max: usize,
    /// The core's busy share above which the hot set shrinks.
    pub busy_max: f64,
    pub now: usize,
    /// Books coalesced so far (both venues), as last seen (`None`: not looked yet, so
    /// that a start-up burst is not held against the first look).
    coalesced: Option<u64>,
}

impl Capacity {
    pub fn new(hot_max: usize, busy_max: f64) -> Capacity {
        Capacity {
            hot_max,
            busy_max,
            now: hot_max,
            coalesced: None,
        }
    }

    /// After a look at the load: the capacity now. Over budget when the core was busier
    /// than `busy_max` or books were coalesced since the last look.
    pub fn update(&mut self, busy: f64, coalesced: u64) -> usize {
        let fell_behind = self.coalesced.is_some_and(|seen| coalesced > seen);
        self.coalesced = Some(coalesced);
        if busy > self.busy_max || fell_behind {
            self.now = self.now * 4 / 5;
            tracing::warn!(
                busy,
                busy_max = self.busy_max,
                fell_behind,
                capacity = self.now,
                "hot set over its budget: capacity cut"
            );
        } else if busy < self.busy_max / 2.0 && self.now < self.hot_max {
            self.now = (self.now + self.hot_max.div_ceil(10)).min(self.hot_max);
        }
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capacity_shrinks_over_budget_and_grows_back_under_it() {
        let mut c = Capacity::new(100, 0.5);
        assert_eq!(c.update(0.2, 9), 100, "a first look only notes the queues");
        assert_eq!(c.update(0.7, 0), 80, "busier than the budget");
        assert_eq!(c.update(0.4, 5), 64, "the queues coalesced books");
        assert_eq!(c.update(0.4, 5), 64, "neither over nor well under: held");
        assert_eq!(c.update(0.1, 5), 74, "well under: a tenth back");
        for _ in 0..5 {
            c.update(0.1, 5);
        }
        assert_eq!(c.now, 100, "never above hot_max");
        for _ in 0..40 {
            c.update(0.9, 5);
        }
        assert_eq!(c.now, 0, "down to nothing streamed for activity");
    }

    #[test]
    fn the_meter_publishes_the_busy_share_once_a_window() {
        let load = CoreLoad::default();
        let mut m = BusyMeter::new(load.clone(), Duration::from_millis(20));
        m.add(Duration::from_millis(5));
        assert_eq!(load.busy(), 0.0, "not before the window is over");
        std::thread::sleep(Duration::from_millis(25));
        m.add(Duration::from_millis(5));
        let busy = load.busy();
        assert!(busy > 0.0 && busy <= 0.4, "10 ms of at least 25: {busy}");
    }
}
