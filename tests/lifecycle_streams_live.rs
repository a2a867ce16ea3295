//! A settlement reaches the engine through the venues' lifecycle streams (issue 12,
//! markets that close and settle), not only through the status poll: through `arb live`
//! against a standalone `arb sim` whose question settles mid-run, with the poll set to
//! once an hour (`market_status_s = 3600`, so it never runs), Kalshi's
//! `market_lifecycle_v2` and Polymarket's `market_resolved` (asked for with
//! `custom_feature_enabled`) wake the status watcher, which reads each market's result
//! over REST and journals it. Each market's `Settled` is journaled within seconds of the
//! settlement, with the scenario's result.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::Price;
use arb::event::Event;
use arb::journal::RecordBody;
use common::live::{FED_KALSHI, FED_POLY_NO, FED_POLY_YES, Sim, journal_records, live_cli};
use std::collections::BTreeMap;

const KALSHI: &str = FED_KALSHI;
const POLY_YES: &str = FED_POLY_YES;
const POLY_NO: &str = FED_POLY_NO;

#[test]
fn a_settlement_is_learned_from_the_streams_without_waiting_for_the_poll() {
    let dir = tempfile::tempdir().unwrap();
    // Settles 120 s of scenario time in: 6 s at the simulator's speed 20.
    let scenario = dir.path().join("streams.toml");
    std::fs::write(
        &scenario,
        format!(
            "name = \"streams\"\nseed = 3\nstart_ms = 1795996800000\nduration_s = 600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"2000.00\"\npolymarket = \"2000.00\"\n[[question]]\nname = \"fed\"\nfair = 0.42\nvolatility = 0.002\nspread = 0.02\ndepth = 30\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"{KALSHI}\"\npolymarket_yes = \"{POLY_YES}\"\npolymarket_no = \"{POLY_NO}\"\npair_confidence = 0.98\nclose_at_s = 100\nsettle_at_s = 120\nresult = \"no\"\n"
        ),
    )
    .unwrap();
    let sim = Sim::start_with(Some(&scenario), "40");
    let cfg = sim.live_config(
        dir.path(),
        Some(&scenario),
        "market_status_s = 3600\n",
        None,
    );
    let journal = dir.path().join("j");
    live_cli(&cfg, &journal, "11");
    let records = journal_records(&journal);
    let mut venue_id = BTreeMap::new();
    let mut settled = BTreeMap::new();
    for r in &records {
        match &r.body {
            RecordBody::Event(Event::MarketDefined(m)) => {
                venue_id.insert(m.id, m.venue_id.clone());
            }
            RecordBody::Event(Event::Settled(s)) => {
                settled.insert(venue_id[&s.market].clone(), (s.yes_value, r.ts));
            }
            _ => {}
        }
    }
    let value = |id: &str| settled.get(id).map(|s| s.0);
    assert_eq!(value(KALSHI), Some(Price(0)), "{settled:?}");
    assert_eq!(value(POLY_YES), Some(Price(0)), "{settled:?}");
    assert_eq!(value(POLY_NO), Some(Price::ONE), "{settled:?}");
    // All three within a few seconds of each other (the settlement came at once on
    // both venues), long before any poll.
    let times: Vec<i64> = settled.values().map(|s| s.1).collect();
    let spread = times.iter().max().unwrap() - times.iter().min().unwrap();
    assert!(spread < 3_000_000_000, "{settled:?}");
}
