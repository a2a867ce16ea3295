//! Polymarket neg-risk events as bucket ladders (`arb paper --from-journal
//! --polymarket-events`). The shared NBA Gamma events hold no neg-risk event (game
//! lines are independent markets): no group. The one real neg-risk market in the
//! fixtures (a Gamma market of the augmented "Democratic Presidential Nominee 2028"
//! event) is put in an event with two siblings made from it (new token ids and names):
//! its YES tokens form a ladder, exhaustive only when the event is not augmented and
//! no market is left out; a paper run over a small constructed journal of those
//! tokens' books evaluates the bucket lane, finds the ladder under $1, and replays.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Money, Outcome, Price, Qty, Venue};
use arb::event::*;
use arb::journal::{JournalWriter, SyncMode, WriterOptions};
use arb::mapping::negrisk::{load_polymarket_events, negrisk_bucket_specs};
use arb::run::{paper, replay};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(rel)
}

#[test]
fn the_real_nba_events_hold_no_neg_risk_ladder() {
    let path = fixture("pairs/steffenmax_poly_nba_events.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let events = doc.as_array().unwrap();
    assert_eq!(events.len(), 50);
    assert!(events.iter().all(|e| e["negRisk"] == false));
    assert!(load_polymarket_events(&path).unwrap().is_empty());
}

/// The real neg-risk market and two siblings, in the real event's metadata.
fn nominee_event(augmented: bool) -> (Value, Vec<String>) {
    let real: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("venues/polymarket/gamma_market_live.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(real["negRisk"], true);
    let mut event = real["events"][0].clone();
    assert_eq!(event["negRisk"], true);
    assert_eq!(event["negRiskAugmented"], true);
    let mut markets = vec![real.clone()];
    for (k, name) in ["Jon Ossoff", "Other candidate"].iter().enumerate() {
        let mut m = real.clone();
        m["groupItemTitle"] = json!(name);
        m["conditionId"] = json!(format!("0xsibling{k}"));
        m["clobTokenIds"] = json!(format!("[\"{}1\", \"{}2\"]", 900 + k, 900 + k));
        markets.push(m);
    }
    let yes: Vec<String> = markets
        .iter()
        .map(|m| {
            let ids: Vec<String> =
                serde_json::from_str(m["clobTokenIds"].as_str().unwrap()).unwrap();
            ids[0].clone()
        })
        .collect();
    event["markets"] = json!(markets);
    event["negRiskAugmented"] = json!(augmented);
    (json!([event]), yes)
}

#[test]
fn a_neg_risk_event_is_a_ladder_of_its_yes_tokens_exhaustive_only_when_complete() {
    let (doc, yes) = nominee_event(true);
    let specs = negrisk_bucket_specs(&doc).unwrap();
    assert_eq!(specs.len(), 1);
    let g = &specs[0];
    assert_eq!(g.kind, GroupKind::Bucket);
    assert_eq!(
        g.source,
        "polymarket:negRisk:democratic-presidential-nominee-2028"
    );
    assert_eq!(g.confidence_bp, 10_000);
    let members: Vec<_> = g
        .members
        .iter()
        .map(|(v, id, o)| (*v, id.clone(), *o))
        .collect();
    assert_eq!(
        members,
        yes.iter()
            .map(|t| (Venue::Polymarket, t.clone(), Outcome::Yes))
            .collect::<Vec<_>>()
    );
    assert!(yes[0].starts_with("5453304381994659"), "the real YES token");
    assert!(!g.exhaustive, "augmented: outcomes may still be added");

    let (doc, _) = nominee_event(false);
    assert!(negrisk_bucket_specs(&doc).unwrap()[0].exhaustive);
    // A closed market is left out, and the ladder is no longer known to be complete.
    let (mut doc, yes) = nominee_event(false);
    doc[0]["markets"][2]["closed"] = json!(true);
    let g = &negrisk_bucket_specs(&doc).unwrap()[0];
    assert_eq!(g.members.len(), 2);
    assert_eq!(g.members[1].1, yes[1]);
    assert!(!g.exhaustive);
    // The catch-all is never a member.
    let (mut doc, _) = nominee_event(false);
    doc[0]["markets"][2]["negRiskOther"] = json!(true);
    assert!(!negrisk_bucket_specs(&doc).unwrap()[0].exhaustive);
    // Bad input names where.
    let (mut doc, _) = nominee_event(false);
    doc[0]["markets"][1]["clobTokenIds"] = json!("[\"1\"]");
    let (at, msg) = negrisk_bucket_specs(&doc).unwrap_err();
    assert_eq!(at, "[0].markets[1].clobTokenIds");
    assert!(msg.contains("1 token ids for 2 outcomes"), "{msg}");
}

#[test]
fn a_bad_events_file_names_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ev.json");
    std::fs::write(&f, "{\"events\": 3}").unwrap();
    let e = load_polymarket_events(&f).unwrap_err().to_string();
    assert!(e.contains("ev.json") && e.contains("$.events"), "{e}");
    std::fs::write(&f, "[{").unwrap();
    let e = load_polymarket_events(&f).unwrap_err().to_string();
    assert!(e.contains("ev.json") && e.contains("not JSON"), "{e}");
}

fn ask_book(id: u32, bid: u16, ask: u16) -> Event {
    Event::BookSnapshot(BookSnapshot {
        market: MarketId(id),
        venue_seq: 0,
        bids: vec![Level {
            price: Price(bid),
            qty: Qty::contracts(40),
        }],
        asks: vec![Level {
            price: Price(ask),
            qty: Qty::contracts(40),
        }],
    })
}

/// YES tokens 0, 2, 4 (NO tokens 1, 3, 5) of the exhaustive ladder; YES asks
/// 0.30 + 0.25 + 0.35 = 0.90.
fn source_journal(dir: &Path, yes: &[String]) -> PathBuf {
    let src = dir.join("src");
    let opts = WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    };
    let mut w = JournalWriter::create(&src, opts).unwrap();
    let mut events = Vec::new();
    for (k, token) in yes.iter().enumerate() {
        let (y, n) = (2 * k as u32, 2 * k as u32 + 1);
        for (id, venue_id, other) in [(y, token.clone(), n), (n, format!("{token}-no"), y)] {
            events.push(Event::MarketDefined(MarketMeta {
                id: MarketId(id),
                venue: Venue::Polymarket,
                venue_id,
                title: format!("nominee {k}"),
                event_id: "democratic-presidential-nominee-2028".into(),
                series_id: "democratic-presidential-nominee-2028".into(),
                close_ts: None,
                no_leg: NoLeg::Complement(MarketId(other)),
                fees: FeeModel::Free,
                tick: Price(100),
            }));
        }
    }
    for (k, ask) in [3000u16, 2500, 3500].iter().enumerate() {
        let (y, n) = (2 * k as u32, 2 * k as u32 + 1);
        events.push(ask_book(y, ask - 200, *ask));
        events.push(ask_book(n, 10_000 - ask - 100, 10_000 - ask + 200));
    }
    for (i, e) in events.iter().enumerate() {
        w.append_event(1_000_000_000 + i as i64, e).unwrap();
    }
    w.finish().unwrap();
    src
}

