//! Paper runs and replay: determinism, fills within displayed depth, cash never
//! overdrawn, divergence and torn-tail reporting, and the CLI around them.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::Outcome;
use arb::engine::Reducer;
use arb::event::{BookSide, Decision, Event, NoLeg};
use arb::journal::{Journal, JournalWriter, RecordBody, SyncMode, WriterOptions};
use arb::run::{paper, replay};
use arb::sim::Scenario;
use common::live::arb;
use std::path::{Path, PathBuf};

fn scenario(name: &str) -> Scenario {
    Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

/// A shortened copy of a shipped scenario (tests stay fast).
fn short(name: &str, seconds: i64) -> Scenario {
    let mut s = scenario(name);
    s.duration_ns = seconds * 1_000_000_000;
    s
}

fn paper_run(s: &Scenario, dir: &Path) -> paper::PaperSummary {
    paper::run_scenario(
        s,
        &arb::config::Profile::default(),
        dir,
        SyncMode::OsBuffered,
    )
    .unwrap()
}

#[test]
fn shipped_scenarios_replay_to_the_same_decisions_and_hash() {
    for name in ["arb-rich.toml", "quiet-day.toml"] {
        let dir = tempfile::tempdir().unwrap();
        let s = short(name, 900);
        let run = paper_run(&s, dir.path());
        let (rep, _) = replay::replay(dir.path()).unwrap();
        assert_eq!(rep.mismatches, 0, "{name}: {:?}", rep.first_mismatches);
        assert_eq!(
            (rep.events, rep.decisions),
            (run.events, run.decisions),
            "{name}"
        );
        assert_eq!(rep.state_hash, run.state_hash, "{name}");
        assert_eq!(rep.torn_tail, None);
    }
}

#[test]
fn the_arb_rich_scenario_trades_and_the_quiet_day_mostly_does_not() {
    let rich = tempfile::tempdir().unwrap();
    let r = paper_run(&short("arb-rich.toml", 900), rich.path());
    assert!(
        r.opportunities.intra_venue > 10 && r.opportunities.cross_venue > 10,
        "{r:?}"
    );
    assert!(r.intents > 10 && r.fills >= 2 * r.intents, "{r:?}");
    // Legs placed one after the other against a venue that fills what it shows: every
    // pair completes, nothing is left unhedged.
    assert_eq!(r.mode, arb::event::Mode::Normal, "{r:?}");
    let quiet = tempfile::tempdir().unwrap();
    let q = paper_run(&short("quiet-day.toml", 3600), quiet.path());
    assert!(
        q.intents * 20 < r.intents.max(20),
        "quiet {q:?} vs rich {r:?}"
    );
}

#[test]
fn same_scenario_same_journal_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let s = short("arb-rich.toml", 300);
    paper_run(&s, a.path());
    paper_run(&s, b.path());
    let read = |d: &Path| std::fs::read(d.join("00000000.arbj")).unwrap();
    assert!(
        read(a.path()) == read(b.path()),
        "two runs of one seed wrote different journals"
    );
    let mut other = s.clone();
    other.seed += 1;
    let c = tempfile::tempdir().unwrap();
    paper_run(&other, c.path());
    assert!(read(a.path()) != read(c.path()), "the seed drives the run");
}

/// Walks a paper journal with a reducer and checks every fill against the book the
/// engine held just before it, and free cash after every event.
#[test]
fn fills_stay_within_displayed_depth_and_cash_is_never_overdrawn() {
    let dir = tempfile::tempdir().unwrap();
    paper_run(&short("arb-rich.toml", 1200), dir.path());
    let (records, _) = Journal::open(dir.path()).unwrap().read_all().unwrap();
    let mut r = Reducer::default();
    let mut out = Vec::new();
    let mut fills = 0;
    for rec in records {
        let RecordBody::Event(ev) = rec.body else {
            continue;
        };
        if let Event::Fill(f) = &ev {
            let m = r.markets().get(f.market).unwrap();
            let (side, level_price) = match (f.outcome, m.meta.no_leg) {
                (Outcome::No, NoLeg::SameBook) => (BookSide::Bid, f.price.complement()),
                _ => (BookSide::Ask, f.price),
            };
            assert!(
                m.book.qty_at(side, level_price) >= f.qty,
                "fill {f:?} beyond displayed depth"
            );
            fills += 1;
        }
        out.clear();
        r.apply(rec.ts, &ev, &mut out);
        for v in arb::core::Venue::ALL {
            assert!(
                r.portfolio().available(v).0 >= 0,
                "{v} overdrawn after {ev:?}"
            );
        }
    }
    assert!(fills > 20);
}

