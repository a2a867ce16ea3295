//! `arb montecarlo`: the stochastic venue wired into the reducer's loop. The perfect
//! model reproduces the paper venue decision for decision; seeds fix the numbers and
//! threads do not change them; the fill model's extremes do what they must; PnL adds
//! up; bad input is named.

mod common;

use arb::config::Profile;
use arb::core::Money;
use arb::journal::SyncMode;
use arb::run::montecarlo::{self, Keep, MarketData, McOptions, settle::Questions};
use arb::run::paper;
use arb::sim::Scenario;
use arb::sim::stochastic::ModelParams;
use common::live::{arb, root};
use std::path::PathBuf;

const CASH: [Money; 2] = [Money(5_000_000_000); 2];

/// A paper journal of the first `seconds` of the arb-rich scenario.
fn recorded(seconds: i64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Scenario::load(&root().join("scenarios/arb-rich.toml")).unwrap();
    s.duration_ns = seconds * 1_000_000_000;
    paper::run_scenario(&s, &Profile::default(), dir.path(), SyncMode::OsBuffered).unwrap();
    dir
}

fn opts(paths: u64, seed: u64, threads: usize) -> McOptions {
    McOptions {
        paths,
        seed,
        threads,
        curves: 0,
        progress: false,
    }
}

fn path_with(data: &MarketData, params: &ModelParams, seed: u64) -> montecarlo::PathOutcome {
    let q = Questions::new(&data.markets, &data.pairs, &data.mids);
    let (a, b) = montecarlo::path_seeds(seed, 0);
    let keep = Keep {
        curve: false,
        decisions: true,
    };
    montecarlo::run_path(data, &q, &Profile::default(), params, CASH, a, b, keep)
}

#[test]
fn the_perfect_model_reproduces_the_paper_venue_decision_for_decision() {
    let src = recorded(600);
    let out = tempfile::tempdir().unwrap();
    let (summary, trace) = paper::run_from_journal_traced(
        src.path(),
        &Profile::default(),
        Vec::new(),
        CASH,
        &out.path().join("j"),
        SyncMode::OsBuffered,
        true,
    )
    .unwrap();
    let data = MarketData::load(src.path(), Vec::new()).unwrap();
    let mc = path_with(&data, &ModelParams::perfect(), 9);
    let paper_decisions: Vec<_> = trace.into_iter().map(|(_, d)| d).collect();
    assert!(summary.intents > 10, "the data trades: {}", summary.intents);
    assert_eq!(mc.decisions_log.len(), paper_decisions.len());
    if let Some(i) = (0..paper_decisions.len()).find(|&i| mc.decisions_log[i] != paper_decisions[i])
    {
        panic!(
            "decision {i} differs: paper {:?} / montecarlo {:?}",
            paper_decisions[i], mc.decisions_log[i]
        );
    }
    assert_eq!(mc.events, summary.events);
    assert_eq!(Money(mc.expected).to_string(), summary.expected_profit);
    // Every intra-venue pair filled as planned: realized is what was expected, to the
    // micro-dollar, whatever the settlement draw.
    assert!(mc.lane_expected[0] > 0);
    assert_eq!(mc.lane_pnl[0], mc.lane_expected[0]);
    assert_eq!(mc.filled[2], mc.ordered[2], "hedges fill on paper");
}

#[test]
fn the_same_seed_gives_the_same_report_whatever_the_threads_and_another_seed_another() {
    let src = recorded(300);
    let data = MarketData::load(src.path(), Vec::new()).unwrap();
    let p = Profile::default();
    let m = ModelParams::default();
    let json = |seed, threads| {
        let r = montecarlo::run(&data, &p, &m, CASH, opts(24, seed, threads)).unwrap();
        serde_json::to_string(&r).unwrap()
    };
    let one = json(7, 1);
    assert_eq!(one, json(7, 2), "two threads, same numbers");
    assert_eq!(one, json(7, 3));
    let other = json(8, 2);
    assert_ne!(one, other, "another seed draws other paths");
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    for field in [
        "paths",
        "seed",
        "pnl",
        "win_rate",
        "prob_loss",
        "worst_path",
        "expected_mean",
        "conversion",
        "fill_rates",
        "lanes",
    ] {
        assert!(!v[field].is_null(), "{field} missing in {one}");
    }
    for q in ["mean", "median", "p5", "p25", "p75", "p95", "worst", "best"] {
        assert!(v["pnl"][q].is_number(), "pnl.{q}");
    }
    assert!(v["pnl"]["std_dev"].as_f64().unwrap() > 0.0, "paths differ");
}

#[test]
fn with_fill_probability_zero_nothing_fills_and_nothing_is_made_or_lost() {
    let src = recorded(300);
    let data = MarketData::load(src.path(), Vec::new()).unwrap();
    let m = ModelParams {
        fill_prob: [0.0; 3],
        ..ModelParams::default()
    };
    let outcomes =
        montecarlo::run_paths(&data, &Profile::default(), &m, CASH, opts(6, 1, 0)).unwrap();
    for o in &outcomes {
        assert!(o.orders[0] > 0 && o.expected > 0, "it tried");
        assert_eq!(o.filled, [0, 0, 0]);
        assert_eq!(o.pnl, 0);
        assert_eq!(
            o.orders[1] + o.orders[2],
            0,
            "no first leg filled: nothing follows"
        );
    }
}

