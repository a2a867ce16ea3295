//! Watching in tiers (issue 13 item 3), through `arb live` against a standalone `arb
//! sim`: the markets of the cross-venue pairs are streamed, the others read over REST
//! (warm) as far as the read budget goes and only listed beyond it (cold); a warm market
//! whose book moves is promoted to the stream. Every watch is journaled (`MarketWatch`)
//! and replays to the same decisions.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Discovering, arb};
use serde_json::Value;
use std::path::{Path, PathBuf};

const KALSHI_QUIET: &str = "KXTIER-26DEC-QUIET";

fn token(i: usize, side: usize) -> String {
    format!("8{i}{side}0000000000000000000000000000000000000000000000000000000000000000000000{i}")
}

/// Questions 0 and 1 on both venues (pairs); 2, 3 and 4 on Polymarket alone with books
/// that never move; 5 on Polymarket alone with a moving book; a Kalshi market alone that
/// never moves.
fn scenario(dir: &Path) -> PathBuf {
    scenario_with(dir, None, false, false)
}

/// As `scenario`, question 5 still from `still_after_s` of scenario time on (the
/// simulator runs 20 times faster than the wall clock); with `listed_later`, question 6
/// (Polymarket alone, quiet) and question 7 (both venues, a pair) list 60 s in; with
/// `closing`, questions 1 (a pair) and 3 (Polymarket alone, quiet) close 60 s in.
fn scenario_with(
    dir: &Path,
    still_after_s: Option<f64>,
    listed_later: bool,
    closing: bool,
) -> PathBuf {
    let mut text = String::from(
        "name = \"tiers\"\nseed = 5\nstart_ms = 1795996800000\nduration_s = 3600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"1000.00\"\npolymarket = \"1000.00\"\n",
    );
    let question = |name: String, volatility: f64, venues: String| {
        format!(
            "[[question]]\nname = \"{name}\"\nfair = 0.4\nvolatility = {volatility}\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\n{venues}"
        )
    };
    for i in 0..6 {
        let tokens = format!(
            "polymarket_yes = \"{}\"\npolymarket_no = \"{}\"\n",
            token(i, 1),
            token(i, 2)
        );
        let (volatility, venues) = match i {
            0 | 1 => (0.002, format!("kalshi = \"KXTIER-26DEC-Q{i}\"\n{tokens}")),
            5 => match still_after_s {
                Some(t) => (0.01, format!("still_after_s = {t}\n{tokens}")),
                None => (0.01, tokens),
            },
            _ => (0.0, tokens),
        };
        let venues = match i {
            1 | 3 if closing => format!("close_at_s = 60\n{venues}"),
            _ => venues,
        };
        text += &question(format!("q{i}"), volatility, venues);
    }
    text += &question("k".into(), 0.0, format!("kalshi = \"{KALSHI_QUIET}\"\n"));
    if listed_later {
        let tokens = |i| {
            format!(
                "polymarket_yes = \"{}\"\npolymarket_no = \"{}\"\nlist_at_s = 60\n",
                token(i, 1),
                token(i, 2)
            )
        };
        text += &question("q6".into(), 0.0, tokens(6));
        text += &question(
            "q7".into(),
            0.002,
            format!("kalshi = \"KXTIER-26DEC-Q7\"\n{}", tokens(7)),
        );
    }
    let p = dir.join("tiers.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Whether record `r` changes `id`'s book as a stream does (a delta, not a full read).
fn streamed_change(r: &Value, id: &Value) -> bool {
    r["body"]["BookDelta"]["market"] == *id
        || r["body"]["BookBatch"]["deltas"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["market"] == *id))
}

/// Each market's watches in journal order, by venue id.
fn watches(recs: &[Value], venue_id: &str) -> Vec<Value> {
    let id = common::live::market_id(recs, venue_id);
    recs.iter()
        .filter_map(|r| {
            let w = r["body"].get("MarketWatch")?;
            (w["market"] == id).then(|| w.clone())
        })
        .collect()
}

fn books(recs: &[Value], venue_id: &str) -> usize {
    let id = common::live::market_id(recs, venue_id);
    recs.iter()
        .filter(|r| r["body"]["BookSnapshot"]["market"] == id)
        .count()
}

#[test]
fn pairs_are_streamed_the_rest_polled_within_budget_and_a_moving_market_is_promoted() {
    let d = Discovering::start(scenario);
    // 4 reads a second per venue, a quarter of them for 1 s polls: one Kalshi book per
    // poll (the quiet Kalshi market), Polymarket a batch of up to a hundred.
    let (journal, recs) = d.run(
        "discover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 1\nwarm_read_share = 0.25\n[limits]\nread_per_s = 4\n",
        "8",
    );
    let streamed = |w: &Value| w["watch"].get("Streamed").is_some();
    for id in ["KXTIER-26DEC-Q0".to_string(), token(0, 1), token(1, 2)] {
        let w = watches(&recs, &id);
        assert_eq!(w.len(), 1, "{id}: {w:?}");
        assert!(
            streamed(&w[0]) && w[0]["reason"] == "Rule",
            "{id} is in a pair: {w:?}"
        );
    }
    for id in [
        token(2, 1),
        token(3, 2),
        token(4, 1),
        KALSHI_QUIET.to_string(),
    ] {
        let w = watches(&recs, &id);
        assert_eq!(w.len(), 1, "{id} never moves: {w:?}");
        assert_eq!(w[0]["watch"], "Polled", "{id}: {w:?}");
        assert!(
            books(&recs, &id) >= 3,
            "{id} is read every second: {} books",
            books(&recs, &id)
        );
    }
    // The venue saw the warm reads, within the budget: Kalshi's quiet market one book a
    // second (4 reads a second, a quarter of them), Polymarket's warm tokens a batch.
    let requests = &d.sim.ledger()["requests"];
    let count = |route: &str| requests[route].as_u64().unwrap_or(0);
    let kalshi_books = count("GET /trade-api/v2/markets/{ticker}/orderbook");
    assert!((3..=10).contains(&kalshi_books), "{requests}");
    assert!(count("POST /books") >= 3, "{requests}");
    // Question 5's book moves: polled, then streamed for its activity, with its
    // complement.
    for id in [token(5, 1), token(5, 2)] {
        let w = watches(&recs, &id);
        assert_eq!(w.len(), 2, "{id}: {w:?}");
        assert_eq!(w[0]["watch"], "Polled", "{id}: {w:?}");
        assert!(
            streamed(&w[1]) && w[1]["reason"] == "Activity",
            "{id}: {w:?}"
        );
    }
    // Once promoted, its book comes from the stream: changes, not only full reads.
    let id = common::live::market_id(&recs, &token(5, 1));
    let promoted = recs
        .iter()
        .position(|r| {
            r["body"]["MarketWatch"]["market"] == id
                && r["body"]["MarketWatch"]["reason"] == "Activity"
        })
        .unwrap();
    let change_of = |r: &Value| streamed_change(r, &id);
    assert!(
        !recs[..promoted].iter().any(change_of),
        "not streamed before its promotion"
    );
    let streamed_change = recs[promoted..].iter().any(change_of);
    assert!(
        streamed_change,
        "no streamed change of {} after its promotion",
        token(5, 1)
    );
    // The run's decisions replay from its journal.
    let replay = arb().arg("replay").arg(&journal).output().unwrap();
    assert!(
        replay.status.success(),
        "{}{}",
        String::from_utf8_lossy(&replay.stdout),
        String::from_utf8_lossy(&replay.stderr)
    );
}

#[test]
fn beyond_the_read_budget_a_market_is_only_listed() {
    let d = Discovering::start(scenario);
    // 2 reads a second, a tenth of them for 4 s polls: not one read a poll.
    let (_, recs) = d.run(
        "discover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 4\nwarm_read_share = 0.1\n[limits]\nread_per_s = 2\n",
        "5",
    );
    let w = watches(&recs, KALSHI_QUIET);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["watch"], "Listed", "{w:?}");
    assert_eq!(w[0]["reason"], "Capacity", "{w:?}");
    assert_eq!(
        books(&recs, KALSHI_QUIET),
        0,
        "a cold market is neither read nor streamed"
    );
}

