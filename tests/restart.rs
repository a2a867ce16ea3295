//! `arb live` stopped (cleanly, or with kill -9) and started again on the same journal,
//! against one standalone `arb sim` that outlives it: the journal continues and
//! replays, no client order id reaches the venue twice, and recovery reports what it
//! rebuilt and reconciled.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Sim, arb, orders_placed_twice, positions_engine_and_venue};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// Small enough that the killed runs below write snapshots while they trade.
const SNAPSHOT_EVERY: u64 = 100;

fn snapshot_seqs(journal: &Path) -> Vec<u64> {
    arb::journal::snapshot::list_snapshots(journal)
        .unwrap()
        .into_iter()
        .map(|s| s.0)
        .collect()
}

#[test]
fn live_continues_its_journal_after_a_clean_stop_and_after_kill_9() {
    crash_trials(Some(ROOMY_RISK), 20261124);
}

/// Exposure caps far above what the runs build up: the harness is about crashes, and
/// with the default caps the positions it accumulates stop new entries early.
const ROOMY_RISK: &str = "[risk]\nmax_exposure_per_venue = \"1000000\"\nmax_exposure_per_market = \"1000000\"\nmax_exposure_per_event = \"1000000\"\ndaily_loss_cap = \"1000000\"\n";

/// The same with resting second legs: a kill may leave one working at the venue (and
/// a Polymarket one does not expire by itself); the restart follows and cancels it.
#[test]
fn resting_second_legs_survive_kill_9_too() {
    let profile = format!("{ROOMY_RISK}[legging]\nsecond_leg_rest_ms = 400\nresubmits = 1\n");
    crash_trials(Some(&profile), 20261125);
}

/// The same while the venues lose order answers (issue 12): in every 2 s of wall time,
/// each venue in turn takes orders and drops the connection, answers after the
/// client's 1 s timeout, or answers 502. Kills land while orders are of unknown
/// outcome; the restarts look them up, and nothing is placed twice.
#[test]
fn orders_of_unknown_outcome_survive_kill_9_too() {
    let mut faults = String::new();
    // Scenario time at the simulator's speed 20: 40 s of it is 2 s of wall time.
    for cycle in 0..90 {
        let t = cycle * 40;
        for (i, (kind, extra)) in [
            ("lost_ack", ""),
            ("timeout_after_accept", "delay_ms = 2500\n"),
            ("error_after_accept", "status = 502\n"),
        ]
        .iter()
        .enumerate()
        {
            let venue = if (cycle + i) % 2 == 0 {
                "kalshi"
            } else {
                "polymarket"
            };
            faults += &format!(
                "[[fault]]\nat_s = {}\nduration_s = 8\nkind = \"{kind}\"\nvenue = \"{venue}\"\n{extra}",
                t + 12 * i
            );
        }
    }
    crash_trials_with(
        Some(ROOMY_RISK),
        20261206,
        &faults,
        "request_timeout_s = 1.0\nunknown_settle_s = 1.0\norder_poll_ms = 150\n",
    );
}

/// Two clean runs, then `ARB_CRASH_TRIALS` runs killed with SIGKILL at seeded moments,
/// then a clean run; then the journal, the venue's ledger and the engine must agree.
fn crash_trials(profile: Option<&str>, seed: u64) {
    crash_trials_with(profile, seed, "", "");
}

