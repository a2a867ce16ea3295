//! The stochastic venue of `arb montecarlo`: the paper venue's books and matching
//! (`SimVenue`), with what happens between a decision and a fill drawn from a seeded
//! generator (`ModelParams`): latency (the order arrives later; the recorded book
//! moves meanwhile), whether the displayed liquidity is still there, adverse
//! selection, slippage, and queue position for resting orders.
//!
//! It answers with the same events the paper venue does (ack, fills, book deltas of the
//! liquidity taken, cancels). With `ModelParams::perfect()` it does exactly what the
//! paper venue does, draw for draw (a test holds it to that).
//!
//! Adverse selection looks ahead in the recorded data (`MidSeries`): the recorded
//! market's later move is what the venue's counterparties knew when they let the order
//! fill. Only the venue looks ahead; the reducer sees events in order as always.

pub mod mids;
pub mod model;

pub use mids::MidSeries;
pub use model::ModelParams;

use super::SimVenue;
use crate::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty, Rng};
use crate::event::{BookSide, Event, NoLeg, PlaceOrder};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug)]
enum Action {
    Place(PlaceOrder),
    Cancel(ClientOrderId),
}

pub struct StochasticVenue<'a> {
    pub sim: SimVenue,
    params: ModelParams,
    rng: Rng,
    mids: &'a MidSeries,
    /// Displayed size still ahead of each resting order (queue model).
    queue_ahead: BTreeMap<ClientOrderId, i64>,
    /// Orders and cancels on their way, by arrival time, then by when they were sent.
    in_flight: BTreeMap<(i64, u64), Action>,
    sent: u64,
    /// Each order's latency, which its cancel takes too (so it never overtakes it).
    latency: BTreeMap<ClientOrderId, i64>,
}

