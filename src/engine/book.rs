//! An order book of one market's YES outcome: per side, one slot per price step (the
//! market's tick, or a finer step once a price off it arrives), allocated on the first
//! level, and a bitmap so the best level after a removal is found by word scans rather
//! than a walk over empty prices. A cent-tick market costs about 1.7 KB of slots, a
//! market never quoted nothing.

use crate::core::{Price, Qty};
use crate::event::{BookSide, Level};

/// Prices a book takes: 0 to $1 in $0.0001 steps.
pub const LEVELS: usize = Price::SCALE as usize + 1;

/// Why a book update was refused. The book is unchanged when one is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookError {
    PriceOutOfRange(Price),
    /// The update would leave a negative quantity at this price.
    NegativeQuantity(Price),
}

fn gcd(mut a: u16, mut b: u16) -> u16 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn reciprocal(step: u16) -> u64 {
    (1u64 << 32) / u64::from(step) + 1
}

#[derive(Clone)]
struct Ladder {
    /// Price units between two slots (at least 1).
    step: u16,
    /// `2^32 / step + 1`: a price's slot is `p * recip >> 32`, exact for every u16
    /// price, without a division on the hot path.
    recip: u64,
    /// Quantity per slot (slot `i` is price `i * step`); empty until a level is set.
    qty: Vec<i64>,
    bits: Vec<u64>,
    /// The best price (not slot).
    best: Option<u16>,
    /// Bids: best is the highest price. Asks: the lowest.
    descending: bool,
}

impl Ladder {
    fn new(descending: bool, step: u16) -> Ladder {
        let step = step.max(1);
        Ladder {
            step,
            recip: reciprocal(step),
            qty: Vec::new(),
            bits: Vec::new(),
            best: None,
            descending,
        }
    }

    /// The slot of price `p`, if `p` is on the step.
    #[inline]
    fn slot(&self, p: u16) -> Option<usize> {
        let slot = (u64::from(p) * self.recip) >> 32;
        (slot * u64::from(self.step) == u64::from(p)).then_some(slot as usize)
    }

    fn get(&self, p: u16) -> i64 {
        self.slot(p)
            .and_then(|i| self.qty.get(i))
            .copied()
            .unwrap_or(0)
    }

    fn set(&mut self, p: u16, q: i64) {
        let i = match self.slot(p) {
            Some(i) => i,
            // Nothing rests off the step: removing it changes nothing.
            None if q == 0 => return,
            None => {
                self.regrid(gcd(self.step, p));
                usize::from(p / self.step) // on the new step
            }
        };
        if self.qty.is_empty() {
            if q == 0 {
                return;
            }
            let slots = Price::SCALE as usize / usize::from(self.step) + 1;
            self.qty = vec![0; slots];
            self.bits = vec![0; slots.div_ceil(64)];
        }
        let was = self.qty[i];
        self.qty[i] = q;
        let (w, b) = (i / 64, i % 64);
        if q > 0 {
            self.bits[w] |= 1 << b;
            let better = match self.best {
                None => true,
                Some(best) => (self.descending && p > best) || (!self.descending && p < best),
            };
            if better {
                self.best = Some(p);
            }
        } else {
            self.bits[w] &= !(1 << b);
            if was > 0 && self.best == Some(p) {
                self.best = if self.descending {
                    self.highest_at_or_below(i)
                } else {
                    self.lowest_at_or_above(i)
                };
            }
        }
    }

    /// Moves the levels onto a finer step that divides the old one.
    fn regrid(&mut self, step: u16) {
        let levels: Vec<Level> = self.iter().collect();
        self.step = step.max(1);
        self.recip = reciprocal(self.step);
        self.qty = Vec::new();
        self.bits = Vec::new();
        self.best = None;
        for l in levels {
            self.set(l.price.0, l.qty.0);
        }
    }

