//! A deterministic simulated venue: it keeps the books it publishes, fills taker
//! orders only against displayed depth (walking levels up to the limit), charges the
//! market's fee, and publishes the liquidity it consumed.

use super::scenario::TargetBook;
use crate::core::fixed::notional_ceil;
use crate::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty, Venue};
use crate::engine::book::Book;
use crate::engine::fees::fee;
use crate::event::{
    BookDelta, BookSide, Event, Fill, LevelChange, MarketMeta, NoLeg, OrderAck, OrderCanceled,
    OrderReject, OrderSide, PlaceOrder, TimeInForce,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the venue saw and did, for audits and summaries.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ledger {
    pub orders: u64,
    pub rejects: u64,
    pub fills: u64,
    pub filled_qty: Qty,
    pub fees: Money,
}

pub struct SimVenue {
    metas: Vec<MarketMeta>,
    books: Vec<Book>,
    cash: [Money; 2],
    /// Kalshi-style sequence number, shared by all Kalshi books.
    kalshi_seq: u64,
    next_order: u64,
    /// Good-till orders with what is left of them.
    resting: BTreeMap<ClientOrderId, (PlaceOrder, Qty)>,
    pub ledger: Ledger,
}

impl SimVenue {
    pub fn new(cash: [Money; 2]) -> SimVenue {
        SimVenue {
            metas: Vec::new(),
            books: Vec::new(),
            cash,
            kalshi_seq: 0,
            next_order: 1,
            resting: BTreeMap::new(),
            ledger: Ledger::default(),
        }
    }

    pub fn book(&self, m: MarketId) -> Option<&Book> {
        self.books.get(m.index())
    }

    /// Follows market data published elsewhere (a recorded journal) or by itself.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::MarketDefined(meta) => {
                if meta.id.index() == self.metas.len() {
                    self.metas.push(meta.clone());
                    self.books.push(Book::with_tick(meta.tick));
                } else if let Some(m) = self.metas.get_mut(meta.id.index()) {
                    *m = meta.clone();
                }
            }
            Event::BookSnapshot(s) => {
                if let Some(b) = self.books.get_mut(s.market.index()) {
                    // A bad snapshot is refused by the book and by the engine alike.
                    let _ = b.replace(&s.bids, &s.asks);
                }
                if s.venue_seq > self.kalshi_seq {
                    self.kalshi_seq = s.venue_seq;
                }
            }
            Event::BookBatch(b) => {
                for d in &b.deltas {
                    self.observe(&Event::BookDelta(*d));
                }
            }
            Event::BookDelta(d) => {
                if let Some(b) = self.books.get_mut(d.market.index()) {
                    let _ = match d.change {
                        LevelChange::Add(q) => b.add(d.side, d.price, q),
                        LevelChange::Set(q) => b.set(d.side, d.price, q),
                    };
                }
                if d.venue_seq > self.kalshi_seq {
                    self.kalshi_seq = d.venue_seq;
                }
            }
            _ => {}
        }
    }

    fn level_change(
        &mut self,
        market: MarketId,
        side: BookSide,
        price: crate::core::Price,
        old: Qty,
        new: Qty,
    ) -> Event {
        let kalshi = self.metas[market.index()].venue == Venue::Kalshi;
        let (venue_seq, change) = if kalshi {
            self.kalshi_seq += 1;
            (self.kalshi_seq, LevelChange::Add(Qty(new.0 - old.0)))
        } else {
            (0, LevelChange::Set(new))
        };
        Event::BookDelta(BookDelta {
            market,
            venue_seq,
            side,
            price,
            change,
        })
    }

    /// The next step of moving a market's book toward `target`: one level change, as
    /// a feed publishes it, already applied here. `None` once the book matches.
    /// Called one delta at a time so that the engine's orders meet the book it saw.
    pub fn next_requote_delta(&mut self, target: &TargetBook) -> Option<Event> {
        let m = target.market;
        let book = self.books.get(m.index())?;
        for (side, levels) in [(BookSide::Bid, &target.bids), (BookSide::Ask, &target.asks)] {
            let mut want: BTreeMap<u16, i64> = BTreeMap::new();
            for l in levels {
                *want.entry(l.price.0).or_default() += l.qty.0;
            }
            let mut have: BTreeMap<u16, i64> = BTreeMap::new();
            for l in book.levels(side) {
                have.insert(l.price.0, l.qty.0);
            }
            let prices: std::collections::BTreeSet<u16> =
                want.keys().chain(have.keys()).copied().collect();
            for p in prices {
                let (old, new) = (
                    Qty(*have.get(&p).unwrap_or(&0)),
                    Qty(*want.get(&p).unwrap_or(&0)),
                );
                if old != new {
                    let ev = self.level_change(m, side, crate::core::Price(p), old, new);
                    self.observe(&ev);
                    return Some(ev);
                }
            }
        }
        None
    }

    /// Executes a taker order now: ack, fills against displayed depth up to the
    /// limit, the book deltas of the liquidity taken, and a cancel of any remainder
    /// (immediate-or-cancel).
    pub fn execute(&mut self, order: &PlaceOrder, out: &mut Vec<Event>) {
        self.execute_with(order, Some(0), out);
    }

    /// `execute` with a taking model: `Some(slip)` takes displayed depth with every
    /// level `slip` (1e-4 $) dearer than shown (never past the limit); `None` finds
    /// none of it (someone else took it first): the order is acked and its remainder
    /// canceled (immediate-or-cancel) or left resting.
    pub fn execute_with(&mut self, order: &PlaceOrder, take: Option<u16>, out: &mut Vec<Event>) {
        self.ledger.orders += 1;
        let reject = |reason: &str| {
            Event::OrderReject(OrderReject {
                id: order.id,
                reason: reason.to_string(),
            })
        };
        let Some(meta) = self.metas.get(order.market.index()).cloned() else {
            self.ledger.rejects += 1;
            out.push(reject("unknown market"));
            return;
        };
        if order.outcome == Outcome::No && meta.no_leg != NoLeg::SameBook {
            self.ledger.rejects += 1;
            out.push(reject("NO is traded as the complement token on this venue"));
            return;
        }
        let venue = meta.venue;
        // Cash check at the limit price, as a venue does before matching (a sell pays
        // its fee out of its proceeds; the engine sells only what it holds).
        let worst = notional_ceil(order.price, order.qty)
            .zip(fee(meta.fees, order.price, order.qty, false))
            .and_then(|(n, f)| n.checked_add(f));
        let buy = order.side == OrderSide::Buy;
        if buy && worst.is_none_or(|w| w > self.cash[venue.index()]) {
            self.ledger.rejects += 1;
            out.push(reject("insufficient balance"));
            return;
        }
        out.push(Event::OrderAck(OrderAck {
            id: order.id,
            venue_order_id: format!("sim-{}", self.next_order),
        }));
        self.next_order += 1;

        let remaining = match take {
            Some(slip) => self.sweep(order, order.qty, false, slip, out),
            None => order.qty,
        };
        if remaining.0 == 0 {
            return;
        }
        if order.tif == TimeInForce::ImmediateOrCancel {
            out.push(Event::OrderCanceled(OrderCanceled {
                id: order.id,
                canceled_qty: remaining,
            }));
        } else {
            self.resting.insert(order.id, (*order, remaining));
        }
    }

    /// Fills resting orders on `market` that its book now crosses (the other side
    /// came to them: they are the maker, at their own price).
    pub fn fill_resting(&mut self, market: MarketId, out: &mut Vec<Event>) {
        self.fill_resting_where(market, |_| true, out);
    }

    /// `fill_resting` for the resting orders `eligible` accepts (a queue model holds
    /// back orders that still have displayed size ahead of them).
    pub fn fill_resting_where(
        &mut self,
        market: MarketId,
        eligible: impl Fn(ClientOrderId) -> bool,
        out: &mut Vec<Event>,
    ) {
        let on_market: Vec<_> = self
            .resting
            .values()
            .filter(|(o, _)| o.market == market && eligible(o.id))
            .copied()
            .collect();
        for (order, remaining) in on_market {
            let left = self.sweep(&order, remaining, true, 0, out);
            if left.0 == 0 {
                self.resting.remove(&order.id);
            } else if let Some(r) = self.resting.get_mut(&order.id) {
                r.1 = left;
            }
        }
    }

    /// Resting orders with what is left of each, by client order id.
    pub fn resting(&self) -> impl Iterator<Item = (&PlaceOrder, Qty)> + '_ {
        self.resting.values().map(|(o, q)| (o, *q))
    }

    pub fn meta(&self, market: MarketId) -> Option<&MarketMeta> {
        self.metas.get(market.index())
    }

    /// Fills up to `qty` of resting order `id` at its own price (maker), matched by a
    /// counterparty's trade rather than displayed depth: no book change. Returns the
    /// quantity filled.
    pub fn fill_resting_by_trade(
        &mut self,
        id: ClientOrderId,
        qty: Qty,
        out: &mut Vec<Event>,
    ) -> Qty {
        let Some(&(order, remaining)) = self.resting.get(&id) else {
            return Qty::ZERO;
        };
        let Some(meta) = self.metas.get(order.market.index()) else {
            return Qty::ZERO;
        };
        let take = remaining.min(qty);
        if take.0 <= 0 {
            return Qty::ZERO;
        }
        let fee_paid = fee(meta.fees, order.price, take, true).unwrap_or(Money::ZERO);
        let v = meta.venue.index();
        self.cash[v] = Money(self.cash[v].0 + cash_flow(&order, order.price, take) - fee_paid.0);
        out.push(Event::Fill(Fill {
            id,
            market: order.market,
            outcome: order.outcome,
            price: order.price,
            qty: take,
            fee: fee_paid,
            maker: true,
        }));
        self.ledger.fills += 1;
        self.ledger.filled_qty = Qty(self.ledger.filled_qty.0 + take.0);
        self.ledger.fees = Money(self.ledger.fees.0 + fee_paid.0);
        if take == remaining {
            self.resting.remove(&id);
        } else if let Some(r) = self.resting.get_mut(&id) {
            r.1 = Qty(remaining.0 - take.0);
        }
        take
    }

    /// Cancels a resting order: what is left of it is reported canceled.
    pub fn cancel(&mut self, id: ClientOrderId, out: &mut Vec<Event>) {
        if let Some((_, remaining)) = self.resting.remove(&id) {
            out.push(Event::OrderCanceled(OrderCanceled {
                id,
                canceled_qty: remaining,
            }));
        }
    }

    /// Takes displayed depth up to the order's limit for at most `qty`: fills, and the
    /// book deltas of the liquidity taken. A taker pays the level's price plus `slip`;
    /// a resting order (maker) its own. Returns what is left.
    fn sweep(
        &mut self,
        order: &PlaceOrder,
        qty: Qty,
        maker: bool,
        slip: u16,
        out: &mut Vec<Event>,
    ) -> Qty {
        let Some(meta) = self.metas.get(order.market.index()).cloned() else {
            return qty;
        };
        let venue = meta.venue;
        // Kalshi NO trades against the YES book at 1 − p; a sell takes the other side.
        let complement = order.outcome == Outcome::No && meta.no_leg == NoLeg::SameBook;
        let sell = order.side == OrderSide::Sell;
        let side = if complement != sell {
            BookSide::Bid
        } else {
            BookSide::Ask
        };
        let levels: Vec<_> = self.books[order.market.index()].levels(side).collect();
        let mut remaining = qty;
        for level in levels {
            let shown = if complement {
                level.price.complement()
            } else {
                level.price
            };
            // Slippage makes a buy dearer and a sale cheaper, never past the limit.
            let (level_price, beyond) = if sell {
                let p = Price(shown.0.saturating_sub(slip));
                (p, p < order.price)
            } else {
                let p = Price(shown.0.saturating_add(slip));
                (p, p > order.price)
            };
            if remaining.0 == 0 || beyond {
                break;
            }
            let outcome_price = if maker { order.price } else { level_price };
            let take = remaining.min(level.qty);
            let fee_paid = fee(meta.fees, outcome_price, take, maker).unwrap_or(Money::ZERO);
            self.cash[venue.index()] = Money(
                self.cash[venue.index()].0 + cash_flow(order, outcome_price, take) - fee_paid.0,
            );
            out.push(Event::Fill(Fill {
                id: order.id,
                market: order.market,
                outcome: order.outcome,
                price: outcome_price,
                qty: take,
                fee: fee_paid,
                maker,
            }));
            self.ledger.fills += 1;
            self.ledger.filled_qty = Qty(self.ledger.filled_qty.0 + take.0);
            self.ledger.fees = Money(self.ledger.fees.0 + fee_paid.0);
            let delta = self.level_change(
                order.market,
                side,
                level.price,
                level.qty,
                Qty(level.qty.0 - take.0),
            );
            self.observe(&delta);
            out.push(delta);
            remaining = Qty(remaining.0 - take.0);
        }
        remaining
    }
}

