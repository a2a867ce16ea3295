//! The Monte Carlo report: the distribution of path PnL and what explains it, in
//! dollars (f64, rounded to the micro-dollar: a report, not engine state).

use super::path::PathOutcome;
use crate::event::Lane;
use crate::sim::stochastic::ModelParams;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Debug, Serialize)]
pub struct Distribution {
    pub mean: f64,
    pub std_dev: f64,
    pub median: f64,
    pub p5: f64,
    pub p25: f64,
    pub p75: f64,
    pub p95: f64,
    pub worst: f64,
    pub best: f64,
}

/// Contracts filled over contracts ordered, for one leg role across all paths (counts
/// are means per path).
#[derive(Clone, Debug, Serialize)]
pub struct FillRate {
    pub orders: f64,
    pub ordered_contracts: f64,
    pub filled_contracts: f64,
    /// `None` when nothing was ordered.
    pub rate: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FillRates {
    pub first_leg: FillRate,
    pub second_leg: FillRate,
    pub hedge: FillRate,
}

#[derive(Clone, Debug, Serialize)]
pub struct LaneReport {
    pub lane: &'static str,
    pub opportunities_mean: f64,
    pub expected_mean: f64,
    pub pnl_mean: f64,
    pub conversion: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct McReport {
    pub journal: PathBuf,
    pub paths: u64,
    pub seed: u64,
    pub events_per_path: u64,
    pub questions: usize,
    pub model: ModelParams,
    pub pnl: Distribution,
    /// Index of the path with the worst PnL (rerun it alone with the same seed).
    pub worst_path: u64,
    /// Share of paths with PnL above zero, and below zero.
    pub win_rate: f64,
    pub prob_loss: f64,
    /// Mean over paths of the intents' expected profit.
    pub expected_mean: f64,
    /// Realized over expected PnL: mean path PnL / mean expected profit (`None` when
    /// nothing was expected).
    pub conversion: Option<f64>,
    pub fill_rates: FillRates,
    pub lanes: Vec<LaneReport>,
    pub intents_mean: f64,
    pub decisions_mean: f64,
    /// Share of paths on which unhedged exposure put the engine in safe mode, and how
    /// often a path, on average.
    pub exposed_paths: f64,
    pub safe_mode_entries_mean: f64,
    /// Equity curves of the first paths (plot only).
    #[serde(skip)]
    pub curves: Vec<Vec<f64>>,
    #[serde(skip)]
    pub path_pnl: Vec<f64>,
}

fn dollars(micros: f64) -> f64 {
    (micros).round() / 1e6
}

/// Linear interpolation between closest ranks of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| (a / b * 1e6).round() / 1e6)
}

fn fill_rate(outcomes: &[PathOutcome], r: usize) -> FillRate {
    let n = outcomes.len().max(1) as f64;
    let orders: u64 = outcomes.iter().map(|o| o.orders[r]).sum();
    let ordered: i64 = outcomes.iter().map(|o| o.ordered[r]).sum();
    let filled: i64 = outcomes.iter().map(|o| o.filled[r]).sum();
    FillRate {
        orders: orders as f64 / n,
        ordered_contracts: ordered as f64 / 1e6 / n,
        filled_contracts: filled as f64 / 1e6 / n,
        rate: ratio(filled as f64, ordered as f64),
    }
}

/// Sums up the paths (in path order).
pub fn summarize(
    journal: PathBuf,
    seed: u64,
    questions: usize,
    model: ModelParams,
    outcomes: &[PathOutcome],
) -> McReport {
    let n = outcomes.len().max(1) as f64;
    let pnl: Vec<f64> = outcomes.iter().map(|o| o.pnl as f64).collect();
    let mean_of = |f: &dyn Fn(&PathOutcome) -> f64| outcomes.iter().map(f).sum::<f64>() / n;
    let mean = pnl.iter().sum::<f64>() / n;
    let var = pnl.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let mut sorted = pnl.clone();
    sorted.sort_by(f64::total_cmp);
    let (worst_path, _) =
        pnl.iter().enumerate().fold(
            (0, f64::INFINITY),
            |acc, (i, &x)| if x < acc.1 { (i, x) } else { acc },
        );
    let expected = mean_of(&|o| o.expected as f64);
    let lanes = Lane::ALL
        .iter()
        .map(|&l| {
            let i = l as usize;
            let e = mean_of(&|o| o.lane_expected[i] as f64);
            let p = mean_of(&|o| o.lane_pnl[i] as f64);
            LaneReport {
                lane: l.name(),
                opportunities_mean: mean_of(&|o| o.opportunities[i] as f64),
                expected_mean: dollars(e),
                pnl_mean: dollars(p),
                conversion: ratio(p, e),
            }
        })
        .collect();
    McReport {
        journal,
        paths: outcomes.len() as u64,
        seed,
        events_per_path: outcomes.first().map_or(0, |o| o.events),
        questions,
        model,
        pnl: Distribution {
            mean: dollars(mean),
            std_dev: dollars(var.sqrt()),
            median: dollars(quantile(&sorted, 0.5)),
            p5: dollars(quantile(&sorted, 0.05)),
            p25: dollars(quantile(&sorted, 0.25)),
            p75: dollars(quantile(&sorted, 0.75)),
            p95: dollars(quantile(&sorted, 0.95)),
            worst: dollars(sorted.first().copied().unwrap_or(0.0)),
            best: dollars(sorted.last().copied().unwrap_or(0.0)),
        },
        worst_path: worst_path as u64,
        win_rate: pnl.iter().filter(|&&x| x > 0.0).count() as f64 / n,
        prob_loss: pnl.iter().filter(|&&x| x < 0.0).count() as f64 / n,
        expected_mean: dollars(expected),
        conversion: ratio(mean, expected),
        fill_rates: FillRates {
            first_leg: fill_rate(outcomes, 0),
            second_leg: fill_rate(outcomes, 1),
            hedge: fill_rate(outcomes, 2),
        },
        lanes,
        intents_mean: mean_of(&|o| o.intents as f64),
        decisions_mean: mean_of(&|o| o.decisions as f64),
        exposed_paths: mean_of(&|o| f64::from(u8::from(o.safe_mode_entries > 0))),
        safe_mode_entries_mean: mean_of(&|o| o.safe_mode_entries as f64),
        curves: outcomes
            .iter()
            .filter(|o| !o.curve.is_empty())
            .map(|o| o.curve.iter().map(|&x| x as f64 / 1e6).collect())
            .collect(),
        path_pnl: pnl.iter().map(|x| x / 1e6).collect(),
    }
}

/// The report as text for a terminal.
pub fn print(r: &McReport) {
    println!(
        "monte carlo over {}: {} paths, seed {}, {} events a path, {} questions settled",
        r.journal.display(),
        r.paths,
        r.seed,
        r.events_per_path,
        r.questions
    );
    let d = &r.pnl;
    println!(
        "  PnL $: mean {:.2} (sd {:.2}), median {:.2}, p5 {:.2}, p25 {:.2}, p75 {:.2}, p95 {:.2}",
        d.mean, d.std_dev, d.median, d.p5, d.p25, d.p75, d.p95
    );
    println!(
        "  worst {:.2} (path {}), best {:.2}; win rate {:.1}%, probability of loss {:.1}%",
        d.worst,
        r.worst_path,
        d.best,
        r.win_rate * 100.0,
        r.prob_loss * 100.0
    );
    let conv = |c: Option<f64>| c.map_or("n/a".to_string(), |c| format!("{:.1}%", c * 100.0));
    println!(
        "  expected (intents) ${:.2} a path; conversion realized/expected {}",
        r.expected_mean,
        conv(r.conversion)
    );
    let f = &r.fill_rates;
    for (name, x) in [
        ("first legs", &f.first_leg),
        ("second legs", &f.second_leg),
        ("hedges", &f.hedge),
    ] {
        println!(
            "  fill rate, {name}: {} (a path: {:.1} orders, {:.0} of {:.0} contracts)",
            conv(x.rate),
            x.orders,
            x.filled_contracts,
            x.ordered_contracts
        );
    }
    for l in &r.lanes {
        println!(
            "  lane {}: opportunities {:.1}, expected ${:.2}, realized ${:.2}, conversion {}",
            l.lane,
            l.opportunities_mean,
            l.expected_mean,
            l.pnl_mean,
            conv(l.conversion)
        );
    }
    println!(
        "  intents {:.1}, decisions {:.1} a path; unhedged exposure on {:.1}% of paths ({:.2} times a path)",
        r.intents_mean,
        r.decisions_mean,
        r.exposed_paths * 100.0,
        r.safe_mode_entries_mean
    );
}
