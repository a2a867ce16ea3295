//! Order entry, price-time matching, cancels and scenario requotes.

use super::{
    Action, Exchange, ExchangeEvent, FillRecord, NewOrder, OrderId, OrderState, RejectReason,
    SimOrder, Tif,
};
use crate::core::fixed::{notional_ceil, notional_floor};
use crate::core::{Money, Price, Qty};
use crate::engine::fees::fee;
use crate::event::{BookSide, Level};

fn opposite(side: BookSide) -> BookSide {
    match side {
        BookSide::Bid => BookSide::Ask,
        BookSide::Ask => BookSide::Bid,
    }
}

/// A bid at `limit` crosses asks at or below it; an ask crosses bids at or above it.
fn crosses(taker: BookSide, limit: u16, level: u16) -> bool {
    match taker {
        BookSide::Bid => level <= limit,
        BookSide::Ask => level >= limit,
    }
}

impl Exchange {
    /// Cash a buy of `qty` at `price` needs: notional plus taker fee.
    fn buy_cost(&self, market: usize, price: Price, qty: Qty) -> Option<Money> {
        let fees = self.markets.get(market)?.fees;
        notional_ceil(price, qty)?.checked_add(fee(fees, price, qty, false)?)
    }

    /// Accepts, matches and (for good-till-canceled orders) rests an order.
    pub fn submit(&mut self, o: NewOrder) -> Result<OrderId, RejectReason> {
        let checked = self.check(&o);
        if let Err(reason) = &checked {
            self.ledger.rejects.push((o.clone(), reason.to_string()));
            return Err(reason.clone());
        }
        let id = self.new_order_id();
        let side = o.book_side();
        let limit = o.book_price().0;
        if o.tif == Tif::FillOrKill && self.fillable(&o) < o.qty {
            self.ledger
                .rejects
                .push((o.clone(), RejectReason::FillOrKillUnfilled.to_string()));
            return Err(RejectReason::FillOrKillUnfilled);
        }
        if let Some(c) = &o.client_order_id {
            self.client_ids.insert((o.account.clone(), c.clone()), id);
        }
        self.ledger.orders.push((id, o.clone()));
        self.orders.insert(
            id,
            SimOrder {
                id,
                order: o.clone(),
                filled: Qty::ZERO,
                state: OrderState::Resting,
                created_ns: self.now_ns,
                fill_cost: Money::ZERO,
                fees: Money::ZERO,
                locked: Money::ZERO,
            },
        );
        let max_fill = match self.fill_cap_bp {
            Some(bp) => Qty(o.qty.0 * i64::from(bp) / 10_000 / Qty::SCALE * Qty::SCALE),
            None => o.qty,
        };
        self.match_taker(id, side, limit, max_fill);
        let remaining = self.orders.get(&id).map_or(Qty::ZERO, SimOrder::remaining);
        if remaining.0 > 0 {
            if o.tif == Tif::GoodTillCanceled {
                self.rest(id, side, limit, remaining);
            } else {
                self.close(id, OrderState::Canceled);
            }
        }
        self.outbox.push(ExchangeEvent::OrderUpdate(id));
        Ok(id)
    }

    fn check(&self, o: &NewOrder) -> Result<(), RejectReason> {
        let Some(market) = self.markets.get(o.market) else {
            return Err(RejectReason::UnknownMarket);
        };
        if market.status != super::MarketStatus::Open {
            return Err(RejectReason::MarketNotOpen);
        }
        if o.price.0 == 0 || o.price.0 >= Price::SCALE as u16 {
            return Err(RejectReason::BadPrice);
        }
        if o.qty.0 <= 0 {
            return Err(RejectReason::BadQuantity);
        }
        if let Some(c) = &o.client_order_id
            && self
                .client_ids
                .contains_key(&(o.account.clone(), c.clone()))
        {
            return Err(RejectReason::DuplicateClientOrderId);
        }
        let account = self.accounts.get(&o.account).cloned().unwrap_or_default();
        match o.action {
            Action::Buy => {
                let cost = self
                    .buy_cost(o.market, o.price, o.qty)
                    .ok_or(RejectReason::InsufficientBalance)?;
                if cost.0 > account.cash.0 - account.locked.0 {
                    return Err(RejectReason::InsufficientBalance);
                }
            }
            Action::Sell => {
                let held = account
                    .positions
                    .get(&(o.market, o.outcome))
                    .copied()
                    .unwrap_or_default();
                let selling: i64 = self
                    .orders_of(&o.account)
                    .filter(|r| {
                        r.state == OrderState::Resting
                            && r.order.market == o.market
                            && r.order.outcome == o.outcome
                            && r.order.action == Action::Sell
                    })
                    .map(|r| r.remaining().0)
                    .sum();
                if held.0 - selling < o.qty.0 {
                    return Err(RejectReason::InsufficientPosition);
                }
            }
        }
        Ok(())
    }

