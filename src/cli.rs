//! Command-line parsing (clap) and dispatch. Parsing what the user typed is kept apart
//! from running it; errors reach the user through `anyhow` only here.
//!
//! Exit codes: 0 success; 1 an error (bad input, config, journal, I/O); 2 usage error;
//! 3 `replay` found decisions that differ from the journal.

use anyhow::{Context, Result};
use arb::config::Profile;
use arb::core::{Money, Venue};
use arb::journal::{Journal, JournalWriter, SyncMode, WriterOptions};
use arb::run::control::{self, Switch};
use arb::run::{inspect, live, montecarlo, paper, replay};
use arb::sim::Scenario;
use arb::sim::stochastic::ModelParams;
use arb::venues::{MarketInterner, import};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// The scenario `arb paper` runs when given none.
const DEFAULT_SCENARIO: &str = include_str!("../scenarios/arb-rich.toml");

#[derive(Parser)]
#[command(
    name = "arb",
    version,
    about = "Event-sourced arbitrage engine for prediction markets"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the lanes against the simulated venue: a scenario (default: the embedded
    /// arb-rich scenario) or a recorded journal's market data.
    Paper {
        /// Scenario file (scenarios/*.toml).
        #[arg(long, conflicts_with = "from_journal")]
        scenario: Option<PathBuf>,
        /// Run over the market data of this journal instead of a scenario.
        #[arg(long)]
        from_journal: Option<PathBuf>,
        /// Journal directory to write (must not hold a journal). Default: a new
        /// directory under runs/.
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Engine profile (TOML). Default: built-in defaults.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Cross-venue mapping file, for --from-journal.
        #[arg(long, requires = "from_journal")]
        pairs: Option<PathBuf>,
        /// Kalshi GET /events (or /events/{ticker}) answer, for --from-journal: the
        /// markets of each event marked mutually_exclusive form a bucket ladder.
        #[arg(long, requires = "from_journal")]
        kalshi_events: Option<PathBuf>,
        /// Polymarket Gamma events (a JSON array, or {"events": [...]}), for
        /// --from-journal: the YES tokens of each `negRisk` event form a bucket ladder.
        #[arg(long, requires = "from_journal")]
        polymarket_events: Option<PathBuf>,
        /// Starting cash per venue for --from-journal, in dollars.
        #[arg(long, default_value = "1000")]
        cash: String,
        /// fdatasync intents as a live run does (paper orders never leave the process,
        /// so by default the journal is written through the OS cache only).
        #[arg(long)]
        fsync: bool,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Turn recorded venue WebSocket frames (JSON Lines: the bare message, or
    /// {"recv_ms": ms, "frame": message}) into a journal of market-data events.
    Import {
        /// kalshi or polymarket.
        #[arg(long)]
        venue: Venue,
        /// The recording (JSON Lines).
        file: PathBuf,
        /// Journal directory to write.
        #[arg(long)]
        journal: PathBuf,
        /// Continue an existing journal (market ids carry on) instead of refusing it.
        #[arg(long)]
        append: bool,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Trade live: venue adapters -> journal -> reducer -> executor. With no venue
    /// configured, against the embedded loopback simulator.
    Live {
        /// Live configuration (TOML). Default: the embedded simulator and scenario.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Journal directory to write (must not hold a journal). Default: runs/live-N.
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Stop after this many seconds (otherwise on SIGINT/SIGTERM).
        #[arg(long)]
        duration: Option<f64>,
        /// Permit non-loopback venue endpoints: real venues, real money.
        #[arg(long)]
        allow_real_venues: bool,
        #[arg(long)]
        json: bool,
    },
    /// Serve the Kalshi-compatible simulator on loopback, driven by a scenario.
    Sim {
        /// Scenario file. Default: the embedded arb-rich scenario.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Event-time speed-up of the scenario's book process.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Stop after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
    },
    /// Record raw venue WebSocket frames as JSON Lines for `arb import`.
    Record {
        /// kalshi or polymarket.
        #[arg(long)]
        venue: Venue,
        /// Live configuration naming the venue's URL, credentials and markets.
        #[arg(long)]
        config: PathBuf,
        /// Output file (must not exist).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        duration: Option<f64>,
        #[arg(long)]
        allow_real_venues: bool,
    },
    /// Check that `arb live` could start: configuration, credentials, each venue
    /// reachable, streams delivering books, a dry run of the reducer. Exit 1 if not.
    Preflight {
        /// Live configuration (TOML). Default: the embedded simulator.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        allow_real_venues: bool,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Halt new orders of a running `arb live` (the kill switch; journaled), or only
    /// those with a leg on one venue.
    Halt {
        #[arg(long)]
        journal: PathBuf,
        #[arg(long, default_value = "operator halt")]
        reason: String,
        /// Halt this venue only (kalshi or polymarket).
        #[arg(long)]
        venue: Option<Venue>,
    },
    /// Release the kill switch `arb halt` engaged (or one venue's halt).
    Resume {
        #[arg(long)]
        journal: PathBuf,
        #[arg(long)]
        venue: Option<Venue>,
    },
    /// Switch a lane of a running `arb live` off or on (journaled).
    Lane {
        /// intra_venue or cross_venue.
        lane: String,
        #[arg(long)]
        journal: PathBuf,
        /// Switch it off (the default is to switch it back on).
        #[arg(long)]
        disable: bool,
    },
    /// Acknowledge unhedged exposure so that a running `arb live` leaves safe mode.
    Ack {
        #[arg(long)]
        journal: PathBuf,
        /// What the operator did about it (journaled).
        #[arg(long)]
        note: String,
    },
    /// Open orders, positions, unhedged exposure and mode, from a journal.
    Orders {
        journal: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Two profiles over the same recorded market data (paper execution), side by side,
    /// and the first decisions where they differ.
    Diff {
        /// Exactly two: --profile A.toml --profile B.toml.
        #[arg(long = "profile", required = true, num_args = 1)]
        profiles: Vec<PathBuf>,
        journal: PathBuf,
        /// Cross-venue mapping file for the recorded markets.
        #[arg(long)]
        pairs: Option<PathBuf>,
        /// Starting cash per venue, dollars.
        #[arg(long, default_value = "1000")]
        cash: String,
        /// How many differing decisions to list.
        #[arg(long, default_value_t = 10)]
        first: usize,
        /// Also run both profiles through this many Monte Carlo paths (same seeds).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        paths: Option<u64>,
        /// Seed of the Monte Carlo paths (with --paths).
        #[arg(long, default_value_t = 1, requires = "paths")]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Re-run the reducer over a journal's market data with a stochastic venue, once
    /// per seeded path (in parallel), and report the distribution of PnL.
    Montecarlo {
        journal: PathBuf,
        /// Number of paths.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
        paths: u64,
        /// Seed: the same seed gives the same numbers.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Engine profile (TOML); its [montecarlo] section sets the venue model.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Cross-venue mapping file for the recorded markets.
        #[arg(long)]
        pairs: Option<PathBuf>,
        /// Starting cash per venue, dollars.
        #[arg(long, default_value = "1000")]
        cash: String,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Write a plot (histogram of path PnL, equity curves of 5 paths) as SVG.
        #[arg(long)]
        plot: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Cross-venue mapping tools: candidate pairs from listings, rule-based verification.
    Mapping {
        #[command(subcommand)]
        cmd: MappingCommand,
    },
    /// Write one file with everything needed to reproduce a window of a journal: the
    /// slice, the state it starts from, the config (secrets redacted), build info, a
    /// summary of decisions and orders, and the window's log lines.
    Bundle {
        journal: PathBuf,
        /// The bundle file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Window start: a journal seq (digits) or an RFC 3339 time. Default: the start.
        #[arg(long)]
        from: Option<String>,
        /// Window end (inclusive), a seq or an RFC 3339 time. Default: the end.
        #[arg(long)]
        to: Option<String>,
        /// Include this config file (TOML or .json) instead of <journal>/config.jsonl.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Replay a journal (or a bundle) through a reducer and compare every decision.
    Replay {
        /// A journal directory, or a bundle file from `arb bundle`.
        journal: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Write a journal as Hive-partitioned Parquet tables (market_data, decisions,
    /// orders, fills, pnl) under DIR: docs/export.md.
    Export {
        journal: PathBuf,
        /// Output directory (new or empty).
        #[arg(long, value_name = "DIR")]
        parquet: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The run's KPIs: opportunities per lane, conversion, fill rates and quality,
    /// skip reasons, order latencies, mode changes and halts.
    Report {
        journal: PathBuf,
        /// Also write a self-contained HTML report with plots.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Print a journal's records as JSON Lines, or the final books.
    Inspect {
        journal: PathBuf,
        /// Print the final book of every market as one JSON object.
        #[arg(long)]
        books: bool,
        /// With --books: JSON output (the only format today).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum MappingCommand {
    /// Candidate pairs by text similarity from venue listings (Kalshi GET /events JSON,
    /// Polymarket Gamma events JSON) as CSV.
    Candidates {
        #[arg(long)]
        kalshi: PathBuf,
        #[arg(long)]
        polymarket: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Candidates kept per Kalshi listing.
        #[arg(long, default_value_t = 3)]
        top: usize,
        /// Similarity floor (0..1).
        #[arg(long, default_value_t = 0.15)]
        min_score: f64,
    },
    /// Decide for each candidate row whether both sides ask the same question: adds
    /// verdict (same/different/uncertain), confidence and reason.
    Verify {
        #[arg(long)]
        pairs: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Also write a version 2 pairs file (only `same` pairs are traded).
        #[arg(long)]
        to_pairs: Option<PathBuf>,
    },
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Paper {
            scenario,
            from_journal,
            journal,
            profile,
            pairs,
            kalshi_events,
            polymarket_events,
            cash,
            fsync,
            json,
        } => {
            let config = match &profile {
                Some(p) => Profile::load(p)?,
                None => Profile::default(),
            };
            let sync = if fsync {
                SyncMode::Fsync
            } else {
                SyncMode::OsBuffered
            };
            let summary = if let Some(src) = from_journal {
                let specs = match &pairs {
                    Some(p) => arb::mapping::load(p)?,
                    None => Vec::new(),
                };
                let dollars =
                    Money::from_decimal(&cash).with_context(|| format!("--cash {cash:?}"))?;
                let out = journal.unwrap_or_else(|| fresh_run_dir("from-journal"));
                let groups = paper::GroupInputs {
                    kalshi_events: match &kalshi_events {
                        Some(p) => arb::mapping::groups::load_kalshi_events(p)?,
                        None => Vec::new(),
                    },
                    specs: match &polymarket_events {
                        Some(p) => arb::mapping::negrisk::load_polymarket_events(p)?,
                        None => Vec::new(),
                    },
                };
                paper::run_from_journal_grouped(
                    &src,
                    &config,
                    specs,
                    groups,
                    [dollars, dollars],
                    &out,
                    sync,
                )?
            } else {
                let scn = match &scenario {
                    Some(p) => Scenario::load(p)?,
                    None => Scenario::parse(DEFAULT_SCENARIO, "embedded arb-rich.toml")?,
                };
                let out = journal.unwrap_or_else(|| fresh_run_dir(&scn.name));
                let summary = paper::run_scenario(&scn, &config, &out, sync)?;
                let source = scenario.as_ref().map(|p| p.display().to_string());
                let effective = serde_json::json!({
                    "scenario": source.unwrap_or_else(|| "embedded arb-rich.toml".into()),
                    "profile_file": profile.as_ref().map(|p| p.display().to_string()),
                    "profile": &config,
                });
                arb::bundle::config::record(&out, "paper", None, effective)
                    .with_context(|| format!("writing {}", out.display()))?;
                summary
            };
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            } else {
                print_paper(&summary);
            }
            Ok(0)
        }
        Command::Import {
            venue,
            file,
            journal,
            append,
            json,
        } => {
            let opts = WriterOptions {
                sync: SyncMode::Fsync,
                ..WriterOptions::default()
            };
            let (mut writer, mut interner) = if append {
                let interner = match Journal::open(&journal) {
                    Ok(j) => MarketInterner::from_journal(&j)?,
                    Err(_) => MarketInterner::new(),
                };
                (JournalWriter::open(&journal, opts)?, interner)
            } else {
                (
                    JournalWriter::create(&journal, opts)?,
                    MarketInterner::new(),
                )
            };
            let summary = import::import_file(venue, &file, &mut writer, &mut interner)?;
            writer.finish()?;
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            } else {
                println!(
                    "imported {} ({} lines, {} messages) -> {}: {} events, {} markets, {} skipped",
                    file.display(),
                    summary.lines,
                    summary.messages,
                    journal.display(),
                    summary.events_written,
                    summary.markets_defined,
                    summary.skipped
                );
                for (reason, n) in &summary.skips {
                    println!("  skipped {n} x {reason}");
                }
                for (warning, n) in &summary.warnings {
                    println!("  warning {n} x {warning}");
                }
                for e in &summary.errors {
                    println!("  {e}");
                }
            }
            Ok(0)
        }
        Command::Live {
            config,
            journal,
            duration,
            allow_real_venues,
            json,
        } => {
            let config = match &config {
                Some(p) => live::LiveConfig::load(p)?,
                None => live::LiveConfig::default(),
            };
            let duration = duration.map(secs).transpose()?;
            let journal = journal.unwrap_or_else(live::default_journal);
            let s = live::run(live::LiveOptions {
                config,
                journal,
                duration,
                allow_real_venues,
                log_file: true,
            })?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("live run against {} -> {}", s.venue, s.journal.display());
                println!(
                    "  events {}, decisions {}, opportunities {}, intents {}, open orders at stop {}",
                    s.events, s.decisions, s.opportunities, s.intents, s.open_orders
                );
                if let (Some(p50), Some(p99)) = (s.tick_to_order_us_p50, s.tick_to_order_us_p99) {
                    println!("  tick-to-order p50 {p50:.0} µs, p99 {p99:.0} µs");
                }
                println!("  state hash {}", s.state_hash);
                println!("replay it: arb replay {}", s.journal.display());
            }
            Ok(0)
        }
        Command::Sim {
            scenario,
            listen,
            speed,
            duration,
        } => {
            let duration = duration.map(secs).transpose()?;
            arb::sim::server::serve_standalone(scenario.as_deref(), listen, speed, duration)
                .map_err(anyhow::Error::msg)?;
            Ok(0)
        }
        Command::Record {
            venue,
            config,
            out,
            duration,
            allow_real_venues,
        } => {
            let config = live::LiveConfig::load(&config)?;
            let duration = duration.map(secs).transpose()?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let frames = runtime.block_on(arb::run::record::record(
                venue,
                &config,
                &out,
                duration,
                allow_real_venues,
            ))?;
            println!(
                "recorded {frames} frames -> {} (arb import --venue {venue} {} --journal DIR)",
                out.display(),
                out.display()
            );
            Ok(0)
        }
        Command::Preflight {
            config,
            allow_real_venues,
            json,
        } => {
            let cfg = match &config {
                Some(p) => live::LiveConfig::load(p)?,
                None => live::LiveConfig::default(),
            };
            let report = live::preflight(&cfg, allow_real_venues)?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                for line in report.lines() {
                    println!("{line}");
                }
            }
            Ok(if report.passed() { 0 } else { 1 })
        }
        Command::Halt {
            journal,
            reason,
            venue,
        } => {
            let switch = venue.map_or(Switch::Halt, Switch::VenueHalt);
            control::set(&journal, switch, &reason)
                .with_context(|| format!("writing {}", control::dir(&journal).display()))?;
            let what = venue.map_or("new orders".to_string(), |v| format!("new orders on {v}"));
            println!(
                "halt requested: a running arb live on {} stops {what} within 200 ms",
                journal.display()
            );
            Ok(0)
        }
        Command::Resume { journal, venue } => {
            let switch = venue.map_or(Switch::Halt, Switch::VenueHalt);
            control::clear(&journal, switch)
                .with_context(|| format!("writing {}", control::dir(&journal).display()))?;
            println!("resume requested for {}", journal.display());
            Ok(0)
        }
        Command::Lane {
            lane,
            journal,
            disable,
        } => {
            let Some(l) = arb::event::Lane::ALL.into_iter().find(|l| l.name() == lane) else {
                anyhow::bail!("{lane:?} is not a lane (intra_venue, cross_venue)");
            };
            let switch = Switch::LaneOff(l);
            if disable {
                control::set(&journal, switch, "operator")
            } else {
                control::clear(&journal, switch)
            }
            .with_context(|| format!("writing {}", control::dir(&journal).display()))?;
            let state = if disable { "off" } else { "on" };
            println!("lane {lane} switched {state} for {}", journal.display());
            Ok(0)
        }
        Command::Ack { journal, note } => {
            let stamp = arb::clock::wall_ns();
            arb::run::control::ack(&journal, &note, stamp).with_context(|| {
                format!("writing {}", arb::run::control::dir(&journal).display())
            })?;
            println!("acknowledgement left for {}", journal.display());
            Ok(0)
        }
        Command::Orders { journal, json } => {
            let v = arb::run::orders::view(&journal)?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else {
                println!("mode: {}", v.mode);
                for (venue, cash) in &v.cash {
                    println!("free cash {venue}: ${cash}");
                }
                println!("open orders: {}", v.open_orders.len());
                for o in &v.open_orders {
                    println!(
                        "  {} {} {} {} {} @ {} filled {} ({})",
                        o.client_order_id,
                        o.venue,
                        o.market,
                        o.outcome,
                        o.qty,
                        o.price,
                        o.filled,
                        o.venue_order_id.as_deref().unwrap_or("not acked")
                    );
                }
                println!("positions: {}", v.positions.len());
                for p in &v.positions {
                    println!(
                        "  {} {} {} {} (cost ${})",
                        p.venue, p.market, p.outcome, p.qty, p.cost
                    );
                }
                for e in &v.exposure {
                    println!(
                        "  opportunity {}: exposed {} contracts, {} legs open",
                        e.opportunity, e.exposed, e.legs_open
                    );
                }
            }
            Ok(0)
        }
        Command::Diff {
            profiles,
            journal,
            pairs,
            cash,
            first,
            paths,
            seed,
            json,
        } => {
            let [pa, pb] = profiles.as_slice() else {
                anyhow::bail!(
                    "arb diff takes exactly two --profile files, got {}",
                    profiles.len()
                );
            };
            let specs = match &pairs {
                Some(p) => arb::mapping::load(p)?,
                None => Vec::new(),
            };
            let dollars = Money::from_decimal(&cash).with_context(|| format!("--cash {cash:?}"))?;
            let (profile_a, profile_b) = (Profile::load(pa)?, Profile::load(pb)?);
            let mut report = arb::run::diff::diff(
                &journal,
                (pa, profile_a.clone()),
                (pb, profile_b.clone()),
                specs.clone(),
                [dollars, dollars],
                first,
            )?;
            if let Some(paths) = paths {
                let (ma, mb) = (model(Some(pa))?, model(Some(pb))?);
                report.montecarlo = Some(arb::run::diff::diff_montecarlo(
                    &journal,
                    (&profile_a, &ma),
                    (&profile_b, &mb),
                    specs,
                    [dollars, dollars],
                    mc_options(paths, seed, 0, json),
                )?);
            }
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{:<34} {:>14} {:>14}", "", pa.display(), pb.display());
                let (a, b) = (&report.a.summary, &report.b.summary);
                let row = |name: &str, x: String, y: String| println!("{name:<34} {x:>14} {y:>14}");
                row(
                    "opportunities, intra-venue",
                    a.opportunities.intra_venue.to_string(),
                    b.opportunities.intra_venue.to_string(),
                );
                row(
                    "opportunities, cross-venue",
                    a.opportunities.cross_venue.to_string(),
                    b.opportunities.cross_venue.to_string(),
                );
                row("intents", a.intents.to_string(), b.intents.to_string());
                row("orders", a.orders.to_string(), b.orders.to_string());
                row("fills", a.fills.to_string(), b.fills.to_string());
                row(
                    "contracts filled",
                    a.filled_contracts.clone(),
                    b.filled_contracts.clone(),
                );
                row("fees $", a.fees.clone(), b.fees.clone());
                row(
                    "expected profit of intents $",
                    a.expected_profit.clone(),
                    b.expected_profit.clone(),
                );
                row(
                    "mode at end",
                    format!("{:?}", a.mode),
                    format!("{:?}", b.mode),
                );
                println!(
                    "source records after which they decided differently: {}",
                    report.differing_records
                );
                for d in &report.first_differences {
                    println!("  at source seq {}:", d.source_seq);
                    println!("    A: {}", serde_json::to_string(&d.a)?);
                    println!("    B: {}", serde_json::to_string(&d.b)?);
                }
                if let Some(mc) = &report.montecarlo {
                    print_mc_diff(mc, &row);
                }
            }
            Ok(0)
        }
        Command::Montecarlo {
            journal,
            paths,
            seed,
            profile,
            pairs,
            cash,
            threads,
            plot,
            json,
        } => {
            let config = match &profile {
                Some(p) => Profile::load(p)?,
                None => Profile::default(),
            };
            let params = model(profile.as_deref())?;
            let specs = match &pairs {
                Some(p) => arb::mapping::load(p)?,
                None => Vec::new(),
            };
            let dollars = Money::from_decimal(&cash).with_context(|| format!("--cash {cash:?}"))?;
            let data = montecarlo::MarketData::load(&journal, specs)?;
            let mut opts = mc_options(paths, seed, threads, json);
            opts.curves = if plot.is_some() { 5 } else { 0 };
            let report = montecarlo::run(&data, &config, &params, [dollars, dollars], opts)?;
            if let Some(p) = &plot {
                montecarlo::plot::write(&report, p).map_err(anyhow::Error::msg)?;
            }
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                montecarlo::report::print(&report);
                if let Some(p) = &plot {
                    println!("  plot: {}", p.display());
                }
            }
            Ok(0)
        }
        Command::Bundle {
            journal,
            out,
            from,
            to,
            config,
            json,
        } => {
            let made = arb::bundle::make(&arb::bundle::MakeOptions {
                journal,
                out,
                from,
                to,
                config,
            })?;
            if json {
                println!("{}", serde_json::to_string(&made)?);
            } else {
                let m = &made.manifest;
                println!(
                    "bundle {} ({} bytes): seqs {}..{} ({} .. {}), {} events, {} decisions",
                    made.bundle.display(),
                    made.bytes,
                    m.first_seq,
                    m.last_seq,
                    m.first_time,
                    m.last_time,
                    m.events,
                    m.decisions
                );
                println!(
                    "  config from {}, {} values redacted; {} log lines",
                    made.config_source
                        .as_deref()
                        .unwrap_or("nowhere (none recorded)"),
                    made.redacted,
                    made.log_lines
                );
                println!("replay it: arb replay {}", made.bundle.display());
            }
            Ok(0)
        }
        Command::Replay { journal, json } => {
            let s = if journal.is_dir() {
                replay::replay(&journal)?.0
            } else {
                arb::bundle::replay_bundle(&journal)?
            };
            let end_differs = s.bundle.as_ref().is_some_and(|b| !b.end_state_matches);
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!(
                    "replayed {}: {} events, {} decisions",
                    s.journal.display(),
                    s.events,
                    s.decisions
                );
                if let (Some(off), Some(seg)) = (s.torn_tail, &s.torn_tail_segment) {
                    println!("torn tail cut off at byte {off} of {}", seg.display());
                }
                println!("state hash {}", s.state_hash);
                for m in &s.first_mismatches {
                    println!(
                        "MISMATCH at seq {}: recorded {} / computed {}",
                        m.seq,
                        m.recorded
                            .as_ref()
                            .map_or("nothing".into(), |v| v.to_string()),
                        m.computed
                            .as_ref()
                            .map_or("nothing".into(), |v| v.to_string())
                    );
                }
                if let Some(b) = &s.bundle {
                    println!(
                        "bundle window seqs {}..{}: end state {} the source journal's ({})",
                        b.first_seq,
                        b.last_seq,
                        if b.end_state_matches {
                            "matches"
                        } else {
                            "DIFFERS from"
                        },
                        b.expected_end_state_hash
                    );
                }
                println!("{} mismatches", s.mismatches);
            }
            Ok(if s.mismatches > 0 || end_differs {
                3
            } else {
                0
            })
        }
        Command::Mapping { cmd } => {
            use arb::mapping::{candidates::Options, tool};
            let summary = match cmd {
                MappingCommand::Candidates {
                    kalshi,
                    polymarket,
                    out,
                    top,
                    min_score,
                } => {
                    let o = Options {
                        top,
                        min_score,
                        ..Options::default()
                    };
                    tool::run_candidates(&kalshi, &polymarket, &out, &o)?
                }
                MappingCommand::Verify {
                    pairs,
                    out,
                    to_pairs,
                } => tool::run_verify(&pairs, &out, to_pairs.as_deref())?,
            };
            println!("{summary}");
            Ok(0)
        }
        Command::Export {
            journal,
            parquet,
            json,
        } => {
            let s = arb::run::export::export(&journal, &parquet)?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("exported {} to {}", s.journal.display(), s.out.display());
                for t in &s.tables {
                    println!(
                        "  {:<12} {:>9} rows  {} files",
                        t.table,
                        t.rows,
                        t.files.len()
                    );
                }
                if let Some(off) = s.torn_tail {
                    println!("torn tail cut off at byte {off} of the last segment (not exported)");
                }
            }
            Ok(0)
        }
        Command::Report {
            journal,
            html,
            json,
        } => {
            let r = arb::run::report::report(&journal)?;
            if let Some(p) = &html {
                arb::run::report::html::write(&r, p)
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                arb::run::report::print(&r);
                if let Some(p) = &html {
                    println!("\n  html: {}", p.display());
                }
            }
            Ok(0)
        }
        Command::Inspect {
            journal,
            books,
            json: _,
        } => {
            if books {
                println!("{}", serde_json::to_string(&inspect::books(&journal)?)?);
            } else {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                if let Some(off) = inspect::records(&journal, &mut out)? {
                    eprintln!("torn tail cut off at byte {off} of the last segment");
                }
            }
            Ok(0)
        }
    }
}

/// The venue model of a profile's `[montecarlo]` section (defaults without a profile).
fn model(profile: Option<&Path>) -> Result<ModelParams> {
    match profile {
        Some(p) => ModelParams::load(p).map_err(anyhow::Error::msg),
        None => Ok(ModelParams::default()),
    }
}

/// Monte Carlo options; a progress line only for long runs on a terminal.
fn mc_options(paths: u64, seed: u64, threads: usize, json: bool) -> montecarlo::McOptions {
    use std::io::IsTerminal;
    montecarlo::McOptions {
        paths,
        seed,
        threads,
        curves: 0,
        progress: !json && paths >= 200 && std::io::stderr().is_terminal(),
    }
}

fn print_mc_diff(mc: &arb::run::diff::McDiff, row: &dyn Fn(&str, String, String)) {
    let (a, b) = (&mc.a, &mc.b);
    println!("monte carlo, {} paths from seed {}:", a.paths, a.seed);
    let f = |x: f64| format!("{x:.2}");
    let pct = |x: Option<f64>| x.map_or("n/a".into(), |x| format!("{:.1}%", x * 100.0));
    row("  mean PnL $", f(a.pnl.mean), f(b.pnl.mean));
    row("  median PnL $", f(a.pnl.median), f(b.pnl.median));
    row(
        "  p5 / worst PnL $",
        format!("{} / {}", f(a.pnl.p5), f(a.pnl.worst)),
        format!("{} / {}", f(b.pnl.p5), f(b.pnl.worst)),
    );
    row(
        "  probability of loss",
        pct(Some(a.prob_loss)),
        pct(Some(b.prob_loss)),
    );
    row(
        "  expected $ (intents)",
        f(a.expected_mean),
        f(b.expected_mean),
    );
    row(
        "  conversion realized/expected",
        pct(a.conversion),
        pct(b.conversion),
    );
    row(
        "  fill rate, first legs",
        pct(a.fill_rates.first_leg.rate),
        pct(b.fill_rates.first_leg.rate),
    );
    row(
        "  fill rate, second legs",
        pct(a.fill_rates.second_leg.rate),
        pct(b.fill_rates.second_leg.rate),
    );
    row(
        "  fill rate, hedges",
        pct(a.fill_rates.hedge.rate),
        pct(b.fill_rates.hedge.rate),
    );
    for (la, lb) in a.lanes.iter().zip(&b.lanes) {
        row(
            &format!("  {} realized $", la.lane),
            f(la.pnl_mean),
            f(lb.pnl_mean),
        );
        row(
            &format!("  {} conversion", la.lane),
            pct(la.conversion),
            pct(lb.conversion),
        );
    }
}

fn secs(s: f64) -> Result<std::time::Duration> {
    if !(s.is_finite() && s > 0.0) {
        anyhow::bail!("--duration {s}: must be a positive number of seconds");
    }
    Ok(std::time::Duration::from_secs_f64(s))
}

/// `runs/<name>-<n>` with the first n not taken.
fn fresh_run_dir(name: &str) -> PathBuf {
    let base = Path::new("runs");
    (1..)
        .map(|n| base.join(format!("{name}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| base.join(name))
}

fn print_paper(s: &paper::PaperSummary) {
    println!("paper run of {} -> {}", s.source, s.journal.display());
    println!("  events {}, decisions {}", s.events, s.decisions);
    println!(
        "  opportunities: intra-venue {}, cross-venue {}",
        s.opportunities.intra_venue, s.opportunities.cross_venue
    );
    println!(
        "  intents {}, orders {}, fills {} ({} contracts), fees ${}",
        s.intents, s.orders, s.fills, s.filled_contracts, s.fees
    );
    println!(
        "  expected profit of intents ${} (not realized: settlement is not simulated here)",
        s.expected_profit
    );
    println!(
        "  cash: kalshi ${}, polymarket ${}; open positions {}; mode {:?}",
        s.cash.kalshi, s.cash.polymarket, s.open_positions, s.mode
    );
    if s.rejected_inputs + s.unusable_books > 0 {
        println!(
            "  inputs rejected {}, updates on crossed/suspect books {}",
            s.rejected_inputs, s.unusable_books
        );
    }
    if s.unresolved_pairs > 0 {
        println!(
            "  {} mapped pairs never appeared in the journal",
            s.unresolved_pairs
        );
    }
    if s.groups + s.unresolved_groups > 0 {
        println!(
            "  groups {} ({} never appeared in the journal)",
            s.groups, s.unresolved_groups
        );
    }
    if !s.firewall.is_empty() {
        let by: Vec<String> = s.firewall.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("  firewall rejected book updates: {}", by.join(", "));
    }
    for l in s.lanes.iter().filter(|l| l.evaluations + l.rules > 0) {
        let skips: Vec<String> = l.skips.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "  lane {}: {} rules ({} fresh), {} evaluations, {} opportunities, skips: {}",
            l.lane,
            l.rules,
            l.fresh,
            l.evaluations,
            l.opportunities,
            if skips.is_empty() {
                "none".to_string()
            } else {
                skips.join(", ")
            }
        );
    }
    println!("  state hash {}", s.state_hash);
    println!("replay it: arb replay {}", s.journal.display());
}
