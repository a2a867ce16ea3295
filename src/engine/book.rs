//! A fixed-array order book of one market's YES outcome: one slot per $0.0001 price
//! step, and a bitmap per side so the best level after a removal is found by word
//! scans rather than a walk over empty prices.

use crate::core::{Price, Qty};
use crate::event::{BookSide, Level};

pub const LEVELS: usize = Price::SCALE as usize + 1;
const WORDS: usize = LEVELS.div_ceil(64);

/// Why a book update was refused. The book is unchanged when one is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookError {
    PriceOutOfRange(Price),
    /// The update would leave a negative quantity at this price.
    NegativeQuantity(Price),
}

#[derive(Clone)]
struct Ladder {
    qty: Box<[i64]>,
    bits: Box<[u64]>,
    best: Option<u16>,
    /// Bids: best is the highest price. Asks: the lowest.
    descending: bool,
}

impl Ladder {
    fn new(descending: bool) -> Ladder {
        Ladder {
            qty: vec![0; LEVELS].into_boxed_slice(),
            bits: vec![0; WORDS].into_boxed_slice(),
            best: None,
            descending,
        }
    }

    fn get(&self, p: u16) -> i64 {
        self.qty[usize::from(p)]
    }

    fn set(&mut self, p: u16, q: i64) {
        let i = usize::from(p);
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

    fn highest_at_or_below(&self, i: usize) -> Option<u16> {
        let mut w = i / 64;
        let mut word = self.bits[w] & (u64::MAX >> (63 - i % 64));
        loop {
            if word != 0 {
                return Some((w * 64 + 63 - word.leading_zeros() as usize) as u16);
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            word = self.bits[w];
        }
    }

    fn lowest_at_or_above(&self, i: usize) -> Option<u16> {
        let mut w = i / 64;
        let mut word = self.bits[w] & (u64::MAX << (i % 64));
        loop {
            if word != 0 {
                return Some((w * 64 + word.trailing_zeros() as usize) as u16);
            }
            w += 1;
            if w == WORDS {
                return None;
            }
            word = self.bits[w];
        }
    }

    fn clear(&mut self) {
        let mut next = self.best;
        while let Some(p) = next {
            self.qty[usize::from(p)] = 0;
            let i = usize::from(p);
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
            let i = usize::from(p);
            next = if self.descending {
                if i == 0 {
                    None
                } else {
                    self.highest_at_or_below(i - 1)
                }
            } else if i + 1 >= LEVELS {
                None
            } else {
                self.lowest_at_or_above(i + 1)
            };
            Some(Level {
                price: Price(p),
                qty: Qty(self.qty[i]),
            })
        })
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
    pub fn new() -> Book {
        Book {
            bids: Ladder::new(true),
            asks: Ladder::new(false),
        }
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

    /// The naive reference: a BTreeMap per side.
    #[derive(Default)]
    struct NaiveBook {
        bids: BTreeMap<u16, i64>,
        asks: BTreeMap<u16, i64>,
    }

    proptest! {
        #[test]
        fn matches_naive_reference(ops in proptest::collection::vec((any::<bool>(), 0u16..=10_000, -50i64..50, any::<bool>()), 1..400)) {
            let mut fast = Book::new();
            let mut naive = NaiveBook::default();
            for (bid, p, q, absolute) in ops {
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
