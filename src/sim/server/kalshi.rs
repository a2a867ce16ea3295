//! Kalshi Trade API v2 on the simulator: markets, events, series, order books, and the
//! authenticated portfolio endpoints (balance, positions, orders, fills), with Kalshi's
//! JSON shapes and error bodies.

use super::SimState;
use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::event::FeeModel;
use crate::sim::exchange::{
    Action, CancelError, NewOrder, OrderState, SimOrder, Tif, public_levels,
};
use crate::sim::faults::FaultKind;
use crate::venues::kalshi::rest_wire as w;
use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use std::collections::BTreeMap;
use std::sync::Arc;

type Shared = State<Arc<SimState>>;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/markets", get(markets))
        .route("/markets/{ticker}", get(market))
        .route("/markets/{ticker}/orderbook", get(orderbook))
        .route("/events/{event_ticker}", get(event))
        .route("/series/{series_ticker}", get(series))
        .route("/portfolio/balance", get(balance))
        .route("/portfolio/positions", get(positions))
        .route("/portfolio/orders", get(list_orders).post(create_order))
        .route(
            "/portfolio/orders/batched",
            axum::routing::post(batch_create_orders),
        )
        .route(
            "/portfolio/orders/{order_id}",
            get(get_order).delete(cancel_order),
        )
        .route("/portfolio/fills", get(fills))
}

/// A refusal in Kalshi's error shape, small enough to return in a `Result`.
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

/// Kalshi's error body with a status.
pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = w::ApiError {
        error: w::ApiErrorBody {
            code: code.into(),
            message: message.into(),
            details: None,
        },
    };
    (status, Json(body)).into_response()
}

fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("{what} not found"),
    )
}

fn dollars(p: Price) -> String {
    p.to_string()
}

pub(super) fn count(q: Qty) -> String {
    format_decimal(q.0, 6, 2)
}

pub(super) fn money(m: Money) -> String {
    format_decimal(m.0, 6, 6)
}

fn kalshi_market(state: &SimState, i: usize) -> w::Market {
    let meta = &state.metas[i];
    let ex = state.exchange();
    let (bids, asks) = public_levels(&ex, i);
    let best_bid = bids.keys().next_back().map(|&p| Price(p));
    let best_ask = asks.keys().next().map(|&p| Price(p));
    let fmt = |p: Option<Price>| p.map_or_else(|| "0.0000".to_string(), dollars);
    let cents = |p: Option<Price>| p.map_or(0, |p| i64::from(p.0) / 100);
    let time = "2026-01-01T00:00:00Z".to_string();
    let close = meta
        .close_ts
        .map_or_else(|| "2030-01-01T00:00:00Z".to_string(), rfc3339);
    w::Market {
        subtitle: String::new(),
        yes_sub_title: "Yes".into(),
        no_sub_title: "No".into(),
        created_time: time.clone(),
        open_time: time,
        close_time: close.clone(),
        expiration_time: close.clone(),
        latest_expiration_time: close,
        settlement_timer_seconds: 60,
        response_price_units: "usd_cent".into(),
        yes_bid: cents(best_bid),
        yes_ask: cents(best_ask),
        no_bid: cents(best_ask.map(Price::complement)),
        no_ask: cents(best_bid.map(Price::complement)),
        notional_value: 100,
        previous_yes_bid_dollars: "0.0000".into(),
        previous_yes_ask_dollars: "0.0000".into(),
        previous_price_dollars: "0.0000".into(),
        liquidity_dollars: "0.0000".into(),
        can_close_early: true,
        price_level_structure: "linear_cent".into(),
        price_ranges: vec![w::PriceRange {
            start: "0.0000".into(),
            end: "1.0000".into(),
            step: "0.0100".into(),
        }],
        ticker: meta.venue_id.clone(),
        event_ticker: meta.event_id.clone(),
        market_type: "binary".into(),
        title: meta.title.clone(),
        status: "active".into(),
        yes_bid_dollars: fmt(best_bid),
        yes_ask_dollars: fmt(best_ask),
        no_bid_dollars: fmt(best_ask.map(Price::complement)),
        no_ask_dollars: fmt(best_bid.map(Price::complement)),
        last_price_dollars: "0.0000".into(),
        volume_fp: "0.00".into(),
        open_interest_fp: "0.00".into(),
        notional_value_dollars: "1.0000".into(),
        tick_size: Some(1),
        ..w::Market::default()
    }
}

