//! The loopback venue simulator: an HTTP and WebSocket server speaking the Kalshi and
//! Polymarket wire protocols over one shared `Exchange`, for `arb sim`, `arb live` with
//! no venue configured, and tests that audit the engine through `GET /_sim/ledger`.

mod auth;
pub mod driver;
mod kalshi;
mod kalshi_ws;
mod polymarket;
mod polymarket_ws;

use super::exchange::{Exchange, ExchangeEvent};
use super::faults::{Fault, FaultKind};
use crate::core::{Money, Venue};
use crate::event::MarketMeta;
use axum::Router;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde::Serialize;
use std::io::Write;
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

/// The simulator's own credentials: public, worthless test keys (see
/// `src/sim/keys/README.md`), so the whole live path signs and verifies for real with
/// nothing to configure.
pub mod sim_keys {
    pub const KALSHI_KEY_ID: &str = "arb-sim-key";
    pub const KALSHI_KEY_PEM: &str = include_str!("../keys/kalshi_sim_only_rsa2048.pem");
    /// Hardhat/Anvil account 0, published with every Ethereum dev toolchain.
    pub const POLY_PRIVATE_KEY: &str =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    pub const POLY_API_KEY: &str = "00000000-0000-4000-8000-00000000a5b1";
    /// 32 bytes, URL-safe base64.
    pub const POLY_API_SECRET: &str = "c2ltdWxhdG9yLW9ubHktc2VjcmV0LWtleS0zMmJ5dGU=";
    pub const POLY_PASSPHRASE: &str = "simulator-only";
}

/// The simulator's two trading accounts: one per venue, each funded with that venue's
/// cash from the scenario, each knowing the simulator's own keys.
pub fn sim_accounts(cash: [Money; 2]) -> Result<Vec<SimAccount>, String> {
    use crate::venues::credentials::Secret;
    let kalshi = crate::venues::kalshi::auth::KalshiVerifier::from_private_pem(
        sim_keys::KALSHI_KEY_ID,
        &Secret::new(sim_keys::KALSHI_KEY_PEM),
    )
    .map_err(|e| e.to_string())?;
    let creds = crate::venues::polymarket::auth::ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .map_err(|e| e.to_string())?;
    let wallet =
        crate::venues::polymarket::eth::EthKey::from_hex(&Secret::new(sim_keys::POLY_PRIVATE_KEY))
            .map_err(|e| e.to_string())?;
    Ok(vec![
        SimAccount {
            name: "arb-kalshi".into(),
            cash: cash[Venue::Kalshi.index()],
            kalshi_key_id: Some(sim_keys::KALSHI_KEY_ID.into()),
            kalshi: Some(kalshi),
            poly_address: None,
            poly_creds: None,
        },
        SimAccount {
            name: "arb-polymarket".into(),
            cash: cash[Venue::Polymarket.index()],
            kalshi_key_id: None,
            kalshi: None,
            poly_address: Some(wallet.address()),
            poly_creds: Some(creds),
        },
    ])
}

/// What the exchange published in one mutation, numbered so that a subscriber can
/// skip what a snapshot it took already contains.
#[derive(Debug)]
pub struct Batch {
    pub version: u64,
    pub events: Vec<ExchangeEvent>,
}

/// The faults that shape how the venues answer orders, as one value.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderFaults {
    /// Orders are refused.
    pub reject: bool,
    /// Taker orders fill at most this share (bp).
    pub fill_cap_bp: Option<u16>,
    /// Order answers are this late.
    pub ack_delay: Option<std::time::Duration>,
    /// Trades fail to settle (Polymarket).
    pub settlement_failure: bool,
}

/// One-shot faults every open WebSocket session acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Disconnect,
    SequenceGap,
    /// A crossed delta on this market's book stream (every subscribed market: none).
    CrossBook(Option<usize>),
}

/// A windowed fault in force until `until`.
#[derive(Clone, Debug)]
struct ActiveFault {
    kind: FaultKind,
    market: Option<usize>,
    until: tokio::time::Instant,
}

