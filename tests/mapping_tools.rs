//! The cross-venue mapping tools on real listings (shared/fixtures/pairs: a Kalshi
//! `GET /events` page, Polymarket Gamma NBA events, and the pairs a working bot traded):
//! candidate recall, verifier verdicts on genuine pairs and on the real near-misses in the
//! same Polymarket events, the version 2 pairs file, and the CLI end to end.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::mapping::candidates::Options;
use arb::mapping::listings::{self, Listing};
use arb::mapping::tool::{self, candidate_table};
use arb::mapping::verify::{Side, Verdict, verify};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PAIRS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/pairs");

fn fixture(name: &str) -> PathBuf {
    Path::new(PAIRS).join(name)
}

fn kalshi() -> Vec<Listing> {
    listings::load_kalshi(&fixture("steffenmax_kalshi_nba_events.json")).unwrap()
}

fn poly() -> Vec<Listing> {
    listings::load_polymarket(&fixture("steffenmax_poly_nba_events.json")).unwrap()
}

/// A pair the bot traded: Kalshi ticker (both of the game's markets), its event, the
/// description, the Polymarket condition id and the token per Kalshi ticker suffix.
struct Traded {
    event: String,
    title: String,
    tickers: Vec<String>,
    condition: String,
    tokens: Vec<(String, String)>,
}

fn traded() -> Vec<Traded> {
    let mut out: Vec<Traded> = Vec::new();
    for f in [
        "steffenmax_markets_2026-01-09.json",
        "steffenmax_markets_2026-01-06_backup_v1.json",
    ] {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(f)).unwrap()).unwrap();
        for m in doc["markets"].as_array().unwrap() {
            let condition = m["poly_condition_id"].as_str().unwrap_or("").to_string();
            if condition.is_empty() || out.iter().any(|t| t.condition == condition) {
                continue;
            }
            let ks = &m["kalshi"]["markets"];
            let tickers = ["main", "opponent"]
                .iter()
                .map(|k| ks[k].as_str().unwrap().to_string())
                .collect::<Vec<_>>();
            let tokens = m["poly_token_ids"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            out.push(Traded {
                event: tickers[0].rsplit_once('-').unwrap().0.to_string(),
                title: m["description"].as_str().unwrap().to_string(),
                tickers,
                condition,
                tokens,
            });
        }
    }
    out
}

/// Traded pairs whose Kalshi event and Polymarket market are both in the raw listings.
fn traded_in_listings(k: &[Listing], p: &[Listing]) -> Vec<Traded> {
    traded()
        .into_iter()
        .filter(|t| {
            k.iter().any(|l| l.event_id == t.event) && p.iter().any(|l| l.id == t.condition)
        })
        .collect()
}

#[test]
fn listings_parse_the_real_pages() {
    let (k, p) = (kalshi(), poly());
    assert_eq!(k.len(), 27, "27 Kalshi events, no nested markets");
    assert!(
        k.iter()
            .all(|l| l.event_level && l.id.starts_with("KXNBAGAME-"))
    );
    assert_eq!(p.len(), 738, "50 Gamma events with 738 markets");
    assert!(
        p.iter()
            .all(|l| l.outcomes.len() == 2 && l.outcomes.iter().all(|o| !o.1.is_empty()))
    );
    let ml = p.iter().find(|l| l.id.starts_with("0xf05b1202")).unwrap();
    assert_eq!(
        (ml.title.as_str(), ml.event_id.as_str()),
        ("Bucks vs. Lakers", "nba-mil-lal-2026-01-09")
    );
}

