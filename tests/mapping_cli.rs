//! `arb mapping candidates` and `arb mapping verify` as a user runs them, on the real
//! listings in shared/fixtures/pairs; listing and CSV errors name where; a nested-markets
//! Kalshi page gives one listing per market.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::mapping::csv;
use arb::mapping::listings::{parse_kalshi, parse_polymarket};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

const PAIRS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/pairs");

fn arb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn candidates_then_verify_on_the_real_listings() {
    let dir = tempfile::tempdir().unwrap();
    let (cand, ver, toml) = (
        dir.path().join("c.csv"),
        dir.path().join("v.csv"),
        dir.path().join("p.toml"),
    );
    let o = arb(&[
        "mapping",
        "candidates",
        "--kalshi",
        &format!("{PAIRS}/steffenmax_kalshi_nba_events.json"),
        "--polymarket",
        &format!("{PAIRS}/steffenmax_poly_nba_events.json"),
        "--out",
        s(&cand),
        "--top",
        "2",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("27 kalshi listings x 738 polymarket markets")
            && out.contains("54 candidates"),
        "{out}"
    );
    let t = csv::parse(&std::fs::read_to_string(&cand).unwrap(), "c.csv").unwrap();
    assert_eq!(t.rows.len(), 54);
    t.require(&[
        "kalshi_ticker",
        "kalshi_title",
        "polymarket_id",
        "polymarket_title",
        "score",
    ])
    .unwrap();
    // The venues' own labels ride along for `verify` to learn league names from.
    assert!(
        (1..=t.rows.len()).all(|r| t.get(r, "kalshi_tags") == "Pro Basketball (M)"
            && t.get(r, "polymarket_tags").split("; ").any(|x| x == "NBA")),
        "{:?}",
        t.rows.first()
    );

    let o = arb(&[
        "mapping",
        "verify",
        "--pairs",
        s(&cand),
        "--out",
        s(&ver),
        "--to-pairs",
        s(&toml),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v = csv::parse(&std::fs::read_to_string(&ver).unwrap(), "v.csv").unwrap();
    let count = |verdict: &str| {
        (1..=v.rows.len())
            .filter(|&r| v.get(r, "verdict") == verdict)
            .count()
    };
    assert_eq!(count("same") + count("different") + count("uncertain"), 54);
    assert!(
        out.contains(&format!(
            "54 rows: {} same, {} different, {} uncertain",
            count("same"),
            count("different"),
            count("uncertain")
        )),
        "{out}"
    );
    assert_eq!(count("same"), 27, "one game winner per Kalshi event");
    assert!(
        (1..=v.rows.len()).all(
            |r| !v.get(r, "reason").is_empty() && v.get(r, "confidence").parse::<f64>().is_ok()
        )
    );
    // Event-level Kalshi listings have no market to trade: the pairs file is empty but valid.
    assert!(arb::mapping::load(&toml).unwrap().is_empty());
}

/// Rows built from the bot's traded pairs (market-level Kalshi tickers) go through
/// `verify --to-pairs` into a version 2 file the engine loads.
#[test]
fn verified_market_level_rows_become_a_pairs_file_the_engine_loads() {
    let dir = tempfile::tempdir().unwrap();
    let poly: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{PAIRS}/steffenmax_poly_nba_events.json")).unwrap(),
    )
    .unwrap();
    let listings = parse_polymarket(&poly, "poly").unwrap();
    let bot: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{PAIRS}/steffenmax_markets_2026-01-09.json")).unwrap(),
    )
    .unwrap();
    let cols = [
        "kalshi_ticker",
        "kalshi_title",
        "polymarket_id",
        "polymarket_title",
        "polymarket_event",
        "polymarket_outcomes",
        "polymarket_description",
        "polymarket_end",
    ];
    let mut t = csv::Table::new("in.csv", cols.iter().map(|c| c.to_string()).collect());
    let mut want = Vec::new();
    for m in bot["markets"].as_array().unwrap() {
        let Some(l) = listings
            .iter()
            .find(|l| Some(l.id.as_str()) == m["poly_condition_id"].as_str())
        else {
            continue;
        };
        let ticker = m["kalshi"]["markets"]["main"].as_str().unwrap();
        want.push((
            ticker.to_string(),
            m["poly_token_ids"][ticker.rsplit_once('-').unwrap().1]
                .as_str()
                .unwrap()
                .to_string(),
        ));
        t.push(vec![
            ticker.into(),
            m["description"].as_str().unwrap().into(),
            l.id.clone(),
            l.title.clone(),
            l.event_id.clone(),
            serde_json::to_string(&l.outcomes).unwrap(),
            l.rules.clone(),
            l.close.clone(),
        ]);
    }
    assert_eq!(want.len(), 15);
    let (inp, out, toml) = (
        dir.path().join("in.csv"),
        dir.path().join("out.csv"),
        dir.path().join("pairs.toml"),
    );
    std::fs::write(&inp, csv::write(&t)).unwrap();
    let o = arb(&[
        "mapping",
        "verify",
        "--pairs",
        s(&inp),
        "--out",
        s(&out),
        "--to-pairs",
        s(&toml),
    ]);
    let (stdout, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        stdout.contains("15 rows: 15 same, 0 different")
            && stdout.contains("15 pairs (15 same, traded)"),
        "{stdout}"
    );
    let specs = arb::mapping::load(&toml).unwrap();
    let got: Vec<(String, String)> = specs
        .iter()
        .map(|p| (p.kalshi.clone(), p.polymarket.clone()))
        .collect();
    assert_eq!(
        got, want,
        "each Kalshi YES mapped to the token the bot traded"
    );
    assert!(specs.iter().all(|p| p.confidence_bp >= 8500));
    let file = std::fs::read_to_string(&toml).unwrap();
    for field in [
        "version = 2",
        "confirmed_by = \"rules\"",
        "verdict = \"same\"",
        "polymarket_title = \"Bucks vs. Lakers\"",
        "polymarket_end = \"2026-01-10T03:30:00Z\"",
    ] {
        assert!(file.contains(field), "{field} missing");
    }
}

#[test]
fn bad_input_is_an_error_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.csv");
    let out = s(&dir.path().join("out.csv")).to_string();
    let run = |body: &str| {
        std::fs::write(&inp, body).unwrap();
        let o = arb(&["mapping", "verify", "--pairs", s(&inp), "--out", &out]);
        assert_eq!(o.status.code(), Some(1));
        text(&o).1
    };
    let e = run("kalshi_ticker,kalshi_title,polymarket_id\nK,t,P\n");
    assert!(
        e.contains("in.csv") && e.contains("column polymarket_title") && e.contains("missing"),
        "{e}"
    );
    let e = run("kalshi_ticker,kalshi_title,polymarket_id,polymarket_title\nK,t,P,q\nK2,,P2,q\n");
    assert!(
        e.contains("row 2 (line 3), column kalshi_title: empty"),
        "{e}"
    );
    let e = run(
        "kalshi_ticker,kalshi_title,polymarket_id,polymarket_title,polymarket_outcomes\nK,t,P,q,[oops\n",
    );
    assert!(
        e.contains("row 1 (line 2), column polymarket_outcomes"),
        "{e}"
    );
    let e = run(
        "kalshi_ticker,kalshi_title,polymarket_id,polymarket_title,kalshi_close\nK,t,P,q,next tuesday\n",
    );
    assert!(e.contains("row 1 (line 2), column kalshi_close"), "{e}");
    let bad = dir.path().join("k.json");
    std::fs::write(
        &bad,
        r#"{"events": [{"event_ticker": "E", "title": 7}, {"title": "x"}]}"#,
    )
    .unwrap();
    let o = arb(&[
        "mapping",
        "candidates",
        "--kalshi",
        s(&bad),
        "--polymarket",
        s(&bad),
        "--out",
        &out,
    ]);
    let e = text(&o).1;
    assert!(
        o.status.code() == Some(1)
            && e.contains("k.json")
            && e.contains("events[1].event_ticker: missing"),
        "{e}"
    );
}

