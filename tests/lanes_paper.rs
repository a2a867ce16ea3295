//! The structural lanes in paper runs: a Kalshi game ladder (a real, mutually
//! exclusive NBA event and its two market tickers, from the shared fixtures) imported
//! from recorded WebSocket frames in the fixtures' message shape, run by `arb paper
//! --from-journal --kalshi-events`: the bucket lane evaluates on every book update of
//! the event's markets, reports opportunities and skips by reason, and the run
//! replays exactly. Tree and parity rules in a source journal run and replay too.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Money, Outcome, Price, Qty, Venue};
use arb::event::*;
use arb::journal::{Journal, JournalWriter, RecordBody, SyncMode, WriterOptions};
use arb::run::{paper, replay};
use arb::venues::MarketInterner;
use arb::venues::import::import_file;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

const EVENTS: &str = "../shared/fixtures/pairs/steffenmax_kalshi_nba_events.json";
const EVENT: &str = "KXNBAGAME-26JAN09MILLAL";
const MIL: &str = "KXNBAGAME-26JAN09MILLAL-MIL";
const LAL: &str = "KXNBAGAME-26JAN09MILLAL-LAL";
const T0_MS: i64 = 1_767_999_600_000;

fn events_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(EVENTS)
}

fn opts() -> WriterOptions {
    WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    }
}

fn level(p: i64, q: i64) -> serde_json::Value {
    json!([
        format!("{}.{:04}", p / 10_000, p % 10_000),
        format!("{q}.00")
    ])
}

/// Frames of one subscription (sid 7) to both markets of the game, in the shape of
/// the fixtures' `orderbook_snapshot` / `orderbook_delta` (dollar strings, `_fp`
/// counts). The books are made up (the fixtures hold no book of this game): YES
/// asks 0.43 + 0.50 < $1 for a while, then a stale stretch of one market, a book
/// jump and a quiet close. Returns the lines and the number of book messages.
fn recording() -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    let mut seq = 0;
    let mut at = T0_MS;
    let mut push = |lines: &mut Vec<String>, at: i64, msg: serde_json::Value| {
        seq += 1;
        let mut m = msg;
        m["sid"] = json!(7);
        m["seq"] = json!(seq);
        lines.push(json!({"recv_ms": at, "frame": m}).to_string());
    };
    let snapshot = |ticker: &str, yes: &[(i64, i64)], no: &[(i64, i64)]| {
        json!({"type": "orderbook_snapshot", "msg": {
            "market_ticker": ticker,
            "yes_dollars_fp": yes.iter().map(|&(p, q)| level(p, q)).collect::<Vec<_>>(),
            "no_dollars_fp": no.iter().map(|&(p, q)| level(p, q)).collect::<Vec<_>>(),
        }})
    };
    let delta = |ticker: &str, side: &str, p: i64, d: i64| {
        json!({"type": "orderbook_delta", "msg": {
            "market_ticker": ticker, "price_dollars": format!("0.{:04}", p),
            "delta_fp": format!("{d}.00"), "side": side,
        }})
    };
    // LAL first: YES bids 0.40/0.42, NO bids 0.04 and 0.55 (YES ask 0.45). Its top NO
    // bid is pulled (YES ask to 0.96, the mid up 25.5 cents, no trade): a jump the
    // firewall refuses; then NO bids at 0.50 arrive (YES ask 0.50).
    push(
        &mut lines,
        at,
        snapshot(LAL, &[(4000, 200), (4200, 90)], &[(400, 50), (5500, 70)]),
    );
    at += 1_000;
    push(&mut lines, at, delta(LAL, "no", 5500, -70));
    at += 1_000;
    push(&mut lines, at, delta(LAL, "no", 5000, 70));
    // MIL: YES bids 0.39/0.40, NO bids 0.56/0.57 (YES ask 0.43): the ladder is known
    // (both markets defined) and its YES asks sum to 0.93.
    at += 1_000;
    push(
        &mut lines,
        at,
        snapshot(MIL, &[(3900, 300), (4000, 120)], &[(5600, 80), (5700, 60)]),
    );
    // Size churn on both books every 5 s for a minute.
    for i in 0..12 {
        at += 5_000;
        let (t, side, p) = if i % 2 == 0 {
            (MIL, "yes", 3900)
        } else {
            (LAL, "yes", 4000)
        };
        push(&mut lines, at, delta(t, side, p, 10));
    }
    // LAL falls silent for 90 s while MIL keeps updating on the same subscription: a
    // quiet book, current while the stream vouches for it (and stale if not).
    for _ in 0..9 {
        at += 10_000;
        push(&mut lines, at, delta(MIL, "yes", 3900, 5));
    }
    // LAL again, and more churn.
    at += 1_000;
    push(&mut lines, at, delta(LAL, "yes", 4000, 5));
    for i in 0..6 {
        at += 2_000;
        let t = if i % 2 == 0 { MIL } else { LAL };
        push(
            &mut lines,
            at,
            delta(t, "yes", if t == MIL { 3900 } else { 4000 }, 1),
        );
    }
    let n = lines.len();
    (lines, n)
}

