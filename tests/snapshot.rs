//! Reducer snapshots: a reducer restored from a snapshot taken at any point of a paper
//! run decides exactly as the one that ran through, and ends with the same state hash;
//! a restart from a snapshot and the journal after it rebuilds what a full replay
//! does, and a snapshot that cannot be trusted is skipped.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::ClientOrderId;
use arb::engine::Reducer;
use arb::event::{Decision, Event};
use arb::journal::snapshot::{list_snapshots, snapshot_dir, snapshot_file_name};
use arb::journal::{Journal, JournalError, RecordKind, SyncMode};
use arb::run::live::restart::{SnapshotUsed, replay_with, write_state_snapshot};
use arb::run::paper;
use arb::sim::Scenario;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// A `seconds`-long arb-rich paper run's journal (fills, legging, open orders).
fn paper_journal(seconds: i64, dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::load(&root.join("scenarios/arb-rich.toml")).unwrap();
    s.duration_ns = seconds * 1_000_000_000;
    paper::run_scenario(
        &s,
        &arb::config::Profile::default(),
        dir,
        SyncMode::OsBuffered,
    )
    .unwrap();
}

/// The events of a 5-minute paper run.
fn events() -> &'static [(i64, Event)] {
    static EVENTS: OnceLock<Vec<(i64, Event)>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("j");
        paper_journal(300, &j);
        let mut v = Vec::new();
        Journal::open(&j)
            .unwrap()
            .scan(|r| -> Result<(), JournalError> {
                if r.kind == RecordKind::Event {
                    v.push((r.ts, r.event()?));
                }
                Ok(())
            })
            .unwrap();
        v
    })
}

fn run(r: &mut Reducer, events: &[(i64, Event)]) -> Vec<Vec<Decision>> {
    events
        .iter()
        .map(|(ts, e)| {
            let mut out = Vec::new();
            r.apply(*ts, e, &mut out);
            out
        })
        .collect()
}

#[test]
fn the_paper_run_trades() {
    // The property below is only worth something if the state it snapshots has orders
    // in flight somewhere along the way.
    let ev = events();
    let mut r = Reducer::default();
    let mut open_at_some_point = false;
    for (ts, e) in ev {
        r.apply(*ts, e, &mut Vec::new());
        open_at_some_point |= !r.orders().open.is_empty();
    }
    assert!(open_at_some_point && r.stats().intents > 0 && ev.len() > 10_000);
}

#[test]
fn a_snapshot_restores_after_every_one_of_the_first_events() {
    // The markets are defined one by one at the start, some naming a complement that is
    // listed after them: a snapshot taken in between must restore (CI found one that
    // did not).
    let ev = events();
    let mut r = Reducer::default();
    let mut forward_complement_seen = false;
    for (ts, e) in &ev[..400.min(ev.len())] {
        r.apply(*ts, e, &mut Vec::new());
        if let Event::MarketDefined(m) = e
            && let arb::event::NoLeg::Complement(c) = m.no_leg
        {
            forward_complement_seen |= c.0 > m.id.0;
        }
        let back = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
        assert_eq!(back.state_hash(), r.state_hash());
    }
    assert!(
        forward_complement_seen,
        "the run must list a complement ahead of its market"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn restored_reducer_decides_as_the_uninterrupted_one(
        cuts in proptest::collection::vec(0.0f64..1.0, 1..4),
    ) {
        let ev = events();
        let mut whole = Reducer::default();
        let want = run(&mut whole, ev);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| (c * ev.len() as f64) as usize).collect();
        cuts.sort_unstable();
        let mut r = Reducer::default();
        let mut got = Vec::new();
        let mut at = 0;
        for cut in cuts {
            got.extend(run(&mut r, &ev[at..cut]));
            at = cut;
            let bytes = r.snapshot_bytes();
            let back = Reducer::from_snapshot_bytes(&bytes).unwrap();
            prop_assert_eq!(back.state_hash(), r.state_hash(), "at event {}", cut);
            r = back;
        }
        got.extend(run(&mut r, &ev[at..]));
        prop_assert_eq!(r.state_hash(), whole.state_hash());
        if let Some(i) = (0..want.len()).find(|&i| want[i] != got[i]) {
            prop_assert!(false, "event {} decided {:?}, uninterrupted {:?}", i, got[i], want[i]);
        }
    }
}