#[test]
fn when_second_legs_never_fill_the_unwind_policy_hedges_at_a_loss() {
    // Cross-venue only: the hedge of a first leg is its other outcome on the same
    // venue, so a hedged pair costs more than the $1 it pays. (An intra-venue hedge
    // buys the very outcome the second leg was after.)
    let src = recorded(600);
    let data = MarketData::load(src.path(), Vec::new()).unwrap();
    let mut profile = Profile::default();
    profile.engine.intra_venue = false;
    let mut m = ModelParams::perfect();
    m.fill_prob = [1.0, 0.0, 1.0];
    m.operator_ack_ns = Some(1_000_000_000);
    let outcomes = montecarlo::run_paths(&data, &profile, &m, CASH, opts(8, 3, 0)).unwrap();
    let mut total = 0;
    for o in &outcomes {
        assert!(o.orders[1] > 0, "second legs were placed");
        assert_eq!(o.filled[1], 0);
        assert!(
            o.orders[2] > 0 && o.filled[2] > 0,
            "hedges placed and filled"
        );
        assert!(o.pnl < o.expected, "pnl {} expected {}", o.pnl, o.expected);
        total += o.pnl;
    }
    assert!(total < 0, "unwinding costs money: {total}");
    // With the second legs filling, the same data makes money.
    m.fill_prob = [1.0; 3];
    let fine = montecarlo::run_paths(&data, &profile, &m, CASH, opts(2, 3, 0)).unwrap();
    assert!(fine[0].pnl > 0 && fine[0].filled[1] > 0, "{:?}", fine[0]);
    assert!(fine[0].orders[2] < outcomes[0].orders[2], "fewer unwinds");
}

#[test]
fn lane_pnl_adds_up_to_the_portfolio_pnl_on_every_path() {
    let src = recorded(300);
    let data = MarketData::load(src.path(), Vec::new()).unwrap();
    let outcomes = montecarlo::run_paths(
        &data,
        &Profile::default(),
        &ModelParams::default(),
        CASH,
        opts(12, 5, 2),
    )
    .unwrap();
    assert!(outcomes.iter().any(|o| o.filled[0] > 0));
    for o in &outcomes {
        assert_eq!(o.lane_pnl[0] + o.lane_pnl[1], o.pnl, "{o:?}");
    }
}

#[test]
fn the_perfect_model_settles_every_path_alike_because_everything_is_hedged() {
    let src = recorded(300);
    let data = MarketData::load(src.path(), Vec::new()).unwrap();
    let outcomes = montecarlo::run_paths(
        &data,
        &Profile::default(),
        &ModelParams::perfect(),
        CASH,
        opts(8, 11, 2),
    )
    .unwrap();
    assert!(outcomes[0].filled[0] > 0);
    assert!(outcomes.iter().all(|o| o.pnl == outcomes[0].pnl));
    assert!(outcomes[0].pnl <= outcomes[0].expected, "no free money");
}

fn stderr_of(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = arb().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_reports_json_and_a_plot_and_names_bad_input() {
    let src = recorded(120);
    let tmp = tempfile::tempdir().unwrap();
    let plot = tmp.path().join("mc.svg");
    let out = arb()
        .arg("montecarlo")
        .arg(src.path())
        .args(["--paths", "6", "--seed", "3", "--json", "--plot"])
        .arg(&plot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "no progress line in --json mode");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["paths"], 6);
    assert_eq!(v["seed"], 3);
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<polyline") && svg.contains("<rect"));

    let missing: PathBuf = tmp.path().join("nope");
    let (code, err) = stderr_of(&["montecarlo".as_ref(), missing.as_os_str()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nope"), "{err}");

    // A journal with no market data in it.
    let empty = tmp.path().join("empty");
    let mut w = arb::journal::JournalWriter::create(&empty, Default::default()).unwrap();
    w.append_event(1, &arb::event::Event::Tick).unwrap();
    w.finish().unwrap();
    let (code, err) = stderr_of(&["montecarlo".as_ref(), empty.as_os_str()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no market data") && err.contains("empty"),
        "{err}"
    );

    let (code, err) = stderr_of(&[
        "montecarlo".as_ref(),
        src.path().as_os_str(),
        "--paths".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--paths"), "{err}");

    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[montecarlo]\nfill_prob = 2\n").unwrap();
    let (code, err) = stderr_of(&[
        "montecarlo".as_ref(),
        src.path().as_os_str(),
        "--profile".as_ref(),
        bad.as_os_str(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("montecarlo.fill_prob"),
        "{err}"
    );
}

#[test]
fn diff_with_paths_puts_both_profiles_through_the_same_paths() {
    let src = recorded(300);
    let profiles = root().join("profiles");
    let out = arb()
        .arg("diff")
        .arg("--profile")
        .arg(profiles.join("conservative.toml"))
        .arg("--profile")
        .arg(profiles.join("aggressive.toml"))
        .arg(src.path())
        .args(["--paths", "6", "--seed", "2", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (a, b) = (&v["montecarlo"]["a"], &v["montecarlo"]["b"]);
    assert_eq!(a["paths"], 6);
    assert_eq!(b["seed"], 2);
    assert_ne!(
        a["expected_mean"], b["expected_mean"],
        "the profiles trade differently"
    );
    // Without --paths, diff is as before.
    let out = arb()
        .arg("diff")
        .arg("--profile")
        .arg(profiles.join("conservative.toml"))
        .arg("--profile")
        .arg(profiles.join("aggressive.toml"))
        .arg(src.path())
        .arg("--json")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("montecarlo").is_none());
}
