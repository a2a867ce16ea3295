//! Polymarket's CLOB REST API on the simulator: market data, L1/L2 auth, V2 orders, trades.
//!
//! Public: markets, books, tick size, neg risk, fee rate, version, time. L1: the API-key
//! endpoints. L2: signed V2 orders, cancels, open orders, trades. The venue's JSON shapes
//! and `{"error"}` bodies.
//!
//! Every token is a market of its own in the exchange (its book is the token's book);
//! a BUY of a token buys that market's YES, a SELL sells it. Order ids are the EIP-712
//! order hashes, kept as the exchange orders' client order ids. No market is neg-risk.

use super::{SimAccount, SimState};
use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::event::FeeModel;
use crate::sim::exchange::{
    Action, CancelError, Exchange, FillRecord, NewOrder, OrderState, RejectReason, SimOrder, Tif,
    public_levels,
};
use crate::venues::credentials::check_timestamp;
use crate::venues::polymarket::auth::{
    AMOY_CHAIN_ID, OrderV2, POLYGON_CHAIN_ID, Side, SignatureType, exchange_v2_domain, verify_l1,
    verify_order,
};
use crate::venues::polymarket::eth::{
    Address, RecoverableSignature, U256, hex0x, keccak256, parse_hex_bytes,
};
use crate::venues::polymarket::rest_wire as w;
use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{delete, get, post};
use std::collections::BTreeMap;
use std::sync::Arc;

type Shared = State<Arc<SimState>>;

/// Chains whose order and L1 signatures the simulator accepts (the official clients
/// build orders only for these).
pub(super) const CHAIN_IDS: [u64; 2] = [POLYGON_CHAIN_ID, AMOY_CHAIN_ID];
/// Every simulated market trades on the standard (not neg-risk) exchange.
pub(super) const NEG_RISK: bool = false;
/// Minimum size of a resting (GTC/GTD) order, tokens.
pub(super) const MIN_ORDER_SIZE: Qty = Qty(5 * Qty::SCALE);
/// How far `POLY_TIMESTAMP` (seconds) may be from the simulator's clock.
const TIMESTAMP_WINDOW_S: i64 = 300;
/// Most orders in one `POST /orders`.
const MAX_BATCH: usize = 15;
/// The order version the simulated exchange takes.
const ORDER_VERSION: u32 = 2;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/book", get(book))
        .route("/books", post(books))
        .route("/markets", get(markets))
        .route("/markets/{condition_id}", get(market))
        .route("/markets-by-token/{token_id}", get(market_by_token))
        .route("/clob-markets/{condition_id}", get(clob_market))
        .route("/tick-size", get(tick_size))
        .route("/neg-risk", get(neg_risk))
        .route("/fee-rate", get(fee_rate))
        .route("/fee-rate/{token_id}", get(fee_rate_by_path))
        .route("/version", get(version))
        .route("/time", get(time))
        .route("/auth/api-key", post(create_api_key))
        .route("/auth/derive-api-key", get(derive_api_key))
        .route("/order", post(post_order).delete(cancel_order))
        .route("/orders", post(post_orders).delete(cancel_orders))
        .route("/cancel-all", delete(cancel_all))
        .route("/data/order/{order_id}", get(get_order))
        .route("/data/orders", get(open_orders))
        .route("/data/trades", get(trades))
        .route("/balance-allowance", get(balance_allowance))
}

/// A refusal in the CLOB's shape: `{"error": message}` with a status.
pub(super) struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, message)
    }

    fn unauthorized() -> Refusal {
        Refusal::new(StatusCode::UNAUTHORIZED, "Unauthorized/Invalid api key")
    }

    fn market_not_found() -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, "market not found")
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(w::ApiError {
                error: self.message,
            }),
        )
            .into_response()
    }
}

fn respond<T: serde::Serialize>(r: Result<T, Refusal>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

pub(super) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

// ---- formatting ----

/// A price as the CLOB writes it: `"0.42"`, `"0.5"`, `"0.001"`.
pub(super) fn px(p: Price) -> String {
    format_decimal(i64::from(p.0), 4, 0)
}

/// A token amount: `"667.12"`, `"800"`.
pub(super) fn size(q: Qty) -> String {
    format_decimal(q.0, 6, 0)
}

fn usdc(m: Money) -> String {
    format_decimal(m.0, 6, 0)
}

fn tick_number(tick: Price) -> f64 {
    f64::from(tick.0) / 10_000.0
}

/// Trade ids are UUIDs on the venue; the simulator's are counters in UUID form.
pub(super) fn trade_uuid(trade_id: u64) -> String {
    format!("00000000-0000-4000-9000-{trade_id:012x}")
}

/// A stand-in settlement transaction hash for a trade.
pub(super) fn tx_hash(trade_id: u64) -> String {
    hex0x(keccak256(format!("arb-sim-trade-{trade_id}")))
}

pub(super) fn side_name(a: Action) -> &'static str {
    match a {
        Action::Buy => "BUY",
        Action::Sell => "SELL",
    }
}

fn other_side(a: Action) -> Action {
    match a {
        Action::Buy => Action::Sell,
        Action::Sell => Action::Buy,
    }
}

// ---- markets and tokens ----

