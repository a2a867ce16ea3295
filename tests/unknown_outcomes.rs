//! No order outcome is assumed (issue 12): `arb live` against a standalone `arb sim`
//! whose venue takes orders and then loses the answer (`lost_ack`), answers after the
//! client gave up (`timeout_after_accept`) or answers 5xx (`error_after_accept`), on
//! each venue. Each such order is journaled `OrderUnknown`, looked up at the venue and
//! resolved by what the venue says; it is never placed twice, and at the end the
//! engine's positions are the venue's.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{
    Sim, inspect_records, no_unknown_orders, orders_json, orders_placed_twice,
    positions_engine_and_venue, replay_json,
};
use std::collections::BTreeMap;

/// Runs `arb live` against a simulator whose `venue` shows fault `kind` (with `extra`
/// TOML) the whole time (12 s for Kalshi, whose orders are rarer: only cross-venue
/// legs go there; 8 s for Polymarket), and checks the journal and the venue's ledger: every
/// order met it (its unknown reason has `expect` in it) and was resolved.
fn unknown_outcomes_resolve(venue: &str, kind: &str, extra: &str, expect: &str) {
    let account = format!("arb-{venue}");
    let dir = tempfile::tempdir().unwrap();
    let fault = format!(
        "[[fault]]\nat_s = 0\nduration_s = 400\nkind = \"{kind}\"\nvenue = \"{venue}\"\n{extra}\n"
    );
    let scenario = common::live::scenario_with_faults(dir.path(), &fault);
    let sim = Sim::start_with(Some(&scenario), "60");
    // The client gives up after 1 s; an order still absent 1 s after (and three
    // lookups) is the venue's "no such order".
    let top = "request_timeout_s = 1.0\nunknown_settle_s = 1.0\norder_poll_ms = 150\n";
    // Limits far above what the run builds up, so that trading goes on through every
    // fault window (an unanswered leg counts as a loss until it is resolved).
    let roomy = "[risk]\nmax_exposure_per_venue = \"1000000\"\nmax_exposure_per_market = \"1000000\"\nmax_exposure_per_event = \"1000000\"\ndaily_loss_cap = \"1000000\"\nmax_consecutive_failures = 0\n";
    let cfg = sim.live_config(dir.path(), Some(&scenario), top, Some(roomy));
    let journal = dir.path().join("j");
    let secs = if venue == "kalshi" { "12" } else { "8" };
    common::live::live_cli(&cfg, &journal, secs);
    let ledger = sim.ledger();
    drop(sim);
    if std::env::var_os("ARB_KEEP_RUNS").is_some() {
        eprintln!("journal kept in {}", journal.display());
        std::mem::forget(dir);
        return;
    }

    let records = inspect_records(&journal);
    // Each order's journaled answers, in order.
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reasons = Vec::new();
    for r in &records {
        let body = &r["body"];
        for kind in [
            "OrderUnknown",
            "OrderAck",
            "OrderReject",
            "Fill",
            "OrderCanceled",
        ] {
            if let Some(v) = body.get(kind) {
                let id = serde_json::to_string(&v["id"]).unwrap();
                answers.entry(id).or_default().push(kind.to_string());
                if kind == "OrderUnknown" {
                    reasons.push(v["reason"].as_str().unwrap().to_string());
                }
            }
        }
    }
    let unknown: Vec<(&String, &Vec<String>)> = answers
        .iter()
        .filter(|(_, a)| a.contains(&"OrderUnknown".to_string()))
        .collect();
    eprintln!(
        "{venue} {kind}: {} orders of unknown outcome: {reasons:?}",
        unknown.len()
    );
    assert!(
        !reasons.is_empty() && reasons.iter().all(|r| r.contains(expect)),
        "{venue}: every order meets {kind} ({expect:?} in its reason): {reasons:?}"
    );
    for (id, a) in &unknown {
        // Unknown first; then the venue's answer: found (acked, with its fills and
        // end), or, looked up and absent, refused. Never a reject before the lookup.
        assert_eq!(a[0], "OrderUnknown", "{id}: {a:?}");
        let resolved = a[1..].iter().any(|k| k == "OrderAck" || k == "OrderReject");
        assert!(resolved, "{id} was never resolved: {a:?}");
    }
    assert!(
        unknown
            .iter()
            .any(|(_, a)| a.get(1).map(String::as_str) == Some("OrderAck")),
        "{venue}: an order the venue took was found there: {unknown:?}"
    );
    assert_eq!(orders_placed_twice(&ledger), Vec::<String>::new());
    let (engine, at_venue) = positions_engine_and_venue(&journal, &ledger, venue, &account);
    assert_eq!(engine, at_venue, "engine and {venue} disagree on positions");
    let view = orders_json(&journal);
    assert!(
        no_unknown_orders(&view),
        "an order is still of unknown outcome: {view}"
    );
    let rep = replay_json(&journal);
    assert_eq!(rep["mismatches"], 0, "{rep}");
}

#[test]
fn kalshi_lost_ack_is_unknown_then_found() {
    unknown_outcomes_resolve("kalshi", "lost_ack", "", "connection closed");
}

#[test]
fn kalshi_timeout_after_accept_is_unknown_then_found() {
    unknown_outcomes_resolve(
        "kalshi",
        "timeout_after_accept",
        "delay_ms = 3000",
        "timed out",
    );
}

#[test]
fn kalshi_error_after_accept_is_unknown_then_found() {
    unknown_outcomes_resolve("kalshi", "error_after_accept", "status = 502", "HTTP 502");
}

#[test]
fn polymarket_lost_ack_is_unknown_then_found() {
    unknown_outcomes_resolve("polymarket", "lost_ack", "", "connection closed");
}

#[test]
fn polymarket_timeout_after_accept_is_unknown_then_found() {
    unknown_outcomes_resolve(
        "polymarket",
        "timeout_after_accept",
        "delay_ms = 3000",
        "timed out",
    );
}

#[test]
fn polymarket_error_after_accept_is_unknown_then_found() {
    unknown_outcomes_resolve(
        "polymarket",
        "error_after_accept",
        "status = 502",
        "HTTP 502",
    );
}