#[test]
fn a_market_streamed_for_its_activity_is_polled_again_once_its_quote_stops_moving() {
    // Question 5 moves for 3 s of the run (60 s of scenario time), then stays put.
    let d = Discovering::start(|dir| scenario_with(dir, Some(60.0), false, false));
    let (journal, recs) = d.run(
        "discover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 1\nhot_idle_s = 2\n[limits]\nread_per_s = 4\n",
        "10",
    );
    for v in [token(5, 1), token(5, 2)] {
        let w = watches(&recs, &v);
        let path: Vec<(&str, &str)> = w
            .iter()
            .map(|w| {
                let watch = if w["watch"].get("Streamed").is_some() {
                    "Streamed"
                } else {
                    w["watch"].as_str().unwrap()
                };
                (watch, w["reason"].as_str().unwrap())
            })
            .collect();
        assert_eq!(
            path,
            [
                ("Polled", "Start"),
                ("Streamed", "Activity"),
                ("Polled", "Idle")
            ],
            "{v}"
        );
    }
    // Unsubscribed: once the messages in flight are in, no streamed change comes (its
    // sizes still change at the venue), and it is read again instead.
    let id = common::live::market_id(&recs, &token(5, 1));
    let demoted = recs
        .iter()
        .find(|r| {
            r["body"]["MarketWatch"]["market"] == id && r["body"]["MarketWatch"]["reason"] == "Idle"
        })
        .unwrap();
    let settled = demoted["ts"].as_i64().unwrap() + 1_000_000_000;
    let after: Vec<&Value> = recs
        .iter()
        .filter(|r| r["ts"].as_i64().unwrap() > settled)
        .collect();
    assert!(
        !after.iter().any(|r| streamed_change(r, &id)),
        "streamed after its demotion"
    );
    assert!(
        after
            .iter()
            .any(|r| r["body"]["BookSnapshot"]["market"] == id),
        "read again after its demotion"
    );
    let replay = arb().arg("replay").arg(&journal).output().unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stdout)
    );
}