/// Index in `recording()` of the first frame of LAL's quiet spell.
const QUIET_STARTS: usize = 16;

fn import(dir: &Path) -> PathBuf {
    import_lines(dir, recording().0)
}

fn import_lines(dir: &Path, lines: Vec<String>) -> PathBuf {
    let rec = dir.join("ladder.jsonl");
    std::fs::write(&rec, lines.join("\n")).unwrap();
    let journal = dir.join("imported");
    let mut writer = JournalWriter::create(&journal, opts()).unwrap();
    let mut interner = MarketInterner::new();
    let s = import_file(Venue::Kalshi, &rec, &mut writer, &mut interner).unwrap();
    writer.finish().unwrap();
    assert_eq!(s.skipped, 0, "{s:?}");
    journal
}

/// Book updates of the event's markets that the reducer accepted, in a paper
/// journal, from the moment its ladder is known (its `GroupDefined`, written once both
/// markets are defined). Updates refused as input (the paper venue's own book changes
/// for liquidity its fills took can collide with the recorded sequence numbers) are
/// not evaluated and not counted.
fn book_updates(journal: &Path) -> (u64, Vec<MarketId>) {
    let (records, _) = Journal::open(journal).unwrap().read_all().unwrap();
    let mut ladder: Vec<MarketId> = Vec::new();
    let mut updates = 0u64;
    let mut pending = 0u64;
    for r in records {
        match r.body {
            RecordBody::Decision(Decision::InputRejected { .. }) => pending = 0,
            RecordBody::Decision(_) => {}
            RecordBody::Event(e) => {
                updates += std::mem::take(&mut pending);
                let touches = |m: &MarketId| ladder.contains(m);
                pending = match e {
                    Event::GroupDefined(g) if g.source.contains(EVENT) => {
                        ladder = g.members.iter().map(|m| m.market).collect();
                        0
                    }
                    Event::BookSnapshot(b) => u64::from(touches(&b.market)),
                    Event::BookDelta(d) => u64::from(touches(&d.market)),
                    _ => 0,
                };
            }
        }
    }
    (updates + pending, ladder)
}

/// `arb paper --from-journal` of `src` with the recorded event as a ladder, writing
/// to `out`.
fn paper_ladder(src: &Path, out: &Path, profile: &arb::config::Profile) -> paper::PaperSummary {
    let events = arb::mapping::groups::load_kalshi_events(&events_fixture()).unwrap();
    paper::run_from_journal_grouped(
        src,
        profile,
        Vec::new(),
        paper::GroupInputs {
            kalshi_events: events,
            specs: Vec::new(),
        },
        [Money::dollars(1000); 2],
        out,
        SyncMode::OsBuffered,
    )
    .unwrap()
}

fn stale_skips(s: &paper::PaperSummary) -> u64 {
    s.lanes[Lane::Bucket as usize]
        .skips
        .get("stale_book")
        .copied()
        .unwrap_or(0)
}

#[test]
fn a_quiet_book_is_stale_only_when_its_stream_does_not_vouch_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let src = import(dir.path());
    // Without vouching, LAL's book ages through its quiet spell.
    let old = arb::config::Profile {
        stream_vouches: false,
        ..arb::config::Profile::default()
    };
    let s = paper_ladder(&src, &dir.path().join("old"), &old);
    assert!(stale_skips(&s) > 0, "{s:?}");
    // A frame lost at the start of the quiet spell (a sequence gap in the recording):
    // the stream no longer vouches for the books behind it, which age.
    let mut lines = recording().0;
    assert!(lines[QUIET_STARTS].contains(MIL), "{}", lines[QUIET_STARTS]);
    lines.remove(QUIET_STARTS);
    let gapped_dir = dir.path().join("gapped");
    std::fs::create_dir_all(&gapped_dir).unwrap();
    let gapped = import_lines(&gapped_dir, lines);
    let s = paper_ladder(
        &gapped,
        &dir.path().join("paper-gapped"),
        &arb::config::Profile::default(),
    );
    assert!(stale_skips(&s) > 0, "behind a gap: {s:?}");
    let (rep, _) = replay::replay(&dir.path().join("paper-gapped")).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
}