/// Replays the first `events` events of `dir` and writes a snapshot there, as the live
/// core would (after the event's decisions). Returns the snapshot's seq.
fn snapshot_after(dir: &Path, events: u64) -> u64 {
    let mut r = Reducer::default();
    let mut decided = BTreeMap::new();
    let mut at = None;
    let summary = Journal::open(dir)
        .unwrap()
        .scan(|rec| -> Result<(), JournalError> {
            if at.is_some() {
                return Ok(());
            }
            match rec.kind {
                RecordKind::Event if r.stats().events == events => {
                    write_state_snapshot(dir, rec.seq - 1, &r, &decided).unwrap();
                    at = Some(rec.seq - 1);
                }
                RecordKind::Event => r.apply(rec.ts, &rec.event()?, &mut Vec::new()),
                RecordKind::Decision => {
                    if let Decision::PlaceOrder(o) = rec.decision()? {
                        decided.insert(o.id, rec.ts / 1_000_000);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    at.unwrap_or_else(|| {
        let end = summary.last_seq.unwrap();
        write_state_snapshot(dir, end, &r, &decided).unwrap();
        end
    })
}

struct Rebuilt {
    hash: u64,
    snapshot: Option<SnapshotUsed>,
    events: u64,
    open_decided: Vec<(ClientOrderId, i64)>,
    markets: usize,
}

fn rebuild(dir: &Path, snapshots: bool) -> Rebuilt {
    let mut r = Reducer::default();
    let rep = replay_with(dir, &mut r, snapshots).unwrap();
    Rebuilt {
        hash: r.state_hash(),
        snapshot: rep.snapshot,
        events: rep.events,
        open_decided: rep
            .decided_ms
            .iter()
            .filter(|(id, _)| r.orders().open.contains_key(id))
            .map(|(id, ms)| (*id, *ms))
            .collect(),
        markets: rep.interner.len(),
    }
}

#[test]
fn restart_from_a_snapshot_rebuilds_what_a_full_replay_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("j");
    paper_journal(120, &dir);
    let full = rebuild(&dir, false);
    assert!(full.snapshot.is_none() && full.markets > 0);
    // Several points, the end included: each the newest snapshot when recovering.
    for k in [1, full.events / 3, full.events / 2 + 7, full.events] {
        let seq = snapshot_after(&dir, k);
        let got = rebuild(&dir, true);
        assert_eq!(got.snapshot, Some(SnapshotUsed { seq, events: k }));
        assert_eq!(got.events, full.events - k, "only the tail is replayed");
        assert_eq!(got.hash, full.hash, "snapshot after {k} events");
        assert_eq!(got.open_decided, full.open_decided);
        assert_eq!(got.markets, full.markets);
    }
}

#[test]
fn an_untrustworthy_snapshot_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("j");
    paper_journal(60, &dir);
    let full = rebuild(&dir, false);
    let older = snapshot_after(&dir, full.events / 4);
    let newer = snapshot_after(&dir, full.events / 2);
    let newest = snapshot_dir(&dir).join(snapshot_file_name(newer));

    // A damaged newest snapshot: the older one is used.
    let mut b = std::fs::read(&newest).unwrap();
    let n = b.len();
    b[n - 10] ^= 0x40;
    std::fs::write(&newest, &b).unwrap();
    let got = rebuild(&dir, true);
    assert_eq!(got.snapshot.map(|s| s.seq), Some(older));
    assert_eq!(got.hash, full.hash);

    // Both damaged: a full replay.
    let older_path = snapshot_dir(&dir).join(snapshot_file_name(older));
    std::fs::write(&older_path, b"ARBSNAP\n but not really").unwrap();
    let got = rebuild(&dir, true);
    assert_eq!((got.snapshot, got.hash), (None, full.hash));

    // A snapshot beyond the journal's end (the journal lost its tail, or the file
    // belongs to another journal): skipped, full replay.
    for (_, p) in list_snapshots(&dir).unwrap() {
        std::fs::remove_file(p).unwrap();
    }
    let end = Journal::open(&dir)
        .unwrap()
        .scan(|_| Ok::<(), JournalError>(()))
        .unwrap()
        .last_seq
        .unwrap();
    let mut r = Reducer::default();
    replay_with(&dir, &mut r, false).unwrap();
    write_state_snapshot(&dir, end + 5, &r, &BTreeMap::new()).unwrap();
    let got = rebuild(&dir, true);
    assert_eq!((got.snapshot, got.hash), (None, full.hash));
    assert_eq!(got.events, full.events);
}

/// A snapshot of a reducer watching 10,002 markets (a third Kalshi, two thirds
/// Polymarket token pairs, each paired, each book four levels a side) restores to the
/// same state hash, and the restored reducer decides the next event as the original.
#[test]
fn a_snapshot_round_trips_at_ten_thousand_markets() {
    use arb::core::{MarketId, Outcome, Price, Qty, Venue};
    use arb::event::{BookSnapshot, FeeModel, Level, MarketMeta, NoLeg, PairRule};
    let mut r = Reducer::default();
    let mut out = Vec::new();
    let lv = |p: u16| Level {
        price: Price(p),
        qty: Qty::contracts(40),
    };
    let book = |market, bid: u16, ask: u16| {
        Event::BookSnapshot(BookSnapshot {
            market,
            venue_seq: 1,
            bids: (0..4).map(|i| lv(bid - 100 * i)).collect(),
            asks: (0..4).map(|i| lv(ask + 100 * i)).collect(),
        })
    };
    for q in 0..3_334u32 {
        let ids = [MarketId(3 * q), MarketId(3 * q + 1), MarketId(3 * q + 2)];
        for (i, id) in ids.into_iter().enumerate() {
            let (venue, no_leg) = match i {
                0 => (Venue::Kalshi, NoLeg::SameBook),
                1 => (Venue::Polymarket, NoLeg::Complement(ids[2])),
                _ => (Venue::Polymarket, NoLeg::Complement(ids[1])),
            };
            let meta = MarketMeta {
                id,
                venue,
                venue_id: format!("M{}", id.0),
                title: format!("Question {q}?"),
                event_id: format!("EV-{q}"),
                series_id: "SER".into(),
                close_ts: None,
                no_leg,
                fees: FeeModel::Free,
                tick: Price(100),
            };
            r.apply(0, &Event::MarketDefined(meta), &mut out);
            r.apply(1, &book(id, 4_000, 6_200), &mut out);
        }
        let rule = PairRule {
            a: ids[0],
            b: ids[1],
            b_outcome_for_a_yes: Outcome::Yes,
            confidence_bp: 9_800,
        };
        r.apply(0, &Event::PairDefined(rule), &mut out);
    }
    assert_eq!(r.markets().list.len(), 10_002);
    let mut back = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
    assert_eq!(back.state_hash(), r.state_hash());
    // Cash, then a Polymarket pair whose asks sum below $1: both trade it alike.
    let cash = Event::Balance(arb::event::BalanceReport {
        venue: Venue::Polymarket,
        cash: arb::core::Money::dollars(1_000),
    });
    let cheap = book(MarketId(9_001), 3_000, 3_500);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for e in [&cash, &cheap] {
        r.apply(2, e, &mut a);
        back.apply(2, e, &mut b);
    }
    assert!(
        a.iter().any(|d| matches!(d, Decision::PlaceOrder(_))),
        "{a:?}"
    );
    assert_eq!(a, b);
    assert_eq!(back.state_hash(), r.state_hash());
}
