//! Reducer throughput (events/s, both lanes on) on a recorded paper day, and replay
//! throughput end to end from disk (decode, verify, apply, compare decisions).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use arb::engine::Reducer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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
            arb::run::live::recovery::replay_into(&dir, &mut r)
                .expect("replay")
                .events
        })
    });
    g.finish();
}

criterion_group!(benches, reducer_apply, replay_from_disk, recovery_from_disk);
criterion_main!(benches);