    /// Quantity an order could fill now at its limit (other accounts' orders only).
    fn fillable(&self, o: &NewOrder) -> Qty {
        let m = &self.markets[o.market];
        let side = o.book_side();
        let limit = o.book_price().0;
        let opp = opposite(side);
        let mut total = m
            .liquidity
            .levels(opp)
            .take_while(|l| crosses(side, limit, l.price.0))
            .map(|l| l.qty.0)
            .sum::<i64>();
        let resting = match opp {
            BookSide::Bid => &m.resting_bids,
            BookSide::Ask => &m.resting_asks,
        };
        for (&p, ids) in resting {
            if crosses(side, limit, p) {
                total += ids
                    .iter()
                    .filter_map(|i| self.orders.get(i))
                    .filter(|r| r.order.account != o.account)
                    .map(|r| r.remaining().0)
                    .sum::<i64>();
            }
        }
        Qty(total)
    }

    /// The YES-book prices on the opposite side that a taker at `limit` can reach,
    /// best first.
    fn crossing_prices(&self, market: usize, taker: BookSide, limit: u16) -> Vec<u16> {
        let m = &self.markets[market];
        let opp = opposite(taker);
        let mut prices: Vec<u16> = m.liquidity.levels(opp).map(|l| l.price.0).collect();
        let resting = match opp {
            BookSide::Bid => &m.resting_bids,
            BookSide::Ask => &m.resting_asks,
        };
        prices.extend(resting.keys().copied());
        prices.retain(|&p| crosses(taker, limit, p));
        prices.sort_unstable();
        prices.dedup();
        if opp == BookSide::Bid {
            prices.reverse();
        }
        prices
    }

    /// Matches a new order against the book, filling at most `max_fill` of it.
    fn match_taker(&mut self, id: OrderId, side: BookSide, limit: u16, max_fill: Qty) {
        let Some(market) = self.orders.get(&id).map(|o| o.order.market) else {
            return;
        };
        let opp = opposite(side);
        for p in self.crossing_prices(market, side, limit) {
            let filled = self.orders.get(&id).map_or(Qty::ZERO, |o| o.filled);
            let mut remaining = self
                .orders
                .get(&id)
                .map_or(Qty::ZERO, SimOrder::remaining)
                .min(Qty(max_fill.0 - filled.0));
            if remaining.0 <= 0 {
                break;
            }
            let old = self.public_qty(market, opp, p);
            // Other traders' liquidity first, then resting orders in time order.
            let liq = self.markets[market].liquidity.qty_at(opp, Price(p));
            let take = remaining.min(liq);
            if take.0 > 0 {
                let _ = self.markets[market]
                    .liquidity
                    .set(opp, Price(p), Qty(liq.0 - take.0));
                self.fill(id, Price(p), take, true);
                self.trade(market, Price(p), take, side);
                remaining = Qty(remaining.0 - take.0);
            }
            let queue: Vec<OrderId> = match opp {
                BookSide::Bid => self.markets[market].resting_bids.get(&p),
                BookSide::Ask => self.markets[market].resting_asks.get(&p),
            }
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default();
            let taker_account = self
                .orders
                .get(&id)
                .map(|o| o.order.account.clone())
                .unwrap_or_default();
            for maker in queue {
                if remaining.0 == 0 {
                    break;
                }
                let Some(m) = self.orders.get(&maker) else {
                    continue;
                };
                if m.order.account == taker_account {
                    continue; // no self-trades
                }
                let take = remaining.min(m.remaining());
                self.fill(id, Price(p), take, true);
                self.fill(maker, Price(p), take, false);
                self.trade(market, Price(p), take, side);
                remaining = Qty(remaining.0 - take.0);
            }
            self.publish_level(market, opp, p, old);
        }
    }

