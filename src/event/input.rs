//! Inputs to the reducer: market data, timers, feed status, execution feedback and
//! operator commands.

use crate::config::EngineConfig;
use crate::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty, TsNanos, Venue};
use serde::{Deserialize, Serialize};

/// One input to the reducer. Its receive time travels in the journal frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    MarketDefined(MarketMeta),
    PairDefined(PairRule),
    BookSnapshot(BookSnapshot),
    BookDelta(BookDelta),
    Trade(Trade),
    /// Timer: drivers emit these; the reducer has no clock of its own.
    Tick,
    Feed(FeedStatus),
    OrderAck(OrderAck),
    OrderReject(OrderReject),
    Fill(Fill),
    OrderCanceled(OrderCanceled),
    OrderStatus(OrderStatusReport),
    Balance(BalanceReport),
    Position(PositionReport),
    Operator(OperatorCommand),
    ConfigLoaded(EngineConfig),
    /// Several level changes the venue published in one message: applied together,
    /// then the lanes look once, so no decision sees a half-applied message.
    BookBatch(BookBatch),
    /// The venue undid a fill it had reported (a Polymarket trade that FAILED to
    /// settle on chain): the contracts and the cash are back as before it.
    FillReversed(Fill),
    /// How legs are placed and exposure unwound (from the profile).
    LegPolicyLoaded(crate::config::LegPolicy),
    // Format version 2 from here on.
    /// How long a second leg may rest at the venue (from the profile).
    RestingPolicyLoaded(crate::config::RestingPolicy),
    /// Loss, failure and exposure limits, stale-book bound and canary mode.
    RiskLimitsLoaded(crate::config::RiskLimits),
    /// A venue's circuit breaker for a kind of request changed state.
    Circuit(CircuitReport),
    /// The quote sanity firewall's bounds (from the profile). A journal without one
    /// replays with the firewall off.
    FirewallLoaded(crate::config::FirewallConfig),
    /// Markets related by venue metadata: a bucket ladder, an event tree or a parity
    /// family. Bound to the next group index (0, 1, 2, ... in order).
    GroupDefined(GroupRule),
    /// How a venue's books arrive now (stream, stream plus polling, polling only),
    /// decided by the feed's health with hysteresis.
    FeedMode {
        venue: Venue,
        mode: FeedMode,
    },
    /// The mapping file the pairs come from was read (at start and on each change).
    /// Informational: the pairs themselves follow as `PairDefined` / `PairConfidence`.
    MappingLoaded(MappingInfo),
    /// The confidence of the pair already defined with these `a`, `b` and
    /// `b_outcome_for_a_yes` becomes `confidence_bp` (0: the mapping dropped it). Refused
    /// with `PairUnusable` when no such pair is defined.
    PairConfidence(PairRule),
    // Format version 3 from here on.
    /// A venue endpoint's circuit breaker changed state (replaces `Circuit`, which
    /// was kept per request class; journals of version 2 may still hold it).
    Breaker(BreakerReport),
    /// How often (event time) the lanes' coverage is looked at and journaled (from the
    /// profile); 0, or a journal without one: never.
    CoverageEvery {
        every_ms: u32,
    },
    /// The lanes canary mode lets run, every lane (from the profile); until one is
    /// journaled, `RiskLimits::canary_lanes` covers the first two and the others stay
    /// out of canary mode.
    CanaryLanes {
        lanes: [bool; crate::event::Lane::COUNT],
    },
    // Format version 4 from here on.
    /// An order request got no definite answer (a timeout or reset after it was sent,
    /// a 5xx, a body that does not parse): the venue may hold it. The order stays open,
    /// its cash reserved, until the venue's answer (found by looking it up) ends it.
    OrderUnknown(OrderUnknown),
    /// What a venue said it holds, read while running (every `reconcile_s`, and after
    /// an order of unknown outcome): the reducer compares it with its own books and
    /// journals every difference as a `Discrepancy` (format version 4).
    VenueState(VenueState),
    // Format version 5 from here on.
    /// Trading in a market has ended at its venue (Kalshi `closed`, Polymarket no
    /// longer accepting orders): no entry touches it again; its result is not known yet.
    MarketClosed {
        market: MarketId,
    },
    /// A market's result is known and its positions were paid by the venue: each YES
    /// contract pays `yes_value`, each NO contract `1 - yes_value`.
    Settled(Settlement),
    /// Entries stop this long before a market's listed close time (from the profile,
    /// `[risk] close_margin_s`); its presence also turns on per-opportunity realized PnL
    /// for Kalshi pairs netted at fill time. A journal without one: no margin.
    SettlementPolicy {
        close_margin_ms: u64,
    },
    /// Whether a basket whose legs filled unequally is unwound by buying the other
    /// outcome of each over-filled leg within the legging policy's loss bound (profile
    /// `[legging] unwind_baskets`, default true). A journal without one: it is not, and
    /// the excess is the operator's (safe mode), as older builds decided.
    BasketUnwind {
        enabled: bool,
    },
    // Format version 6 from here on.
    /// How an unhedged position (an episode left exposed after its legs and hedge) is
    /// exited: completed, closed on edge decay, a time stop or an EV stop (profile
    /// `[exit]`). A journal without one: the position is the operator's (safe mode), as
    /// older builds decided.
    ExitPolicyLoaded(crate::config::ExitPolicy),
    // Format version 8 from here on.
    /// Whether a healthy stream vouches for the quiet books on it (profile `[firewall]
    /// stream_vouches`, default true): a book's age is then counted from the last
    /// moment its venue vouched for it (a change of any of its books, or a `Feed`
    /// `Alive` mark), back to its own last change after a drop, gap or silence until it
    /// is snapshotted again. A journal without one: a book's age is counted from its
    /// own last change, as older builds decided.
    StreamVouches {
        enabled: bool,
    },
    /// Whether a position on a venue that keeps a market's outcomes apart (Polymarket
    /// tokens) is closed by selling it (`SellOrder`) rather than by buying its other
    /// outcome, by hedges, basket unwinds and exits (profile `[legging] sell_to_close`,
    /// default true). A journal without one: by buying the other outcome, as older
    /// builds decided.
    SellToClose {
        enabled: bool,
    },
    // Format version 9 from here on.
    /// How a market is watched from now on (`arb live`'s tiers): streamed on one
    /// connection of its venue, polled over REST, or only listed. A journal without one:
    /// every market is streamed on connection 0, as older builds decided.
    MarketWatch(WatchChange),
    /// One connection of a venue's sharded market stream changed state: like `Feed`,
    /// for the markets streamed on that connection only.
    ConnectionFeed(ConnectionStatus),
}