#[test]
fn markets_listed_while_running_are_tiered_and_a_new_pair_is_streamed() {
    let d = Discovering::start(|dir| scenario_with(dir, None, true, false));
    // A listing every second is a background read too: a budget with room for it and
    // the warm reads (each gets at most half the read rate, after the engine's reads).
    let (_, recs) = d.run(
        "discover = true\nrefresh_s = 1\ntiers = true\nwarm_poll_s = 1\n[limits]\nread_per_s = 10\n",
        "9",
    );
    // Question 6 alone on Polymarket: polled from its listing on, never streamed.
    for v in [token(6, 1), token(6, 2)] {
        let w = watches(&recs, &v);
        assert_eq!(w.len(), 1, "{v}: {w:?}");
        assert_eq!(w[0]["watch"], "Polled", "{v}: {w:?}");
        let id = common::live::market_id(&recs, &v);
        assert!(
            !recs.iter().any(|r| streamed_change(r, &id)),
            "{v} streamed"
        );
        assert!(books(&recs, &v) >= 2, "{v} read {} times", books(&recs, &v));
    }
    // Question 7 lists as a pair: its markets end streamed for the rule.
    for v in ["KXTIER-26DEC-Q7".to_string(), token(7, 1), token(7, 2)] {
        let w = watches(&recs, &v);
        let last = w.last().unwrap_or_else(|| panic!("{v} has no watch"));
        let pairs: Vec<&Value> = recs
            .iter()
            .filter(|r| r["body"].get("PairDefined").is_some())
            .collect();
        assert!(
            last["watch"].get("Streamed").is_some() && last["reason"] == "Rule",
            "{v}: {w:?}; pairs defined: {pairs:?}"
        );
        let id = common::live::market_id(&recs, &v);
        assert!(
            recs.iter().any(|r| streamed_change(r, &id)),
            "{v} never streamed"
        );
    }
}

#[test]
fn the_shipped_tiers_scenario_holds_10050_markets_of_which_450_are_paired() {
    let s = common::live::shipped_scenario("universe-10k-tiers.toml");
    assert_eq!(s.markets.len(), 10_050);
    assert_eq!(s.pairs.len(), 150);
    // `arb sim --pairs-out` writes them as the mapping file `arb live` reads.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.toml");
    common::live::run_ok(
        arb()
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--duration",
                "0.1",
                "--scenario",
            ])
            .arg(common::live::root().join("scenarios/universe-10k-tiers.toml"))
            .arg("--pairs-out")
            .arg(&out),
    );
    let loaded = arb::mapping::reload::read(&out).unwrap();
    assert_eq!(loaded.info.pairs, 150);
}

