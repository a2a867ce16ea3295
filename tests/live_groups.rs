//! `arb live` learns bucket ladders from the venue: the simulator calls a Kalshi event
//! `mutually_exclusive`, the run journals its ladder as `GroupDefined` (from the venue's
//! own metadata), the bucket lane watches it (journaled coverage) and evaluates it; a
//! restart on the same journal does not define it again.

mod common;

use common::live::{inspect_records as records, live_cli as live, market_id};
use std::path::Path;

fn bodies<'a>(recs: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    recs.iter().filter_map(|r| r["body"].get(kind)).collect()
}

/// A live config for the embedded simulator playing `tests/data/SCENARIO`, in `dir`.
fn sim_config(dir: &Path, scenario: &str) -> std::path::PathBuf {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(scenario);
    let cfg = dir.join("live.toml");
    std::fs::write(
        &cfg,
        format!("[sim]\nscenario = {:?}\n", scenario.display().to_string()),
    )
    .unwrap();
    cfg
}

#[test]
fn a_venue_exclusive_event_becomes_a_ladder_the_bucket_lane_watches() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sim_config(dir.path(), "kalshi-ladder.toml");
    let journal = dir.path().join("j");
    live(&cfg, &journal, "3");
    let recs = records(&journal);
    let groups = bodies(&recs, "GroupDefined");
    assert_eq!(groups.len(), 1, "{groups:?}");
    let g = groups[0];
    assert_eq!(g["kind"], "Bucket");
    assert_eq!(g["exhaustive"], true);
    assert_eq!(g["members"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        g["source"],
        "kalshi:mutually_exclusive:KXINXD-26NOV30:markets_listed"
    );
    // The lane watches it and, once its books are in, finds them fresh.
    let coverage: Vec<(u64, u64)> = bodies(&recs, "LaneCoverage")
        .into_iter()
        .filter(|c| c["lane"] == "Bucket")
        .map(|c| (c["rules"].as_u64().unwrap(), c["fresh"].as_u64().unwrap()))
        .collect();
    assert!(coverage.contains(&(1, 1)), "{coverage:?}");
    // And evaluates it: an opportunity, or a journaled refusal of the ladder.
    let bucket_decisions = recs
        .iter()
        .filter(|r| {
            r["body"]["OpportunityFound"]["lane"] == "Bucket"
                || r["body"]["LaneSkipped"]["lane"] == "Bucket"
        })
        .count();
    assert!(bucket_decisions > 0, "the bucket lane decided nothing");

    // A restart keeps the ladder it holds and defines nothing again.
    live(&cfg, &journal, "2");
    let recs = records(&journal);
    assert_eq!(bodies(&recs, "GroupDefined").len(), 1);
    let (rep, _) = arb::run::replay::replay(&journal).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
}

/// Trees from the venue's strike fields: the simulator lists two Kalshi thresholds of
/// one event ("above 3.0", "above 3.5"), `arb live` reads them from the markets it is
/// configured for and journals the tree (the higher implies the lower), which the tree
/// lane then watches.
#[test]
fn venue_strikes_become_a_tree_the_tree_lane_watches() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kalshi-thresholds.toml");
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!("[sim]\nscenario = {:?}\n", scenario.display().to_string()),
    )
    .unwrap();
    let journal = dir.path().join("j");
    live(&cfg, &journal, "3");
    let recs = records(&journal);
    let id = |ticker: &str| market_id(&recs, ticker);
    let groups = bodies(&recs, "GroupDefined");
    assert_eq!(groups.len(), 1, "{groups:?}");
    let g = groups[0];
    assert_eq!(g["kind"], "Tree");
    assert_eq!(
        [
            g["members"][0]["market"].clone(),
            g["members"][1]["market"].clone()
        ],
        [id("KXCPIYOY-26JUL-T3.0"), id("KXCPIYOY-26JUL-T3.5")],
        "the parent (above 3.0), then the child"
    );
    assert_eq!(
        g["source"],
        "kalshi:strike:KXCPIYOY-26JUL:KXCPIYOY-26JUL-T3.5=>KXCPIYOY-26JUL-T3.0"
    );
    let coverage: Vec<(u64, u64)> = bodies(&recs, "LaneCoverage")
        .into_iter()
        .filter(|c| c["lane"] == "Tree")
        .map(|c| (c["rules"].as_u64().unwrap(), c["fresh"].as_u64().unwrap()))
        .collect();
    assert!(coverage.contains(&(1, 1)), "{coverage:?}");
}