/// How `arb live` watches a market (format version 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Watch {
    /// On the stream: the connection's signs of life vouch for the book.
    Streamed { connection: u16 },
    /// Read over REST now and then: the book is as old as its last read.
    Polled,
    /// Only listed: no book is kept current, so none is traded until it is watched again.
    Listed,
}

impl Watch {
    /// The watch of a market in a journal without `MarketWatch`.
    pub const LEGACY: Watch = Watch::Streamed { connection: 0 };
}

/// Why a market's watch changed (format version 9); informational for the reducer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WatchReason {
    /// Placed at start.
    Start,
    /// In a tradable pair or group rule.
    Rule,
    /// The engine holds a position or an open order on it.
    Position,
    /// Its stream or its polls showed activity.
    Activity,
    /// Quiet for longer than the tier allows.
    Idle,
    /// Over the capacity of the tier above it.
    Capacity,
    /// Closed or no longer listed by the venue.
    Closed,
}

/// A market's new watch (format version 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchChange {
    pub market: MarketId,
    pub watch: Watch,
    pub reason: WatchReason,
}

/// One stream connection's state (format version 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    pub venue: Venue,
    pub connection: u16,
    pub state: FeedState,
}

/// A market's result as its venue paid it (format version 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub market: MarketId,
    /// What one YES contract paid: `Price::ONE` (YES won), 0 (NO won), or in between
    /// (a scalar or void result).
    pub yes_value: Price,
}

/// How a venue's market data is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedMode {
    /// The WebSocket alone.
    Stream,
    /// The WebSocket, with periodic full-book resyncs.
    Hybrid,
    /// No WebSocket: books polled over REST.
    PollOnly,
}

/// Which mapping file was read, and what it held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingInfo {
    /// The file's path as configured.
    pub source: String,
    /// The file's format version (1 or 2).
    pub version: u32,
    /// xxh3-64 of the file's bytes.
    pub digest: u64,
    /// Pairs it holds that may be traded (version 2: verdict `same`).
    pub pairs: u32,
}