fn rewrite_with(
    src: &Path,
    dst: &Path,
    mut change: impl FnMut(u64, RecordBody) -> Option<RecordBody>,
) {
    let (records, _) = Journal::open(src).unwrap().read_all().unwrap();
    let mut w = JournalWriter::create(
        dst,
        WriterOptions {
            sync: SyncMode::OsBuffered,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    for rec in records {
        match change(rec.seq, rec.body) {
            Some(RecordBody::Event(e)) => w.append_event(rec.ts, &e).unwrap(),
            Some(RecordBody::Decision(d)) => w.append_decision(rec.ts, &d).unwrap(),
            None => continue,
        };
    }
    w.finish().unwrap();
}

/// Copies a journal, appending after some records an extra decision.
fn rewrite_with_extra(
    src: &Path,
    dst: &Path,
    mut extra: impl FnMut(&RecordBody) -> Option<Decision>,
) {
    let (records, _) = Journal::open(src).unwrap().read_all().unwrap();
    let mut w = JournalWriter::create(
        dst,
        WriterOptions {
            sync: SyncMode::OsBuffered,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    for rec in records {
        let add = extra(&rec.body);
        match rec.body {
            RecordBody::Event(e) => w.append_event(rec.ts, &e).unwrap(),
            RecordBody::Decision(d) => w.append_decision(rec.ts, &d).unwrap(),
        };
        if let Some(d) = add {
            w.append_decision(rec.ts, &d).unwrap();
        }
    }
    w.finish().unwrap();
}

#[test]
fn a_divergent_decision_is_named_with_its_seq_and_both_values() {
    let dir = tempfile::tempdir().unwrap();
    paper_run(&short("arb-rich.toml", 300), dir.path());
    let bad = tempfile::tempdir().unwrap();
    let mut changed_seq = None;
    rewrite_with(dir.path(), bad.path(), |seq, body| match body {
        RecordBody::Decision(Decision::PlaceOrder(mut o)) if changed_seq.is_none() => {
            changed_seq = Some(seq);
            o.qty.0 += 1_000_000;
            Some(RecordBody::Decision(Decision::PlaceOrder(o)))
        }
        other => Some(other),
    });
    let seq = changed_seq.expect("the run placed an order");
    let (rep, _) = replay::replay(bad.path()).unwrap();
    assert_eq!(rep.mismatches, 1);
    let m = &rep.first_mismatches[0];
    assert_eq!(m.seq, seq);
    assert_ne!(m.recorded, m.computed);
    assert!(m.recorded.is_some() && m.computed.is_some());

    let out = arb()
        .arg("replay")
        .arg(bad.path())
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "mismatch exit code");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mismatches"], 1);
    assert_eq!(v["first_mismatches"][0]["seq"], seq);

    // A recorded decision that went missing is noticed too.
    let missing = tempfile::tempdir().unwrap();
    let mut deleted = false;
    rewrite_with(dir.path(), missing.path(), |_, body| match body {
        RecordBody::Decision(Decision::Intent(_)) if !deleted => {
            deleted = true;
            None
        }
        other => Some(other),
    });
    let (rep, _) = replay::replay(missing.path()).unwrap();
    assert!(rep.mismatches >= 1, "a deleted intent is noticed");
    assert!(
        rep.first_mismatches[0]
            .computed
            .as_ref()
            .unwrap()
            .get("Intent")
            .is_some()
    );

    // Regression: more recorded decisions than computed ones (a forged extra decision)
    // once sliced past the end of the computed list and panicked.
    let extra = tempfile::tempdir().unwrap();
    let mut forged = false;
    rewrite_with_extra(dir.path(), extra.path(), |body| {
        if !forged && matches!(body, RecordBody::Decision(Decision::PlaceOrder(_))) {
            forged = true;
            let id = arb::core::ClientOrderId {
                opportunity: 1,
                leg: 0,
                attempt: 0,
            };
            return Some(Decision::CancelOrder { id });
        }
        None
    });
    let (rep, _) = replay::replay(extra.path()).unwrap();
    assert!(
        rep.first_mismatches
            .iter()
            .any(|m| m.computed.is_none() && m.recorded.is_some()),
        "{:?}",
        rep.first_mismatches
    );
}

#[test]
fn replay_json_has_the_documented_fields_and_reports_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    paper_run(&short("arb-rich.toml", 120), dir.path());
    let seg = dir.path().join("00000000.arbj");
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 7)
        .unwrap();
    let out = arb()
        .arg("replay")
        .arg(dir.path())
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "events",
        "decisions",
        "mismatches",
        "state_hash",
        "torn_tail",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    let torn = v["torn_tail"].as_u64().expect("torn tail offset");
    assert!(torn < len && torn > len - 200, "{torn} vs {len}");
    assert_eq!(v["mismatches"], 0);
}

#[test]
fn paper_from_journal_runs_the_lanes_over_recorded_market_data() {
    let src = tempfile::tempdir().unwrap();
    let s = short("arb-rich.toml", 600);
    let first = paper_run(&s, src.path());
    let out = tempfile::tempdir().unwrap();
    let journal = out.path().join("j");
    // The source's market ids line up with the scenario's markets; map its pairs.
    let mapping = out.path().join("pairs.toml");
    let mut text = String::from("version = 1\n");
    for p in &s.pairs {
        let (k, m) = (&s.markets[p.a.0 as usize], &s.markets[p.b.0 as usize]);
        text += &format!(
            "[[pair]]\nkalshi = \"{}\"\npolymarket = \"{}\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = {}\n",
            k.venue_id,
            m.venue_id,
            f64::from(p.confidence_bp) / 10_000.0
        );
    }
    std::fs::write(&mapping, text).unwrap();
    let specs = arb::mapping::load(&mapping).unwrap();
    let cash = s.cash;
    let second = paper::run_from_journal(
        src.path(),
        &arb::config::Profile::default(),
        specs,
        cash,
        &journal,
        SyncMode::OsBuffered,
    )
    .unwrap();
    assert_eq!(second.unresolved_pairs, 0);
    assert!(
        second.opportunities.cross_venue > 0 && second.intents > 0,
        "{second:?}"
    );
    // Its own venue fills against the recorded books; whatever it decided replays.
    assert!(first.intents > 0);
    let (rep, _) = replay::replay(&journal).unwrap();
    assert_eq!(rep.mismatches, 0);
    assert_eq!(rep.state_hash, second.state_hash);
}

#[test]
fn cli_paper_replay_inspect_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let scn = dir.path().join("s.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arb-rich.toml"),
    )
    .unwrap();
    std::fs::write(&scn, text.replace("duration_s = 3600", "duration_s = 120")).unwrap();
    let journal: PathBuf = dir.path().join("j");
    let out = arb()
        .args(["paper", "--json", "--scenario"])
        .arg(&scn)
        .arg("--journal")
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = arb()
        .arg("replay")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["state_hash"], summary["state_hash"]);
    assert_eq!(rep["events"], summary["events"]);

    let out = arb().arg("inspect").arg(&journal).output().unwrap();
    let lines = String::from_utf8(out.stdout).unwrap();
    let n = lines.lines().count() as u64;
    assert_eq!(
        n,
        summary["events"].as_u64().unwrap() + summary["decisions"].as_u64().unwrap()
    );
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 1);
    assert!(first["body"]["ConfigLoaded"].is_object(), "{first}");

    let out = arb()
        .arg("inspect")
        .arg(&journal)
        .args(["--books", "--json"])
        .output()
        .unwrap();
    let books: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let k = &books["KXFEDDECISION-26DEC-C25"];
    let best_bid = k["bids"][0][0].as_str().unwrap();
    let best_ask = k["asks"][0][0].as_str().unwrap();
    assert!(best_bid < best_ask && best_bid.len() == 6, "{k}");

    // Refuses to overwrite a journal.
    let out = arb()
        .args(["paper", "--scenario"])
        .arg(&scn)
        .arg("--journal")
        .arg(&journal)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a journal"));
}

