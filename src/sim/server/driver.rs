//! Drives the simulator's scenario liquidity in wall-clock time: each update of the
//! scenario's seeded book process becomes a requote of that market on the exchange.

use super::SimState;
use crate::sim::Scenario;
use std::sync::Arc;
use std::time::Duration;

/// Plays `scenario` against `state` at `speed` times event time (1.0 = real time),
/// until it ends or the task is dropped.
pub async fn play(state: Arc<SimState>, scenario: Scenario, speed: f64) {
    let mut generator = scenario.generator();
    let start = tokio::time::Instant::now();
    let speed = if speed > 0.0 { speed } else { 1.0 };
    let at =
        |offset_ns: i64| start + Duration::from_nanos((offset_ns.max(0) as f64 / speed) as u64);
    for fault in scenario.faults.clone() {
        let state = state.clone();
        let when = at(fault.at_ns);
        let window = Duration::from_nanos((fault.duration_ns.max(0) as f64 / speed) as u64);
        tokio::spawn(async move {
            tokio::time::sleep_until(when).await;
            state.activate(&fault, window);
        });
    }
    while let Some((ts, target)) = generator.next_update() {
        tokio::time::sleep_until(at(ts - scenario.start_ns)).await;
        let market = target.market.index();
        if state.frozen(market) {
            continue; // a frozen book neither moves nor publishes
        }
        state.mutate(|ex| ex.set_liquidity(market, &target.bids, &target.asks));
    }
}
