//! Journal retention end to end: `arb live` (embedded simulator) with tiny segments
//! and `[journal] retention = "archive"` prunes its own journal, restarts on it and
//! continues; `arb journal archive` prunes a kept journal by hand; `arb replay` says
//! where the replay starts and `arb bundle` refuses the archived range (exit 1).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::journal::retention::{self, Policy};
use arb::journal::{Journal, JournalError};
use arb::run::live::LiveConfig;
use arb::run::live::config::JournalConfig;
use common::live::{arb, run_live};
use std::path::Path;

fn config(policy: Policy) -> LiveConfig {
    LiveConfig {
        journal: JournalConfig {
            retention: policy,
            archive_dir: None,
            keep_segments: 1,
            segment_mib: 1.0 / 64.0,
        },
        ..LiveConfig::default()
    }
}

fn last_seq(dir: &Path) -> u64 {
    Journal::open(dir)
        .unwrap()
        .scan_kept(|_| Ok::<(), JournalError>(()))
        .unwrap()
        .last_seq
        .unwrap()
}

fn replay_json(dir: &Path) -> serde_json::Value {
    let out = arb().arg("replay").arg(dir).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn live_archives_its_own_journal_and_restarts_on_it() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    run_live(config(Policy::Archive), &j, 4.0);
    let infos = retention::segment_infos(&j).unwrap();
    assert!(infos[0].index > 0, "segments were archived: {infos:?}");
    let archived = std::fs::read_dir(j.join("archive")).unwrap().count();
    assert_eq!(
        archived, infos[0].index as usize,
        "one .arbj.gz per archived segment"
    );
    let end = last_seq(&j);
    // The restart continues the journal at the next seq, and it still replays.
    run_live(config(Policy::Archive), &j, 3.0);
    let after = retention::segment_infos(&j).unwrap();
    assert!(after[0].index >= infos[0].index);
    let v = replay_json(&j);
    assert_eq!(v["mismatches"], 0, "{v}");
    assert_eq!(v["starts_at_seq"], after[0].first_seq, "{v}");
    assert!(
        v["from_snapshot"].as_str().unwrap().ends_with(".snap"),
        "{v}"
    );
    // The reader verifies every seq follows the one before (across the restart too).
    let records = common::live::inspect_records(&j);
    let seqs: Vec<u64> = records.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs[0], after[0].first_seq);
    assert!(*seqs.last().unwrap() > end, "continued after {end}");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1));
}

#[test]
fn journal_archive_by_hand_then_replay_and_bundle_say_what_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    run_live(config(Policy::Keep), &j, 4.0);
    let full = replay_json(&j);
    assert_eq!(full["mismatches"], 0);
    assert!(
        full.get("starts_at_seq").is_none(),
        "a complete journal's JSON is as before"
    );
    let segments = Journal::open(&j).unwrap().segments().len();
    assert!(segments > 4, "{segments} segments");

    let out = arb()
        .args(["journal", "archive"])
        .arg(&j)
        .args(["--keep-segments", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("archived in"),
        "{text}"
    );
    let first = retention::segment_infos(&j).unwrap()[0].first_seq;
    assert!(first > 1);
    assert_eq!(
        Journal::open(&j).unwrap().segments().len(),
        3,
        "base's segment + 2 + the active one"
    );

    let out = arb().arg("replay").arg(&j).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let want = format!(
        "records 1..={} archived (in {}); replay starts from snapshot {}",
        first - 1,
        j.join("archive").display(),
        first - 1
    );
    assert!(out.status.success() && text.contains(&want), "{text}");
    assert!(text.contains(&format!(
        "state hash {}",
        full["state_hash"].as_str().unwrap()
    )));
    assert!(text.contains("0 mismatches"), "{text}");

    let out = arb()
        .arg("bundle")
        .arg(&j)
        .args(["--from", "1", "--to", &(first + 10).to_string(), "--out"])
        .arg(tmp.path().join("b.arbb"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("records 1..={}", first - 1)) && err.contains("archived in"),
        "{err}"
    );

    // Without the base snapshot the replay refuses, naming the seq and the file.
    let base = arb::journal::snapshot::snapshot_dir(&j)
        .join(arb::journal::snapshot::snapshot_file_name(first - 1));
    std::fs::remove_file(&base).unwrap();
    let out = arb().arg("replay").arg(&j).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("starts at seq {first}"))
            && err.contains(&base.display().to_string()),
        "{err}"
    );
}
