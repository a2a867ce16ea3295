//! A 429 storm through `arb live` and the simulator, judged by the journal: the
//! Polymarket orders breaker opens (journaled `Breaker`), no entry is made while it is
//! open (they are skipped: `CircuitOpen`, or `Halted` when an episode the storm caught
//! half-done put the engine in safe mode first), it goes half-open after its cool-down,
//! and after the storm (and the operator's acknowledgement of any exposure it left)
//! entries resume and the probe closes it.

mod common;

use common::live::arb;
use std::path::Path;

#[test]
fn a_429_storm_opens_the_orders_breaker_pauses_entries_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/storm.toml");
    let cfg = dir.path().join("live.toml");
    let profile = dir.path().join("profile.toml");
    // Unwind rather than stop at the first leg left alone, and no loss cap or failure
    // count to halt the run (this test is about the breaker); the breaker's pattern is
    // two failures in a row (configured), so that a storm opens it before an episode it
    // catches half-done stops entries (safe mode) and with them the failures.
    std::fs::write(
        &profile,
        "[legging]\nunwind_max_loss = \"0.10\"\n[risk]\ndaily_loss_cap = \"100000\"\nmax_consecutive_failures = 0\n",
    )
    .unwrap();
    std::fs::write(
        &cfg,
        format!(
            "profile = {:?}\n[limits]\nbreaker_failures = 2\n[sim]\nscenario = {:?}\n",
            profile.display().to_string(),
            scenario.display().to_string()
        ),
    )
    .unwrap();
    let journal = dir.path().join("j");
    let child = arb()
        .args(["live", "--duration", "20", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The storm is over at 10 s: the operator acknowledges what it left unhedged.
    std::thread::sleep(std::time::Duration::from_millis(11_500));
    let ack = arb()
        .args(["ack", "--note", "storm over, exposure checked", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        ack.status.success(),
        "{}",
        String::from_utf8_lossy(&ack.stderr)
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = common::live::inspect_records(&journal);
    let orders_breaker = |state: &str| {
        recs.iter().position(|r| {
            let b = &r["body"]["Breaker"];
            b["venue"] == "Polymarket" && b["endpoint"] == "Orders" && b["state"] == state
        })
    };
    let places: Vec<usize> = (0..recs.len())
        .filter(|&i| recs[i]["body"].get("PlaceOrder").is_some())
        .collect();
    let opened = orders_breaker("Open").expect("the orders breaker opens in the storm");
    assert!(
        places.iter().any(|&i| i < opened),
        "entries before the storm"
    );
    // Closed again: the last change of the orders breaker is Closed.
    let last_change = recs
        .iter()
        .rposition(|r| {
            let b = &r["body"]["Breaker"];
            b["venue"] == "Polymarket" && b["endpoint"] == "Orders"
        })
        .unwrap();
    assert_eq!(
        recs[last_change]["body"]["Breaker"]["state"], "Closed",
        "recovered after the storm"
    );
    // While open (until the next change: the probe's half-open), entries are skipped.
    let reopened_or_probe = (opened + 1..recs.len())
        .find(|&i| {
            let b = &recs[i]["body"]["Breaker"];
            b["venue"] == "Polymarket" && b["endpoint"] == "Orders"
        })
        .unwrap();
    // No entry while it is open. (An episode already under way may still decide its
    // second leg or an unwind: the governor refuses those locally, so nothing reaches
    // the venue, and the legging policy takes it from there.)
    let entries_while_open = recs[opened..reopened_or_probe]
        .iter()
        .filter(|r| r["body"].get("Intent").is_some())
        .count();
    assert_eq!(entries_while_open, 0, "no entry while the breaker is open");
    assert_eq!(
        recs[reopened_or_probe]["body"]["Breaker"]["state"], "HalfOpen",
        "the cool-down ends in a probe"
    );
    let skips: Vec<&serde_json::Value> = recs[opened..reopened_or_probe]
        .iter()
        .filter_map(|r| r["body"]["Skipped"].get("reason"))
        .collect();
    assert!(!skips.is_empty(), "entries seen and skipped while open");
    assert!(
        skips.iter().all(|r| *r == "CircuitOpen" || *r == "Halted"),
        "{skips:?}"
    );
    assert!(
        places.iter().any(|&i| i > last_change),
        "entries resume after the storm"
    );
}
