//! The reducer's market registry: metadata, books and the pair rules that link them.

use super::book::{Book, BookError};
use crate::core::MarketId;
use crate::core::Venue;
use crate::event::{
    BookDelta, BookSnapshot, InputError, LevelChange, MarketMeta, NoLeg, PairRule, Watch,
};

/// Everything the reducer knows about one market.
#[derive(Clone, Debug)]
pub struct MarketState {
    pub meta: MarketMeta,
    pub book: Book,
    pub last_venue_seq: u64,
    /// Set by a feed gap or disconnect; cleared by the next snapshot. Lanes skip it.
    pub suspect: bool,
    pub updated_ts: i64,
    /// Pairs (indexes into `Markets::pairs`) whose evaluation this market's book affects.
    pub pairs: Vec<u32>,
    /// Orders not yet terminal on this market.
    pub open_orders: u32,
    /// How it is watched (snapshot version 9; `Watch::LEGACY` until a `MarketWatch`).
    pub watch: Watch,
}

#[derive(Clone, Debug, Default)]
pub struct Markets {
    pub list: Vec<MarketState>,
    pub pairs: Vec<PairRule>,
    /// Who vouches for a book's age (snapshot version 8).
    pub vouch: Vouch,
}

/// A quiet book on a healthy stream is current (`StreamVouches`): each connection of a
/// venue's stream vouches for every book streamed on it at each sign of life, until a
/// drop, gap or silence.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vouch {
    /// From `StreamVouches` (false in a journal without one).
    pub enabled: bool,
    /// Per venue, per connection: event time of the connection's last sign of life (a
    /// book change, an `Alive` mark) since its last drop, gap or silence; 0: none since.
    /// Grown to the highest connection named (snapshot version 9).
    pub heard: [Vec<i64>; 2],
}

impl Vouch {
    fn heard_at(&self, venue: Venue, connection: u16) -> i64 {
        self.heard[venue.index()]
            .get(usize::from(connection))
            .copied()
            .unwrap_or(0)
    }

    fn set(&mut self, venue: Venue, connection: u16, ts: i64) {
        let list = &mut self.heard[venue.index()];
        let i = usize::from(connection);
        if list.len() <= i {
            list.resize(i + 1, 0);
        }
        list[i] = ts;
    }
}

fn book_error(market: MarketId, e: BookError) -> InputError {
    match e {
        BookError::PriceOutOfRange(price) => InputError::PriceOutOfRange { market, price },
        BookError::NegativeQuantity(price) => InputError::NegativeQuantity { market, price },
    }
}

impl Markets {
    pub fn get(&self, id: MarketId) -> Option<&MarketState> {
        self.list.get(id.index())
    }

    pub fn get_mut(&mut self, id: MarketId) -> Result<&mut MarketState, InputError> {
        self.list
            .get_mut(id.index())
            .ok_or(InputError::UnknownMarket(id))
    }

    pub fn define(&mut self, meta: &MarketMeta) -> Result<(), InputError> {
        let next = MarketId(self.list.len() as u32);
        if meta.id == next {
            self.list.push(MarketState {
                meta: meta.clone(),
                book: Book::with_tick(meta.tick),
                last_venue_seq: 0,
                suspect: false,
                updated_ts: 0,
                pairs: Vec::new(),
                open_orders: 0,
                watch: Watch::LEGACY,
            });
            return Ok(());
        }
        let Some(existing) = self.list.get_mut(meta.id.index()) else {
            return Err(InputError::MarketIdOutOfOrder {
                got: meta.id,
                expected: next,
            });
        };
        if existing.meta.venue != meta.venue || existing.meta.venue_id != meta.venue_id {
            return Err(InputError::MarketRedefined(meta.id));
        }
        // Same market, refreshed metadata (fees, close time, titles).
        existing.meta = meta.clone();
        Ok(())
    }

    pub fn add_pair(&mut self, rule: &PairRule) -> Result<(), InputError> {
        let unusable = InputError::PairUnusable {
            a: rule.a,
            b: rule.b,
        };
        let (Some(a), Some(b)) = (self.get(rule.a), self.get(rule.b)) else {
            return Err(unusable);
        };
        if rule.a == rule.b || a.meta.venue == b.meta.venue {
            return Err(unusable);
        }
        let idx = self.pairs.len() as u32;
        let mut touched = vec![rule.a, rule.b];
        for m in [a, b] {
            if let NoLeg::Complement(c) = m.meta.no_leg {
                touched.push(c);
            }
        }
        for m in touched {
            if let Ok(state) = self.get_mut(m) {
                state.pairs.push(idx);
            }
        }
        self.pairs.push(rule.clone());
        Ok(())
    }

