//! Markets that close and settle: which markets no longer trade, the close-margin gate,
//! payouts at settlement, and realized PnL per opportunity and lane, from the lots
//! (contracts and their cost, by the opportunity that bought them) each fill adds.

use super::Reducer;
use crate::core::fixed::notional_floor;
use crate::core::{MarketId, Money, Outcome, Price, Qty};
use crate::event::{Decision, InputError, Lane, Realized, Settlement, SkipReason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a market is in its life, once it is past trading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Trading ended; the result is not known yet.
    Closed,
    /// Paid: each YES contract `yes_value`, each NO contract the rest of $1.
    Settled { yes_value: Price },
}

/// Contracts of one market outcome that one opportunity bought, with what they cost
/// (fees included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub opportunity: u64,
    pub lane: Option<Lane>,
    pub qty: i64,
    pub cost: i64,
}

/// What the reducer knows of closes and settlements; part of the state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementBook {
    /// From `SettlementPolicy`: entries stop this long (ns) before a listed close.
    /// `None` (a journal without one): no margin, and netted pairs book no `Realized`.
    pub close_margin_ns: Option<i64>,
    /// Markets past trading (a market not here is open).
    pub phase: BTreeMap<MarketId, Phase>,
    /// Per market outcome held, the lots in the order they were bought.
    pub lots: BTreeMap<(MarketId, Outcome), Vec<Lot>>,
    /// Realized PnL per lane (`Lane as usize`).
    pub realized_by_lane: [Money; Lane::COUNT],
    /// Realized PnL of contracts no opportunity bought (adopted from a venue).
    pub realized_unattributed: Money,
    /// From `BasketUnwind`: a basket's unequal fills are unwound (false in a journal
    /// without one).
    pub unwind_baskets: bool,
}

impl SettlementBook {
    pub fn phase(&self, market: MarketId) -> Option<Phase> {
        self.phase.get(&market).copied()
    }

    /// Adds what a fill bought.
    pub(super) fn add_lot(&mut self, market: MarketId, outcome: Outcome, lot: Lot) {
        let lots = self.lots.entry((market, outcome)).or_default();
        match lots.last_mut() {
            Some(l) if l.opportunity == lot.opportunity && l.lane == lot.lane => {
                l.qty += lot.qty;
                l.cost += lot.cost;
            }
            _ => lots.push(lot),
        }
    }

    /// A fill undone: its contracts and cost leave the opportunity's latest lot.
    pub(super) fn remove_fill(
        &mut self,
        market: MarketId,
        outcome: Outcome,
        opportunity: u64,
        qty: i64,
        cost: i64,
    ) {
        let Some(lots) = self.lots.get_mut(&(market, outcome)) else {
            return;
        };
        if let Some(l) = lots.iter_mut().rev().find(|l| l.opportunity == opportunity) {
            let take = qty.min(l.qty);
            l.cost -= if take == l.qty { l.cost } else { cost };
            l.qty -= take;
        }
        lots.retain(|l| l.qty > 0);
        if lots.is_empty() {
            self.lots.remove(&(market, outcome));
        }
    }

    /// Takes `qty` contracts of an outcome from the lots of opportunity `prefer` first,
    /// then from the oldest: per lot taken from, the contracts and their share of its
    /// cost.
    fn take(&mut self, market: MarketId, outcome: Outcome, qty: i64, prefer: u64) -> Vec<Lot> {
        let mut taken = Vec::new();
        let Some(lots) = self.lots.get_mut(&(market, outcome)) else {
            return taken;
        };
        let mut left = qty;
        let (own, others): (Vec<usize>, Vec<usize>) =
            (0..lots.len()).partition(|&i| lots[i].opportunity == prefer);
        for i in own.into_iter().chain(others) {
            let l = &mut lots[i];
            if left == 0 {
                break;
            }
            let n = left.min(l.qty);
            let cost = share(l.cost, n, l.qty);
            taken.push(Lot { qty: n, cost, ..*l });
            l.qty -= n;
            l.cost -= cost;
            left -= n;
        }
        lots.retain(|l| l.qty > 0);
        if lots.is_empty() {
            self.lots.remove(&(market, outcome));
        }
        taken
    }

    fn book(&mut self, lane: Option<Lane>, pnl: i64) {
        let slot = match lane {
            Some(l) => &mut self.realized_by_lane[l as usize],
            None => &mut self.realized_unattributed,
        };
        *slot = Money(slot.0.saturating_add(pnl));
    }
}

/// `cost` × `part` / `whole`, rounded toward zero (what leaves with `part` contracts).
fn share(cost: i64, part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    (i128::from(cost) * i128::from(part) / i128::from(whole)) as i64
}

impl Reducer {
    pub fn settlement(&self) -> &SettlementBook {
        &self.settlement
    }

