//! Markets that close and settle (issue 12), through `arb live` against a standalone
//! `arb sim`: a cross-venue question and a Kalshi bucket ladder trade, close and
//! settle during the run. The engine learns each close and result from the venues'
//! REST shapes (`MarketClosed`, `Settled`), pays its positions into cash, and journals
//! each opportunity's realized PnL (`Realized`). At the end its cash equals the
//! simulator's ledger to the cent, it holds nothing the venue does not, the payouts it
//! booked are the ones the venue paid, and each opportunity's realized PnL is what its
//! fills cost against what the venue paid for them.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::{Money, Outcome, Price, Qty};
use arb::event::{Decision, Event, Realized};
use arb::journal::RecordBody;
use common::live::{
    Sim, journal_records, ledger_account, live_cli, orders_json, rate_bucket, replay_json,
};
use std::collections::BTreeMap;

const CROSS_KALSHI: &str = "KXFEDDECISION-26DEC-C25";
const BUCKETS: [&str; 3] = [
    "KXRATE-26DEC-B3.75",
    "KXRATE-26DEC-B4.00",
    "KXRATE-26DEC-B4.25",
];

/// The scenario: the cross question closes 200 s of scenario time in (10 s at the
/// test's speed 20; the simulator lists close times as the wall-clock moment they come)
/// and settles YES 40 s later; the buckets (asks summing below $1) close with it and
/// one of them settles YES.
fn scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let bucket = |name: &str, ticker: &str| {
        rate_bucket(name, ticker, "close_at_s = 200\nsettle_at_s = 240\n")
    };
    let text = format!(
        r#"name = "settle-now"
seed = 7
start_ms = 1795996800000
duration_s = 600
step_ms = 250
tick_ms = 1000
exclusive_events = ["KXRATE-26DEC"]

[cash]
kalshi = "2000.00"
polymarket = "2000.00"

[[question]]
name = "fed-cut-dec"
fair = 0.42
volatility = 0.004
spread = 0.02
depth = 30
levels = 4
dislocation = 0.3
dislocation_size = 0.08
kalshi = "{CROSS_KALSHI}"
polymarket_yes = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
polymarket_no = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
pair_confidence = 0.98
close_at_s = 200
settle_at_s = 240
result = "yes"

{}
{}
{}"#,
        bucket("rate-low", BUCKETS[0]),
        bucket("rate-mid", BUCKETS[1]),
        bucket("rate-high", BUCKETS[2]),
    );
    let p = dir.join("settle.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn money(v: &serde_json::Value) -> Money {
    Money::from_decimal(v.as_str().unwrap()).unwrap()
}

#[test]
fn positions_settle_pay_out_to_the_cent_and_book_each_opportunitys_realized_pnl() {
    settle_run(&[], "");
}

/// The same with one event clock twenty times faster than the wall clock, shared by the
/// simulator (`--clock-origin-ms`) and `arb live` (`[clock]`): the run's 16 s are more
/// than five minutes of event time, and the listed closes, the journal and the venue
/// agree in it.
#[test]
fn the_same_on_an_event_clock_shared_with_the_simulator_twenty_times_faster() {
    let origin_ms = arb::clock::wall_ms();
    let records = settle_run(
        &["--clock-origin-ms", &origin_ms.to_string()],
        &format!("[clock]\nspeed = 20\norigin_ms = {origin_ms}\n"),
    );
    let span = records.last().unwrap().ts - records[0].ts;
    assert!(
        span > 200_000_000_000,
        "16 s of wall time at 20x is over 200 s of event time: {} s",
        span / 1_000_000_000
    );
}

