//! A stale book through `arb live` and the simulator, judged by the journal: the
//! simulator freezes every Kalshi book 20 s into the run (the Kalshi stream then carries
//! only its heartbeat, a ping every 10 s, and the odd resync), while the paired
//! Polymarket books keep moving; the profile bounds a book's age at 400 ms. A quiet
//! book is current while its stream vouches for it (a change of any of the venue's
//! books, or a `Feed` `Alive` mark after a heartbeat), so between heartbeats the frozen
//! books are stale: the engine journals `StaleBook` skips for the pair, and enters no
//! opportunity on a Kalshi book more than 400 ms past the stream's last sign of life.
//! A second leg completes an episode entered on a current book: it goes out when the
//! first leg's answer comes (a Polymarket order takes about 250 ms at the simulator),
//! however old its book is by then, at no more than its planned price plus the leg
//! policy's tolerance (an IOC at that limit cannot pay more; not sending it would
//! leave the first leg unhedged).

mod common;

use std::path::Path;

const FED_K: &str = "KXFEDDECISION-26DEC-C25";
const FED_P: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const BTC_K: &str = "KXBTCMAXY-26DEC31-100000";
const BTC_P: &str = "21742633143463906290569050155826241533067272736897614950488156847949938836455";
const SNOW_K: &str = "KXNYCSNOW-26DEC-T1";

/// Runs `arb live` for `secs` against the simulator with `frozen` Kalshi books frozen
/// 20 s into the scenario; the journal's records.
fn run_frozen(frozen: &[&str], secs: &str) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arb-rich.toml"),
    )
    .unwrap()
    // The Fed question's Polymarket quotes dislocate often and far, so that edges
    // against the frozen Kalshi book keep appearing.
    .replacen(
        "dislocation = 0.04\ndislocation_size = 0.06",
        "dislocation = 0.5\ndislocation_size = 0.12",
        1,
    );
    assert!(
        base.contains("dislocation = 0.5"),
        "the Fed question is first"
    );
    let scenario = dir.path().join("s.toml");
    let mut text = base.clone();
    for k in frozen {
        assert!(base.contains(k), "{k} is the scenario's");
        text += &format!(
            "\n[[fault]]\nat_s = 20\nduration_s = 3600\nkind = \"freeze_book\"\nmarket = \"{k}\"\n"
        );
    }
    std::fs::write(&scenario, text).unwrap();
    let pairs = dir.path().join("pairs.toml");
    let mut mapping = String::from("version = 1\n");
    for (k, p) in [(FED_K, FED_P), (BTC_K, BTC_P)] {
        mapping += &format!(
            "[[pair]]\nkalshi = \"{k}\"\npolymarket = \"{p}\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 0.98\n"
        );
    }
    std::fs::write(&pairs, mapping).unwrap();
    let profile = dir.path().join("p.toml");
    // Unwinds rather than safe mode, and no loss cap: entries stay possible, so that the
    // only reason to refuse the pair's edges late in the run is the stale book.
    std::fs::write(
        &profile,
        "[risk]\nmax_book_age_ms = 400\ndaily_loss_cap = \"100000\"\nmax_consecutive_failures = 0\n[legging]\nunwind_max_loss = \"0.10\"\n",
    )
    .unwrap();
    let cfg = dir.path().join("live.toml");
    std::fs::write(
        &cfg,
        format!(
            "profile = {:?}\npairs = {:?}\n[sim]\nscenario = {:?}\n",
            profile.display().to_string(),
            pairs.display().to_string(),
            scenario.display().to_string()
        ),
    )
    .unwrap();
    // ARB_TEST_JOURNAL=DIR keeps the run's journal there, to look at after a failure.
    let journal = std::env::var_os("ARB_TEST_JOURNAL")
        .map_or_else(|| dir.path().join("j"), std::path::PathBuf::from);
    common::live::live_cli(&cfg, &journal, secs);
    common::live::inspect_records(&journal)
}

