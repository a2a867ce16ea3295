//! Kalshi WebSocket market-data messages, field for field as Kalshi sends them.
//!
//! Every message is an envelope `{"type", "sid", "seq", "msg"}`. Order book messages
//! come in two spellings: the current fixed-point one (`*_dollars_fp`, `price_dollars`,
//! `delta_fp`: decimal strings) and the older integer one (`yes`/`no` as
//! `[[price_cents, count], ...]`, `price` in cents, `delta` in contracts) that older
//! recordings carry. A transitional snapshot spelling, `yes_dollars`/`no_dollars` as
//! `[["0.0800", count], ...]`, is read too. Fields the importer does not use are kept
//! where the docs show them, and unknown fields are ignored (Kalshi adds fields).

use serde::{Deserialize, Serialize};

/// The envelope of a channel message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<M> {
    #[serde(rename = "type")]
    pub kind: String,
    /// Subscription id; sequence numbers count per subscription.
    #[serde(default)]
    pub sid: Option<u64>,
    #[serde(default)]
    pub seq: Option<u64>,
    pub msg: M,
}

pub type OrderbookSnapshot = Envelope<OrderbookSnapshotMsg>;
pub type OrderbookDelta = Envelope<OrderbookDeltaMsg>;
pub type Trade = Envelope<TradeMsg>;

/// A quantity written either as decimal text or as a whole number of contracts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Count {
    Text(String),
    Whole(i64),
}

/// `time` fields: older messages send epoch seconds, `orderbook_delta` sends RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WireTime {
    Seconds(i64),
    Text(String),
}

/// `orderbook_snapshot`: the bids of both outcomes of one market. Kalshi omits a side
/// that has no bids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderbookSnapshotMsg {
    pub market_ticker: String,
    #[serde(default)]
    pub market_id: Option<String>,
    /// `[[price_dollars, count_fp], ...]`, e.g. `[["0.0800", "300.00"]]`.
    #[serde(default)]
    pub yes_dollars_fp: Option<Vec<(String, String)>>,
    #[serde(default)]
    pub no_dollars_fp: Option<Vec<(String, String)>>,
    /// Transitional: `[[price_dollars, count], ...]`.
    #[serde(default)]
    pub yes_dollars: Option<Vec<(String, Count)>>,
    #[serde(default)]
    pub no_dollars: Option<Vec<(String, Count)>>,
    /// Legacy: `[[price_cents, count], ...]`.
    #[serde(default)]
    pub yes: Option<Vec<(i64, i64)>>,
    #[serde(default)]
    pub no: Option<Vec<(i64, i64)>>,
    #[serde(default)]
    pub ts: Option<WireTime>,
    #[serde(default)]
    pub ts_ms: Option<i64>,
}

/// `orderbook_delta`: a signed change of the resting quantity at one price of one
/// outcome's bids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderbookDeltaMsg {
    pub market_ticker: String,
    #[serde(default)]
    pub market_id: Option<String>,
    /// e.g. `"0.9600"`.
    #[serde(default)]
    pub price_dollars: Option<String>,
    /// e.g. `"-54.00"`.
    #[serde(default)]
    pub delta_fp: Option<String>,
    /// Legacy: cents.
    #[serde(default)]
    pub price: Option<i64>,
    /// Legacy: whole contracts.
    #[serde(default)]
    pub delta: Option<i64>,
    /// `"yes"` or `"no"`.
    pub side: String,
    #[serde(default)]
    pub client_order_id: Option<String>,
    #[serde(default)]
    pub subaccount: Option<u32>,
    #[serde(default)]
    pub ts: Option<WireTime>,
    #[serde(default)]
    pub ts_ms: Option<i64>,
}

/// `trade`: a public print.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeMsg {
    #[serde(default)]
    pub trade_id: Option<String>,
    pub market_ticker: String,
    #[serde(default)]
    pub yes_price_dollars: Option<String>,
    #[serde(default)]
    pub no_price_dollars: Option<String>,
    #[serde(default)]
    pub count_fp: Option<String>,
    /// Legacy: cents.
    #[serde(default)]
    pub yes_price: Option<i64>,
    #[serde(default)]
    pub no_price: Option<i64>,
    /// Legacy: whole contracts.
    #[serde(default)]
    pub count: Option<i64>,
    /// The outcome the taker bought: `"yes"` or `"no"`.
    #[serde(default)]
    pub taker_side: Option<String>,
    #[serde(default)]
    pub taker_outcome_side: Option<String>,
    /// The taker's side of the YES book: `"bid"` or `"ask"`.
    #[serde(default)]
    pub taker_book_side: Option<String>,
    #[serde(default)]
    pub is_block_trade: Option<bool>,
    #[serde(default)]
    pub ts: Option<WireTime>,
    #[serde(default)]
    pub ts_ms: Option<i64>,
}
