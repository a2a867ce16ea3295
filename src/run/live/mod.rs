//! `arb live`: venue adapters -> events stamped with receive time -> the ingress queues
//! (execution and control unbounded, market data bounded per venue and coalesced when
//! full: `queue.rs`) -> the core thread (journal, reducer) -> the executor -> venue;
//! acks and fills come back as events. With no venue configured it starts the simulator in-process on
//! loopback and trades against it. A real venue endpoint needs an explicit flag.

mod capacity;
pub mod config;
pub mod core;
pub mod degrade;
pub mod executor;
mod groups;
pub mod ingress;
pub mod kalshi;
mod kalshi_feed;
pub mod kalshi_orders;
pub mod limits;
mod mapping_watch;
pub(crate) mod market_status;
pub mod mirror;
mod pair_proposals;
mod periodic;
pub mod polymarket;
mod polymarket_feed;
pub mod polymarket_orders;
mod polymarket_user;
pub mod preflight;
mod probes;
pub mod queue;
mod reconciler;
pub mod recovery;
pub mod restart;
mod shards;
mod sides;
pub mod snapshotter;
mod startup;
pub mod status;
mod stream_loop;
mod summary;
mod tier_plan;
mod tier_reader;
mod tiers;
pub mod universe;
mod universe_watch;
pub mod watchdog;

pub use config::{LiveConfig, LiveConfigError, is_loopback};
pub use summary::LiveSummary;

use self::core::{CoreSettings, Inbound};
use self::executor::Executor;
use crate::clock::wall_ns;
use crate::core::{MarketId, Venue};
use crate::journal::JournalError;
use crate::venues::http::VenueError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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
    /// Install the process's log subscriber: stderr and `<journal>/logs/arb.log`.
    pub log_file: bool,
}

/// Refuses an endpoint that is not loopback unless real venues are allowed; `doing`
/// says what would have been done with it.
fn only_loopback(config: &LiveConfig, allowed: bool, doing: &str) -> Result<(), LiveError> {
    match config.endpoints().into_iter().find(|url| !is_loopback(url)) {
        Some(url) if !allowed => Err(LiveError::Refused(format!(
            "{url} is a real venue endpoint: {doing} needs --allow-real-venues"
        ))),
        _ => Ok(()),
    }
}

/// The runtime of a command that talks to the venues: two worker threads.
fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| LiveError::Runtime(e.to_string()))
}

/// `arb preflight`: the gate chain `arb live` passes first, on its own. A
/// configuration or credential problem is an error; a venue that fails a check is a red
/// line in the report.
pub fn preflight(
    config: &LiveConfig,
    allow_real_venues: bool,
) -> Result<preflight::Report, LiveError> {
    only_loopback(config, allow_real_venues, "checking it")?;
    let profile = match &config.profile {
        Some(p) => crate::config::Profile::load(p)?,
        None => crate::config::Profile::default(),
    };
    if let Some(p) = &config.pairs {
        crate::mapping::load(p)?;
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let mut s = sides::connect(config).await?;
        if config.universe.discover {
            discover(&mut s, &config.universe, None).await?;
        }
        let report = preflight::run(&profile, s.kalshi.as_ref(), s.poly.as_ref()).await;
        if let Some(sim) = s.sim {
            sim.stop().await;
        }
        Ok(report)
    })
}

/// Lists every open market of the configured venues (or of the embedded simulator),
/// `page_size` markets a page.
pub fn universe(
    config: &LiveConfig,
    allow_real_venues: bool,
    page_size: u32,
) -> Result<universe::Universe, LiveError> {
    only_loopback(config, allow_real_venues, "listing it")?;
    if !(1..=1000).contains(&page_size) {
        return Err(LiveError::Refused(format!(
            "--page-size {page_size}: Kalshi pages hold 1 to 1000 markets"
        )));
    }
    if config
        .polymarket
        .as_ref()
        .is_some_and(|p| p.gamma_url.is_none())
    {
        return Err(LiveError::Refused(
            "polymarket.gamma_url is not set: Polymarket is listed from its Gamma catalogue (https://gamma-api.polymarket.com)".into(),
        ));
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let s = sides::connect(config).await?;
        let listed = s.discover(page_size).await;
        if let Some(sim) = s.sim {
            sim.stop().await;
        }
        Ok(listed?.universe)
    })
}

