//! The loopback venue simulator: an HTTP and WebSocket server speaking the Kalshi and
//! Polymarket wire protocols over one shared `Exchange`, for `arb sim`, `arb live` with
//! no venue configured, and tests that audit the engine through `GET /_sim/ledger`.

mod auth;
mod kalshi;
mod kalshi_ws;
mod polymarket;
mod polymarket_ws;

use super::exchange::{Exchange, ExchangeEvent};
use crate::core::{Money, Venue};
use crate::event::MarketMeta;
use axum::Router;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// A trading account and the credentials that identify it on each venue.
#[derive(Clone, Debug)]
pub struct SimAccount {
    pub name: String,
    pub cash: Money,
    /// Kalshi API key id, and the verifier of its RSA key's signatures.
    pub kalshi_key_id: Option<String>,
    pub kalshi: Option<crate::venues::kalshi::auth::KalshiVerifier>,
    /// Polymarket wallet address (`POLY_ADDRESS`, the signer of its orders) and CLOB API
    /// credentials (L2 HMAC).
    pub poly_address: Option<crate::venues::polymarket::eth::Address>,
    pub poly_creds: Option<crate::venues::polymarket::auth::ApiCreds>,
}

/// What the exchange published in one mutation, numbered so that a subscriber can
/// skip what a snapshot it took already contains.
#[derive(Debug)]
pub struct Batch {
    pub version: u64,
    pub events: Vec<ExchangeEvent>,
}

/// Everything the server shares between requests.
pub struct SimState {
    exchange: Mutex<Exchange>,
    feed: tokio::sync::broadcast::Sender<Arc<Batch>>,
    /// Per exchange market index: the metadata the venues serve.
    pub metas: Vec<MarketMeta>,
    pub accounts: Vec<SimAccount>,
}

impl SimState {
    /// A server state with the given markets and funded accounts.
    pub fn new(metas: Vec<MarketMeta>, accounts: Vec<SimAccount>) -> SimState {
        let mut ex = Exchange::new();
        for m in &metas {
            ex.add_market(m.venue, &m.venue_id, m.fees);
        }
        for a in &accounts {
            ex.fund(&a.name, a.cash);
        }
        let (feed, _) = tokio::sync::broadcast::channel(4096);
        SimState {
            exchange: Mutex::new(ex),
            feed,
            metas,
            accounts,
        }
    }

    /// Runs `f` on the exchange and publishes what it changed to the feeds.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        let mut ex = self.exchange();
        ex.now_ns = wall_ns();
        let r = f(&mut ex);
        if !ex.outbox.is_empty() {
            ex.version += 1;
            let batch = Batch {
                version: ex.version,
                events: std::mem::take(&mut ex.outbox),
            };
            // No subscriber is fine: nobody is listening yet.
            let _ = self.feed.send(Arc::new(batch));
        }
        r
    }

    /// A receiver of every batch published from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Batch>> {
        self.feed.subscribe()
    }

    /// The exchange, even if a handler panicked while holding it (its state is plain
    /// data; the ledger says what happened).
    pub fn exchange(&self) -> MutexGuard<'_, Exchange> {
        self.exchange.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn meta_of(&self, venue: Venue, venue_id: &str) -> Option<(usize, &MarketMeta)> {
        self.metas
            .iter()
            .enumerate()
            .find(|(_, m)| m.venue == venue && m.venue_id == venue_id)
    }
}

fn wall_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

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
    Router::new()
        .nest("/trade-api/v2", kalshi::routes())
        .route("/trade-api/ws/v2", get(kalshi_ws::upgrade))
        .merge(polymarket::routes())
        .route("/ws/market", get(polymarket_ws::market))
        .route("/ws/user", get(polymarket_ws::user))
        .route("/_sim/ledger", get(ledger))
        .with_state(state)
}

#[derive(Serialize)]
struct LedgerView<'a> {
    orders: Vec<LedgerOrder<'a>>,
    rejects: Vec<LedgerReject<'a>>,
    fills: &'a [super::exchange::FillRecord],
    cancels: &'a [u64],
    accounts: Vec<LedgerAccount<'a>>,
}

#[derive(Serialize)]
struct LedgerOrder<'a> {
    order_id: u64,
    venue: Venue,
    market: &'a str,
    #[serde(flatten)]
    order: &'a super::exchange::NewOrder,
}

#[derive(Serialize)]
struct LedgerReject<'a> {
    order: &'a super::exchange::NewOrder,
    reason: &'a str,
}

#[derive(Serialize)]
struct LedgerAccount<'a> {
    name: &'a str,
    cash: Money,
    locked: Money,
    positions: Vec<(String, crate::core::Outcome, crate::core::Qty)>,
}

/// `GET /_sim/ledger`: every order received (with its client order id), every reject,
/// fill and cancel, and each account's cash and positions.
async fn ledger(
    axum::extract::State(state): axum::extract::State<Arc<SimState>>,
) -> impl IntoResponse {
    let ex = state.exchange();
    let market = |i: usize| ex.markets.get(i).map_or("?", |m| m.venue_id.as_str());
    let view = LedgerView {
        orders: ex
            .ledger
            .orders
            .iter()
            .map(|(id, o)| LedgerOrder {
                order_id: *id,
                venue: ex.markets.get(o.market).map_or(Venue::Kalshi, |m| m.venue),
                market: market(o.market),
                order: o,
            })
            .collect(),
        rejects: ex
            .ledger
            .rejects
            .iter()
            .map(|(o, r)| LedgerReject {
                order: o,
                reason: r,
            })
            .collect(),
        fills: &ex.ledger.fills,
        cancels: &ex.ledger.cancels,
        accounts: ex
            .accounts
            .iter()
            .map(|(name, a)| LedgerAccount {
                name,
                cash: a.cash,
                locked: a.locked,
                positions: a
                    .positions
                    .iter()
                    .map(|((m, o), q)| (market(*m).to_string(), *o, *q))
                    .collect(),
            })
            .collect(),
    };
    Json(serde_json::to_value(&view).unwrap_or_default())
}