pub(super) fn is_token(state: &SimState, market: usize) -> bool {
    state
        .metas
        .get(market)
        .is_some_and(|m| m.venue == Venue::Polymarket)
}

fn tokens(state: &SimState) -> impl Iterator<Item = usize> + '_ {
    (0..state.metas.len()).filter(|&i| is_token(state, i))
}

/// The exchange market of a token id (decimal text; leading zeros tolerated).
pub(super) fn find_token(state: &SimState, token_id: &str) -> Option<usize> {
    if let Some((i, _)) = state.meta_of(Venue::Polymarket, token_id) {
        return Some(i);
    }
    let canonical = U256::from_dec_str(token_id).ok()?.to_string();
    state.meta_of(Venue::Polymarket, &canonical).map(|(i, _)| i)
}

/// The condition id of a token.
pub(super) fn condition(state: &SimState, market: usize) -> String {
    state
        .metas
        .get(market)
        .map(|m| m.event_id.clone())
        .unwrap_or_default()
}

/// The tokens of a condition, in scenario order.
fn siblings(state: &SimState, condition_id: &str) -> Vec<usize> {
    tokens(state)
        .filter(|&i| state.metas[i].event_id == condition_id)
        .collect()
}

/// `Yes` for a condition's first token, `No` for its second.
pub(super) fn outcome_name(state: &SimState, market: usize) -> &'static str {
    let sibs = siblings(state, &condition(state, market));
    match sibs.iter().position(|&i| i == market) {
        Some(1) => "No",
        _ => "Yes",
    }
}

/// The market's base fee in basis points (its fee rate, as `/fee-rate` reports it).
pub(super) fn base_fee_bps(state: &SimState, market: usize) -> u64 {
    match state.metas.get(market).map(|m| m.fees) {
        Some(FeeModel::Polymarket { rate_ppm, .. }) => u64::from(rate_ppm / 100),
        _ => 0,
    }
}

fn token_param(state: &SimState, q: &BTreeMap<String, String>) -> Result<usize, Refusal> {
    let Some(t) = q.get("token_id").filter(|t| U256::from_dec_str(t).is_ok()) else {
        return Err(Refusal::bad("Invalid token id"));
    };
    find_token(state, t).ok_or_else(Refusal::market_not_found)
}

/// The last price the account's orders traded at in a market (`""` if none).
pub(super) fn last_trade(ex: &Exchange, market: usize) -> String {
    ex.ledger
        .fills
        .iter()
        .rev()
        .find(|f| f.market == market)
        .map(|f| px(f.price))
        .unwrap_or_default()
}

/// A token's book as `GET /book` and the market channel's `book` show it: bids
/// ascending, asks descending (best last), hashed as the venue hashes it.
pub(super) fn book_summary(
    state: &SimState,
    market: usize,
    bids: &BTreeMap<u16, i64>,
    asks: &BTreeMap<u16, i64>,
    last_trade_price: String,
    ts_ms: i64,
) -> w::OrderBookSummary {
    let level = |(&p, &q): (&u16, &i64)| w::OrderSummary {
        price: px(Price(p)),
        size: size(Qty(q)),
    };
    let tick = state.metas.get(market).map_or(Price(100), |m| m.tick);
    let mut b = w::OrderBookSummary {
        market: condition(state, market),
        asset_id: state
            .metas
            .get(market)
            .map(|m| m.venue_id.clone())
            .unwrap_or_default(),
        timestamp: ts_ms.to_string(),
        hash: String::new(),
        bids: bids.iter().map(level).collect(),
        asks: asks.iter().rev().map(level).collect(),
        min_order_size: size(MIN_ORDER_SIZE),
        tick_size: px(tick),
        neg_risk: NEG_RISK,
        last_trade_price,
    };
    b.hash = w::book_hash(&b);
    b
}

/// The current book of a token.
pub(super) fn current_book(state: &SimState, market: usize) -> w::OrderBookSummary {
    let (bids, asks, last) = {
        let ex = state.exchange();
        let (b, a) = public_levels(&ex, market);
        (b, a, last_trade(&ex, market))
    };
    book_summary(state, market, &bids, &asks, last, now_ms())
}

async fn book(State(state): Shared, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let Some(t) = q.get("token_id").filter(|t| U256::from_dec_str(t).is_ok()) else {
        return Refusal::bad("Invalid token id").into_response();
    };
    match find_token(&state, t) {
        Some(i) => Json(current_book(&state, i)).into_response(),
        None => Refusal::new(
            StatusCode::NOT_FOUND,
            "No orderbook exists for the requested token id",
        )
        .into_response(),
    }
}

async fn books(State(state): Shared, body: axum::body::Bytes) -> Response {
    let Ok(params) = serde_json::from_slice::<Vec<w::BookParams>>(&body) else {
        return Refusal::bad("Invalid payload").into_response();
    };
    if params.len() > 500 {
        return Refusal::bad("Payload exceeds the limit").into_response();
    }
    let list: Vec<w::OrderBookSummary> = params
        .iter()
        .filter_map(|p| find_token(&state, &p.token_id))
        .map(|i| current_book(&state, i))
        .collect();
    Json(list).into_response()
}