/// Lists the venues' open markets and makes them the run's (written to
/// `<journal>/universe.json` when a journal is given), with how long it took. Returns
/// the resolution texts listed (the pairs are checked against them).
async fn discover(
    sides: &mut sides::Sides,
    cfg: &universe::UniverseConfig,
    journal: Option<&Path>,
) -> Result<crate::mapping::drift::ListedRules, LiveError> {
    let started = std::time::Instant::now();
    let d = sides.discover(cfg.page_size).await?;
    let u = &d.universe;
    tracing::info!(
        kalshi_markets = u.kalshi.len(),
        polymarket_conditions = u.polymarket.len(),
        requests = u.requests[0] + u.requests[1],
        left_out = u.left_out.len(),
        seconds = started.elapsed().as_secs_f64(),
        "universe listed"
    );
    for why in &u.left_out {
        tracing::warn!("universe: left out {why}");
    }
    if let Some(j) = journal {
        let path = j.join("universe.json");
        let text = serde_json::to_string(u).map_err(|e| LiveError::Runtime(e.to_string()))?;
        std::fs::write(&path, text)
            .map_err(|e| LiveError::Runtime(format!("{}: {e}", path.display())))?;
    }
    sides.adopt(&d);
    Ok(u.listed_rules())
}

/// Runs `arb live` to completion.
pub fn run(opts: LiveOptions) -> Result<LiveSummary, LiveError> {
    let started = std::time::Instant::now();
    only_loopback(
        &opts.config,
        opts.allow_real_venues,
        "trading against it (the default is the loopback simulator)",
    )?;
    let clock = &opts.config.clock;
    if clock.speed != 1.0 {
        if let Some(url) = opts
            .config
            .endpoints()
            .into_iter()
            .find(|u| !is_loopback(u))
        {
            return Err(LiveError::Refused(format!(
                "[clock] speed {} runs event time faster than the wall clock: only against the simulator, not {url}",
                clock.speed
            )));
        }
        crate::clock::set_event_clock(Some(crate::clock::EventClock {
            origin_ns: clock
                .origin_ms
                .map_or_else(wall_ns, |ms| ms.saturating_mul(1_000_000)),
            speed: clock.speed,
        }));
    } else {
        crate::clock::set_event_clock(None);
    }
    let engine = match &opts.config.profile {
        Some(p) => crate::config::Profile::load(p)?,
        None => crate::config::Profile::default(),
    };
    let pairs = match &opts.config.pairs {
        Some(p) => Some(crate::mapping::reload::read(p)?),
        None => None,
    };
    let at = |e: std::io::Error| LiveError::Runtime(format!("{}: {e}", opts.journal.display()));
    if opts.log_file {
        crate::run::logfile::init(&opts.journal).map_err(at)?;
    }
    let effective = serde_json::json!({ "live": &opts.config, "profile": &engine });
    crate::bundle::config::record(&opts.journal, "live", Some(wall_ns()), effective).map_err(at)?;
    tracing::info!(journal = %opts.journal.display(), "arb live starting");
    let runtime = runtime()?;
    let done = runtime.block_on(run_async(opts, engine, pairs, started));
    match &done {
        Ok(s) => {
            tracing::info!(events = s.events, orders = s.orders, state_hash = %s.state_hash, "arb live stopped")
        }
        Err(e) => tracing::error!(error = %e, "arb live failed"),
    }
    done
}

