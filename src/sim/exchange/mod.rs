//! The simulator's exchange: markets whose books hold the scenario's liquidity ("other
//! traders") and the accounts' resting orders, accounts with cash and positions,
//! price-time matching, and a ledger of everything it received and did. Venue-neutral:
//! every book is the YES book of a market (a Polymarket token's own book); the venue
//! servers translate their order spellings into `NewOrder`.

mod book_view;
mod lifecycle;
mod matching;
#[cfg(test)]
mod tests;

pub use book_view::public_levels;
pub use lifecycle::{MarketStatus, SettlementRecord};
pub use matching::CancelError;

use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::engine::book::Book;
use crate::event::{BookSide, FeeModel};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

pub type OrderId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tif {
    GoodTillCanceled,
    ImmediateOrCancel,
    FillOrKill,
}

/// An order as the exchange understands it: `action` of `outcome` at an outcome price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewOrder {
    pub account: String,
    pub market: usize,
    pub outcome: Outcome,
    pub action: Action,
    /// Limit price of the outcome traded.
    pub price: Price,
    pub qty: Qty,
    pub tif: Tif,
    pub client_order_id: Option<String>,
}

impl NewOrder {
    /// The side of the YES book this order rests on: buying YES or selling NO bids.
    pub fn book_side(&self) -> BookSide {
        match (self.outcome, self.action) {
            (Outcome::Yes, Action::Buy) | (Outcome::No, Action::Sell) => BookSide::Bid,
            _ => BookSide::Ask,
        }
    }

