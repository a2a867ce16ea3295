//! `arb live` end to end against the embedded simulator, and its journal's replay.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Sim, arb, inspect_records, secret_file};
use std::process::Command;

/// The first Polymarket question of the embedded arb-rich scenario.
const POLY_YES: &str =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const POLY_NO: &str =
    "52114319501245915516055106046884209969926127482827954674443846427813813222426";

#[test]
fn live_with_no_venue_trades_the_embedded_simulator_and_replays_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let out = arb()
        .args(["live", "--json", "--duration", "3", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        live["venue"]
            .as_str()
            .unwrap()
            .contains("embedded simulator"),
        "{live}"
    );
    assert!(
        live["events"].as_u64().unwrap() > 20,
        "books streamed in: {live}"
    );
    let out = arb()
        .arg("replay")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["mismatches"], 0);
    assert_eq!(rep["events"], live["events"]);
    assert_eq!(rep["state_hash"], live["state_hash"]);
    // Every order the engine placed came back answered: acked or rejected.
    let records = inspect_records(&journal);
    let placed: Vec<&serde_json::Value> = records
        .iter()
        .filter_map(|r| r["body"].get("PlaceOrder"))
        .map(|p| &p["id"])
        .collect();
    for id in &placed {
        let answered = records.iter().any(|r| {
            r["body"]
                .get("OrderAck")
                .or(r["body"].get("OrderReject"))
                .is_some_and(|a| &a["id"] == *id)
        });
        assert!(answered, "order {id} was never answered");
    }
    // The books the engine built are the simulator's books: both sides present.
    let out = arb()
        .arg("inspect")
        .arg(&journal)
        .args(["--books", "--json"])
        .output()
        .unwrap();
    let books: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fed = &books["KXFEDDECISION-26DEC-C25"];
    assert!(
        !fed["bids"].as_array().unwrap().is_empty() && !fed["asks"].as_array().unwrap().is_empty(),
        "{books}"
    );
}

#[test]
fn a_real_venue_endpoint_needs_the_explicit_flag() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        "[kalshi]\nrest_url = \"https://api.elections.kalshi.com/trade-api/v2\"\nws_url = \"wss://api.elections.kalshi.com/trade-api/ws/v2\"\nkey_id = \"k\"\nprivate_key = { env = \"ARB_TEST_NO_SUCH_KEY\" }\nmarkets = [\"T\"]\n",
    )
    .unwrap();
    let out = arb()
        .args(["live", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(dir.path().join("j"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--allow-real-venues") && err.contains("api.elections.kalshi.com"),
        "{err}"
    );
    assert!(!dir.path().join("j").exists(), "nothing written");
    // With the flag, the missing credential is the next thing refused (named, not shown).
    let out = arb()
        .args(["live", "--allow-real-venues", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(dir.path().join("j"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ARB_TEST_NO_SUCH_KEY"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn record_then_import_reproduces_the_simulators_books() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start("20");
    let urls = &sim.urls;
    let key = secret_file(
        dir.path(),
        "k.pem",
        arb::sim::server::sim_keys::KALSHI_KEY_PEM,
    );
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!(
            "[kalshi]\nrest_url = \"{}\"\nws_url = \"{}\"\nkey_id = \"arb-sim-key\"\nprivate_key = {{ file = \"{}\" }}\nmarkets = [\"KXFEDDECISION-26DEC-C25\"]\n",
            urls["kalshi rest"],
            urls["kalshi ws"],
            key.display()
        ),
    )
    .unwrap();
    // Polymarket: record the market channel of two tokens, import, books.
    let poly_cfg = dir.path().join("poly.toml");
    std::fs::write(
        &poly_cfg,
        format!(
            "[polymarket]\nrest_url = \"{}\"\nws_url = \"{}/ws/market\"\ndata_url = \"{}\"\nprivate_key = {{ env = \"UNUSED\" }}\napi_creds = {{ env = \"UNUSED\" }}\ntokens = [\"{POLY_YES}\", \"{POLY_NO}\"]\n",
            urls["polymarket rest"],
            urls["polymarket ws"],
            urls["polymarket rest"],
        ),
    )
    .unwrap();
    let poly_rec = dir.path().join("poly.jsonl");
    let out = arb()
        .args([
            "record",
            "--venue",
            "polymarket",
            "--duration",
            "1.5",
            "--config",
        ])
        .arg(&poly_cfg)
        .arg("--out")
        .arg(&poly_rec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let poly_journal = dir.path().join("pj");
    let out = arb()
        .args(["import", "--venue", "polymarket"])
        .arg(&poly_rec)
        .arg("--journal")
        .arg(&poly_journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = arb()
        .arg("inspect")
        .arg(&poly_journal)
        .args(["--books", "--json"])
        .output()
        .unwrap();
    let books: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !books[POLY_YES]["asks"].as_array().unwrap().is_empty(),
        "{books}"
    );

    let rec = dir.path().join("day.jsonl");
    let out = arb()
        .args([
            "record",
            "--venue",
            "kalshi",
            "--duration",
            "1.5",
            "--config",
        ])
        .arg(&cfg)
        .arg("--out")
        .arg(&rec)
        .output()
        .unwrap();
    drop(sim);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&rec).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(
        first["recv_ms"].as_i64().unwrap() > 1_700_000_000_000 && first["frame"].is_object(),
        "{first}"
    );
    let journal = dir.path().join("j");
    let out = arb()
        .args(["import", "--json", "--venue", "kalshi"])
        .arg(&rec)
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
    assert_eq!(
        summary["skips"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !k.starts_with("unsupported"))
            .count(),
        0,
        "{summary}"
    );
    let out = arb()
        .arg("inspect")
        .arg(&journal)
        .args(["--books", "--json"])
        .output()
        .unwrap();
    let books: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fed = &books["KXFEDDECISION-26DEC-C25"];
    assert!(
        !fed["bids"].as_array().unwrap().is_empty() && !fed["asks"].as_array().unwrap().is_empty(),
        "{books}"
    );
}

#[test]
fn sigterm_stops_live_cleanly_and_the_journal_replays() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let child = arb()
        .args(["live", "--json", "--journal"])
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a clean stop");
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        live["open_orders"], 0,
        "in-flight orders were waited for: {live}"
    );
    let out = arb()
        .arg("replay")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["mismatches"], 0);
    assert_eq!(
        rep["torn_tail"],
        serde_json::Value::Null,
        "the journal was flushed, not torn"
    );
    // The stop is in the journal: the shutdown halted new entries before the end.
    let out = arb().arg("inspect").arg(&journal).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"Operator\":\"Shutdown\""), "{text}");
    assert!(text.contains("\"Halt\":{\"reason\":\"Shutdown\"}"));
}

