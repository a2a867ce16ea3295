//! The loopback venue simulator: an HTTP and WebSocket server speaking the Kalshi and
//! Polymarket wire protocols over one shared `Exchange`, for `arb sim`, `arb live` with
//! no venue configured, and tests that audit the engine through `GET /_sim/ledger`.

mod accounts;
mod admin;
mod auth;
pub mod driver;
mod kalshi;
mod kalshi_ws;
mod ledger;
mod lifecycle;
mod lifecycle_feeds;
mod polymarket;
mod polymarket_ws;
mod standalone;
mod state;

pub use accounts::{SimAccount, sim_accounts, sim_keys};
pub use standalone::serve_standalone;
pub use state::{Batch, Control, OrderFaults, SimState};

use crate::sim::faults::FaultKind;
use axum::Router;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;

/// A running simulator.
pub struct SimServer {
    pub addr: SocketAddr,
    pub state: Arc<SimState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// Binds `addr` (port 0 for any free port) and serves until `stop`.
    pub async fn start(state: SimState, addr: SocketAddr) -> std::io::Result<SimServer> {
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = router(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(SimServer {
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn kalshi_base(&self) -> String {
        format!("http://{}/trade-api/v2", self.addr)
    }

    pub fn kalshi_ws(&self) -> String {
        format!("ws://{}/trade-api/ws/v2", self.addr)
    }

    /// The Polymarket CLOB REST root (as `https://clob.polymarket.com`).
    pub fn polymarket_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Polymarket Gamma catalogue root (as `https://gamma-api.polymarket.com`).
    pub fn gamma_base(&self) -> String {
        format!("http://{}/gamma", self.addr)
    }

    /// The Polymarket WebSocket host; the channels are `/ws/market` and `/ws/user`.
    pub fn polymarket_ws(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

fn router(state: Arc<SimState>) -> Router {
    let venues = Router::new()
        .nest("/trade-api/v2", kalshi::routes())
        .route("/trade-api/ws/v2", get(kalshi_ws::upgrade))
        .merge(polymarket::routes())
        .route("/ws/market", get(polymarket_ws::market))
        .route("/ws/user", get(polymarket_ws::user))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http_faults,
        ));
    Router::new()
        .merge(venues)
        .route("/_sim/ledger", get(ledger::ledger))
        .route("/_sim/position", axum::routing::post(admin::position))
        .route("/_sim/settle", axum::routing::post(admin::settle))
        .with_state(state)
}

/// Scripted HTTP faults on every venue endpoint: 429 with `Retry-After`, or a 5xx.
/// What an order handler sends once the venue has taken the order, under an
/// after-accept fault: `None` to answer normally (after any delay the fault asks for),
/// or the response that replaces the answer (`error` builds the venue's 5xx body).
pub(super) async fn after_accept(
    faults: &state::OrderFaults,
    error: impl FnOnce(axum::http::StatusCode) -> axum::response::Response,
) -> Option<axum::response::Response> {
    match faults.after_accept? {
        state::AfterAccept::Lost => Some(cut_off()),
        state::AfterAccept::Late(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        state::AfterAccept::Error(status) => Some(error(
            axum::http::StatusCode::from_u16(status)
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        )),
    }
}

/// An answer cut off: the status line goes out, then the body fails, and the server
/// drops the connection; the client never reads an answer.
fn cut_off() -> axum::response::Response {
    let body = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "the venue dropped the connection",
        ))
    });
    axum::response::Response::builder()
        .status(axum::http::StatusCode::CREATED)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from_stream(body))
        .unwrap_or_default()
}

async fn http_faults(
    axum::extract::State(state): axum::extract::State<Arc<SimState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !request.uri().path().starts_with("/ws/") && !request.uri().path().contains("/ws/") {
        state
            .request_log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(crate::clock::wall_ns());
        let route = request
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map_or_else(
                || request.uri().path().to_string(),
                |p| p.as_str().to_string(),
            );
        *state
            .request_counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(format!("{} {route}", request.method()))
            .or_default() += 1;
    }
    for (kind, _) in state.active_faults() {
        match kind {
            FaultKind::RateLimit { retry_after_s } => {
                let mut r = kalshi::error(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "rate limit exceeded",
                );
                if let Ok(v) = retry_after_s.to_string().parse() {
                    r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
                }
                return r;
            }
            FaultKind::ServerError { status } => {
                let code = axum::http::StatusCode::from_u16(status)
                    .unwrap_or(axum::http::StatusCode::SERVICE_UNAVAILABLE);
                return kalshi::error(code, "internal_server_error", "the venue is having trouble");
            }
            _ => {}
        }
    }
    next.run(request).await
}
