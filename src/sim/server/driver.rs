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
    while let Some((ts, target)) = generator.next_update() {
        let offset = (ts - scenario.start_ns).max(0) as f64 / speed;
        tokio::time::sleep_until(start + Duration::from_nanos(offset as u64)).await;
        let market = target.market.index();
        state.mutate(|ex| ex.set_liquidity(market, &target.bids, &target.asks));
    }
}