    /// True when `s` replaces a book that was trusted (defined, not suspect, not empty)
    /// with different levels.
    pub fn diverges(&self, s: &BookSnapshot) -> bool {
        let Some(m) = self.get(s.market) else {
            return false;
        };
        let bids: Vec<_> = m.book.levels(crate::event::BookSide::Bid).collect();
        let asks: Vec<_> = m.book.levels(crate::event::BookSide::Ask).collect();
        if m.suspect || (bids.is_empty() && asks.is_empty()) {
            return false;
        }
        let mut want_bids = s.bids.clone();
        let mut want_asks = s.asks.clone();
        want_bids.retain(|l| l.qty.0 > 0);
        want_asks.retain(|l| l.qty.0 > 0);
        want_bids.sort_by_key(|l| std::cmp::Reverse(l.price));
        want_asks.sort_by_key(|l| l.price);
        bids != want_bids || asks != want_asks
    }

    /// Sets the confidence of every pair defined with `rule`'s markets and outcome
    /// (a mapping reload raised, lowered or dropped it); the lanes gate on it.
    pub fn set_pair_confidence(&mut self, rule: &PairRule) -> Result<(), InputError> {
        let mut found = false;
        for p in &mut self.pairs {
            if p.a == rule.a && p.b == rule.b && p.b_outcome_for_a_yes == rule.b_outcome_for_a_yes {
                p.confidence_bp = rule.confidence_bp;
                found = true;
            }
        }
        if found {
            Ok(())
        } else {
            Err(InputError::PairUnusable {
                a: rule.a,
                b: rule.b,
            })
        }
    }

    pub fn apply_snapshot(&mut self, ts: i64, s: &BookSnapshot) -> Result<(), InputError> {
        let m = self.get_mut(s.market)?;
        m.book
            .replace(&s.bids, &s.asks)
            .map_err(|e| book_error(s.market, e))?;
        m.last_venue_seq = s.venue_seq;
        m.suspect = false;
        m.updated_ts = ts;
        Ok(())
    }

    pub fn apply_delta(&mut self, ts: i64, d: &BookDelta) -> Result<(), InputError> {
        let m = self.get_mut(d.market)?;
        if d.venue_seq != 0 && d.venue_seq <= m.last_venue_seq {
            return Err(InputError::StaleSequence {
                market: d.market,
                last: m.last_venue_seq,
                got: d.venue_seq,
            });
        }
        let res = match d.change {
            LevelChange::Add(q) => m.book.add(d.side, d.price, q),
            LevelChange::Set(q) => m.book.set(d.side, d.price, q),
        };
        res.map_err(|e| book_error(d.market, e))?;
        if d.venue_seq != 0 {
            m.last_venue_seq = d.venue_seq;
        }
        m.updated_ts = ts;
        Ok(())
    }

    /// Event time from which market `m`'s age counts: its own last change, or (under
    /// `StreamVouches`, for a streamed market) its connection's last sign of life,
    /// whichever is later. A suspect book (a drop or gap since its last snapshot) and a
    /// polled one have only their own.
    pub fn vouched_ts(&self, m: &MarketState) -> i64 {
        match m.watch {
            Watch::Streamed { connection } if self.vouch.enabled && !m.suspect => m
                .updated_ts
                .max(self.vouch.heard_at(m.meta.venue, connection)),
            _ => m.updated_ts,
        }
    }

    /// Every connection of venue `venue`'s stream showed life at `ts`.
    pub fn heard(&mut self, venue: Venue, ts: i64) {
        let list = &mut self.vouch.heard[venue.index()];
        if list.is_empty() {
            list.push(0);
        }
        list.iter_mut().for_each(|t| *t = ts);
    }

    /// Connection `connection` of `venue`'s stream showed life at `ts`.
    pub fn heard_on(&mut self, venue: Venue, connection: u16, ts: i64) {
        self.vouch.set(venue, connection, ts);
    }

    /// Marks every streamed book of a venue suspect (after a venue-wide gap or
    /// disconnect); its stream no longer vouches for them. Polled books keep their own
    /// age.
    pub fn mark_venue_suspect(&mut self, venue: Venue) {
        self.vouch.heard[venue.index()]
            .iter_mut()
            .for_each(|t| *t = 0);
        for m in self.list.iter_mut().filter(|m| m.meta.venue == venue) {
            if matches!(m.watch, Watch::Streamed { .. }) {
                m.suspect = true;
            }
        }
    }

    /// Marks the books streamed on one connection suspect (its drop, gap or silence).
    pub fn mark_connection_suspect(&mut self, venue: Venue, connection: u16) {
        self.vouch.set(venue, connection, 0);
        for m in self
            .list
            .iter_mut()
            .filter(|m| m.meta.venue == venue && m.watch == Watch::Streamed { connection })
        {
            m.suspect = true;
        }
    }

    /// A market is watched another way from now on. Any change but to `Polled` makes
    /// its book suspect until the venue sends it in full again: a book newly streamed
    /// must not be vouched for by a connection that has not delivered it yet, and an
    /// unwatched one is current no longer.
    pub fn set_watch(&mut self, market: MarketId, watch: Watch) -> Result<(), InputError> {
        let m = self.get_mut(market)?;
        if m.watch != watch && watch != Watch::Polled {
            m.suspect = true;
        }
        m.watch = watch;
        Ok(())
    }

    /// Market ids whose book can be traded right now.
    pub fn tradable(&self, id: MarketId) -> Option<&MarketState> {
        self.get(id).filter(|m| !m.suspect && !m.book.is_crossed())
    }
}