fn kalshi_markets(state: &SimState) -> impl Iterator<Item = usize> + '_ {
    state
        .metas
        .iter()
        .enumerate()
        .filter(|(_, m)| m.venue == Venue::Kalshi)
        .map(|(i, _)| i)
}

async fn markets(State(state): Shared, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let event = q.get("event_ticker");
    let series = q.get("series_ticker");
    let tickers: Option<Vec<&str>> = q.get("tickers").map(|t| t.split(',').collect());
    let list = kalshi_markets(&state)
        .filter(|&i| {
            let m = &state.metas[i];
            event.is_none_or(|e| *e == m.event_id)
                && series.is_none_or(|s| *s == m.series_id)
                && tickers
                    .as_ref()
                    .is_none_or(|t| t.contains(&m.venue_id.as_str()))
        })
        .map(|i| kalshi_market(&state, i))
        .collect();
    Json(w::MarketsResponse {
        markets: list,
        cursor: String::new(),
    })
    .into_response()
}

fn find(state: &SimState, ticker: &str) -> Option<usize> {
    state.meta_of(Venue::Kalshi, ticker).map(|(i, _)| i)
}

async fn market(State(state): Shared, Path(ticker): Path<String>) -> Response {
    match find(&state, &ticker) {
        Some(i) => Json(w::MarketResponse {
            market: kalshi_market(&state, i),
        })
        .into_response(),
        None => not_found("market"),
    }
}

async fn orderbook(
    State(state): Shared,
    Path(ticker): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(i) = find(&state, &ticker) else {
        return not_found("market");
    };
    let depth: usize = q
        .get("depth")
        .and_then(|d| d.parse().ok())
        .filter(|&d| d > 0)
        .unwrap_or(usize::MAX);
    let (bids, asks) = public_levels(&state.exchange(), i);
    // YES bids as they are; NO bids are the YES asks seen from the other side. Both
    // ascending by price, the best (highest) last, as Kalshi lists them.
    let yes: Vec<_> = bids
        .iter()
        .rev()
        .take(depth)
        .map(|(&p, &q)| (dollars(Price(p)), count(Qty(q))))
        .collect();
    let no: Vec<_> = asks
        .iter()
        .take(depth)
        .map(|(&p, &q)| (dollars(Price(p).complement()), count(Qty(q))))
        .collect();
    let book = w::OrderbookFp {
        yes_dollars: yes.into_iter().rev().collect(),
        no_dollars: no.into_iter().rev().collect(),
    };
    Json(w::OrderbookResponse {
        orderbook: Some(book.clone()),
        orderbook_fp: book,
    })
    .into_response()
}

async fn event(State(state): Shared, Path(event_ticker): Path<String>) -> Response {
    let members: Vec<usize> = kalshi_markets(&state)
        .filter(|&i| state.metas[i].event_id == event_ticker)
        .collect();
    let Some(&first) = members.first() else {
        return not_found("event");
    };
    let meta = &state.metas[first];
    let markets: Vec<_> = members.iter().map(|&i| kalshi_market(&state, i)).collect();
    let ev = w::Event {
        event_ticker,
        series_ticker: meta.series_id.clone(),
        title: meta.title.clone(),
        mutually_exclusive: false,
        ..w::Event::default()
    };
    Json(w::EventResponse { event: ev, markets }).into_response()
}

async fn series(State(state): Shared, Path(series_ticker): Path<String>) -> Response {
    let Some(meta) = state
        .metas
        .iter()
        .find(|m| m.venue == Venue::Kalshi && m.series_id == series_ticker)
    else {
        return not_found("series");
    };
    let fee_multiplier = match meta.fees {
        FeeModel::Kalshi { multiplier_bp } => f64::from(multiplier_bp) / 10_000.0,
        _ => 0.0,
    };
    let s = w::Series {
        ticker: series_ticker,
        title: meta.title.clone(),
        fee_type: "quadratic".into(),
        fee_multiplier,
        ..w::Series::default()
    };
    Json(w::SeriesResponse { series: s }).into_response()
}

/// The account an authenticated request acts for, or the response Kalshi gives.
/// The account a signed request acts for: `signed_path` is the full request path as
/// signed (`/trade-api/v2/portfolio/orders`), or the response Kalshi gives.
pub(super) fn authenticate(
    state: &SimState,
    headers: &HeaderMap,
    method: &Method,
    signed_path: &str,
) -> Result<String, Refusal> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key), Some(ts), Some(sig)) = (
        header("KALSHI-ACCESS-KEY"),
        header("KALSHI-ACCESS-TIMESTAMP"),
        header("KALSHI-ACCESS-SIGNATURE"),
    ) else {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "missing authentication headers",
        ));
    };
    let Some(account) = state
        .accounts
        .iter()
        .find(|a| a.kalshi_key_id.as_deref() == Some(key))
    else {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "unknown API key",
        ));
    };
    if !super::auth::kalshi_signature_ok(account, ts, method.as_str(), signed_path, sig) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid signature",
        ));
    }
    Ok(account.name.clone())
}