    fn trade(&mut self, market: usize, yes_price: Price, qty: Qty, taker_side: BookSide) {
        self.outbox.push(ExchangeEvent::Trade {
            market,
            yes_price,
            qty,
            taker_side,
        });
    }

    /// Books a fill of `qty` at YES-book price `book_price` for an account's order.
    fn fill(&mut self, id: OrderId, book_price: Price, qty: Qty, is_taker: bool) {
        let trade_id = self.new_trade_id();
        let now = self.now_ns;
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let price = match o.order.outcome {
            crate::core::Outcome::Yes => book_price,
            crate::core::Outcome::No => book_price.complement(),
        };
        let fees = self.markets[o.order.market].fees;
        let paid_fee = fee(fees, price, qty, !is_taker).unwrap_or(Money::ZERO);
        let account = self.accounts.entry(o.order.account.clone()).or_default();
        let pos = account
            .positions
            .entry((o.order.market, o.order.outcome))
            .or_default();
        match o.order.action {
            Action::Buy => {
                let cost = notional_ceil(price, qty).unwrap_or(Money::ZERO);
                account.cash = Money(account.cash.0 - cost.0 - paid_fee.0);
                pos.0 += qty.0;
                o.fill_cost = Money(o.fill_cost.0 + cost.0);
            }
            Action::Sell => {
                let proceeds = notional_floor(price, qty).unwrap_or(Money::ZERO);
                account.cash = Money(account.cash.0 + proceeds.0 - paid_fee.0);
                pos.0 -= qty.0;
                o.fill_cost = Money(o.fill_cost.0 + proceeds.0);
            }
        }
        if self.markets[o.order.market].venue == crate::core::Venue::Kalshi {
            // Kalshi keeps one signed position per market: YES+NO pairs close at $1.
            let yes = account
                .positions
                .get(&(o.order.market, crate::core::Outcome::Yes))
                .map_or(0, |q| q.0);
            let no = account
                .positions
                .get(&(o.order.market, crate::core::Outcome::No))
                .map_or(0, |q| q.0);
            let pairs = yes.min(no).max(0);
            if pairs > 0 {
                for outcome in [crate::core::Outcome::Yes, crate::core::Outcome::No] {
                    if let Some(q) = account.positions.get_mut(&(o.order.market, outcome)) {
                        q.0 -= pairs;
                    }
                }
                account.cash = Money(account.cash.0 + pairs);
            }
        }
        o.filled = Qty(o.filled.0 + qty.0);
        o.fees = Money(o.fees.0 + paid_fee.0);
        if o.locked.0 > 0 {
            // Keep locked what the unfilled remainder needs at the limit.
            let rem = Qty(o.order.qty.0 - o.filled.0);
            let need = notional_ceil(o.order.price, rem)
                .zip(fee(fees, o.order.price, rem, false))
                .map_or(Money::ZERO, |(n, f)| Money(n.0 + f.0));
            let release = Money((o.locked.0 - need.0).max(0));
            o.locked = Money(o.locked.0 - release.0);
            account.locked = Money(account.locked.0 - release.0);
        }
        let record = FillRecord {
            trade_id,
            order_id: id,
            account: o.order.account.clone(),
            client_order_id: o.order.client_order_id.clone(),
            market: o.order.market,
            outcome: o.order.outcome,
            action: o.order.action,
            price,
            qty,
            fee: paid_fee,
            is_taker,
            ts_ns: now,
        };
        let done = o.filled == o.order.qty;
        self.ledger.fills.push(record.clone());
        self.outbox.push(ExchangeEvent::Fill(record));
        if done {
            self.close(id, OrderState::Executed);
        }
        if !is_taker {
            self.outbox.push(ExchangeEvent::OrderUpdate(id));
        }
    }