#[test]
fn paper_over_an_imported_kalshi_ladder_evaluates_the_bucket_lane_on_every_update() {
    let dir = tempfile::tempdir().unwrap();
    let src = import(dir.path());
    let events = arb::mapping::groups::load_kalshi_events(&events_fixture()).unwrap();
    let out = dir.path().join("paper");
    let s = paper::run_from_journal_grouped(
        &src,
        &arb::config::Profile::default(),
        Vec::new(),
        paper::GroupInputs {
            kalshi_events: events,
            specs: Vec::new(),
        },
        [Money::dollars(1000); 2],
        &out,
        SyncMode::OsBuffered,
    )
    .unwrap();
    assert_eq!((s.groups, s.unresolved_groups), (1, 0), "{s:?}");
    let (updates, ladder) = book_updates(&out);
    assert_eq!(ladder.len(), 2);
    let (_, all) = recording();
    assert!(updates as usize >= all - 3, "{updates} of {all}");
    let bucket = &s.lanes[Lane::Bucket as usize];
    assert_eq!(bucket.lane, "bucket");
    assert_eq!(
        bucket.evaluations, updates,
        "one evaluation per book update: {s:?}"
    );
    assert!(bucket.opportunities >= 1, "{s:?}");
    assert!(s.opportunities.bucket >= 1 && s.intents >= 1, "{s:?}");
    // LAL's quiet spell is on a healthy stream (MIL's updates vouch for it).
    assert_eq!(bucket.skips.get("stale_book"), None, "{bucket:?}");
    assert!(
        s.firewall.get("jump_without_trade").is_some_and(|&n| n > 0),
        "{s:?}"
    );
    assert_eq!(bucket.rules, 1);
    // Every skip is journaled: the skip reasons in the journal match the report's.
    let (records, _) = Journal::open(&out).unwrap().read_all().unwrap();
    let journaled: Vec<SkipReason> = records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Decision(Decision::LaneSkipped {
                lane: Lane::Bucket,
                reason,
                ..
            }) => Some(*reason),
            _ => None,
        })
        .collect();
    assert!(!journaled.contains(&SkipReason::StaleBook), "{journaled:?}");
    // Coverage is journaled too: the ladder is watched, and at some tick its books
    // were all fresh.
    let coverage: Vec<(u32, u32)> = records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Decision(Decision::LaneCoverage {
                lane: Lane::Bucket,
                rules,
                fresh,
            }) => Some((*rules, *fresh)),
            _ => None,
        })
        .collect();
    assert!(coverage.iter().all(|c| c.0 == 1), "{coverage:?}");
    assert!(coverage.contains(&(1, 1)), "{coverage:?}");
    let (rep, _) = replay::replay(&out).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
    assert_eq!(rep.state_hash, s.state_hash);
}

#[test]
fn cli_paper_reports_the_bucket_lane() {
    let dir = tempfile::tempdir().unwrap();
    let src = import(dir.path());
    let out = dir.path().join("paper");
    let run = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["paper", "--from-journal"])
        .arg(&src)
        .arg("--kalshi-events")
        .arg(events_fixture())
        .arg("--journal")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{text}");
    assert!(text.contains("lane bucket: 1 rules"), "{text}");
    assert!(
        text.contains("firewall rejected book updates: jump_without_trade"),
        "{text}"
    );
}

fn meta(id: u32, venue: Venue, no_leg: NoLeg) -> Event {
    Event::MarketDefined(MarketMeta {
        id: MarketId(id),
        venue,
        venue_id: format!("M{id}"),
        title: "t".into(),
        event_id: "E".into(),
        series_id: "S".into(),
        close_ts: None,
        no_leg,
        fees: FeeModel::Free,
        tick: Price(100),
    })
}

fn snap(id: u32, bid: u16, ask: u16) -> Event {
    Event::BookSnapshot(BookSnapshot {
        market: MarketId(id),
        venue_seq: 0,
        bids: vec![Level {
            price: Price(bid),
            qty: Qty::contracts(50),
        }],
        asks: vec![Level {
            price: Price(ask),
            qty: Qty::contracts(50),
        }],
    })
}