    /// The YES-book price of this order.
    pub fn book_price(&self) -> Price {
        match self.outcome {
            Outcome::Yes => self.price,
            Outcome::No => self.price.complement(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    Resting,
    /// Fully filled.
    Executed,
    Canceled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SimOrder {
    pub id: OrderId,
    pub order: NewOrder,
    pub filled: Qty,
    pub state: OrderState,
    pub created_ns: i64,
    pub fill_cost: Money,
    pub fees: Money,
    /// Cash locked for the unfilled part of a resting buy.
    pub locked: Money,
}

impl SimOrder {
    pub fn remaining(&self) -> Qty {
        Qty(self.order.qty.0 - self.filled.0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Account {
    pub cash: Money,
    pub locked: Money,
    /// (market index, outcome) -> contracts held.
    pub positions: BTreeMap<(usize, Outcome), Qty>,
}

#[derive(Clone, Debug)]
pub struct SimMarket {
    pub venue: Venue,
    pub venue_id: String,
    pub fees: FeeModel,
    /// Scenario liquidity: what other traders show.
    pub liquidity: Book,
    /// Resting account orders per YES-book price, in time order.
    pub resting_bids: BTreeMap<u16, VecDeque<OrderId>>,
    pub resting_asks: BTreeMap<u16, VecDeque<OrderId>>,
    /// Where the market is in its life: listed, trading, closed, settled.
    pub status: MarketStatus,
    /// When trading ends as scheduled (ns since the epoch, wall clock), if ever.
    pub close_ns: Option<i64>,
    /// From when the venue lists an amended resolution text (ns since the epoch).
    pub rules_amended_ns: Option<i64>,
    /// When the market was listed, closed and settled (ns since the epoch).
    pub listed_ns: Option<i64>,
    pub closed_ns: Option<i64>,
    pub settled_ns: Option<i64>,
}

impl SimMarket {
    /// Does the venue list the amended resolution text at `now_ns`?
    pub fn rules_amended(&self, now_ns: i64) -> bool {
        self.rules_amended_ns.is_some_and(|t| now_ns >= t)
    }
}

/// One fill, as the ledger and the user channels report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FillRecord {
    pub trade_id: u64,
    pub order_id: OrderId,
    pub account: String,
    pub client_order_id: Option<String>,
    pub market: usize,
    pub outcome: Outcome,
    pub action: Action,
    /// Outcome price.
    pub price: Price,
    pub qty: Qty,
    pub fee: Money,
    pub is_taker: bool,
    pub ts_ns: i64,
}

/// What the exchange did that its feeds publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeEvent {
    /// The public (aggregated) quantity at a YES-book level changed.
    Level {
        market: usize,
        side: BookSide,
        price: Price,
        old: Qty,
        new: Qty,
    },
    Trade {
        market: usize,
        yes_price: Price,
        qty: Qty,
        taker_side: BookSide,
    },
    Fill(FillRecord),
    /// An account's order changed state or fill.
    OrderUpdate(OrderId),
    /// A fill was undone (its trade failed to settle).
    FillFailed(FillRecord),
    /// The market was listed: it trades from now on.
    Listed(usize),
    /// Trading in the market ended: its resting orders were canceled.
    Closed(usize),
    /// The market's result is known and its positions were paid.
    Settled {
        market: usize,
        yes_wins: bool,
    },
}

/// Why an order was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    #[error("unknown market")]
    UnknownMarket,
    #[error("price must be between 0.0001 and 0.9999")]
    BadPrice,
    #[error("quantity must be positive")]
    BadQuantity,
    #[error("insufficient balance")]
    InsufficientBalance,
    #[error("insufficient position to sell")]
    InsufficientPosition,
    #[error("duplicate client_order_id")]
    DuplicateClientOrderId,
    #[error("fill-or-kill order could not be filled completely")]
    FillOrKillUnfilled,
    #[error("market is not open for trading")]
    MarketNotOpen,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Ledger {
    /// Every order accepted, in arrival order, as received.
    pub orders: Vec<(OrderId, NewOrder)>,
    /// Every order refused, with why.
    pub rejects: Vec<(NewOrder, String)>,
    pub fills: Vec<FillRecord>,
    pub cancels: Vec<OrderId>,
    /// Every position paid out (or lost) at a market's settlement.
    pub settlements: Vec<SettlementRecord>,
}

#[derive(Default)]
pub struct Exchange {
    pub markets: Vec<SimMarket>,
    index: BTreeMap<(Venue, String), usize>,
    pub accounts: BTreeMap<String, Account>,
    pub orders: BTreeMap<OrderId, SimOrder>,
    client_ids: BTreeMap<(String, String), OrderId>,
    pub ledger: Ledger,
    /// Published changes since the feeds last drained them.
    pub outbox: Vec<ExchangeEvent>,
    pub now_ns: i64,
    /// Counts published batches of `outbox` (see the simulator server's feed).
    pub version: u64,
    /// A scripted partial-fill fault: taker orders fill at most this share (bp).
    pub fill_cap_bp: Option<u16>,
    /// Trades that failed to settle (their fills were undone).
    pub failed_trades: std::collections::BTreeSet<u64>,
    /// Resting orders that expire at a time (ns since the epoch), as Kalshi's
    /// `expiration_ts` asks.
    pub expiries: BTreeMap<OrderId, i64>,
    next_order: OrderId,
    next_trade: u64,
}

impl Exchange {
    pub fn new() -> Exchange {
        Exchange {
            next_order: 1,
            next_trade: 1,
            ..Exchange::default()
        }
    }

    pub fn add_market(&mut self, venue: Venue, venue_id: &str, fees: FeeModel) -> usize {
        if let Some(&i) = self.index.get(&(venue, venue_id.to_string())) {
            return i;
        }
        let i = self.markets.len();
        self.markets.push(SimMarket {
            venue,
            venue_id: venue_id.to_string(),
            fees,
            // Cent slots: a level off the cent (a finer tick, a resting order) refines
            // the book's step by itself.
            liquidity: Book::with_tick(crate::core::Price(100)),
            resting_bids: BTreeMap::new(),
            resting_asks: BTreeMap::new(),
            status: MarketStatus::Open,
            close_ns: None,
            rules_amended_ns: None,
            listed_ns: None,
            closed_ns: None,
            settled_ns: None,
        });
        self.index.insert((venue, venue_id.to_string()), i);
        i
    }

    pub fn market(&self, venue: Venue, venue_id: &str) -> Option<usize> {
        self.index.get(&(venue, venue_id.to_string())).copied()
    }

    pub fn fund(&mut self, account: &str, cash: Money) {
        self.accounts.entry(account.to_string()).or_default().cash = cash;
    }

    pub fn account(&self, account: &str) -> Option<&Account> {
        self.accounts.get(account)
    }

    /// Orders of an account, oldest first.
    pub fn orders_of<'a>(&'a self, account: &'a str) -> impl Iterator<Item = &'a SimOrder> + 'a {
        self.orders
            .values()
            .filter(move |o| o.order.account == account)
    }

    pub fn order_by_client_id(&self, account: &str, client_order_id: &str) -> Option<&SimOrder> {
        let id = self
            .client_ids
            .get(&(account.to_string(), client_order_id.to_string()))?;
        self.orders.get(id)
    }

    fn new_order_id(&mut self) -> OrderId {
        let id = self.next_order;
        self.next_order += 1;
        id
    }

    fn new_trade_id(&mut self) -> u64 {
        let id = self.next_trade;
        self.next_trade += 1;
        id
    }
}
