//! The ingress's own copy of each market's book (the YES book, as the events describe
//! it): what a coalesced snapshot is made from when the core falls behind, and where a
//! crossed or impossible book is caught the moment a frame makes it so.
//!
//! Updates apply as the reducer applies them (`engine::markets`): a snapshot replaces
//! the book (levels at one price add up), a delta adds to or sets a level, and an update
//! the reducer would refuse (a price past 1, a negative quantity) leaves the book as it
//! was. Judged after every update: *crossed* is a best bid at or above the best ask on
//! the same book (the engine's `Book::is_crossed`; a Kalshi NO bid at q is a YES ask at
//! 1 − q, so a YES bid plus a NO bid of $1 or more is crossed), *impossible* is an
//! update the reducer refuses or a level of positive size at a price of 0 or 1.

use crate::core::{MarketId, Price, Qty};
use crate::event::{BookDelta, BookSide, BookSnapshot, Event, Level, LevelChange};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A bad book is reported again (another resync asked for) at most this often.
pub const REPORT_AGAIN_AFTER: Duration = Duration::from_secs(1);

/// A price of 1 (the top of the fixed-point range).
const ONE: u16 = Price::SCALE as u16;

/// What is wrong with a book after an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Crossed,
    Impossible,
}

#[derive(Clone, Debug, Default)]
struct MirrorBook {
    bids: BTreeMap<u16, i64>,
    asks: BTreeMap<u16, i64>,
    /// The venue sequence number of the last update applied.
    venue_seq: u64,
    /// The receive time of the last update applied.
    ts: i64,
}

impl MirrorBook {
    fn side(&mut self, side: BookSide) -> &mut BTreeMap<u16, i64> {
        match side {
            BookSide::Bid => &mut self.bids,
            BookSide::Ask => &mut self.asks,
        }
    }

    fn replace(&mut self, s: &BookSnapshot) -> bool {
        let ok = |l: &Level| l.price.0 <= ONE && l.qty.0 >= 0;
        if !s.bids.iter().chain(&s.asks).all(ok) {
            return false;
        }
        self.bids.clear();
        self.asks.clear();
        for (levels, side) in [(&s.bids, BookSide::Bid), (&s.asks, BookSide::Ask)] {
            for l in levels.iter().filter(|l| l.qty.0 > 0) {
                *self.side(side).entry(l.price.0).or_insert(0) += l.qty.0;
            }
        }
        self.venue_seq = s.venue_seq;
        true
    }

    fn delta(&mut self, d: &BookDelta) -> bool {
        if d.price.0 > ONE {
            return false;
        }
        let ladder = self.side(d.side);
        let now = ladder.get(&d.price.0).copied().unwrap_or(0);
        let new = match d.change {
            LevelChange::Add(q) => now.checked_add(q.0),
            LevelChange::Set(q) => Some(q.0),
        };
        match new {
            Some(q) if q > 0 => {
                ladder.insert(d.price.0, q);
            }
            Some(0) => {
                ladder.remove(&d.price.0);
            }
            _ => return false,
        }
        if d.venue_seq != 0 {
            self.venue_seq = d.venue_seq;
        }
        true
    }

    fn verdict(&self) -> Option<Verdict> {
        let edge = |p: &u16| *p == 0 || *p >= ONE;
        if self.bids.keys().chain(self.asks.keys()).any(edge) {
            return Some(Verdict::Impossible);
        }
        match (self.bids.keys().next_back(), self.asks.keys().next()) {
            (Some(b), Some(a)) if b >= a => Some(Verdict::Crossed),
            _ => None,
        }
    }

    fn levels(map: &BTreeMap<u16, i64>, best_first_desc: bool) -> Vec<Level> {
        let level = |(&p, &q): (&u16, &i64)| Level {
            price: Price(p),
            qty: Qty(q),
        };
        if best_first_desc {
            map.iter().rev().map(level).collect()
        } else {
            map.iter().map(level).collect()
        }
    }
}

/// Every market's mirrored book, and which ones were last reported bad (and when).
#[derive(Debug, Default)]
pub struct Mirror {
    books: BTreeMap<MarketId, MirrorBook>,
    reported: BTreeMap<MarketId, Instant>,
}

impl Mirror {
    /// Applies a book event (snapshot, delta, batch; anything else is ignored) received
    /// at `ts`. Returns the markets it touched, and those it left bad that are to be
    /// reported now (first time bad, or still bad `REPORT_AGAIN_AFTER` later).
    pub fn apply(
        &mut self,
        ts: i64,
        event: &Event,
        now: Instant,
    ) -> (Vec<MarketId>, Vec<(MarketId, Verdict)>) {
        let mut touched: Vec<(MarketId, bool)> = Vec::new();
        let mut delta = |d: &BookDelta, touched: &mut Vec<(MarketId, bool)>| {
            let ok = self.books.entry(d.market).or_default().delta(d);
            touched.push((d.market, ok));
        };
        match event {
            Event::BookSnapshot(s) => {
                let ok = self.books.entry(s.market).or_default().replace(s);
                touched.push((s.market, ok));
            }
            Event::BookDelta(d) => delta(d, &mut touched),
            Event::BookBatch(b) => {
                for d in &b.deltas {
                    delta(d, &mut touched);
                }
            }
            _ => {}
        }
        let mut markets: Vec<MarketId> = touched.iter().map(|t| t.0).collect();
        markets.sort_unstable();
        markets.dedup();
        let mut bad = Vec::new();
        for &m in &markets {
            let refused = touched.iter().any(|&(t, ok)| t == m && !ok);
            let Some(book) = self.books.get_mut(&m) else {
                continue;
            };
            book.ts = ts;
            let verdict = if refused {
                Some(Verdict::Impossible)
            } else {
                book.verdict()
            };
            match verdict {
                None => {
                    self.reported.remove(&m);
                }
                Some(v) => {
                    let due = self
                        .reported
                        .get(&m)
                        .is_none_or(|&at| now.duration_since(at) >= REPORT_AGAIN_AFTER);
                    if due {
                        self.reported.insert(m, now);
                        bad.push((m, v));
                    }
                }
            }
        }
        (markets, bad)
    }

