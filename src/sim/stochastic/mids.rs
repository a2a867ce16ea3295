//! Mid prices of the recorded books over event time, built once from the recorded
//! market data and shared by every Monte Carlo path: the venue's adverse-selection
//! look-ahead and the settlement draw (from each market's last mid) read it.

use crate::core::{MarketId, Outcome, Price};
use crate::engine::book::Book;
use crate::event::{Event, LevelChange, NoLeg};

#[derive(Clone, Debug, Default)]
pub struct MidSeries {
    /// Per market: (event time, YES mid in 1e-4 $) at each change of the mid.
    series: Vec<Vec<(i64, u16)>>,
    /// Per market: how its NO outcome trades (for the price of a bought outcome).
    no_leg: Vec<NoLeg>,
}

fn mid(book: &Book) -> Option<u16> {
    let (b, a) = (book.best_bid()?, book.best_ask()?);
    (b.price < a.price).then(|| ((u32::from(b.price.0) + u32::from(a.price.0)) / 2) as u16)
}

impl MidSeries {
    /// Follows the books of `events` (recorded market data, in order).
    pub fn build<'e>(events: impl IntoIterator<Item = (i64, &'e Event)>) -> MidSeries {
        let mut s = MidSeries::default();
        let mut books: Vec<Book> = Vec::new();
        let mut touched: Vec<MarketId> = Vec::with_capacity(4);
        for (ts, ev) in events {
            touched.clear();
            match ev {
                Event::MarketDefined(m) => {
                    let i = m.id.index();
                    if i >= books.len() {
                        books.resize_with(i + 1, Book::new);
                        s.series.resize_with(i + 1, Vec::new);
                        s.no_leg.resize(i + 1, NoLeg::Unknown);
                    }
                    s.no_leg[i] = m.no_leg;
                }
                Event::BookSnapshot(b) => {
                    if let Some(book) = books.get_mut(b.market.index()) {
                        let _ = book.replace(&b.bids, &b.asks);
                        touched.push(b.market);
                    }
                }
                Event::BookDelta(d) => {
                    Self::apply(&mut books, d);
                    touched.push(d.market);
                }
                Event::BookBatch(b) => {
                    for d in &b.deltas {
                        Self::apply(&mut books, d);
                        touched.push(d.market);
                    }
                }
                _ => {}
            }
            for m in &touched {
                let Some(book) = books.get(m.index()) else {
                    continue;
                };
                if let Some(p) = mid(book) {
                    let series = &mut s.series[m.index()];
                    if series.last().is_none_or(|l| l.1 != p) {
                        series.push((ts, p));
                    }
                }
            }
        }
        s
    }

    fn apply(books: &mut [Book], d: &crate::event::BookDelta) {
        if let Some(book) = books.get_mut(d.market.index()) {
            let _ = match d.change {
                LevelChange::Add(q) => book.add(d.side, d.price, q),
                LevelChange::Set(q) => book.set(d.side, d.price, q),
            };
        }
    }

    /// The YES mid of `market` in force at `ts` (the last change at or before it).
    pub fn yes_mid(&self, market: MarketId, ts: i64) -> Option<u16> {
        let s = self.series.get(market.index())?;
        let i = s.partition_point(|e| e.0 <= ts);
        (i > 0).then(|| s[i - 1].1)
    }

    /// The last recorded YES mid of `market`.
    pub fn final_mid(&self, market: MarketId) -> Option<Price> {
        self.series.get(market.index())?.last().map(|e| Price(e.1))
    }

    /// The mid price of buying `outcome` of `market` at `ts` (a same-book NO is the
    /// complement of the YES mid; a complement token has its own book).
    pub fn outcome_price(&self, market: MarketId, outcome: Outcome, ts: i64) -> Option<u16> {
        let m = self.yes_mid(market, ts)?;
        match outcome {
            Outcome::Yes => Some(m),
            Outcome::No => (self.no_leg.get(market.index()) == Some(&NoLeg::SameBook))
                .then(|| Price(m).complement().0),
        }
    }

    /// Number of markets followed.
    pub fn markets(&self) -> usize {
        self.series.len()
    }
}
