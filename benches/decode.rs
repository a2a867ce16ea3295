//! Adapter decode cost per message: venue WebSocket text -> JSON -> engine events.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use arb::venues::MarketInterner;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    let kalshi_delta = r#"{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"FED-23DEC-T3.00","market_id":"9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1","price_dollars":"0.9600","delta_fp":"-54.00","side":"yes","ts":"2022-11-22T20:44:01Z","ts_ms":1669149841000}}"#;
    let mut interner = MarketInterner::new();
    let mut state = arb::venues::kalshi::KalshiState::default();
    g.bench_function("kalshi_orderbook_delta", |b| {
        let mut seq = 3u64;
        b.iter(|| {
            seq += 1;
            let mut v: serde_json::Value = serde_json::from_str(kalshi_delta).expect("json");
            v["seq"] = seq.into();
            arb::venues::kalshi::map_message(v, &mut interner, &mut state)
                .events
                .len()
        })
    });
    let poly = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/venues/polymarket/ws_price_change_captured.json"),
    )
    .expect("fixture");
    let mut pstate = arb::venues::polymarket::mapping::PolymarketState::new();
    g.bench_function("polymarket_price_change_2_assets", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_str(&poly).expect("json");
            arb::venues::polymarket::map_message(v, &mut interner, &mut pstate)
                .events
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
