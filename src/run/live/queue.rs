//! The queues from ingress to the core, and their policy.
//!
//! - **Execution and control** (order acks, rejects, fills, cancels, order status,
//!   balances, positions, breaker changes, mapping reloads, operator input): one
//!   unbounded queue, never dropped, never behind market data. Its volume is bounded
//!   by the engine's own order flow and timers, not by a venue's message rate.
//! - **Market data**: one bounded queue per venue (`market_data_queue` items). The
//!   venue's ingress task keeps a mirror of every market's book (`mirror.rs`); while
//!   the queue is full it does not wait: a book update for a market is folded into the
//!   mirror and the market marked dirty, and once there is room again one
//!   `BookSnapshot` of the mirrored latest book goes per dirty market (a snapshot
//!   replaces the book, so the reducer ends with the same book as if every update had
//!   been delivered). Trades that find the queue full are dropped. Both are counted
//!   (`coalesced`, `dropped_trades`). Feed status events (`Feed`, `FeedMode`, market
//!   definitions) are never dropped and keep their place: what was coalesced before
//!   one is sent before it.
//!
//! The core takes execution and control first, then market data venue by venue in
//! turn, so a flood on one venue neither delays an ack nor starves the other venue.

use super::core::Inbound;
use super::mirror::{Mirror, Verdict};
use super::watchdog::SharedFeedStats;
use crate::core::MarketId;
use crate::event::Event;
use crossbeam_channel::{Receiver, RecvTimeoutError, Select, Sender, TryRecvError, TrySendError};
use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// The core has gone (the run is stopping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed;

/// One venue's market-data queue, as its ingress task holds it.
pub struct MarketFeed {
    tx: Sender<Inbound>,
    mirror: Mirror,
    /// Markets whose latest book is owed to the core as a snapshot.
    dirty: BTreeSet<MarketId>,
    /// Items that must not be dropped and are waiting for room, in order.
    pending: VecDeque<Inbound>,
    stats: SharedFeedStats,
}

impl MarketFeed {
    pub fn new(tx: Sender<Inbound>, stats: SharedFeedStats) -> MarketFeed {
        MarketFeed {
            tx,
            mirror: Mirror::default(),
            dirty: BTreeSet::new(),
            pending: VecDeque::new(),
            stats,
        }
    }

