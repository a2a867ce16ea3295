//! The venues of one `arb live` (or `arb preflight`) run: the configured endpoints and
//! credentials, or the embedded simulator started on loopback with its own keys.

use super::LiveError;
use super::config::{LiveConfig, SimConfig};
use crate::core::Venue;
use crate::sim::Scenario;
use crate::sim::server::{SimServer, SimState, sim_accounts, sim_keys};
use crate::venues::credentials::Secret;
use crate::venues::kalshi::auth::KalshiSigner;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::auth::{ApiCreds, PolymarketSigner};
use crate::venues::polymarket::rest::PolymarketRest;
use std::time::Duration;

const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/arb-rich.toml");

/// One venue's connection for this run.
pub(super) struct KalshiSide {
    pub(super) rest: KalshiRest,
    pub(super) ws_url: String,
    pub(super) signer: KalshiSigner,
    pub(super) tickers: Vec<String>,
    /// Market metadata read so far (preflight's reads serve start-up).
    pub(super) meta: std::sync::Mutex<super::kalshi::KalshiMetaCache>,
}

pub(super) struct PolymarketSide {
    pub(super) rest: PolymarketRest,
    /// The Data API (positions), unauthenticated.
    pub(super) data: PolymarketRest,
    /// The Gamma catalogue (discovery), when configured.
    pub(super) gamma: Option<PolymarketRest>,
    pub(super) ws_url: String,
    /// User channel (trade settlement), when known.
    pub(super) user_url: Option<String>,
    pub(super) tokens: Vec<String>,
    /// Token metadata read so far (preflight's reads serve start-up).
    pub(super) meta: std::sync::Mutex<super::polymarket::PolymarketMetaCache>,
}

/// What a run trades on.
pub(super) struct Sides {
    /// The embedded simulator, when no venue is configured.
    pub sim: Option<SimServer>,
    pub kalshi: Option<KalshiSide>,
    pub poly: Option<PolymarketSide>,
    /// For the summary: the simulator's address or the endpoints.
    pub name: String,
}

/// Builds the venue clients (loading credentials) or starts the embedded simulator.
pub(super) async fn connect(config: &LiveConfig) -> Result<Sides, LiveError> {
    let http = crate::venues::http::client(Duration::from_secs_f64(config.request_timeout_s))?;
    let limits = config.limits.limits().map_err(LiveError::Refused)?;
    // Venue endpoints and credentials: configured, or the embedded simulator's.
    let embedded = config.kalshi.is_none() && config.polymarket.is_none();
    let (sim, kalshi_side, poly_side, venue_name) = if embedded {
        let (sim, kalshi_tickers, poly_tokens) = start_sim(&config.sim).await?;
        let ks = KalshiSigner::from_pem(
            sim_keys::KALSHI_KEY_ID,
            &Secret::new(sim_keys::KALSHI_KEY_PEM),
        )
        .map_err(|e| LiveError::Refused(e.to_string()))?;
        let creds = ApiCreds::new(
            Secret::new(sim_keys::POLY_API_KEY),
            Secret::new(sim_keys::POLY_API_SECRET),
            Secret::new(sim_keys::POLY_PASSPHRASE),
        )
        .map_err(|e| LiveError::Refused(e.to_string()))?;
        let ps = PolymarketSigner::new(&Secret::new(sim_keys::POLY_PRIVATE_KEY), creds)
            .map_err(|e| LiveError::Refused(e.to_string()))?;
        let k = KalshiSide {
            rest: KalshiRest::new(http.clone(), sim.kalshi_base(), Some(ks.clone()))
                .with_limits(limits),
            ws_url: sim.kalshi_ws(),
            signer: ks,
            tickers: kalshi_tickers,
            meta: Default::default(),
        };
        let p = PolymarketSide {
            rest: PolymarketRest::new(http.clone(), sim.polymarket_base(), Some(ps))
                .with_limits(limits),
            data: PolymarketRest::new(http.clone(), sim.polymarket_base(), None)
                .with_limits(limits),
            gamma: Some(
                PolymarketRest::new(http.clone(), sim.gamma_base(), None).with_limits(limits),
            ),
            ws_url: format!("{}/ws/market", sim.polymarket_ws()),
            user_url: Some(format!("{}/ws/user", sim.polymarket_ws())),
            tokens: poly_tokens,
            meta: Default::default(),
        };
        let name = format!("the embedded simulator at {}", sim.addr);
        (Some(sim), Some(k), Some(p), name)
    } else {
        let k = match &config.kalshi {
            Some(c) => {
                let signer = KalshiSigner::load(c.key_id.clone(), &c.private_key)?;
                Some(KalshiSide {
                    rest: KalshiRest::new(http.clone(), c.rest_url.clone(), Some(signer.clone()))
                        .with_limits(limits),
                    ws_url: c.ws_url.clone(),
                    signer,
                    tickers: c.markets.clone(),
                    meta: Default::default(),
                })
            }
            None => None,
        };
        let p = match &config.polymarket {
            Some(c) => {
                let signer = PolymarketSigner::load(&c.private_key, &c.api_creds)?;
                Some(PolymarketSide {
                    rest: PolymarketRest::new(http.clone(), c.rest_url.clone(), Some(signer))
                        .with_limits(limits),
                    data: PolymarketRest::new(http.clone(), c.data_url.clone(), None)
                        .with_limits(limits),
                    gamma: c.gamma_url.as_ref().map(|url| {
                        PolymarketRest::new(http.clone(), url.clone(), None).with_limits(limits)
                    }),
                    ws_url: c.ws_url.clone(),
                    user_url: c
                        .ws_url
                        .strip_suffix("/market")
                        .map(|base| format!("{base}/user")),
                    tokens: c.tokens.clone(),
                    meta: Default::default(),
                })
            }
            None => None,
        };
        (None, k, p, config.endpoints().join(", "))
    };

    Ok(Sides {
        sim,
        kalshi: kalshi_side,
        poly: poly_side,
        name: venue_name,
    })
}

