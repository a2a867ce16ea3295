//! Polymarket CLOB market-channel messages, field for field as Polymarket sends them.
//!
//! Prices and sizes are decimal strings (`".48"`, `"0.9"`, `"3149725.72"`); times are
//! strings of epoch milliseconds. The WebSocket may deliver several messages as one
//! JSON array. Unknown fields are ignored (Polymarket adds fields).

use serde::{Deserialize, Serialize};

/// One price level of a book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub price: String,
    pub size: String,
}

/// `book`: the full book of one token. Also the shape of REST `GET /book` (which has
/// no `event_type` but adds `min_order_size`, `neg_risk`). Older messages spelled the
/// sides `buys`/`sells`. Level order is not specified: captured books list bids
/// ascending and asks descending.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    #[serde(default)]
    pub event_type: Option<String>,
    /// Condition id, shared by the market's two tokens.
    pub market: String,
    /// Token id.
    pub asset_id: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(alias = "buys")]
    pub bids: Vec<OrderSummary>,
    #[serde(alias = "sells")]
    pub asks: Vec<OrderSummary>,
    #[serde(default)]
    pub tick_size: Option<String>,
    #[serde(default)]
    pub min_order_size: Option<String>,
    #[serde(default)]
    pub neg_risk: Option<bool>,
    #[serde(default)]
    pub last_trade_price: Option<String>,
}

/// `price_change` (current shape, since September 2025): new level totals, possibly for
/// several tokens of one market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChange {
    #[serde(default)]
    pub event_type: Option<String>,
    pub market: String,
    pub price_changes: Vec<PriceChangeEntry>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChangeEntry {
    pub asset_id: String,
    pub price: String,
    /// The level's new total; `"0"` removes it.
    pub size: String,
    /// `"BUY"` (a bid level) or `"SELL"` (an ask level).
    pub side: String,
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(default)]
    pub best_bid: Option<String>,
    #[serde(default)]
    pub best_ask: Option<String>,
}

/// `price_change`, older shape: one token, its changes in `changes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChangeLegacy {
    #[serde(default)]
    pub event_type: Option<String>,
    pub asset_id: String,
    pub market: String,
    pub changes: Vec<LegacyChange>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub hash: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyChange {
    pub price: String,
    pub side: String,
    pub size: String,
}

/// `last_trade_price`: a match between a maker and a taker order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTradePrice {
    #[serde(default)]
    pub event_type: Option<String>,
    pub asset_id: String,
    pub market: String,
    pub price: String,
    /// The taker's side: `"BUY"` or `"SELL"`.
    #[serde(default)]
    pub side: Option<String>,
    pub size: String,
    #[serde(default)]
    pub fee_rate_bps: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub transaction_hash: Option<String>,
}

/// `tick_size_change`: the token's minimum price increment changed (Polymarket narrows
/// it near 0 and 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickSizeChange {
    #[serde(default)]
    pub event_type: Option<String>,
    pub asset_id: String,
    pub market: String,
    #[serde(default)]
    pub old_tick_size: Option<String>,
    pub new_tick_size: String,
    #[serde(default)]
    pub timestamp: Option<String>,
}