impl<'a> StochasticVenue<'a> {
    pub fn new(
        cash: [Money; 2],
        params: ModelParams,
        rng: Rng,
        mids: &'a MidSeries,
    ) -> StochasticVenue<'a> {
        StochasticVenue {
            sim: SimVenue::new(cash),
            params,
            rng,
            mids,
            queue_ahead: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            sent: 0,
            latency: BTreeMap::new(),
        }
    }

    /// Follows recorded market data (not the venue's own answers).
    pub fn observe(&mut self, event: &Event) {
        self.sim.observe(event);
    }

    /// Reacts to an event about to reach the reducer (recorded or its own): the book
    /// moved, so resting orders whose queue is gone and that it crosses fill; a trade
    /// consumes the queue ahead of resting orders at its price, then fills them.
    pub fn on_event(&mut self, event: &Event, out: &mut Vec<Event>) {
        match event {
            Event::BookDelta(d) => self.book_moved(d.market, out),
            Event::BookSnapshot(b) => self.book_moved(b.market, out),
            Event::BookBatch(b) => {
                for d in &b.deltas {
                    self.book_moved(d.market, out);
                }
            }
            Event::Trade(t) => self.trade(t, out),
            _ => {}
        }
    }

    /// Where a resting buy of `order` waits in the YES book: side and YES price.
    fn queue_level(&self, order: &PlaceOrder) -> (BookSide, Price) {
        let same_book_no = order.outcome == Outcome::No
            && self
                .sim
                .meta(order.market)
                .is_some_and(|m| m.no_leg == NoLeg::SameBook);
        // A resting buy waits among the bids (Kalshi NO: the YES asks at 1 − p); a
        // resting sell on the other side.
        let sell = order.side == crate::event::OrderSide::Sell;
        match (same_book_no, sell) {
            (true, false) => (BookSide::Ask, order.price.complement()),
            (true, true) => (BookSide::Bid, order.price.complement()),
            (false, false) => (BookSide::Bid, order.price),
            (false, true) => (BookSide::Ask, order.price),
        }
    }

    fn displayed(&self, market: MarketId, side: BookSide, price: Price) -> i64 {
        self.sim.book(market).map_or(0, |b| b.qty_at(side, price).0)
    }

    fn book_moved(&mut self, market: MarketId, out: &mut Vec<Event>) {
        if !self.queue_ahead.is_empty() {
            // Size ahead can only leave: a level smaller than the queue ahead of us
            // means those ahead were filled or canceled.
            let waiting: Vec<_> = self
                .sim
                .resting()
                .filter(|(o, _)| o.market == market)
                .map(|(o, _)| (o.id, self.queue_level(o)))
                .collect();
            for (id, (side, price)) in waiting {
                let shown = self.displayed(market, side, price);
                if let Some(q) = self.queue_ahead.get_mut(&id) {
                    *q = (*q).min(shown);
                }
            }
        }
        let queue = &self.queue_ahead;
        self.sim
            .fill_resting_where(market, |id| queue.get(&id).is_none_or(|q| *q == 0), out);
        self.forget_done();
    }

    fn trade(&mut self, t: &crate::event::Trade, out: &mut Vec<Event>) {
        let waiting: Vec<_> = self
            .sim
            .resting()
            .filter(|(o, _)| o.market == t.market)
            .map(|(o, _)| (o.id, self.queue_level(o)))
            .collect();
        for (id, (side, price)) in waiting {
            // A seller hitting bids at or below our bid (or a buyer lifting asks at or
            // above our ask) trades through our level.
            let reaches = match side {
                BookSide::Bid => t.price <= price && t.taker_side != Some(BookSide::Bid),
                BookSide::Ask => t.price >= price && t.taker_side != Some(BookSide::Ask),
            };
            if !reaches {
                continue;
            }
            let ahead = self.queue_ahead.get(&id).copied().unwrap_or(0);
            let through = t.qty.0 - ahead;
            if let Some(q) = self.queue_ahead.get_mut(&id) {
                *q = (ahead - t.qty.0).max(0);
            }
            if through > 0 {
                self.sim.fill_resting_by_trade(id, Qty(through), out);
            }
        }
        self.forget_done();
    }

    fn forget_done(&mut self) {
        if self.queue_ahead.len() > self.sim.resting().count() {
            let live: Vec<ClientOrderId> = self.sim.resting().map(|(o, _)| o.id).collect();
            self.queue_ahead.retain(|id, _| live.contains(id));
        }
    }

    /// The engine sent `order` at `ts`: it arrives after its latency (now, if zero).
    pub fn place(&mut self, ts: i64, order: &PlaceOrder, out: &mut Vec<Event>) {
        let [lo, hi] = self.params.latency_ns;
        let lat = if hi > 0 {
            self.rng.range_i64(lo, hi)
        } else {
            0
        };
        if lat == 0 {
            self.arrive(ts, order, out);
        } else {
            self.latency.insert(order.id, lat);
            self.send(ts + lat, Action::Place(*order));
        }
    }

    /// The engine asked to cancel `id` at `ts`; it arrives after the order's latency.
    pub fn cancel(&mut self, ts: i64, id: ClientOrderId, out: &mut Vec<Event>) {
        match self.latency.get(&id).copied().unwrap_or(0) {
            0 => self.cancel_now(id, out),
            lat => self.send(ts + lat, Action::Cancel(id)),
        }
    }

    fn cancel_now(&mut self, id: ClientOrderId, out: &mut Vec<Event>) {
        self.sim.cancel(id, out);
        self.queue_ahead.remove(&id);
    }

    fn send(&mut self, at: i64, action: Action) {
        self.in_flight.insert((at, self.sent), action);
        self.sent += 1;
    }

    /// Arrival time of the next order or cancel on its way, if it arrives before
    /// `before` (`i64::MAX`: any).
    pub fn next_arrival(&self, before: i64) -> Option<i64> {
        self.in_flight
            .keys()
            .next()
            .map(|k| k.0)
            .filter(|&t| t < before)
    }

    /// Delivers the next order or cancel on its way; returns its arrival time.
    pub fn arrive_next(&mut self, out: &mut Vec<Event>) -> Option<i64> {
        let ((at, _), action) = self.in_flight.pop_first()?;
        match action {
            Action::Place(o) => self.arrive(at, &o, out),
            Action::Cancel(id) => self.cancel_now(id, out),
        }
        Some(at)
    }

    /// Cancels every resting order (the end of the recorded data: the day is over).
    pub fn cancel_all_resting(&mut self, out: &mut Vec<Event>) {
        let ids: Vec<_> = self.sim.resting().map(|(o, _)| o.id).collect();
        for id in ids {
            self.cancel_now(id, out);
        }
    }

    /// The order reaches the venue at `ts`.
    fn arrive(&mut self, ts: i64, order: &PlaceOrder, out: &mut Vec<Event>) {
        let role = model::role(order.id.leg);
        let moved = if self.params.adverse_selection > 0.0 {
            let now = self.mids.outcome_price(order.market, order.outcome, ts);
            let later = self.mids.outcome_price(
                order.market,
                order.outcome,
                ts.saturating_add(self.params.adverse_horizon_ns),
            );
            match (now, later) {
                (Some(a), Some(b)) => (f64::from(b) - f64::from(a)) / 100.0,
                _ => 0.0,
            }
        } else {
            0.0
        };
        let p = self.params.fill_probability(role, moved);
        let found = self.rng.unit() < p;
        let ticks = if self.params.slippage_ticks > 0 {
            self.rng.below(u64::from(self.params.slippage_ticks) + 1) as u16
        } else {
            0
        };
        let tick = self.sim.meta(order.market).map_or(0, |m| m.tick.0);
        let take = found.then_some(ticks.saturating_mul(tick));
        self.sim.execute_with(order, take, out);
        if self.sim.resting().any(|(o, _)| o.id == order.id) {
            let ahead = if self.params.queue {
                let (side, price) = self.queue_level(order);
                self.displayed(order.market, side, price)
            } else {
                0
            };
            self.queue_ahead.insert(order.id, ahead);
        }
    }
}

#[cfg(test)]
mod tests;
