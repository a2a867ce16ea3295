//! Kalshi Trade API v2 REST bodies, field for field (current fixed-point spelling:
//! `*_dollars` decimal strings for money and prices, `*_fp` for counts). Unknown
//! fields are ignored on read; optional fields are omitted on write.

use serde::{Deserialize, Serialize};

/// `GET /markets/{ticker}/orderbook`: bids of both outcomes, best last. The venue
/// sends `orderbook_fp`; the official Python SDK requires `orderbook` (same shape), so
/// the simulator sends both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderbookResponse {
    pub orderbook_fp: OrderbookFp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orderbook: Option<OrderbookFp>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderbookFp {
    /// `[[price_dollars, count_fp], ...]` in ascending price.
    #[serde(default)]
    pub yes_dollars: Vec<(String, String)>,
    #[serde(default)]
    pub no_dollars: Vec<(String, String)>,
}

/// A market as `GET /markets` and `GET /markets/{ticker}` return it. Besides the
/// current `*_dollars` / `*_fp` fields it carries the older integer (cents, contracts)
/// fields that the official Python SDK still requires; arb reads the current ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Market {
    pub ticker: String,
    pub event_ticker: String,
    #[serde(default)]
    pub market_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub yes_sub_title: String,
    #[serde(default)]
    pub no_sub_title: String,
    #[serde(default)]
    pub open_time: String,
    #[serde(default)]
    pub close_time: String,
    #[serde(default)]
    pub expiration_time: String,
    /// `active`, `closed`, `settled`, ...
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub yes_bid_dollars: String,
    #[serde(default)]
    pub yes_ask_dollars: String,
    #[serde(default)]
    pub no_bid_dollars: String,
    #[serde(default)]
    pub no_ask_dollars: String,
    #[serde(default)]
    pub last_price_dollars: String,
    #[serde(default)]
    pub volume_fp: String,
    #[serde(default)]
    pub open_interest_fp: String,
    #[serde(default)]
    pub notional_value_dollars: String,
    #[serde(default)]
    pub tick_size: Option<i64>,
    #[serde(default)]
    pub rules_primary: String,
    #[serde(default)]
    pub rules_secondary: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default)]
    pub created_time: String,
    #[serde(default)]
    pub latest_expiration_time: String,
    #[serde(default)]
    pub settlement_timer_seconds: i64,
    #[serde(default)]
    pub response_price_units: String,
    #[serde(default)]
    pub yes_bid: i64,
    #[serde(default)]
    pub yes_ask: i64,
    #[serde(default)]
    pub no_bid: i64,
    #[serde(default)]
    pub no_ask: i64,
    #[serde(default)]
    pub last_price: i64,
    #[serde(default)]
    pub volume: i64,
    #[serde(default)]
    pub volume_24h: i64,
    #[serde(default)]
    pub open_interest: i64,
    #[serde(default)]
    pub result: String,
    /// Once settled: what one YES contract paid, in dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_value_dollars: Option<String>,
    #[serde(default)]
    pub can_close_early: bool,
    #[serde(default)]
    pub notional_value: i64,
    #[serde(default)]
    pub previous_yes_bid: i64,
    #[serde(default)]
    pub previous_yes_bid_dollars: String,
    #[serde(default)]
    pub previous_yes_ask: i64,
    #[serde(default)]
    pub previous_yes_ask_dollars: String,
    #[serde(default)]
    pub previous_price: i64,
    #[serde(default)]
    pub previous_price_dollars: String,
    #[serde(default)]
    pub liquidity: i64,
    #[serde(default)]
    pub liquidity_dollars: String,
    #[serde(default)]
    pub expiration_value: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub risk_limit_cents: i64,
    #[serde(default)]
    pub price_level_structure: String,
    #[serde(default)]
    pub price_ranges: Vec<PriceRange>,
    /// Which values of the event's underlying pay YES: `greater`, `greater_or_equal`,
    /// `less`, `less_or_equal`, `between` (with the strikes below), or `functional`,
    /// `custom`, `structured` (described only in the rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strike_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_strike: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_strike: Option<serde_json::Number>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    pub start: String,
    pub end: String,
    pub step: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketsResponse {
    pub markets: Vec<Market>,
    #[serde(default)]
    pub cursor: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketResponse {
    pub market: Market,
}

/// `GET /events/{event_ticker}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub event_ticker: String,
    #[serde(default)]
    pub series_ticker: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub sub_title: String,
    #[serde(default)]
    pub mutually_exclusive: bool,
    #[serde(default)]
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markets: Option<Vec<Market>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResponse {
    pub event: Event,
    #[serde(default)]
    pub markets: Vec<Market>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsResponse {
    pub events: Vec<Event>,
    #[serde(default)]
    pub cursor: String,
}

/// `GET /series/{series_ticker}`: the fee schedule lives here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub ticker: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub frequency: String,
    /// `quadratic`, `quadratic_with_maker_fees`, `flat`.
    #[serde(default)]
    pub fee_type: String,
    #[serde(default)]
    pub fee_multiplier: f64,
}

/// `GET /series`: every series (their fee schedules), one answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesList {
    #[serde(default)]
    pub series: Vec<Series>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesResponse {
    pub series: Series,
}

/// `GET /portfolio/balance`: cents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceResponse {
    pub balance: i64,
    #[serde(default)]
    pub portfolio_value: i64,
}

