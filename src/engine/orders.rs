//! Open orders and the episodes (one per traded opportunity) they belong to.

use crate::core::{ClientOrderId, Money, Qty, Venue};
use crate::event::PlaceOrder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrder {
    #[serde(with = "crate::event::order_with_side")]
    pub order: PlaceOrder,
    pub venue: Venue,
    pub venue_order_id: Option<String>,
    pub filled: Qty,
    /// Cash still reserved for the unfilled remainder.
    pub reserved: Money,
    /// Event time after which a resting order is canceled.
    pub deadline: Option<i64>,
    /// The cancel for the deadline has been decided.
    pub cancel_sent: bool,
    /// The request got no definite answer (`OrderUnknown`): the venue may hold the
    /// order. Cleared by the venue's ack or a fill; a reject or cancel ends the order.
    pub unknown: bool,
}

impl OpenOrder {
    pub fn remaining(&self) -> Qty {
        Qty(self.order.qty.0 - self.filled.0)
    }
}

/// The orders of one traded opportunity, tracked until every one is terminal and the
/// position is hedged (or the engine is in safe mode). By client order id leg number:
/// 0 is the first leg, 1 the second, 2 and up hedges of the first leg (its other
/// outcome bought on the same venue to close what the second leg did not cover).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    /// Per order: filled quantity and whether the order is terminal.
    pub legs: Vec<(ClientOrderId, Qty, bool)>,
    /// Legs not placed yet (sequential legging), with their planned prices.
    pub pending: Vec<crate::event::Leg>,
    /// Cash held back for the pending legs, per venue.
    pub held: [Money; 2],
    /// The first leg's order (a buy), kept for hedging it after it is done.
    pub first: Option<PlaceOrder>,
    /// The second leg as planned, kept for placing it again after it ran out of time.
    pub second: Option<crate::event::Leg>,
    /// Cash paid for every fill of the episode, fees included.
    pub spent: Money,
    /// A basket of more than two legs or paying other than $1 (bucket, tree, parity
    /// lanes): legs 0..n are placed together and never hedged leg by leg.
    pub basket: Option<Basket>,
    /// The lane that found the opportunity (snapshot version 5).
    pub lane: Option<crate::event::Lane>,
    /// A basket's legs as planned (legs 0..n), for unwinding unequal fills: leg `n + i`
    /// buys the other outcome of leg `i` (snapshot version 5).
    pub planned: Vec<crate::event::Leg>,
    /// Set once the episode is done and still exposed under an exit policy: the
    /// position is held and exited by policy (exits.rs; snapshot version 6).
    pub unhedged: Option<Unhedged>,
    /// Its orders that sell (exits of what it holds; snapshot version 7): their fills
    /// take contracts away instead of adding them.
    pub sells: Vec<ClientOrderId>,
}

/// An unhedged position's exit state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unhedged {
    /// Event time it became unhedged (the time stop counts from here).
    pub since: i64,
    /// Event time of the last exit order placed for it.
    pub last_try: Option<i64>,
    /// A stop could not close it within its bound: it is the operator's (safe mode).
    pub given_up: bool,
}

/// The shape of a basket episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basket {
    pub legs: u8,
    /// What one complete set (one contract of every leg) pays at least.
    pub payout: Money,
}

impl Episode {
    /// A new episode with no orders yet.
    pub fn new(basket: Option<Basket>, lane: Option<crate::event::Lane>) -> Episode {
        Episode {
            legs: Vec::new(),
            pending: Vec::new(),
            held: [Money::ZERO; 2],
            first: None,
            second: None,
            spent: Money::ZERO,
            basket,
            lane,
            planned: Vec::new(),
            unhedged: None,
            sells: Vec::new(),
        }
    }

    /// The next attempt number for an order of leg `leg`, if one is left.
    pub fn next_attempt(&self, leg: u8) -> Option<u8> {
        match self
            .legs
            .iter()
            .filter(|l| l.0.leg == leg)
            .map(|l| l.0.attempt)
            .max()
        {
            None => Some(0),
            Some(a) => a.checked_add(1),
        }
    }