fn wire_market(state: &SimState, condition_id: &str) -> w::Market {
    let sibs = siblings(state, condition_id);
    let first = sibs.first().copied().unwrap_or_default();
    let meta = &state.metas[first];
    let tokens = sibs
        .iter()
        .map(|&i| {
            let (price, _) = token_price(state, i);
            w::MarketToken {
                token_id: state.metas[i].venue_id.clone(),
                outcome: outcome_name(state, i).into(),
                price,
                winner: false,
            }
        })
        .collect();
    w::Market {
        condition_id: condition_id.to_string(),
        question_id: hex0x(keccak256(format!("question-{condition_id}"))),
        tokens,
        minimum_order_size: MIN_ORDER_SIZE.0 as f64 / Qty::SCALE as f64,
        minimum_tick_size: tick_number(meta.tick),
        neg_risk: NEG_RISK,
        active: true,
        closed: false,
        accepting_orders: true,
        enable_order_book: true,
        question: meta.title.clone(),
        description: String::new(),
        market_slug: meta.series_id.clone(),
        end_date_iso: None,
        maker_base_fee: 0,
        taker_base_fee: base_fee_bps(state, first),
    }
}

/// A token's indicative price: the mid of its best bid and ask, else the last trade.
fn token_price(state: &SimState, market: usize) -> (f64, String) {
    let ex = state.exchange();
    let (bids, asks) = public_levels(&ex, market);
    let last = last_trade(&ex, market);
    let mid = match (bids.keys().next_back(), asks.keys().next()) {
        (Some(&b), Some(&a)) => f64::from(b + a) / 20_000.0,
        _ => last.parse().unwrap_or(0.0),
    };
    (mid, last)
}

