//! Pairs dropped on a rules-text change (issue 13 item 4), through `arb live` against a
//! standalone `arb sim`: a pair of the version 2 mapping is verified against both
//! venues' resolution texts; once a venue lists another text for one of its markets the
//! pair is lowered to confidence 0 (`PairConfidence`), stays there across a restart on
//! the same mapping, and trades again once the mapping is verified against the new text.
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
    let mut text = String::from(
        "name = \"drift\"\nseed = 8\nstart_ms = 1795996800000\nduration_s = 3600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"1000.00\"\npolymarket = \"1000.00\"\n",
    );
    for i in 0..2 {
        text += &format!(
            "[[question]]\nname = \"q{i}\"\nfair = 0.4\nvolatility = 0.002\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"{}\"\npolymarket_yes = \"{}\"\npolymarket_no = \"{}\"\n",
            kalshi(i),
            token(i, 1),
            token(i, 2)
        );
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