#[test]
fn bad_scenario_and_profile_values_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quiet-day.toml"),
    )
    .unwrap();
    let scn = dir.path().join("bad.toml");
    std::fs::write(&scn, base.replacen("fair = 0.42", "fair = 1.42", 1)).unwrap();
    let out = arb()
        .args(["paper", "--scenario"])
        .arg(&scn)
        .arg("--journal")
        .arg(dir.path().join("j"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("bad.toml") && err.contains("fed-cut-dec") && err.contains("fair"),
        "{err}"
    );

    let profile = dir.path().join("p.toml");
    std::fs::write(&profile, "[sizing]\nmax_contracts = -3\n").unwrap();
    let out = arb()
        .args(["paper", "--profile"])
        .arg(&profile)
        .arg("--journal")
        .arg(dir.path().join("k"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("p.toml") && err.contains("sizing.max_contracts"),
        "{err}"
    );
    assert!(
        !dir.path().join("k").exists(),
        "nothing written on a bad profile"
    );

    let out = arb()
        .args(["replay"])
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere"));
}

#[test]
fn orders_view_matches_the_run_that_wrote_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let run = paper_run(&short("arb-rich.toml", 600), dir.path());
    let v = arb::run::orders::view(dir.path()).unwrap();
    assert_eq!(v.positions.len(), run.open_positions);
    assert_eq!(v.mode, format!("{:?}", run.mode).to_lowercase());
    assert!(
        v.open_orders.is_empty(),
        "paper orders are immediate-or-cancel: none stay open"
    );
    let polymarket_cash = v
        .cash
        .iter()
        .find(|(venue, _)| venue == "polymarket")
        .unwrap();
    assert_eq!(
        polymarket_cash.1, run.cash.polymarket,
        "nothing reserved once every order is done"
    );
}