#[test]
fn candidates_recall_every_traded_pair_in_the_listings_while_scoring_a_fraction() {
    let (k, p) = (kalshi(), poly());
    let truth = traded_in_listings(&k, &p);
    assert_eq!(truth.len(), 15, "traded pairs present in both raw listings");
    let o = Options::default();
    let (table, stats) = candidate_table(&k, &p, &o);
    let found = |top: usize| {
        truth
            .iter()
            .filter(|t| {
                let rows: Vec<&Vec<String>> = table
                    .rows
                    .iter()
                    .filter(|r| r[0] == t.event)
                    .take(top)
                    .collect();
                rows.iter().any(|r| r[2] == t.condition)
            })
            .count()
    };
    // Measured: 15 of 15 recalled, each as the best candidate of its Kalshi event.
    assert_eq!(found(o.top), 15, "recall at top {}", o.top);
    assert_eq!(found(1), 15, "recall at top 1");
    assert!(
        stats.scored * 10 < stats.cross,
        "blocking scored {} of {}",
        stats.scored,
        stats.cross
    );
}

fn side_of(l: &Listing) -> Side {
    Side {
        ids: format!("{} {}", l.id, l.event_id),
        title: l.title.clone(),
        rules: l.rules.clone(),
        close: l.close.clone(),
        yes_subject: l.yes_subject.clone(),
        outcomes: l.outcomes.clone(),
    }
}

#[test]
fn genuine_pairs_are_same_with_the_token_the_bot_traded_and_their_event_siblings_differ() {
    let (k, p) = (kalshi(), poly());
    let truth = traded_in_listings(&k, &p);
    let mut siblings = 0;
    for t in &truth {
        let pm = p.iter().find(|l| l.id == t.condition).unwrap();
        for ticker in &t.tickers {
            let ks = Side {
                ids: ticker.clone(),
                title: t.title.clone(),
                ..Side::default()
            };
            let d = verify(&ks, &side_of(pm));
            assert_eq!(
                d.verdict,
                Verdict::Same,
                "{ticker} vs {}: {}",
                pm.title,
                d.reason
            );
            let suffix = ticker.rsplit_once('-').unwrap().1;
            let want = &t.tokens.iter().find(|(team, _)| team == suffix).unwrap().1;
            assert_eq!(
                d.polymarket_token.as_ref(),
                Some(want),
                "{ticker}: token for Kalshi YES"
            );
        }
        // Every other market of the same Polymarket event (spreads, totals, first-half
        // moneyline, player props) is a real near-miss of the game winner.
        let ks = Side {
            ids: t.tickers[0].clone(),
            title: t.title.clone(),
            ..Side::default()
        };
        for other in p
            .iter()
            .filter(|l| l.event_id == pm.event_id && l.id != pm.id)
        {
            let d = verify(&ks, &side_of(other));
            assert_eq!(
                d.verdict,
                Verdict::Different,
                "{} vs {}: {}",
                t.tickers[0],
                other.title,
                d.reason
            );
            siblings += 1;
        }
    }
    assert!(siblings > 300, "{siblings} sibling markets checked");
}

/// Verdict precision on the real listings: a `same` is right when the Polymarket event
/// slug names the Kalshi event's teams and date and the market is its moneyline (read
/// from the Gamma `sportsMarketType`, which the verifier never sees).
#[test]
fn verified_candidates_are_precise_on_the_real_listings() {
    let (k, p) = (kalshi(), poly());
    let raw: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("steffenmax_poly_nba_events.json")).unwrap(),
    )
    .unwrap();
    let moneylines: BTreeSet<String> = raw
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["markets"].as_array().unwrap())
        .filter(|m| m["sportsMarketType"] == "moneyline")
        .map(|m| m["conditionId"].as_str().unwrap().to_string())
        .collect();
    let (mut table, _) = candidate_table(&k, &p, &Options::default());
    tool::verify_table(&mut table).unwrap();
    let (mut same, mut right) = (0, 0);
    let mut covered = BTreeSet::new();
    for row in 1..=table.rows.len() {
        if table.get(row, "verdict") != "same" {
            continue;
        }
        same += 1;
        // KXNBAGAME-26JAN09MILLAL <-> nba-mil-lal-2026-01-09
        let code = table
            .get(row, "kalshi_ticker")
            .rsplit_once('-')
            .unwrap()
            .1
            .to_ascii_lowercase();
        let slug: Vec<&str> = table.get(row, "polymarket_event").split('-').collect();
        let months = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let date = format!(
            "{}{}{}",
            &slug[3][2..],
            months[slug[4].parse::<usize>().unwrap() - 1],
            slug[5]
        );
        if code == format!("{date}{}{}", slug[1], slug[2])
            && moneylines.contains(table.get(row, "polymarket_id"))
        {
            right += 1;
            covered.insert(table.get(row, "kalshi_ticker").to_string());
        }
    }
    // Measured: 27 `same` verdicts, all 27 right, one per Kalshi event.
    assert_eq!((same, right), (27, 27), "precision of `same`");
    assert_eq!(
        covered.len(),
        k.len(),
        "every Kalshi event found its moneyline"
    );
}