async fn balance(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let ex = state.exchange();
    let a = ex.account(&account).cloned().unwrap_or_default();
    // Cents, as Kalshi reports balance: cash not locked by resting orders.
    let cents = (a.cash.0 - a.locked.0) / 10_000;
    Json(w::BalanceResponse {
        balance: cents,
        portfolio_value: cents,
    })
    .into_response()
}

async fn positions(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let ex = state.exchange();
    let a = ex.account(&account).cloned().unwrap_or_default();
    let mut list = Vec::new();
    for i in kalshi_markets(&state) {
        let yes = a
            .positions
            .get(&(i, Outcome::Yes))
            .copied()
            .unwrap_or_default();
        let no = a
            .positions
            .get(&(i, Outcome::No))
            .copied()
            .unwrap_or_default();
        if yes.0 == 0 && no.0 == 0 {
            continue;
        }
        let fees: i64 = ex
            .ledger
            .fills
            .iter()
            .filter(|f| f.account == account && f.market == i)
            .map(|f| f.fee.0)
            .sum();
        list.push(w::MarketPosition {
            ticker: state.metas[i].venue_id.clone(),
            position_fp: format_decimal(yes.0 - no.0, 6, 2),
            fees_paid_dollars: money(Money(fees)),
            ..w::MarketPosition::default()
        });
    }
    Json(w::PositionsResponse {
        market_positions: list,
        ..w::PositionsResponse::default()
    })
    .into_response()
}

/// Kalshi's order ids are UUIDs; the simulator's are counters in UUID form.
pub(super) fn order_uuid(id: u64) -> String {
    format!("00000000-0000-4000-8000-{id:012x}")
}

fn parse_order_uuid(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("00000000-0000-4000-8000-")?, 16).ok()
}

pub(super) fn wire_order(state: &SimState, o: &SimOrder) -> w::Order {
    let book_price = o.order.book_price();
    let (taker_cost, maker_cost, taker_fees, maker_fees) = {
        let ex = state.exchange();
        let mut t = (0i64, 0i64, 0i64, 0i64);
        for f in ex.ledger.fills.iter().filter(|f| f.order_id == o.id) {
            let cost = crate::core::fixed::notional_ceil(f.price, f.qty).map_or(0, |m| m.0);
            if f.is_taker {
                t.0 += cost;
                t.2 += f.fee.0;
            } else {
                t.1 += cost;
                t.3 += f.fee.0;
            }
        }
        t
    };
    w::Order {
        order_id: order_uuid(o.id),
        user_id: o.order.account.clone(),
        client_order_id: o.order.client_order_id.clone().unwrap_or_default(),
        ticker: state
            .metas
            .get(o.order.market)
            .map(|m| m.venue_id.clone())
            .unwrap_or_default(),
        side: if o.order.outcome == Outcome::Yes {
            "yes"
        } else {
            "no"
        }
        .into(),
        action: if o.order.action == Action::Buy {
            "buy"
        } else {
            "sell"
        }
        .into(),
        order_type: "limit".into(),
        status: match o.state {
            OrderState::Resting => "resting",
            OrderState::Executed => "executed",
            OrderState::Canceled => "canceled",
        }
        .into(),
        yes_price_dollars: dollars(book_price),
        no_price_dollars: dollars(book_price.complement()),
        fill_count_fp: count(o.filled),
        remaining_count_fp: count(if o.state == OrderState::Resting {
            o.remaining()
        } else {
            Qty::ZERO
        }),
        initial_count_fp: count(o.order.qty),
        taker_fill_cost_dollars: money(Money(taker_cost)),
        maker_fill_cost_dollars: money(Money(maker_cost)),
        taker_fees_dollars: money(Money(taker_fees)),
        maker_fees_dollars: money(Money(maker_fees)),
        created_time: rfc3339(o.created_ns),
        last_update_time: rfc3339(o.created_ns),
        yes_price: i64::from(book_price.0) / 100,
        no_price: i64::from(book_price.complement().0) / 100,
        fill_count: o.filled.0 / Qty::SCALE,
        remaining_count: if o.state == OrderState::Resting {
            o.remaining().0 / Qty::SCALE
        } else {
            0
        },
        initial_count: o.order.qty.0 / Qty::SCALE,
        taker_fees: taker_fees / 10_000,
        maker_fees: maker_fees / 10_000,
        taker_fill_cost: taker_cost / 10_000,
        maker_fill_cost: maker_cost / 10_000,
        queue_position: 0,
    }
}