    /// Trading in `market` ended at the venue.
    pub(super) fn market_closed(&mut self, market: MarketId) -> Result<(), InputError> {
        if self.markets.get(market).is_none() {
            return Err(InputError::UnknownMarket(market));
        }
        self.settlement.phase.entry(market).or_insert(Phase::Closed);
        Ok(())
    }

    /// A market's result: every position in it is paid into its venue's cash and
    /// leaves the books (its exposure with it), and each opportunity that held
    /// contracts there has its realized PnL journaled. A repeated settlement with the
    /// same value changes nothing; with another value it is refused.
    pub(super) fn settle_market(
        &mut self,
        s: &Settlement,
        out: &mut Vec<Decision>,
    ) -> Result<(), InputError> {
        let Some(m) = self.markets.get(s.market) else {
            return Err(InputError::UnknownMarket(s.market));
        };
        let venue = m.meta.venue;
        if s.yes_value > Price::ONE {
            return Err(InputError::PriceOutOfRange {
                market: s.market,
                price: s.yes_value,
            });
        }
        match self.settlement.phase(s.market) {
            Some(Phase::Settled { yes_value }) if yes_value == s.yes_value => return Ok(()),
            Some(Phase::Settled { .. }) => return Err(InputError::SettledTwice(s.market)),
            _ => {}
        }
        self.settlement.phase.insert(
            s.market,
            Phase::Settled {
                yes_value: s.yes_value,
            },
        );
        let mut holders = Vec::new();
        for outcome in [Outcome::Yes, Outcome::No] {
            let value = match outcome {
                Outcome::Yes => s.yes_value,
                Outcome::No => Price(Price::ONE.0 - s.yes_value.0),
            };
            let held = self
                .portfolio
                .positions
                .remove(&(s.market, outcome))
                .unwrap_or_default();
            let lots = self
                .settlement
                .lots
                .remove(&(s.market, outcome))
                .unwrap_or_default();
            let qty = held.qty.0.max(0);
            let payout = notional_floor(value, Qty(qty)).ok_or(InputError::Overflow)?;
            let cash = &mut self.portfolio.cash[venue.index()];
            *cash = cash.checked_add(payout).ok_or(InputError::Overflow)?;
            // What no lot explains (a position adopted from the venue, rounding) is
            // booked unattributed, so that the decisions add up to the cash paid.
            let (mut left_qty, mut left_cost, mut left_payout) = (qty, held.cost.0, payout.0);
            let lots = merge_by_opportunity(lots);
            holders.extend(lots.iter().map(|l| l.opportunity));
            for lot in lots {
                let n = lot.qty.min(left_qty);
                if n <= 0 {
                    continue;
                }
                let paid = notional_floor(value, Qty(n)).ok_or(InputError::Overflow)?.0;
                self.realize(s.market, outcome, Some(lot), n, paid, lot.cost, out);
                left_qty -= n;
                left_cost -= lot.cost;
                left_payout -= paid;
            }
            if left_qty != 0 || left_cost != 0 || left_payout != 0 {
                let (n, paid, cost) = (left_qty, left_payout, left_cost);
                self.realize(s.market, outcome, None, n, paid, cost, out);
            }
        }
        self.close_settled_episodes(&holders);
        Ok(())
    }

    /// An episode whose orders are all done and whose contracts have all been paid is
    /// over: whatever exposure it had was settled with them.
    fn close_settled_episodes(&mut self, opportunities: &[u64]) {
        for &opp in opportunities {
            let done = self.orders.episodes.get(&opp).is_some_and(|e| e.is_done());
            let holds = self
                .settlement
                .lots
                .values()
                .any(|lots| lots.iter().any(|l| l.opportunity == opp));
            if done
                && !holds
                && let Some(ep) = self.orders.episodes.remove(&opp)
            {
                self.book_episode(&ep);
            }
        }
    }