fn yes_no(title: &str) -> Side {
    Side {
        title: title.into(),
        outcomes: vec![
            ("Yes".into(), "TOK-YES".into()),
            ("No".into(), "TOK-NO".into()),
        ],
        ..Side::default()
    }
}

fn kalshi_side(ticker: &str, title: &str) -> Side {
    Side {
        ids: ticker.into(),
        title: title.into(),
        ..Side::default()
    }
}

/// Near-misses written from the classic patterns, each beside its genuine twin so that a
/// rule which called everything `different` would fail.
#[test]
fn near_misses_are_different_and_their_twins_are_same() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (kalshi, polymarket near-miss, polymarket twin, the rule the reason names)
        (
            "Will Gavin Newsom run for president in 2028?",
            "Will Gavin Newsom win the 2028 US Presidential Election?",
            "Will Gavin Newsom run for President in 2028?",
            "predicate",
        ),
        (
            "Will Taylor Swift attend the Super Bowl on Feb 8, 2026?",
            "Will Taylor Swift win the Super Bowl halftime MVP on Feb 8, 2026?",
            "Will Taylor Swift attend Super Bowl LX on February 8, 2026?",
            "predicate",
        ),
        (
            "Will JD Vance be the 2028 Republican presidential nominee?",
            "Will JD Vance win the 2028 US Presidential Election?",
            "Will JD Vance win the 2028 Republican presidential nomination?",
            "predicate",
        ),
        (
            "Will Rodrigo Paz win the first round of the Bolivian presidential election?",
            "Will Rodrigo Paz win the Bolivian presidential election runoff?",
            "Will Rodrigo Paz win the first round of the 2025 Bolivian presidential election?",
            "stage",
        ),
        (
            "Will the gold price be above $1,589.99 on Jan 9, 2026?",
            "Will gold close above $1,600 on January 9, 2026?",
            "Will gold close above $1,589.99 on January 9, 2026?",
            "threshold",
        ),
        (
            "Will the gold price be above $1,600 on Jan 9, 2026?",
            "Will gold close below $1,600 on January 9, 2026?",
            "Will gold close at $1,600 or above on January 9, 2026?",
            "threshold direction",
        ),
        (
            "Will Bitcoin be above $100,000 on Jan 9, 2026?",
            "Will Bitcoin be above $100,000 on January 10, 2026?",
            "Will Bitcoin be above $100,000 on January 9?",
            "date",
        ),
        (
            "Will Bitcoin be above $100,000 at 5pm ET on Jan 9, 2026?",
            "Will Bitcoin be above $100,000 at 4:00 PM ET on January 9, 2026?",
            "Will Bitcoin be above $100,000 at 5:00 PM ET on January 9, 2026?",
            "settlement time",
        ),
        (
            "Will JD Vance win the 2028 US Presidential Election?",
            "Will Gavin Newsom win the 2028 US Presidential Election?",
            "Will JD Vance win the 2028 presidential election?",
            "entity",
        ),
        (
            "Will JD Vance win the 2028 US Presidential Election?",
            "Will JD Vance win the 2024 US Presidential Election?",
            "Will JD Vance be elected president in the 2028 presidential election?",
            "year",
        ),
        (
            "Will Gavin Newsom win the 2028 Democratic presidential primary?",
            "Will Gavin Newsom win the 2028 US Presidential Election?",
            "Will Gavin Newsom win the 2028 Democratic primary?",
            "scope",
        ),
    ];
    for (k, miss, twin, rule) in cases {
        let ks = kalshi_side("KXTEST-26", k);
        let d = verify(&ks, &yes_no(miss));
        assert_eq!(d.verdict, Verdict::Different, "{k} | {miss}: {}", d.reason);
        assert!(
            d.reason.starts_with(rule) || d.reason.contains(&format!("; {rule}")),
            "{rule}: {}",
            d.reason
        );
        assert_eq!(d.confidence, 0.0);
        let d = verify(&ks, &yes_no(twin));
        assert_eq!(d.verdict, Verdict::Same, "{k} | {twin}: {}", d.reason);
        assert!(d.confidence >= 0.85, "{}", d.confidence);
        assert_eq!(d.polymarket_token.as_deref(), Some("TOK-YES"));
    }
}

