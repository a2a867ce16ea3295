//! Polymarket CLOB REST client: public market data and L2-signed trading (V2 orders, cancels).
//!
//! Orders are CLOB V2 orders signed with EIP-712; the client also reads open orders and
//! trades, and derives API keys (L1).

use super::auth::{OrderV2, PolymarketSigner, Side, SignatureType};
use super::eth::U256;
use super::rest_wire as w;
use crate::core::{Price, Qty};
use crate::venues::governor::{Class, Governor, Limits};
use crate::venues::http::{VenueError, retry_after};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The order version this client signs (CTF Exchange V2).
pub const ORDER_VERSION: u32 = 2;

/// How an order lives on the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    /// Good till canceled: rests.
    Gtc,
    /// Good till date: rests until `expiration` (Unix seconds).
    Gtd,
    /// Fill or kill: all at once or nothing.
    Fok,
    /// Fill and kill (immediate or cancel): what matches now, the rest canceled.
    Fak,
}

impl OrderType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Gtc => "GTC",
            OrderType::Gtd => "GTD",
            OrderType::Fok => "FOK",
            OrderType::Fak => "FAK",
        }
    }
}

/// A limit order in arb's units, before it becomes a signed V2 order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitOrder {
    pub token_id: String,
    pub side: Side,
    /// Price of the token, USDC per token.
    pub price: Price,
    /// Tokens (only 2 decimals are sent; the rest is dropped, as the official client does).
    pub size: Qty,
    /// The token's tick size (`GET /tick-size`).
    pub tick: Price,
    /// Whether the token's market trades on the neg-risk exchange (`GET /neg-risk`).
    pub neg_risk: bool,
    pub order_type: OrderType,
    /// Unix seconds, for `Gtd` (0 = none). Not part of the V2 signature.
    pub expiration: u64,
    pub post_only: bool,
}

/// Why a limit order cannot become a V2 order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderBuildError {
    #[error("tick size {0} is not one the CLOB uses (0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001)")]
    UnknownTick(Price),
    #[error("price {price} is outside [{tick}, 1 - {tick}]")]
    PriceOutOfRange { price: Price, tick: Price },
    #[error("price {price} is not a multiple of the tick size {tick}")]
    OffTick { price: Price, tick: Price },
    #[error("size {0} is below 0.01 tokens (sizes are sent with 2 decimals)")]
    SizeTooSmall(Qty),
    #[error("amount overflows")]
    Overflow,
}

/// Decimal places of a tick size, as `py-clob-client-v2`'s `ROUNDING_CONFIG` has them.
fn tick_decimals(tick: Price) -> Option<u32> {
    match tick.0 {
        1000 => Some(1), // 0.1
        100 => Some(2),  // 0.01
        50 => Some(3),   // 0.005
        25 => Some(4),   // 0.0025
        10 => Some(3),   // 0.001
        1 => Some(4),    // 0.0001
        _ => None,
    }
}

/// The `makerAmount` and `takerAmount` (1e-6 units of USDC and of tokens) of a limit
/// order, computed as `py-clob-client-v2`'s `get_order_amounts` does: the price rounded
/// half-to-even to the tick's decimals, the size floored to 2 decimals; a BUY makes
/// `size × price` USDC and takes `size` tokens, a SELL the reverse. (Its float
/// corrections are exact here: `size × price` has at most 2 + tick decimals ≤ 6.)
/// Refuses a price off the tick grid or outside `[tick, 1 − tick]`.
pub fn order_amounts(
    side: Side,
    price: Price,
    size: Qty,
    tick: Price,
) -> Result<(u64, u64), OrderBuildError> {
    let d = tick_decimals(tick).ok_or(OrderBuildError::UnknownTick(tick))?;
    // Price in units of 10^-d (Price counts 10^-4): round half to even.
    let unit = 10u32.pow(4 - d);
    let (q, r) = (u32::from(price.0) / unit, u32::from(price.0) % unit);
    let half = unit / 2;
    let p_d = if unit > 1 && (r > half || (r == half && q % 2 == 1)) {
        q + 1
    } else {
        q
    };
    let rounded = Price(u16::try_from(p_d * unit).map_err(|_| OrderBuildError::Overflow)?);
    if rounded.0 < tick.0 || rounded.0 > Price::SCALE as u16 - tick.0 {
        return Err(OrderBuildError::PriceOutOfRange {
            price: rounded,
            tick,
        });
    }
    if !rounded.0.is_multiple_of(tick.0) {
        return Err(OrderBuildError::OffTick {
            price: rounded,
            tick,
        });
    }
    // Size in hundredths of a token, floored.
    let hundredths =
        u64::try_from(size.0 / 10_000).map_err(|_| OrderBuildError::SizeTooSmall(size))?;
    if hundredths == 0 {
        return Err(OrderBuildError::SizeTooSmall(size));
    }
    let tokens = hundredths
        .checked_mul(10_000)
        .ok_or(OrderBuildError::Overflow)?;
    // size × price in 10^-(2+d) units, scaled to 10^-6.
    let usdc = hundredths
        .checked_mul(u64::from(p_d))
        .and_then(|v| v.checked_mul(10u64.pow(4 - d)))
        .ok_or(OrderBuildError::Overflow)?;
    Ok(match side {
        Side::Buy => (usdc, tokens),
        Side::Sell => (tokens, usdc),
    })
}

