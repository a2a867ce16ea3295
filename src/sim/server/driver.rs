//! Drives the simulator's scenario in wall-clock time: each update of the scenario's
//! seeded book process becomes a requote of that market on the exchange, and each step
//! of its schedule lists, closes or settles a question, all through one time mapping.

use super::{SimState, lifecycle};
use crate::sim::Scenario;
use crate::sim::lifecycle::{Resolver, steps};
use std::sync::Arc;
use std::time::Duration;

/// Plays `scenario` against `state` at `speed` times event time (1.0 = real time),
/// until it ends or the task is dropped. Scheduled steps after the last book update
/// still happen.
pub async fn play(state: Arc<SimState>, scenario: Scenario, speed: f64) {
    let mut generator = scenario.generator();
    let start = tokio::time::Instant::now();
    let wall_start = crate::clock::wall_ns();
    let speed = if speed > 0.0 { speed } else { 1.0 };
    let scaled = |offset_ns: i64| Duration::from_nanos((offset_ns.max(0) as f64 / speed) as u64);
    let at = |offset_ns: i64| start + scaled(offset_ns);
    lifecycle::install(&state, &scenario);
    // Listed as the moment the close comes, in the event time the simulator serves.
    lifecycle::schedule_closes(&state, &scenario, |offset_ns| {
        crate::clock::event_at(wall_start + scaled(offset_ns).as_nanos() as i64)
    });
    for fault in scenario.faults.clone() {
        let state = state.clone();
        let when = at(fault.at_ns);
        let window = Duration::from_nanos((fault.duration_ns.max(0) as f64 / speed) as u64);
        tokio::spawn(async move {
            tokio::time::sleep_until(when).await;
            state.activate(&fault, window);
        });
    }
    let schedule = steps(&scenario.questions);
    let mut next = 0;
    let mut resolver = Resolver::new(&scenario);
    loop {
        // Fair values as of the last update at or before a step (a step between two
        // updates sees the earlier one).
        let fair = generator.fair().to_vec();
        let Some((ts, target)) = generator.next_update() else {
            break;
        };
        let offset = ts - scenario.start_ns;
        while let Some(&step) = schedule.get(next).filter(|s| s.at_ns <= offset) {
            tokio::time::sleep_until(at(step.at_ns)).await;
            lifecycle::apply(&state, &scenario, step, &mut resolver, &fair);
            next += 1;
        }
        tokio::time::sleep_until(at(offset)).await;
        let market = target.market.index();
        if state.frozen(market) {
            continue; // a frozen book neither moves nor publishes
        }
        state.mutate(|ex| ex.set_liquidity(market, &target.bids, &target.asks));
    }
    for &step in &schedule[next..] {
        tokio::time::sleep_until(at(step.at_ns)).await;
        lifecycle::apply(&state, &scenario, step, &mut resolver, generator.fair());
    }
}