/// A kind of venue request with a breaker of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestClass {
    /// Placing and canceling orders.
    Orders,
    /// Market data, account state, order status.
    Reads,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CircuitState {
    Closed,
    /// Failing: no requests until a probe is allowed.
    Open,
    /// One probe request may go.
    HalfOpen,
}

/// A venue endpoint with a circuit breaker of its own (format version 3). Rate limits
/// stay per request class (the venues publish them so); breakers are per endpoint, so
/// a failing order path does not stop book polling, nor a failing book endpoint orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Endpoint {
    /// Market listings (Kalshi `/markets`, Polymarket `/markets`).
    Markets,
    /// Event metadata (Kalshi `/events`, Polymarket Gamma events).
    Events,
    /// Order books over REST (Kalshi `/markets/{t}/orderbook`, Polymarket `/book`).
    Orderbook,
    /// Placing, canceling and reading orders (and their fills).
    Orders,
    /// Account state: balance, positions.
    Portfolio,
    /// The market-data WebSocket.
    MarketStream,
    /// The account's WebSocket (Polymarket user channel).
    UserStream,
}

impl Endpoint {
    pub const COUNT: usize = 7;
    pub const ALL: [Endpoint; Endpoint::COUNT] = [
        Endpoint::Markets,
        Endpoint::Events,
        Endpoint::Orderbook,
        Endpoint::Orders,
        Endpoint::Portfolio,
        Endpoint::MarketStream,
        Endpoint::UserStream,
    ];

    /// The endpoint of a REST request named `"METHOD /path"` (either venue's paths).
    pub fn of_request(request: &str) -> Endpoint {
        let path = request.split_once(' ').map_or(request, |(_, p)| p);
        let path = path.split('?').next().unwrap_or(path);
        if path.contains("orderbook") || path.ends_with("/book") || path.ends_with("/books") {
            Endpoint::Orderbook
        } else if path.contains("order")
            || path.contains("cancel")
            || path.contains("fills")
            || path.starts_with("/data/")
        {
            Endpoint::Orders
        } else if path.contains("/events") {
            Endpoint::Events
        } else if path.contains("balance")
            || path.contains("position")
            || path.contains("portfolio")
            || path.starts_with("/auth/")
        {
            Endpoint::Portfolio
        } else {
            Endpoint::Markets
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Markets => "markets",
            Endpoint::Events => "events",
            Endpoint::Orderbook => "orderbook",
            Endpoint::Orders => "orders",
            Endpoint::Portfolio => "portfolio",
            Endpoint::MarketStream => "market_stream",
            Endpoint::UserStream => "user_stream",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerReport {
    pub venue: Venue,
    pub endpoint: Endpoint,
    pub state: CircuitState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitReport {
    pub venue: Venue,
    pub class: RequestClass,
    pub state: CircuitState,
}

impl Event {
    /// Stable lowercase name of the variant, for summaries and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::MarketDefined(_) => "market_defined",
            Event::PairDefined(_) => "pair_defined",
            Event::BookSnapshot(_) => "book_snapshot",
            Event::BookDelta(_) => "book_delta",
            Event::Trade(_) => "trade",
            Event::Tick => "tick",
            Event::Feed(_) => "feed",
            Event::OrderAck(_) => "order_ack",
            Event::OrderReject(_) => "order_reject",
            Event::Fill(_) => "fill",
            Event::OrderCanceled(_) => "order_canceled",
            Event::OrderStatus(_) => "order_status",
            Event::Balance(_) => "balance",
            Event::Position(_) => "position",
            Event::Operator(_) => "operator",
            Event::ConfigLoaded(_) => "config_loaded",
            Event::BookBatch(_) => "book_batch",
            Event::FillReversed(_) => "fill_reversed",
            Event::LegPolicyLoaded(_) => "leg_policy_loaded",
            Event::RestingPolicyLoaded(_) => "resting_policy_loaded",
            Event::RiskLimitsLoaded(_) => "risk_limits_loaded",
            Event::Circuit(_) => "circuit",
            Event::Breaker(_) => "breaker",
            Event::CoverageEvery { .. } => "coverage_every",
            Event::CanaryLanes { .. } => "canary_lanes",
            Event::OrderUnknown(_) => "order_unknown",
            Event::VenueState(_) => "venue_state",
            Event::MarketClosed { .. } => "market_closed",
            Event::Settled(_) => "settled",
            Event::SettlementPolicy { .. } => "settlement_policy",
            Event::BasketUnwind { .. } => "basket_unwind",
            Event::ExitPolicyLoaded(_) => "exit_policy_loaded",
            Event::StreamVouches { .. } => "stream_vouches",
            Event::SellToClose { .. } => "sell_to_close",
            Event::MarketWatch(_) => "market_watch",
            Event::ConnectionFeed(_) => "connection_feed",
            Event::FirewallLoaded(_) => "firewall_loaded",
            Event::GroupDefined(_) => "group_defined",
            Event::FeedMode { .. } => "feed_mode",
            Event::MappingLoaded(_) => "mapping_loaded",
            Event::PairConfidence(_) => "pair_confidence",
        }
    }

    /// True for market data, which the journal may batch before syncing.
    pub fn is_market_data(&self) -> bool {
        matches!(
            self,
            Event::BookSnapshot(_)
                | Event::BookDelta(_)
                | Event::BookBatch(_)
                | Event::Trade(_)
                | Event::Tick
                | Event::Feed(FeedStatus {
                    state: FeedState::Alive,
                    ..
                })
                | Event::ConnectionFeed(ConnectionStatus {
                    state: FeedState::Alive,
                    ..
                })
        )
    }
}

#[cfg(test)]
impl MarketMeta {
    /// A fee-free, cent-tick market named `m{id}` with no event or series, for unit tests.
    pub fn for_test(id: u32, venue: Venue, no_leg: NoLeg) -> MarketMeta {
        MarketMeta {
            id: MarketId(id),
            venue,
            venue_id: format!("m{id}"),
            title: String::new(),
            event_id: String::new(),
            series_id: String::new(),
            close_ts: None,
            no_leg,
            fees: FeeModel::Free,
            tick: Price(100),
        }
    }
}

/// Static facts about one market, binding an interned `MarketId` to the venue's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketMeta {
    pub id: MarketId,
    pub venue: Venue,
    /// Kalshi ticker or Polymarket token id.
    pub venue_id: String,
    pub title: String,
    /// Grouping of mutually related markets: Kalshi event ticker, Polymarket condition
    /// (or neg-risk market) id.
    pub event_id: String,
    /// Wider grouping: Kalshi series ticker, Polymarket event slug.
    pub series_id: String,
    pub close_ts: Option<TsNanos>,
    /// How the NO outcome of this market is bought.
    pub no_leg: NoLeg,
    pub fees: FeeModel,
    /// Minimum price increment.
    pub tick: Price,
}

/// Where the NO outcome of a market trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoLeg {
    /// Kalshi: one book; buying NO at 1 − p lifts YES bids at p.
    SameBook,
    /// Polymarket: the NO outcome is the complement token, a market of its own.
    Complement(MarketId),
    /// Not known: the NO outcome is not tradable by the lanes.
    Unknown,
}