    /// The highest price with a level at or below slot `i`.
    fn highest_at_or_below(&self, i: usize) -> Option<u16> {
        let mut w = i / 64;
        let mut word = self.bits[w] & (u64::MAX >> (63 - i % 64));
        loop {
            if word != 0 {
                return Some(self.price(w * 64 + 63 - word.leading_zeros() as usize));
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            word = self.bits[w];
        }
    }

    /// The lowest price with a level at or above slot `i`.
    fn lowest_at_or_above(&self, i: usize) -> Option<u16> {
        let mut w = i / 64;
        if w >= self.bits.len() {
            return None;
        }
        let mut word = self.bits[w] & (u64::MAX << (i % 64));
        loop {
            if word != 0 {
                return Some(self.price(w * 64 + word.trailing_zeros() as usize));
            }
            w += 1;
            if w == self.bits.len() {
                return None;
            }
            word = self.bits[w];
        }
    }

    fn price(&self, slot: usize) -> u16 {
        slot as u16 * self.step
    }

    fn clear(&mut self) {
        let mut next = self.best;
        while let Some(p) = next {
            let i = self.slot(p).unwrap_or(0); // the best is on the step
            self.qty[i] = 0;
            self.bits[i / 64] &= !(1 << (i % 64));
            next = if self.descending {
                self.highest_at_or_below(i)
            } else {
                self.lowest_at_or_above(i)
            };
        }
        self.best = None;
    }

    /// Non-empty levels, best first.
    fn iter(&self) -> impl Iterator<Item = Level> + '_ {
        let mut next = self.best;
        std::iter::from_fn(move || {
            let p = next?;
            let i = self.slot(p)?; // every level is on the step
            next = if self.descending {
                if i == 0 {
                    None
                } else {
                    self.highest_at_or_below(i - 1)
                }
            } else {
                self.lowest_at_or_above(i + 1)
            };
            Some(Level {
                price: Price(p),
                qty: Qty(self.qty[i]),
            })
        })
    }

    /// Bytes the ladder holds on the heap.
    fn heap_bytes(&self) -> usize {
        self.qty.capacity() * 8 + self.bits.capacity() * 8
    }
}

/// The YES book of one market.
#[derive(Clone)]
pub struct Book {
    bids: Ladder,
    asks: Ladder,
}

impl Default for Book {
    fn default() -> Self {
        Book::new()
    }
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("bids", &self.levels(BookSide::Bid).collect::<Vec<_>>())
            .field("asks", &self.levels(BookSide::Ask).collect::<Vec<_>>())
            .finish()
    }
}

fn check_price(price: Price) -> Result<u16, BookError> {
    if usize::from(price.0) < LEVELS {
        Ok(price.0)
    } else {
        Err(BookError::PriceOutOfRange(price))
    }
}

impl Book {
    /// A book on the finest step ($0.0001): it takes any price.
    pub fn new() -> Book {
        Book::with_tick(Price(1))
    }

    /// A book whose slots are `tick` apart (a market's tick); a price off the tick
    /// still lands, on a finer step.
    pub fn with_tick(tick: Price) -> Book {
        Book {
            bids: Ladder::new(true, tick.0),
            asks: Ladder::new(false, tick.0),
        }
    }

    /// Bytes the book holds on the heap (its slots and bitmaps).
    pub fn heap_bytes(&self) -> usize {
        self.bids.heap_bytes() + self.asks.heap_bytes()
    }

    fn ladder(&mut self, side: BookSide) -> &mut Ladder {
        match side {
            BookSide::Bid => &mut self.bids,
            BookSide::Ask => &mut self.asks,
        }
    }

    /// Sets a level's total quantity (zero removes it).
    pub fn set(&mut self, side: BookSide, price: Price, qty: Qty) -> Result<(), BookError> {
        let p = check_price(price)?;
        if qty.0 < 0 {
            return Err(BookError::NegativeQuantity(price));
        }
        self.ladder(side).set(p, qty.0);
        Ok(())
    }

