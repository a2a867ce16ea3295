//! The simulator's admin calls (`POST /_sim/position`, `POST /_sim/settle`), a book
//! subscription to a market not listed yet, and seeded results through the running
//! driver.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod lifecycle_support;

use arb::core::Money;
use arb::venues::kalshi::ws::KalshiWs;
use lifecycle_support::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_admin_calls_plant_and_settle_and_refuse_bad_input() {
    let sim = start(SCENARIO, 1.0).await;
    let url = |p: &str| format!("http://{}/_sim/{p}", sim.addr);
    for (body, status, says) in [
        (
            json!({"venue": "nyse", "market": "KXALWAYS-1", "outcome": "yes", "qty": "1"}),
            400,
            "venue",
        ),
        (
            json!({"venue": "kalshi", "market": "NOPE", "outcome": "yes", "qty": "1"}),
            404,
            "not found",
        ),
        (
            json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "maybe", "qty": "1"}),
            400,
            "outcome",
        ),
        (
            json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "yes", "qty": "-2"}),
            400,
            "qty",
        ),
        (
            json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "yes", "qty": "1", "account": "mallory"}),
            400,
            "account",
        ),
    ] {
        let (code, reply) = post(url("position"), body.clone()).await;
        assert_eq!(code, status, "{body} -> {reply}");
        assert!(reply["error"].as_str().unwrap().contains(says), "{reply}");
    }
    let (code, _) = post(
        url("position"),
        json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "no", "qty": "2.5", "account": "arb-kalshi"}),
    )
    .await;
    assert_eq!(code, 200);
    let before = cash(&ledger(&sim).await, "arb-kalshi");
    let (code, reply) = post(
        url("settle"),
        json!({"market": "KXALWAYS-1", "result": "no"}),
    )
    .await;
    assert_eq!(code, 200, "{reply}");
    let m = wait_status(&sim, "KXALWAYS-1", "finalized").await;
    assert_eq!(m["result"], "no");
    assert_eq!(
        cash(&ledger(&sim).await, "arb-kalshi"),
        Money(before.0 + 2_500_000)
    );
    let (code, _) = post(url("settle"), json!({"market": "NOPE", "result": "no"})).await;
    assert_eq!(code, 404);
    let (code, _) = post(
        url("settle"),
        json!({"market": "KXALWAYS-1", "result": "maybe"}),
    )
    .await;
    assert_eq!(code, 400);
    // Subscribing to the book of a market not listed yet is an error, not a crash.
    let mut ws = KalshiWs::connect(&sim.kalshi_ws(), Some(&kalshi_signer()))
        .await
        .unwrap();
    ws.subscribe(&["orderbook_delta"], &["KXSCHED-1".to_string()])
        .await
        .unwrap();
    let (_, text) = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(get(format!("{}/markets", sim.kalshi_base())).await.0, 200);
    sim.stop().await;
}

/// Ten rolling questions settled on fair values, played fast.
const ROLLING: &str = r#"
name = "rolling"
seed = 77
start_ms = 1795996800000
duration_s = 30
step_ms = 50
tick_ms = 1000

[cash]
kalshi = "10.00"
polymarket = "10.00"

[[rolling]]
name = "flip"
every_s = 1
count = 10
open_for_s = 2
settle_after_s = 0
fair = 0.5
volatility = 0.05
spread = 0.02
depth = 10
levels = 1
dislocation = 0.0
dislocation_size = 0.0
kalshi_prefix = "KXFLIP"
"#;

/// The results of the rolling questions once all have settled.
async fn rolling_results(text: &str) -> Vec<(String, String)> {
    let sim = start(text, 50.0).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = get(format!(
            "{}/markets?status=settled&limit=100",
            sim.kalshi_base()
        ))
        .await;
        let got: Vec<(String, String)> = body["markets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["ticker"].as_str().unwrap().to_string(),
                    m["result"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if got.len() == 10 {
            sim.stop().await;
            return got;
        }
        assert!(Instant::now() < deadline, "only {got:?} settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_seed_always_gives_the_same_results() {
    let first = rolling_results(ROLLING).await;
    assert_eq!(first, rolling_results(ROLLING).await);
    let yes = first.iter().filter(|(_, r)| r == "yes").count();
    assert!((1..10).contains(&yes), "{first:?}");
    let other = rolling_results(&ROLLING.replace("seed = 77", "seed = 78")).await;
    assert_ne!(first, other, "another seed, other results");
}
