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
    /// The quote sanity firewall refused a market's book (format version 2): no lane
    /// reads it until an update passes. Journaled when a market's verdict turns to this
    /// reason (each refusal is counted in the reducer's stats).
    BookRejected {
        market: MarketId,
        reason: SkipReason,
    },
    /// A lane's evaluation of one rule (`key`: the market, pair or group index) was
    /// refused before it looked for an edge (format version 2): an input book refused,
    /// stale, missing, or a ladder that fails its sanity check. Journaled when the
    /// rule's verdict turns to this reason; every refusal is counted.
    LaneSkipped {
        lane: Lane,
        key: u32,
        reason: SkipReason,
    },
    /// How many rules a lane watches and how many of them have every book they read
    /// present, fresh and passing the firewall (format version 3). Journaled on a
    /// `Tick` at most once per coverage interval of event time, for the lanes whose
    /// figures changed since they were last journaled.
    LaneCoverage {
        lane: Lane,
        rules: u32,
        fresh: u32,
    },
    /// A venue's view differs from the engine's (format version 4): both values, in
    /// the unit of `what` (contracts or dollars, 1e-6). Journaled when first seen,
    /// when the venue's value changes, and when it is confirmed by a second read with
    /// no order activity between (a position: then adopted, with safe mode).
    Discrepancy(Discrepancy),
    /// Contracts left a position at a price known in the end (format version 5): paid
    /// at a market's settlement, or (with a `SettlementPolicy`) netted as Kalshi YES+NO
    /// pairs at $0.50 a side. One per opportunity that bought them (`None`: contracts
    /// no opportunity bought, such as a position adopted from the venue). The sum over
    /// an opportunity is its realized PnL.
    Realized(Realized),
    /// An unhedged position is being closed (format version 6): the order that does it
    /// follows. `loss` is what closing at the quote seen loses per contract against
    /// what the position cost (negative: a gain); a completion's is the pair's shortfall
    /// from $1 (negative: the edge it still locks).
    Exit(Exit),
    /// Sell contracts held (format version 7): `price` is the lowest accepted per
    /// contract. Journaled, durable and sent like `PlaceOrder`; the order it carries
    /// has `side` `Sell` (the side is the variant, not a field, in the journal).
    SellOrder(#[serde(deserialize_with = "sell_order")] PlaceOrder),
}

/// Decodes a `SellOrder`'s order: the variant says it sells.
fn sell_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<PlaceOrder, D::Error> {
    let mut order = PlaceOrder::deserialize(d)?;
    order.side = OrderSide::Sell;
    Ok(order)
}

/// Why an unhedged position is closed (format version 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ExitReason {
    /// The planned second leg offers its price again (within the legging tolerance):
    /// the pair is completed as it was meant to be.
    Complete,
    /// The edge the position was bought for is gone (its second leg is beyond the
    /// tolerance) and the position can be closed within the legging loss bound.
    EdgeDecay,
    /// The position has been unhedged for the exit policy's `max_hold`.
    TimeStop,
    /// What closing now would lose per contract has reached the exit policy's
    /// `ev_stop`: the loss is cut before it grows past `stop_max_loss`.
    EvStop,
}

impl ExitReason {
    pub fn name(self) -> &'static str {
        match self {
            ExitReason::Complete => "complete",
            ExitReason::EdgeDecay => "edge_decay",
            ExitReason::TimeStop => "time_stop",
            ExitReason::EvStop => "ev_stop",
        }
    }
}

/// An exit of one unhedged position (format version 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    pub opportunity: u64,
    pub reason: ExitReason,
    /// Contracts the exit order is for.
    pub qty: Qty,
    /// Per contract, 1e-6 dollars (see `Decision::Exit`).
    pub loss: Money,
}

/// Realized PnL of one opportunity's contracts in one market outcome (format version 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Realized {
    pub market: MarketId,
    pub outcome: Outcome,
    pub opportunity: Option<u64>,
    pub lane: Option<Lane>,
    pub qty: Qty,
    /// What the contracts paid.
    pub payout: Money,
    /// `payout` less what they cost, fees included.
    pub pnl: Money,
}

/// What differs between a venue and the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DiscrepancyKind {
    /// Contracts held of `outcome` in `market` (Kalshi: the signed net, YES positive).
    Position { market: MarketId, outcome: Outcome },
    /// Free cash at the venue.
    Cash,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub venue: crate::core::Venue,
    pub what: DiscrepancyKind,
    /// The engine's value (1e-6 contracts or dollars).
    pub engine: i64,
    /// The venue's value.
    pub venue_value: i64,
    /// Seen on two reads in a row with nothing in flight: the engine cannot explain
    /// it. A position is then adopted and the engine goes to safe mode; cash is
    /// adopted at once (it is what the venue lets the engine spend).
    pub confirmed: bool,
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
            Decision::BookRejected { .. } => "book_rejected",
            Decision::LaneSkipped { .. } => "lane_skipped",
            Decision::LaneCoverage { .. } => "lane_coverage",
            Decision::Discrepancy(_) => "discrepancy",
            Decision::Realized(_) => "realized",
            Decision::Exit(_) => "exit",
            Decision::SellOrder(_) => "sell_order",
        }
    }

    /// Decisions that must be durable before the driver acts on them.
    pub fn needs_durability(&self) -> bool {
        matches!(
            self,
            Decision::Intent(_)
                | Decision::PlaceOrder(_)
                | Decision::SellOrder(_)
                | Decision::CancelOrder { .. }
        )
    }

    /// Decisions the executor carries out at a venue: orders and cancels.
    pub fn goes_to_venue(&self) -> bool {
        matches!(
            self,
            Decision::PlaceOrder(_) | Decision::SellOrder(_) | Decision::CancelOrder { .. }
        )
    }

    /// The order this decision sends, if it sends one (a buy or a sell).
    pub fn as_order(&self) -> Option<&PlaceOrder> {
        match self {
            Decision::PlaceOrder(o) | Decision::SellOrder(o) => Some(o),
            _ => None,
        }
    }
}