/// A market's fee schedule, in integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeeModel {
    /// Kalshi: taker 0.07·C·P·(1−P), maker 0.0175·C·P·(1−P), times the series
    /// multiplier (basis points of 1.0), rounded up to $0.0001.
    Kalshi {
        multiplier_bp: u32,
    },
    /// Polymarket: C·rate·(p(1−p))^exponent; rate in millionths.
    Polymarket {
        rate_ppm: u32,
        exponent: u8,
        taker_only: bool,
    },
    Free,
}

/// A cross-venue equivalence from the mapping file: `a`'s YES pays exactly when
/// `b`'s `b_outcome_for_a_yes` pays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRule {
    pub a: MarketId,
    pub b: MarketId,
    pub b_outcome_for_a_yes: Outcome,
    /// Mapping confidence in basis points (10_000 = certain).
    pub confidence_bp: u16,
}

/// What a group of markets is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GroupKind {
    /// Mutually exclusive outcomes of one event (exactly one pays when `exhaustive`).
    Bucket,
    /// Member 0 is the parent; every other member implies it (child YES ⇒ parent
    /// YES). With `exhaustive`, the children partition the parent (parent YES ⇔
    /// exactly one child YES).
    Tree,
    /// Every member's `outcome` pays exactly when the family's proposition holds.
    Parity,
}

/// One market of a group, and which of its outcomes the group's relation names
/// (`Yes` for buckets and trees; for parity, the outcome equal to the proposition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub market: MarketId,
    pub outcome: Outcome,
}