    /// The market's mirrored book as a snapshot event, with the receive time of the
    /// last update folded into it.
    pub fn snapshot(&self, market: MarketId) -> Option<(i64, BookSnapshot)> {
        let b = self.books.get(&market)?;
        Some((
            b.ts,
            BookSnapshot {
                market,
                venue_seq: b.venue_seq,
                bids: MirrorBook::levels(&b.bids, true),
                asks: MirrorBook::levels(&b.asks, false),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::book::Book;

    fn lvl(p: u16, q: i64) -> Level {
        Level {
            price: Price(p),
            qty: Qty(q),
        }
    }

    fn delta(side: BookSide, p: u16, change: LevelChange, seq: u64) -> Event {
        Event::BookDelta(BookDelta {
            market: MarketId(3),
            venue_seq: seq,
            side,
            price: Price(p),
            change,
        })
    }

    #[test]
    fn crossed_and_impossible_books_are_reported_once_a_second_and_cleared_by_a_sane_one() {
        let t0 = Instant::now();
        let mut m = Mirror::default();
        let snap = Event::BookSnapshot(BookSnapshot {
            market: MarketId(3),
            venue_seq: 1,
            bids: vec![lvl(4000, 10)],
            asks: vec![lvl(4200, 10)],
        });
        assert_eq!(m.apply(1, &snap, t0).1, vec![]);
        // A YES bid at the best ask: locked, which counts as crossed.
        let cross = delta(BookSide::Bid, 4200, LevelChange::Add(Qty(5)), 2);
        assert_eq!(
            m.apply(2, &cross, t0).1,
            vec![(MarketId(3), Verdict::Crossed)]
        );
        let more = delta(BookSide::Bid, 4300, LevelChange::Add(Qty(5)), 3);
        assert_eq!(m.apply(3, &more, t0).1, vec![], "reported already");
        let later = t0 + REPORT_AGAIN_AFTER;
        let still = delta(BookSide::Bid, 4300, LevelChange::Add(Qty(1)), 4);
        assert_eq!(
            m.apply(4, &still, later).1.len(),
            1,
            "still bad a second on"
        );
        assert_eq!(m.apply(5, &snap, later).1, vec![], "the resync is sane");
        // An update the reducer would refuse leaves the book as it was.
        let negative = delta(BookSide::Ask, 4200, LevelChange::Add(Qty(-11)), 6);
        assert_eq!(
            m.apply(6, &negative, later).1,
            vec![(MarketId(3), Verdict::Impossible)]
        );
        assert_eq!(m.snapshot(MarketId(3)).unwrap().1.asks, vec![lvl(4200, 10)]);
        let at_one = delta(BookSide::Ask, 10_000, LevelChange::Set(Qty(1)), 7);
        m.apply(7, &snap, later + REPORT_AGAIN_AFTER);
        assert_eq!(
            m.apply(8, &at_one, later + REPORT_AGAIN_AFTER).1,
            vec![(MarketId(3), Verdict::Impossible)],
            "a level at a price of 1"
        );
    }

    #[test]
    fn the_mirror_ends_with_the_reducers_book() {
        // A small walk of updates; the engine's own book is the reference.
        let mut m = Mirror::default();
        let mut book = Book::new();
        let mut x: u64 = 7;
        let t0 = Instant::now();
        for i in 0..2_000u64 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let side = if x >> 63 == 0 {
                BookSide::Bid
            } else {
                BookSide::Ask
            };
            let p = 100 * ((x >> 20) % 99 + 1) as u16;
            let q = ((x >> 40) % 7) as i64 - 2;
            let change = if i % 3 == 0 {
                LevelChange::Set(Qty(q))
            } else {
                LevelChange::Add(Qty(q))
            };
            let _ = match change {
                LevelChange::Add(q) => book.add(side, Price(p), q),
                LevelChange::Set(q) => book.set(side, Price(p), q),
            };
            m.apply(i as i64, &delta(side, p, change, i + 1), t0);
            let (_, s) = m.snapshot(MarketId(3)).unwrap();
            assert_eq!(s.bids, book.levels(BookSide::Bid).collect::<Vec<_>>());
            assert_eq!(s.asks, book.levels(BookSide::Ask).collect::<Vec<_>>());
        }
    }
}
