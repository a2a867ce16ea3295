//! Legging: an opportunity's legs are placed one after the other; once the first is
//! done the second is re-checked against its book and placed for what the first filled,
//! or, if its price moved beyond the policy's tolerance, the first leg is unwound by
//! buying its other outcome on the same venue at a bounded loss. Whatever stays
//! uncovered puts the engine in safe mode. (A halt does not stop these orders: they
//! close exposure that already exists.)

use super::Reducer;
use super::lanes::buy_quote;
use super::orders::OpenOrder;
use super::sizing::leg_cost;
use crate::core::{ClientOrderId, Money, Price, Qty, Venue};
use crate::event::{Decision, HaltReason, Leg, Mode, PlaceOrder, TimeInForce};

/// The highest price an order may carry.
pub(super) const MAX_PRICE: u16 = Price::SCALE as u16 - 1;

impl Reducer {
    /// Places one leg of opportunity `opp` as an immediate-or-cancel buy. Returns false
    /// (placing nothing) if the venue's free cash does not cover it.
    pub(super) fn place_leg(
        &mut self,
        id: ClientOrderId,
        leg: &Leg,
        limit: Price,
        qty: Qty,
        out: &mut Vec<Decision>,
    ) -> bool {
        let (opp, leg_no) = (id.opportunity, id.leg);
        // Only a second leg rests: a first leg that cannot fill leaves nothing to undo.
        let rest_ns = i64::from(self.resting.second_leg_rest_ms) * 1_000_000;
        let basket = self
            .orders
            .episodes
            .get(&opp)
            .is_some_and(|e| e.basket.is_some());
        let deadline =
            (leg_no == 1 && rest_ns > 0 && !basket).then(|| self.now.saturating_add(rest_ns));
        let tif = match deadline {
            Some(expires_ns) => TimeInForce::GoodTillTime { expires_ns },
            None => TimeInForce::ImmediateOrCancel,
        };
        let order = PlaceOrder {
            id,
            market: leg.market,
            outcome: leg.outcome,
            price: limit,
            qty,
            tif,
            side: crate::event::OrderSide::Buy,
        };
        let Some(venue) = self.markets.get(leg.market).map(|m| m.meta.venue) else {
            return false;
        };
        let Some(reserve) = leg_cost(
            &self.markets,
            &Leg {
                price: limit,
                ..*leg
            },
            qty,
        ) else {
            return false;
        };
        if reserve > self.portfolio.available(venue)
            || self.portfolio.reserve(venue, reserve).is_none()
        {
            return false;
        }
        self.track_order(order, venue, reserve, deadline);
        if leg_no == 0
            && let Some(ep) = self.orders.episodes.get_mut(&opp)
        {
            ep.first = Some(order);
        }
        out.push(Decision::PlaceOrder(order));
        true
    }

    /// Opens `order` (a buy or a sell) on the books: its market counts it in flight,
    /// its episode counts it as a leg, and `reserved` cash is held for it.
    pub(super) fn track_order(
        &mut self,
        order: PlaceOrder,
        venue: Venue,
        reserved: Money,
        deadline: Option<i64>,
    ) {
        self.markets.list[order.market.index()].open_orders += 1;
        self.orders.open.insert(
            order.id,
            OpenOrder {
                order,
                venue,
                venue_order_id: None,
                filled: Qty::ZERO,
                reserved,
                deadline,
                cancel_sent: false,
                unknown: false,
            },
        );
        if let Some(ep) = self.orders.episodes.get_mut(&order.id.opportunity) {
            ep.legs.push((order.id, Qty::ZERO, false));
            if order.side == crate::event::OrderSide::Sell {
                ep.sells.push(order.id);
            }
        }
    }

    /// Counts `qty` more (or, negative, fewer) contracts filled on order `id` in its
    /// episode, and `paid` more cash spent on it (negative: received).
    pub(super) fn count_episode_fill(&mut self, id: ClientOrderId, qty: i64, paid: i64) {
        if let Some(ep) = self.orders.episodes.get_mut(&id.opportunity)
            && let Some(l) = ep.legs.iter_mut().find(|l| l.0 == id)
        {
            l.1 = Qty(l.1.0 + qty);
            ep.spent = Money(ep.spent.0 + paid);
        }
    }

