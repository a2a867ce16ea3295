//! `arb live` end to end against the embedded simulator, and its journal's replay.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use std::process::Command;

fn arb() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arb"))
}

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
    let out = arb().arg("inspect").arg(&journal).output().unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut sim = arb()
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--duration",
            "20",
            "--speed",
            "20",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(sim.stdout.take().unwrap()).lines();
    let mut urls = std::collections::BTreeMap::new();
    while urls.len() < 2 {
        let line = lines.next().unwrap().unwrap();
        if let Some((k, v)) = line.split_once(": ") {
            urls.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    let key = dir.path().join("k.pem");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/sim/keys/kalshi_sim_only_rsa2048.pem"),
        &key,
    )
    .unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
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
    let _ = sim.kill();
    let _ = sim.wait();
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