#[test]
fn a_restart_under_tiers_plans_again_from_the_journal_and_replays() {
    let d = Discovering::start(scenario);
    let universe =
        "discover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 1\n[limits]\nread_per_s = 4\n";
    let (_, first) = d.run(universe, "4");
    // Question 5 moved in the first run: streamed for its activity when it stopped.
    let streamed = |recs: &[Value], v: &str| {
        watches(recs, v)
            .last()
            .is_some_and(|w| w["watch"].get("Streamed").is_some())
    };
    assert!(
        streamed(&first, &token(5, 1)),
        "{:?}",
        watches(&first, &token(5, 1))
    );
    // The second run continues the journal: the plan starts again from the rules and
    // positions, so question 5 is polled again until it moves, and the quiet markets
    // keep their watch without a new record.
    let (journal, both) = d.run(universe, "4");
    let w = watches(&both, &token(5, 1));
    let restarted = first.len();
    assert!(
        both[restarted..]
            .iter()
            .any(|r| r["body"]["MarketWatch"]["market"]
                == common::live::market_id(&both, &token(5, 1))
                && r["body"]["MarketWatch"]["watch"] == "Polled"),
        "{w:?}"
    );
    assert_eq!(
        watches(&both, &token(2, 1)).len(),
        1,
        "a quiet market's watch is not journaled again"
    );
    let replay = common::live::replay_json(&journal);
    assert_eq!(replay["mismatches"], 0, "{replay}");
}

#[test]
fn a_market_that_closes_is_watched_no_more() {
    let d = Discovering::start(|dir| scenario_with(dir, None, false, true));
    let (_, recs) = d.run_top(
        "market_status_s = 1\n[universe]\ndiscover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 1\n[limits]\nread_per_s = 4\n",
        "8",
    );
    // Question 1's pair markets (streamed) and question 3's tokens (polled) close 3 s in.
    for v in [
        "KXTIER-26DEC-Q1".to_string(),
        token(1, 1),
        token(3, 1),
        token(3, 2),
    ] {
        let id = common::live::market_id(&recs, &v);
        let closed = recs
            .iter()
            .position(|r| r["body"]["MarketClosed"]["market"] == id)
            .unwrap_or_else(|| panic!("{v} closed"));
        let w = watches(&recs, &v);
        let last = w.last().unwrap();
        assert_eq!(
            (last["watch"].as_str(), last["reason"].as_str()),
            (Some("Listed"), Some("Closed")),
            "{v}: {w:?}"
        );
        let unwatched = recs
            .iter()
            .position(|r| {
                r["body"]["MarketWatch"]["market"] == id
                    && r["body"]["MarketWatch"]["reason"] == "Closed"
            })
            .unwrap();
        assert!(unwatched > closed, "{v}: unwatched after its close");
        // Not read again once unwatched: at most the read of a round already under way
        // lands (a polled market is read every second, four times or more in the rest of
        // the run).
        let reads_after = recs[unwatched..]
            .iter()
            .filter(|r| r["body"]["BookSnapshot"]["market"] == id)
            .count();
        assert!(
            reads_after <= 1,
            "{v} read {reads_after} times after it was unwatched"
        );
    }
    // Question 0's pair stays streamed.
    let w = watches(&recs, &token(0, 1));
    assert!(
        w.last().unwrap()["watch"].get("Streamed").is_some(),
        "{w:?}"
    );
}

#[test]
fn markets_streamed_for_their_activity_go_back_to_polling_when_the_core_is_over_its_budget() {
    let d = Discovering::start(scenario);
    // A budget no core meets: the capacity for activity shrinks at every read.
    let (journal, recs) = d.run(
        "discover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 1\nhot_max = 8\ncore_busy_max = 0.000001\n[limits]\nread_per_s = 4\n",
        "9",
    );
    for side in [1, 2] {
        let w = watches(&recs, &token(5, side));
        let reasons: Vec<&str> = w.iter().map(|w| w["reason"].as_str().unwrap()).collect();
        assert_eq!(
            reasons,
            ["Start", "Activity", "Capacity"],
            "q5 token {side}: {w:?}"
        );
        assert_eq!(w[2]["watch"], "Polled", "{w:?}");
    }
    let log = std::fs::read_to_string(journal.join("logs/arb.log")).unwrap();
    assert!(log.contains("hot set over its budget: capacity cut"));
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);
}