/// Runs `arb live` for 16 s against a standalone `arb sim` (with `sim_args`; `top` added
/// to the live config) on the settling scenario, checks what the test's doc says, and
/// returns the journal's records.
fn settle_run(sim_args: &[&str], top: &str) -> Vec<arb::journal::Record> {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario(dir.path());
    let sim = Sim::start_with_args(Some(&scenario), "60", sim_args);
    let cfg = sim.live_config(
        dir.path(),
        Some(&scenario),
        &format!("reconcile_s = 1.0\nmarket_status_s = 0.5\n{top}"),
        Some("[risk]\nclose_margin_s = 5\n"),
    );
    let journal = dir.path().join("j");
    live_cli(&cfg, &journal, "16");
    let ledger = sim.ledger();
    let records = journal_records(&journal);

    // Every market of the scenario closed and settled, as the venues said.
    let mut venue_id = BTreeMap::new();
    let (mut closed, mut settled) = (Vec::new(), BTreeMap::new());
    let mut realized: Vec<Realized> = Vec::new();
    let mut fills = Vec::new();
    let mut sells = std::collections::BTreeSet::new();
    for r in &records {
        match &r.body {
            RecordBody::Decision(Decision::SellOrder(o)) => {
                sells.insert(o.id);
            }
            RecordBody::Event(Event::MarketDefined(m)) => {
                venue_id.insert(m.id, m.venue_id.clone());
            }
            RecordBody::Event(Event::MarketClosed { market }) => closed.push(*market),
            RecordBody::Event(Event::Settled(s)) => {
                settled.insert(venue_id[&s.market].clone(), s.yes_value);
            }
            RecordBody::Event(Event::Fill(f)) => fills.push(*f),
            RecordBody::Decision(Decision::Realized(x)) => realized.push(*x),
            _ => {}
        }
    }
    assert_eq!(closed.len(), 6, "every market closed once: {closed:?}");
    // The listed close is the moment it comes in the run's own time (what the close
    // margin is measured against), and the close is journaled soon after it.
    let listed = records
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Event(Event::MarketDefined(m)) if m.venue_id == CROSS_KALSHI => m.close_ts,
            _ => None,
        })
        .unwrap();
    let journaled = records
        .iter()
        .find(|r| {
            matches!(&r.body, RecordBody::Event(Event::MarketClosed { market })
                if venue_id[market] == CROSS_KALSHI)
        })
        .unwrap()
        .ts;
    // Within 3 s of wall time, in event time (twenty times that on the fast clock).
    let within = if top.contains("[clock]") {
        60_000_000_000
    } else {
        3_000_000_000
    };
    assert!(
        listed > records[0].ts && (0..within).contains(&(journaled - listed)),
        "listed close {listed}, journaled {journaled}"
    );
    assert_eq!(settled.len(), 6, "{settled:?}");
    assert_eq!(settled[CROSS_KALSHI], Price::ONE, "the scenario's result");
    let bucket_winners = BUCKETS
        .iter()
        .filter(|b| settled[**b] == Price::ONE)
        .count();
    assert_eq!(bucket_winners, 1, "an exclusive ladder: {settled:?}");
    // The venue's own record of what it paid agrees with each result.
    let paid = ledger["settlements"].as_array().unwrap();
    for s in paid {
        let m = s["market"].as_str().unwrap();
        let won = (settled[m] == Price::ONE) == (s["outcome"] == "yes");
        assert_eq!(
            money(&s["payout"]).0 > 0,
            won && money(&s["qty"]).0 > 0,
            "{s}"
        );
    }

    // The engine traded both kinds and booked each opportunity's result.
    let lanes: Vec<_> = realized.iter().filter_map(|r| r.lane).collect();
    assert!(
        lanes.contains(&arb::event::Lane::Bucket),
        "a bucket basket settled: {realized:?}"
    );
    assert!(
        lanes.iter().any(|l| matches!(
            l,
            arb::event::Lane::CrossVenue | arb::event::Lane::IntraVenue
        )),
        "a pair settled: {realized:?}"
    );
    // Nothing settled that no opportunity bought: a record without one is only the
    // position's average cost against the lots' own at a Kalshi netting (no contracts).
    assert!(
        realized
            .iter()
            .all(|r| r.opportunity.is_some() || r.qty.0 == 0),
        "{realized:?}"
    );
    // Which Realized came from a settlement (the rest from Kalshi pairs netted at a
    // fill), and which opportunities shared a netted pair with another one.
    let (mut at_settlement, mut settle_paid) = (false, Vec::new());
    let mut shared: std::collections::BTreeSet<u64> = Default::default();
    let mut netting: Vec<u64> = Vec::new();
    for r in &records {
        match &r.body {
            RecordBody::Event(e) => {
                if netting.iter().any(|o| *o != netting[0]) {
                    shared.extend(&netting);
                }
                netting.clear();
                at_settlement = matches!(e, Event::Settled(_));
            }
            RecordBody::Decision(Decision::Realized(x)) if at_settlement => settle_paid.push(*x),
            RecordBody::Decision(Decision::Realized(x)) => netting.extend(x.opportunity),
            _ => {}
        }
    }

    // What the engine booked as paid is what the venue paid its accounts, per venue.
    let mut venue_paid: BTreeMap<String, i64> = BTreeMap::new();
    for s in paid
        .iter()
        .filter(|s| s["account"].as_str().unwrap().starts_with("arb-"))
    {
        *venue_paid
            .entry(s["venue"].as_str().unwrap().into())
            .or_default() += money(&s["payout"]).0;
    }
    let mut engine_paid: BTreeMap<String, i64> = BTreeMap::new();
    for r in &settle_paid {
        let venue = if BUCKETS.contains(&venue_id[&r.market].as_str())
            || venue_id[&r.market] == CROSS_KALSHI
        {
            "kalshi"
        } else {
            "polymarket"
        };
        *engine_paid.entry(venue.into()).or_default() += r.payout.0;
    }
    venue_paid.retain(|_, v| *v != 0);
    engine_paid.retain(|_, v| *v != 0);
    assert_eq!(engine_paid, venue_paid, "payouts booked vs paid");

    // Each opportunity's realized PnL: what the venue paid for its contracts (by the
    // results above) less what its fills cost.
    let mut expected: BTreeMap<u64, i64> = BTreeMap::new();
    for f in &fills {
        let value = match f.outcome {
            Outcome::Yes => settled[&venue_id[&f.market]],
            Outcome::No => Price(Price::ONE.0 - settled[&venue_id[&f.market]].0),
        };
        let payout = arb::core::fixed::notional_floor(value, f.qty).unwrap();
        // A sale is paid its proceeds now, and its contracts are not paid at settlement.
        let pnl = if sells.contains(&f.id) {
            let proceeds = arb::core::fixed::notional_floor(f.price, f.qty).unwrap();
            proceeds.0 - f.fee.0 - payout.0
        } else {
            let cost = arb::core::fixed::notional_ceil(f.price, f.qty).unwrap();
            payout.0 - cost.0 - f.fee.0
        };
        *expected.entry(f.id.opportunity).or_default() += pnl;
    }
    // Per opportunity, unless it shared a netted Kalshi pair with another (each side is
    // then paid half the pair's dollar, not its side's result); in total, always.
    let mut booked: BTreeMap<u64, i64> = BTreeMap::new();
    for r in &realized {
        *booked.entry(r.opportunity.unwrap_or(0)).or_default() += r.pnl.0;
    }
    let total: i64 = booked.values().sum();
    let want: i64 = expected.values().sum();
    assert!(
        (total - want).abs() < 10_000,
        "realized in total {} expected {}",
        Money(total),
        Money(want)
    );
    booked.retain(|opp, _| *opp != 0 && !shared.contains(opp));
    assert!(!booked.is_empty());
    for (opp, pnl) in &booked {
        assert!(
            (pnl - expected[opp]).abs() < 10_000,
            "opportunity {opp}: booked {} expected {}",
            Money(*pnl),
            Money(expected[opp])
        );
    }

    // Cash to the cent and positions, engine against venue.
    let view = orders_json(&journal);
    let engine_cash: BTreeMap<String, Money> = view["cash"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_str().unwrap().to_string(), money(&c[1])))
        .collect();
    for (account, venue) in [("arb-kalshi", "kalshi"), ("arb-polymarket", "polymarket")] {
        let a = ledger_account(&ledger, account);
        let venue_cash = money(&a["cash"]);
        assert!(
            (engine_cash[venue].0 - venue_cash.0).abs() < 10_000,
            "{venue}: engine {} venue {}",
            engine_cash[venue],
            venue_cash
        );
        let held: Vec<_> = a["positions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| Qty(p[2].as_i64().unwrap()).0 != 0)
            .collect();
        assert!(held.is_empty(), "{account} holds {held:?}");
    }
    assert!(
        view["positions"].as_array().unwrap().is_empty(),
        "{}",
        view["positions"]
    );
    // No surprise at settlement: nothing unexplained, nothing left exposed.
    assert!(
        !records.iter().any(|r| matches!(
            &r.body,
            RecordBody::Decision(Decision::Halt {
                reason: arb::event::HaltReason::UnexplainedPosition
            }) | RecordBody::Decision(Decision::Discrepancy(_))
        )),
        "a settlement showed as a difference with the venue"
    );
    assert!(
        view["exposure"].as_array().unwrap().is_empty(),
        "{}",
        view["exposure"]
    );
    assert_eq!(replay_json(&journal)["mismatches"], 0);
    records
}