/// A source journal with a tree (0 implied by 1) and a parity family (Kalshi 2 YES =
/// Polymarket 3 YES, 4 its NO token): both lanes find their edge in paper, and the
/// run replays to the same decisions and hash.
#[test]
fn tree_and_parity_lanes_run_in_paper_and_replay() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut w = JournalWriter::create(&src, opts()).unwrap();
    let member = |m: u32, outcome| GroupMember {
        market: MarketId(m),
        outcome,
    };
    let events = [
        meta(0, Venue::Kalshi, NoLeg::SameBook),
        meta(1, Venue::Kalshi, NoLeg::SameBook),
        meta(2, Venue::Kalshi, NoLeg::SameBook),
        meta(3, Venue::Polymarket, NoLeg::Complement(MarketId(4))),
        meta(4, Venue::Polymarket, NoLeg::Complement(MarketId(3))),
        Event::GroupDefined(GroupRule {
            kind: GroupKind::Tree,
            members: vec![member(0, Outcome::Yes), member(1, Outcome::Yes)],
            exhaustive: false,
            source: "test:implies".into(),
            confidence_bp: 10_000,
        }),
        Event::GroupDefined(GroupRule {
            kind: GroupKind::Parity,
            members: vec![member(2, Outcome::Yes), member(3, Outcome::Yes)],
            exhaustive: true,
            source: "test:same_question".into(),
            confidence_bp: 10_000,
        }),
        snap(0, 4800, 5000),
        snap(1, 6000, 6200),
        snap(3, 5300, 5500),
        snap(4, 4800, 5000),
        snap(2, 3800, 4000),
    ];
    for (i, e) in events.iter().enumerate() {
        w.append_event(1_000_000_000 + i as i64, e).unwrap();
    }
    w.finish().unwrap();
    let out = dir.path().join("paper");
    let s = paper::run_from_journal(
        &src,
        &arb::config::Profile::default(),
        Vec::new(),
        [Money::dollars(1000); 2],
        &out,
        SyncMode::OsBuffered,
    )
    .unwrap();
    assert_eq!(s.groups, 2);
    assert_eq!(
        (s.opportunities.tree, s.opportunities.parity),
        (1, 1),
        "{s:?}"
    );
    assert_eq!(s.intents, 2, "{s:?}");
    let (rep, _) = replay::replay(&out).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
    assert_eq!(rep.state_hash, s.state_hash);
}

/// Trees from the venue's own metadata: a Kalshi listing of one event's thresholds
/// ("above 3.0", "above 3.5": the higher implies the lower, by `strike_type` and
/// `floor_strike`) becomes a journaled tree rule in paper, and the lane trades the
/// child priced above its parent.
#[test]
fn kalshi_strike_metadata_becomes_a_tree_the_lane_trades() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut w = JournalWriter::create(&src, opts()).unwrap();
    // M0 "above 3.0" asks 0.50; M1 "above 3.5" bids 0.60: its NO asks 0.40.
    let events = [
        meta(0, Venue::Kalshi, NoLeg::SameBook),
        meta(1, Venue::Kalshi, NoLeg::SameBook),
        snap(0, 4800, 5000),
        snap(1, 6000, 6200),
    ];
    for (i, e) in events.iter().enumerate() {
        w.append_event(1_000_000_000 + i as i64, e).unwrap();
    }
    w.finish().unwrap();
    let listing = r#"{"events":[{"event_ticker":"KXCPIYOY-26JUL","mutually_exclusive":false,"markets":[
        {"ticker":"M1","event_ticker":"KXCPIYOY-26JUL","strike_type":"greater","floor_strike":3.5},
        {"ticker":"M0","event_ticker":"KXCPIYOY-26JUL","strike_type":"greater","floor_strike":3.0}]}],"cursor":""}"#;
    let file = dir.path().join("events.json");
    std::fs::write(&file, listing).unwrap();
    let specs = arb::mapping::strikes::load_kalshi_strike_specs(&file).unwrap();
    assert_eq!(specs.len(), 1, "{specs:?}");
    let out = dir.path().join("paper");
    let s = paper::run_from_journal_grouped(
        &src,
        &arb::config::Profile::default(),
        Vec::new(),
        paper::GroupInputs {
            kalshi_events: Vec::new(),
            specs,
        },
        [Money::dollars(1000); 2],
        &out,
        SyncMode::OsBuffered,
    )
    .unwrap();
    assert_eq!(
        (s.groups, s.opportunities.tree, s.intents),
        (1, 1, 1),
        "{s:?}"
    );
    let (records, _) = Journal::open(&out).unwrap().read_all().unwrap();
    let rule = records
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Event(Event::GroupDefined(g)) => Some(g.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(rule.kind, GroupKind::Tree);
    assert_eq!(
        rule.members.iter().map(|m| m.market).collect::<Vec<_>>(),
        [MarketId(0), MarketId(1)],
        "the parent (above 3.0) first, then the child"
    );
    assert_eq!(rule.source, "kalshi:strike:KXCPIYOY-26JUL:M1=>M0");
    let (rep, _) = replay::replay(&out).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
}