/// Cash an order's fill of `qty` at `price` moves, before fees: a buy pays the
/// notional rounded up, a sale is paid it rounded down.
fn cash_flow(order: &PlaceOrder, price: Price, qty: Qty) -> i64 {
    match order.side {
        OrderSide::Buy => -notional_ceil(price, qty).unwrap_or(Money::ZERO).0,
        OrderSide::Sell => {
            crate::core::fixed::notional_floor(price, qty)
                .unwrap_or(Money::ZERO)
                .0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BookSnapshot, FeeModel, Level};

    fn venue_with_book(asks: &[Level]) -> SimVenue {
        let mut v = SimVenue::new([Money::dollars(100); 2]);
        v.observe(&Event::MarketDefined(MarketMeta {
            id: MarketId(0),
            venue: Venue::Polymarket,
            venue_id: "111".into(),
            title: "t".into(),
            event_id: "e".into(),
            series_id: String::new(),
            close_ts: None,
            no_leg: NoLeg::Complement(MarketId(1)),
            fees: FeeModel::Free,
            tick: Price(100),
        }));
        v.observe(&Event::BookSnapshot(BookSnapshot {
            market: MarketId(0),
            venue_seq: 0,
            bids: vec![],
            asks: asks.to_vec(),
        }));
        v
    }

    #[test]
    fn a_good_till_order_rests_fills_as_maker_when_the_book_comes_to_it_and_cancels() {
        let mut v = venue_with_book(&[Level {
            price: Price(5000),
            qty: Qty::contracts(10),
        }]);
        let id = ClientOrderId {
            opportunity: 1,
            leg: 1,
            attempt: 0,
        };
        let order = PlaceOrder {
            side: crate::event::OrderSide::Buy,
            id,
            market: MarketId(0),
            outcome: Outcome::Yes,
            price: Price(4500),
            qty: Qty::contracts(5),
            tif: TimeInForce::GoodTillTime { expires_ns: 10 },
        };
        let mut out = Vec::new();
        v.execute(&order, &mut out);
        assert_eq!(
            out.iter().map(Event::kind).collect::<Vec<_>>(),
            ["order_ack"],
            "nothing crosses: it rests"
        );
        // Someone offers 3 at 0.44: the resting bid at 0.45 takes them at its price.
        v.observe(&Event::BookDelta(BookDelta {
            market: MarketId(0),
            venue_seq: 0,
            side: BookSide::Ask,
            price: Price(4400),
            change: LevelChange::Set(Qty::contracts(3)),
        }));
        let mut out = Vec::new();
        v.fill_resting(MarketId(0), &mut out);
        assert!(
            matches!(out[0], Event::Fill(f) if f.qty == Qty::contracts(3) && f.price == Price(4500) && f.maker),
            "{out:?}"
        );
        let mut out = Vec::new();
        v.cancel(id, &mut out);
        assert_eq!(
            out,
            [Event::OrderCanceled(OrderCanceled {
                id,
                canceled_qty: Qty::contracts(2)
            })]
        );
        let mut out = Vec::new();
        v.cancel(id, &mut out);
        assert!(out.is_empty(), "over: a second cancel does nothing");
    }

    #[test]
    fn a_sell_takes_the_bids_down_to_its_limit_and_is_paid_the_proceeds() {
        let mut v = venue_with_book(&[]);
        v.observe(&Event::BookSnapshot(BookSnapshot {
            market: MarketId(0),
            venue_seq: 1,
            bids: vec![
                Level {
                    price: Price(4800),
                    qty: Qty::contracts(3),
                },
                Level {
                    price: Price(4700),
                    qty: Qty::contracts(3),
                },
                Level {
                    price: Price(4500),
                    qty: Qty::contracts(10),
                },
            ],
            asks: vec![],
        }));
        let cash = v.cash[Venue::Polymarket.index()];
        let order = PlaceOrder {
            id: ClientOrderId {
                opportunity: 1,
                leg: 2,
                attempt: 0,
            },
            market: MarketId(0),
            outcome: Outcome::Yes,
            price: Price(4700),
            qty: Qty::contracts(8),
            tif: TimeInForce::ImmediateOrCancel,
            side: OrderSide::Sell,
        };
        let mut out = Vec::new();
        v.execute(&order, &mut out);
        let fills: Vec<(Price, Qty)> = out
            .iter()
            .filter_map(|e| match e {
                Event::Fill(f) => Some((f.price, f.qty)),
                _ => None,
            })
            .collect();
        assert_eq!(
            fills,
            [
                (Price(4800), Qty::contracts(3)),
                (Price(4700), Qty::contracts(3))
            ],
            "best bid first, never below 0.47"
        );
        assert!(
            out.contains(&Event::OrderCanceled(OrderCanceled {
                id: order.id,
                canceled_qty: Qty::contracts(2)
            })),
            "{out:?}"
        );
        assert_eq!(
            v.cash[Venue::Polymarket.index()].0 - cash.0,
            2_850_000,
            "3 x 0.48 + 3 x 0.47 paid in"
        );
        assert_eq!(
            v.book(MarketId(0)).unwrap().best_bid().map(|l| l.price),
            Some(Price(4500)),
            "the bids taken are gone"
        );
    }
}
