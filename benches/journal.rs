//! Journal append: buffered (market data, OS cache, batched sync) and durable (an
//! fdatasync per record, as for order intents).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use arb::journal::{JournalWriter, SyncMode, WriterOptions};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn append(c: &mut Criterion) {
    let dir = common::day_journal(24);
    let events: Vec<_> = common::events(&dir).into_iter().take(200_000).collect();
    let mut g = c.benchmark_group("journal_append");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("buffered_batched_sync", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |tmp| {
                let opts = WriterOptions {
                    sync: SyncMode::Fsync,
                    ..WriterOptions::default()
                };
                let mut w = JournalWriter::create(tmp.path(), opts).expect("create");
                for (ts, e) in &events {
                    w.append_event(*ts, e).expect("append");
                    w.commit().expect("commit");
                }
                w.finish().expect("finish");
            },
            BatchSize::PerIteration,
        )
    });
    let few = &events[..500];
    g.throughput(Throughput::Elements(few.len() as u64));
    g.bench_function("durable_fsync_every_record", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |tmp| {
                let opts = WriterOptions {
                    sync: SyncMode::Fsync,
                    ..WriterOptions::default()
                };
                let mut w = JournalWriter::create(tmp.path(), opts).expect("create");
                for (ts, e) in few {
                    w.append_event(*ts, e).expect("append");
                    w.sync().expect("sync");
                }
                w.finish().expect("finish");
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
