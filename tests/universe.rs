//! Discovery (issue 13): `arb universe` against a standalone `arb sim` lists every open
//! market of both venues from their paginated endpoints (Kalshi `GET /markets` and
//! `GET /events` by cursor, several pages here, and `GET /series`; Polymarket's Gamma
//! `GET /markets` and `GET /events` by offset, checked against the CLOB's `GET
//! /markets`) into a universe file; a market listed and one closed while the simulator
//! runs show up (and drop out) on the next listing. `arb live` under `[universe]
//! discover` trades that universe with no ticker or token list in its configuration,
//! each market defined from the listing (no per-market reads).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Discovering, Sim, arb};
use serde_json::Value;
use std::path::Path;

/// Questions 0..6 on both venues; question 5 lists 100 s into the scenario, question 6
/// closes then (the simulator runs 20 times faster than the wall clock: 5 s).
fn scenario(dir: &Path) -> std::path::PathBuf {
    scenario_dislocated(dir, 0.0)
}

/// As `scenario`, each question's quotes dislocated with probability `dislocation`.
fn scenario_dislocated(dir: &Path, dislocation: f64) -> std::path::PathBuf {
    let mut text = String::from(
        "name = \"universe\"\nseed = 3\nstart_ms = 1795996800000\nduration_s = 3600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"1000.00\"\npolymarket = \"1000.00\"\n",
    );
    for i in 0..7 {
        text += &format!(
            "[[question]]\nname = \"q{i}\"\nfair = 0.4\nvolatility = 0.002\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = {dislocation}\ndislocation_size = 0.08\nkalshi = \"{}\"\npolymarket_yes = \"{}\"\npolymarket_no = \"{}\"\n",
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
    let run = common::live::run_ok(
        arb()
            .args(["universe", "--page-size", "2", "--json", "--config"])
            .arg(cfg)
            .arg("--out")
            .arg(out),
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
    assert_eq!(
        q0["series_ticker"], "universe",
        "from the events listing: {q0}"
    );
    assert_eq!(
        q0["fee_multiplier_bp"], 10_000,
        "from the series listing: {q0}"
    );
    let c0 = first["polymarket"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["tokens"][0][1] == token(0, 1).as_str())
        .unwrap();
    assert_eq!(c0["tokens"][1], serde_json::json!(["No", token(0, 2)]));
    assert_eq!(c0["tick"], 0.01, "{c0}");
    assert_eq!(c0["fees"]["rate"], 0.04, "Gamma's fee schedule: {c0}");
    assert_eq!(c0["event"], "q0", "{c0}");
    assert_eq!(
        first["polymarket_events"].as_array().unwrap().len(),
        6,
        "one Gamma event per open condition: {summary}"
    );
    // Six conditions, two a Gamma page: markets 4 pages (the last short), events 4,
    // and the CLOB's listing (one page). Kalshi: 3 market pages, 3 event pages
    // (two events a page, six events), one series listing.
    assert_eq!(summary["polymarket_pages"], 4, "{summary}");
    assert_eq!(summary["requests"], serde_json::json!([7, 9]), "{summary}");
    assert_eq!(summary["left_out"], 0, "{summary}");

    // The universe file is what the mapping tool reads: each question's Kalshi market
    // finds its own Polymarket condition first.
    let csv = dir.path().join("candidates.csv");
    common::live::run_ok(
        arb()
            .args(["mapping", "candidates", "--universe"])
            .arg(dir.path().join("u1.json"))
            .arg("--out")
            .arg(&csv),
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let table = arb::mapping::csv::parse(&text, "candidates.csv").unwrap();
    let mut firsts = std::collections::BTreeMap::new();
    for row in 1..=table.rows.len() {
        firsts
            .entry(table.get(row, "kalshi_ticker").to_string())
            .or_insert(table.get(row, "polymarket_id").to_string());
    }
    for i in (0..7).filter(|&i| i != 5) {
        assert_eq!(
            firsts.get(&kalshi(i)).map(String::as_str),
            Some(format!("q{i}").as_str()),
            "{text}"
        );
    }

    // 100 s of scenario time later: question 5 listed, question 6 closed.
    std::thread::sleep(std::time::Duration::from_secs(7));
    let (summary, later) = universe(&cfg, &dir.path().join("u2.json"));
    let open_later: Vec<String> = (0..6).map(kalshi).collect();
    assert_eq!(kalshi_tickers(&later), open_later, "{summary}");
    let tokens = polymarket_tokens(&later);
    assert!(tokens.contains(&token(5, 1)), "listed since: {tokens:?}");
    assert!(!tokens.contains(&token(6, 1)), "closed since: {tokens:?}");
}

#[test]
fn arb_live_trades_the_listed_universe_with_no_market_list() {
    let d = Discovering::start(|dir| scenario_dislocated(dir, 0.3));
    let (journal, recs) = d.run("discover = true\npage_size = 2\nrefresh_s = 0\n", "6");
    let defined: Vec<&Value> = recs
        .iter()
        .filter_map(|r| r["body"].get("MarketDefined"))
        .collect();
    let ids = |venue: &str| -> Vec<String> {
        let mut v: Vec<String> = defined
            .iter()
            .filter(|m| m["venue"] == venue)
            .map(|m| m["venue_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let open_at_start: Vec<String> = (0..7).filter(|&i| i != 5).map(kalshi).collect();
    assert_eq!(ids("Kalshi"), open_at_start);
    let mut tokens: Vec<String> = (0..7)
        .filter(|&i| i != 5)
        .flat_map(|i| [token(i, 1), token(i, 2)])
        .collect();
    tokens.sort();
    assert_eq!(ids("Polymarket"), tokens);
    // Fees from the listings: the Kalshi series' multiplier, Gamma's fee schedule.
    for m in &defined {
        let fees = &m["fees"];
        match m["venue"].as_str().unwrap() {
            "Kalshi" => assert_eq!(fees["Kalshi"]["multiplier_bp"], 10_000, "{m}"),
            _ => assert_eq!(fees["Polymarket"]["rate_ppm"], 40_000, "{m}"),
        }
    }
    let pairs = recs
        .iter()
        .filter(|r| r["body"].get("PairDefined").is_some())
        .count();
    assert_eq!(
        pairs, 6,
        "every listed question's pair (q5 is not listed yet)"
    );
    let orders = recs
        .iter()
        .filter(|r| r["body"].get("PlaceOrder").is_some())
        .count();
    assert!(orders > 0, "the discovered markets are traded");

    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(journal.join("universe.json")).unwrap())
            .unwrap();
    assert_eq!(kalshi_tickers(&file), open_at_start);
    // The log says when every market traded had its first book, and how long it took.
    let log = std::fs::read_to_string(journal.join("logs/arb.log")).unwrap();
    let ready: Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "ready: every market traded has a book")
        .expect("the run said when it was ready");
    assert_eq!(ready["markets"], 18, "{ready}");
    assert!(ready["seconds"].as_str().unwrap().parse::<f64>().unwrap() > 0.0);
    // Start-up read the listings only: no market was asked for on its own (the
    // simulator counts requests by route; one asked for now is the only one).
    let (status, _) = d
        .sim
        .call(&format!("/trade-api/v2/markets/{}", kalshi(0)), None);
    assert_eq!(status, 200);
    let requests = &d.sim.ledger()["requests"];
    assert_eq!(
        requests["GET /trade-api/v2/markets/{ticker}"], 1,
        "{requests}"
    );
    for route in [
        "GET /trade-api/v2/events/{event_ticker}",
        "GET /trade-api/v2/series/{series_ticker}",
        "GET /clob-markets/{condition_id}",
        "GET /markets-by-token/{token_id}",
    ] {
        assert!(requests.get(route).is_none(), "{route}: {requests}");
    }
    assert!(
        requests["GET /gamma/markets"].as_u64().unwrap() >= 4,
        "{requests}"
    );
}

#[test]
fn a_running_arb_live_takes_on_markets_listed_since_and_hears_of_those_gone() {
    let d = Discovering::start(|dir| scenario_dislocated(dir, 0.3));
    // Question 5 lists 5 s into the run (100 s of scenario time), question 6 closes then.
    let (journal, recs) = d.run("discover = true\nrefresh_s = 1\n", "9");
    let id_of = |venue_id: &str| common::live::market_id(&recs, venue_id);
    let q5 = [kalshi(5), token(5, 1), token(5, 2)];
    let first_book = recs
        .iter()
        .position(|r| r["body"].get("BookSnapshot").is_some())
        .unwrap();
    for v in &q5 {
        let defined = recs
            .iter()
            .position(|r| r["body"]["MarketDefined"]["venue_id"] == v.as_str())
            .unwrap_or_else(|| panic!("{v} defined once listed"));
        assert!(defined > first_book, "{v} was defined while running");
        let id = id_of(v);
        let book = recs
            .iter()
            .position(|r| r["body"]["BookSnapshot"]["market"] == id);
        assert!(
            book.is_some_and(|b| b > defined),
            "{v} streamed after its definition"
        );
    }
    let (k5, p5) = (id_of(&kalshi(5)), id_of(&token(5, 1)));
    assert!(
        recs.iter()
            .any(|r| r["body"]["PairDefined"]["a"] == k5 && r["body"]["PairDefined"]["b"] == p5),
        "q5's pair completed from the mapping"
    );
    for v in [kalshi(6), token(6, 1), token(6, 2)] {
        let id = id_of(&v);
        assert!(
            recs.iter()
                .any(|r| r["body"]["MarketClosed"]["market"] == id),
            "{v} closed, as its venue says"
        );
    }
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(journal.join("universe.json")).unwrap())
            .unwrap();
    let open_later: Vec<String> = (0..6).map(kalshi).collect();
    assert_eq!(kalshi_tickers(&file), open_later, "the last listing");
    let replay = common::live::replay_json(&journal);
    assert_eq!(replay["mismatches"], 0, "{replay}");
}

#[test]
fn the_shipped_10k_universe_scenario_holds_10002_markets() {
    let s = common::live::shipped_scenario("universe-10k.toml");
    assert_eq!(s.markets.len(), 10_002);
    assert_eq!(s.pairs.len(), 3_334);
}

#[test]
fn a_restart_under_discovery_keeps_every_market_id_and_adds_those_listed_meanwhile() {
    let d = Discovering::start(|dir| scenario_dislocated(dir, 0.3));
    // First run: 3 s, before question 5 lists (5 s in).
    let (journal, first) = d.run("discover = true\nrefresh_s = 0\n", "3");
    let ids_of = |recs: &[Value]| -> std::collections::BTreeMap<String, Value> {
        recs.iter()
            .filter_map(|r| r["body"].get("MarketDefined"))
            .map(|m| (m["venue_id"].as_str().unwrap().to_string(), m["id"].clone()))
            .collect()
    };
    let before = ids_of(&first);
    assert!(!before.contains_key(&kalshi(5)));
    std::thread::sleep(std::time::Duration::from_secs(4));
    // Second run on the same journal: it continues it.
    let (_, all) = d.run("discover = true\nrefresh_s = 0\n", "3");
    let after = ids_of(&all);
    for (venue_id, id) in &before {
        assert_eq!(&after[venue_id], id, "{venue_id} keeps its id");
    }
    for v in [kalshi(5), token(5, 1), token(5, 2)] {
        assert!(
            after.contains_key(&v),
            "{v} listed meanwhile, defined at the restart"
        );
    }
    let defined_twice = all
        .iter()
        .filter_map(|r| r["body"].get("MarketDefined"))
        .count()
        - after.len();
    assert_eq!(defined_twice, 0, "no market defined twice");
    let replay = common::live::replay_json(&journal);
    assert_eq!(replay["mismatches"], 0, "{replay}");
}

#[test]
fn a_mutually_exclusive_event_listed_while_running_gets_its_ladder() {
    // The base scenario, plus a three-bucket Kalshi event listed 100 s in (5 s here).
    let d = Discovering::start(|dir| {
        let base = std::fs::read_to_string(scenario(dir)).unwrap();
        let mut text = base.replacen(
            "[cash]",
            "exclusive_events = [\"KXUNIVRATE-26DEC\"]\n[cash]",
            1,
        );
        for (i, fair) in [(0, 0.2), (1, 0.5), (2, 0.3)] {
            text += &format!(
                "[[question]]\nname = \"rate-{i}\"\nevent = \"KXUNIVRATE-26DEC\"\nfair = {fair}\nvolatility = 0.002\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"KXUNIVRATE-26DEC-B{i}\"\nlist_at_s = 100\n"
            );
        }
        let path = dir.join("ladder.toml");
        std::fs::write(&path, text).unwrap();
        path
    });
    let (_, recs) = d.run("discover = true\nrefresh_s = 1\n", "8");
    let buckets: Vec<Value> = (0..3)
        .map(|i| common::live::market_id(&recs, &format!("KXUNIVRATE-26DEC-B{i}")))
        .collect();
    let last_defined = recs
        .iter()
        .rposition(|r| {
            r["body"]["MarketDefined"]["venue_id"]
                .as_str()
                .is_some_and(|v| v.starts_with("KXUNIVRATE"))
        })
        .unwrap();
    let ladder = recs
        .iter()
        .position(|r| {
            r["body"]["GroupDefined"]["members"]
                .as_array()
                .is_some_and(|ms| ms.iter().any(|m| buckets.contains(&m["market"])))
        })
        .expect("the event's ladder is defined once its markets are");
    assert!(ladder > last_defined, "after its markets");
    let members: Vec<Value> = recs[ladder]["body"]["GroupDefined"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["market"].clone())
        .collect();
    assert_eq!(members, buckets, "every bucket of the event, nothing else");
}