/// A random salt below 2^53 (it travels as a JSON number).
fn salt() -> u64 {
    use rand_core::RngCore;
    rand_core::OsRng.next_u64() & ((1 << 53) - 1)
}

const ZERO32: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// The venue's refusal text, with a short code for the ones callers act on (the names
/// of Polymarket's documented order errors).
fn classify(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("duplicated") {
        "INVALID_ORDER_DUPLICATED"
    } else if m.contains("not enough balance") {
        "INVALID_ORDER_NOT_ENOUGH_BALANCE"
    } else if m.contains("minimum tick size") {
        "INVALID_ORDER_MIN_TICK_SIZE"
    } else if m.contains("lower than the minimum") {
        "INVALID_ORDER_MIN_SIZE"
    } else if m.contains("fok orders") {
        "FOK_ORDER_NOT_FILLED_ERROR"
    } else if m.contains("fak order") {
        "FAK_ORDER_NOT_FILLED_ERROR"
    } else if m.contains("invalid signature") {
        "INVALID_SIGNATURE"
    } else if m.contains("crosses") {
        "INVALID_POST_ONLY_ORDER"
    } else {
        ""
    }
}

/// A Polymarket CLOB REST client. `base` is the API root, e.g.
/// `https://clob.polymarket.com` or a simulator's. Trading needs a signer (wallet key
/// and L2 API credentials); public data does not.
#[derive(Clone, Debug)]
pub struct PolymarketRest {
    http: reqwest::Client,
    base: String,
    signer: Option<PolymarketSigner>,
    /// The venue's `/version`, once read (it decides how orders are signed).
    version: Arc<tokio::sync::OnceCell<u32>>,
    /// Shared by every clone: one account's limits.
    governor: Governor,
    /// Reads of this client are background reads (`governor::Class::Background`).
    background: bool,
}

