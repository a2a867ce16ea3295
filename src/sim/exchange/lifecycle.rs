//! A market's life on the exchange: listed, open, closed (resting orders canceled,
//! other traders gone) and settled (every position paid $1 per winning contract).

use super::{Exchange, ExchangeEvent, OrderId, OrderState};
use crate::core::{Money, Outcome, Qty, Venue};
use serde::Serialize;

/// Where a market is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketStatus {
    /// Not listed yet: the venues do not show it and it takes no orders.
    Unlisted,
    /// Trading.
    Open,
    /// Trading ended; the result is not known yet.
    Closed,
    /// The result is known and positions were paid. `yes_wins`: the market's YES
    /// (a Polymarket token's own book: the token) pays $1.
    Settled { yes_wins: bool },
}

/// One account's position in a market as its settlement paid it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettlementRecord {
    pub account: String,
    pub market: usize,
    pub outcome: Outcome,
    pub qty: Qty,
    /// $1 per contract if `outcome` won, else nothing.
    pub payout: Money,
    pub ts_ns: i64,
}

impl Exchange {
    /// Lists a market that was not listed yet (a listed one stays as it is).
    pub fn list(&mut self, market: usize) {
        let now = self.now_ns;
        let Some(m) = self.markets.get_mut(market) else {
            return;
        };
        if m.status == MarketStatus::Unlisted {
            m.status = MarketStatus::Open;
            m.listed_ns = Some(now);
            self.outbox.push(ExchangeEvent::Listed(market));
        }
    }

    /// Ends trading in an open market: every account's resting orders on it are
    /// canceled (and recorded as cancels), the other traders' quotes are withdrawn,
    /// and the book stops moving.
    pub fn close_market(&mut self, market: usize) {
        if self
            .markets
            .get(market)
            .is_none_or(|m| m.status != MarketStatus::Open)
        {
            return;
        }
        let resting: Vec<OrderId> = self
            .orders
            .values()
            .filter(|o| o.order.market == market && o.state == OrderState::Resting)
            .map(|o| o.id)
            .collect();
        for id in resting {
            self.close(id, OrderState::Canceled);
            self.expiries.remove(&id);
            self.ledger.cancels.push(id);
            self.outbox.push(ExchangeEvent::OrderUpdate(id));
        }
        self.set_liquidity(market, &[], &[]);
        let now = self.now_ns;
        let m = &mut self.markets[market];
        m.status = MarketStatus::Closed;
        m.closed_ns = Some(now);
        self.outbox.push(ExchangeEvent::Closed(market));
    }

    /// Settles a market (closing it first if it still trades): each account's
    /// contracts of the winning outcome pay $1 each into its cash, and its positions
    /// in the market are removed. A market already settled stays as it was.
    ///
    /// No settlement fee: Kalshi charges none on a plain yes/no result (its docs: fees
    /// only for sub-cent scalar settlement), and Polymarket redemption is free.
    pub fn settle(&mut self, market: usize, yes_wins: bool) {
        match self.markets.get(market).map(|m| m.status) {
            None | Some(MarketStatus::Settled { .. }) => return,
            Some(MarketStatus::Open) => self.close_market(market),
            Some(MarketStatus::Unlisted) | Some(MarketStatus::Closed) => {}
        }
        let now = self.now_ns;
        for (name, account) in self.accounts.iter_mut() {
            for outcome in [Outcome::Yes, Outcome::No] {
                let Some(qty) = account.positions.remove(&(market, outcome)) else {
                    continue;
                };
                if qty.0 <= 0 {
                    continue;
                }
                let won = (outcome == Outcome::Yes) == yes_wins;
                // $1 per contract: micro-contracts become micro-dollars one for one.
                let payout = Money(if won { qty.0 } else { 0 });
                account.cash = Money(account.cash.0 + payout.0);
                self.ledger.settlements.push(SettlementRecord {
                    account: name.clone(),
                    market,
                    outcome,
                    qty,
                    payout,
                    ts_ns: now,
                });
            }
        }
        let m = &mut self.markets[market];
        m.status = MarketStatus::Settled { yes_wins };
        m.settled_ns = Some(now);
        self.outbox
            .push(ExchangeEvent::Settled { market, yes_wins });
    }

    /// Adds contracts to an account's position without touching its cash: a position
    /// planted behind the engine's back. Kalshi YES and NO are not netted here (their
    /// settlement pays the same either way).
    pub fn plant(&mut self, account: &str, market: usize, outcome: Outcome, qty: Qty) {
        let a = self.accounts.entry(account.to_string()).or_default();
        a.positions.entry((market, outcome)).or_default().0 += qty.0;
    }

    /// True if the market is listed (open, closed or settled).
    pub fn listed(&self, market: usize) -> bool {
        self.markets
            .get(market)
            .is_some_and(|m| m.status != MarketStatus::Unlisted)
    }

    /// The venue of a market, if it exists.
    pub fn venue_of(&self, market: usize) -> Option<Venue> {
        self.markets.get(market).map(|m| m.venue)
    }
}
