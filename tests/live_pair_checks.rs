//! The mapping checked while trading a discovered universe (issue 13 item 4), through
//! `arb live` against a standalone `arb sim`: a pair of the version 2 mapping is
//! verified against both venues' resolution texts; once a venue lists another text for
//! one of its markets the pair is lowered to confidence 0 (`PairConfidence`), stays
//! there across a restart on the same mapping, and trades again once the mapping is
//! verified against the new text. Markets listed while running are verified against
//! the other venue's listing and proposed (`<journal>/pairs-proposed.toml`), never
//! traded until the mapping holds them.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::mapping::MappingFileV2;
use common::live::{Discovering, market_id};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn kalshi(i: usize) -> String {
    format!("KXDRIFT-26DEC-Q{i}")
}

fn token(i: usize, side: usize) -> String {
    format!("6{i}{side}0000000000000000000000000000000000000000000000000000000000000000000000{i}")
}

/// Questions 0 and 1 on both venues (two pairs); both venues amend question 1's
/// resolution text 100 s into the scenario (5 s here: the simulator runs 20 times
/// faster than the wall clock).
fn scenario(dir: &Path) -> PathBuf {
    let mut text = common::live::scenario_head("drift", 8);
    for i in 0..2 {
        let venues = common::live::both_venues(&kalshi(i), &token(i, 1), &token(i, 2));
        text += &common::live::question(&format!("q{i}"), 0.002, &venues);
    }
    text += "rules_amended_at_s = 100\n";
    let p = dir.join("drift.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// The pair events of question `i`'s pair, in journal order: (kind, confidence).
fn pair_events(recs: &[Value], i: usize) -> Vec<(String, u64)> {
    let (a, b) = (market_id(recs, &kalshi(i)), market_id(recs, &token(i, 1)));
    recs.iter()
        .filter_map(|r| {
            ["PairDefined", "PairConfidence"].iter().find_map(|kind| {
                let p = r["body"].get(*kind)?;
                (p["a"] == a && p["b"] == b)
                    .then(|| (kind.to_string(), p["confidence_bp"].as_u64().unwrap()))
            })
        })
        .collect()
}

/// Question 0 on both venues, paired at start; 100 s in (5 s here), the mapping holding
/// none of them: question 2 on both venues, and a near miss, gold above $3000 on Kalshi
/// alone (question 1) and above $3100 on Polymarket alone (question 3).
fn listing_scenario(dir: &Path) -> PathBuf {
    let mut text = String::from(
        "name = \"proposals\"\nseed = 9\nstart_ms = 1795996800000\nduration_s = 3600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"1000.00\"\npolymarket = \"1000.00\"\n",
    );
    let questions = [
        (
            "Will the Fed cut rates in March 2027?",
            "KXFED-27MAR",
            (true, true),
        ),
        (
            "Will gold close above $3000 on March 19, 2027?",
            "KXGOLD-27MAR",
            (true, false),
        ),
        (
            "Will Ana Lopez win the 2027 Springfield mayoral election?",
            "KXMAYOR-27",
            (true, true),
        ),
        (
            "Will gold close above $3100 on March 19, 2027?",
            "GOLD-3100",
            (false, true),
        ),
    ];
    for (i, (title, event, (on_kalshi, on_polymarket))) in questions.iter().enumerate() {
        text += &format!(
            "[[question]]\nname = \"{title}\"\nevent = \"{event}\"\nfair = 0.4\nvolatility = 0.002\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nclose_at_s = 100000\n"
        );
        if *on_kalshi {
            text += &format!("kalshi = \"{}\"\n", kalshi(i));
        }
        if *on_polymarket {
            text += &format!(
                "polymarket_yes = \"{}\"\npolymarket_no = \"{}\"\n",
                token(i, 1),
                token(i, 2)
            );
        }
        if i > 0 {
            text += "list_at_s = 100\n";
        }
    }
    let p = dir.join("proposals.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn ev(kind: &str, confidence: u64) -> (String, u64) {
    (kind.to_string(), confidence)
}

#[test]
fn a_pair_whose_resolution_text_changes_stops_trading_until_verified_again() {
    let d = Discovering::start(scenario);
    let cfg = d.config("[universe]\ndiscover = true\nrefresh_s = 1\n");
    let (journal, recs) = d.run_config(&cfg, "9");
    assert_eq!(
        pair_events(&recs, 0),
        [ev("PairDefined", 9_700)],
        "question 0's texts never change"
    );
    assert_eq!(
        pair_events(&recs, 1),
        [ev("PairDefined", 9_700), ev("PairConfidence", 0)],
        "traded while the listing holds the verified texts, then dropped"
    );
    let log = std::fs::read_to_string(journal.join("logs/arb.log")).unwrap();
    let said = log
        .lines()
        .find(|l| l.contains("resolution text other than"))
        .expect("the drop is logged");
    assert!(
        said.contains(&kalshi(1)) && said.contains("kalshi and polymarket"),
        "names the pair and the sides: {said}"
    );
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);

    // A restart on the same mapping: the listing still differs, the pair stays off.
    let (_, again) = d.run_config(&cfg, "3");
    assert_eq!(
        pair_events(&again, 1),
        [ev("PairDefined", 9_700), ev("PairConfidence", 0)],
        "nothing raised it"
    );

    // The mapping verified against the amended texts: the pair trades again.
    let pairs = d.dir.path().join("pairs.toml");
    let mut file: MappingFileV2 =
        toml::from_str(&std::fs::read_to_string(&pairs).unwrap()).unwrap();
    let q1 = file
        .pairs
        .iter_mut()
        .find(|p| p.kalshi == kalshi(1))
        .unwrap();
    q1.kalshi_rules = arb::sim::scenario::rules_text(&q1.kalshi_title, true);
    q1.polymarket_description = arb::sim::scenario::rules_text(&q1.polymarket_title, true);
    std::fs::write(&pairs, toml::to_string(&file).unwrap()).unwrap();
    let (journal, verified) = d.run_config(&cfg, "3");
    assert_eq!(
        pair_events(&verified, 1),
        [
            ev("PairDefined", 9_700),
            ev("PairConfidence", 0),
            ev("PairConfidence", 9_700)
        ]
    );
    assert_eq!(pair_events(&verified, 0), [ev("PairDefined", 9_700)]);
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);
}

#[test]
fn markets_listed_while_running_are_verified_and_proposed_not_traded() {
    let d = Discovering::start(listing_scenario);
    let cfg = d.config("[universe]\ndiscover = true\nrefresh_s = 1\n");
    // The mapping holds question 0 only.
    let pairs = d.dir.path().join("pairs.toml");
    let mut mapping: MappingFileV2 =
        toml::from_str(&std::fs::read_to_string(&pairs).unwrap()).unwrap();
    mapping.pairs.retain(|p| p.kalshi == kalshi(0));
    std::fs::write(&pairs, toml::to_string(&mapping).unwrap()).unwrap();
    let (journal, recs) = d.run_config(&cfg, "9");
    assert_eq!(pair_events(&recs, 0), [ev("PairDefined", 9_700)]);
    for listed in [kalshi(1), kalshi(2), token(2, 1), token(3, 1)] {
        market_id(&recs, &listed); // listed and defined while running
    }
    let defined = recs
        .iter()
        .filter(|r| r["body"].get("PairDefined").is_some())
        .count();
    assert_eq!(defined, 1, "a proposal is not traded");
    let proposed = journal.join("pairs-proposed.toml");
    let file: MappingFileV2 = toml::from_str(&std::fs::read_to_string(&proposed).unwrap()).unwrap();
    let found: Vec<(&str, &str, &str)> = file
        .pairs
        .iter()
        .map(|p| (p.kalshi.as_str(), p.polymarket.as_str(), p.verdict.as_str()))
        .collect();
    assert_eq!(
        found,
        [(kalshi(2).as_str(), token(2, 1).as_str(), "same")],
        "the new question's own pair, YES token, verified same; nothing for the near miss"
    );

    // Merged into the mapping: traded from the next start.
    mapping.pairs.extend(file.pairs);
    std::fs::write(&pairs, toml::to_string(&mapping).unwrap()).unwrap();
    let (journal, recs) = d.run_config(&cfg, "3");
    let confidence = (file_confidence(&proposed) * 10_000.0).round() as u64;
    assert_eq!(pair_events(&recs, 2), [ev("PairDefined", confidence)]);
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);
}

fn file_confidence(path: &Path) -> f64 {
    let file: MappingFileV2 = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file.pairs[0].confidence
}
