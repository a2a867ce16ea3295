//! The journal format's golden files: `journal_format/golden/v1/` holds a journal with
//! one record of every event and decision variant, and its decoding as JSON Lines.
//! Decoding must give those lines, and encoding the same records must give the same
//! bytes: a format change fails here until it is made on purpose, with a new version.
//!
//! To write the golden files after a deliberate, versioned change:
//! `ARB_BLESS_GOLDEN=1 cargo test --test golden`.
// The determinism lists in clippy.toml bind the reducer only, as in src/lib.rs.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use arb::journal::{Journal, JournalWriter, SyncMode, WriterOptions};
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("journal_format/golden/v1")
}

fn build(dir: &Path) {
    let (events, decisions) = common::every_variant();
    let mut w = JournalWriter::create(dir, WriterOptions { segment_bytes: 1 << 20, sync: SyncMode::OsBuffered, batch_records: 1 }).unwrap();
    let mut ts = 1_700_000_000_000_000_000;
    for e in &events {
        w.append_event(ts, e).unwrap();
        ts += 1_000_000;
    }
    for d in &decisions {
        w.append_decision(ts, d).unwrap();
        ts += 1_000_000;
    }
    w.finish().unwrap();
}

fn jsonl(dir: &Path) -> String {
    let (records, _) = Journal::open(dir).unwrap().read_all().unwrap();
    records.iter().map(|r| format!("{}\n", r.to_json())).collect()
}

#[test]
fn golden_journal_decodes_and_reencodes_byte_for_byte() {
    let fresh = tempfile::tempdir().unwrap();
    build(fresh.path());
    let fresh_bytes = std::fs::read(fresh.path().join("00000000.arbj")).unwrap();
    let golden = golden_dir();
    if std::env::var_os("ARB_BLESS_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.join("journal")).unwrap();
        std::fs::write(golden.join("journal/00000000.arbj"), &fresh_bytes).unwrap();
        std::fs::write(golden.join("records.jsonl"), jsonl(fresh.path())).unwrap();
    }
    let golden_bytes = std::fs::read(golden.join("journal/00000000.arbj")).expect("golden journal present");
    let expected = std::fs::read_to_string(golden.join("records.jsonl")).unwrap();
    assert_eq!(jsonl(&golden.join("journal")), expected, "golden journal decodes to records.jsonl");
    assert!(fresh_bytes == golden_bytes, "encoding changed: the journal format moved without a version bump");
    let (events, decisions) = common::every_variant();
    assert_eq!(expected.lines().count(), events.len() + decisions.len());
}