impl PolymarketRest {
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        signer: Option<PolymarketSigner>,
    ) -> PolymarketRest {
        PolymarketRest {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            signer,
            version: Arc::new(tokio::sync::OnceCell::new()),
            governor: Governor::new(Limits::default()),
            background: false,
        }
    }

    /// The same client (and budget) whose reads go after the engine's, within the
    /// background share: for reads nothing waits on.
    pub fn background(&self) -> PolymarketRest {
        PolymarketRest {
            background: true,
            ..self.clone()
        }
    }

    /// The same client under other limits.
    pub fn with_limits(mut self, limits: Limits) -> PolymarketRest {
        self.governor = Governor::new(limits);
        self
    }

    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    pub fn signer(&self) -> Option<&PolymarketSigner> {
        self.signer.as_ref()
    }

    fn signer_for(&self, endpoint: &str) -> Result<&PolymarketSigner, VenueError> {
        self.signer.as_ref().ok_or_else(|| VenueError::Signing {
            endpoint: endpoint.to_string(),
            message: "no Polymarket wallet key and API credentials configured".into(),
        })
    }

    /// Sends one request. `auth` adds L2 headers over `path` (never the query) and the
    /// exact body text sent. Only 200 is success, as the official client has it.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
        auth: bool,
    ) -> Result<T, VenueError> {
        let endpoint = format!("{method} {path}");
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method.clone(), &url).query(query);
        if auth {
            let signer = self.signer_for(&endpoint)?;
            let headers = signer
                .l2_headers(
                    crate::clock::wall_ms() / 1000,
                    method.as_str(),
                    path,
                    body.as_deref(),
                )
                .map_err(|e| VenueError::Signing {
                    endpoint: endpoint.clone(),
                    message: e.to_string(),
                })?;
            for (name, value) in headers {
                req = req.header(name, value);
            }
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b);
        }
        self.send(req, endpoint).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        endpoint: String,
    ) -> Result<T, VenueError> {
        let ep = endpoint.clone();
        let class = match Class::of(&ep) {
            Class::Read if self.background => Class::Background,
            class => class,
        };
        self.governor
            .run_as(class, &ep, self.send_now(req, endpoint))
            .await
    }

    async fn send_now<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        endpoint: String,
    ) -> Result<T, VenueError> {
        let resp = req
            .send()
            .await
            .map_err(|e| VenueError::from_send(endpoint.clone(), e))?;
        let status = resp.status().as_u16();
        let retry = retry_after(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| VenueError::Transport {
            endpoint: endpoint.clone(),
            message: e.without_url().to_string(),
        })?;
        if status == 200 {
            return serde_json::from_slice(&bytes).map_err(|e| VenueError::Decode {
                endpoint,
                message: e.to_string(),
            });
        }
        let message = match serde_json::from_slice::<w::ApiError>(&bytes) {
            Ok(e) => e.error,
            Err(_) => String::from_utf8_lossy(&bytes).chars().take(200).collect(),
        };
        let code = classify(&message).to_string();
        Err(VenueError::from_status(
            endpoint, status, retry, code, message,
        ))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        auth: bool,
    ) -> Result<T, VenueError> {
        self.call(Method::GET, path, query, None, auth).await
    }

    // ---- public ----

    pub async fn book(&self, token_id: &str) -> Result<w::OrderBookSummary, VenueError> {
        self.get("/book", &[("token_id", token_id.to_string())], false)
            .await
    }

    pub async fn books(
        &self,
        token_ids: &[String],
    ) -> Result<Vec<w::OrderBookSummary>, VenueError> {
        let params: Vec<w::BookParams> = token_ids
            .iter()
            .map(|t| w::BookParams {
                token_id: t.clone(),
                side: None,
            })
            .collect();
        let body = to_body("POST /books", &params)?;
        self.call(Method::POST, "/books", &[], Some(body), false)
            .await
    }

    /// One page of markets; start with [`w::INITIAL_CURSOR`], stop at [`w::END_CURSOR`].
    pub async fn markets(&self, next_cursor: &str) -> Result<w::MarketsPage, VenueError> {
        self.get(
            "/markets",
            &[("next_cursor", next_cursor.to_string())],
            false,
        )
        .await
    }

    /// One page of Gamma's `GET /markets` (this client's base is then Gamma's host):
    /// `query` holds `limit`, `offset` and filters such as `closed=false`.
    pub async fn gamma_markets(
        &self,
        query: &[(&str, String)],
    ) -> Result<Vec<crate::venues::polymarket::gamma_wire::GammaMarket>, VenueError> {
        self.get("/markets", query, false).await
    }

    /// One page of Gamma's `GET /events`, each with its markets.
    pub async fn gamma_events(
        &self,
        query: &[(&str, String)],
    ) -> Result<Vec<crate::venues::polymarket::gamma_wire::GammaEvent>, VenueError> {
        self.get("/events", query, false).await
    }

    /// One market (condition) with its lifecycle: `accepting_orders`, `closed`, and
    /// each token's `winner` once resolved.
    pub async fn market(&self, condition_id: &str) -> Result<w::Market, VenueError> {
        self.get(&format!("/markets/{condition_id}"), &[], false)
            .await
    }

    pub async fn market_by_token(&self, token_id: &str) -> Result<w::MarketByToken, VenueError> {
        self.get(&format!("/markets-by-token/{token_id}"), &[], false)
            .await
    }

    pub async fn clob_market(&self, condition_id: &str) -> Result<w::ClobMarketInfo, VenueError> {
        self.get(&format!("/clob-markets/{condition_id}"), &[], false)
            .await
    }

    /// The token's tick size as a price (`0.01` -> `Price(100)`).
    pub async fn tick_size(&self, token_id: &str) -> Result<Price, VenueError> {
        let r: w::TickSizeResponse = self
            .get("/tick-size", &[("token_id", token_id.to_string())], false)
            .await?;
        Price::from_decimal(&r.minimum_tick_size.to_string())
            .ok()
            .filter(|p| tick_decimals(*p).is_some())
            .ok_or_else(|| VenueError::Decode {
                endpoint: "GET /tick-size".into(),
                message: format!("unusable tick size {}", r.minimum_tick_size),
            })
    }

    pub async fn neg_risk(&self, token_id: &str) -> Result<bool, VenueError> {
        self.get::<w::NegRiskResponse>("/neg-risk", &[("token_id", token_id.to_string())], false)
            .await
            .map(|r| r.neg_risk)
    }

    /// The market's base fee, basis points.
    pub async fn fee_rate(&self, token_id: &str) -> Result<u64, VenueError> {
        self.get::<w::FeeRateResponse>("/fee-rate", &[("token_id", token_id.to_string())], false)
            .await
            .map(|r| r.base_fee)
    }

    /// The venue's order version, read once per client. A venue without `/version`
    /// (404) takes V2 orders, as the official client assumes.
    pub async fn version(&self) -> Result<u32, VenueError> {
        self.version
            .get_or_try_init(|| async {
                match self.get::<w::VersionResponse>("/version", &[], false).await {
                    Ok(v) => Ok(v.version),
                    Err(VenueError::NotFound { .. }) => Ok(ORDER_VERSION),
                    Err(e) => Err(e),
                }
            })
            .await
            .copied()
    }

    /// Server time, Unix seconds.
    pub async fn server_time(&self) -> Result<i64, VenueError> {
        self.get::<w::ServerTime>("/time", &[], false)
            .await
            .map(|t| t.seconds())
    }

    // ---- L1 ----

    /// The API credentials of this wallet (`GET /auth/derive-api-key`, L1-signed).
    pub async fn derive_api_key(&self) -> Result<w::ApiKeyCreds, VenueError> {
        let endpoint = "GET /auth/derive-api-key".to_string();
        let signer = self.signer_for(&endpoint)?;
        let headers = signer
            .l1_headers(crate::clock::wall_ms() / 1000, 0)
            .map_err(|e| VenueError::Signing {
                endpoint: endpoint.clone(),
                message: e.to_string(),
            })?;
        let mut req = self.http.get(format!("{}/auth/derive-api-key", self.base));
        for (name, value) in headers {
            req = req.header(name, value);
        }
        self.send(req, endpoint).await
    }

    // ---- L2 ----

    /// Builds and signs the V2 order for `o` (salt random, timestamp now) and the body
    /// `POST /order` sends. Refuses unless the venue takes version-2 orders.
    pub async fn sign_order(&self, o: &LimitOrder) -> Result<w::PostOrderRequest, VenueError> {
        self.sign_order_with(o, salt(), crate::clock::wall_ms().max(0) as u64)
            .await
    }

    /// Signs `o` with a given salt and timestamp (ms): the same order with the same
    /// pair always signs to the same hash, which is the venue's order id. A caller that
    /// derives both from its own journal can find the order again after a crash.
    pub async fn sign_order_with(
        &self,
        o: &LimitOrder,
        salt: u64,
        timestamp_ms: u64,
    ) -> Result<w::PostOrderRequest, VenueError> {
        let endpoint = "POST /order";
        let version = self.version().await?;
        if version != ORDER_VERSION {
            return Err(VenueError::Signing {
                endpoint: endpoint.into(),
                message: format!(
                    "the venue takes order version {version}; this client signs only version {ORDER_VERSION} (CTF Exchange V2) orders"
                ),
            });
        }
        let signer = self.signer_for(endpoint)?;
        build_signed_order(signer, o, salt, timestamp_ms).map_err(|message| VenueError::Signing {
            endpoint: endpoint.into(),
            message,
        })
    }

    /// Places a limit order signed with this salt and timestamp (see
    /// [`PolymarketRest::sign_order_with`]).
    pub async fn place_order_with(
        &self,
        o: &LimitOrder,
        salt: u64,
        timestamp_ms: u64,
    ) -> Result<w::PostOrderResponse, VenueError> {
        let req = self.sign_order_with(o, salt, timestamp_ms).await?;
        self.post_order(&req).await
    }

    /// The venue's id (EIP-712 hash) of `o` signed with this salt and timestamp.
    pub fn order_id_with(
        &self,
        o: &LimitOrder,
        salt: u64,
        timestamp_ms: u64,
    ) -> Result<String, VenueError> {
        let endpoint = "order id";
        let signer = self.signer_for(endpoint)?;
        let req = build_signed_order(signer, o, salt, timestamp_ms).map_err(|message| {
            VenueError::Signing {
                endpoint: endpoint.into(),
                message,
            }
        })?;
        let hash = order_hash(signer, &req, o.neg_risk).map_err(|message| VenueError::Signing {
            endpoint: endpoint.into(),
            message,
        })?;
        Ok(hash)
    }

    /// Places a limit order: signs it (see [`PolymarketRest::sign_order`]) and posts it.
    pub async fn place_order(&self, o: &LimitOrder) -> Result<w::PostOrderResponse, VenueError> {
        let req = self.sign_order(o).await?;
        self.post_order(&req).await
    }

    /// Posts an already signed order. A 200 whose `success` is false is a refusal.
    pub async fn post_order(
        &self,
        req: &w::PostOrderRequest,
    ) -> Result<w::PostOrderResponse, VenueError> {
        let body = to_body("POST /order", req)?;
        let r: w::PostOrderResponse = self
            .call(Method::POST, "/order", &[], Some(body), true)
            .await?;
        if !r.success {
            return Err(VenueError::Rejected {
                endpoint: "POST /order".into(),
                status: 200,
                code: classify(&r.error_msg).to_string(),
                message: r.error_msg,
            });
        }
        Ok(r)
    }

    pub async fn cancel_order(&self, order_id: &str) -> Result<w::CancelResponse, VenueError> {
        let body = to_body(
            "DELETE /order",
            &w::CancelOrderRequest {
                order_id: order_id.to_string(),
            },
        )?;
        self.call(Method::DELETE, "/order", &[], Some(body), true)
            .await
    }

    pub async fn cancel_orders(
        &self,
        order_ids: &[String],
    ) -> Result<w::CancelResponse, VenueError> {
        let body = to_body("DELETE /orders", &order_ids)?;
        self.call(Method::DELETE, "/orders", &[], Some(body), true)
            .await
    }

    pub async fn cancel_all(&self) -> Result<w::CancelResponse, VenueError> {
        self.call(Method::DELETE, "/cancel-all", &[], None, true)
            .await
    }

    /// One order by id (its hash), in any state.
    pub async fn order(&self, order_id: &str) -> Result<w::OpenOrder, VenueError> {
        self.get(&format!("/data/order/{order_id}"), &[], true)
            .await
    }

    /// Free USDC (`GET /balance-allowance?asset_type=COLLATERAL`, 6-decimal units).
    pub async fn collateral_balance(&self) -> Result<crate::core::Money, VenueError> {
        let r: w::BalanceAllowance = self
            .get(
                "/balance-allowance",
                &[("asset_type", "COLLATERAL".to_string())],
                true,
            )
            .await?;
        r.balance
            .parse::<i64>()
            .map(crate::core::Money)
            .map_err(|_| VenueError::Decode {
                endpoint: "GET /balance-allowance".into(),
                message: format!(
                    "balance {:?} is not an integer of 6-decimal units",
                    r.balance
                ),
            })
    }

    /// A page of open orders; `query` may hold `id`, `market`, `asset_id`, `next_cursor`.
    pub async fn open_orders(&self, query: &[(&str, String)]) -> Result<w::OrdersPage, VenueError> {
        self.get("/data/orders", query, true).await
    }

    /// Positions of the wallet `user`, from the Data API: call it on a client whose
    /// base is the Data API's host. Every size, however small (`sizeThreshold=0`).
    pub async fn data_positions(&self, user: &str) -> Result<Vec<w::DataPosition>, VenueError> {
        let query = [
            ("user", user.to_string()),
            ("sizeThreshold", "0".to_string()),
            ("limit", "500".to_string()),
        ];
        self.get("/positions", &query, false).await
    }

    /// A page of the account's trades; `query` may hold `id`, `market`, `asset_id`,
    /// `maker_address`, `before`, `after`, `next_cursor`.
    pub async fn trades(&self, query: &[(&str, String)]) -> Result<w::TradesPage, VenueError> {
        self.get("/data/trades", query, true).await
    }
}

