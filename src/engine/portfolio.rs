//! Cash per venue (free and reserved by open orders) and positions held.

use crate::core::{MarketId, Money, Outcome, Qty, Venue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub qty: Qty,
    /// Cash paid for the position, fees included.
    pub cost: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Cash at each venue (indexed by `Venue::index`), before reservations.
    pub cash: [Money; 2],
    /// Cash promised to open buy orders.
    pub reserved: [Money; 2],
    pub positions: BTreeMap<(MarketId, Outcome), Position>,
    pub fees_paid: Money,
}

impl Portfolio {
    pub fn available(&self, venue: Venue) -> Money {
        Money(self.cash[venue.index()].0 - self.reserved[venue.index()].0)
    }

    pub fn reserve(&mut self, venue: Venue, amount: Money) -> Option<()> {
        let r = &mut self.reserved[venue.index()];
        *r = r.checked_add(amount)?;
        Some(())
    }

    pub fn release(&mut self, venue: Venue, amount: Money) -> Option<()> {
        let r = &mut self.reserved[venue.index()];
        *r = r.checked_sub(amount)?;
        debug_assert!(r.0 >= 0, "released more than was reserved");
        Some(())
    }

    /// Closes the YES+NO pairs held in one market (Kalshi nets them): each pair pays $1
    /// and takes its share of both sides' cost with it. Returns how many pairs closed.
    pub fn net_pairs(&mut self, venue: Venue, market: MarketId) -> Option<i64> {
        let yes = self
            .positions
            .get(&(market, Outcome::Yes))
            .copied()
            .unwrap_or_default();
        let no = self
            .positions
            .get(&(market, Outcome::No))
            .copied()
            .unwrap_or_default();
        let pairs = yes.qty.0.min(no.qty.0);
        if pairs <= 0 {
            return Some(0);
        }
        for (outcome, p) in [(Outcome::Yes, yes), (Outcome::No, no)] {
            // Cost leaves in proportion to the contracts that leave.
            let cost_out =
                i64::try_from(i128::from(p.cost.0) * i128::from(pairs) / i128::from(p.qty.0))
                    .ok()?;
            let e = self.positions.entry((market, outcome)).or_default();
            e.qty = Qty(e.qty.0 - pairs);
            e.cost = Money(e.cost.0 - cost_out);
        }
        let cash = &mut self.cash[venue.index()];
        *cash = cash.checked_add(Money(pairs))?; // 1e-6 contracts × $1 = 1e-6 dollars
        Some(pairs)
    }

    /// A fill undone: `cash` (negative: taken) goes back to `venue`'s cash and its
    /// `fee` leaves the fees paid.
    pub fn undo_cash(&mut self, venue: Venue, cash: Money, fee: Money) -> Option<()> {
        let c = &mut self.cash[venue.index()];
        *c = c.checked_add(cash)?;
        self.fees_paid = self.fees_paid.checked_sub(fee)?;
        Some(())
    }

    /// Books a sell fill: position out (with its share of the cost, returned), cash
    /// in. `None` if more is sold than held, or on overflow.
    pub fn sell(
        &mut self,
        venue: Venue,
        (market, outcome): (MarketId, Outcome),
        qty: Qty,
        proceeds: Money,
        fee: Money,
    ) -> Option<Money> {
        let pos = self.positions.get_mut(&(market, outcome))?;
        if qty.0 <= 0 || pos.qty.0 < qty.0 {
            return None;
        }
        let cost_out =
            i64::try_from(i128::from(pos.cost.0) * i128::from(qty.0) / i128::from(pos.qty.0))
                .ok()?;
        pos.qty = Qty(pos.qty.0 - qty.0);
        pos.cost = Money(pos.cost.0 - cost_out);
        let cash = &mut self.cash[venue.index()];
        *cash = cash.checked_add(proceeds)?.checked_sub(fee)?;
        self.fees_paid = self.fees_paid.checked_add(fee)?;
        Some(Money(cost_out))
    }

    /// Books a buy fill: cash out, position in.
    pub fn buy(
        &mut self,
        venue: Venue,
        market: MarketId,
        outcome: Outcome,
        qty: Qty,
        notional: Money,
        fee: Money,
    ) -> Option<()> {
        let total = notional.checked_add(fee)?;
        let cash = &mut self.cash[venue.index()];
        *cash = cash.checked_sub(total)?;
        let pos = self.positions.entry((market, outcome)).or_default();
        pos.qty = Qty(pos.qty.0.checked_add(qty.0)?);
        pos.cost = pos.cost.checked_add(total)?;
        self.fees_paid = self.fees_paid.checked_add(fee)?;
        Some(())
    }
}