/// Strategy families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Lane {
    /// YES + NO of one market below $1.
    IntraVenue,
    /// YES on one venue + NO on the other for the same question below $1.
    CrossVenue,
    // Format version 2 from here on.
    /// A mutually exclusive (and exhaustive) bucket ladder of one event: YES on every
    /// bucket below $1, or NO on every bucket below (n − 1) dollars.
    Bucket,
    /// Parent/child markets (a child implies its parent): baskets whose payout in
    /// every outcome, found by enumeration, exceeds their cost.
    Tree,
    /// A family of complement markets (YES of one is NO of another), within or across
    /// venues, evaluated once per family.
    Parity,
}

impl Lane {
    /// How many lanes there are: the length of every lane-indexed array.
    pub const COUNT: usize = 5;
    pub const ALL: [Lane; Lane::COUNT] = [
        Lane::IntraVenue,
        Lane::CrossVenue,
        Lane::Bucket,
        Lane::Tree,
        Lane::Parity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lane::IntraVenue => "intra_venue",
            Lane::CrossVenue => "cross_venue",
            Lane::Bucket => "bucket",
            Lane::Tree => "tree",
            Lane::Parity => "parity",
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
    /// Limit price: the most paid for a buy of `outcome`, the least taken for a sell.
    pub price: Price,
    pub qty: Qty,
    pub tif: TimeInForce,
    /// Buy or sell `outcome`. Not a field in the journal: the decision's variant
    /// (`PlaceOrder` buys, `SellOrder` sells) carries it, so that journals from before
    /// sells (format version 7) decode unchanged.
    #[serde(skip)]
    pub side: OrderSide,
}

/// Serde for an order kept in the reducer's state (a snapshot), where no decision
/// variant carries its side: the order and its side, as a pair.
pub mod order_with_side {
    use super::{OrderSide, PlaceOrder};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(o: &PlaceOrder, s: S) -> Result<S::Ok, S::Error> {
        (o, o.side).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PlaceOrder, D::Error> {
        let (mut o, side) = <(PlaceOrder, OrderSide)>::deserialize(d)?;
        o.side = side;
        Ok(o)
    }
}

/// Which way an order trades its outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderSide {
    #[default]
    Buy,
    /// Format version 7: only contracts held are sold (no short sales).
    Sell,
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
    /// Quote firewall: best bid at or above best ask (crossed or locked).
    CrossedBook,
    /// Quote firewall: a best price outside the configured range.
    PriceOutOfRange,
    /// Quote firewall: a top-of-book size that is not positive or above the bound.
    SizeOutOfRange,
    /// Quote firewall: a lone best level of tiny size far from the next level.
    MicroPrice,
    /// Quote firewall: the mid moved beyond the bound with no trade in between.
    JumpWithoutTrade,
    /// Edge per contract above the bound: presumed a mapping error.
    EdgeTooLarge,
    /// A bucket ladder whose YES bids sum below the bound: a bucket is missing.
    LadderSumImplausible,
    /// A market the rule needs has no usable book (none yet, suspect, or one-sided).
    IncompleteBook,
    // Format version 4 from here on.
    /// A leg's venue holds an order whose outcome is not known yet: no new entry there
    /// until the venue has answered for it.
    UnknownOrder,
    // Format version 5 from here on.
    /// A leg's market has closed (or settled): it trades no more.
    MarketClosed,
    /// A leg's market closes within the configured margin.
    NearClose,
}

impl SkipReason {
    /// Stable snake_case name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::EdgeBelowMinimum => "edge_below_minimum",
            SkipReason::ProfitBelowMinimum => "profit_below_minimum",
            SkipReason::SizeTooSmall => "size_too_small",
            SkipReason::InsufficientCash => "insufficient_cash",
            SkipReason::OrderInFlight => "order_in_flight",
            SkipReason::Halted => "halted",
            SkipReason::PairConfidenceTooLow => "pair_confidence_too_low",
            SkipReason::Overflow => "overflow",
            SkipReason::VenueHalted => "venue_halted",
            SkipReason::LaneDisabled => "lane_disabled",
            SkipReason::LossCap => "loss_cap",
            SkipReason::ExposureCap => "exposure_cap",
            SkipReason::StaleBook => "stale_book",
            SkipReason::CircuitOpen => "circuit_open",
            SkipReason::CrossedBook => "crossed_book",
            SkipReason::PriceOutOfRange => "price_out_of_range",
            SkipReason::SizeOutOfRange => "size_out_of_range",
            SkipReason::MicroPrice => "micro_price",
            SkipReason::JumpWithoutTrade => "jump_without_trade",
            SkipReason::EdgeTooLarge => "edge_too_large",
            SkipReason::LadderSumImplausible => "ladder_sum_implausible",
            SkipReason::IncompleteBook => "incomplete_book",
            SkipReason::UnknownOrder => "unknown_order",
            SkipReason::MarketClosed => "market_closed",
            SkipReason::NearClose => "near_close",
        }
    }
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
    /// A venue holds a position the journal cannot explain (format version 4).
    UnexplainedPosition,
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
    /// A group rule the reducer cannot use (unknown or repeated market, too many or
    /// too few members, a family already defined) (format version 2).
    GroupUnusable {
        group: u32,
    },
    /// A settlement of a market already settled with another value (format version 5).
    SettledTwice(MarketId),
}