fn conditions(state: &SimState) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in tokens(state) {
        let c = &state.metas[i].event_id;
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

async fn markets(State(state): Shared) -> Response {
    let data: Vec<w::Market> = conditions(&state)
        .iter()
        .map(|c| wire_market(&state, c))
        .collect();
    let n = data.len() as u64;
    Json(w::MarketsPage {
        data,
        next_cursor: w::END_CURSOR.into(),
        limit: n,
        count: n,
    })
    .into_response()
}

async fn market(State(state): Shared, Path(condition_id): Path<String>) -> Response {
    if siblings(&state, &condition_id).is_empty() {
        return Refusal::market_not_found().into_response();
    }
    Json(wire_market(&state, &condition_id)).into_response()
}

async fn market_by_token(State(state): Shared, Path(token_id): Path<String>) -> Response {
    let Some(i) = find_token(&state, &token_id) else {
        return Refusal::market_not_found().into_response();
    };
    let c = condition(&state, i);
    let sibs = siblings(&state, &c);
    let id = |k: usize| {
        sibs.get(k)
            .map(|&m| state.metas[m].venue_id.clone())
            .unwrap_or_default()
    };
    Json(w::MarketByToken {
        condition_id: c,
        primary_token_id: id(0),
        secondary_token_id: id(1),
    })
    .into_response()
}

async fn clob_market(State(state): Shared, Path(condition_id): Path<String>) -> Response {
    let sibs = siblings(&state, &condition_id);
    let Some(&first) = sibs.first() else {
        return Refusal::market_not_found().into_response();
    };
    let meta = &state.metas[first];
    let fd = match meta.fees {
        FeeModel::Polymarket {
            rate_ppm,
            exponent,
            taker_only,
        } => Some(w::FeeDetails {
            r: f64::from(rate_ppm) / 1e6,
            e: f64::from(exponent),
            to: taker_only,
        }),
        _ => None,
    };
    Json(w::ClobMarketInfo {
        t: sibs
            .iter()
            .map(|&i| w::ClobToken {
                t: state.metas[i].venue_id.clone(),
                o: outcome_name(&state, i).into(),
            })
            .collect(),
        mts: tick_number(meta.tick),
        mos: MIN_ORDER_SIZE.0 as f64 / Qty::SCALE as f64,
        nr: NEG_RISK,
        fd,
        mbf: 0,
        tbf: base_fee_bps(&state, first),
    })
    .into_response()
}

async fn tick_size(State(state): Shared, Query(q): Query<BTreeMap<String, String>>) -> Response {
    respond(token_param(&state, &q).map(|i| w::TickSizeResponse {
        minimum_tick_size: tick_number(state.metas[i].tick),
    }))
}

async fn neg_risk(State(state): Shared, Query(q): Query<BTreeMap<String, String>>) -> Response {
    respond(token_param(&state, &q).map(|_| w::NegRiskResponse { neg_risk: NEG_RISK }))
}

async fn fee_rate(State(state): Shared, Query(q): Query<BTreeMap<String, String>>) -> Response {
    respond(token_param(&state, &q).map(|i| w::FeeRateResponse {
        base_fee: base_fee_bps(&state, i),
    }))
}

async fn fee_rate_by_path(State(state): Shared, Path(token_id): Path<String>) -> Response {
    let q = BTreeMap::from([("token_id".to_string(), token_id)]);
    respond(token_param(&state, &q).map(|i| w::FeeRateResponse {
        base_fee: base_fee_bps(&state, i),
    }))
}

async fn version() -> Response {
    Json(w::VersionResponse {
        version: ORDER_VERSION,
    })
    .into_response()
}

/// A bare integer of Unix seconds, as the venue answers.
async fn time() -> Response {
    Json(now_ms() / 1000).into_response()
}

// ---- authentication ----

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    // Header names are case-insensitive; the CLOB's contain underscores.
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The account an L2 (HMAC) request acts for: API key and passphrase headers, a fresh
/// `POLY_TIMESTAMP`, the HMAC over `ts + METHOD + path + body`, and `POLY_ADDRESS`
/// the key's owner. `path` is the request path (no query).
pub(super) fn authenticate_l2(
    state: &SimState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<usize, Refusal> {
    let (Some(address), Some(signature), Some(ts), Some(key), Some(passphrase)) = (
        header(headers, "POLY_ADDRESS"),
        header(headers, "POLY_SIGNATURE"),
        header(headers, "POLY_TIMESTAMP"),
        header(headers, "POLY_API_KEY"),
        header(headers, "POLY_PASSPHRASE"),
    ) else {
        return Err(Refusal::unauthorized());
    };
    let body = if body.is_empty() {
        None
    } else {
        Some(std::str::from_utf8(body).map_err(|_| Refusal::unauthorized())?)
    };
    let Some(idx) = state.accounts.iter().position(|a| {
        a.poly_creds
            .as_ref()
            .is_some_and(|c| c.api_key().ct_eq(key))
    }) else {
        return Err(Refusal::unauthorized());
    };
    let account = &state.accounts[idx];
    let creds = account
        .poly_creds
        .as_ref()
        .ok_or_else(Refusal::unauthorized)?;
    check_timestamp(ts, now_ms() / 1000, TIMESTAMP_WINDOW_S)
        .map_err(|_| Refusal::unauthorized())?;
    creds
        .verify_request(key, passphrase, ts, method.as_str(), path, body, signature)
        .map_err(|_| Refusal::unauthorized())?;
    let claimed: Address = address.parse().map_err(|_| Refusal::unauthorized())?;
    if account.poly_address != Some(claimed) {
        return Err(Refusal::unauthorized());
    }
    Ok(idx)
}

/// The account an L1 (`ClobAuth` EIP-712) request proves it owns.
fn authenticate_l1(state: &SimState, headers: &HeaderMap) -> Result<usize, Refusal> {
    let refused = || Refusal::new(StatusCode::UNAUTHORIZED, "Invalid L1 Request headers");
    let (Some(address), Some(signature), Some(ts)) = (
        header(headers, "POLY_ADDRESS"),
        header(headers, "POLY_SIGNATURE"),
        header(headers, "POLY_TIMESTAMP"),
    ) else {
        return Err(refused());
    };
    let nonce = header(headers, "POLY_NONCE").unwrap_or("0");
    check_timestamp(ts, now_ms() / 1000, TIMESTAMP_WINDOW_S).map_err(|_| refused())?;
    let signer = CHAIN_IDS
        .iter()
        .find_map(|&chain| verify_l1(chain, address, ts, nonce, signature).ok())
        .ok_or_else(refused)?;
    state
        .accounts
        .iter()
        .position(|a| a.poly_address == Some(signer))
        .ok_or_else(refused)
}

fn api_key_response(account: &SimAccount, failure: &str) -> Response {
    match &account.poly_creds {
        Some(c) => Json(w::ApiKeyCreds {
            api_key: c.api_key().expose().to_string(),
            secret: c.secret().expose().to_string(),
            passphrase: c.passphrase().expose().to_string(),
        })
        .into_response(),
        None => Refusal::bad(failure).into_response(),
    }
}

/// `POST /auth/api-key`: the simulator's accounts have one key each; "creating" one
/// hands out that key.
async fn create_api_key(State(state): Shared, headers: HeaderMap) -> Response {
    match authenticate_l1(&state, &headers) {
        Ok(i) => api_key_response(&state.accounts[i], "Could not create api key"),
        Err(r) => r.into_response(),
    }
}

async fn derive_api_key(State(state): Shared, headers: HeaderMap) -> Response {
    match authenticate_l1(&state, &headers) {
        Ok(i) => api_key_response(&state.accounts[i], "Could not derive api key!"),
        Err(r) => r.into_response(),
    }
}

// ---- orders ----

fn api_key_of(a: &SimAccount) -> String {
    a.poly_creds
        .as_ref()
        .map(|c| c.api_key().expose().to_string())
        .unwrap_or_default()
}

fn address_of(a: &SimAccount) -> String {
    a.poly_address.map(|x| x.to_string()).unwrap_or_default()
}

pub(super) fn account_named<'a>(state: &'a SimState, name: &str) -> Option<&'a SimAccount> {
    state.accounts.iter().find(|a| a.name == name)
}