    /// Adds a signed quantity to a level.
    pub fn add(&mut self, side: BookSide, price: Price, delta: Qty) -> Result<(), BookError> {
        let p = check_price(price)?;
        let ladder = self.ladder(side);
        let new = ladder
            .get(p)
            .checked_add(delta.0)
            .ok_or(BookError::NegativeQuantity(price))?;
        if new < 0 {
            return Err(BookError::NegativeQuantity(price));
        }
        ladder.set(p, new);
        Ok(())
    }

    /// Replaces the whole book. Validates every level first, so a bad snapshot leaves
    /// the old book in place.
    pub fn replace(&mut self, bids: &[Level], asks: &[Level]) -> Result<(), BookError> {
        for l in bids.iter().chain(asks) {
            check_price(l.price)?;
            if l.qty.0 < 0 {
                return Err(BookError::NegativeQuantity(l.price));
            }
        }
        self.bids.clear();
        self.asks.clear();
        for l in bids {
            let q = self.bids.get(l.price.0) + l.qty.0;
            self.bids.set(l.price.0, q);
        }
        for l in asks {
            let q = self.asks.get(l.price.0) + l.qty.0;
            self.asks.set(l.price.0, q);
        }
        Ok(())
    }

    pub fn best_bid(&self) -> Option<Level> {
        self.bids.best.map(|p| Level {
            price: Price(p),
            qty: Qty(self.bids.get(p)),
        })
    }

    pub fn best_ask(&self) -> Option<Level> {
        self.asks.best.map(|p| Level {
            price: Price(p),
            qty: Qty(self.asks.get(p)),
        })
    }

    pub fn qty_at(&self, side: BookSide, price: Price) -> Qty {
        match check_price(price) {
            Ok(p) => Qty(match side {
                BookSide::Bid => self.bids.get(p),
                BookSide::Ask => self.asks.get(p),
            }),
            Err(_) => Qty::ZERO,
        }
    }

    /// True when the best bid is at or above the best ask: data no venue should show.
    pub fn is_crossed(&self) -> bool {
        matches!((self.bids.best, self.asks.best), (Some(b), Some(a)) if b >= a)
    }