    /// After order `done` of episode `opp` became terminal: place the pending second
    /// leg, hedge what is uncovered, or settle the episode.
    pub(super) fn advance_episode(
        &mut self,
        opp: u64,
        done: ClientOrderId,
        timed_out: bool,
        out: &mut Vec<Decision>,
    ) {
        let Some(ep) = self.orders.episodes.get_mut(&opp) else {
            return;
        };
        if let Some(b) = ep.basket {
            // Basket legs went out together: once all are done, complete sets are kept
            // and what a leg holds beyond them is unwound (once), by buying its other
            // outcome within the loss bound; what cannot be is the operator's (safe mode).
            let unwound = ep.legs.iter().any(|l| l.0.leg >= b.legs);
            if ep.is_done() && !unwound && self.settlement.unwind_baskets {
                self.unwind_basket(opp, out);
            }
            return self.settle(opp, out);
        }
        let uncovered = ep.uncovered();
        if done.leg == 0 && !ep.pending.is_empty() {
            let next = ep.pending.remove(0);
            let held = std::mem::replace(&mut ep.held, [Money::ZERO; 2]);
            if let Some(m) = self.markets.list.get_mut(next.market.index()) {
                m.open_orders = m.open_orders.saturating_sub(1);
            }
            for v in Venue::ALL {
                let _ = self.portfolio.release(v, held[v.index()]);
            }
            if uncovered.0 > 0 && !self.place_second(opp, 0, &next, uncovered, out) {
                self.hedge(opp, uncovered, out);
            }
            if let Some(ep) = self.orders.episodes.get_mut(&opp) {
                ep.second = Some(next);
            }
        } else if done.leg == 1 && uncovered.0 > 0 {
            // The second leg came up short. If it ran out of time, it may try again
            // (re-checked against its book); otherwise close the rest of the first.
            let retry = ep
                .second
                .filter(|_| timed_out && done.attempt < self.resting.resubmits);
            let placed = retry.is_some_and(|planned| {
                self.place_second(opp, done.attempt + 1, &planned, uncovered, out)
            });
            if !placed {
                self.hedge(opp, uncovered, out);
            }
        }
        self.settle(opp, out);
    }

    /// Places the second leg for `qty` if its book still offers it within the
    /// tolerance; false if it moved, is gone, or the cash is not there.
    fn place_second(
        &mut self,
        opp: u64,
        attempt: u8,
        planned: &Leg,
        qty: Qty,
        out: &mut Vec<Decision>,
    ) -> bool {
        let Some(now) = buy_quote(&self.markets, planned.market, planned.outcome) else {
            return false;
        };
        let limit = Price((planned.price.0 + self.policy.max_price_move.0).min(MAX_PRICE));
        let id = ClientOrderId {
            opportunity: opp,
            leg: 1,
            attempt,
        };
        // The cash sizing checked covers the planned price; if the tolerance does not
        // fit, the best price showing now (within the tolerance) still may.
        now.price <= limit
            && (self.place_leg(id, planned, limit, qty, out)
                || self.place_leg(id, planned, now.price, qty, out))
    }

    /// Asks the venue to cancel every order whose time ran out (once per order). The
    /// venue's answer (canceled, or filled meanwhile) ends the order as usual.
    pub(super) fn cancel_overdue(&mut self, out: &mut Vec<Decision>) {
        let now = self.now;
        for o in self.orders.open.values_mut() {
            if !o.cancel_sent && o.deadline.is_some_and(|d| now >= d) {
                o.cancel_sent = true;
                out.push(Decision::CancelOrder { id: o.order.id });
            }
        }
    }

    /// Closes `qty` of the first leg within the policy's loss bound per contract
    /// (`unwind`). Safe mode (or, under an exit policy, a held position) if that cannot
    /// be done.
    fn hedge(&mut self, opp: u64, qty: Qty, out: &mut Vec<Decision>) {
        let Some(ep) = self.orders.episodes.get(&opp) else {
            return;
        };
        let (Some(first), leg_no) = (ep.first, ep.next_hedge_leg()) else {
            return self.unhedged(out);
        };
        let id = ClientOrderId {
            opportunity: opp,
            leg: leg_no,
            attempt: 0,
        };
        let held = Leg {
            market: first.market,
            outcome: first.outcome,
            price: first.price,
            depth: qty,
        };
        if !self.unwind(id, &held, qty, out) {
            self.cannot_hedge(out);
        }
    }

