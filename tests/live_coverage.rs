//! Coverage probes (issue 13 item 3, seed 5D/5E), through `arb live` against a
//! standalone `arb sim`: a venue that answers a subscription but silently does not
//! serve it (`ignore_subscribe`) leaves a pair's book missing; the rules' coverage falls
//! below `coverage_floor`, and the book is subscribed again every `coverage_probe_s`
//! until the venue sends it. Without probes it never comes.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Discovering, market_id};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn kalshi(i: usize) -> String {
    format!("KXPROBE-26DEC-Q{i}")
}

fn token(i: usize, side: usize) -> String {
    format!("4{i}{side}0000000000000000000000000000000000000000000000000000000000000000000000{i}")
}

/// Questions 0 and 1 on both venues (two pairs); question 1 lists 100 s in (5 s here:
/// the simulator runs 20 times faster than the wall clock), while Kalshi ignores
/// subscriptions to its market from the start to 240 s (12 s), whenever `arb live`
/// gets to subscribe it.
fn scenario(dir: &Path) -> PathBuf {
    let mut text = common::live::scenario_head("probes", 12);
    text += &format!(
        "[[fault]]\nat_s = 0\nduration_s = 240\nkind = \"ignore_subscribe\"\nmarket = \"{}\"\n",
        kalshi(1)
    );
    for i in 0..2 {
        let venues = common::live::both_venues(&kalshi(i), &token(i, 1), &token(i, 2));
        let listed = if i == 1 { "list_at_s = 100\n" } else { "" };
        text += &common::live::question(&format!("q{i}"), 0.002, &format!("{venues}{listed}"));
    }
    let p = dir.join("probes.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `arb live` for 18 s with `coverage_probe_s` against `d`; the journal, its
/// records and its log.
fn run(d: &Discovering, coverage_probe_s: &str) -> (PathBuf, Vec<Value>, String) {
    let top = format!(
        "coverage_probe_s = {coverage_probe_s}\ncoverage_floor = 0.9\n[universe]\ndiscover = true\nrefresh_s = 1\n"
    );
    let (journal, recs) = d.run_top(&top, "18");
    let log = std::fs::read_to_string(journal.join("logs/arb.log")).unwrap();
    (journal, recs, log)
}

fn books_of(recs: &[Value], venue_id: &str) -> usize {
    let id = market_id(recs, venue_id);
    recs.iter()
        .filter(|r| r["body"]["BookSnapshot"]["market"] == id)
        .count()
}

#[test]
fn a_book_the_venue_never_sent_is_subscribed_again_until_it_comes() {
    let d = Discovering::start(scenario);
    let (journal, recs, log) = run(&d, "1");
    assert!(
        books_of(&recs, &token(1, 1)) > 0,
        "the Polymarket side streams"
    );
    assert!(
        books_of(&recs, &kalshi(1)) > 0,
        "subscribed again after the venue's window, the Kalshi book comes"
    );
    assert!(
        log.contains("coverage below its floor") && log.contains("probe: subscribing books again"),
        "the probe says why it subscribes"
    );
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);

    // Without probes the pair waits for a book that never comes.
    let d = Discovering::start(scenario);
    let (_, recs, log) = run(&d, "0");
    assert_eq!(books_of(&recs, &kalshi(1)), 0);
    assert!(!log.contains("probe: subscribing"));
}
