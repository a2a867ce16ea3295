//! The rows of the export tables as the collector builds them: market data and
//! decisions (streamed), orders, fills and opportunities (followed to their end).

use crate::core::{MarketId, Money, Price, Qty, Venue};
use crate::event::{BookSide, Decision, Fill, Lane, PlaceOrder, SkipReason};

/// What a `MarketDefined` bound a market id to.
#[derive(Clone, Debug)]
pub struct MarketInfo {
    pub venue: Venue,
    pub venue_id: String,
    pub event_id: String,
}

/// One market-data row: a book level of a snapshot, one level change, or a trade.
#[derive(Clone, Debug)]
pub struct MdRow {
    pub seq: u64,
    /// Position within the record (levels of a snapshot, deltas of a batch).
    pub idx: u32,
    pub ts: i64,
    pub market: MarketId,
    /// `snapshot`, `delta_add`, `delta_set` or `trade`.
    pub kind: &'static str,
    /// Book side (`bid`/`ask`); for a trade the taker's side, if the venue said.
    pub side: Option<BookSide>,
    pub price: Option<Price>,
    pub qty: Option<Qty>,
    pub venue_seq: Option<u64>,
}

/// One decision record, with the event record it followed.
#[derive(Clone, Debug)]
pub struct DecisionRow {
    pub seq: u64,
    pub ts: i64,
    pub cause_seq: u64,
    pub cause_kind: &'static str,
    /// The lane of the decision's opportunity, where it names one.
    pub lane: Option<Lane>,
    pub decision: Decision,
}

/// An order from its `PlaceOrder` to its last known state.
#[derive(Clone, Debug)]
pub struct OrderRow {
    pub place: PlaceOrder,
    pub lane: Option<Lane>,
    pub placed_ts: i64,
    pub placed_seq: u64,
    pub acked_ts: Option<i64>,
    pub venue_order_id: Option<String>,
    /// `pending` (not acknowledged), `open`, `filled`, `canceled`, `rejected`, `expired`.
    pub status: &'static str,
    pub filled: Qty,
    /// Cash paid for the fills, before fees (each fill's notional rounded up).
    pub filled_cost: Money,
    pub fees: Money,
    pub first_fill_ts: Option<i64>,
    pub closed_ts: Option<i64>,
    pub canceled_qty: Option<Qty>,
    pub reject_reason: Option<String>,
}

/// A `Fill` or `FillReversed` event.
#[derive(Clone, Debug)]
pub struct FillRow {
    pub seq: u64,
    pub ts: i64,
    pub fill: Fill,
    /// The order's limit price (if the order is in the journal).
    pub limit: Option<Price>,
    pub reversed: bool,
    /// The reducer refused it (an `InputRejected` followed): it changed nothing.
    pub rejected: bool,
}

/// An opportunity and what became of it. Realized PnL is defined as the engine's
/// locked PnL: covered pairs pay $1 each, uncovered contracts count as worth nothing.
#[derive(Clone, Debug)]
pub struct OppRow {
    pub id: u64,
    pub lane: Lane,
    pub found_ts: i64,
    pub found_seq: u64,
    pub legs: u8,
    pub edge_per_contract: Money,
    pub sized_qty: Qty,
    pub found_expected_profit: Money,
    pub intent: Option<Intent>,
    pub skip: Option<SkipReason>,
    pub orders: u32,
    /// Contracts filled on the first leg (leg 0) and on the legs that cover it.
    pub filled_first: i64,
    pub filled_cover: i64,
    /// Cash paid for every fill, fees included (`Episode::spent` in the reducer).
    pub spent: i64,
    pub fees: i64,
    pub last_fill_ts: Option<i64>,
    /// The sum of its `Realized` decisions: what its contracts paid at settlement (or
    /// netting) less what they cost. `None` until one is journaled.
    pub settled_pnl: Option<i64>,
}

#[derive(Clone, Copy, Debug)]
pub struct Intent {
    pub ts: i64,
    pub qty: Qty,
    pub max_cost: Money,
    pub expected_profit: Money,
}

impl OppRow {
    pub fn covered(&self) -> i64 {
        self.filled_first.min(self.filled_cover)
    }
    pub fn unhedged(&self) -> i64 {
        (self.filled_first - self.filled_cover).abs()
    }
    /// Covered contracts × $1 − cash paid (Qty and Money share the 1e-6 scale).
    pub fn realized(&self) -> i64 {
        self.covered() - self.spent
    }
}