#[test]
fn game_near_misses_different_team_date_and_half() {
    let game = |title: &str, slug: &str| Side {
        ids: slug.into(),
        title: title.into(),
        outcomes: vec![
            ("Bucks".into(), "T-MIL".into()),
            ("Lakers".into(), "T-LAL".into()),
        ],
        ..Side::default()
    };
    let k = kalshi_side("KXNBAGAME-26JAN09MILLAL-LAL", "Milwaukee at Los Angeles L");
    let same = verify(&k, &game("Bucks vs. Lakers", "nba-mil-lal-2026-01-09"));
    assert_eq!(
        (same.verdict, same.polymarket_token.as_deref()),
        (Verdict::Same, Some("T-LAL")),
        "{}",
        same.reason
    );
    for (title, slug, rule) in [
        ("Bucks vs. Clippers", "nba-mil-lac-2026-01-09", "teams"),
        ("Bucks vs. Lakers", "nba-mil-lal-2026-01-10", "date"),
        (
            "Bucks vs. Lakers: 1H Moneyline",
            "nba-mil-lal-2026-01-09",
            "stage",
        ),
    ] {
        let d = verify(&k, &game(title, slug));
        assert_eq!(
            d.verdict,
            Verdict::Different,
            "{title} {slug}: {}",
            d.reason
        );
        assert!(d.reason.contains(rule), "{rule}: {}", d.reason);
    }
    // Kalshi YES on a team the Polymarket market does not list cannot be oriented.
    let d = verify(
        &kalshi_side("KXNBAGAME-26JAN09MILLAL-BOS", "Milwaukee at Los Angeles L"),
        &game("Bucks vs. Lakers", "nba-mil-lal-2026-01-09"),
    );
    assert!(
        d.verdict == Verdict::Different && d.reason.contains("orientation"),
        "{}",
        d.reason
    );
}

#[test]
fn little_evidence_is_uncertain_not_same() {
    let d = verify(
        &kalshi_side("KX-1", "Will it happen?"),
        &yes_no("Will it happen?"),
    );
    assert_eq!(d.verdict, Verdict::Uncertain, "{}", d.reason);
    assert!(d.confidence < 0.85 && d.confidence > 0.0);
}

proptest::proptest! {
    /// Any text on either side gives a verdict, never a panic.
    #[test]
    fn arbitrary_text_never_panics(kt in "\\PC{0,60}", pt in "[ -~é€0-9$,.:/-]{0,60}", ids in "[A-Za-z0-9-]{0,30}", close in "[0-9T:Z-]{0,22}") {
        let k = Side { ids: ids.clone(), title: kt.clone(), rules: pt.clone(), close: close.clone(), yes_subject: kt.clone(), outcomes: vec![] };
        let p = Side { ids, title: pt, rules: kt, close, yes_subject: String::new(), outcomes: vec![("A".into(), "1".into()), ("B".into(), "2".into())] };
        let d = verify(&k, &p);
        proptest::prop_assert!((0.0..=1.0).contains(&d.confidence));
    }
}
