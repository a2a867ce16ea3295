//! Reconciliation while running (issue 12): `arb live` against a standalone `arb sim`
//! reads each venue's positions and cash every `reconcile_s`. A position planted at the
//! venue behind the engine's back (on a market the engine watches but does not trade) is
//! journaled as a `Discrepancy` with both values within one interval, confirmed on the
//! next read, adopted, and puts the engine in safe mode, which `status.json` shows.
//! The position is planted with the simulator's admin call (`POST /_sim/position`).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::event::Decision;
use common::live::{Sim, journal_records, orders_json, replay_json, spawn_live};
use std::time::Duration;

/// A Kalshi market of the scenario the engine does not trade (its pair's confidence
/// is below the profile's minimum).
const UNTRADED: &str = "KXNYCSNOW-26DEC-T1";

/// Plants `qty` YES of `ticker` in the engine's Kalshi account behind its back: the
/// simulator's admin call (no order, no cash change).
fn plant(sim: &Sim, ticker: &str, qty: i64) {
    let body = serde_json::json!({
        "venue": "kalshi", "market": ticker, "outcome": "yes", "qty": qty.to_string(),
    });
    let (status, answer) = sim.admin("position", Some(body));
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn a_position_planted_behind_the_engines_back_is_found_within_one_interval_and_means_safe_mode() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start("60");
    let cfg = sim.live_config(
        dir.path(),
        None,
        "reconcile_s = 1.0\nstatus_every_s = 0.2\n",
        None,
    );
    let journal = dir.path().join("j");
    let mut live = spawn_live(&cfg, &journal, "10");
    std::thread::sleep(Duration::from_secs(3));
    plant(&sim, UNTRADED, 7);
    let planted_at = arb::clock::wall_ns();
    // While it runs, status.json says why new entries stopped.
    let mut status = serde_json::Value::Null;
    for _ in 0..60 {
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(bytes) = std::fs::read(journal.join("status.json"))
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        {
            status = v;
            if status["engine"]["halt_reason"] == "UnexplainedPosition" {
                break;
            }
        }
    }
    assert!(live.wait().unwrap().success());
    assert_eq!(status["engine"]["mode"], "safe", "{status}");
    assert_eq!(
        status["engine"]["halt_reason"], "UnexplainedPosition",
        "{status}"
    );
    assert!(
        status["engine"]["discrepancies"].as_u64().unwrap() >= 2,
        "{status}"
    );

    let records = journal_records(&journal);
    let market = records
        .iter()
        .find_map(|r| match &r.body {
            arb::journal::RecordBody::Event(arb::event::Event::MarketDefined(m))
                if m.venue_id == UNTRADED =>
            {
                Some(m.id)
            }
            _ => None,
        })
        .unwrap();
    // The Kalshi markets carry their close time as the venue lists it (the simulator's
    // markets without a scheduled close list 2030-01-01).
    for r in &records {
        if let arb::journal::RecordBody::Event(arb::event::Event::MarketDefined(m)) = &r.body
            && m.venue == arb::core::Venue::Kalshi
        {
            assert_eq!(m.close_ts, Some(1_893_456_000_000_000_000), "{m:?}");
        }
    }
    let found: Vec<(i64, arb::event::Discrepancy)> = records
        .iter()
        .filter_map(|r| match &r.body {
            arb::journal::RecordBody::Decision(Decision::Discrepancy(d))
                if d.what
                    == (arb::event::DiscrepancyKind::Position {
                        market,
                        outcome: arb::core::Outcome::Yes,
                    }) =>
            {
                Some((r.ts, *d))
            }
            _ => None,
        })
        .collect();
    assert!(!found.is_empty(), "the planted position was never found");
    let (first_ts, first) = found[0];
    assert_eq!((first.engine, first.venue_value), (0, 7_000_000));
    assert!(!first.confirmed);
    assert!(
        first_ts - planted_at < 2_500_000_000,
        "found {} ms after it was planted (interval 1 s)",
        (first_ts - planted_at) / 1_000_000
    );
    assert!(
        found.iter().any(|(_, d)| d.confirmed),
        "confirmed by the next read: {found:?}"
    );
    let decisions: Vec<&Decision> = records
        .iter()
        .filter_map(|r| match &r.body {
            arb::journal::RecordBody::Decision(d) => Some(d),
            _ => None,
        })
        .collect();
    assert!(decisions.iter().any(|d| matches!(
        d,
        Decision::Halt {
            reason: arb::event::HaltReason::UnexplainedPosition
        }
    )));
    // Adopted, and so counted as exposure; the operator acknowledges it.
    let view = orders_json(&journal);
    assert!(
        view["positions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["market"] == UNTRADED && p["qty"] == "7.00"),
        "adopted: {view}"
    );
    assert_eq!(replay_json(&journal)["mismatches"], 0);
}