#[test]
fn arb_halt_stops_new_orders_of_a_running_live_and_ack_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let child = arb()
        .args(["live", "--json", "--duration", "4", "--journal"])
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = arb()
        .args(["halt", "--reason", "test", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = arb()
        .args(["ack", "--note", "looked at it", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let records = inspect_records(&journal);
    let halt_seq = records
        .iter()
        .find(|r| r["body"]["Operator"]["KillSwitch"]["engaged"] == true)
        .map(|r| r["seq"].as_u64().unwrap())
        .expect("the halt file became a journaled kill switch");
    // No new entry after the halt; an order after it can only be the second leg or
    // the unwind of an opportunity entered before it (those close existing exposure).
    let entered_before: Vec<u64> = records
        .iter()
        .filter(|r| r["seq"].as_u64().unwrap() < halt_seq)
        .filter_map(|r| r["body"]["Intent"]["opportunity"].as_u64())
        .collect();
    for r in records
        .iter()
        .filter(|r| r["seq"].as_u64().unwrap() > halt_seq)
    {
        assert!(
            r["body"].get("Intent").is_none(),
            "an entry after the halt: {r}"
        );
        if let Some(o) = r["body"].get("PlaceOrder") {
            let opp = o["id"]["opportunity"].as_u64().unwrap();
            assert!(
                entered_before.contains(&opp) && o["id"]["leg"].as_u64().unwrap() >= 1,
                "an order after the halt that is not a later leg of an earlier entry: {r}"
            );
        }
    }
    assert!(
        records
            .iter()
            .any(|r| r["body"]["Operator"]["AckExposure"]["note"] == "looked at it"),
        "the ack is journaled"
    );
    // The query view reads the same journal.
    let out = arb()
        .arg("orders")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["mode"], "halted");
    assert!(view["open_orders"].as_array().unwrap().is_empty());
}

#[test]
fn balances_are_refreshed_on_the_configured_timer_and_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("live.toml");
    // With reconciliation off: the venues' balances are then simply refreshed.
    std::fs::write(&cfg, "balance_refresh_s = 1\nreconcile_s = 0\n").unwrap();
    let journal = dir.path().join("j");
    let out = arb()
        .args(["live", "--duration", "3.5", "--config"])
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
    let out = arb().arg("inspect").arg(&journal).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for venue in ["Kalshi", "Polymarket"] {
        let n = text
            .lines()
            .filter(|l| l.contains("\"Balance\"") && l.contains(&format!("\"venue\":\"{venue}\"")))
            .count();
        assert!(
            n >= 3,
            "{venue}: {n} balance events (one at start, then every second)"
        );
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "balance_refresh_s = 0\n").unwrap();
    let out = arb()
        .args(["live", "--config"])
        .arg(&bad)
        .arg("--journal")
        .arg(dir.path().join("k"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("balance_refresh_s"));
}

#[test]
fn the_environment_kill_switch_starts_live_halted() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let out = arb()
        .args(["live", "--json", "--duration", "2", "--journal"])
        .arg(&journal)
        .env("ARB_KILL_SWITCH", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = inspect_records(&journal);
    let halt = recs
        .iter()
        .position(|r| r["body"]["Operator"]["KillSwitch"]["engaged"] == true)
        .expect("the kill switch is journaled");
    let first_market = recs
        .iter()
        .position(|r| r["body"].get("MarketDefined").is_some())
        .unwrap();
    assert!(halt < first_market, "halted before any market data");
    assert!(
        recs.iter()
            .any(|r| r["body"]["Skipped"]["reason"] == "Halted")
    );
    assert!(!recs.iter().any(|r| r["body"].get("PlaceOrder").is_some()));
}

#[test]
fn a_venue_halt_stops_entries_with_a_leg_there_and_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let child = arb()
        .args(["live", "--json", "--duration", "4", "--journal"])
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = arb()
        .args(["halt", "--venue", "polymarket", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = arb()
        .args(["lane", "cross_venue", "--disable", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(child.wait_with_output().unwrap().status.success());
    let recs = inspect_records(&journal);
    let seq_of = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        recs.iter()
            .find(|r| pred(r))
            .map(|r| r["seq"].as_u64().unwrap())
    };
    let halted = seq_of(&|r| r["body"]["Operator"]["VenueHalt"]["engaged"] == true)
        .expect("the venue halt is journaled");
    seq_of(&|r| r["body"]["Operator"]["LaneEnabled"]["enabled"] == false)
        .expect("the lane switch is journaled");
    // Every opportunity of the embedded scenario has a Polymarket leg: no entry after.
    assert!(
        !recs
            .iter()
            .any(|r| r["seq"].as_u64().unwrap() > halted && r["body"].get("Intent").is_some()),
        "an entry after the venue halt"
    );
    assert!(recs.iter().any(|r| {
        r["seq"].as_u64().unwrap() > halted && r["body"]["Skipped"]["reason"] == "VenueHalted"
    }));
    // The switches are files the core reads; the halt is released by resume.
    let out = arb()
        .args(["resume", "--venue", "polymarket", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!journal.join("control/halt-polymarket").exists());
    let out = arb()
        .args(["lane", "sideways", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a lane"));
}

#[test]
fn preflight_passes_on_the_simulator_and_fails_red_on_an_unreachable_venue_which_live_refuses() {
    let out = arb().args(["preflight", "--json"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for want in [
        "kalshi reachable",
        "kalshi stream",
        "polymarket stream",
        "dry run",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );

    // A Kalshi endpoint where nothing listens: red, exit 1; and arb live will not start.
    let dir = tempfile::tempdir().unwrap();
    let key = secret_file(
        dir.path(),
        "k.pem",
        arb::sim::server::sim_keys::KALSHI_KEY_PEM,
    );
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!(
            "[kalshi]\nrest_url = \"http://{dead}/trade-api/v2\"\nws_url = \"ws://{dead}/ws\"\nkey_id = \"k\"\nprivate_key = {{ file = \"{}\" }}\nmarkets = [\"KXT\"]\n",
            key.display()
        ),
    )
    .unwrap();
    let out = arb()
        .args(["preflight", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL kalshi reachable"), "{text}");
    let out = arb()
        .args(["live", "--duration", "1", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(dir.path().join("j"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("preflight failed") && err.contains("kalshi reachable"),
        "{err}"
    );
    assert!(
        arb::journal::Journal::open(&dir.path().join("j")).is_err(),
        "no journal was started (only the log of the refused start)"
    );

    // A credential refused before any venue is asked: a red check in the JSON too.
    let missing = dir.path().join("missing.pem");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace(&key.display().to_string(), &missing.display().to_string());
    std::fs::write(&cfg, text).unwrap();
    let out = arb()
        .args(["preflight", "--json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = &report["checks"][0];
    assert_eq!(
        (&check["name"], &check["ok"]),
        (&"configuration".into(), &false.into())
    );
    assert!(
        check["detail"].as_str().unwrap().contains("missing.pem"),
        "names the file: {check}"
    );
}