/// Opportunities with a leg on `market`, and how many of them were skipped as stale.
fn stale_on(recs: &[serde_json::Value], market: &serde_json::Value) -> (usize, usize) {
    let mut on = std::collections::BTreeSet::new();
    let mut stale = 0;
    for r in recs {
        let b = &r["body"];
        if let Some(o) = b.get("OpportunityFound")
            && o["legs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| &l["market"] == market)
        {
            on.insert(o["id"].as_u64().unwrap());
        }
        if b["Skipped"]["reason"] == "StaleBook"
            && on.contains(&b["Skipped"]["opportunity"].as_u64().unwrap())
        {
            stale += 1;
        }
    }
    (on.len(), stale)
}

#[test]
fn a_quiet_book_on_a_stream_that_carries_other_books_stays_current() {
    // Only the Fed book is frozen; the Kalshi stream carries the other books' changes.
    let recs = run_frozen(&[FED_K], "6");
    let fed = common::live::market_id(&recs, FED_K);
    let (seen, stale) = stale_on(&recs, &fed);
    assert!(seen > 0, "edges against the quiet Fed book appeared");
    assert_eq!(stale, 0, "none of {seen} refused as stale");
}

#[test]
fn no_order_goes_to_a_book_older_than_the_bound() {
    // 12 s: past the freeze and past the Kalshi stream's first heartbeat (10 s).
    let recs = run_frozen(&[FED_K, BTC_K, SNOW_K], "12");
    let fed = common::live::market_id(&recs, FED_K);
    let kalshi: Vec<serde_json::Value> = [FED_K, BTC_K, SNOW_K]
        .iter()
        .map(|k| common::live::market_id(&recs, k))
        .collect();
    // What vouches for the venue's books: a change of any of them, or one of its trades.
    let is_kalshi_data = |b: &serde_json::Value| {
        ["BookSnapshot", "BookDelta", "Trade"]
            .iter()
            .any(|k| kalshi.contains(&b[*k]["market"]))
            || b["BookBatch"]["deltas"]
                .as_array()
                .is_some_and(|ds| ds.iter().any(|d| kalshi.contains(&d["market"])))
    };
    let tolerance = recs
        .iter()
        .find_map(|r| r["body"]["LegPolicyLoaded"]["max_price_move"].as_i64())
        .expect("the leg policy is journaled");
    // Walk the journal: the Kalshi stream's last sign of life (ended by a drop, gap or
    // silence, after which FED's own last change counts), the opportunities found (with
    // their time and planned legs), and the orders on FED.
    let (mut vouched, mut fed_changed, mut alive_marks) = (0i64, 0i64, 0);
    let (mut longest_quiet, mut entries, mut second_legs) = (0i64, 0, 0);
    let mut found = std::collections::BTreeMap::new();
    for r in &recs {
        let (b, ts) = (&r["body"], r["ts"].as_i64().unwrap());
        if is_kalshi_data(b) {
            if vouched > 0 {
                longest_quiet = longest_quiet.max(ts - vouched);
            }
            vouched = ts;
            let fed_changes = |d: &serde_json::Value| d["market"] == fed;
            if fed_changes(&b["BookSnapshot"])
                || fed_changes(&b["BookDelta"])
                || b["BookBatch"]["deltas"]
                    .as_array()
                    .is_some_and(|ds| ds.iter().any(fed_changes))
            {
                fed_changed = ts;
            }
        }
        if let Some(o) = b.get("OpportunityFound") {
            found.insert(o["id"].as_u64().unwrap(), (ts, o["legs"].clone()));
        }
        if b["Feed"]["venue"] == "Kalshi" {
            match b["Feed"]["state"].as_str() {
                Some("Alive") => {
                    if vouched > 0 {
                        longest_quiet = longest_quiet.max(ts - vouched);
                    }
                    vouched = ts;
                    alive_marks += 1;
                }
                Some("Connected") => {}
                _ => vouched = 0,
            }
        }
        if b["PlaceOrder"]["market"] == fed {
            let order = &b["PlaceOrder"];
            let opp = order["id"]["opportunity"].as_u64().unwrap();
            let (entered, legs) = found
                .get(&opp)
                .expect("an order belongs to an opportunity found before it");
            let leg = order["id"]["leg"].as_u64().unwrap();
            if *entered == ts {
                entries += 1;
                assert!(
                    ts - vouched.max(fed_changed) <= 400_000_000,
                    "an entry on a book 400 ms past its stream's last sign of life: {r}"
                );
            } else if leg == 1 {
                second_legs += 1;
                let planned = legs
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["market"] == fed)
                    .expect("the order is one of its opportunity's legs");
                assert!(
                    order["price"].as_i64().unwrap()
                        <= planned["price"].as_i64().unwrap() + tolerance,
                    "a second leg within its planned limit: {r} (planned {planned})"
                );
            }
            // Later legs (hedges, unwinds, exits) close what the episode holds.
        }
    }
    assert!(
        entries + second_legs > 0,
        "orders went to the Fed book while it was current"
    );
    assert!(
        longest_quiet > 2_000_000_000,
        "the frozen Kalshi stream was quiet for a while ({longest_quiet} ns at most)"
    );
    assert!(
        alive_marks > 0,
        "the quiet Kalshi stream marked itself alive after its heartbeats"
    );
    let (seen, stale_skips) = stale_on(&recs, &fed);
    assert!(
        stale_skips > 0,
        "the pair's edges were seen and skipped as stale ({seen} seen)"
    );
}