/// The wire order, parsed into what is signed.
fn parse_order(o: &w::SignedOrder) -> Result<(OrderV2, RecoverableSignature), String> {
    let side = match o.side.as_str() {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        other => return Err(format!("side {other:?}")),
    };
    let signature_type = match o.signature_type {
        0 => SignatureType::Eoa,
        1 => SignatureType::PolyProxy,
        2 => SignatureType::PolyGnosisSafe,
        3 => SignatureType::Poly1271,
        other => return Err(format!("signatureType {other}")),
    };
    let e = |e: crate::venues::credentials::AuthError| e.to_string();
    let order = OrderV2 {
        salt: U256::from(o.salt),
        maker: o.maker.parse().map_err(e)?,
        signer: o.signer.parse().map_err(e)?,
        token_id: U256::from_dec_str(&o.token_id).map_err(e)?,
        maker_amount: U256::from_dec_str(&o.maker_amount).map_err(e)?,
        taker_amount: U256::from_dec_str(&o.taker_amount).map_err(e)?,
        side,
        signature_type,
        timestamp: U256::from_dec_str(&o.timestamp).map_err(e)?,
        metadata: parse_hex_bytes::<32>(&o.metadata, "metadata").map_err(e)?,
        builder: parse_hex_bytes::<32>(&o.builder, "builder").map_err(e)?,
    };
    let signature = RecoverableSignature::from_hex(&o.signature).map_err(e)?;
    Ok((order, signature))
}

/// Price (USDC per token) and size (tokens) of signed amounts: a BUY gives
/// `makerAmount` USDC for `takerAmount` tokens, a SELL the reverse. A price that is
/// not a whole 0.0001 is rounded so that the order never trades worse than signed:
/// down for a buy, up for a sell.
fn price_and_size(side: Side, maker: &str, taker: &str) -> Option<(Price, Qty)> {
    let maker: u64 = maker.parse().ok()?;
    let taker: u64 = taker.parse().ok()?;
    if maker == 0 || taker == 0 {
        return None;
    }
    let (usdc, tokens) = match side {
        Side::Buy => (maker, taker),
        Side::Sell => (taker, maker),
    };
    let num = u128::from(usdc) * Price::SCALE as u128;
    let den = u128::from(tokens);
    let raw = match side {
        Side::Buy => num / den,
        Side::Sell => num.div_ceil(den),
    };
    let price = u16::try_from(raw)
        .ok()
        .filter(|&p| p > 0 && p < Price::SCALE as u16)?;
    Some((Price(price), Qty(i64::try_from(tokens).ok()?)))
}

fn is_order_id(id: &str) -> bool {
    parse_hex_bytes::<32>(id, "orderID").is_ok() && id.starts_with("0x")
}

/// Places one signed order for account `idx`; the `POST /order` answer or refusal.
fn partial_fill_cap(state: &SimState) -> Option<u16> {
    state.active_faults().iter().find_map(|(k, _)| match k {
        crate::sim::faults::FaultKind::PartialFill { ratio_bp } => Some(*ratio_bp),
        _ => None,
    })
}

