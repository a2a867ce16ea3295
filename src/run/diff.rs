//! `arb diff`: two configuration profiles over the same recorded market data (paper
//! execution), side by side — what each found, decided and filled — and the first
//! decisions where they part, named by the source record that led to them. With
//! `--paths`, also both through the same Monte Carlo paths: PnL, conversion, fill rates.

use super::montecarlo::{self, McReport};
use super::paper::{self, PaperSummary};
use crate::config::Profile;
use crate::core::Money;
use crate::journal::SyncMode;
use crate::mapping::PairSpec;
use crate::sim::stochastic::ModelParams;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize)]
pub struct ProfileRun {
    pub profile: PathBuf,
    pub summary: PaperSummary,
}

/// Decisions that differ after one source record.
#[derive(Debug, Serialize)]
pub struct Difference {
    /// Sequence number of the record in the source journal.
    pub source_seq: u64,
    pub a: Vec<serde_json::Value>,
    pub b: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct DiffReport {
    pub journal: PathBuf,
    pub a: ProfileRun,
    pub b: ProfileRun,
    /// Source records after which the two decided differently.
    pub differing_records: u64,
    pub first_differences: Vec<Difference>,
    /// With `--paths`: both profiles through the same Monte Carlo paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub montecarlo: Option<McDiff>,
}

/// Both profiles over the same Monte Carlo paths (same seeds: the same settlement of
/// every question on path k; the venue's draws follow each profile's own orders).
/// Each profile's `[montecarlo]` section sets its venue model.
#[derive(Debug, Serialize)]
pub struct McDiff {
    pub a: McReport,
    pub b: McReport,
}

/// Runs both profiles through `opts.paths` Monte Carlo paths of `journal`'s data.
pub fn diff_montecarlo(
    journal: &Path,
    a: (&Profile, &ModelParams),
    b: (&Profile, &ModelParams),
    pairs: Vec<PairSpec>,
    cash: [Money; 2],
    opts: montecarlo::McOptions,
) -> Result<McDiff, montecarlo::McError> {
    let data = montecarlo::MarketData::load(journal, pairs)?;
    Ok(McDiff {
        a: montecarlo::run(&data, a.0, a.1, cash, opts)?,
        b: montecarlo::run(&data, b.0, b.1, cash, opts)?,
    })
}

fn scratch_dir(tag: &str) -> PathBuf {
    let nanos = crate::clock::wall_ns();
    std::env::temp_dir().join(format!("arb-diff-{}-{nanos}-{tag}", std::process::id()))
}

/// Runs both profiles over `journal` and compares them. The runs' own journals are
/// written to a scratch directory and removed.
pub fn diff(
    journal: &Path,
    a: (&Path, Profile),
    b: (&Path, Profile),
    pairs: Vec<PairSpec>,
    cash: [Money; 2],
    first_n: usize,
) -> Result<DiffReport, paper::PaperError> {
    let run = |tag: &str, profile: &Profile| {
        let out = scratch_dir(tag);
        let r = paper::run_from_journal_traced(
            journal,
            profile,
            pairs.clone(),
            cash,
            &out,
            SyncMode::OsBuffered,
            true,
        );
        let _ = std::fs::remove_dir_all(&out);
        r
    };
    let (sa, ta) = run("a", &a.1)?;
    let (sb, tb) = run("b", &b.1)?;
    let by_record = |t: &paper::Trace| {
        let mut m: std::collections::BTreeMap<u64, Vec<serde_json::Value>> =
            std::collections::BTreeMap::new();
        for (seq, d) in t {
            m.entry(*seq)
                .or_default()
                .push(serde_json::to_value(d).unwrap_or_default());
        }
        m
    };
    let (ma, mb) = (by_record(&ta), by_record(&tb));
    let mut seqs: Vec<u64> = ma.keys().chain(mb.keys()).copied().collect();
    seqs.sort_unstable();
    seqs.dedup();
    let mut differing_records = 0;
    let mut first_differences = Vec::new();
    for seq in seqs {
        let (da, db) = (
            ma.get(&seq).cloned().unwrap_or_default(),
            mb.get(&seq).cloned().unwrap_or_default(),
        );
        if da != db {
            differing_records += 1;
            if first_differences.len() < first_n {
                first_differences.push(Difference {
                    source_seq: seq,
                    a: da,
                    b: db,
                });
            }
        }
    }
    Ok(DiffReport {
        journal: journal.to_path_buf(),
        a: ProfileRun {
            profile: a.0.to_path_buf(),
            summary: sa,
        },
        b: ProfileRun {
            profile: b.0.to_path_buf(),
            summary: sb,
        },
        differing_records,
        first_differences,
        montecarlo: None,
    })
}
