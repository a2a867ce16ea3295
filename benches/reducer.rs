//! Reducer throughput (events/s, both lanes on) on a recorded paper day, replay
//! throughput end to end from disk (decode, verify, apply, compare decisions), and
//! restart time (open the journal, load a snapshot, replay the tail) versus journal
//! length, with and without a snapshot.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use arb::engine::Reducer;
use arb::journal::snapshot::{snapshot_dir, snapshot_file_name};
use arb::journal::{Journal, JournalWriter, SyncMode, WriterOptions};
use arb::run::live::restart::{Replayed, replay_with};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;

fn reducer_apply(c: &mut Criterion) {
    let dir = common::day_journal(24);
    let events = common::events(&dir);
    let mut g = c.benchmark_group("reducer");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("apply_recorded_day_both_lanes", |b| {
        let mut out = Vec::with_capacity(16);
        b.iter(|| {
            let mut r = Reducer::default();
            for (ts, e) in &events {
                out.clear();
                r.apply(*ts, e, &mut out);
            }
            r.stats().events
        })
    });
    g.finish();
}

fn replay_from_disk(c: &mut Criterion) {
    let dir = common::day_journal(24);
    let (summary, _) = arb::run::replay::replay(&dir).expect("replay");
    assert_eq!(summary.mismatches, 0);
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(summary.events));
    g.bench_function("replay_recorded_day_from_disk", |b| {
        b.iter(|| arb::run::replay::replay(&dir).expect("replay").0.events)
    });
    g.finish();
}

fn recovery_from_disk(c: &mut Criterion) {
    let dir = common::day_journal(24);
    let mut g = c.benchmark_group("recovery");
    g.sample_size(10);
    g.bench_function("rebuild_state_from_recorded_day", |b| {
        b.iter(|| {
            let mut r = Reducer::default();
            replay_with(&dir, &mut r, false).expect("replay").events
        })
    });
    g.finish();
}

/// What `arb live` does on restart before talking to the venues: open the journal for
/// appending (verifying its last segment), restore the newest snapshot if asked to,
/// replay what follows. Returns the events replayed.
fn restart(dir: &Path, snapshots: bool) -> (Reducer, Replayed) {
    let opts = WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    };
    let writer = JournalWriter::open_at_end(dir, opts).expect("open");
    let mut r = Reducer::default();
    let rep = replay_with(dir, &mut r, snapshots).expect("replay");
    drop(writer);
    (r, rep)
}

/// Restart time versus journal length: ~1 M and ~10 M events (5 and 52 hours of the
/// arb-rich paper day), each by full replay, from a snapshot at the end (a clean
/// stop), and from a snapshot 900 k events before the end (a crash just before the
/// next snapshot of the default 1 M interval).
fn restart_vs_length(c: &mut Criterion) {
    const TAIL: u64 = 900_000;
    let mut g = c.benchmark_group("restart");
    g.sample_size(10);
    for hours in [5, 52] {
        let dir = common::day_journal(hours);
        let (full, rep) = restart(&dir, false);
        let events = rep.events;
        let (at_tail, at_end) = common::write_snapshots(&dir, events.saturating_sub(TAIL));
        let label = format!("{:.1}M_events", events as f64 / 1e6);
        g.bench_function(format!("{label}/full_replay"), |b| {
            b.iter(|| restart(&dir, false).1.events)
        });
        let (r, rep) = restart(&dir, true);
        assert_eq!(rep.snapshot.map(|s| s.seq), Some(at_end));
        assert_eq!(r.state_hash(), full.state_hash());
        g.bench_function(format!("{label}/snapshot_at_end"), |b| {
            b.iter(|| restart(&dir, true).1.events)
        });
        // Set the newest aside: the one 900 k events before the end is used.
        let newest = snapshot_dir(&dir).join(snapshot_file_name(at_end));
        let aside = dir.join("newest-snapshot-aside");
        std::fs::rename(&newest, &aside).expect("rename");
        let (r, rep) = restart(&dir, true);
        assert_eq!(rep.snapshot.map(|s| s.seq), Some(at_tail));
        assert_eq!(r.state_hash(), full.state_hash());
        g.bench_function(format!("{label}/snapshot_900k_before_end"), |b| {
            b.iter(|| restart(&dir, true).1.events)
        });
        std::fs::rename(&aside, &newest).expect("rename back");
        eprintln!(
            "restart/{label}: {events} events, {} segments, snapshot {} bytes",
            Journal::open(&dir).expect("journal").segments().len(),
            std::fs::metadata(&newest).map_or(0, |m| m.len())
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    reducer_apply,
    replay_from_disk,
    recovery_from_disk,
    restart_vs_length
);
criterion_main!(benches);