fn place(
    state: &SimState,
    idx: usize,
    req: &w::PostOrderRequest,
) -> Result<w::PostOrderResponse, Refusal> {
    let account = &state.accounts[idx];
    let creds = account
        .poly_creds
        .as_ref()
        .ok_or_else(Refusal::unauthorized)?;
    if !creds.api_key().ct_eq(&req.owner) {
        return Err(Refusal::bad(
            "the order owner has to be the owner of the API KEY",
        ));
    }
    let (order, signature) =
        parse_order(&req.order).map_err(|_| Refusal::bad("Invalid order payload"))?;
    if Some(order.signer) != account.poly_address {
        return Err(Refusal::bad(
            "the order signer address has to be the address of the API KEY",
        ));
    }
    if order.signature_type == SignatureType::Eoa && order.maker != order.signer {
        return Err(Refusal::bad(
            "the order owner has to be the owner of the API KEY",
        ));
    }
    let market = find_token(state, &req.order.token_id).ok_or_else(Refusal::market_not_found)?;
    let hash = CHAIN_IDS
        .iter()
        .find_map(|&chain| {
            verify_order(&order, &exchange_v2_domain(chain, NEG_RISK), &signature).ok()
        })
        .ok_or_else(|| Refusal::bad("invalid signature"))?;
    let id = hex0x(hash);
    if state
        .exchange()
        .order_by_client_id(&account.name, &id)
        .is_some()
    {
        return Err(Refusal::bad(format!("order {id} is invalid. Duplicated.")));
    }
    let (price, qty) = price_and_size(order.side, &req.order.maker_amount, &req.order.taker_amount)
        .ok_or_else(|| Refusal::bad("Invalid order payload"))?;
    let tick = state.metas[market].tick;
    if tick.0 == 0
        || !price.0.is_multiple_of(tick.0)
        || price.0 < tick.0
        || price.0 > Price::SCALE as u16 - tick.0
    {
        return Err(Refusal::bad(format!(
            "order {id} is invalid. Price ({}) breaks minimum tick size rule: {}",
            px(price),
            px(tick)
        )));
    }
    let tif = match req.order_type.as_str() {
        "GTC" | "GTD" => Tif::GoodTillCanceled,
        "FOK" => Tif::FillOrKill,
        "FAK" => Tif::ImmediateOrCancel,
        _ => return Err(Refusal::bad("Invalid order payload")),
    };
    if req.post_only && tif != Tif::GoodTillCanceled {
        return Err(Refusal::bad("Invalid order payload"));
    }
    if tif == Tif::GoodTillCanceled && qty < MIN_ORDER_SIZE {
        return Err(Refusal::bad(format!(
            "order {id} is invalid. Size ({}) lower than the minimum: {}",
            size(qty),
            size(MIN_ORDER_SIZE)
        )));
    }
    if req.order_type == "GTD" {
        let expiration: i64 = req.order.expiration.parse().unwrap_or(-1);
        // The venue's one-minute safety threshold.
        if expiration != 0 && expiration < now_ms() / 1000 + 60 {
            return Err(Refusal::bad("invalid expiration"));
        }
    }
    let action = match order.side {
        Side::Buy => Action::Buy,
        Side::Sell => Action::Sell,
    };
    if req.post_only {
        let (bids, asks) = public_levels(&state.exchange(), market);
        let crosses = match action {
            Action::Buy => asks.keys().next().is_some_and(|&a| a <= price.0),
            Action::Sell => bids.keys().next_back().is_some_and(|&b| b >= price.0),
        };
        if crosses {
            return Err(Refusal::bad("invalid post-only order: order crosses book"));
        }
    }
    let new = NewOrder {
        account: account.name.clone(),
        market,
        outcome: Outcome::Yes,
        action,
        price,
        qty,
        tif,
        client_order_id: Some(id.clone()),
    };
    let oid = state
        .mutate(|ex| {
            // A scripted partial-fill fault caps what this order may take.
            ex.fill_cap_bp = partial_fill_cap(state);
            let r = ex.submit(new);
            ex.fill_cap_bp = None;
            r
        })
        .map_err(|reason| match reason {
            RejectReason::InsufficientBalance | RejectReason::InsufficientPosition => {
                Refusal::bad("not enough balance / allowance")
            }
            RejectReason::DuplicateClientOrderId => {
                Refusal::bad(format!("order {id} is invalid. Duplicated."))
            }
            RejectReason::FillOrKillUnfilled => Refusal::bad(
                "order couldn't be fully filled. FOK orders are fully filled or killed.",
            ),
            RejectReason::UnknownMarket => Refusal::market_not_found(),
            RejectReason::BadPrice | RejectReason::BadQuantity => {
                Refusal::bad("Invalid order payload")
            }
        })?;
    let (o, fills) = {
        let ex = state.exchange();
        let fills: Vec<FillRecord> = ex
            .ledger
            .fills
            .iter()
            .filter(|f| f.order_id == oid)
            .cloned()
            .collect();
        (ex.orders.get(&oid).cloned(), fills)
    };
    let o =
        o.ok_or_else(|| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "could not insert order"))?;
    if tif == Tif::ImmediateOrCancel && o.filled == Qty::ZERO {
        return Err(Refusal::bad(
            "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
        ));
    }
    // What matched at once; nothing matched is `""`, as the venue answers a resting order.
    let (making, taking) = match action {
        _ if o.filled == Qty::ZERO => (String::new(), String::new()),
        Action::Buy => (usdc(o.fill_cost), size(o.filled)),
        Action::Sell => (size(o.filled), usdc(o.fill_cost)),
    };
    Ok(w::PostOrderResponse {
        success: true,
        error_msg: String::new(),
        order_id: id,
        status: if o.filled > Qty::ZERO {
            "matched"
        } else {
            "live"
        }
        .into(),
        making_amount: making,
        taking_amount: taking,
        transactions_hashes: fills.iter().map(|f| tx_hash(f.trade_id)).collect(),
        trade_ids: fills.iter().map(|f| trade_uuid(f.trade_id)).collect(),
    })
}

async fn post_order(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &body) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let Ok(req) = serde_json::from_slice::<w::PostOrderRequest>(&body) else {
        return Refusal::bad("Invalid order payload").into_response();
    };
    let faults = state.active_faults();
    if faults
        .iter()
        .any(|(k, _)| *k == crate::sim::faults::FaultKind::RejectOrders)
    {
        return Refusal::bad("the exchange is not accepting orders (trading paused)")
            .into_response();
    }
    let delay = faults.iter().find_map(|(k, _)| match k {
        crate::sim::faults::FaultKind::SlowAck { delay_ms } => {
            Some(std::time::Duration::from_millis(u64::from(*delay_ms)))
        }
        _ => None,
    });
    let fills_before = state.exchange().ledger.fills.len();
    let placed = place(&state, idx, &req);
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    if placed.is_ok()
        && state
            .active_faults()
            .iter()
            .any(|(k, _)| *k == crate::sim::faults::FaultKind::SettlementFailure)
    {
        // The trades settle badly a moment later: the venue reports them FAILED and
        // undoes them, after the order itself was answered as matched.
        let trades: Vec<u64> = state.exchange().ledger.fills[fills_before..]
            .iter()
            .map(|f| f.trade_id)
            .collect();
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            state.mutate(|ex| {
                for t in trades {
                    ex.reverse_fill(t);
                }
            });
        });
    }
    respond(placed)
}

/// `POST /orders`: up to 15 orders; each answer in the array, refusals as
/// `success: false` with the refusal text.
async fn post_orders(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &body) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let Ok(reqs) = serde_json::from_slice::<Vec<w::PostOrderRequest>>(&body) else {
        return Refusal::bad("Invalid order payload").into_response();
    };
    if reqs.is_empty() || reqs.len() > MAX_BATCH {
        return Refusal::bad(format!(
            "Too many orders in payload: {}, max allowed: {MAX_BATCH}",
            reqs.len()
        ))
        .into_response();
    }
    let out: Vec<w::PostOrderResponse> = reqs
        .iter()
        .map(|r| {
            place(&state, idx, r).unwrap_or_else(|e| w::PostOrderResponse {
                success: false,
                error_msg: e.message,
                ..w::PostOrderResponse::default()
            })
        })
        .collect();
    Json(out).into_response()
}