    /// Kalshi netted `pairs` YES+NO pairs of `market` into $1 each, on a fill of
    /// opportunity `by`: they leave that opportunity's lots first (an unwind closes its
    /// own legs), then the oldest, each contract paid $0.50 (a pair's dollar split evenly
    /// between its sides, which matters only when two opportunities shared it).
    /// Journaled as `Realized` only under a `SettlementPolicy`, so that older journals
    /// replay to the decisions they hold.
    ///
    /// The books' position keeps an average cost (`cost_out` is what left it), the
    /// lots their own: the difference is booked unattributed, so that realized PnL over
    /// all opportunities stays what the cash says.
    pub(super) fn netted(
        &mut self,
        market: MarketId,
        pairs: i64,
        cost_out: i64,
        by: u64,
        out: &mut Vec<Decision>,
    ) {
        if pairs <= 0 {
            return;
        }
        let journal = self.settlement.close_margin_ns.is_some();
        let (mut lots_qty, mut lots_paid, mut lots_cost) = (0, 0, 0);
        for outcome in [Outcome::Yes, Outcome::No] {
            for lot in self.settlement.take(market, outcome, pairs, by) {
                let paid = lot.qty / 2;
                (lots_qty, lots_paid, lots_cost) =
                    (lots_qty + lot.qty, lots_paid + paid, lots_cost + lot.cost);
                if journal {
                    self.realize(market, outcome, Some(lot), lot.qty, paid, lot.cost, out);
                } else {
                    self.settlement.book(lot.lane, paid - lot.cost);
                }
            }
        }
        // What the lots do not explain: contracts no lot holds (adopted ones), and the
        // difference between the lots' own costs and the position's average cost.
        let (qty, paid, cost) = (
            2 * pairs - lots_qty,
            pairs - lots_paid,
            cost_out - lots_cost,
        );
        if qty != 0 || paid != 0 || cost != 0 {
            if journal {
                self.realize(market, Outcome::Yes, None, qty, paid, cost, out);
            } else {
                self.settlement.book(None, paid - cost);
            }
        }
    }

    /// `qty` contracts of `outcome` in `market` were sold by opportunity `by` for `net`
    /// (proceeds less the fee), taking `cost_out` from the books' position: they leave
    /// that opportunity's lots first, then the oldest, each lot paid its share of `net`.
    /// What the lots do not explain is booked unattributed, as for netted pairs.
    pub(super) fn sold(
        &mut self,
        (market, outcome): (MarketId, Outcome),
        qty: i64,
        net: i64,
        cost_out: i64,
        by: u64,
        out: &mut Vec<Decision>,
    ) {
        let (mut lots_qty, mut lots_paid, mut lots_cost) = (0, 0, 0);
        for lot in self.settlement.take(market, outcome, qty, by) {
            let paid = share(net, lot.qty, qty);
            (lots_qty, lots_paid, lots_cost) =
                (lots_qty + lot.qty, lots_paid + paid, lots_cost + lot.cost);
            self.realize(market, outcome, Some(lot), lot.qty, paid, lot.cost, out);
        }
        let (left_qty, left_paid, left_cost) =
            (qty - lots_qty, net - lots_paid, cost_out - lots_cost);
        if left_qty != 0 || left_paid != 0 || left_cost != 0 {
            self.realize(market, outcome, None, left_qty, left_paid, left_cost, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn realize(
        &mut self,
        market: MarketId,
        outcome: Outcome,
        lot: Option<Lot>,
        qty: i64,
        payout: i64,
        cost: i64,
        out: &mut Vec<Decision>,
    ) {
        let lane = lot.and_then(|l| l.lane);
        let pnl = payout - cost;
        self.settlement.book(lane, pnl);
        out.push(Decision::Realized(Realized {
            market,
            outcome,
            opportunity: lot.map(|l| l.opportunity),
            lane,
            qty: Qty(qty),
            payout: Money(payout),
            pnl: Money(pnl),
        }));
    }

    /// Entries never touch a market past trading, nor (under a `SettlementPolicy`) one
    /// that closes within the margin.
    pub(super) fn close_gate(&self, market: MarketId) -> Result<(), SkipReason> {
        if self.settlement.phase(market).is_some() {
            return Err(SkipReason::MarketClosed);
        }
        if let (Some(margin), Some(close)) = (
            self.settlement.close_margin_ns,
            self.markets.get(market).and_then(|m| m.meta.close_ts),
        ) && self.now >= close.saturating_sub(margin)
        {
            return Err(SkipReason::NearClose);
        }
        Ok(())
    }

    /// True when `market`'s settlement may be on its way: it has closed (or its
    /// listed close has passed, under a `SettlementPolicy`) and is not settled yet. The
    /// venue may pay it before the engine hears, so reconciliation leaves it (and the
    /// venue's cash, while the engine holds contracts there) alone meanwhile.
    pub(super) fn settlement_pending(&self, market: MarketId) -> bool {
        match self.settlement.phase(market) {
            Some(Phase::Settled { .. }) => false,
            Some(Phase::Closed) => true,
            None => {
                self.settlement.close_margin_ns.is_some()
                    && self
                        .markets
                        .get(market)
                        .and_then(|m| m.meta.close_ts)
                        .is_some_and(|c| self.now >= c)
            }
        }
    }
}

/// One lot per opportunity (and lane), in the order each first appears.
fn merge_by_opportunity(lots: Vec<Lot>) -> Vec<Lot> {
    let mut merged: Vec<Lot> = Vec::with_capacity(lots.len());
    for l in lots {
        match merged
            .iter_mut()
            .find(|m| m.opportunity == l.opportunity && m.lane == l.lane)
        {
            Some(m) => {
                m.qty += l.qty;
                m.cost += l.cost;
            }
            None => merged.push(l),
        }
    }
    merged
}
