//! Aliases learned from the venues' own listings (shared/fixtures/pairs): NBA teams and
//! league names from the raw Kalshi and Polymarket pages, agreeing with the hand-written
//! table; NFL and college-football teams, which no table holds, from the rows of the
//! pairs a working bot traded; and the verifier (`arb mapping verify`'s rules pass) finding
//! those pairs with them while a near-miss stays refused.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::mapping::aliases::{Aliases, game, learn, spelled_out};
use arb::mapping::csv::Table;
use arb::mapping::listings::{self, Listing};
use arb::mapping::teams;
use arb::mapping::tool;
use arb::mapping::verify::{Side, Verdict, verify, verify_with};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const PAIRS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/pairs");

fn raw_listings() -> (Vec<Listing>, Vec<Listing>) {
    let f = |n: &str| Path::new(PAIRS).join(n);
    (
        listings::load_kalshi(&f("steffenmax_kalshi_nba_events.json")).unwrap(),
        listings::load_polymarket(&f("steffenmax_poly_nba_events.json")).unwrap(),
    )
}

fn set(xs: &[&str]) -> BTreeSet<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

#[test]
fn nba_aliases_learned_from_the_raw_pages_agree_with_the_hand_written_table() {
    let (k, p) = raw_listings();
    let a = learn(&k, &p);
    // Kalshi series ticker and product_metadata.competition, joined through the games both
    // venues list to the Polymarket slug prefix and its "NBA" tag.
    assert_eq!(
        a.leagues.keys().collect::<Vec<_>>(),
        ["nba"],
        "{:?}",
        a.leagues
    );
    assert_eq!(
        a.leagues["nba"],
        set(&["nba", "kxnbagame", "pro basketball"])
    );
    let nba = &a.teams["nba"];
    assert_eq!(nba.len(), 30, "every team of the 50 Polymarket games");
    let with_city = nba.values().filter(|t| t.names.len() == 2).count();
    assert_eq!(
        with_city, 30,
        "each with a Kalshi city name and a Polymarket nickname"
    );
    assert_eq!(nba["LAL"].names, set(&["los angeles l", "lakers"]));
    for (code, team) in nba {
        for name in &team.names {
            assert_eq!(
                teams::team_of(Some("nba"), name),
                Some(format!("nba:{code}")),
                "learned '{name}' for {code}"
            );
        }
    }
}

/// The rows of the pairs the bot traded (both files, one row per Kalshi market), as
/// `arb mapping verify` reads them; the token the bot traded for each row.
fn traded_rows() -> (Table, Vec<String>) {
    let cols = [
        "kalshi_ticker",
        "kalshi_title",
        "polymarket_id",
        "polymarket_title",
        "polymarket_event",
        "polymarket_outcomes",
    ];
    let mut t = Table::new("traded", cols.iter().map(|c| c.to_string()).collect());
    let mut want = Vec::new();
    let mut seen = BTreeSet::new();
    for f in [
        "steffenmax_markets_2026-01-09.json",
        "steffenmax_markets_2026-01-06_backup_v1.json",
    ] {
        let path = Path::new(PAIRS).join(f);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for m in doc["markets"].as_array().unwrap() {
            let condition = m["poly_condition_id"].as_str().unwrap_or("");
            if condition.is_empty() || !seen.insert(condition.to_string()) {
                continue;
            }
            // Outcomes as the file keys the tokens: by team code.
            let tokens: Vec<(String, String)> = m["poly_token_ids"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(c, v)| (c.clone(), v.as_str().unwrap().to_string()))
                .collect();
            let tickers = ["main", "opponent"].map(|s| m["kalshi"]["markets"][s].as_str().unwrap());
            for (i, ticker) in tickers.iter().enumerate() {
                let suffix = ticker.rsplit_once('-').unwrap().1;
                let other = tickers[1 - i].rsplit_once('-').unwrap().1;
                // "-LA" was the Rams' suffix before "-LAR": the token not the other team's.
                let tok = tokens
                    .iter()
                    .find(|(c, _)| c == suffix)
                    .or_else(|| tokens.iter().find(|(c, _)| c != other))
                    .unwrap();
                want.push(tok.1.clone());
                t.push(vec![
                    ticker.to_string(),
                    m["description"].as_str().unwrap().into(),
                    condition.into(),
                    m["poly_title"].as_str().unwrap().into(),
                    m["polymarket"]["markets"]["slug"].as_str().unwrap().into(),
                    serde_json::to_string(&tokens).unwrap(),
                ]);
            }
        }
    }
    (t, want)
}

