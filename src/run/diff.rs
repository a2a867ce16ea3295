//! `arb diff`: two configuration profiles over the same recorded market data (paper
//! execution), side by side — what each found, decided and filled — and the first
//! decisions where they part, named by the source record that led to them.

use super::paper::{self, PaperSummary};
use crate::config::Profile;
use crate::core::Money;
use crate::journal::SyncMode;
use crate::mapping::PairSpec;
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
    })
}