/// `POST /portfolio/orders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrderRequest {
    pub ticker: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
    /// `yes` or `no`.
    pub side: String,
    /// `buy` or `sell`.
    pub action: String,
    /// Whole contracts (older spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_fp: Option<String>,
    /// `limit` (or `market`, older).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
    /// Cents (older spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yes_price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yes_price_dollars: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_price_dollars: Option<String>,
    /// `fill_or_kill`, `good_till_canceled`, `immediate_or_cancel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_in_force: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_ts: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_only: Option<bool>,
}

/// An order as the venue reports it (`rest_get_order_live.json` shows a real one),
/// plus the older integer fields the official Python SDK requires.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub client_order_id: String,
    pub ticker: String,
    pub side: String,
    pub action: String,
    #[serde(default, rename = "type")]
    pub order_type: String,
    /// `resting`, `canceled`, `executed`.
    pub status: String,
    #[serde(default)]
    pub yes_price_dollars: String,
    #[serde(default)]
    pub no_price_dollars: String,
    #[serde(default)]
    pub fill_count_fp: String,
    #[serde(default)]
    pub remaining_count_fp: String,
    #[serde(default)]
    pub initial_count_fp: String,
    #[serde(default)]
    pub taker_fill_cost_dollars: String,
    #[serde(default)]
    pub maker_fill_cost_dollars: String,
    #[serde(default)]
    pub taker_fees_dollars: String,
    #[serde(default)]
    pub maker_fees_dollars: String,
    #[serde(default)]
    pub created_time: String,
    #[serde(default)]
    pub last_update_time: String,
    #[serde(default)]
    pub yes_price: i64,
    #[serde(default)]
    pub no_price: i64,
    #[serde(default)]
    pub fill_count: i64,
    #[serde(default)]
    pub remaining_count: i64,
    #[serde(default)]
    pub initial_count: i64,
    #[serde(default)]
    pub taker_fees: i64,
    #[serde(default)]
    pub maker_fees: i64,
    #[serde(default)]
    pub taker_fill_cost: i64,
    #[serde(default)]
    pub maker_fill_cost: i64,
    #[serde(default)]
    pub queue_position: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderResponse {
    pub order: Order,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersResponse {
    pub orders: Vec<Order>,
    #[serde(default)]
    pub cursor: String,
}

/// `DELETE /portfolio/orders/{order_id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrderResponse {
    pub order: Order,
    #[serde(default)]
    pub reduced_by_fp: String,
    /// Whole contracts (required by the Python SDK).
    #[serde(default)]
    pub reduced_by: i64,
}

