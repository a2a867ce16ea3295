//! `arb live`: venue adapters -> events stamped with receive time -> a bounded channel
//! -> the core thread (journal, reducer) -> the executor -> venue; acks and fills come
//! back as events. With no venue configured it starts the simulator in-process on
//! loopback and trades against it. A real venue endpoint needs an explicit flag.

pub mod config;
pub mod core;
pub mod kalshi;

pub use config::{LiveConfig, LiveConfigError, is_loopback};

use self::core::{CoreSettings, Inbound, wall_ns};
use crate::config::EngineConfig;
use crate::core::Venue;
use crate::engine::Reducer;
use crate::event::{Event, Lane};
use crate::journal::{JournalError, JournalWriter, SyncMode, WriterOptions};
use crate::mapping::PairResolver;
use crate::run::CoreLoop;
use crate::sim::Scenario;
use crate::sim::server::{SimAccount, SimServer, SimState};
use crate::venues::MarketInterner;
use crate::venues::credentials::Secret;
use crate::venues::http::VenueError;
use crate::venues::kalshi::auth::{KalshiSigner, KalshiVerifier};
use crate::venues::kalshi::rest::KalshiRest;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The simulator's own Kalshi key (public, worthless; see `src/sim/keys/README.md`).
const SIM_KALSHI_KEY: &str = include_str!("../../sim/keys/kalshi_sim_only_rsa2048.pem");
const SIM_KALSHI_KEY_ID: &str = "arb-sim-key";
const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/arb-rich.toml");

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Config(#[from] LiveConfigError),
    #[error(transparent)]
    Profile(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Mapping(#[from] crate::mapping::MappingError),
    #[error(transparent)]
    Scenario(#[from] crate::sim::ScenarioError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Venue(#[from] VenueError),
    #[error(transparent)]
    Credential(#[from] crate::venues::credentials::CredentialError),
    #[error("{0}")]
    Refused(String),
    #[error("runtime: {0}")]
    Runtime(String),
}

pub struct LiveOptions {
    pub config: LiveConfig,
    pub journal: PathBuf,
    /// Stop after this long (wall time); otherwise on SIGINT/SIGTERM.
    pub duration: Option<Duration>,
    /// Permit endpoints that are not loopback: real venues, real money.
    pub allow_real_venues: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct LiveSummary {
    pub journal: PathBuf,
    pub venue: String,
    pub events: u64,
    pub decisions: u64,
    pub opportunities: u64,
    pub intents: u64,
    pub open_orders: usize,
    pub state_hash: String,
    /// Receive time of the causing event -> order request about to be written (µs).
    pub tick_to_order_us_p50: Option<f64>,
    pub tick_to_order_us_p99: Option<f64>,
}

/// Runs `arb live` to completion.
pub fn run(opts: LiveOptions) -> Result<LiveSummary, LiveError> {
    for url in opts.config.endpoints() {
        if !is_loopback(url) && !opts.allow_real_venues {
            return Err(LiveError::Refused(format!(
                "{url} is a real venue endpoint: trading against it needs --allow-real-venues (the default is the loopback simulator)"
            )));
        }
    }
    let engine = match &opts.config.profile {
        Some(p) => EngineConfig::load(p)?,
        None => EngineConfig::default(),
    };
    let pairs = match &opts.config.pairs {
        Some(p) => crate::mapping::load(p)?,
        None => Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| LiveError::Runtime(e.to_string()))?;
    runtime.block_on(run_async(opts, engine, pairs))
}

async fn run_async(
    opts: LiveOptions,
    engine: EngineConfig,
    pairs: Vec<crate::mapping::PairSpec>,
) -> Result<LiveSummary, LiveError> {
    // Venue endpoints and credentials: configured, or the embedded simulator's.
    let (kalshi, sim, venue_name) = match &opts.config.kalshi {
        Some(k) => {
            let signer = KalshiSigner::load(k.key_id.clone(), &k.private_key)?;
            (
                (
                    k.rest_url.clone(),
                    k.ws_url.clone(),
                    signer,
                    k.markets.clone(),
                ),
                None,
                format!("kalshi at {}", k.rest_url),
            )
        }
        None => {
            let (sim, tickers) = start_sim(&opts.config.sim).await?;
            let signer = KalshiSigner::from_pem(SIM_KALSHI_KEY_ID, &Secret::new(SIM_KALSHI_KEY))
                .map_err(|e| LiveError::Refused(e.to_string()))?;
            let name = format!("the embedded simulator at {}", sim.addr);
            (
                (sim.kalshi_base(), sim.kalshi_ws(), signer, tickers),
                Some(sim),
                name,
            )
        }
    };
    let (rest_url, ws_url, signer, tickers) = kalshi;
    let http = crate::venues::http::client(Duration::from_secs(10))?;
    let rest = KalshiRest::new(http, rest_url, Some(signer.clone()));

    let writer = JournalWriter::create(
        &opts.journal,
        WriterOptions {
            sync: SyncMode::Fsync,
            ..WriterOptions::default()
        },
    )?;
    let mut core = CoreLoop::new(writer, Reducer::new(engine.clone()));
    let now = wall_ns();
    core.step(now, &Event::ConfigLoaded(engine))?;
    let mut interner = MarketInterner::new();
    let mut resolver = PairResolver::new(pairs);
    for ev in kalshi::market_metas(&rest, &tickers, &mut interner).await? {
        let ready = match &ev {
            Event::MarketDefined(m) => resolver.on_market(m.venue, &m.venue_id, m.id),
            _ => Vec::new(),
        };
        core.step(wall_ns(), &ev)?;
        for rule in ready {
            core.step(wall_ns(), &Event::PairDefined(rule))?;
        }
    }
    core.step(wall_ns(), &kalshi::balance(&rest).await?)?;

    let stop = Arc::new(AtomicBool::new(false));
    let (in_tx, in_rx) = crossbeam_channel::bounded::<Inbound>(65_536);
    let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel();
    let latency = Arc::new(std::sync::Mutex::new(Vec::new()));
    let by_market = interner
        .metas()
        .iter()
        .filter(|m| m.venue == Venue::Kalshi)
        .map(|m| (m.id, m.venue_id.clone()))
        .collect();
    let ingress = tokio::spawn(kalshi::ingress(
        ws_url,
        signer,
        tickers,
        interner.clone(),
        in_tx.clone(),
        stop.clone(),
    ));
    let executor = tokio::spawn(kalshi::executor(
        rest,
        by_market,
        out_rx,
        in_tx,
        latency.clone(),
    ));

    let core_stop = stop.clone();
    let core_thread = std::thread::Builder::new()
        .name("arb-core".into())
        .spawn(move || {
            self::core::run(
                core,
                in_rx,
                out_tx,
                core_stop,
                CoreSettings {
                    tick: Duration::from_secs(1),
                    grace: Duration::from_secs(3),
                },
            )
        })
        .map_err(|e| LiveError::Runtime(e.to_string()))?;

    wait_for_stop(opts.duration).await;
    stop.store(true, Ordering::Relaxed);
    let core = tokio::task::spawn_blocking(move || core_thread.join())
        .await
        .map_err(|e| LiveError::Runtime(e.to_string()))?
        .map_err(|_| LiveError::Runtime("core thread panicked".into()))??;
    ingress.abort();
    executor.abort();
    if let Some(sim) = sim {
        sim.stop().await;
    }
    let stats = core.reducer.stats();
    let mut lat = latency.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    let pct = |q: f64| {
        (!lat.is_empty()).then(|| lat[((lat.len() - 1) as f64 * q) as usize] as f64 / 1000.0)
    };
    let summary = LiveSummary {
        journal: opts.journal.clone(),
        venue: venue_name,
        events: core.events,
        decisions: core.decisions_total,
        opportunities: stats.opportunities[Lane::IntraVenue as usize]
            + stats.opportunities[Lane::CrossVenue as usize],
        intents: stats.intents,
        open_orders: core.reducer.orders().open.len(),
        state_hash: format!("{:016x}", core.reducer.state_hash()),
        tick_to_order_us_p50: pct(0.5),
        tick_to_order_us_p99: pct(0.99),
    };
    core.writer.finish()?;
    Ok(summary)
}

async fn wait_for_stop(duration: Option<Duration>) {
    let signal = async {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => return std::future::pending().await,
                };
            tokio::select! {
                biased;
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    };
    match duration {
        Some(d) => {
            tokio::select! {
                biased;
                _ = signal => {}
                _ = tokio::time::sleep(d) => {}
            }
        }
        None => signal.await,
    }
}

/// Starts the simulator with the configured (or embedded) scenario and one funded
/// account whose Kalshi key is the simulator's own. Returns it and the tickers to trade.
async fn start_sim(cfg: &config::SimConfig) -> Result<(SimServer, Vec<String>), LiveError> {
    let scenario = match &cfg.scenario {
        Some(p) => Scenario::load(p)?,
        None => Scenario::parse(DEFAULT_SCENARIO, "embedded arb-rich.toml")?,
    };
    let verifier =
        KalshiVerifier::from_private_pem(SIM_KALSHI_KEY_ID, &Secret::new(SIM_KALSHI_KEY))
            .map_err(|e| LiveError::Refused(e.to_string()))?;
    let account = SimAccount {
        name: "arb".into(),
        cash: scenario.cash[Venue::Kalshi.index()],
        kalshi_key_id: Some(SIM_KALSHI_KEY_ID.into()),
        kalshi: Some(verifier),
    };
    let tickers = scenario
        .markets
        .iter()
        .filter(|m| m.venue == Venue::Kalshi)
        .map(|m| m.venue_id.clone())
        .collect();
    let state = SimState::new(scenario.markets.clone(), vec![account]);
    let sim = SimServer::start(
        state,
        "127.0.0.1:0"
            .parse()
            .map_err(|e: std::net::AddrParseError| LiveError::Runtime(e.to_string()))?,
    )
    .await
    .map_err(|e| LiveError::Runtime(format!("cannot start the simulator: {e}")))?;
    tokio::spawn(crate::sim::server::driver::play(
        sim.state.clone(),
        scenario,
        cfg.speed,
    ));
    Ok((sim, tickers))
}

/// The journal directory a default run writes: `runs/live-N`.
pub fn default_journal() -> PathBuf {
    let base = Path::new("runs");
    (1..)
        .map(|n| base.join(format!("live-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| base.join("live"))
}
