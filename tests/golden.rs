//! The journal format's golden files: `journal_format/golden/vN/` holds a journal with
//! one record of every event and decision variant of version N, and its decoding as
//! JSON Lines.
//! Decoding must give those lines, and encoding the same records must give the same
//! bytes: a format change fails here until it is made on purpose, with a new version.
//!
//! To write the golden files after a deliberate, versioned change:
//! `ARB_BLESS_GOLDEN=1 cargo test --test golden`.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::journal::{Journal, JournalWriter, SyncMode, WriterOptions};
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("journal_format/golden/v9")
}

fn build(dir: &Path) {
    build_records(dir, common::every_variant());
}

fn build_records(
    dir: &Path,
    (events, decisions): (Vec<arb::event::Event>, Vec<arb::event::Decision>),
) {
    let mut w = JournalWriter::create(
        dir,
        WriterOptions {
            segment_bytes: 1 << 20,
            sync: SyncMode::OsBuffered,
            batch_records: 1,
        },
    )
    .unwrap();
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
    records
        .iter()
        .map(|r| format!("{}\n", r.to_json()))
        .collect()
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
    let golden_bytes =
        std::fs::read(golden.join("journal/00000000.arbj")).expect("golden journal present");
    let expected = std::fs::read_to_string(golden.join("records.jsonl")).unwrap();
    assert_eq!(
        jsonl(&golden.join("journal")),
        expected,
        "golden journal decodes to records.jsonl"
    );
    assert!(
        fresh_bytes == golden_bytes,
        "encoding changed: the journal format moved without a version bump"
    );
    let (events, decisions) = common::every_variant();
    assert_eq!(expected.lines().count(), events.len() + decisions.len());
}

/// Older journals stay readable: each older version's golden journal decodes to its
/// records, and its frames are the bytes this build writes for the same records (only
/// the segment header, which names the version, differs).
fn older_golden_journal_still_decodes_to_the_same_records(
    version: u16,
    records: (Vec<arb::event::Event>, Vec<arb::event::Decision>),
) {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("journal_format/golden/v{version}"));
    let expected = std::fs::read_to_string(dir.join("records.jsonl")).unwrap();
    assert_eq!(jsonl(&dir.join("journal")), expected);
    let golden = std::fs::read(dir.join("journal/00000000.arbj")).unwrap();
    assert_eq!(
        u16::from_le_bytes([golden[8], golden[9]]),
        version,
        "a version {version} segment"
    );
    let fresh = tempfile::tempdir().unwrap();
    build_records(fresh.path(), records);
    let bytes = std::fs::read(fresh.path().join("00000000.arbj")).unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[8], bytes[9]]),
        arb::journal::FORMAT_VERSION
    );
    assert!(
        bytes[32..] == golden[32..],
        "version {version} records encode as they did"
    );
}

#[test]
fn version_1_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(1, common::every_variant_v1());
}

#[test]
fn version_2_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(2, common::every_variant_v2());
}

#[test]
fn version_3_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(3, common::every_variant_v3());
}

#[test]
fn version_4_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(4, common::every_variant_v4());
}

#[test]
fn version_5_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(5, common::every_variant_v5());
}

#[test]
fn version_6_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(6, common::every_variant_v6());
}

#[test]
fn version_7_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(7, common::every_variant_v7());
}

#[test]
fn version_8_golden_journal_still_decodes_to_the_same_records() {
    older_golden_journal_still_decodes_to_the_same_records(8, common::every_variant_v8());
}

/// Continuing a version 1 journal never mixes versions in one segment: new records go
/// to a new segment of the current version, and the whole journal reads back.
#[test]
fn continuing_a_version_1_journal_starts_a_new_segment() {
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("journal_format/golden/v1/journal");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(v1.join("00000000.arbj"), dir.path().join("00000000.arbj")).unwrap();
    let before = Journal::open(dir.path())
        .unwrap()
        .read_all()
        .unwrap()
        .0
        .len();
    let mut w = JournalWriter::open(dir.path(), WriterOptions::default()).unwrap();
    w.append_event(1_800_000_000_000_000_000, &arb::event::Event::Tick)
        .unwrap();
    w.finish().unwrap();
    let second = std::fs::read(dir.path().join("00000001.arbj")).unwrap();
    assert_eq!(
        u16::from_le_bytes([second[8], second[9]]),
        arb::journal::FORMAT_VERSION
    );
    let (records, _) = Journal::open(dir.path()).unwrap().read_all().unwrap();
    assert_eq!(records.len(), before + 1);
    assert_eq!(records.last().map(|r| r.seq), Some(before as u64 + 1));
}