#[test]
fn nested_kalshi_markets_and_bare_gamma_markets_give_market_listings() {
    let k = json!({"events": [{"event_ticker": "KXNBAGAME-26JAN09MILLAL", "title": "Milwaukee at Los Angeles L", "sub_title": "MIL at LAL (Jan 9)",
        "markets": [{"ticker": "KXNBAGAME-26JAN09MILLAL-MIL", "event_ticker": "KXNBAGAME-26JAN09MILLAL", "title": "Milwaukee at Los Angeles L Winner?",
            "yes_sub_title": "Milwaukee", "rules_primary": "If Milwaukee wins the game, the market resolves to Yes.", "close_time": "2026-01-24T03:30:00Z"}]}]});
    let l = parse_kalshi(&k, "k").unwrap();
    assert_eq!(l.len(), 1);
    assert!(
        !l[0].event_level
            && l[0].yes_subject == "Milwaukee"
            && l[0].close == "2026-01-24T03:30:00Z"
            && l[0].rules.contains("Milwaukee wins")
    );
    let e = parse_kalshi(
        &json!({"events": [{"event_ticker": "E", "title": "t", "markets": [{"ticker": "E-A"}]}]}),
        "k.json",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("events[0].markets[0].title: missing"),
        "{e}"
    );
    let p = json!([{"conditionId": "0xc", "question": "Will X?", "outcomes": "[\"Yes\", \"No\"]", "clobTokenIds": "[\"1\", \"2\"]", "slug": "will-x"}]);
    let l = parse_polymarket(&p, "p").unwrap();
    assert_eq!(
        l[0].outcomes,
        vec![
            ("Yes".to_string(), "1".to_string()),
            ("No".to_string(), "2".to_string())
        ]
    );
    let bad = json!([{"conditionId": "0xc", "question": "Will X?", "outcomes": "[\"Yes\", \"No\"]", "clobTokenIds": "[\"1\"]"}]);
    assert!(
        parse_polymarket(&bad, "p.json")
            .unwrap_err()
            .to_string()
            .contains("[0].clobTokenIds: 1 token ids for 2 outcomes")
    );
}