#[test]
fn paper_runs_the_bucket_lane_over_a_neg_risk_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, yes) = nominee_event(false);
    let events_file = dir.path().join("gamma_events.json");
    std::fs::write(&events_file, doc.to_string()).unwrap();
    let src = source_journal(dir.path(), &yes);

    let out = dir.path().join("paper");
    let s = paper::run_from_journal_grouped(
        &src,
        &arb::config::Profile::default(),
        Vec::new(),
        paper::GroupInputs {
            kalshi_events: Vec::new(),
            specs: load_polymarket_events(&events_file).unwrap(),
        },
        [Money::dollars(1000); 2],
        &out,
        SyncMode::OsBuffered,
    )
    .unwrap();
    assert_eq!((s.groups, s.unresolved_groups), (1, 0), "{s:?}");
    let bucket = &s.lanes[Lane::Bucket as usize];
    assert_eq!(bucket.rules, 1);
    assert!(bucket.evaluations >= 1, "{bucket:?}");
    assert!(s.opportunities.bucket >= 1 && s.intents >= 1, "{s:?}");
    let (rep, _) = replay::replay(&out).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
    assert_eq!(rep.state_hash, s.state_hash);

    let cli_out = dir.path().join("cli");
    let run = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["paper", "--from-journal"])
        .arg(&src)
        .arg("--polymarket-events")
        .arg(&events_file)
        .arg("--journal")
        .arg(&cli_out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(text.contains("lane bucket: 1 rules"), "{text}");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["paper", "--from-journal"])
        .arg(&src)
        .arg("--polymarket-events")
        .arg(&bad)
        .arg("--journal")
        .arg(dir.path().join("never"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("bad.json") && err.contains("$.events"),
        "{err}"
    );
}
