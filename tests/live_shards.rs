//! A venue's stream sharded across connections (issue 13 item 3), through `arb live`
//! against a standalone `arb sim`: with `markets_per_connection` / `tokens_per_connection`
//! each connection streams at most that many markets (counted at the simulator), each
//! market's connection is journaled (`MarketWatch`) before its books, a market listed
//! while the connections are full opens another, and a gap on one connection makes only
//! that connection's books suspect (`ConnectionFeed`, not a venue-wide `Feed`).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Discovering, market_id};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn kalshi(i: usize) -> String {
    format!("KXSHARD-26DEC-Q{i}")
}

fn token(i: usize, side: usize) -> String {
    format!("5{i}{side}0000000000000000000000000000000000000000000000000000000000000000000000{i}")
}

/// Questions 0..4 on both venues; question 4 lists 100 s in (5 s here: the simulator
/// runs 20 times faster than the wall clock); 150 s in (7.5 s), one book message of
/// question 2's Kalshi market is lost.
fn scenario(dir: &Path) -> PathBuf {
    let mut text = common::live::scenario_head("shards", 4);
    text += &format!(
        "[[fault]]\nat_s = 150\nkind = \"sequence_gap\"\nmarket = \"{}\"\n",
        kalshi(2)
    );
    for i in 0..5 {
        let venues = common::live::both_venues(&kalshi(i), &token(i, 1), &token(i, 2));
        let listed = if i == 4 { "list_at_s = 100\n" } else { "" };
        text += &common::live::question(&format!("q{i}"), 0.01, &format!("{venues}{listed}"));
    }
    let p = dir.join("shards.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Each market's last journaled connection, by venue id (none: connection 0, where a
/// journal without watches streams every market).
fn connection(recs: &[Value], venue_id: &str) -> Option<u64> {
    let id = market_id(recs, venue_id);
    recs.iter()
        .filter_map(|r| r["body"].get("MarketWatch"))
        .filter(|w| w["market"] == id)
        .filter_map(|w| w["watch"]["Streamed"]["connection"].as_u64())
        .next_back()
}

fn feed_states(recs: &[Value], kind: &str, venue: &str) -> Vec<(Option<u64>, String)> {
    recs.iter()
        .filter_map(|r| r["body"].get(kind))
        .filter(|f| f["venue"] == venue)
        .map(|f| {
            (
                f["connection"].as_u64(),
                f["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn markets_are_streamed_on_capped_connections_each_journaled_and_watched_alone() {
    let d = Discovering::start(scenario);
    // Every market streamed (no tiers): start-up and the router give the connections.
    let cfg = d.config("[universe]\ndiscover = true\nrefresh_s = 1\ntiers = false\n");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("[kalshi]\n", "[kalshi]\nmarkets_per_connection = 2\n")
        .replace(
            "[polymarket]\n",
            "[polymarket]\ntokens_per_connection = 4\n",
        );
    std::fs::write(&cfg, text).unwrap();
    let (journal, streams) = common::live::streams_while_running(&d, &cfg, "11", 8);
    let sorted = |v: &Value| {
        let mut n: Vec<u64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .collect();
        n.sort();
        n
    };
    assert_eq!(sorted(&streams["kalshi"]), [1, 2, 2], "{streams}");
    assert_eq!(sorted(&streams["polymarket"]), [2, 4, 4], "{streams}");

    let recs = common::live::inspect_records(&journal);
    // Two Kalshi markets and four tokens a connection: q0 and q1 on the first, q2 and
    // q3 on the second, q4 (listed while running) on a third.
    for (i, want) in [
        (0, None),
        (1, None),
        (2, Some(1)),
        (3, Some(1)),
        (4, Some(2)),
    ] {
        for venue_id in [kalshi(i), token(i, 1), token(i, 2)] {
            assert_eq!(connection(&recs, &venue_id), want, "q{i}: {venue_id}");
        }
    }
    // The listed market's connection is journaled before its first book.
    let k4 = market_id(&recs, &kalshi(4));
    let watch = recs
        .iter()
        .position(|r| r["body"]["MarketWatch"]["market"] == k4)
        .expect("q4's connection journaled");
    let book = recs
        .iter()
        .position(|r| r["body"]["BookSnapshot"]["market"] == k4)
        .expect("q4 streamed");
    assert!(watch < book, "the connection first, then the book");

    // The lost message: a gap on connection 1 only, never the whole venue.
    let gaps: Vec<_> = feed_states(&recs, "ConnectionFeed", "Kalshi")
        .into_iter()
        .filter(|(_, s)| s == "Gap")
        .collect();
    assert!(!gaps.is_empty(), "the lost message is seen");
    assert!(gaps.iter().all(|(c, _)| *c == Some(1)), "{gaps:?}");
    assert!(
        feed_states(&recs, "Feed", "Kalshi").is_empty(),
        "a sharded stream reports per connection"
    );
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);

    // A restart assigns the same connections: nothing to journal again.
    let watches = |recs: &[Value]| {
        recs.iter()
            .filter(|r| r["body"].get("MarketWatch").is_some())
            .count()
    };
    let before = watches(&recs);
    let (_, again) = d.run_config(&cfg, "2");
    assert_eq!(watches(&again), before);
}

/// Question 0 on both venues (a pair); question 1 on Polymarket alone, moving.
fn tiers_scenario(dir: &Path) -> PathBuf {
    let mut text = common::live::scenario_head("shard-tiers", 6);
    let pair = common::live::both_venues(&kalshi(0), &token(0, 1), &token(0, 2));
    text += &common::live::question("q0", 0.01, &pair);
    let alone = format!(
        "polymarket_yes = \"{}\"\npolymarket_no = \"{}\"\n",
        token(1, 1),
        token(1, 2)
    );
    text += &common::live::question("q1", 0.01, &alone);
    let p = dir.join("shard-tiers.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Under tiers the tiers give each streamed market its connection: the pair's tokens
/// fill the first, and the moving market promoted from the warm tier opens a second.
#[test]
fn a_market_promoted_under_tiers_is_streamed_on_a_connection_with_room() {
    let d = Discovering::start(tiers_scenario);
    let cfg = d.config(
        "[universe]\ndiscover = true\nrefresh_s = 0\ntiers = true\nwarm_poll_s = 1\n[limits]\nread_per_s = 4\n",
    );
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[polymarket]\n",
        "[polymarket]\ntokens_per_connection = 2\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let (journal, streams) = common::live::streams_while_running(&d, &cfg, "7", 6);
    let streams = streams["polymarket"].clone();
    assert_eq!(
        streams,
        serde_json::json!([2, 2]),
        "two connections of two tokens"
    );
    let recs = common::live::inspect_records(&journal);
    for side in [1, 2] {
        assert_eq!(connection(&recs, &token(0, side)), Some(0), "the pair's");
        let id = market_id(&recs, &token(1, side));
        let reasons: Vec<(Value, Value)> = recs
            .iter()
            .filter_map(|r| r["body"].get("MarketWatch"))
            .filter(|w| w["market"] == id)
            .map(|w| (w["watch"].clone(), w["reason"].clone()))
            .collect();
        assert_eq!(
            reasons,
            [
                (serde_json::json!("Polled"), serde_json::json!("Start")),
                (
                    serde_json::json!({"Streamed": {"connection": 1}}),
                    serde_json::json!("Activity")
                ),
            ],
            "q1 token {side}"
        );
    }
    assert_eq!(common::live::replay_json(&journal)["mismatches"], 0);
}