/// Cancels the account's orders with these ids, in one exchange mutation.
fn cancel_ids(state: &SimState, account: &str, ids: &[String]) -> w::CancelResponse {
    state.mutate(|ex| {
        let mut out = w::CancelResponse::default();
        for id in ids {
            if out.canceled.contains(id) {
                continue;
            }
            let Some(oid) = ex.order_by_client_id(account, id).map(|o| o.id) else {
                out.not_canceled
                    .insert(id.clone(), "order not found".into());
                continue;
            };
            match ex.cancel(account, oid) {
                Ok(_) => out.canceled.push(id.clone()),
                Err(CancelError::NotFound) => {
                    out.not_canceled
                        .insert(id.clone(), "order not found".into());
                }
                Err(CancelError::NotResting) => {
                    let why = match ex.orders.get(&oid).map(|o| o.state) {
                        Some(OrderState::Executed) => "order already matched",
                        _ => "order already canceled",
                    };
                    out.not_canceled.insert(id.clone(), why.into());
                }
            }
        }
        out
    })
}

async fn cancel_order(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &body) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let Ok(req) = serde_json::from_slice::<w::CancelOrderRequest>(&body) else {
        return Refusal::bad("Invalid order payload").into_response();
    };
    if !is_order_id(&req.order_id) {
        return Refusal::bad("Invalid orderID").into_response();
    }
    let name = state.accounts[idx].name.clone();
    Json(cancel_ids(&state, &name, &[req.order_id])).into_response()
}

async fn cancel_orders(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &body) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let Ok(ids) = serde_json::from_slice::<Vec<String>>(&body) else {
        return Refusal::bad("Invalid order payload").into_response();
    };
    if ids.len() > 3000 {
        return Refusal::bad("Too many orders in payload, max allowed: 3000").into_response();
    }
    if !ids.iter().all(|i| is_order_id(i)) {
        return Refusal::bad("Invalid orderID").into_response();
    }
    let name = state.accounts[idx].name.clone();
    Json(cancel_ids(&state, &name, &ids)).into_response()
}

async fn cancel_all(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &body) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let name = state.accounts[idx].name.clone();
    let ids: Vec<String> = state
        .exchange()
        .orders_of(&name)
        .filter(|o| o.state == OrderState::Resting && is_token(&state, o.order.market))
        .filter_map(|o| o.order.client_order_id.clone())
        .collect();
    Json(cancel_ids(&state, &name, &ids)).into_response()
}

fn order_type_name(tif: Tif) -> &'static str {
    match tif {
        Tif::GoodTillCanceled => "GTC",
        Tif::FillOrKill => "FOK",
        Tif::ImmediateOrCancel => "FAK",
    }
}

/// An order as `/data/order` shows it.
pub(super) fn open_order(state: &SimState, ex: &Exchange, o: &SimOrder) -> w::OpenOrder {
    let account = account_named(state, &o.order.account);
    w::OpenOrder {
        id: o.order.client_order_id.clone().unwrap_or_default(),
        status: match o.state {
            OrderState::Resting => "LIVE",
            OrderState::Executed => "MATCHED",
            OrderState::Canceled => "CANCELED",
        }
        .into(),
        owner: account.map(api_key_of).unwrap_or_default(),
        maker_address: account.map(address_of).unwrap_or_default(),
        market: condition(state, o.order.market),
        asset_id: state.metas[o.order.market].venue_id.clone(),
        side: side_name(o.order.action).into(),
        original_size: size(o.order.qty),
        size_matched: size(o.filled),
        price: px(o.order.price),
        outcome: outcome_name(state, o.order.market).into(),
        expiration: Some("0".into()),
        order_type: order_type_name(o.order.tif).into(),
        associate_trades: Some(
            ex.ledger
                .fills
                .iter()
                .filter(|f| f.order_id == o.id)
                .map(|f| trade_uuid(f.trade_id))
                .collect(),
        ),
        created_at: o.created_ns / 1_000_000_000,
    }
}

async fn get_order(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(order_id): Path<String>,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &[]) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    if !is_order_id(&order_id) {
        return Refusal::bad("Invalid orderID").into_response();
    }
    let name = &state.accounts[idx].name;
    let ex = state.exchange();
    match ex.order_by_client_id(name, &order_id) {
        Some(o) => Json(open_order(&state, &ex, o)).into_response(),
        None => Refusal::new(StatusCode::NOT_FOUND, "order not found").into_response(),
    }
}

/// `GET /balance-allowance`: free collateral of the account (cash not locked by
/// resting buys), in USDC's 6-decimal units.
async fn balance_allowance(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &[]) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let name = state.accounts[idx].name.clone();
    let a = state.exchange().account(&name).cloned().unwrap_or_default();
    Json(w::BalanceAllowance {
        balance: (a.cash.0 - a.locked.0).to_string(),
        allowances: serde_json::Map::new(),
    })
    .into_response()
}

