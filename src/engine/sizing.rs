//! Sizing an opportunity: the largest whole number of contracts that displayed depth,
//! the configured caps and free cash allow, with fees at the sized quantity.

use super::fees::fee;
use super::markets::Markets;
use super::portfolio::Portfolio;
use crate::config::EngineConfig;
use crate::core::fixed::notional_ceil;
use crate::core::{Money, Qty, Venue};
use crate::event::{Leg, SkipReason};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizing {
    pub qty: Qty,
    /// Cash out for every leg at `qty`, taker fees included.
    pub cost: Money,
    pub profit: Money,
    pub edge_per_contract: Money,
}

/// Price plus taker fee of one leg at `qty`.
pub fn leg_cost(markets: &Markets, leg: &Leg, qty: Qty) -> Option<Money> {
    let m = markets.get(leg.market)?;
    notional_ceil(leg.price, qty)?.checked_add(fee(m.meta.fees, leg.price, qty, false)?)
}

fn legs_cost(markets: &Markets, legs: &[Leg], qty: Qty) -> Option<Money> {
    legs.iter().try_fold(Money::ZERO, |acc, l| {
        acc.checked_add(leg_cost(markets, l, qty)?)
    })
}

/// Contracts (whole) that `budget` buys at `unit_cost` each.
fn contracts_within(budget: Money, unit_cost: Money) -> i64 {
    if unit_cost.0 <= 0 {
        i64::MAX
    } else {
        budget.0.max(0) / unit_cost.0
    }
}

/// The outcome of sizing, or why the opportunity is not traded: `payout` is what one
/// contract of every leg pays together at least ($1 for a pair). The fee at one
/// contract is the largest per contract (fees round up per order), so edges and caps
/// checked at one contract hold at any larger size.
pub fn size(
    cfg: &EngineConfig,
    portfolio: &Portfolio,
    markets: &Markets,
    legs: &[Leg],
    payout: Money,
) -> Result<Sizing, SkipReason> {
    let one = Qty::contracts(1);
    let unit_cost = legs_cost(markets, legs, one).ok_or(SkipReason::Overflow)?;
    let unit_edge = Money(payout.0 - unit_cost.0);
    if unit_edge < cfg.min_edge || unit_edge.0 <= 0 {
        return Err(SkipReason::EdgeBelowMinimum);
    }
    let depth = legs
        .iter()
        .map(|l| l.depth.0 / Qty::SCALE)
        .min()
        .unwrap_or(0);
    let mut n = depth
        .min(cfg.max_contracts.0 / Qty::SCALE)
        .min(contracts_within(cfg.max_notional, unit_cost));
    let mut cash_bound = false;
    for venue in Venue::ALL {
        let mut venue_unit = Money::ZERO;
        for l in legs
            .iter()
            .filter(|l| markets.get(l.market).is_some_and(|m| m.meta.venue == venue))
        {
            venue_unit = venue_unit
                .checked_add(leg_cost(markets, l, one).ok_or(SkipReason::Overflow)?)
                .ok_or(SkipReason::Overflow)?;
        }
        if venue_unit.0 > 0 {
            let by_cash = contracts_within(portfolio.available(venue), venue_unit);
            if by_cash < n {
                n = by_cash;
                cash_bound = true;
            }
        }
    }
    if n < 1 {
        return Err(if cash_bound {
            SkipReason::InsufficientCash
        } else {
            SkipReason::SizeTooSmall
        });
    }
    let qty = Qty::contracts(n);
    let cost = legs_cost(markets, legs, qty).ok_or(SkipReason::Overflow)?;
    let paid = i128::from(qty.0) * i128::from(payout.0) / i128::from(Money::SCALE);
    let profit = Money(i64::try_from(paid).map_err(|_| SkipReason::Overflow)? - cost.0);
    if profit < cfg.min_profit {
        return Err(SkipReason::ProfitBelowMinimum);
    }
    Ok(Sizing {
        qty,
        cost,
        profit,
        edge_per_contract: Money(profit.0 / n),
    })
}