impl Sides {
    /// Lists every open market of the venues of this run (Polymarket from its Gamma
    /// catalogue, which must be configured).
    pub(super) async fn discover(
        &self,
        page_size: u32,
    ) -> Result<super::universe::Discovery, LiveError> {
        let polymarket = match &self.poly {
            Some(p) => match &p.gamma {
                Some(g) => Some((&p.rest, g)),
                None => {
                    return Err(LiveError::Refused(
                        "polymarket.gamma_url is not set: Polymarket is listed from its Gamma catalogue".into(),
                    ));
                }
            },
            None => None,
        };
        let kalshi = self.kalshi.as_ref().map(|k| &k.rest);
        Ok(super::universe::list(kalshi, polymarket, page_size).await?)
    }

    /// Trades what `d` listed: its tickers and tokens, their metadata from the listing.
    pub(super) fn adopt(&mut self, d: &super::universe::Discovery) {
        if let Some(k) = &mut self.kalshi {
            k.tickers = d.tickers();
            k.meta.lock().unwrap_or_else(|e| e.into_inner()).seed(
                &d.kalshi_markets,
                &d.kalshi_events,
                &d.kalshi_series,
            );
        }
        if let Some(p) = &mut self.poly {
            p.tokens = d.tokens();
            p.meta
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .seed(&d.gamma);
        }
    }
}

/// Starts the simulator with the configured (or embedded) scenario and its two
/// accounts (one per venue, with the simulator's own keys). Returns it, the Kalshi
/// tickers and the Polymarket tokens to trade.
pub(super) async fn start_sim(
    cfg: &SimConfig,
) -> Result<(SimServer, Vec<String>, Vec<String>), LiveError> {
    let scenario = match &cfg.scenario {
        Some(p) => Scenario::load(p)?,
        None => Scenario::parse(DEFAULT_SCENARIO, "embedded arb-rich.toml")?,
    };
    let accounts = sim_accounts(scenario.cash).map_err(LiveError::Refused)?;
    let ids = |v: Venue| {
        scenario
            .markets
            .iter()
            .filter(|m| m.venue == v)
            .map(|m| m.venue_id.clone())
            .collect::<Vec<_>>()
    };
    let (tickers, tokens) = (ids(Venue::Kalshi), ids(Venue::Polymarket));
    let state = SimState::new(scenario.markets.clone(), accounts).with_scenario(&scenario);
    let addr: std::net::SocketAddr = "127.0.0.1:0"
        .parse()
        .map_err(|e: std::net::AddrParseError| LiveError::Runtime(e.to_string()))?;
    let sim = SimServer::start(state, addr)
        .await
        .map_err(|e| LiveError::Runtime(format!("cannot start the simulator: {e}")))?;
    // Under a faster event clock the scenario plays at its speed: one time for both.
    let speed = crate::clock::event_clock().map_or(cfg.speed, |c| c.speed);
    tokio::spawn(crate::sim::server::driver::play(
        sim.state.clone(),
        scenario,
        speed,
    ));
    Ok((sim, tickers, tokens))
}
