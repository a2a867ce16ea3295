//! `arb live` reloads its mapping file when it changes: each file read is journaled as
//! `MappingLoaded`, a dropped pair gets `PairConfidence` 0 and is not entered again, and
//! a file that does not parse is reported (file and reason) while the mapping in use
//! stays.

mod common;

use std::process::Command;
use std::time::Duration;

const FED_K: &str = "KXFEDDECISION-26DEC-C25";
const FED_P: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const BTC_K: &str = "KXBTCMAXY-26DEC31-100000";
const BTC_P: &str = "21742633143463906290569050155826241533067272736897614950488156847949938836455";

fn pairs(list: &[(&str, &str, f64)]) -> String {
    let mut s = String::from("version = 1\n");
    for (k, p, c) in list {
        s += &format!(
            "[[pair]]\nkalshi = \"{k}\"\npolymarket = \"{p}\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = {c}\n"
        );
    }
    s
}

#[test]
fn a_dropped_pair_is_journaled_and_not_entered_after_the_reload() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.toml");
    std::fs::write(&file, pairs(&[(FED_K, FED_P, 0.98), (BTC_K, BTC_P, 0.95)])).unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!(
            "pairs = {:?}\nmapping_watch_s = 0.3\n",
            file.display().to_string()
        ),
    )
    .unwrap();
    let journal = dir.path().join("j");
    let child = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["live", "--duration", "6", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1800));
    // A broken file first: reported, not loaded, the old mapping stays.
    std::fs::write(&file, "version = 1\n[[pair]]\nkalshi = 3\n").unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    std::fs::write(&file, pairs(&[(BTC_K, BTC_P, 0.95)])).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("mapping file not reloaded") && stderr.contains("pairs.toml"),
        "the bad file is reported: {stderr}"
    );

    let recs = common::live::inspect_records(&journal);
    let loads: Vec<usize> = (0..recs.len())
        .filter(|&i| recs[i]["body"].get("MappingLoaded").is_some())
        .collect();
    assert_eq!(loads.len(), 2, "at start and after the good rewrite");
    let first = &recs[loads[0]]["body"]["MappingLoaded"];
    let second = &recs[loads[1]]["body"]["MappingLoaded"];
    assert_eq!(
        (first["pairs"].as_u64(), second["pairs"].as_u64()),
        (Some(2), Some(1))
    );
    assert_ne!(first["digest"], second["digest"]);
    assert!(second["source"].as_str().unwrap().ends_with("pairs.toml"));

    let id = |venue_id: &str| {
        recs.iter()
            .find_map(|r| {
                let m = r["body"].get("MarketDefined")?;
                (m["venue_id"] == venue_id).then(|| m["id"].as_u64().unwrap())
            })
            .unwrap()
    };
    let (fed_k, fed_p) = (id(FED_K), id(FED_P));
    let dropped = recs[loads[1]..].iter().any(|r| {
        let c = &r["body"]["PairConfidence"];
        c["a"] == fed_k && c["b"] == fed_p && c["confidence_bp"] == 0
    });
    assert!(dropped, "the dropped pair's confidence goes to 0");

    // Entries: an Intent, with the legs of its OpportunityFound.
    let mut legs = std::collections::BTreeMap::new();
    let mut cross_entries = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        if let Some(o) = r["body"].get("OpportunityFound") {
            let markets: Vec<u64> = o["legs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["market"].as_u64().unwrap())
                .collect();
            legs.insert(o["id"].as_u64().unwrap(), (o["lane"].clone(), markets));
        }
        if let Some(intent) = r["body"].get("Intent")
            && let Some((lane, markets)) = legs.get(&intent["opportunity"].as_u64().unwrap())
            && lane == "CrossVenue"
        {
            cross_entries.push((i, markets.clone()));
        }
    }
    assert!(!cross_entries.is_empty(), "the run trades pairs at all");
    for (i, markets) in &cross_entries {
        assert!(
            *i < loads[1] || !markets.contains(&fed_k),
            "entry on the dropped pair after the reload: record {i}, markets {markets:?}"
        );
    }
}

/// A restart reads the mapping as it is now: a pair added to the file while the engine
/// was down, between markets the journal already defines, is defined at the restart
/// (the markets are not defined again), and one dropped from it gets confidence 0.
#[test]
fn a_restart_applies_the_mapping_as_it_is_now_to_the_markets_it_knows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.toml");
    std::fs::write(&file, pairs(&[(FED_K, FED_P, 0.98)])).unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(&cfg, format!("pairs = {:?}\n", file.display().to_string())).unwrap();
    let journal = dir.path().join("j");
    let run = || common::live::live_cli(&cfg, &journal, "2");
    let records = || common::live::inspect_records(&journal);
    run();
    let first = records().len();
    std::fs::write(&file, pairs(&[(BTC_K, BTC_P, 0.95)])).unwrap();
    run();
    let recs = records();
    let id = |venue_id: &str| common::live::market_id(&recs, venue_id);
    let (fed_k, fed_p, btc_k, btc_p) = (id(FED_K), id(FED_P), id(BTC_K), id(BTC_P));
    let after = &recs[first..];
    assert!(
        after
            .iter()
            .all(|r| r["body"].get("MarketDefined").is_none()),
        "the restart defines no market again"
    );
    assert!(
        after.iter().any(|r| {
            let p = &r["body"]["PairDefined"];
            p["a"] == btc_k && p["b"] == btc_p && p["confidence_bp"] == 9_500
        }),
        "the pair added while down is defined"
    );
    assert!(
        after.iter().any(|r| {
            let c = &r["body"]["PairConfidence"];
            c["a"] == fed_k && c["b"] == fed_p && c["confidence_bp"] == 0
        }),
        "the pair dropped while down gets confidence 0"
    );
}

/// A market named by two tradable pairs is flagged, at start and when a reload brings
/// one: the operator sees which market and how many pairs.
#[test]
fn a_market_in_two_pairs_is_flagged_at_start_and_on_reload() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.toml");
    std::fs::write(
        &file,
        pairs(&[
            (FED_K, FED_P, 0.98),
            (FED_K, BTC_P, 0.9),
            (BTC_K, BTC_P, 0.0),
        ]),
    )
    .unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!(
            "pairs = {:?}\nmapping_watch_s = 0.3\n",
            file.display().to_string()
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["live", "--duration", "4", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(dir.path().join("j"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1800));
    // The reload: BTC's Polymarket token now in two tradable pairs, FED's Kalshi in one.
    std::fs::write(
        &file,
        pairs(&[
            (FED_K, FED_P, 0.98),
            (BTC_K, BTC_P, 0.95),
            (FED_K, BTC_P, 0.0),
        ]),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(900));
    std::fs::write(
        &file,
        pairs(&[
            (FED_K, FED_P, 0.98),
            (BTC_K, BTC_P, 0.95),
            (BTC_K, FED_P, 0.5),
        ]),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let flagged: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("a market in more than one pair"))
        .collect();
    assert!(
        flagged[0].contains(FED_K) && flagged[0].contains("pairs=2"),
        "at start: {stderr}"
    );
    // The middle file pairs nothing twice (the third pair is off); the last pairs BTC's
    // Kalshi market and FED's token twice each.
    assert_eq!(flagged.len(), 3, "{stderr}");
    assert!(flagged[1..].iter().any(|l| l.contains(BTC_K)), "{stderr}");
    assert!(flagged[1..].iter().any(|l| l.contains(FED_P)), "{stderr}");
}
