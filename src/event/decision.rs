//! Outputs of the reducer. Each is journaled after the event that caused it; replay
//! recomputes them and must find the same values.

use crate::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// A lane saw an edge after fees.
    OpportunityFound(Opportunity),
    /// The engine commits to trading an opportunity; its orders follow.
    Intent(Intent),
    /// An opportunity that was not traded, and why.
    Skipped {
        opportunity: u64,
        reason: SkipReason,
    },
    /// Send an order. Journaled (and made durable) before it leaves the process.
    PlaceOrder(PlaceOrder),
    CancelOrder {
        id: ClientOrderId,
    },
    Halt {
        reason: HaltReason,
    },
    ModeChange {
        from: Mode,
        to: Mode,
    },
    /// An input the reducer refused; state is unchanged by it.
    InputRejected {
        reason: InputError,
    },
}

impl Decision {
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::OpportunityFound(_) => "opportunity_found",
            Decision::Intent(_) => "intent",
            Decision::Skipped { .. } => "skipped",
            Decision::PlaceOrder(_) => "place_order",
            Decision::CancelOrder { .. } => "cancel_order",
            Decision::Halt { .. } => "halt",
            Decision::ModeChange { .. } => "mode_change",
            Decision::InputRejected { .. } => "input_rejected",
        }
    }

    /// Decisions that must be durable before the driver acts on them.
    pub fn needs_durability(&self) -> bool {
        matches!(
            self,
            Decision::Intent(_) | Decision::PlaceOrder(_) | Decision::CancelOrder { .. }
        )
    }
}

/// Strategy families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Lane {
    /// YES + NO of one market below $1.
    IntraVenue,
    /// YES on one venue + NO on the other for the same question below $1.
    CrossVenue,
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::IntraVenue, Lane::CrossVenue];

    pub fn name(self) -> &'static str {
        match self {
            Lane::IntraVenue => "intra_venue",
            Lane::CrossVenue => "cross_venue",
        }
    }
}

/// One leg of an opportunity: buy `outcome` of `market` at up to `price`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub market: MarketId,
    pub outcome: Outcome,
    pub price: Price,
    /// Displayed depth at that price.
    pub depth: Qty,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: u64,
    pub lane: Lane,
    pub legs: Vec<Leg>,
    /// Payout minus prices minus fees, per contract, at the sized quantity.
    pub edge_per_contract: Money,
    /// Quantity the sizing allows (zero when skipped for size).
    pub qty: Qty,
    pub expected_profit: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub opportunity: u64,
    pub qty: Qty,
    /// Worst-case cash out: prices plus fees of every leg.
    pub max_cost: Money,
    pub expected_profit: Money,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeInForce {
    /// Fill what crosses now, cancel the rest.
    ImmediateOrCancel,
    GoodTillCanceled,
    /// Rests until filled, canceled, or `expires_ns` (event time, ns since the epoch).
    /// Format version 2.
    GoodTillTime {
        expires_ns: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrder {
    pub id: ClientOrderId,
    pub market: MarketId,
    pub outcome: Outcome,
    /// Limit price for buying `outcome`.
    pub price: Price,
    pub qty: Qty,
    pub tif: TimeInForce,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SkipReason {
    /// Edge after fees below the configured minimum.
    EdgeBelowMinimum,
    /// Expected profit at the sized quantity below the configured minimum.
    ProfitBelowMinimum,
    /// Less than one whole contract after depth, caps and cash.
    SizeTooSmall,
    InsufficientCash,
    /// An order is still open on one of the markets.
    OrderInFlight,
    Halted,
    PairConfidenceTooLow,
    /// Cost or fee arithmetic overflowed: treated as untradeable.
    Overflow,
    // Format version 2 from here on.
    /// A leg's venue is halted by the operator.
    VenueHalted,
    /// The lane is switched off (by the operator, or not in the canary's lanes).
    LaneDisabled,
    /// The entry's worst case would take the day's loss past the cap.
    LossCap,
    /// The entry would take a venue's, market's or event's exposure past its cap.
    ExposureCap,
    /// A leg's book is older than the configured bound.
    StaleBook,
    /// A leg's venue is failing order requests (its breaker is open).
    CircuitOpen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HaltReason {
    KillSwitch,
    /// A fill left a position that no other leg hedges.
    UnhedgedExposure,
    /// The day's loss reached its cap (format version 2).
    LossCap,
    /// Too many execution failures in a row (format version 2).
    ExecutionFailures,
    /// The process is stopping (format version 2).
    Shutdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// Trading normally.
    Normal,
    /// Kill switch engaged: no new orders.
    Halted,
    /// Unhedged exposure: no new entries until an operator acknowledges.
    Safe,
}

/// Why the reducer refused an input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputError {
    UnknownMarket(MarketId),
    /// A `MarketDefined` whose id is not the next free index.
    MarketIdOutOfOrder {
        got: MarketId,
        expected: MarketId,
    },
    /// The same market defined again with a different venue or venue id.
    MarketRedefined(MarketId),
    PriceOutOfRange {
        market: MarketId,
        price: Price,
    },
    NegativeQuantity {
        market: MarketId,
        price: Price,
    },
    /// A delta whose venue sequence number is not above the last one seen.
    StaleSequence {
        market: MarketId,
        last: u64,
        got: u64,
    },
    UnknownOrder(ClientOrderId),
    /// A fill that does not match its order (market, outcome, or more than remains).
    FillMismatch(ClientOrderId),
    PairUnusable {
        a: MarketId,
        b: MarketId,
    },
    /// A balance or position arithmetic overflow.
    Overflow,
}
