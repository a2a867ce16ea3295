//! `arb montecarlo`: the reducer re-run over a journal's recorded market data, once per
//! seeded path, against the stochastic venue (`sim::stochastic`), then settled; the
//! distribution of path PnL and what explains it.
//!
//! The market data is decoded once (`MarketData`) and shared; each path is a fresh
//! reducer with no journal, single-threaded and a pure function of (seed, path index,
//! profile, model), so the report does not depend on how many threads ran the paths.
//! Paths are spread over threads with `std::thread::scope`.

pub mod data;
pub mod path;
pub mod plot;
pub mod report;
pub mod settle;

pub use data::{MarketData, McError};
pub use path::{Keep, PathOutcome, run_path};
pub use report::McReport;

use crate::config::Profile;
use crate::core::{Money, Rng};
use crate::sim::stochastic::ModelParams;
use settle::Questions;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many paths, from which seed, on how many threads.
#[derive(Clone, Copy, Debug)]
pub struct McOptions {
    pub paths: u64,
    pub seed: u64,
    /// 0: one per available core.
    pub threads: usize,
    /// Equity curves kept for the plot: those of the first paths.
    pub curves: usize,
    /// A progress line on stderr (paths done / total).
    pub progress: bool,
}

/// The seeds of path `index`: one for the venue's draws, one for settlement. Mixed
/// through SplitMix so that neighbouring paths get unrelated streams.
pub fn path_seeds(seed: u64, index: u64) -> (u64, u64) {
    let mut r = Rng::new(seed ^ Rng::new(index).next_u64());
    (r.next_u64(), r.next_u64())
}

/// Runs `opts.paths` paths of `profile` under `params` over `data`.
pub fn run(
    data: &MarketData,
    profile: &Profile,
    params: &ModelParams,
    cash: [Money; 2],
    opts: McOptions,
) -> Result<McReport, McError> {
    let outcomes = run_paths(data, profile, params, cash, opts)?;
    let questions = Questions::new(&data.markets, &data.pairs, &data.mids);
    Ok(report::summarize(
        data.source.clone(),
        opts.seed,
        questions.count(),
        *params,
        &outcomes,
    ))
}

/// Every path's outcome, in path order.
pub fn run_paths(
    data: &MarketData,
    profile: &Profile,
    params: &ModelParams,
    cash: [Money; 2],
    opts: McOptions,
) -> Result<Vec<PathOutcome>, McError> {
    if opts.paths == 0 {
        return Err(McError::Usage("--paths must be at least 1".into()));
    }
    let questions = Questions::new(&data.markets, &data.pairs, &data.mids);
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    }
    .min(opts.paths as usize)
    .max(1);
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let one = |i: u64| {
        let (venue_seed, settle_seed) = path_seeds(opts.seed, i);
        let keep = Keep {
            curve: (i as usize) < opts.curves,
            decisions: false,
        };
        run_path(
            data,
            &questions,
            profile,
            params,
            cash,
            venue_seed,
            settle_seed,
            keep,
        )
    };
    let mut results: Vec<(u64, PathOutcome)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= opts.paths {
                            break;
                        }
                        mine.push((i, one(i)));
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    mine
                })
            })
            .collect();
        if opts.progress {
            progress(&done, opts.paths, &workers);
        }
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    if results.len() as u64 != opts.paths {
        return Err(McError::Usage("a Monte Carlo worker thread failed".into()));
    }
    results.sort_by_key(|r| r.0);
    Ok(results.into_iter().map(|r| r.1).collect())
}

/// Prints "paths done / total" on stderr until the workers finish.
fn progress<T>(done: &AtomicU64, total: u64, workers: &[std::thread::ScopedJoinHandle<'_, T>]) {
    use std::io::Write;
    let started = std::time::Instant::now();
    loop {
        let d = done.load(Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r  paths {d} / {total} ({secs:.1} s)   ");
        let _ = err.flush();
        if workers.iter().all(|w| w.is_finished()) {
            let _ = writeln!(err);
            break;
        }
        drop(err);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