/// `POST /portfolio/orders/batched`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCreateOrdersRequest {
    pub orders: Vec<CreateOrderRequest>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCreateOrdersResponse {
    pub orders: Vec<BatchOrderResult>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOrderResult {
    #[serde(default)]
    pub order: Option<Order>,
    #[serde(default)]
    pub error: Option<ApiErrorBody>,
}

/// A fill (`GET /portfolio/fills`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    #[serde(default)]
    pub fill_id: String,
    pub trade_id: String,
    pub order_id: String,
    #[serde(default)]
    pub client_order_id: String,
    pub ticker: String,
    pub side: String,
    pub action: String,
    #[serde(default)]
    pub count_fp: String,
    #[serde(default)]
    pub yes_price_dollars: String,
    #[serde(default)]
    pub no_price_dollars: String,
    #[serde(default)]
    pub is_taker: bool,
    #[serde(default)]
    pub fee_cost: String,
    #[serde(default)]
    pub created_time: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillsResponse {
    pub fills: Vec<Fill>,
    #[serde(default)]
    pub cursor: String,
}

/// `GET /portfolio/positions` (`rest_get_positions_live.json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionsResponse {
    #[serde(default)]
    pub market_positions: Vec<MarketPosition>,
    #[serde(default)]
    pub event_positions: Vec<EventPosition>,
    #[serde(default)]
    pub cursor: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketPosition {
    pub ticker: String,
    /// Signed: positive YES, negative NO.
    pub position_fp: String,
    #[serde(default)]
    pub market_exposure_dollars: String,
    #[serde(default)]
    pub fees_paid_dollars: String,
    #[serde(default)]
    pub realized_pnl_dollars: String,
    #[serde(default)]
    pub total_traded_dollars: String,
    #[serde(default)]
    pub resting_orders_count: i64,
    #[serde(default)]
    pub last_updated_ts: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPosition {
    pub event_ticker: String,
    #[serde(default)]
    pub event_exposure_dollars: String,
    #[serde(default)]
    pub fees_paid_dollars: String,
    #[serde(default)]
    pub realized_pnl_dollars: String,
    #[serde(default)]
    pub total_cost_dollars: String,
    #[serde(default)]
    pub total_cost_shares_fp: String,
}

/// The error body Kalshi returns with a non-2xx status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        crate::venues::fixture(&format!("venues/kalshi/{name}"))
    }

    #[test]
    fn parses_the_venues_own_rest_payloads() {
        let book: OrderbookResponse =
            serde_json::from_str(&fixture("rest_orderbook_docs_example.json")).unwrap();
        assert_eq!(
            book.orderbook_fp.yes_dollars[0],
            ("0.0100".to_string(), "200.00".to_string())
        );
        assert_eq!(book.orderbook_fp.no_dollars.len(), 10);
        let order: OrderResponse =
            serde_json::from_str(&fixture("rest_get_order_live.json")).unwrap();
        assert_eq!(order.order.status, "executed");
        assert_eq!(order.order.taker_fees_dollars, "0.268000");
        assert_eq!(order.order.side, "no");
        let pos: PositionsResponse =
            serde_json::from_str(&fixture("rest_get_positions_live.json")).unwrap();
        assert_eq!(pos.market_positions[0].position_fp, "84.00");
        assert_eq!(pos.event_positions[0].total_cost_dollars, "41.160000");
    }

    #[test]
    fn a_real_events_page_gives_each_event_its_series_and_exclusivity() {
        let page: EventsResponse = serde_json::from_str(&crate::venues::fixture(
            "pairs/steffenmax_kalshi_nba_events.json",
        ))
        .unwrap();
        assert_eq!(page.events.len(), 27);
        let first = &page.events[0];
        assert_eq!(first.event_ticker, "KXNBAGAME-26JAN11HOUSAC");
        assert_eq!(first.series_ticker, "KXNBAGAME");
        assert!(first.mutually_exclusive);
        assert!(page.events.iter().all(|e| e.series_ticker == "KXNBAGAME"));
    }

    #[test]
    fn an_order_request_omits_what_it_does_not_set() {
        let req = CreateOrderRequest {
            ticker: "T".into(),
            side: "yes".into(),
            action: "buy".into(),
            count_fp: Some("3.00".into()),
            yes_price_dollars: Some("0.4200".into()),
            ..CreateOrderRequest::default()
        };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ticker": "T", "side": "yes", "action": "buy", "count_fp": "3.00", "yes_price_dollars": "0.4200"})
        );
    }
}