/// Everything the server shares between requests.
pub struct SimState {
    exchange: Mutex<Exchange>,
    feed: tokio::sync::broadcast::Sender<Arc<Batch>>,
    control: tokio::sync::broadcast::Sender<Control>,
    faults: Mutex<Vec<ActiveFault>>,
    /// When each venue HTTP request arrived (ns since the epoch), answered or not.
    request_log: Mutex<Vec<i64>>,
    /// Per exchange market index: the metadata the venues serve.
    pub metas: Vec<MarketMeta>,
    pub accounts: Vec<SimAccount>,
    /// Kalshi event tickers served as `mutually_exclusive`.
    pub exclusive_events: Vec<String>,
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
        let (control, _) = tokio::sync::broadcast::channel(64);
        SimState {
            exchange: Mutex::new(ex),
            feed,
            control,
            faults: Mutex::new(Vec::new()),
            request_log: Mutex::new(Vec::new()),
            metas,
            accounts,
            exclusive_events: Vec::new(),
        }
    }

    /// The same state, serving these Kalshi events as `mutually_exclusive`.
    pub fn with_exclusive_events(mut self, events: Vec<String>) -> SimState {
        self.exclusive_events = events;
        self
    }

    /// Puts a scripted fault in force now (for `window`, if it is not instant).
    pub fn activate(&self, fault: &Fault, window: std::time::Duration) {
        match fault.kind {
            FaultKind::WsDisconnect => {
                let _ = self.control.send(Control::Disconnect);
            }
            FaultKind::SequenceGap => {
                let _ = self.control.send(Control::SequenceGap);
            }
            FaultKind::CrossBook => {
                let market = fault
                    .market
                    .as_ref()
                    .and_then(|m| self.metas.iter().position(|x| &x.venue_id == m));
                let _ = self.control.send(Control::CrossBook(market));
            }
            kind => {
                let market = fault
                    .market
                    .as_ref()
                    .and_then(|m| self.metas.iter().position(|x| &x.venue_id == m));
                let mut f = self.faults.lock().unwrap_or_else(|p| p.into_inner());
                f.push(ActiveFault {
                    kind,
                    market,
                    until: tokio::time::Instant::now() + window,
                });
            }
        }
    }

    /// Windowed faults in force now, with the market each names.
    pub fn active_faults(&self) -> Vec<(FaultKind, Option<usize>)> {
        let now = tokio::time::Instant::now();
        let mut f = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        f.retain(|a| a.until > now);
        f.iter().map(|a| (a.kind, a.market)).collect()
    }

    /// The order-path faults in force now for an order on `market` (a fault naming
    /// another market does not apply), read once per request.
    pub fn order_faults(&self, market: Option<usize>) -> OrderFaults {
        let mut f = OrderFaults::default();
        for (kind, on) in self.active_faults() {
            if on.is_some_and(|m| Some(m) != market) {
                continue;
            }
            match kind {
                FaultKind::RejectOrders => f.reject = true,
                FaultKind::PartialFill { ratio_bp } => f.fill_cap_bp = Some(ratio_bp),
                FaultKind::SlowAck { delay_ms } => {
                    f.ack_delay = Some(std::time::Duration::from_millis(u64::from(delay_ms)))
                }
                FaultKind::SettlementFailure => f.settlement_failure = true,
                _ => {}
            }
        }
        f
    }

    /// Submits an order under the order faults in force (a partial-fill fault caps
    /// what it may take), publishing what changed.
    pub fn submit(
        &self,
        order: crate::sim::exchange::NewOrder,
        faults: &OrderFaults,
    ) -> Result<crate::sim::exchange::OrderId, crate::sim::exchange::RejectReason> {
        self.mutate(|ex| {
            ex.fill_cap_bp = faults.fill_cap_bp;
            let r = ex.submit(order);
            ex.fill_cap_bp = None;
            r
        })
    }

    /// Arrival times (ns since the epoch) of every venue HTTP request so far.
    pub fn request_times(&self) -> Vec<i64> {
        self.request_log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Ends every windowed fault now.
    pub fn clear_faults(&self) {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// True while a `FreezeBook` fault holds `market` (or every market).
    pub fn frozen(&self, market: usize) -> bool {
        self.active_faults()
            .iter()
            .any(|(k, m)| *k == FaultKind::FreezeBook && m.is_none_or(|m| m == market))
    }

    /// True while a `RefuseWs` fault holds `venue`'s WebSockets.
    pub fn refuses_ws(&self, venue: Venue) -> bool {
        self.active_faults().iter().any(
            |(k, _)| matches!(k, FaultKind::RefuseWs { venue: v } if v.is_none_or(|v| v == venue)),
        )
    }

    /// A receiver of one-shot WebSocket faults.
    pub fn control(&self) -> tokio::sync::broadcast::Receiver<Control> {
        self.control.subscribe()
    }

    /// Runs `f` on the exchange and publishes what it changed to the feeds.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        let mut ex = self.exchange();
        ex.now_ns = crate::clock::wall_ns();
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
        let mut ex = self.exchange.lock().unwrap_or_else(|p| p.into_inner());
        // Whoever looks next sees orders whose time ran out as over.
        if !ex.expiries.is_empty() {
            ex.expire_due(crate::clock::wall_ns());
        }
        ex
    }

    pub fn meta_of(&self, venue: Venue, venue_id: &str) -> Option<(usize, &MarketMeta)> {
        self.metas
            .iter()
            .enumerate()
            .find(|(_, m)| m.venue == venue && m.venue_id == venue_id)
    }
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
        .route("/_sim/ledger", get(ledger))
        .with_state(state)
}

