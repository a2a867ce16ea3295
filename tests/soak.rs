//! The soak (issue 12, gate 57): `arb live` against a standalone `arb sim` on
//! `scenarios/soak.toml` (questions that trade, close and settle through a day, faults
//! sprinkled: 429 storms, dropped streams, lost order answers, trades that fail to
//! settle, answers after the client gave up, 5xx after accepting), both on one event
//! clock running `ARB_SOAK_SPEED` (default 720) times faster than the wall clock. The
//! scenario's day is scaled to `ARB_SOAK_HOURS` of event time (default 6: CI's short
//! version, about 30 s; 24 is the full run). At the end: engine positions and cash equal
//! the simulator's ledger to the cent, the payouts booked equal those paid, no order is
//! of unknown outcome, the process's memory stayed flat after warm-up (the curve is
//! printed), the journal stayed within its retention bound, and what is kept replays
//! with 0 mismatches.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::Money;
use arb::event::{Decision, Event};
use arb::journal::RecordBody;
use common::live::{
    Sim, arb, journal_records_kept, ledger_account, no_unknown_orders, orders_json,
    positions_engine_and_venue, replay_json, root, spawn_live,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Segment size and segments kept by the run's retention policy (delete).
const SEGMENT_MIB: u64 = 1;
const KEEP_SEGMENTS: u64 = 1;

fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `scenarios/soak.toml` with every time of its day (closes, settlements, faults, its
/// length) scaled to `hours` of event time, written to `dir/soak.toml`.
fn scaled_scenario(dir: &Path, hours: f64) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("scenarios/soak.toml")).unwrap();
    let mut v: toml::Value = toml::from_str(&text).unwrap();
    let f = hours / 24.0;
    let scale = |t: &mut toml::value::Table, key: &str| {
        if let Some(x) = t
            .get(key)
            .and_then(|x| x.as_float().or(x.as_integer().map(|i| i as f64)))
        {
            t.insert(key.into(), toml::Value::Integer((x * f).round() as i64));
        }
    };
    let top = v.as_table_mut().unwrap();
    scale(top, "duration_s");
    for list in ["question", "fault"] {
        if let Some(items) = top.get_mut(list).and_then(|q| q.as_array_mut()) {
            for item in items {
                let t = item.as_table_mut().unwrap();
                for key in ["close_at_s", "settle_at_s", "at_s", "duration_s"] {
                    scale(t, key);
                }
            }
        }
    }
    let p = dir.join("soak.toml");
    std::fs::write(&p, toml::to_string(&v).unwrap()).unwrap();
    p
}

/// Resident memory of process `pid`, KiB (Linux `/proc`).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let m = e.metadata().unwrap();
        total += if m.is_dir() {
            dir_bytes(&e.path())
        } else {
            m.len()
        };
    }
    total
}

fn money(v: &serde_json::Value) -> Money {
    Money::from_decimal(v.as_str().unwrap()).unwrap()
}

