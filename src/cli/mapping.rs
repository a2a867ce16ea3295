//! `arb mapping candidates`, `verify`, `comove`: building and checking the cross-venue
//! mapping file.

use anyhow::Result;
use arb::mapping::{candidates::Options, tool};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(super) enum MappingCommand {
    /// Candidate pairs by text similarity from venue listings (Kalshi GET /events JSON,
    /// Polymarket Gamma events JSON) as CSV.
    Candidates {
        /// A Kalshi `GET /events` page (with nested markets).
        #[arg(long, requires = "polymarket", conflicts_with = "universe")]
        kalshi: Option<PathBuf>,
        /// Polymarket Gamma events or markets.
        #[arg(long, requires = "kalshi", conflicts_with = "universe")]
        polymarket: Option<PathBuf>,
        /// Both venues from a universe file (`arb universe --out`).
        #[arg(long, required_unless_present = "kalshi")]
        universe: Option<PathBuf>,
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
        /// Also ask an LLM (the `[llm]` section of this TOML file) about every pair the
        /// rules did not call different; it can only lower a verdict. Records each
        /// exchange in OUT.llm.jsonl.
        #[arg(long, value_name = "CONFIG")]
        llm: Option<PathBuf>,
    },
    /// Evidence, never proof: how each pair's two YES mids moved together over a
    /// recorded journal (samples, correlation of changes, mean gap). Leaves verdicts as
    /// they are.
    Comove {
        #[arg(long)]
        journal: PathBuf,
        /// A candidate or verified CSV (kalshi_ticker, polymarket_id, polymarket_token).
        #[arg(long)]
        pairs: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Fewer samples than this: no correlation or gap reported.
        #[arg(long, default_value_t = 30)]
        min_samples: u64,
        /// Sampling grid step, milliseconds of event time.
        #[arg(long, default_value_t = 1000)]
        step_ms: u64,
    },
}

pub(super) fn run(cmd: MappingCommand) -> Result<i32> {
    let summary = match cmd {
        MappingCommand::Candidates {
            kalshi,
            polymarket,
            universe,
            out,
            top,
            min_score,
        } => {
            let o = Options {
                top,
                min_score,
                ..Options::default()
            };
            let from = match (&universe, &kalshi, &polymarket) {
                (Some(u), _, _) => tool::Sources::Universe(u),
                (None, Some(kalshi), Some(polymarket)) => {
                    tool::Sources::Pages { kalshi, polymarket }
                }
                _ => anyhow::bail!("give --universe, or both --kalshi and --polymarket"),
            };
            tool::run_candidates(from, &out, &o)?
        }
        MappingCommand::Verify {
            pairs,
            out,
            to_pairs,
            llm,
        } => tool::run_verify(&pairs, &out, to_pairs.as_deref(), llm.as_deref())?,
        MappingCommand::Comove {
            journal,
            pairs,
            out,
            min_samples,
            step_ms,
        } => {
            let o = arb::mapping::comove::Options {
                step_ns: i64::try_from(step_ms)
                    .ok()
                    .and_then(|ms| ms.checked_mul(1_000_000))
                    .filter(|&ns| ns > 0)
                    .ok_or_else(|| anyhow::anyhow!("--step-ms {step_ms}: out of range"))?,
                min_samples,
            };
            arb::mapping::comove::run_comove(&journal, &pairs, &out, &o)?
        }
    };
    println!("{summary}");
    Ok(0)
}