/// RFC 3339 UTC time of epoch nanoseconds (second precision).
fn rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads a `CreateOrderRequest` into the exchange's terms, or says what is wrong.
fn new_order(
    state: &SimState,
    account: &str,
    r: &w::CreateOrderRequest,
) -> Result<NewOrder, Refusal> {
    let bad = |msg: &str| Refusal::new(StatusCode::BAD_REQUEST, "invalid_parameters", msg);
    let Some(market) = find(state, &r.ticker) else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "market not found",
        ));
    };
    let outcome = match r.side.as_str() {
        "yes" => Outcome::Yes,
        "no" => Outcome::No,
        _ => return Err(bad("side must be yes or no")),
    };
    let action = match r.action.as_str() {
        "buy" => Action::Buy,
        "sell" => Action::Sell,
        _ => return Err(bad("action must be buy or sell")),
    };
    let qty = match (&r.count_fp, r.count) {
        (Some(fp), _) => Qty::from_decimal(fp).map_err(|_| bad("count_fp is not a decimal"))?,
        (None, Some(c)) => Qty::contracts(c),
        (None, None) => return Err(bad("count or count_fp is required")),
    };
    let parse =
        |s: &str| Price::from_decimal(s).map_err(|_| bad("price is not a dollar amount in [0, 1]"));
    let cents = |c: i64| {
        u16::try_from(c * 100)
            .ok()
            .filter(|&p| p <= 10_000)
            .map(Price)
            .ok_or_else(|| bad("price in cents must be 1..99"))
    };
    let yes_price = match (
        &r.yes_price_dollars,
        &r.no_price_dollars,
        r.yes_price,
        r.no_price,
    ) {
        (Some(y), _, _, _) => parse(y)?,
        (None, Some(n), _, _) => parse(n)?.complement(),
        (None, None, Some(y), _) => cents(y)?,
        (None, None, None, Some(n)) => cents(n)?.complement(),
        _ => {
            return Err(bad(
                "a price (yes_price_dollars, no_price_dollars, yes_price or no_price) is required",
            ));
        }
    };
    let price = if outcome == Outcome::Yes {
        yes_price
    } else {
        yes_price.complement()
    };
    let tif = match r.time_in_force.as_deref() {
        None | Some("good_till_canceled") | Some("gtc") => Tif::GoodTillCanceled,
        Some("immediate_or_cancel") | Some("ioc") => Tif::ImmediateOrCancel,
        Some("fill_or_kill") | Some("fok") => Tif::FillOrKill,
        Some(_) => return Err(bad("unknown time_in_force")),
    };
    Ok(NewOrder {
        account: account.into(),
        market,
        outcome,
        action,
        price,
        qty,
        tif,
        client_order_id: r.client_order_id.clone(),
    })
}

async fn create_order(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let req: w::CreateOrderRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_parameters",
                &format!("bad order body: {e}"),
            );
        }
    };
    let order = match new_order(&state, &account, &req) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let faults = state.active_faults();
    if faults.iter().any(|(k, _)| *k == FaultKind::RejectOrders) {
        return error(
            StatusCode::BAD_REQUEST,
            "trading_is_paused",
            "the exchange is not accepting orders",
        );
    }
    let cap = faults.iter().find_map(|(k, _)| {
        if let FaultKind::PartialFill { ratio_bp } = k {
            Some(*ratio_bp)
        } else {
            None
        }
    });
    let result = state.mutate(|ex| {
        ex.fill_cap_bp = cap;
        let r = ex.submit(order);
        ex.fill_cap_bp = None;
        r
    });
    if let Some(delay_ms) = faults.iter().find_map(|(k, _)| {
        if let FaultKind::SlowAck { delay_ms } = k {
            Some(*delay_ms)
        } else {
            None
        }
    }) {
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(delay_ms))).await;
    }
    match result {
        Ok(id) => {
            let o = state.exchange().orders.get(&id).cloned();
            match o {
                Some(o) => (
                    StatusCode::CREATED,
                    Json(w::OrderResponse {
                        order: wire_order(&state, &o),
                    }),
                )
                    .into_response(),
                None => not_found("order"),
            }
        }
        Err(reason) => {
            let code = match reason {
                crate::sim::exchange::RejectReason::InsufficientBalance => "insufficient_balance",
                crate::sim::exchange::RejectReason::DuplicateClientOrderId => {
                    "order_already_exists"
                }
                _ => "invalid_order",
            };
            error(StatusCode::BAD_REQUEST, code, &reason.to_string())
        }
    }
}