    /// Hands one event to the core under the policy above, without waiting. Returns the
    /// markets a book update left crossed or impossible (to be resynced now).
    pub fn push(&mut self, inb: Inbound) -> Result<Vec<(MarketId, Verdict)>, Closed> {
        self.flush()?;
        match &inb.event {
            Event::BookSnapshot(_) | Event::BookDelta(_) | Event::BookBatch(_) => {
                let (touched, bad) = self.mirror.apply(inb.ts, &inb.event, Instant::now());
                for (_, v) in &bad {
                    self.count(|s| match v {
                        Verdict::Crossed => s.crossed_books += 1,
                        Verdict::Impossible => s.impossible_books += 1,
                    });
                }
                let blocked =
                    !self.pending.is_empty() || touched.iter().any(|m| self.dirty.contains(m));
                if blocked {
                    self.coalesce(&touched);
                } else {
                    match self.tx.try_send(inb) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => self.coalesce(&touched),
                        Err(TrySendError::Disconnected(_)) => return Err(Closed),
                    }
                }
                Ok(bad)
            }
            Event::Trade(_) => {
                let sent = if self.pending.is_empty() {
                    match self.tx.try_send(inb) {
                        Ok(()) => true,
                        Err(TrySendError::Full(_)) => false,
                        Err(TrySendError::Disconnected(_)) => return Err(Closed),
                    }
                } else {
                    false
                };
                if !sent {
                    self.count(|s| s.dropped_trades += 1);
                }
                Ok(Vec::new())
            }
            _ => {
                if self.pending.is_empty() && self.dirty.is_empty() {
                    match self.tx.try_send(inb) {
                        Ok(()) => {}
                        Err(TrySendError::Full(inb)) => self.pending.push_back(inb),
                        Err(TrySendError::Disconnected(_)) => return Err(Closed),
                    }
                } else {
                    // The books coalesced so far describe the time before this event:
                    // they go first.
                    while let Some(m) = self.dirty.pop_first() {
                        if let Some((ts, s)) = self.mirror.snapshot(m) {
                            self.pending.push_back(Inbound {
                                ts,
                                event: Event::BookSnapshot(s),
                            });
                        }
                    }
                    self.pending.push_back(inb);
                }
                Ok(Vec::new())
            }
        }
    }

    /// Sends what is owed (waiting items, then a snapshot per dirty market) while there
    /// is room. Called before every push and whenever the stream is quiet.
    pub fn flush(&mut self) -> Result<(), Closed> {
        while let Some(inb) = self.pending.pop_front() {
            match self.tx.try_send(inb) {
                Ok(()) => {}
                Err(TrySendError::Full(inb)) => {
                    self.pending.push_front(inb);
                    return Ok(());
                }
                Err(TrySendError::Disconnected(_)) => return Err(Closed),
            }
        }
        while !self.tx.is_full() {
            let Some(m) = self.dirty.pop_first() else {
                break;
            };
            let Some((ts, s)) = self.mirror.snapshot(m) else {
                continue;
            };
            let event = Event::BookSnapshot(s);
            match self.tx.try_send(Inbound { ts, event }) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    self.dirty.insert(m);
                    break;
                }
                Err(TrySendError::Disconnected(_)) => return Err(Closed),
            }
        }
        Ok(())
    }

    /// Items owed to the core: waiting ones and dirty markets.
    pub fn backlog(&self) -> usize {
        self.pending.len() + self.dirty.len()
    }

    fn coalesce(&mut self, markets: &[MarketId]) {
        self.dirty.extend(markets.iter().copied());
        self.count(|s| s.coalesced += 1);
    }

    fn count(&self, f: impl FnOnce(&mut super::watchdog::FeedStats)) {
        super::watchdog::count(&self.stats, f);
    }
}

/// What the core reads: execution and control first, then each venue's market data in
/// turn.
pub struct Inbox {
    control: Receiver<Inbound>,
    market: Vec<Receiver<Inbound>>,
    control_open: bool,
    market_open: Vec<bool>,
    next: usize,
}

impl Inbox {
    pub fn new(control: Receiver<Inbound>, market: Vec<Receiver<Inbound>>) -> Inbox {
        let market_open = vec![true; market.len()];
        Inbox {
            control,
            market,
            control_open: true,
            market_open,
            next: 0,
        }
    }

    /// The next event, waiting up to `wait`; `Disconnected` once every sender is gone.
    pub fn recv_timeout(&mut self, wait: Duration) -> Result<Inbound, RecvTimeoutError> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(inb) = self.try_next() {
                return Ok(inb);
            }
            if !self.control_open && !self.market_open.contains(&true) {
                return Err(RecvTimeoutError::Disconnected);
            }
            let mut select = Select::new();
            if self.control_open {
                select.recv(&self.control);
            }
            for (r, _) in self.market.iter().zip(&self.market_open).filter(|x| *x.1) {
                select.recv(r);
            }
            if select.ready_deadline(deadline).is_err() {
                return Err(RecvTimeoutError::Timeout);
            }
        }
    }

    fn try_next(&mut self) -> Option<Inbound> {
        if self.control_open {
            match self.control.try_recv() {
                Ok(inb) => return Some(inb),
                Err(TryRecvError::Disconnected) => self.control_open = false,
                Err(TryRecvError::Empty) => {}
            }
        }
        let n = self.market.len();
        for k in 0..n {
            let i = (self.next + k) % n;
            if !self.market_open[i] {
                continue;
            }
            match self.market[i].try_recv() {
                Ok(inb) => {
                    self.next = i + 1;
                    return Some(inb);
                }
                Err(TryRecvError::Disconnected) => self.market_open[i] = false,
                Err(TryRecvError::Empty) => {}
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
