//! Discovery (issue 13): `arb universe` against a standalone `arb sim` lists every open
//! market of both venues from their paginated endpoints (Kalshi `GET /markets` by
//! cursor, several pages here; Polymarket CLOB `GET /markets` by `next_cursor`) into a
//! universe file, with no ticker list in the configuration; a market listed and one
//! closed while the simulator runs show up (and drop out) on the next listing.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Sim, arb};
use serde_json::Value;
use std::path::Path;

/// Questions 0..6 on both venues; question 5 lists 100 s into the scenario, question 6
/// closes then (the simulator runs 20 times faster than the wall clock: 5 s).
fn scenario(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from(
        "name = \"universe\"\nseed = 3\nstart_ms = 1795996800000\nduration_s = 3600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"1000.00\"\npolymarket = \"1000.00\"\n",
    );
    for i in 0..7 {
        text += &format!(
            "[[question]]\nname = \"q{i}\"\nfair = 0.4\nvolatility = 0.002\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"{}\"\npolymarket_yes = \"{}\"\npolymarket_no = \"{}\"\n",
            kalshi(i),
            token(i, 1),
            token(i, 2)
        );
        match i {
            5 => text += "list_at_s = 100\n",
            6 => text += "close_at_s = 100\n",
            _ => {}
        }
    }
    let p = dir.join("universe.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn kalshi(i: usize) -> String {
    format!("KXUNIV-26DEC-Q{i}")
}

fn token(i: usize, side: usize) -> String {
    format!("7{i}{side}0000000000000000000000000000000000000000000000000000000000000000000000{i}")
}

/// Runs `arb universe` and returns its summary and the universe file.
fn universe(cfg: &Path, out: &Path) -> (Value, Value) {
    let run = arb()
        .args(["universe", "--page-size", "2", "--json", "--config"])
        .arg(cfg)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = serde_json::from_slice(&run.stdout).unwrap();
    let file = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    (summary, file)
}

fn kalshi_tickers(u: &Value) -> Vec<String> {
    let mut t: Vec<String> = u["kalshi"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["ticker"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

fn polymarket_tokens(u: &Value) -> Vec<String> {
    let mut t: Vec<String> = u["polymarket"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["tokens"].as_array().unwrap().clone())
        .map(|pair| pair[1].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[test]
fn the_universe_is_listed_page_by_page_and_follows_listings_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario(dir.path());
    let sim = Sim::start_with(Some(&scenario), "60");
    // No ticker or token list: the venues' own listings are the universe.
    let cfg = sim.live_config(dir.path(), Some(&scenario), "", None);
    let (summary, first) = universe(&cfg, &dir.path().join("u1.json"));
    let open_at_start: Vec<String> = (0..7).filter(|&i| i != 5).map(kalshi).collect();
    assert_eq!(kalshi_tickers(&first), open_at_start, "{summary}");
    assert_eq!(
        summary["kalshi_pages"], 3,
        "six markets, two a page: {summary}"
    );
    let tokens: Vec<String> = polymarket_tokens(&first);
    assert!(
        tokens.contains(&token(0, 1)) && tokens.contains(&token(6, 2)),
        "{tokens:?}"
    );
    assert!(!tokens.contains(&token(5, 1)), "not listed yet: {tokens:?}");
    let q0 = first["kalshi"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["ticker"] == kalshi(0).as_str())
        .unwrap();
    assert_eq!(
        q0["event_ticker"], "q0",
        "the simulator names a question's event after it: {q0}"
    );

    // 100 s of scenario time later: question 5 listed, question 6 closed.
    std::thread::sleep(std::time::Duration::from_secs(7));
    let (summary, later) = universe(&cfg, &dir.path().join("u2.json"));
    let open_later: Vec<String> = (0..6).map(kalshi).collect();
    assert_eq!(kalshi_tickers(&later), open_later, "{summary}");
    let tokens = polymarket_tokens(&later);
    assert!(tokens.contains(&token(5, 1)), "listed since: {tokens:?}");
    assert!(!tokens.contains(&token(6, 1)), "closed since: {tokens:?}");
}