    /// Contracts each basket leg holds (legs 0..n): what it filled less what its unwind
    /// (leg `n + i`, the other outcome) filled.
    fn basket_fills(&self, n: u8) -> impl Iterator<Item = i64> + '_ {
        (0..n).map(move |leg| self.filled(|l| l == leg) - self.filled(|l| l == n + leg))
    }

    /// Per basket leg, the contracts held beyond the complete sets.
    pub fn basket_excess(&self) -> Vec<i64> {
        let Some(b) = self.basket else {
            return Vec::new();
        };
        let min = self.basket_fills(b.legs).min().unwrap_or(0);
        self.basket_fills(b.legs).map(|f| f - min).collect()
    }

    /// What the complete sets held pay at least (1e-6 dollars).
    pub fn locked_value(&self) -> i64 {
        match self.basket {
            None => self.covered().0,
            Some(b) => {
                (i128::from(self.covered().0) * i128::from(b.payout.0) / i128::from(Money::SCALE))
                    as i64
            }
        }
    }

    pub fn is_done(&self) -> bool {
        self.pending.is_empty() && self.legs.iter().all(|l| l.2)
    }

    fn filled(&self, role: impl Fn(u8) -> bool) -> i64 {
        self.legs
            .iter()
            .filter(|l| role(l.0.leg))
            .map(|l| l.1.0)
            .sum()
    }

    /// Contracts of the first leg that neither the second leg nor a hedge covers (or,
    /// should the second leg overfill, that much of it).
    pub fn exposed(&self) -> Qty {
        if let Some(b) = self.basket {
            // A basket is covered by complete sets: what one leg holds beyond the
            // least-filled leg is exposed.
            let max = self.basket_fills(b.legs).max().unwrap_or(0);
            let min = self.basket_fills(b.legs).min().unwrap_or(0);
            return Qty(max - min);
        }
        let first = self.filled(|l| l == 0);
        let covered = self.filled(|l| l >= 1);
        Qty((first - covered).abs())
    }

    /// Pairs the episode holds: first-leg contracts matched by the second leg or a hedge
    /// (a sold contract is in neither).
    pub fn covered(&self) -> Qty {
        if let Some(b) = self.basket {
            return Qty(self.basket_fills(b.legs).min().unwrap_or(0));
        }
        let sold = self.sold();
        Qty((self.filled(|l| l == 0) - sold).min(self.filled(|l| l >= 1) - sold))
    }

    /// Contracts its sells sold. A sell closes contracts of an earlier leg, so it
    /// counts as covering in `exposed` and `uncovered`.
    pub fn sold(&self) -> i64 {
        self.legs
            .iter()
            .filter(|l| self.sells.contains(&l.0))
            .map(|l| l.1.0)
            .sum()
    }

    /// Contracts the first leg filled that are not yet covered.
    pub fn uncovered(&self) -> Qty {
        if self.basket.is_some() {
            return self.exposed();
        }
        Qty((self.filled(|l| l == 0) - self.filled(|l| l >= 1)).max(0))
    }

    /// Whether an exit policy can close what this done episode holds uncovered: a
    /// pair's first leg, or a basket's over-filled legs (an over-filled second leg is
    /// the operator's).
    pub fn exit_manageable(&self) -> bool {
        match self.basket {
            Some(b) => self.planned.len() == usize::from(b.legs),
            None => self.first.is_some() && self.uncovered().0 > 0,
        }
    }

    /// The next client order id leg number for a hedge.
    pub fn next_hedge_leg(&self) -> u8 {
        self.legs
            .iter()
            .map(|l| l.0.leg)
            .max()
            .map_or(2, |m| m.max(1) + 1)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orders {
    pub open: BTreeMap<ClientOrderId, OpenOrder>,
    pub episodes: BTreeMap<u64, Episode>,
    /// The last `RECENT_SELLS` sell orders that ended (snapshot version 7): a venue
    /// that undoes a fill (a failed trade) may do so after its order and episode are
    /// over, and a sale's fill is undone the other way round from a buy's.
    pub recent_sells: std::collections::VecDeque<ClientOrderId>,
    /// From `SellToClose`: positions on venues that keep outcomes apart are closed by
    /// selling them (false in a journal without one: by buying the other outcome).
    pub sell_to_close: bool,
}

/// How many ended sells `Orders` remembers.
pub const RECENT_SELLS: usize = 4096;

impl Orders {
    /// Whether `id` is (or was, recently) a sell order.
    pub fn is_sell(&self, id: ClientOrderId) -> bool {
        self.open
            .get(&id)
            .map(|o| o.order.side == crate::event::OrderSide::Sell)
            .unwrap_or_else(|| self.recent_sells.contains(&id))
    }
}