async fn run_async(
    opts: LiveOptions,
    engine: crate::config::Profile,
    pairs: Option<crate::mapping::reload::Loaded>,
    started: std::time::Instant,
) -> Result<LiveSummary, LiveError> {
    let mut sides = sides::connect(&opts.config).await?;
    let listed_rules = if opts.config.universe.discover {
        discover(&mut sides, &opts.config.universe, Some(&opts.journal)).await?
    } else {
        Vec::new()
    };
    let sides::Sides {
        sim,
        kalshi: kalshi_side,
        poly: poly_side,
        name: venue_name,
    } = sides;
    // The gate: every venue reachable with these credentials, streams alive, and a
    // dry run through the reducer, before the journal is touched.
    let gate = preflight::run(&engine, kalshi_side.as_ref(), poly_side.as_ref()).await;
    for line in gate.lines() {
        tracing::info!("preflight {line}");
    }
    if !gate.passed() {
        return Err(LiveError::Refused(format!(
            "preflight failed: {}",
            gate.failures()
        )));
    }

    let startup::Started {
        mut core,
        interner,
        routes,
        resolver,
        mapping_digest,
        recovered,
    } = startup::start(
        &opts.journal,
        opts.config.journal.segment_bytes(),
        &engine,
        pairs,
        listed_rules,
        kalshi_side.as_ref(),
        poly_side.as_ref(),
    )
    .await?;

    let kalshi_rest = kalshi_side.as_ref().map(|k| k.rest.clone());
    let poly_rest = poly_side.as_ref().map(|p| p.rest.clone());
    let poly_data = poly_side.as_ref().and_then(|p| {
        p.rest
            .signer()
            .map(|s| (p.data.clone(), s.address().to_string()))
    });
    let stop = Arc::new(AtomicBool::new(false));
    // Execution and control: unbounded, never dropped. Market data: bounded per venue.
    let (in_tx, control_rx) = crossbeam_channel::unbounded::<Inbound>();
    let market_queues: [(
        crossbeam_channel::Sender<Inbound>,
        crossbeam_channel::Receiver<Inbound>,
    ); 2] = std::array::from_fn(|_| crossbeam_channel::bounded(opts.config.market_data_queue));
    let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel();
    let latency = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    let silent_after = Duration::from_secs_f64(opts.config.stream_silent_s);
    let feed_stats: [watchdog::SharedFeedStats; 2] = Default::default();
    // The core's busy share, which the tiers size the hot set by.
    let core_load = capacity::CoreLoad::default();
    // Lifecycle messages of the streams wake the market status watcher (if it runs).
    let (lifecycle_tx, lifecycle_rx) = tokio::sync::mpsc::unbounded_channel();
    let watch_markets = opts.config.market_status_s > 0.0;
    let ctx_parts = ingress::CtxParts {
        queues: std::array::from_fn(|v| market_queues[v].0.clone()),
        stats: feed_stats.clone(),
        health: std::array::from_fn(|_| {
            degrade::SharedHealth::new(opts.config.feed, std::time::Instant::now())
        }),
        stop: stop.clone(),
        silent_after,
        feed: opts.config.feed,
        lifecycle: watch_markets.then(|| lifecycle_tx.clone()),
        probes: Default::default(),
    };
    let ingress_ctx = |venue: Venue| ctx_parts.ctx(venue, None);
    // Markets listed while running reach every task that maps venue ids.
    let refresh = opts.config.universe.discover && opts.config.universe.refresh_s > 0.0;
    let mut fanout = universe_watch::Fanout::default();
    // Under tiers, a feed hears of markets from the tiers only (streamed ones: promoted,
    // or listed in a ladder), and the tiers of every listing.
    let mut feed_adds: [Option<(_, universe_watch::AddedRx)>; 2] = Default::default();
    let mut tier_listings = None;
    if opts.config.universe.tiered() {
        for venue in Venue::ALL {
            feed_adds[venue.index()] = Some(tokio::sync::mpsc::unbounded_channel());
        }
        tier_listings = refresh.then(|| fanout.subscribe());
    }
    let mut adds = || refresh.then(|| fanout.subscribe());
    let listings = universe_watch::Listings {
        kalshi: kalshi_rest.clone(),
        polymarket: poly_side
            .as_ref()
            .and_then(|p| Some((p.rest.clone(), p.gamma.clone()?))),
        page_size: opts.config.universe.page_size,
    };
    let mut watched = Vec::new();
    for (venue, on) in [
        (Venue::Kalshi, kalshi_side.is_some()),
        (Venue::Polymarket, poly_side.is_some()),
    ] {
        if on {
            watched.push(status::Watched {
                venue,
                stats: feed_stats[venue.index()].clone(),
                queue: market_queues[venue.index()].1.clone(),
            });
        }
    }
    let status_done = Arc::new(tokio::sync::Notify::new());
    let engine_status = status::SharedEngineStatus::default();
    let status_task = tokio::spawn(
        status::StatusWriter::new(&opts.journal, watched, engine_status.clone()).run(
            Duration::from_secs_f64(opts.config.status_every_s),
            status_done.clone(),
        ),
    );
    // Tiers: each market's first watch, journaled (on the control channel, read before
    // market data) before any feed starts; the feeds stream the hot markets only.
    let caps = opts.config.universe.tiered().then(|| {
        let u = &opts.config.universe;
        let read =
            |g: Option<&crate::venues::governor::Governor>| g.map_or(0.0, |g| g.read_per_s());
        tier_plan::TierCaps::from_budget(
            u.hot_max,
            [
                read(kalshi_rest.as_ref().map(|k| k.governor())),
                read(poly_rest.as_ref().map(|p| p.governor())),
            ],
            u.warm_read_share,
            u.warm_poll_s,
        )
    });
    // Markets a connection of each venue streams at most (0: one connection), and which
    // connection streams each market.
    let caps_per_connection = [
        opts.config
            .kalshi
            .as_ref()
            .map_or(0, |c| c.markets_per_connection),
        opts.config
            .polymarket
            .as_ref()
            .map_or(0, |c| c.tokens_per_connection),
    ];
    let shard_maps: [shards::Shards; 2] = caps_per_connection.map(shards::ShardMap::shared);
    let tiered =
        caps.map(|caps| tier_plan::start(&core.reducer, &interner, caps, &in_tx, &shard_maps));
    let tiers_on = tiered.is_some();
    // Under tiers, the cold markets get no book until they are watched.
    let ready_tiered: Option<Vec<MarketId>> = tiered.as_ref().map(|t| {
        t.streamed
            .keys()
            .chain(t.warm.iter().flat_map(|w| w.keys()))
            .copied()
            .collect()
    });
    let hot_only = |ids: Vec<String>| match &tiered {
        Some(t) => ids
            .into_iter()
            .filter(|id| t.hot_ids.contains(id))
            .collect(),
        None => ids,
    };
    let mut tier_feeds: [Option<_>; 2] = Default::default();
    let mut feed_rx =
        |venue: Venue, adds: &mut dyn FnMut() -> Option<universe_watch::AddedRx>| match feed_adds
            [venue.index()]
        .take()
        {
            Some((tx, rx)) => {
                tier_feeds[venue.index()] = Some(tx);
                Some(rx)
            }
            None => adds(),
        };
    // A venue's stream as the shards start it.
    let venue_stream = |venue: Venue, ids: Vec<String>, adds| shards::VenueStream {
        venue,
        cap: caps_per_connection[venue.index()],
        ids,
        interner: interner.clone(),
        adds,
        shards: shard_maps[venue.index()].clone(),
        tiered: tiers_on,
    };
    if let Some(k) = kalshi_side {
        let (url, signer, rest, parts) = (k.ws_url, k.signer, k.rest.clone(), ctx_parts.clone());
        let spawn: shards::SpawnConnection = Box::new(move |connection, tickers, known, adds| {
            tokio::spawn(kalshi_feed::ingress(
                url.clone(),
                signer.clone(),
                rest.clone(),
                tickers,
                known,
                adds,
                connection.is_none_or(|c| c == 0),
                parts.ctx(Venue::Kalshi, connection),
            ))
        });
        let stream = venue_stream(
            Venue::Kalshi,
            hot_only(k.tickers),
            feed_rx(Venue::Kalshi, &mut adds),
        );
        tasks.extend(shards::start_venue(stream, &core.reducer, &in_tx, spawn));
    }
    let placed: polymarket::PlacedOrders = Arc::default();
    if let Some(p) = poly_side {
        let tokens: Vec<String> = interner
            .metas()
            .iter()
            .filter(|m| m.venue == Venue::Polymarket)
            .map(|m| m.venue_id.clone())
            .collect();
        if let (Some(url), Some(signer)) = (p.user_url.clone(), p.rest.signer()) {
            tasks.push(tokio::spawn(polymarket_user::user_ingress(
                url,
                signer.creds().clone(),
                p.rest.governor().clone(),
                placed.clone(),
                in_tx.clone(),
                stop.clone(),
            )));
        }
        let (url, rest, parts) = (p.ws_url, p.rest.clone(), ctx_parts.clone());
        let spawn: shards::SpawnConnection = Box::new(move |connection, tokens, known, adds| {
            tokio::spawn(polymarket_feed::ingress(
                url.clone(),
                rest.clone(),
                tokens,
                known,
                adds,
                parts.ctx(Venue::Polymarket, connection),
            ))
        });
        let stream = venue_stream(
            Venue::Polymarket,
            hot_only(tokens),
            feed_rx(Venue::Polymarket, &mut adds),
        );
        tasks.extend(shards::start_venue(stream, &core.reducer, &in_tx, spawn));
    }
    // Markets that come to be in a tradable pair (a listing completes it, or a mapping
    // reload adds it) are streamed.
    let (ruled_tx, ruled_rx) = tokio::sync::mpsc::unbounded_channel();
    // Markets found closed are watched no more.
    let (closed_tx, closed_rx) = tokio::sync::mpsc::unbounded_channel();
    if let (Some(tiered), Some(caps)) = (tiered, caps) {
        tasks.push(tokio::spawn(
            tiers::Tiers {
                poll: Duration::from_secs_f64(opts.config.universe.warm_poll_s),
                hot_idle: Duration::from_secs_f64(opts.config.universe.hot_idle_s),
                hot_max: opts.config.universe.hot_max,
                warm_max: caps.warm_max,
                warm: tiered.warm,
                cold: tiered.cold,
                feeds: tier_feeds,
                control: in_tx.clone(),
                listed: tier_listings,
                ruled: Some(ruled_rx),
                closed: Some(closed_rx),
                streamed: tiered.streamed,
                ruled_early: Default::default(),
                shards: shard_maps.clone(),
                capacity: capacity::Capacity::new(
                    opts.config.universe.hot_max,
                    opts.config.universe.core_busy_max,
                ),
                load: core_load.clone(),
                stats: feed_stats.clone(),
            }
            .run(tier_reader::Reader {
                // Warm reads are background reads: the engine's go first.
                kalshi: kalshi_rest
                    .as_ref()
                    .map(|rest| (rest.background(), ingress_ctx(Venue::Kalshi))),
                polymarket: poly_rest
                    .as_ref()
                    .map(|rest| (rest.background(), ingress_ctx(Venue::Polymarket))),
                pace: caps.pace,
            }),
        ));
    }
    let ruled_tx = tiers_on.then_some(ruled_tx);
    let closed_tx = tiers_on.then_some(closed_tx);
    tasks.push(tokio::spawn(periodic::report_circuits(
        kalshi_rest.as_ref().map(|k| k.governor().clone()),
        poly_rest.as_ref().map(|p| p.governor().clone()),
        in_tx.clone(),
    )));
    // Each refresh's resolution texts, for the pairs verified against them.
    let (listed_rules_tx, listed_rules_rx) = match (refresh, mapping_digest) {
        (true, Some(_)) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        }
        _ => (None, None),
    };
    if let (Some(path), Some(digest)) = (opts.config.pairs.clone(), mapping_digest) {
        tasks.push(tokio::spawn(
            mapping_watch::MappingWatch {
                path,
                resolver,
                digest,
                every: Duration::from_secs_f64(opts.config.mapping_watch_s),
                tx: in_tx.clone(),
                adds: adds(),
                ruled: ruled_tx,
                listed_rules: listed_rules_rx,
            }
            .run(),
        ));
    }
    if watch_markets {
        tasks.push(tokio::spawn(
            market_status::MarketWatch {
                wake: lifecycle_rx,
                reader: market_status::StatusReader {
                    kalshi: kalshi_rest.clone(),
                    polymarket: poly_rest.clone(),
                    interner: interner.clone(),
                },
                every: Duration::from_secs_f64(opts.config.market_status_s),
                tx: in_tx.clone(),
                adds: adds(),
                polymarket_per_look: market_status::MIN_CONDITIONS_PER_LOOK.max(
                    (opts.config.market_status_reads_per_s * opts.config.market_status_s).ceil()
                        as usize,
                ),
                closed_to: closed_tx,
            }
            .run(),
        ));
    }
    let events = Arc::new(std::sync::atomic::AtomicU64::new(
        core.reducer.stats().events,
    ));
    let reconcile_prompt = Arc::new(tokio::sync::Notify::new());
    if opts.config.reconcile_s > 0.0 {
        // Positions and cash are compared with the venues' (each difference journaled);
        // the venue's cash is adopted only through that comparison.
        let polymarket =
            poly_data.and_then(|(data, wallet)| poly_rest.clone().map(|clob| (clob, data, wallet)));
        tasks.push(tokio::spawn(
            reconciler::Reconciler {
                kalshi: kalshi_rest.clone(),
                polymarket,
                interner: interner.clone(),
                adds: adds(),
                events: events.clone(),
                every: Duration::from_secs_f64(opts.config.reconcile_s),
                prompt: reconcile_prompt.clone(),
                tx: in_tx.clone(),
            }
            .run(),
        ));
    } else {
        tasks.push(tokio::spawn(periodic::refresh_balances(
            kalshi_rest.clone(),
            poly_rest.clone(),
            Duration::from_secs_f64(opts.config.balance_refresh_s),
            in_tx.clone(),
        )));
    }
    // Orders a recovered journal left resting at a venue are followed from the start.
    let resting: Vec<_> = core
        .reducer
        .orders()
        .open
        .values()
        .filter(|o| o.order.tif != crate::event::TimeInForce::ImmediateOrCancel)
        .cloned()
        .collect();
    let ready_on = ready_tiered.unwrap_or_else(|| routes.keys().copied().collect());
    let ready = self::core::Readiness::new(ready_on, started);
    let probe = (opts.config.coverage_probe_s > 0.0).then(|| {
        probes::CoverageProbe::new(
            Duration::from_secs_f64(opts.config.coverage_probe_s),
            opts.config.coverage_floor,
            ctx_parts.probes.clone(),
        )
    });
    let executor = Executor {
        routes: std::sync::RwLock::new(routes),
        adds: adds(),
        placed,
        tx: in_tx.clone(),
        latency: latency.clone(),
        poll: Duration::from_millis(opts.config.order_poll_ms),
        settle: Duration::from_secs_f64(opts.config.unknown_settle_s),
    };
    for (cause_ts, decision) in core.held_orders.take().unwrap_or_default() {
        let _ = out_tx.send(self::core::Outbound { decision, cause_ts });
    }
    tasks.push(tokio::spawn(executor.run(resting, out_rx)));
    if refresh {
        tasks.push(tokio::spawn(
            universe_watch::UniverseWatch {
                listings,
                every: Duration::from_secs_f64(opts.config.universe.refresh_s),
                interner: interner.clone(),
                tx: in_tx.clone(),
                fanout,
                gone: watch_markets.then(|| lifecycle_tx.clone()),
                listed_rules: listed_rules_tx,
                file: opts.journal.join("universe.json"),
                mapping: opts.config.pairs.clone(),
            }
            .run(),
        ));
    }

    let rest_ms = u64::from(engine.resting.second_leg_rest_ms);
    let core_stop = stop.clone();
    let core_journal = opts.journal.clone();
    let [(_, kalshi_rx), (_, poly_rx)] = market_queues;
    let inbox = queue::Inbox::new(control_rx, vec![kalshi_rx, poly_rx]);
    let snapshots = restart::Snapshotter::new(
        &opts.journal,
        opts.config.snapshot_every_events,
        core.reducer.stats().events,
        Some(opts.config.journal.retention(&opts.journal)),
    );
    let core_thread = std::thread::Builder::new()
        .name("arb-core".into())
        .spawn(move || {
            self::core::run(
                core,
                inbox,
                out_tx,
                core_stop,
                CoreSettings {
                    tick: Duration::from_secs(1),
                    journal: core_journal,
                    // A resting second leg may still be working: give it its time.
                    grace: Duration::from_secs(3) + Duration::from_millis(rest_ms),
                    snapshots,
                    events,
                    reconcile_prompt,
                    status: engine_status,
                    ready,
                    probe,
                    busy: capacity::BusyMeter::new(core_load, Duration::from_secs(1)),
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
    for t in tasks {
        t.abort();
    }
    // The last status, marked stopped.
    status_done.notify_one();
    let _ = tokio::time::timeout(Duration::from_secs(2), status_task).await;
    if let Some(sim) = sim {
        sim.stop().await;
    }
    let summary = LiveSummary::of(
        &core,
        opts.journal.clone(),
        venue_name,
        &latency,
        recovered,
        &feed_stats,
    );
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
/// The journal directory a default run writes: `runs/live-N`.
pub fn default_journal() -> PathBuf {
    let base = Path::new("runs");
    (1..)
        .map(|n| base.join(format!("live-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| base.join("live"))
}