async fn batch_create_orders(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let req: w::BatchCreateOrdersRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_parameters",
                &format!("bad batch body: {e}"),
            );
        }
    };
    let mut results = Vec::with_capacity(req.orders.len());
    for r in &req.orders {
        let submitted = new_order(&state, &account, r)
            .map_err(|_| "invalid order".to_string())
            .and_then(|o| state.mutate(|ex| ex.submit(o)).map_err(|e| e.to_string()));
        let result = match submitted {
            Ok(id) => match state.exchange().orders.get(&id).cloned() {
                Some(o) => w::BatchOrderResult {
                    order: Some(wire_order(&state, &o)),
                    error: None,
                },
                None => w::BatchOrderResult {
                    order: None,
                    error: Some(w::ApiErrorBody {
                        code: "not_found".into(),
                        message: "order vanished".into(),
                        details: None,
                    }),
                },
            },
            Err(message) => w::BatchOrderResult {
                order: None,
                error: Some(w::ApiErrorBody {
                    code: "invalid_order".into(),
                    message,
                    details: None,
                }),
            },
        };
        results.push(result);
    }
    (
        StatusCode::CREATED,
        Json(w::BatchCreateOrdersResponse { orders: results }),
    )
        .into_response()
}

async fn get_order(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let o = parse_order_uuid(&order_id)
        .and_then(|id| state.exchange().orders.get(&id).cloned())
        .filter(|o| o.order.account == account);
    match o {
        Some(o) => Json(w::OrderResponse {
            order: wire_order(&state, &o),
        })
        .into_response(),
        None => not_found("order"),
    }
}

async fn list_orders(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let ticker = q.get("ticker");
    let status = q.get("status");
    let orders: Vec<SimOrder> = state.exchange().orders_of(&account).cloned().collect();
    let list = orders
        .iter()
        .map(|o| wire_order(&state, o))
        .filter(|o| ticker.is_none_or(|t| *t == o.ticker) && status.is_none_or(|s| *s == o.status))
        .collect();
    Json(w::OrdersResponse {
        orders: list,
        cursor: String::new(),
    })
    .into_response()
}

async fn cancel_order(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let Some(id) = parse_order_uuid(&order_id) else {
        return not_found("order");
    };
    let result = state.mutate(|ex| ex.cancel(&account, id).map(|o| (o.clone(), o.remaining())));
    match result {
        Ok((o, reduced)) => Json(w::CancelOrderResponse {
            order: wire_order(&state, &o),
            reduced_by_fp: count(reduced),
            reduced_by: reduced.0 / Qty::SCALE,
        })
        .into_response(),
        Err(CancelError::NotFound) => not_found("order"),
        Err(CancelError::NotResting) => error(
            StatusCode::BAD_REQUEST,
            "order_not_resting",
            "order is not resting",
        ),
    }
}

async fn fills(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let account = match authenticate(&state, &headers, &method, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let order = q.get("order_id").and_then(|s| parse_order_uuid(s));
    let ex = state.exchange();
    let list = ex
        .ledger
        .fills
        .iter()
        .filter(|f| f.account == account && order.is_none_or(|o| o == f.order_id))
        .filter(|f| {
            state
                .metas
                .get(f.market)
                .is_some_and(|m| m.venue == Venue::Kalshi)
        })
        .map(|f| {
            let yes = if f.outcome == Outcome::Yes {
                f.price
            } else {
                f.price.complement()
            };
            w::Fill {
                fill_id: format!("fill-{}", f.trade_id),
                trade_id: format!("trade-{}", f.trade_id),
                order_id: order_uuid(f.order_id),
                client_order_id: f.client_order_id.clone().unwrap_or_default(),
                ticker: state.metas[f.market].venue_id.clone(),
                side: if f.outcome == Outcome::Yes {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                action: if f.action == Action::Buy {
                    "buy"
                } else {
                    "sell"
                }
                .into(),
                count_fp: count(f.qty),
                yes_price_dollars: dollars(yes),
                no_price_dollars: dollars(yes.complement()),
                is_taker: f.is_taker,
                fee_cost: money(f.fee),
                created_time: String::new(),
            }
        })
        .collect();
    Json(w::FillsResponse {
        fills: list,
        cursor: String::new(),
    })
    .into_response()
}