/// Markets related by venue metadata (format version 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRule {
    pub kind: GroupKind,
    pub members: Vec<GroupMember>,
    /// The members cover every outcome of the event (a bucket ladder with no bucket
    /// missing; a tree whose children partition the parent).
    pub exhaustive: bool,
    /// Where the relation comes from, e.g. `kalshi:mutually_exclusive:KXNBAGAME-...`.
    pub source: String,
    /// Confidence in the relation, basis points (10_000 = the venue says so).
    pub confidence_bp: u16,
}

/// One price level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub price: Price,
    pub qty: Qty,
}

/// A side of the YES book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookSide {
    Bid,
    Ask,
}

/// A full book of the YES outcome. For Kalshi, the adapter turns NO bids at q into
/// YES asks at 1 − q.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookSnapshot {
    pub market: MarketId,
    /// The venue's per-subscription sequence number (0 if it sends none).
    pub venue_seq: u64,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// How a delta changes one level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LevelChange {
    /// Kalshi `orderbook_delta`: add a signed quantity.
    Add(Qty),
    /// Polymarket `price_change`: the level's new total.
    Set(Qty),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookDelta {
    pub market: MarketId,
    pub venue_seq: u64,
    pub side: BookSide,
    pub price: Price,
    pub change: LevelChange,
}

/// Level changes of one venue message (Polymarket `price_change` covers several levels
/// and both tokens of a market at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookBatch {
    pub deltas: Vec<BookDelta>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub market: MarketId,
    /// YES price.
    pub price: Price,
    pub qty: Qty,
    pub taker_side: Option<BookSide>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedState {
    Connected,
    Disconnected,
    /// A sequence gap was seen; books of this venue are suspect until a snapshot.
    Gap,
    /// Nothing at all (no data, no heartbeat) came for longer than the bound: treated
    /// as a drop, the stream is reconnected (format version 2).
    Silent,
    /// The connection is alive and in sequence (a heartbeat, a pong, a resync that
    /// found the books unchanged) while no book changed (format version 8): under
    /// `StreamVouches`, every book of the venue is as current as this mark.
    Alive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedStatus {
    pub venue: Venue,
    pub state: FeedState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAck {
    pub id: ClientOrderId,
    pub venue_order_id: String,
}

/// A venue's positions and free cash as read at one moment (format version 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueState {
    pub venue: Venue,
    /// The reducer's event count (`Stats::events`) when the read began: a market with
    /// order activity after it (or an order open now) is not compared this time, since
    /// the read may predate what the engine has booked.
    pub as_of_events: u64,
    /// Every position the venue reports on a market the engine knows (Kalshi: the net
    /// of YES and NO, as YES when positive and NO when negative). A known market not
    /// listed holds nothing there.
    pub positions: Vec<PositionReport>,
    /// Free cash the venue reports (Kalshi: whole cents).
    pub cash: Money,
}

/// An order whose outcome is not known (format version 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderUnknown {
    pub id: ClientOrderId,
    /// What happened to the request (never a credential).
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReject {
    pub id: ClientOrderId,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub id: ClientOrderId,
    pub market: MarketId,
    pub outcome: Outcome,
    pub price: Price,
    pub qty: Qty,
    pub fee: Money,
    pub maker: bool,
}

/// The venue canceled what was left of an order (an IOC remainder, or on request).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCanceled {
    pub id: ClientOrderId,
    pub canceled_qty: Qty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    Resting,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusReport {
    pub id: ClientOrderId,
    pub status: OrderStatus,
    pub filled: Qty,
}

/// The venue's view of free cash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceReport {
    pub venue: Venue,
    pub cash: Money,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionReport {
    pub market: MarketId,
    pub outcome: Outcome,
    pub qty: Qty,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperatorCommand {
    /// Engaged: no new orders until released.
    KillSwitch { engaged: bool },
    /// The operator has seen the unhedged exposure and lets the engine trade again.
    AckExposure { note: String },
    /// Engaged: no new entries with a leg on this venue (format version 2).
    VenueHalt { venue: Venue, engaged: bool },
    /// A lane switched off or on at run time (format version 2).
    LaneEnabled {
        lane: crate::event::Lane,
        enabled: bool,
    },
    /// The process is stopping: no new entries; in-flight orders finish (v2).
    Shutdown,
    /// The process started again on this journal: a halt left by its `Shutdown` is
    /// released (an operator's or a risk halt is not) (v2).
    Restarted,
}
