//! Reducer snapshots: a reducer restored from a snapshot taken at any point of a paper
//! run decides exactly as the one that ran through, and ends with the same state hash.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::engine::Reducer;
use arb::event::{Decision, Event};
use arb::journal::{Journal, JournalError, RecordKind, SyncMode};
use arb::run::paper;
use arb::sim::Scenario;
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// The events of a 5-minute arb-rich paper run (fills, legging, open orders included).
fn events() -> &'static [(i64, Event)] {
    static EVENTS: OnceLock<Vec<(i64, Event)>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut s = Scenario::load(&root.join("scenarios/arb-rich.toml")).unwrap();
        s.duration_ns = 300 * 1_000_000_000;
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("j");
        paper::run_scenario(
            &s,
            &arb::config::Profile::default(),
            &j,
            SyncMode::OsBuffered,
        )
        .unwrap();
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