async fn open_orders(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &[]) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let name = &state.accounts[idx].name;
    let ex = state.exchange();
    let data: Vec<w::OpenOrder> = ex
        .orders_of(name)
        .filter(|o| o.state == OrderState::Resting && is_token(&state, o.order.market))
        .map(|o| open_order(&state, &ex, o))
        .filter(|o| {
            q.get("id").is_none_or(|v| *v == o.id)
                && q.get("market").is_none_or(|v| *v == o.market)
                && q.get("asset_id").is_none_or(|v| *v == o.asset_id)
        })
        .collect();
    let n = data.len() as u64;
    Json(w::OrdersPage {
        data,
        next_cursor: w::END_CURSOR.into(),
        limit: n.max(1),
        count: n,
    })
    .into_response()
}

/// One of an account's fills as a trade of `/data/trades` (and the user channel):
/// `side` is the taker's, `trader_side` the account's role.
pub(super) fn wire_trade(
    state: &SimState,
    ex: &Exchange,
    f: &FillRecord,
    status: &str,
) -> w::Trade {
    let account = account_named(state, &f.account);
    let owner = account.map(api_key_of).unwrap_or_default();
    let address = account.map(address_of).unwrap_or_default();
    let our_id = ex
        .orders
        .get(&f.order_id)
        .and_then(|o| o.order.client_order_id.clone())
        .unwrap_or_default();
    let asset_id = state.metas[f.market].venue_id.clone();
    let outcome = outcome_name(state, f.market).to_string();
    let fee_rate_bps = base_fee_bps(state, f.market).to_string();
    let secs = (f.ts_ns / 1_000_000_000).to_string();
    let maker_orders = if f.is_taker {
        Vec::new()
    } else {
        vec![w::MakerOrder {
            order_id: our_id.clone(),
            owner: owner.clone(),
            maker_address: address.clone(),
            matched_amount: size(f.qty),
            price: px(f.price),
            fee_rate_bps: fee_rate_bps.clone(),
            asset_id: asset_id.clone(),
            outcome: outcome.clone(),
            side: side_name(f.action).into(),
        }]
    };
    w::Trade {
        id: trade_uuid(f.trade_id),
        taker_order_id: if f.is_taker {
            our_id
        } else {
            hex0x(keccak256(format!("arb-sim-taker-{}", f.trade_id)))
        },
        market: condition(state, f.market),
        asset_id,
        side: side_name(if f.is_taker {
            f.action
        } else {
            other_side(f.action)
        })
        .into(),
        size: size(f.qty),
        fee_rate_bps,
        price: px(f.price),
        status: status.into(),
        match_time: secs.clone(),
        last_update: secs,
        outcome,
        bucket_index: 0,
        owner,
        maker_address: address,
        maker_orders,
        transaction_hash: tx_hash(f.trade_id),
        trader_side: if f.is_taker { "TAKER" } else { "MAKER" }.into(),
    }
}

async fn trades(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let idx = match authenticate_l2(&state, &headers, &method, uri.path(), &[]) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let secs = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let (before, after) = (secs("before"), secs("after"));
    let name = &state.accounts[idx].name;
    let ex = state.exchange();
    let data: Vec<w::Trade> = ex
        .ledger
        .fills
        .iter()
        .filter(|f| f.account == *name && is_token(&state, f.market))
        .filter(|f| {
            let t = f.ts_ns / 1_000_000_000;
            before.is_none_or(|b| t < b) && after.is_none_or(|a| t > a)
        })
        .map(|f| {
            wire_trade(
                &state,
                &ex,
                f,
                if ex.failed_trades.contains(&f.trade_id) {
                    "FAILED"
                } else {
                    "CONFIRMED"
                },
            )
        })
        .filter(|t| {
            q.get("id").is_none_or(|v| *v == t.id)
                && q.get("market").is_none_or(|v| *v == t.market)
                && q.get("asset_id").is_none_or(|v| *v == t.asset_id)
        })
        .collect();
    let n = data.len() as u64;
    Json(w::TradesPage {
        data,
        next_cursor: w::END_CURSOR.into(),
        limit: n.max(1),
        count: n,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_price_and_size_never_worse_than_signed() {
        assert_eq!(
            price_and_size(Side::Buy, "5000000", "10000000"),
            Some((Price(5000), Qty(10_000_000)))
        );
        assert_eq!(
            price_and_size(Side::Sell, "5000000", "2250000"),
            Some((Price(4500), Qty(5_000_000)))
        );
        // A market BUY of $10 at 0.51 (older builder): 0.510000.. rounds down.
        assert_eq!(
            price_and_size(Side::Buy, "10000000", "19607800"),
            Some((Price(5100), Qty(19_607_800)))
        );
        assert_eq!(price_and_size(Side::Buy, "0", "1"), None);
        assert_eq!(price_and_size(Side::Buy, "2", "1"), None, "price above 1");
        assert_eq!(price_and_size(Side::Buy, "x", "1"), None);
    }

    #[test]
    fn prices_and_sizes_are_written_as_the_clob_writes_them() {
        assert_eq!(px(Price(4200)), "0.42");
        assert_eq!(px(Price(5000)), "0.5");
        assert_eq!(px(Price(10)), "0.001");
        assert_eq!(size(Qty(667_120_000)), "667.12");
        assert_eq!(size(Qty::contracts(800)), "800");
    }
}