#[test]
fn a_day_of_trading_on_an_accelerated_clock_ends_with_the_ledger_to_the_cent() {
    let hours = env_f64("ARB_SOAK_HOURS", 6.0);
    let speed = env_f64("ARB_SOAK_SPEED", 720.0);
    let wall_s = (hours * 3600.0 / speed).ceil();
    let dir = tempfile::tempdir().unwrap();
    let scenario = scaled_scenario(dir.path(), hours);
    let origin_ms = arb::clock::wall_ms();
    let sim = Sim::start_with_args(
        Some(&scenario),
        &format!("{}", wall_s + 60.0),
        &[
            "--speed",
            &speed.to_string(),
            "--clock-origin-ms",
            &origin_ms.to_string(),
        ],
    );
    let top = format!(
        "reconcile_s = 1.0\nmarket_status_s = 0.5\nrequest_timeout_s = 1.0\nunknown_settle_s = 1.0\norder_poll_ms = 150\nsnapshot_every_events = 20000\nstatus_every_s = 1\n[journal]\nsegment_mib = {SEGMENT_MIB}\nretention = \"delete\"\nkeep_segments = {KEEP_SEGMENTS}\n[clock]\nspeed = {speed}\norigin_ms = {origin_ms}\n"
    );
    // Caps far above what a day builds up, and no halt on a loss or a run of failures:
    // the soak is about the day's bookkeeping, and faults cause failures by design.
    let profile = "[risk]\nmax_exposure_per_venue = \"1000000\"\nmax_exposure_per_market = \"1000000\"\nmax_exposure_per_event = \"1000000\"\ndaily_loss_cap = \"1000000\"\nmax_consecutive_failures = 0\nclose_margin_s = 600\n";
    let cfg = sim.live_config(dir.path(), Some(&scenario), &top, Some(profile));
    let journal = dir.path().join("j");
    let mut live = spawn_live(&cfg, &journal, &wall_s.to_string());
    // Memory every half second; the operator acknowledges what faults leave exposed
    // (a trade that failed to settle puts the engine in safe mode) every few seconds.
    let started = Instant::now();
    let mut rss: Vec<(f64, u64)> = Vec::new();
    let mut last_ack = Instant::now();
    while live.try_wait().unwrap().is_none() {
        if let Some(kib) = rss_kib(live.id()) {
            rss.push((started.elapsed().as_secs_f64(), kib));
        }
        if last_ack.elapsed() > Duration::from_secs(3) && journal.exists() {
            let _ = arb()
                .args(["ack", "--note", "soak: exposure seen", "--journal"])
                .arg(&journal)
                .output();
            last_ack = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(live.wait().unwrap().success());
    let ledger = sim.ledger();

    // The day happened: trades, closes and settlements, each fault's kind of trouble.
    let records = journal_records_kept(&journal);
    let span_h = (records.last().unwrap().ts - records[0].ts) as f64 / 3.6e12;
    let count = |f: &dyn Fn(&RecordBody) -> bool| records.iter().filter(|r| f(&r.body)).count();
    let settled = count(&|b| matches!(b, RecordBody::Event(Event::Settled(_))));
    let fills = count(&|b| matches!(b, RecordBody::Event(Event::Fill(_))));
    let unknown = count(&|b| matches!(b, RecordBody::Event(Event::OrderUnknown(_))));
    let exits = count(&|b| matches!(b, RecordBody::Decision(Decision::Exit(_))));
    let realized: Vec<arb::event::Realized> = records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Decision(Decision::Realized(x)) => Some(*x),
            _ => None,
        })
        .collect();
    let journal_bytes = dir_bytes(&journal);
    for r in &records {
        match &r.body {
            RecordBody::Decision(
                d @ (Decision::Discrepancy(_) | Decision::InputRejected { .. }),
            )
            | RecordBody::Decision(d @ Decision::Halt { .. }) => {
                eprintln!("soak: seq {} {d:?}", r.seq)
            }
            RecordBody::Event(e @ Event::FillReversed(_)) => eprintln!("soak: seq {} {e:?}", r.seq),
            _ => {}
        }
    }
    if std::env::var_os("ARB_KEEP_RUNS").is_some() {
        eprintln!("soak: run kept in {}", dir.path().display());
        std::mem::forget(dir);
    }
    eprintln!(
        "soak: {hours} h of event time at {speed}x in {wall_s} s; journal kept spans {span_h:.2} h, {} records, {fills} fills, {unknown} unknown outcomes, {exits} exits of unhedged positions, {settled} settlements, {} realized, journal {:.2} MiB",
        records.len(),
        realized.len(),
        journal_bytes as f64 / 1048576.0
    );
    assert!(fills > 0 && settled > 0 && !realized.is_empty());

    // Positions, engine against venue.
    for (venue, account) in [("kalshi", "arb-kalshi"), ("polymarket", "arb-polymarket")] {
        let (engine, held) = positions_engine_and_venue(&journal, &ledger, venue, account);
        assert_eq!(engine, held, "{venue} positions");
    }
    // Cash to the cent, and no order of unknown outcome left.
    let view = orders_json(&journal);
    for (account, venue) in [("arb-kalshi", "kalshi"), ("arb-polymarket", "polymarket")] {
        let a = ledger_account(&ledger, account);
        let engine = view["cash"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c[0] == venue)
            .map(|c| money(&c[1]))
            .unwrap();
        // Free cash (an order still open at the stop would hold some back).
        let settled_up = view["open_orders"].as_array().unwrap().is_empty();
        assert!(
            !settled_up || (engine.0 - money(&a["cash"]).0).abs() < 10_000,
            "{venue} cash: engine {engine} venue {}",
            a["cash"]
        );
    }
    assert!(no_unknown_orders(&view), "{}", view["open_orders"]);
    // Realized PnL to the cent, through whatever retention pruned: what the engine
    // booked as realized equals the cash the venues say the day made, less what is still
    // held (at what it cost: the positions are the venue's, checked above).
    let sum = |key: &str, field: usize| -> i64 {
        view[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| money(if field == 9 { &x["cost"] } else { &x[field] }).0)
            .sum()
    };
    let realized_total = sum("realized", 1);
    let held_cost = sum("positions", 9);
    let start_cash = 2 * 5_000_000_000_i64; // scenarios/soak.toml [cash]
    let venue_cash: i64 = ledger["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"].as_str().unwrap().starts_with("arb-"))
        .map(|a| money(&a["cash"]).0)
        .sum();
    eprintln!(
        "soak: realized {} (venue cash {:+}, still held at cost {})",
        Money(realized_total),
        Money(venue_cash - start_cash),
        Money(held_cost)
    );
    assert!(
        view["open_orders"].as_array().unwrap().is_empty()
            && (realized_total - (venue_cash - start_cash + held_cost)).abs() < 10_000,
        "realized {} vs venue cash change {} + held cost {}",
        Money(realized_total),
        Money(venue_cash - start_cash),
        Money(held_cost)
    );
    // What the engine booked as paid at settlements is what the venue paid.
    let mut paid: BTreeMap<String, i64> = BTreeMap::new();
    for s in ledger["settlements"].as_array().unwrap() {
        if s["account"].as_str().unwrap().starts_with("arb-") {
            *paid.entry(s["venue"].as_str().unwrap().into()).or_default() += money(&s["payout"]).0;
        }
    }
    let venue_of: BTreeMap<arb::core::MarketId, arb::core::Venue> = records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event(Event::MarketDefined(m)) => Some((m.id, m.venue)),
            _ => None,
        })
        .collect();
    if records[0].seq == 1 {
        // The whole journal is kept (nothing pruned): every payout is in it.
        // Payouts at settlements (a Kalshi YES+NO pair netted at a fill is paid there,
        // by the venue too, and is not a settlement).
        let mut booked: BTreeMap<String, i64> = BTreeMap::new();
        let mut at_settlement = false;
        for r in &records {
            match &r.body {
                RecordBody::Event(e) => at_settlement = matches!(e, Event::Settled(_)),
                RecordBody::Decision(Decision::Realized(x)) if at_settlement => {
                    *booked.entry(venue_of[&x.market].name().into()).or_default() += x.payout.0;
                }
                _ => {}
            }
        }
        booked.retain(|_, v| *v != 0);
        paid.retain(|_, v| *v != 0);
        assert_eq!(booked, paid, "payouts booked vs paid");
    }

    // Memory: flat after warm-up (the first third), within a quarter and 16 MiB.
    let curve: Vec<String> = rss
        .iter()
        .step_by((rss.len() / 12).max(1))
        .map(|(t, k)| format!("{t:.0}s {:.1}MiB", *k as f64 / 1024.0))
        .collect();
    eprintln!("soak: RSS {}", curve.join(", "));
    let third = rss.len() / 3;
    if third > 2 {
        let max = |s: &[(f64, u64)]| s.iter().map(|x| x.1).max().unwrap_or(0);
        let (middle, last) = (max(&rss[third..2 * third]), max(&rss[2 * third..]));
        assert!(
            last <= middle + middle / 4 + 16 * 1024,
            "memory grew after warm-up: {middle} KiB -> {last} KiB"
        );
    }
    // The journal stayed within its bound: the kept segments, the one being written,
    // and the snapshots the retention keeps.
    let bound = (KEEP_SEGMENTS + 3) * SEGMENT_MIB * 1024 * 1024 + 4 * 1024 * 1024;
    assert!(
        journal_bytes <= bound,
        "journal {journal_bytes} bytes, bound {bound}"
    );
    assert_eq!(replay_json(&journal)["mismatches"], 0);
}
