//! `arb live` in-process against a scenario with scripted faults, for the simulator
//! fault tests: the journal's events (the run replayed to check it is deterministic),
//! and the run's feed counts, decisions and final mode kept per thread.
#![allow(dead_code)]

use super::live::{decisions, events, journal_records, run_live, scenario_with_faults};
use arb::event::{Decision, Event};

/// Runs `arb live` in-process for `secs` against a scenario with these faults and
/// returns the journal's events.
pub fn live_with_faults(faults: &str, secs: f64) -> Vec<Event> {
    live_with_faults_and(faults, secs, |_| {})
}

/// The same with the live configuration adjusted.
pub fn live_with_faults_and(
    faults: &str,
    secs: f64,
    adjust: impl FnOnce(&mut arb::run::live::LiveConfig),
) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let mut config = arb::run::live::LiveConfig::default();
    config.sim.scenario = Some(scenario_with_faults(dir.path(), faults));
    config.sim.speed = 20.0;
    adjust(&mut config);
    let journal = dir.path().join("j");
    let summary = run_live(config, &journal, secs);
    LAST_FEEDS.with(|f| f.replace(summary.feeds.clone()));
    let records = journal_records(&journal);
    let (rep, reducer) = arb::run::replay::replay(&journal).unwrap();
    assert_eq!(rep.mismatches, 0, "a fault run replays deterministically");
    LAST_MODE.with(|m| m.set(Some(reducer.mode())));
    LAST_DECISIONS.with(|d| d.replace(decisions(&records)));
    events(records)
}

thread_local! {
    /// The watchdog's counts per venue of the last `live_with_faults` run on this thread.
    pub static LAST_FEEDS: std::cell::RefCell<std::collections::BTreeMap<String, arb::run::live::watchdog::FeedStats>> =
        const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
    /// The decisions of the last `live_with_faults` run on this thread.
    pub static LAST_DECISIONS: std::cell::RefCell<Vec<Decision>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The engine's mode at the end of the last `live_with_faults` run on this thread.
    pub static LAST_MODE: std::cell::Cell<Option<arb::event::Mode>> = const { std::cell::Cell::new(None) };
}