    fn rest(&mut self, id: OrderId, side: BookSide, price: u16, remaining: Qty) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        let market = o.order.market;
        let old = self.public_qty(market, side, price);
        if o.order.action == Action::Buy {
            let lock = self
                .buy_cost(market, o.order.price, remaining)
                .unwrap_or(Money::ZERO);
            let account = self.accounts.entry(o.order.account.clone()).or_default();
            account.locked = Money(account.locked.0 + lock.0);
            if let Some(o) = self.orders.get_mut(&id) {
                o.locked = lock;
            }
        }
        let m = &mut self.markets[market];
        let book = match side {
            BookSide::Bid => &mut m.resting_bids,
            BookSide::Ask => &mut m.resting_asks,
        };
        book.entry(price).or_default().push_back(id);
        self.publish_level(market, side, price, old);
    }

    /// Takes an order off the book (if resting) and sets its final state.
    pub(super) fn close(&mut self, id: OrderId, state: OrderState) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let was_resting = o.state == OrderState::Resting;
        o.state = state;
        let (market, side, price, locked, account) = (
            o.order.market,
            o.order.book_side(),
            o.order.book_price().0,
            o.locked,
            o.order.account.clone(),
        );
        o.locked = Money::ZERO;
        if let Some(a) = self.accounts.get_mut(&account) {
            a.locked = Money(a.locked.0 - locked.0);
        }
        if !was_resting {
            return;
        }
        let old = self.public_qty(market, side, price);
        let m = &mut self.markets[market];
        let book = match side {
            BookSide::Bid => &mut m.resting_bids,
            BookSide::Ask => &mut m.resting_asks,
        };
        let mut found = false;
        if let Some(q) = book.get_mut(&price) {
            let before = q.len();
            q.retain(|&i| i != id);
            found = q.len() != before;
            if q.is_empty() {
                book.remove(&price);
            }
        }
        if found {
            self.publish_level(market, side, price, old);
        }
    }

    /// Cancels an account's resting order.
    pub fn cancel(&mut self, account: &str, id: OrderId) -> Result<&SimOrder, CancelError> {
        let o = self.orders.get(&id).ok_or(CancelError::NotFound)?;
        if o.order.account != account {
            return Err(CancelError::NotFound);
        }
        if o.state != OrderState::Resting {
            return Err(CancelError::NotResting);
        }
        self.close(id, OrderState::Canceled);
        self.ledger.cancels.push(id);
        self.outbox.push(ExchangeEvent::OrderUpdate(id));
        self.orders.get(&id).ok_or(CancelError::NotFound)
    }

    /// Closes every resting order whose expiry is at or before `now_ns` (the venue
    /// reports it canceled, with what it filled).
    pub fn expire_due(&mut self, now_ns: i64) {
        let due: Vec<OrderId> = self
            .expiries
            .iter()
            .filter(|&(_, &at)| at <= now_ns)
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            self.expiries.remove(&id);
            if self
                .orders
                .get(&id)
                .is_some_and(|o| o.state == OrderState::Resting)
            {
                self.close(id, OrderState::Canceled);
                self.outbox.push(ExchangeEvent::OrderUpdate(id));
            }
        }
    }

    /// Replaces a market's scenario liquidity. Resting orders the new quotes cross are
    /// filled by those other traders, at the resting order's price.
    pub fn set_liquidity(&mut self, market: usize, bids: &[Level], asks: &[Level]) {
        // Other traders quote only while the market trades.
        if self
            .markets
            .get(market)
            .is_none_or(|m| m.status != super::MarketStatus::Open)
        {
            return;
        }
        let before = super::public_levels(self, market);
        let _ = self.markets[market].liquidity.replace(bids, asks);
        self.cross_resting(market, BookSide::Bid);
        self.cross_resting(market, BookSide::Ask);
        let after = super::public_levels(self, market);
        for (side, old_levels, new_levels) in [
            (BookSide::Bid, &before.0, &after.0),
            (BookSide::Ask, &before.1, &after.1),
        ] {
            let mut prices: Vec<u16> = old_levels
                .keys()
                .chain(new_levels.keys())
                .copied()
                .collect();
            prices.sort_unstable();
            prices.dedup();
            for p in prices {
                let (o, n) = (
                    old_levels.get(&p).copied().unwrap_or(0),
                    new_levels.get(&p).copied().unwrap_or(0),
                );
                if o != n {
                    self.outbox.push(ExchangeEvent::Level {
                        market,
                        side,
                        price: Price(p),
                        old: Qty(o),
                        new: Qty(n),
                    });
                }
            }
        }
    }

    /// Resting orders on `side` that the scenario's opposite liquidity now crosses.
    fn cross_resting(&mut self, market: usize, side: BookSide) {
        let opp = opposite(side);
        let resting: Vec<(u16, OrderId)> = match side {
            BookSide::Bid => self.markets[market]
                .resting_bids
                .iter()
                .rev()
                .flat_map(|(&p, q)| q.iter().map(move |&i| (p, i)))
                .collect(),
            BookSide::Ask => self.markets[market]
                .resting_asks
                .iter()
                .flat_map(|(&p, q)| q.iter().map(move |&i| (p, i)))
                .collect(),
        };
        for (p, id) in resting {
            loop {
                let remaining = self.orders.get(&id).map_or(Qty::ZERO, SimOrder::remaining);
                let best = match opp {
                    BookSide::Ask => self.markets[market].liquidity.best_ask(),
                    BookSide::Bid => self.markets[market].liquidity.best_bid(),
                };
                let Some(level) = best else { break };
                if remaining.0 == 0 || !crosses(side, p, level.price.0) {
                    break;
                }
                let take = remaining.min(level.qty);
                let _ =
                    self.markets[market]
                        .liquidity
                        .set(opp, level.price, Qty(level.qty.0 - take.0));
                self.fill(id, Price(p), take, false);
                self.trade(market, Price(p), take, opp);
            }
        }
    }

    /// Undoes the account side of a fill whose trade failed to settle: contracts and
    /// cash go back to before it. Returns the fill, or `None` if unknown or undone.
    pub fn reverse_fill(&mut self, trade_id: u64) -> Option<FillRecord> {
        if self.failed_trades.contains(&trade_id) {
            return None;
        }
        let f = self
            .ledger
            .fills
            .iter()
            .find(|f| f.trade_id == trade_id)?
            .clone();
        let account = self.accounts.entry(f.account.clone()).or_default();
        let pos = account.positions.entry((f.market, f.outcome)).or_default();
        match f.action {
            Action::Buy => {
                let cost = notional_ceil(f.price, f.qty).unwrap_or(Money::ZERO);
                account.cash = Money(account.cash.0 + cost.0 + f.fee.0);
                pos.0 -= f.qty.0;
            }
            Action::Sell => {
                let proceeds = notional_floor(f.price, f.qty).unwrap_or(Money::ZERO);
                account.cash = Money(account.cash.0 - proceeds.0 + f.fee.0);
                pos.0 += f.qty.0;
            }
        }
        self.failed_trades.insert(trade_id);
        self.outbox.push(ExchangeEvent::FillFailed(f.clone()));
        Some(f)
    }

    /// Public quantity at a level: liquidity plus resting account orders.
    pub(super) fn public_qty(&self, market: usize, side: BookSide, price: u16) -> Qty {
        let m = &self.markets[market];
        let resting = match side {
            BookSide::Bid => m.resting_bids.get(&price),
            BookSide::Ask => m.resting_asks.get(&price),
        };
        let own: i64 = resting.map_or(0, |q| {
            q.iter()
                .filter_map(|i| self.orders.get(i))
                .map(|o| o.remaining().0)
                .sum()
        });
        Qty(m.liquidity.qty_at(side, Price(price)).0 + own)
    }

    fn publish_level(&mut self, market: usize, side: BookSide, price: u16, old: Qty) {
        let new = self.public_qty(market, side, price);
        if new != old {
            self.outbox.push(ExchangeEvent::Level {
                market,
                side,
                price: Price(price),
                old,
                new,
            });
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("order not found")]
    NotFound,
    #[error("order is not resting")]
    NotResting,
}
