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

/// Replaces the journal's snapshots with two: one after its first `events` events and
/// one at its end, as the live core writes them (after an event's decisions). Returns
/// their seqs.
pub fn write_snapshots(dir: &Path, events: u64) -> (u64, u64) {
    use arb::run::live::restart::write_state_snapshot;
    let _ = std::fs::remove_dir_all(arb::journal::snapshot::snapshot_dir(dir));
    let mut r = arb::engine::Reducer::default();
    let mut decided = std::collections::BTreeMap::new();
    let mut first = None;
    let mut out = Vec::new();
    let summary = Journal::open(dir)
        .expect("journal")
        .scan(|rec| -> Result<(), arb::journal::JournalError> {
            match rec.kind {
                RecordKind::Event => {
                    if first.is_none() && r.stats().events == events {
                        write_state_snapshot(dir, rec.seq - 1, &r, &decided).expect("snapshot");
                        first = Some(rec.seq - 1);
                    }
                    out.clear();
                    r.apply(rec.ts, &rec.event()?, &mut out);
                }
                RecordKind::Decision => {
                    if let arb::event::Decision::PlaceOrder(o) = rec.decision()? {
                        decided.insert(o.id, rec.ts / 1_000_000);
                    }
                }
            }
            Ok(())
        })
        .expect("scan");
    let end = summary.last_seq.expect("records");
    write_state_snapshot(dir, end, &r, &decided).expect("snapshot");
    (first.unwrap_or(end), end)
}
