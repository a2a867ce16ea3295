//! Kalshi Trade API v2 REST client: markets, events, series, order books, and the
//! signed portfolio endpoints (balance, positions, orders, fills).

use super::auth::KalshiSigner;
use super::rest_wire as w;
use crate::venues::governor::{Class, Governor, Limits};
use crate::venues::http::{VenueError, retry_after, url_path};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A Kalshi REST client. `base` is the API root, e.g.
/// `https://api.elections.kalshi.com/trade-api/v2` or a simulator's.
#[derive(Clone, Debug)]
pub struct KalshiRest {
    http: reqwest::Client,
    base: String,
    signer: Option<KalshiSigner>,
    /// Shared by every clone: one account's limits.
    governor: Governor,
    /// Reads of this client are background reads (`governor::Class::Background`).
    background: bool,
}

impl KalshiRest {
    pub fn new(
        http: reqwest::Client,
        base: impl Into<String>,
        signer: Option<KalshiSigner>,
    ) -> KalshiRest {
        KalshiRest {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            signer,
            governor: Governor::new(Limits::default()),
            background: false,
        }
    }

    /// The same client (and budget) whose reads go after the engine's, within the
    /// background share: for reads nothing waits on.
    pub fn background(&self) -> KalshiRest {
        KalshiRest {
            background: true,
            ..self.clone()
        }
    }

    /// The same client under other limits (a higher Kalshi tier, or a test's).
    pub fn with_limits(mut self, limits: Limits) -> KalshiRest {
        self.governor = Governor::new(limits);
        self
    }

    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        signed: bool,
    ) -> Result<T, VenueError> {
        let endpoint = format!("{method} {path}");
        let class = match Class::of(&endpoint) {
            Class::Read if self.background => Class::Background,
            class => class,
        };
        self.governor
            .run_as(
                class,
                &endpoint,
                self.send(method, path, query, body, signed, endpoint.clone()),
            )
            .await
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        signed: bool,
        endpoint: String,
    ) -> Result<T, VenueError> {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method.clone(), &url).query(query);
        if signed {
            let signer = self.signer.as_ref().ok_or_else(|| VenueError::Signing {
                endpoint: endpoint.clone(),
                message: "no API key configured".into(),
            })?;
            let headers = signer
                .headers(crate::clock::wall_ms(), method.as_str(), url_path(&url))
                .map_err(|e| VenueError::Signing {
                    endpoint: endpoint.clone(),
                    message: e.to_string(),
                })?;
            for (name, value) in headers {
                req = req.header(name, value);
            }
        }
        if let Some(b) = body {
            req = req.json(b);
        }
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
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map_err(|e| VenueError::Decode {
                endpoint,
                message: e.to_string(),
            });
        }
        let (code, message) = match serde_json::from_slice::<w::ApiError>(&bytes) {
            Ok(e) => (e.error.code, e.error.message),
            Err(_) => (
                String::new(),
                String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            ),
        };
        Err(VenueError::from_status(
            endpoint, status, retry, code, message,
        ))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        signed: bool,
    ) -> Result<T, VenueError> {
        self.call::<(), T>(Method::GET, path, query, None, signed)
            .await
    }

    pub async fn markets(
        &self,
        query: &[(&str, String)],
    ) -> Result<w::MarketsResponse, VenueError> {
        self.get("/markets", query, false).await
    }

    pub async fn market(&self, ticker: &str) -> Result<w::Market, VenueError> {
        self.get::<w::MarketResponse>(&format!("/markets/{ticker}"), &[], false)
            .await
            .map(|r| r.market)
    }

    pub async fn orderbook(&self, ticker: &str) -> Result<w::OrderbookFp, VenueError> {
        self.get::<w::OrderbookResponse>(&format!("/markets/{ticker}/orderbook"), &[], false)
            .await
            .map(|r| r.orderbook_fp)
    }

    pub async fn event(&self, event_ticker: &str) -> Result<w::EventResponse, VenueError> {
        self.get(&format!("/events/{event_ticker}"), &[], false)
            .await
    }

    /// One page of `GET /events` (`status`, `limit` up to 200, `cursor`): each event's
    /// series and whether its markets are mutually exclusive.
    pub async fn events(&self, query: &[(&str, String)]) -> Result<w::EventsResponse, VenueError> {
        self.get("/events", query, false).await
    }

    /// Every series with its fee schedule (`GET /series`).
    pub async fn series_list(&self) -> Result<Vec<w::Series>, VenueError> {
        self.get::<w::SeriesList>("/series", &[], false)
            .await
            .map(|r| r.series)
    }

    pub async fn series(&self, series_ticker: &str) -> Result<w::Series, VenueError> {
        self.get::<w::SeriesResponse>(&format!("/series/{series_ticker}"), &[], false)
            .await
            .map(|r| r.series)
    }

    pub async fn balance(&self) -> Result<w::BalanceResponse, VenueError> {
        self.get("/portfolio/balance", &[], true).await
    }

    pub async fn positions(&self) -> Result<w::PositionsResponse, VenueError> {
        self.get("/portfolio/positions", &[], true).await
    }

    pub async fn create_order(
        &self,
        order: &w::CreateOrderRequest,
    ) -> Result<w::Order, VenueError> {
        self.call::<_, w::OrderResponse>(Method::POST, "/portfolio/orders", &[], Some(order), true)
            .await
            .map(|r| r.order)
    }

    pub async fn order(&self, order_id: &str) -> Result<w::Order, VenueError> {
        self.get::<w::OrderResponse>(&format!("/portfolio/orders/{order_id}"), &[], true)
            .await
            .map(|r| r.order)
    }

    pub async fn orders(&self, query: &[(&str, String)]) -> Result<w::OrdersResponse, VenueError> {
        self.get("/portfolio/orders", query, true).await
    }

    pub async fn cancel_order(&self, order_id: &str) -> Result<w::CancelOrderResponse, VenueError> {
        self.call::<(), _>(
            Method::DELETE,
            &format!("/portfolio/orders/{order_id}"),
            &[],
            None,
            true,
        )
        .await
    }

    pub async fn batch_create_orders(
        &self,
        orders: &w::BatchCreateOrdersRequest,
    ) -> Result<w::BatchCreateOrdersResponse, VenueError> {
        self.call(
            Method::POST,
            "/portfolio/orders/batched",
            &[],
            Some(orders),
            true,
        )
        .await
    }

    pub async fn fills(&self, query: &[(&str, String)]) -> Result<w::FillsResponse, VenueError> {
        self.get("/portfolio/fills", query, true).await
    }
}