    /// Closes `qty` of `held` (bought at `held.price`) as order `id`, losing at most the
    /// policy's `unwind_max_loss` a contract, the cheaper way (`closing_quote`): sold for
    /// at least its price less the bound (Polymarket: the capital comes back now), or
    /// its other outcome bought for at most $1 − its price + the bound (Kalshi, which
    /// nets them). False (nothing placed) if the quote is beyond the bound or the order
    /// cannot be placed.
    fn unwind(&mut self, id: ClientOrderId, held: &Leg, qty: Qty, out: &mut Vec<Decision>) -> bool {
        let Some((quote, sale)) = self.closing_quote(held.market, held.outcome) else {
            return false;
        };
        if sale {
            let floor = self.sell_floor(held.price, quote.market, self.policy.unwind_max_loss);
            return quote.price >= floor && self.place_sell(id, &quote, floor, qty, out);
        }
        // The venue takes prices on its tick and at most $1 less a tick: the bound is
        // rounded down onto the tick, so it never pays more than the policy allows.
        let limit = self.unwind_limit(held.price, quote.market);
        quote.price <= limit && self.place_leg(id, &quote, limit, qty, out)
    }

    /// The hedge could not be placed now: under an exit policy the position is held and
    /// exited by it (`settle` marks it unhedged); otherwise it is the operator's.
    fn cannot_hedge(&mut self, out: &mut Vec<Decision>) {
        if self.exits.is_none() {
            self.unhedged(out);
        }
    }

    /// Closes what each basket leg holds beyond the complete sets within the loss bound
    /// (`unwind`). A leg that cannot be unwound so is left: the episode stays exposed
    /// (the exit policy's, or safe mode).
    fn unwind_basket(&mut self, opp: u64, out: &mut Vec<Decision>) {
        let Some(ep) = self.orders.episodes.get(&opp) else {
            return;
        };
        let (Some(b), excess, planned) = (ep.basket, ep.basket_excess(), ep.planned.clone()) else {
            return;
        };
        for (i, (&qty, leg)) in excess.iter().zip(&planned).enumerate() {
            if qty <= 0 {
                continue;
            }
            let id = ClientOrderId {
                opportunity: opp,
                leg: b.legs + i as u8,
                attempt: 0,
            };
            self.unwind(id, leg, Qty(qty), out);
        }
    }

    /// The most an unwind of a leg bought at `price` may pay for the other outcome (on
    /// `market`): $1 − `price` plus the policy's loss bound, on the tick, below $1.
    pub(super) fn unwind_limit(&self, price: Price, market: crate::core::MarketId) -> Price {
        self.loss_limit(price, market, self.policy.unwind_max_loss)
    }

    /// The most buying the other outcome of a leg bought at `price` may pay (on
    /// `market`) to lose at most `max_loss` per contract: on the tick, below $1.
    pub(super) fn loss_limit(
        &self,
        price: Price,
        market: crate::core::MarketId,
        max_loss: Money,
    ) -> Price {
        let loss = (max_loss.0 / 100).clamp(0, i64::from(MAX_PRICE)) as u16; // 1e-6 $ -> 1e-4 $
        let tick = self.markets.get(market).map_or(1, |m| m.meta.tick.0.max(1));
        let highest = MAX_PRICE + 1 - tick;
        let bound = (price.complement().0 + loss).min(highest);
        Price(bound - bound % tick)
    }

    pub(super) fn unhedged(&mut self, out: &mut Vec<Decision>) {
        if self.mode != Mode::Halted {
            self.set_mode(Mode::Safe, out);
        }
        out.push(Decision::Halt {
            reason: HaltReason::UnhedgedExposure,
        });
        self.execution_failed(out);
    }

    /// Closes an episode whose orders are all done: covered means forgotten; exposed
    /// means safe mode, and the episode stays for the operator.
    fn settle(&mut self, opp: u64, out: &mut Vec<Decision>) {
        let Some(ep) = self.orders.episodes.get(&opp) else {
            return;
        };
        if !ep.is_done() {
            return;
        }
        if ep.exposed().0 == 0 {
            if let Some(ep) = self.orders.episodes.remove(&opp) {
                self.book_episode(&ep);
            }
        } else if self.exits.is_some() && ep.exit_manageable() {
            if ep.unhedged.is_none() {
                self.hold_unhedged(opp, out);
            }
        } else if self.mode == Mode::Normal {
            self.unhedged(out);
        }
    }
}
