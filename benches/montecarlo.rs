//! Monte Carlo throughput: paths × events per second over a recorded paper hour (the
//! arb-rich scenario, 1 h), default venue model, on 1 thread and on every core.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod common;

use arb::config::Profile;
use arb::core::Money;
use arb::run::montecarlo::{self, MarketData, McOptions};
use arb::sim::stochastic::ModelParams;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PATHS: u64 = 16;

fn montecarlo_paths(c: &mut Criterion) {
    let dir = common::day_journal(1);
    let data = MarketData::load(&dir, Vec::new()).expect("market data");
    let events = data.events.len() as u64;
    let cash = [Money::dollars(10_000_000); 2];
    let (profile, model) = (Profile::default(), ModelParams::default());
    let probe = montecarlo::run(&data, &profile, &model, cash, opts(1, 0)).expect("run");
    eprintln!(
        "bench input: {events} recorded events, {:.0} decisions and {:.0} intents a path",
        probe.decisions_mean, probe.intents_mean
    );
    let mut g = c.benchmark_group("montecarlo");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PATHS * events));
    for threads in [1, 0] {
        let name = if threads == 1 {
            "1_thread"
        } else {
            "all_cores"
        };
        g.bench_function(format!("{PATHS}_paths_recorded_hour_{name}"), |b| {
            b.iter(|| {
                montecarlo::run(&data, &profile, &model, cash, opts(PATHS, threads))
                    .expect("run")
                    .paths
            })
        });
    }
    g.finish();
}

fn opts(paths: u64, threads: usize) -> McOptions {
    McOptions {
        paths,
        seed: 1,
        threads,
        curves: 0,
        progress: false,
    }
}

criterion_group!(benches, montecarlo_paths);
criterion_main!(benches);