#[test]
fn diff_of_two_profiles_shows_where_they_part_and_a_profile_against_itself_does_not() {
    let dir = tempfile::tempdir().unwrap();
    paper_run(&short("arb-rich.toml", 600), dir.path());
    let profiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let (cons, aggr) = (
        profiles.join("conservative.toml"),
        profiles.join("aggressive.toml"),
    );
    let load = |p: &Path| arb::config::Profile::load(p).unwrap();
    let cash = [arb::core::Money::dollars(1000); 2];
    let same = arb::run::diff::diff(
        dir.path(),
        (&cons, load(&cons)),
        (&cons, load(&cons)),
        Vec::new(),
        cash,
        5,
    )
    .unwrap();
    assert_eq!(same.differing_records, 0);
    assert!(same.first_differences.is_empty());
    assert_eq!(
        same.a.summary.state_hash, same.b.summary.state_hash,
        "deterministic"
    );
    let d = arb::run::diff::diff(
        dir.path(),
        (&cons, load(&cons)),
        (&aggr, load(&aggr)),
        Vec::new(),
        cash,
        3,
    )
    .unwrap();
    assert!(
        d.differing_records > 0 && d.first_differences.len() == 3,
        "the shipped profiles change decisions on the shipped scenario"
    );
    assert_ne!(d.a.summary.state_hash, d.b.summary.state_hash);
    let first = &d.first_differences[0];
    assert_ne!(first.a, first.b);
    // The CLI prints the same comparison as JSON.
    let out = arb()
        .arg("diff")
        .arg("--profile")
        .arg(&cons)
        .arg("--profile")
        .arg(&aggr)
        .arg(dir.path())
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["differing_records"], d.differing_records);
    let out = arb()
        .arg("diff")
        .arg("--profile")
        .arg(&cons)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one profile is not a diff");
}