fn to_body<T: serde::Serialize + ?Sized>(endpoint: &str, v: &T) -> Result<String, VenueError> {
    serde_json::to_string(v).map_err(|e| VenueError::Signing {
        endpoint: endpoint.into(),
        message: e.to_string(),
    })
}

/// The signed `POST /order` body of a limit order: an EOA order (maker = signer = the
/// wallet) with zero metadata and builder, owned by the signer's API key.
/// The EIP-712 hash (`0x…`) of a signed order body: the venue's order id.
fn order_hash(
    signer: &PolymarketSigner,
    req: &w::PostOrderRequest,
    neg_risk: bool,
) -> Result<String, String> {
    let o = &req.order;
    let order = OrderV2 {
        salt: U256::from(o.salt),
        maker: signer.address(),
        signer: signer.address(),
        token_id: U256::from_dec_str(&o.token_id).map_err(|e| format!("token id: {e}"))?,
        maker_amount: U256::from_dec_str(&o.maker_amount)
            .map_err(|e| format!("maker amount: {e}"))?,
        taker_amount: U256::from_dec_str(&o.taker_amount)
            .map_err(|e| format!("taker amount: {e}"))?,
        side: if o.side == "BUY" {
            Side::Buy
        } else {
            Side::Sell
        },
        signature_type: SignatureType::Eoa,
        timestamp: U256::from_dec_str(&o.timestamp).map_err(|e| format!("timestamp: {e}"))?,
        metadata: [0; 32],
        builder: [0; 32],
    };
    let signed = signer
        .sign_order(&order, neg_risk)
        .map_err(|e| e.to_string())?;
    Ok(crate::venues::polymarket::eth::hex0x(signed.order_hash))
}

