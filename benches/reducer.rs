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

/// A reducer watching `n` markets (a third Kalshi, two thirds Polymarket token pairs,
/// every one paired), each with a four-level book on each side.
fn universe(n: u32) -> Reducer {
    use arb::core::{MarketId, Outcome, Price, Qty, Venue};
    use arb::event::{BookSnapshot, Event, FeeModel, Level, MarketMeta, NoLeg, PairRule};
    let mut r = Reducer::default();
    let mut out = Vec::new();
    for q in 0..n / 3 {
        let (k, y, no) = (MarketId(3 * q), MarketId(3 * q + 1), MarketId(3 * q + 2));
        let meta = |id: MarketId, venue, venue_id: String, no_leg| MarketMeta {
            id,
            venue,
            venue_id,
            title: format!("Question {q}?"),
            event_id: format!("EV-{q}"),
            series_id: "SER".into(),
            close_ts: Some(1_800_000_000_000_000_000),
            no_leg,
            fees: FeeModel::Free,
            tick: Price(100),
        };
        for m in [
            meta(k, Venue::Kalshi, format!("KXGEN-{q}"), NoLeg::SameBook),
            meta(
                y,
                Venue::Polymarket,
                format!("{}", 10u128.pow(30) + u128::from(2 * q)),
                NoLeg::Complement(no),
            ),
            meta(
                no,
                Venue::Polymarket,
                format!("{}", 10u128.pow(30) + u128::from(2 * q + 1)),
                NoLeg::Complement(y),
            ),
        ] {
            r.apply(0, &Event::MarketDefined(m), &mut out);
        }
        let rule = PairRule {
            a: k,
            b: y,
            b_outcome_for_a_yes: Outcome::Yes,
            confidence_bp: 9_800,
        };
        r.apply(0, &Event::PairDefined(rule), &mut out);
        for m in [k, y, no] {
            let lv = |p: u16| Level {
                price: Price(p),
                qty: Qty::contracts(40),
            };
            let book = BookSnapshot {
                market: m,
                venue_seq: 1,
                bids: (0..4).map(|i| lv(4_000 - 100 * i)).collect(),
                asks: (0..4).map(|i| lv(6_200 + 100 * i)).collect(),
            };
            r.apply(1, &Event::BookSnapshot(book), &mut out);
        }
    }
    r
}

/// The reducer's state at 10,000 markets: encoded (what a snapshot writes) and
/// restored (what a restart reads before the tail).
fn snapshot_at_10k_markets(c: &mut Criterion) {
    let r = universe(10_002);
    let bytes = r.snapshot_bytes();
    eprintln!(
        "state of {} markets: {} bytes encoded",
        r.markets().list.len(),
        bytes.len()
    );
    let mut g = c.benchmark_group("snapshot");
    g.sample_size(10);
    g.bench_function("encode_10k_markets", |b| {
        b.iter(|| r.snapshot_bytes().len())
    });
    g.bench_function("restore_10k_markets", |b| {
        b.iter(|| Reducer::from_snapshot_bytes(&bytes).unwrap().state_hash())
    });
    g.finish();
}

criterion_group!(
    benches,
    reducer_apply,
    replay_from_disk,
    recovery_from_disk,
    restart_vs_length,
    snapshot_at_10k_markets
);
criterion_main!(benches);
