//! Bench inputs: a recorded paper day (the arb-rich scenario stretched), kept on disk
//! under target/ so every bench reads the same journal.
#![allow(dead_code, clippy::disallowed_methods, clippy::disallowed_types)]

use arb::event::Event;
use arb::journal::{Journal, RecordKind, SyncMode};
use arb::run::paper;
use arb::sim::Scenario;
use std::path::{Path, PathBuf};

/// A journal of `hours` of the arb-rich scenario, written once and reused.
pub fn day_journal(hours: i64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join(format!("target/bench-data/arb-rich-{hours}h"));
    // A journal written by an older reducer no longer replays cleanly: write it anew.
    if Journal::open(&dir).is_ok()
        && arb::run::replay::replay(&dir).is_ok_and(|(s, _)| s.mismatches == 0)
    {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = Scenario::load(&root.join("scenarios/arb-rich.toml")).expect("scenario");
    s.duration_ns = hours * 3_600_000_000_000;
    // Enough cash that the lanes keep trading all day.
    s.cash = [arb::core::Money::dollars(10_000_000); 2];
    paper::run_scenario(
        &s,
        &arb::config::Profile::default(),
        &dir,
        SyncMode::OsBuffered,
    )
    .expect("paper run");
    dir
}

/// The events of a journal with their timestamps, in memory.
pub fn events(dir: &Path) -> Vec<(i64, Event)> {
    let mut v = Vec::new();
    Journal::open(dir)
        .expect("journal")
        .scan(|r| -> Result<(), arb::journal::JournalError> {
            if r.kind == RecordKind::Event {
                v.push((r.ts, r.event()?));
            }
            Ok(())
        })
        .expect("scan");
    v
}
