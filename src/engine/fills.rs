//! Execution feedback on the books: a fill bought into a position (Kalshi pairs netted),
//! a fill the venue undid, and the end of an order, which releases its reservation
//! and moves its episode on.

use super::{Reducer, sizing};
use crate::core::{ClientOrderId, Money, Qty};
use crate::event::{Decision, Fill, HaltReason, InputError, Leg, Mode};

impl Reducer {
    pub(super) fn apply_fill(
        &mut self,
        f: &Fill,
        out: &mut Vec<Decision>,
    ) -> Result<(), InputError> {
        let Some(o) = self.orders.open.get(&f.id) else {
            return Err(InputError::UnknownOrder(f.id));
        };
        if o.order.market != f.market
            || o.order.outcome != f.outcome
            || f.qty.0 <= 0
            || f.qty > o.remaining()
        {
            return Err(InputError::FillMismatch(f.id));
        }
        let venue = o.venue;
        if o.order.side == crate::event::OrderSide::Sell {
            return self.apply_sell_fill(f, venue, out);
        }
        let notional =
            crate::core::fixed::notional_ceil(f.price, f.qty).ok_or(InputError::Overflow)?;
        self.portfolio
            .buy(venue, f.market, f.outcome, f.qty, notional, f.fee)
            .ok_or(InputError::Overflow)?;
        self.add_fill_lot(f, notional.0 + f.fee.0);
        if self
            .markets
            .get(f.market)
            .is_some_and(|m| m.meta.no_leg == crate::event::NoLeg::SameBook)
        {
            // Kalshi holds one signed position per market: a YES+NO pair is closed at
            // once and pays its $1.
            let cost = |r: &Self| -> i64 {
                [crate::core::Outcome::Yes, crate::core::Outcome::No]
                    .iter()
                    .filter_map(|o| r.portfolio.positions.get(&(f.market, *o)))
                    .map(|p| p.cost.0)
                    .sum()
            };
            let before = cost(self);
            let pairs = self
                .portfolio
                .net_pairs(venue, f.market)
                .ok_or(InputError::Overflow)?;
            let cost_out = before - cost(self);
            self.netted(f.market, pairs, cost_out, f.id.opportunity, out);
        }
        self.fill_booked(f, notional.0 + f.fee.0, out)
    }

    /// The contracts of fill `f` join its opportunity's lots at `cost`.
    pub(super) fn add_fill_lot(&mut self, f: &Fill, cost: i64) {
        let lane = self
            .orders
            .episodes
            .get(&f.id.opportunity)
            .and_then(|e| e.lane);
        self.settlement.add_lot(
            f.market,
            f.outcome,
            super::settlement::Lot {
                opportunity: f.id.opportunity,
                lane,
                qty: f.qty.0,
                cost,
            },
        );
    }

    /// A fill of a buy or a sell is on the books: its order counts it and keeps cash
    /// reserved only for what is left of it (a sell holds none), its episode counts it
    /// (`paid`: cash spent, negative when received), and an order with nothing left is
    /// over.
    pub(super) fn fill_booked(
        &mut self,
        f: &Fill,
        paid: i64,
        out: &mut Vec<Decision>,
    ) -> Result<(), InputError> {
        let o = self
            .orders
            .open
            .get_mut(&f.id)
            .ok_or(InputError::UnknownOrder(f.id))?;
        o.filled = Qty(o.filled.0 + f.qty.0);
        o.unknown = false;
        let remaining = o.remaining();
        let leg = Leg {
            market: o.order.market,
            outcome: o.order.outcome,
            price: o.order.price,
            depth: Qty::ZERO,
        };
        let new_reserve = sizing::leg_cost(&self.markets, &leg, remaining)
            .unwrap_or(Money::ZERO)
            .min(o.reserved);
        let released = Money(o.reserved.0 - new_reserve.0);
        o.reserved = new_reserve;
        let venue = o.venue;
        self.portfolio
            .release(venue, released)
            .ok_or(InputError::Overflow)?;
        self.count_episode_fill(f.id, f.qty.0, paid);
        self.execution_succeeded();
        if remaining.0 == 0 {
            self.finish_order(f.id, out)?;
        }
        Ok(())
    }

    /// A reported fill did not happen after all: its position and cash are restored,
    /// and since the other legs of its opportunity may have filled, the engine stops
    /// new entries until an operator has looked (safe mode).
    pub(super) fn reverse_fill(
        &mut self,
        f: &Fill,
        out: &mut Vec<Decision>,
    ) -> Result<(), InputError> {
        let Some(m) = self.markets.get(f.market) else {
            return Err(InputError::UnknownMarket(f.market));
        };
        let venue = m.meta.venue;
        if f.qty.0 <= 0 {
            return Err(InputError::FillMismatch(f.id));
        }
        if self.orders.is_sell(f.id) {
            self.reverse_sell_fill(f, venue)?;
        } else {
            self.reverse_buy_fill(f, venue)?;
        }
        if self.mode != Mode::Halted {
            self.set_mode(Mode::Safe, out);
        }
        out.push(Decision::Halt {
            reason: HaltReason::UnhedgedExposure,
        });
        Ok(())
    }

    /// A buy's fill undone: its contracts leave, what they cost comes back.
    fn reverse_buy_fill(&mut self, f: &Fill, venue: crate::core::Venue) -> Result<(), InputError> {
        let held = self
            .portfolio
            .positions
            .get(&(f.market, f.outcome))
            .map_or(0, |p| p.qty.0);
        if held < f.qty.0 {
            return Err(InputError::FillMismatch(f.id));
        }
        let notional =
            crate::core::fixed::notional_ceil(f.price, f.qty).ok_or(InputError::Overflow)?;
        let refund = notional.checked_add(f.fee).ok_or(InputError::Overflow)?;
        self.portfolio
            .undo_cash(venue, refund, f.fee)
            .ok_or(InputError::Overflow)?;
        if let Some(p) = self.portfolio.positions.get_mut(&(f.market, f.outcome)) {
            p.qty = Qty(p.qty.0 - f.qty.0);
            p.cost = Money(p.cost.0 - refund.0);
        }
        self.settlement
            .remove_fill(f.market, f.outcome, f.id.opportunity, f.qty.0, refund.0);
        self.count_episode_fill(f.id, -f.qty.0, -refund.0);
        Ok(())
    }

    /// An order reached a terminal state: release its reservation, and once every leg
    /// of its episode is terminal, check the episode for unhedged exposure.
    pub(super) fn finish_order(
        &mut self,
        id: ClientOrderId,
        out: &mut Vec<Decision>,
    ) -> Result<(), InputError> {
        let o = self
            .orders
            .open
            .remove(&id)
            .ok_or(InputError::UnknownOrder(id))?;
        self.portfolio
            .release(o.venue, o.reserved)
            .ok_or(InputError::Overflow)?;
        if o.order.side == crate::event::OrderSide::Sell {
            let recent = &mut self.orders.recent_sells;
            if recent.len() == super::orders::RECENT_SELLS {
                recent.pop_front();
            }
            recent.push_back(id);
        }
        if let Some(m) = self.markets.list.get_mut(o.order.market.index()) {
            m.open_orders = m.open_orders.saturating_sub(1);
        }
        let Some(ep) = self.orders.episodes.get_mut(&id.opportunity) else {
            return Ok(());
        };
        if let Some(l) = ep.legs.iter_mut().find(|l| l.0 == id) {
            l.2 = true;
        }
        let timed_out = o.deadline.is_some_and(|d| self.now >= d);
        self.advance_episode(id.opportunity, id, timed_out, out);
        Ok(())
    }
}