pub fn build_signed_order(
    signer: &PolymarketSigner,
    o: &LimitOrder,
    salt: u64,
    timestamp_ms: u64,
) -> Result<w::PostOrderRequest, String> {
    let (maker_amount, taker_amount) =
        order_amounts(o.side, o.price, o.size, o.tick).map_err(|e| e.to_string())?;
    let token_id = U256::from_dec_str(&o.token_id).map_err(|e| format!("token id: {e}"))?;
    let address = signer.address();
    let order = OrderV2 {
        salt: U256::from(salt),
        maker: address,
        signer: address,
        token_id,
        maker_amount: U256::from(maker_amount),
        taker_amount: U256::from(taker_amount),
        side: o.side,
        signature_type: SignatureType::Eoa,
        timestamp: U256::from(timestamp_ms),
        metadata: [0; 32],
        builder: [0; 32],
    };
    let signed = signer
        .sign_order(&order, o.neg_risk)
        .map_err(|e| e.to_string())?;
    Ok(w::PostOrderRequest {
        order: w::SignedOrder {
            salt,
            maker: address.to_string(),
            signer: address.to_string(),
            token_id: token_id.to_string(),
            maker_amount: maker_amount.to_string(),
            taker_amount: taker_amount.to_string(),
            side: match o.side {
                Side::Buy => "BUY",
                Side::Sell => "SELL",
            }
            .into(),
            expiration: if o.order_type == OrderType::Gtd {
                o.expiration.to_string()
            } else {
                "0".into()
            },
            signature_type: SignatureType::Eoa as u8,
            timestamp: timestamp_ms.to_string(),
            metadata: ZERO32.into(),
            builder: ZERO32.into(),
            signature: signed.signature.to_hex(),
        },
        owner: signer.creds().api_key().expose().to_string(),
        order_type: o.order_type.as_str().into(),
        defer_exec: false,
        post_only: o.post_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venues::credentials::Secret;
    use crate::venues::polymarket::auth::{ApiCreds, exchange_v2_domain, verify_order};
    use crate::venues::polymarket::eth::RecoverableSignature;

    fn p(s: &str) -> Price {
        Price::from_decimal(s).unwrap()
    }
    fn q(s: &str) -> Qty {
        Qty::from_decimal(s).unwrap()
    }

    /// The amounts `py-clob-client-v2` 1.2.1 put on the wire (shared notes, 2.4).
    #[test]
    fn amounts_match_the_official_client() {
        assert_eq!(
            order_amounts(Side::Buy, p("0.50"), q("10"), p("0.01")),
            Ok((5_000_000, 10_000_000))
        );
        assert_eq!(
            order_amounts(Side::Sell, p("0.45"), q("5"), p("0.01")),
            Ok((5_000_000, 2_250_000))
        );
        assert_eq!(
            order_amounts(Side::Buy, p("0.123"), q("7"), p("0.001")),
            Ok((861_000, 7_000_000))
        );
        // Size floored to 2 decimals; 4-decimal ticks.
        assert_eq!(
            order_amounts(Side::Buy, p("0.0125"), q("3.456789"), p("0.0025")),
            Ok((43_125, 3_450_000))
        );
    }

    #[test]
    fn prices_round_half_even_to_the_tick_decimals_and_stay_in_range() {
        // 0.125 at tick 0.01 rounds to 0.12, 0.135 to 0.14.
        assert_eq!(
            order_amounts(Side::Buy, p("0.125"), q("1"), p("0.01")),
            Ok((120_000, 1_000_000))
        );
        assert_eq!(
            order_amounts(Side::Buy, p("0.135"), q("1"), p("0.01")),
            Ok((140_000, 1_000_000))
        );
        assert!(matches!(
            order_amounts(Side::Buy, p("0.99"), q("1"), p("0.1")),
            Err(OrderBuildError::PriceOutOfRange { .. })
        ));
        assert!(matches!(
            order_amounts(Side::Buy, p("0.004"), q("1"), p("0.01")),
            Err(OrderBuildError::PriceOutOfRange { .. })
        ));
        assert!(matches!(
            order_amounts(Side::Buy, p("0.012"), q("1"), p("0.005")),
            Err(OrderBuildError::OffTick { .. })
        ));
        assert_eq!(
            order_amounts(Side::Buy, p("0.5"), q("0.009"), p("0.01")),
            Err(OrderBuildError::SizeTooSmall(q("0.009")))
        );
        assert_eq!(
            order_amounts(Side::Buy, p("0.5"), q("1"), p("0.02")),
            Err(OrderBuildError::UnknownTick(p("0.02")))
        );
    }

    #[test]
    fn a_signed_order_verifies_against_the_exchange_domain() {
        // The public Hardhat key #0: TEST ONLY.
        let key = Secret::new("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        let creds = ApiCreds::new(
            "test-api-key".into(),
            "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U=".into(),
            "pass".into(),
        )
        .unwrap();
        let signer = PolymarketSigner::new(&key, creds).unwrap();
        let o = LimitOrder {
            token_id: "1234".into(),
            side: Side::Buy,
            price: p("0.5"),
            size: q("10"),
            tick: p("0.01"),
            neg_risk: true,
            order_type: OrderType::Gtc,
            expiration: 0,
            post_only: false,
        };
        let req = build_signed_order(&signer, &o, 479_249_096_354, 1_710_000_000_000).unwrap();
        assert_eq!(req.owner, "test-api-key");
        assert_eq!(
            (
                req.order.maker_amount.as_str(),
                req.order.taker_amount.as_str()
            ),
            ("5000000", "10000000")
        );
        assert_eq!(
            req.order.maker,
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        let order = OrderV2 {
            salt: U256::from(479_249_096_354u64),
            maker: signer.address(),
            signer: signer.address(),
            token_id: U256::from(1234u64),
            maker_amount: U256::from(5_000_000u64),
            taker_amount: U256::from(10_000_000u64),
            side: Side::Buy,
            signature_type: SignatureType::Eoa,
            timestamp: U256::from(1_710_000_000_000u64),
            metadata: [0; 32],
            builder: [0; 32],
        };
        let sig = RecoverableSignature::from_hex(&req.order.signature).unwrap();
        assert!(verify_order(&order, &exchange_v2_domain(137, true), &sig).is_ok());
        assert!(verify_order(&order, &exchange_v2_domain(137, false), &sig).is_err());
    }

    #[test]
    fn refusals_are_classified_by_their_text() {
        assert_eq!(
            classify("order 0xab is invalid. Duplicated."),
            "INVALID_ORDER_DUPLICATED"
        );
        assert_eq!(
            classify("not enough balance / allowance"),
            "INVALID_ORDER_NOT_ENOUGH_BALANCE"
        );
        assert_eq!(classify("something else"), "");
    }
}
