//! Decision latency: time of each `Reducer::apply` over a recorded paper day, as an
//! hdrhistogram (p50/p99/p99.9), for all events and for events that produced a
//! decision. Each sample includes the ~20 ns cost of reading the clock twice.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use arb::engine::Reducer;
use hdrhistogram::Histogram;
use std::time::Instant;

fn main() {
    // `cargo test --benches` runs bench binaries with --test-ish args: do nothing then.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let dir = common::day_journal(24);
    let events = common::events(&dir);
    let mut all = Histogram::<u64>::new(3).expect("histogram");
    let mut deciding = Histogram::<u64>::new(3).expect("histogram");
    let mut out = Vec::with_capacity(16);
    // Warm-up pass, then the measured pass.
    for pass in 0..2 {
        let mut r = Reducer::default();
        for (ts, e) in &events {
            out.clear();
            let t0 = Instant::now();
            r.apply(*ts, e, &mut out);
            let ns = t0.elapsed().as_nanos() as u64;
            if pass == 1 {
                let _ = all.record(ns.max(1));
                if !out.is_empty() {
                    let _ = deciding.record(ns.max(1));
                }
            }
        }
    }
    for (name, h) in [("all events", &all), ("events with decisions", &deciding)] {
        println!(
            "apply latency, {name} (n={}): p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
            h.len(),
            h.value_at_quantile(0.50),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        );
    }
}
