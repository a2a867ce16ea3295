//! Sells of contracts held (format version 7): placing one, which reserves the
//! contracts it sells rather than cash, and booking its fills, which take contracts
//! (and their cost) out of the position and the lots and pay the proceeds in.
//!
//! The engine sells only what it holds: never short. Sells close positions where
//! buying the other outcome would not (Polymarket: YES and NO are separate tokens,
//! and a pair of them pays only at settlement); on Kalshi, where one signed position
//! nets YES against NO, buying the other outcome is the venue's own sell.

use super::Reducer;
use super::lanes::{buy_quote, sell_quote};
use crate::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty};
use crate::event::{Decision, Fill, InputError, Leg, NoLeg, OrderSide, PlaceOrder, TimeInForce};

impl Reducer {
    /// Whether a position in `market` is closed by selling it (under `SellToClose`,
    /// where its venue keeps the two outcomes apart) rather than by buying the other
    /// outcome.
    pub(super) fn closes_by_selling(&self, market: MarketId) -> bool {
        self.orders.sell_to_close
            && self
                .markets
                .get(market)
                .is_some_and(|m| matches!(m.meta.no_leg, NoLeg::Complement(_)))
    }

    /// The best way to close a position in `outcome` of `market` now, and whether it is
    /// a sale: under `SellToClose` on a venue that keeps the outcomes apart, the sale at
    /// the bid or the other outcome at its ask, whichever loses less (the sale on a tie:
    /// its cash comes back now; the two differ only when the tokens' books do not
    /// mirror each other); otherwise the other outcome. `None`: neither is quoted.
    pub(super) fn closing_quote(&self, market: MarketId, outcome: Outcome) -> Option<(Leg, bool)> {
        let buy = buy_quote(&self.markets, market, outcome.other());
        if !self.closes_by_selling(market) {
            return buy.map(|b| (b, false));
        }
        match (sell_quote(&self.markets, market, outcome), buy) {
            (Some(s), Some(b)) if i64::from(s.price.0) + i64::from(b.price.0) < Price::SCALE => {
                Some((b, false))
            }
            (Some(s), _) => Some((s, true)),
            (None, b) => b.map(|b| (b, false)),
        }
    }

    /// Contracts of `outcome` in `market` held and not already offered by an open sell.
    pub(super) fn sellable(&self, market: MarketId, outcome: Outcome) -> Qty {
        let held = self
            .portfolio
            .positions
            .get(&(market, outcome))
            .map_or(0, |p| p.qty.0);
        let offered: i64 = self
            .orders
            .open
            .values()
            .filter(|o| {
                o.order.side == OrderSide::Sell
                    && (o.order.market, o.order.outcome) == (market, outcome)
            })
            .map(|o| o.remaining().0)
            .sum();
        Qty((held - offered).max(0))
    }

    /// The least a sale of a contract bought at `cost` (on `market`) may take to lose
    /// at most `max_loss` per contract: on the tick, at least one tick.
    pub(super) fn sell_floor(&self, cost: Price, market: MarketId, max_loss: Money) -> Price {
        let loss = (max_loss.0 / 100).clamp(0, Price::SCALE) as u16; // 1e-6 $ -> 1e-4 $
        let tick = self.markets.get(market).map_or(1, |m| m.meta.tick.0.max(1));
        let floor = cost.0.saturating_sub(loss);
        Price(floor.div_ceil(tick).saturating_mul(tick).max(tick))
    }

    /// Sells `qty` of `leg`'s outcome at no less than `limit`, immediate-or-cancel, as
    /// order `id` of its episode. False (nothing decided) if that many are not held.
    pub(super) fn place_sell(
        &mut self,
        id: ClientOrderId,
        leg: &Leg,
        limit: Price,
        qty: Qty,
        out: &mut Vec<Decision>,
    ) -> bool {
        let Some(venue) = self.markets.get(leg.market).map(|m| m.meta.venue) else {
            return false;
        };
        if qty.0 <= 0 || self.sellable(leg.market, leg.outcome) < qty {
            return false;
        }
        let order = PlaceOrder {
            id,
            market: leg.market,
            outcome: leg.outcome,
            price: limit,
            qty,
            tif: TimeInForce::ImmediateOrCancel,
            side: OrderSide::Sell,
        };
        self.track_order(order, venue, Money::ZERO, None);
        out.push(Decision::SellOrder(order));
        true
    }

    /// Books a fill of an open sell: the contracts leave the position and the lots
    /// (realized PnL journaled per lot), the proceeds less the fee come in, and the
    /// episode counts them as closed. The order is checked by `apply_fill`.
    pub(super) fn apply_sell_fill(
        &mut self,
        f: &Fill,
        venue: crate::core::Venue,
        out: &mut Vec<Decision>,
    ) -> Result<(), InputError> {
        let proceeds =
            crate::core::fixed::notional_floor(f.price, f.qty).ok_or(InputError::Overflow)?;
        let cost_out = self
            .portfolio
            .sell(venue, (f.market, f.outcome), f.qty, proceeds, f.fee)
            .ok_or(InputError::FillMismatch(f.id))?;
        let net = proceeds.0 - f.fee.0;
        self.sold(
            (f.market, f.outcome),
            f.qty.0,
            net,
            cost_out.0,
            f.id.opportunity,
            out,
        );
        self.fill_booked(f, -net, out)
    }

    /// A reported sell fill did not happen after all: the contracts come back, at what
    /// the sale paid for them (the sale's realized PnL stays booked, so that the two
    /// add up to the position's own once it settles), and the cash goes back out.
    /// `reverse_fill` then puts the engine in safe mode as for any undone fill.
    pub(super) fn reverse_sell_fill(
        &mut self,
        f: &Fill,
        venue: crate::core::Venue,
    ) -> Result<(), InputError> {
        let proceeds =
            crate::core::fixed::notional_floor(f.price, f.qty).ok_or(InputError::Overflow)?;
        let net = Money(proceeds.0 - f.fee.0);
        self.portfolio
            .undo_cash(venue, Money(-net.0), f.fee)
            .ok_or(InputError::Overflow)?;
        let p = self
            .portfolio
            .positions
            .entry((f.market, f.outcome))
            .or_default();
        p.qty = Qty(p.qty.0 + f.qty.0);
        p.cost = Money(p.cost.0 + net.0);
        self.add_fill_lot(f, net.0);
        self.count_episode_fill(f.id, -f.qty.0, net.0);
        Ok(())
    }
}