#[test]
fn nfl_and_college_teams_are_learned_from_the_traded_rows() {
    let (t, _) = traded_rows();
    let (k, p) = tool::row_listings(&t);
    let a = learn(&k, &p);
    assert_eq!(a.leagues["nfl"], set(&["nfl", "kxnflgame"]));
    assert_eq!(a.leagues["cfp"], set(&["cfp", "kxncaafgame"]));
    let nfl = &a.teams["nfl"];
    // Kalshi "LACAR" split by the Polymarket slug's "la" + "car"; the market suffixes
    // "-LAR" and "-LA" (before it changed) are the one team no suffix equals.
    assert_eq!(nfl["LA"].codes, set(&["LA", "LAR"]));
    assert_eq!(nfl["LA"].names, set(&["los angeles r", "rams"]));
    assert_eq!(nfl["LAC"].names, set(&["los angeles c", "chargers"]));
    assert_eq!(nfl["GB"].names, set(&["green bay", "packers"]));
    // Kalshi codes Jacksonville "JAC", Polymarket "jax": no join, the nickname alone.
    assert_eq!(nfl["JAX"].names, set(&["jaguars"]));
    assert_eq!(a.teams["cfp"]["ORE"].names, set(&["oregon"]));
    // "Los Angeles C" is the Chargers in the NFL and stays the Clippers in the NBA.
    assert_eq!(
        teams::team_of_with(Some("nba"), "Los Angeles C", &a),
        Some("nba:LAC".into())
    );
    assert_eq!(
        teams::team_of_with(Some("nfl"), "Los Angeles C", &a),
        Some("nfl:LAC".into())
    );
}

#[test]
fn the_rules_pass_finds_the_traded_pairs_beyond_the_hand_written_leagues() {
    let (mut t, want) = traded_rows();
    assert_eq!(t.rows.len(), 54, "27 traded pairs, two Kalshi markets each");
    let before: Vec<Verdict> = (1..=t.rows.len())
        .map(|r| {
            let (k, p) = tool::sides(&t, r).unwrap();
            verify(&k, &p).verdict
        })
        .collect();
    tool::verify_table(&mut t).unwrap();
    let mut same = 0;
    for (r, tok) in want.iter().enumerate() {
        let row = r + 1;
        assert_eq!(
            t.get(row, "verdict"),
            "same",
            "{} vs {}: {}",
            t.get(row, "kalshi_title"),
            t.get(row, "polymarket_title"),
            t.get(row, "reason")
        );
        assert_eq!(t.get(row, "polymarket_token"), tok, "row {row}");
        same += 1;
    }
    // Measured: the hand-written tables alone call 42 of 54 rows `same`: the 10 NFL rows
    // name their teams in other words ("Los Angeles R" / "Rams": `different`), the 2 CFP
    // rows have no team to read a game from (`uncertain`).
    let before_same = before.iter().filter(|v| **v == Verdict::Same).count();
    assert_eq!((before_same, same), (42, 54));
}

fn game_side(ids: &str, title: &str, outcomes: &[&str]) -> Side {
    Side {
        ids: ids.into(),
        title: title.into(),
        outcomes: outcomes
            .iter()
            .map(|o| (o.to_string(), format!("T-{o}")))
            .collect(),
        ..Side::default()
    }
}

#[test]
fn learned_teams_keep_near_misses_refused() {
    let (t, _) = traded_rows();
    let (k, p) = tool::row_listings(&t);
    let a = learn(&k, &p);
    let kalshi = game_side(
        "KXNFLGAME-26JAN10LACAR-LAR",
        "NFL: Los Angeles R at Carolina",
        &[],
    );
    let twin = game_side(
        "nfl-la-car-2026-01-10",
        "Rams vs. Panthers",
        &["Rams", "Panthers"],
    );
    let d = verify_with(&kalshi, &twin, &a);
    assert_eq!(
        (d.verdict, d.polymarket_token.as_deref()),
        (Verdict::Same, Some("T-Rams")),
        "{}",
        d.reason
    );
    for (ids, title, outcomes, rule) in [
        (
            "nfl-gb-chi-2026-01-10",
            "Packers vs. Bears",
            ["Packers", "Bears"],
            "teams",
        ),
        (
            "nfl-la-car-2026-01-17",
            "Rams vs. Panthers",
            ["Rams", "Panthers"],
            "date",
        ),
        (
            "nfl-la-car-2026-01-10",
            "Rams vs. Panthers: 1H Moneyline",
            ["Rams", "Panthers"],
            "stage",
        ),
        (
            "nfl-lac-car-2026-01-10",
            "Chargers vs. Panthers",
            ["Chargers", "Panthers"],
            "teams",
        ),
    ] {
        let d = verify_with(&kalshi, &game_side(ids, title, &outcomes), &a);
        assert_eq!(d.verdict, Verdict::Different, "{title} {ids}: {}", d.reason);
        assert!(d.reason.contains(rule), "{rule}: {}", d.reason);
    }
}