/// Scripted HTTP faults on every venue endpoint: 429 with `Retry-After`, or a 5xx.
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

/// `arb sim`: serves the simulator on `listen`, driven by a scenario, printing each
/// venue's base URL, until SIGINT/SIGTERM or `duration`.
pub fn serve_standalone(
    scenario: Option<&std::path::Path>,
    listen: SocketAddr,
    speed: f64,
    duration: Option<std::time::Duration>,
) -> Result<(), String> {
    let scenario = match scenario {
        Some(p) => crate::sim::Scenario::load(p).map_err(|e| e.to_string())?,
        None => crate::sim::Scenario::parse(
            include_str!("../../../scenarios/arb-rich.toml"),
            "embedded arb-rich.toml",
        )
        .map_err(|e| e.to_string())?,
    };
    let accounts = sim_accounts(scenario.cash)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let state = SimState::new(scenario.markets.clone(), accounts)
            .with_exclusive_events(scenario.exclusive_events.clone());
        let server = SimServer::start(state, listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        // The URLs go to stdout for whoever started us; a reader that has gone away
        // (a closed pipe) must not take the server down with it.
        let mut stdout = std::io::stdout();
        let _ = writeln!(
            stdout,
            "kalshi rest: {}\nkalshi ws:   {}\nledger:      http://{}/_sim/ledger\npolymarket rest: {}\npolymarket ws: {}\naccounts: arb-kalshi (Kalshi key id {}, src/sim/keys/kalshi_sim_only_rsa2048.pem), arb-polymarket (Hardhat account 0, API key {})",
            server.kalshi_base(),
            server.kalshi_ws(),
            server.addr,
            server.polymarket_base(),
            server.polymarket_ws(),
            sim_keys::KALSHI_KEY_ID,
            sim_keys::POLY_API_KEY
        );
        let _ = stdout.flush();
        let play = tokio::spawn(driver::play(server.state.clone(), scenario, speed));
        let stop = async {
            match duration {
                Some(d) => tokio::time::sleep(d).await,
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        };
        stop.await;
        play.abort();
        server.stop().await;
        Ok(())
    })
}
