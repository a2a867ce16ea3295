//! Coverage probes (seed 5D/5E): when the share of rules (tradable pairs and group
//! rules) with every book fresh falls below `coverage_floor`, the streamed books they
//! wait for are subscribed again on the connection that carries them, so that the
//! venue sends them in full: a subscription the venue silently thinned, a snapshot that
//! never came. At most every `coverage_probe_s`; the answers are journaled as any book.

use crate::core::{MarketId, Venue};
use crate::engine::Reducer;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One venue's books to subscribe again, taken by the connection that streams each.
pub type ProbeBoard = Arc<Mutex<BTreeSet<MarketId>>>;

/// Takes the markets on `board` that `carries` says are this connection's.
pub fn take(board: &ProbeBoard, carries: impl Fn(MarketId) -> bool) -> Vec<MarketId> {
    let mut b = board.lock().unwrap_or_else(|e| e.into_inner());
    let mine: Vec<MarketId> = b.iter().copied().filter(|&m| carries(m)).collect();
    for m in &mine {
        b.remove(m);
    }
    mine
}

/// The core's look at the rules' coverage.
pub struct CoverageProbe {
    pub every: Duration,
    pub floor: f64,
    pub boards: [ProbeBoard; 2],
    next: Instant,
    below: bool,
}

impl CoverageProbe {
    pub fn new(every: Duration, floor: f64, boards: [ProbeBoard; 2]) -> CoverageProbe {
        CoverageProbe {
            every,
            floor,
            boards,
            next: Instant::now() + every,
            below: false,
        }
    }

    /// When due: below the floor, posts the stale streamed books of the rules on their
    /// venues' boards (replacing what was there); above it, clears the boards.
    pub fn look(&mut self, reducer: &Reducer) {
        let now = Instant::now();
        if now < self.next {
            return;
        }
        self.next = now + self.every;
        let c = reducer.rule_coverage();
        let below = c.below(self.floor);
        let mut posted: [BTreeSet<MarketId>; 2] = Default::default();
        if below {
            for &m in &c.stale {
                if let Some(state) = reducer.markets().get(m) {
                    posted[state.meta.venue.index()].insert(m);
                }
            }
            tracing::warn!(
                rules = c.rules,
                fresh = c.fresh,
                floor = self.floor,
                resubscribing = c.stale.len(),
                "coverage below its floor: subscribing again the streamed books the rules wait for"
            );
        } else if self.below {
            tracing::info!(
                rules = c.rules,
                fresh = c.fresh,
                "coverage back above its floor"
            );
        }
        self.below = below;
        for venue in Venue::ALL {
            let set = std::mem::take(&mut posted[venue.index()]);
            *self.boards[venue.index()]
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = set;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_takes_only_the_books_it_carries() {
        let board: ProbeBoard = Arc::new(Mutex::new([1, 2, 3].map(MarketId).into()));
        assert_eq!(take(&board, |m| m.0 % 2 == 1), [MarketId(1), MarketId(3)]);
        assert_eq!(take(&board, |_| true), [MarketId(2)]);
        assert!(take(&board, |_| true).is_empty());
    }
}