#[test]
fn learning_is_deterministic_and_ignores_listing_order() {
    let (mut k, mut p) = raw_listings();
    let a = learn(&k, &p);
    k.reverse();
    p.reverse();
    assert_eq!(learn(&k, &p), a);
    assert_eq!(learn(&[], &[]), Aliases::default());
}

#[test]
fn a_name_two_teams_claim_is_learned_for_neither() {
    let poly = |slug: &str, title: &str| Listing {
        event_id: slug.into(),
        title: title.into(),
        ..Listing::default()
    };
    let p = [
        poly("nba-mil-lal-2026-01-09", "Bucks vs. Lakers"),
        poly("nba-bos-mia-2026-01-09", "Lakers vs. Heat"),
    ];
    let a = learn(&[], &p);
    assert!(!a.teams["nba"]["LAL"].names.contains("lakers"));
    assert!(!a.teams["nba"]["BOS"].names.contains("lakers"));
    // The hand-written table still knows them.
    assert_eq!(
        teams::team_of_with(Some("nba"), "Lakers", &a),
        Some("nba:LAL".into())
    );
}

#[test]
fn game_titles_and_spelled_out_abbreviations() {
    let g = |s: &str| game(s).map(|(p, a, b)| (p.unwrap_or_default(), a, b));
    assert_eq!(
        g("NFL: Los Angeles R at Carolina"),
        Some(("nfl".into(), "los angeles r".into(), "carolina".into()))
    );
    assert_eq!(
        g("Green Bay at Chicago Winner?"),
        Some(("".into(), "green bay".into(), "chicago".into()))
    );
    assert_eq!(
        g("Bucks vs. Lakers: 1H Moneyline"),
        Some(("".into(), "bucks".into(), "lakers".into()))
    );
    assert_eq!(g("Spread: Bucks (-3.5)"), None);
    assert_eq!(g("Will the Fed cut rates at the March meeting?"), None);
    assert_eq!(
        spelled_out(
            "The Federal Open Market Committee (FOMC) and the Securities and Exchange Commission (SEC)"
        ),
        vec![
            (
                "fomc".to_string(),
                "federal open market committee".to_string()
            ),
            (
                "sec".to_string(),
                "securities and exchange commission".to_string()
            ),
        ]
    );
    assert!(spelled_out("the Fed (FOMC) meets (in March)").is_empty());
    // Learned from a listing, an abbreviation and its spelling name one thing.
    let k = Listing {
        rules: "Resolves on the Federal Open Market Committee (FOMC) statement.".into(),
        ..Listing::default()
    };
    let a = learn(&[k], &[]);
    let side = |title: &str| Side {
        title: title.into(),
        outcomes: vec![("Yes".into(), "Y".into()), ("No".into(), "N".into())],
        ..Side::default()
    };
    let d = verify_with(
        &side(
            "Will the Federal Open Market Committee hold above 4% at the March 18, 2026 meeting?",
        ),
        &side("Will the FOMC hold above 4% on March 18, 2026?"),
        &a,
    );
    assert_ne!(d.verdict, Verdict::Different, "{}", d.reason);
    let d = verify(
        &side(
            "Will the Federal Open Market Committee hold above 4% at the March 18, 2026 meeting?",
        ),
        &side("Will the FOMC hold above 4% on March 18, 2026?"),
    );
    assert_eq!(
        d.verdict,
        Verdict::Different,
        "without the alias: {}",
        d.reason
    );
}

proptest::proptest! {
    /// The new parsers and the learner take any text without panicking.
    #[test]
    fn arbitrary_text_never_panics_the_learner(
        title in "\\PC{0,50}",
        ids in "[A-Za-z0-9-]{0,30}",
        rules in "[ -~é€…’']{0,60}",
    ) {
        let _ = game(&title);
        let _ = spelled_out(&rules);
        let _ = arb::mapping::normalize::cut(&title);
        let _ = arb::mapping::normalize::ordinals(&rules);
        let _ = arb::mapping::normalize::base(&title);
        let l = Listing {
            id: ids.clone(),
            event_id: ids.clone(),
            title: title.clone(),
            context: rules.clone(),
            rules: rules.clone(),
            yes_subject: title.clone(),
            tags: vec![rules.clone()],
            ..Listing::default()
        };
        let a = learn(std::slice::from_ref(&l), std::slice::from_ref(&l));
        let _ = a.abbreviate(&title);
        let s = Side { ids, title, rules, ..Side::default() };
        let d = verify_with(&s, &s, &a);
        proptest::prop_assert!((0.0..=1.0).contains(&d.confidence));
    }
}