    /// Non-empty levels of a side, best first.
    pub fn levels(&self, side: BookSide) -> impl Iterator<Item = Level> + '_ {
        match side {
            BookSide::Bid => self.bids.iter(),
            BookSide::Ask => self.asks.iter(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn lvl(p: u16, q: i64) -> Level {
        Level {
            price: Price(p),
            qty: Qty(q),
        }
    }

    #[test]
    fn best_levels_follow_removals() {
        let mut b = Book::new();
        b.set(BookSide::Bid, Price(4000), Qty(5)).unwrap();
        b.set(BookSide::Bid, Price(4100), Qty(7)).unwrap();
        b.set(BookSide::Ask, Price(4300), Qty(2)).unwrap();
        b.set(BookSide::Ask, Price(9999), Qty(1)).unwrap();
        assert_eq!(b.best_bid(), Some(lvl(4100, 7)));
        assert_eq!(b.best_ask(), Some(lvl(4300, 2)));
        b.add(BookSide::Bid, Price(4100), Qty(-7)).unwrap();
        b.set(BookSide::Ask, Price(4300), Qty(0)).unwrap();
        assert_eq!(b.best_bid(), Some(lvl(4000, 5)));
        assert_eq!(b.best_ask(), Some(lvl(9999, 1)));
        assert!(!b.is_crossed());
        b.set(BookSide::Bid, Price(10_000), Qty(1)).unwrap();
        assert!(b.is_crossed());
    }

    #[test]
    fn refused_updates_leave_the_book_alone() {
        let mut b = Book::new();
        b.set(BookSide::Bid, Price(100), Qty(3)).unwrap();
        assert_eq!(
            b.add(BookSide::Bid, Price(100), Qty(-4)),
            Err(BookError::NegativeQuantity(Price(100)))
        );
        assert_eq!(
            b.set(BookSide::Ask, Price(10_001), Qty(1)),
            Err(BookError::PriceOutOfRange(Price(10_001)))
        );
        assert_eq!(
            b.replace(&[lvl(50, 1)], &[lvl(20_000, 1)]),
            Err(BookError::PriceOutOfRange(Price(20_000)))
        );
        assert_eq!(b.best_bid(), Some(lvl(100, 3)));
        assert_eq!(b.best_ask(), None);
    }

    #[test]
    fn a_price_off_the_tick_refines_the_step_and_keeps_every_level() {
        let mut b = Book::with_tick(Price(100));
        assert_eq!(b.heap_bytes(), 0, "nothing until the first level");
        b.set(BookSide::Bid, Price(4000), Qty(5)).unwrap();
        b.set(BookSide::Ask, Price(4300), Qty(2)).unwrap();
        let cent = b.heap_bytes();
        assert!(cent < 2_000, "a cent book is small: {cent} bytes");
        // A deci-cent level: the bids move onto a $0.001 step.
        b.set(BookSide::Bid, Price(4010), Qty(3)).unwrap();
        assert_eq!(b.best_bid(), Some(lvl(4010, 3)));
        assert_eq!(
            b.levels(BookSide::Bid).collect::<Vec<_>>(),
            vec![lvl(4010, 3), lvl(4000, 5)]
        );
        assert_eq!(b.qty_at(BookSide::Bid, Price(4005)), Qty::ZERO);
        // Removing a price no level can be at is nothing.
        b.set(BookSide::Ask, Price(4301), Qty(0)).unwrap();
        assert_eq!(b.best_ask(), Some(lvl(4300, 2)));
        assert!(b.heap_bytes() > cent);
    }

    #[test]
    fn a_slot_is_the_exact_quotient_for_every_price_and_step() {
        for step in 1..=256u16 {
            let l = Ladder::new(false, step);
            for p in 0..=u16::MAX {
                let want = (p % step == 0).then_some(usize::from(p / step));
                assert_eq!(l.slot(p), want, "{p} / {step}");
            }
        }
    }

    /// The naive reference: a BTreeMap per side.
    #[derive(Default)]
    struct NaiveBook {
        bids: BTreeMap<u16, i64>,
        asks: BTreeMap<u16, i64>,
    }

    proptest! {
        #[test]
        fn matches_naive_reference(
            tick in prop_oneof![Just(1u16), Just(10), Just(100), Just(3)],
            on_tick in 0u8..4,
            ops in proptest::collection::vec((any::<bool>(), 0u16..=10_000, -50i64..50, any::<bool>()), 1..400),
        ) {
            // Prices mostly on the tick (as a venue sends them), some off it.
            let mut fast = Book::with_tick(Price(tick));
            let mut naive = NaiveBook::default();
            for (k, (bid, p, q, absolute)) in ops.into_iter().enumerate() {
                let p = if (k as u8) % 4 < on_tick { p - p % tick } else { p };
                let side = if bid { BookSide::Bid } else { BookSide::Ask };
                let map = if bid { &mut naive.bids } else { &mut naive.asks };
                let old = map.get(&p).copied().unwrap_or(0);
                let new = if absolute { q } else { old + q };
                let res = if absolute { fast.set(side, Price(p), Qty(q)) } else { fast.add(side, Price(p), Qty(q)) };
                if new < 0 {
                    prop_assert!(res.is_err());
                } else {
                    prop_assert!(res.is_ok());
                    if new == 0 { map.remove(&p); } else { map.insert(p, new); }
                }
                let want_bids: Vec<Level> = naive.bids.iter().rev().map(|(&p, &q)| lvl(p, q)).collect();
                let want_asks: Vec<Level> = naive.asks.iter().map(|(&p, &q)| lvl(p, q)).collect();
                prop_assert_eq!(fast.best_bid(), want_bids.first().copied());
                prop_assert_eq!(fast.best_ask(), want_asks.first().copied());
                prop_assert_eq!(fast.levels(BookSide::Bid).collect::<Vec<_>>(), want_bids);
                prop_assert_eq!(fast.levels(BookSide::Ask).collect::<Vec<_>>(), want_asks);
            }
        }
    }
}
