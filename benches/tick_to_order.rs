//! Tick-to-order inside the process: a Kalshi WebSocket frame's text received ->
//! parsed -> mapped to events -> journaled and applied by the reducer (intents made
//! durable with fdatasync) -> the venue order request body serialized. Every other frame
//! opens a cross-venue edge, so half the samples carry a decision. The socket writes on
//! either side (microseconds on loopback) are not in the window; `arb live` reports the
//! full loopback figure from its own runs.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use arb::config::EngineConfig;
use arb::core::{Outcome, Venue};
use arb::engine::Reducer;
use arb::event::{Decision, Event, OrderCanceled, PairRule};
use arb::journal::{JournalWriter, SyncMode, WriterOptions};
use arb::run::CoreLoop;
use arb::venues::MarketInterner;
use arb::venues::kalshi::rest_wire::CreateOrderRequest;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::time::Instant;

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let sync = if std::env::args().any(|a| a == "--no-fsync") {
        SyncMode::OsBuffered
    } else {
        SyncMode::Fsync
    };
    let writer = JournalWriter::create(
        dir.path(),
        WriterOptions {
            sync,
            ..WriterOptions::default()
        },
    )
    .expect("journal");
    let cfg = EngineConfig {
        max_notional: arb::core::Money::dollars(1_000_000),
        ..EngineConfig::default()
    };
    let mut core = CoreLoop::new(writer, Reducer::new(cfg.clone()));
    let mut interner = MarketInterner::new();
    let mut kalshi = arb::venues::kalshi::KalshiState::default();
    let mut poly = arb::venues::polymarket::mapping::PolymarketState::new();
    let mut ts = 1_700_000_000_000_000_000i64;
    let feed = |core: &mut CoreLoop, events: Vec<Event>, ts: &mut i64| -> Vec<Decision> {
        let mut out = Vec::new();
        for e in events {
            *ts += 1000;
            out.extend(core.step(*ts, &e).expect("step").iter().cloned());
        }
        out
    };
    feed(&mut core, vec![Event::ConfigLoaded(cfg)], &mut ts);
    for v in [Venue::Kalshi, Venue::Polymarket] {
        feed(
            &mut core,
            vec![Event::Balance(arb::event::BalanceReport {
                venue: v,
                cash: arb::core::Money::dollars(10_000_000),
            })],
            &mut ts,
        );
    }
    let snapshot = json!({"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": {"market_ticker": "K",
        "yes_dollars_fp": [["0.3000", "500.00"]], "no_dollars_fp": [["0.5200", "500.00"]]}});
    let events = arb::venues::kalshi::map_message(snapshot, &mut interner, &mut kalshi).events;
    feed(&mut core, events, &mut ts);
    for (asset, ask) in [("111", "0.4700"), ("222", "0.5500")] {
        let book = json!({"event_type": "book", "asset_id": asset, "market": "0xc0nd", "timestamp": "1700000000000", "hash": "h",
            "bids": [{"price": "0.0100", "size": "500"}], "asks": [{"price": ask, "size": "500"}]});
        let events = arb::venues::polymarket::map_message(book, &mut interner, &mut poly).events;
        feed(&mut core, events, &mut ts);
    }
    let k = interner.get(Venue::Kalshi, "K").expect("K");
    let a = interner.get(Venue::Polymarket, "111").expect("token");
    feed(
        &mut core,
        vec![Event::PairDefined(PairRule {
            a: k,
            b: a,
            b_outcome_for_a_yes: Outcome::Yes,
            confidence_bp: 9_900,
        })],
        &mut ts,
    );

    let mut with_order = Histogram::<u64>::new(3).expect("histogram");
    let mut without = Histogram::<u64>::new(3).expect("histogram");
    let mut seq = 1u64;
    let rounds = 4_000;
    for i in 0..rounds * 2 {
        seq += 1;
        // Even frames: a NO bid at 0.60 (YES ask 0.40) opens an edge; odd frames remove it.
        let delta = if i % 2 == 0 { "100.00" } else { "-100.00" };
        let text = format!(
            r#"{{"type":"orderbook_delta","sid":1,"seq":{seq},"msg":{{"market_ticker":"K","price_dollars":"0.6000","delta_fp":"{delta}","side":"no","ts_ms":1700000000000}}}}"#
        );
        let t0 = Instant::now();
        let value: Value = serde_json::from_str(&text).expect("frame");
        let events = arb::venues::kalshi::map_message(value, &mut interner, &mut kalshi).events;
        let decisions = feed(&mut core, events, &mut ts);
        let mut bodies = 0;
        let mut placed = Vec::new();
        for d in &decisions {
            if let Decision::PlaceOrder(o) = d {
                let req = CreateOrderRequest {
                    ticker: "K".into(),
                    client_order_id: Some(o.id.to_string()),
                    side: "yes".into(),
                    action: "buy".into(),
                    count_fp: Some(o.qty.to_string()),
                    yes_price_dollars: Some(o.price.to_string()),
                    ..CreateOrderRequest::default()
                };
                bodies += serde_json::to_vec(&req).expect("body").len();
                placed.push(o.id);
            }
        }
        let ns = t0.elapsed().as_nanos() as u64;
        if placed.is_empty() {
            without.record(ns.max(1)).ok()
        } else {
            with_order.record(ns.max(1)).ok()
        };
        std::hint::black_box(bodies);
        // The venue cancels the legs (outside the measured window).
        let cancels = placed
            .iter()
            .map(|&id| {
                Event::OrderCanceled(OrderCanceled {
                    id,
                    canceled_qty: arb::core::Qty::contracts(1),
                })
            })
            .collect();
        feed(&mut core, cancels, &mut ts);
    }
    let mode = if sync == SyncMode::Fsync {
        "fdatasync per intent"
    } else {
        "no fsync"
    };
    for (name, h) in [
        ("frames that placed orders", &with_order),
        ("frames without decisions", &without),
    ] {
        println!(
            "tick-to-order ({mode}), {name} (n={}): p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
            h.len(),
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0,
            h.value_at_quantile(0.999) as f64 / 1000.0,
            h.max() as f64 / 1000.0
        );
    }
}
