//! Command-line parsing (clap) and dispatch. Parsing what the user typed is kept apart
//! from running it; errors reach the user through `anyhow` only here.
//!
//! Exit codes: 0 success; 1 an error (bad input, config, journal, I/O); 2 usage error;
//! 3 `replay` found decisions that differ from the journal.

use anyhow::Result;
use arb::core::Venue;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

mod journal;
mod mapping;
mod operate;
mod paper;
mod research;

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
enum JournalAction {
    /// Remove the sealed segments before the journal's newest base snapshot (the
    /// state at a segment boundary), keeping --keep-segments more: gzip them into the
    /// archive directory, or delete them.
    Archive {
        journal: PathBuf,
        /// archive or delete.
        #[arg(long, default_value = "archive")]
        policy: String,
        /// Sealed segments kept before the newest base snapshot's segment.
        #[arg(long, default_value_t = 1)]
        keep_segments: u32,
        /// Where archived segments go (default: JOURNAL/archive).
        #[arg(long)]
        archive_dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
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
        /// markets of each event marked mutually_exclusive form a bucket ladder, and
        /// their strike fields relate markets of one event as trees and parity families.
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
        /// Serve event time `speed` times faster than the wall clock from this wall time
        /// (ms since the epoch): an `arb live` with `[clock] speed` and `origin_ms` set
        /// to the same values shares its event time (timestamps, close times, expiries).
        #[arg(long)]
        clock_origin_ms: Option<i64>,
        /// Write the scenario's cross-venue pairs as a mapping file here (for `arb
        /// live`'s `pairs`), then serve.
        #[arg(long)]
        pairs_out: Option<PathBuf>,
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
    /// List every open market of each venue from the venues' own paginated endpoints
    /// (Kalshi `/markets?status=open`, Polymarket CLOB `/markets`) into a universe file.
    Universe {
        /// Live configuration (TOML): the venues to list. Default: the embedded simulator.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The universe file to write (JSON).
        #[arg(long, default_value = "universe.json")]
        out: PathBuf,
        /// Markets per Kalshi page (1 to 1000).
        #[arg(long, default_value_t = 1000)]
        page_size: u32,
        #[arg(long)]
        allow_real_venues: bool,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
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
    /// Cross-venue mapping tools: candidate pairs from listings, verification (rules, then
    /// optionally an LLM), co-movement over a recorded journal.
    Mapping {
        #[command(subcommand)]
        cmd: mapping::MappingCommand,
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
    /// Journal housekeeping: `arb journal archive DIR` applies a retention policy by
    /// hand to a stopped journal (docs/runbook.md, "Journal retention").
    Journal {
        #[command(subcommand)]
        action: JournalAction,
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

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        c @ (Command::Paper { .. } | Command::Import { .. }) => paper::run(c),
        Command::Mapping { cmd } => mapping::run(cmd),
        c @ (Command::Diff { .. }
        | Command::Montecarlo { .. }
        | Command::Bundle { .. }
        | Command::Replay { .. }
        | Command::Export { .. }
        | Command::Report { .. }
        | Command::Inspect { .. }) => research::run(c),
        Command::Journal { action } => journal::run(action),
        c @ (Command::Live { .. }
        | Command::Sim { .. }
        | Command::Record { .. }
        | Command::Preflight { .. }
        | Command::Universe { .. }
        | Command::Halt { .. }
        | Command::Resume { .. }
        | Command::Lane { .. }
        | Command::Ack { .. }
        | Command::Orders { .. }) => operate::run(c),
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