/// `crash_trials` against a simulator whose scenario has `faults` (TOML `[[fault]]`
/// tables; none when empty), with `top` added to the live config.
fn crash_trials_with(profile: Option<&str>, seed: u64, faults: &str, top: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir_buf = tmp.path().to_path_buf();
    let _cleanup = if std::env::var_os("ARB_KEEP_RUNS").is_some() {
        // Left for a look: `arb inspect DIR/j`, `arb orders DIR/j`.
        eprintln!("journal kept in {}", dir_buf.display());
        std::mem::forget(tmp);
        None
    } else {
        Some(tmp)
    };
    let dir = dir_buf.as_path();
    let scenario = (!faults.is_empty()).then(|| common::live::scenario_with_faults(dir, faults));
    let sim = Sim::start_with(scenario.as_deref(), "3600");
    let cfg = sim.live_config(
        dir,
        scenario.as_deref(),
        &format!("snapshot_every_events = {SNAPSHOT_EVERY}\n{top}"),
        profile,
    );
    let journal = dir.join("j");
    let run = |secs: &str| {
        let out = arb()
            .args(["live", "--json", "--duration", secs, "--config"])
            .arg(&cfg)
            .arg("--journal")
            .arg(&journal)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = run("2");
    assert!(first["recovered"].is_null(), "a new journal: {first}");
    let second = run("2");
    // The clean stop wrote a snapshot of the final state: the restart starts from it
    // and replays nothing before it.
    let snap = &second["recovered"]["snapshot"];
    assert!(
        snap.is_object(),
        "restart used the clean stop's snapshot: {second}"
    );
    assert!(
        snap["events"].as_u64().unwrap() + second["recovered"]["events_replayed"].as_u64().unwrap()
            >= first["events"].as_u64().unwrap(),
        "{second}"
    );
    let after_clean_stops = snapshot_seqs(&journal);
    assert!(!after_clean_stops.is_empty() && after_clean_stops.len() <= 2);

    // kill -9 at seeded random moments (while trading, between legs, mid-write),
    // each run continuing the journal. ARB_CRASH_TRIALS sets how many (CI: 3).
    let trials: u64 = std::env::var("ARB_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut rng = arb::core::Rng::new(seed);
    for trial in 0..trials {
        let ms = rng.range_i64(250, 2500) as u64;
        // The operator acknowledges any exposure a kill left (the run consumes the
        // file at start), so the runs keep trading rather than sit in safe mode.
        let acked = arb()
            .args(["ack", "--note", "crash harness", "--journal"])
            .arg(&journal)
            .output()
            .unwrap();
        assert!(acked.status.success());
        let mut child = arb()
            .args(["live", "--config"])
            .arg(&cfg)
            .arg("--journal")
            .arg(&journal)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if trials > 10 && trial % 25 == 0 {
            eprintln!("crash trial {trial}: killed after {ms} ms");
        }
    }
    // Killed runs get no final snapshot; the periodic ones are written as they trade.
    let after_kills = snapshot_seqs(&journal);
    assert!(
        trials == 0 || after_kills[0] > after_clean_stops[0],
        "a killed run wrote a periodic snapshot (every {SNAPSHOT_EVERY} events): {after_kills:?} vs {after_clean_stops:?}"
    );
    let last = run("2");
    assert!(!last["recovered"].is_null());
    assert!(
        last["recovered"]["snapshot"]["seq"].as_u64() >= Some(after_kills[0]),
        "the restart after the crashes used the newest snapshot: {last}"
    );

    // The journal replays: every recorded decision recomputed, a torn tail at most cut.
    let out = arb()
        .arg("replay")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["mismatches"], 0, "{rep}");
    // No client order id reached the venue twice (Kalshi keeps them; Polymarket orders
    // are identified by their signed hash).
    let l = sim.ledger();
    assert_eq!(
        orders_placed_twice(&l),
        Vec::<String>::new(),
        "placed twice"
    );
    let ids: Vec<&str> = l["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["client_order_id"].as_str())
        .filter(|c| c.starts_with("arb-"))
        .collect();
    assert!(!ids.is_empty(), "the runs traded on Kalshi: {l}");
    // The engine's Kalshi positions are the venue's (recovery reconciled them).
    let out = arb()
        .arg("orders")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (venue_name, account_name) in [("kalshi", "arb-kalshi"), ("polymarket", "arb-polymarket")] {
        let (engine, venue) = positions_engine_and_venue(&journal, &l, venue_name, account_name);
        assert_eq!(
            engine, venue,
            "engine and venue disagree on {venue_name} positions"
        );
    }
    assert!(
        view["open_orders"].as_array().unwrap().is_empty(),
        "every order reconciled to an end: {view}"
    );
    // What the runs did, by decision: with a resting profile, second legs rested.
    let out = arb().arg("inspect").arg(&journal).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let resting = text.matches("GoodTillTime").count();
    let cancels = text.matches("\"CancelOrder\"").count();
    // Exposure left open at the end is exposure the engine knew about: either the
    // exit policy holds it (the default profile: it is exited or stopped later) or the
    // engine journaled the unhedged halt (safe mode) handing it to the operator.
    let handed_over = text.contains("\"UnhedgedExposure\"");
    for e in view["exposure"].as_array().unwrap() {
        let held = e["held_since_ms"].is_i64() && e["given_up"] == false;
        assert!(
            held || handed_over,
            "exposure neither held by the exit policy nor in safe mode: {e}"
        );
    }
    let intents = text.matches("\"Intent\"").count();
    let unknowns = text.matches("\"OrderUnknown\"").count();
    assert!(
        faults.is_empty() || unknowns > 0,
        "the runs met the lost answers: no OrderUnknown journaled"
    );
    // The start after the first clean stop lifts the halt that stop left, before the
    // engine looks at any opportunity.
    let after_restart = text
        .split("\"Restarted\"")
        .nth(1)
        .expect("the second run journaled its restart");
    let lifted = after_restart.find("\"ModeChange\":{\"from\":\"Halted\"");
    let first_skip = after_restart.find("\"Skipped\"");
    assert!(
        lifted.is_some_and(|l| first_skip.is_none_or(|s| l < s)),
        "the restart did not lift the shutdown halt"
    );
    let mut skips: BTreeMap<&str, usize> = BTreeMap::new();
    for piece in text.split("\"Skipped\":{").skip(1) {
        if let Some(reason) = piece
            .split("\"reason\":\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        {
            *skips.entry(reason).or_default() += 1;
        }
    }
    eprintln!(
        "{trials} kill points: {intents} entries, {unknowns} orders of unknown outcome, {resting} resting orders, {cancels} cancels at a deadline, {} Kalshi orders at the venue, skips {skips:?}",
        ids.len()
    );
    assert_eq!(
        profile.is_some_and(|p| p.contains("second_leg_rest_ms")),
        resting > 0,
        "resting legs only with the profile"
    );
}
