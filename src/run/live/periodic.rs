//! The live run's timers that feed the core's execution and control queue: breaker
//! changes every 250 ms (journaled as `Breaker`) and venue balances every
//! `balance_refresh_s` (journaled as `Balance`).

use super::core::Inbound;
use super::{kalshi, polymarket};
use crate::core::Venue;
use crate::event::Event;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use std::time::Duration;

/// Every 250 ms: lets breakers whose cool-down is over go half-open, and hands each
/// breaker change to the core (journaled as `Breaker`; an open orders breaker, or the
/// open breaker of the endpoint a venue's books come from, pauses entries on it).
pub(super) async fn report_circuits(
    kalshi: Option<crate::venues::governor::Governor>,
    poly: Option<crate::venues::governor::Governor>,
    tx: crossbeam_channel::Sender<Inbound>,
) {
    use crate::event::{BreakerReport, CircuitState};
    use crate::venues::governor::BreakerState;
    let mut timer = tokio::time::interval(Duration::from_millis(250));
    loop {
        timer.tick().await;
        for (venue, g) in [(Venue::Kalshi, &kalshi), (Venue::Polymarket, &poly)] {
            let Some(g) = g else { continue };
            g.tick();
            for (endpoint, state) in g.drain_changes() {
                let report = BreakerReport {
                    venue,
                    endpoint,
                    state: match state {
                        BreakerState::Closed => CircuitState::Closed,
                        BreakerState::Open => CircuitState::Open,
                        BreakerState::HalfOpen => CircuitState::HalfOpen,
                    },
                };
                tracing::warn!(
                    venue = venue.name(),
                    endpoint = endpoint.name(),
                    state = ?report.state,
                    "circuit breaker"
                );
                let ev = Event::Breaker(report);
                if tx.send(Inbound::now(ev)).is_err() {
                    return;
                }
            }
        }
    }
}

/// Reads each venue's balance every `every` and hands it to the core (journaled as
/// `Balance`). A failed read is skipped: the next one tries again.
pub(super) async fn refresh_balances(
    kalshi: Option<KalshiRest>,
    poly: Option<PolymarketRest>,
    every: Duration,
    tx: crossbeam_channel::Sender<Inbound>,
) {
    let mut timer = tokio::time::interval(every);
    timer.tick().await; // the start already read them
    loop {
        timer.tick().await;
        if let Some(k) = &kalshi
            && let Ok(ev) = kalshi::balance(k).await
            && tx.send(Inbound::now(ev)).is_err()
        {
            return;
        }
        if let Some(p) = &poly
            && let Ok(ev) = polymarket::balance(p).await
            && tx.send(Inbound::now(ev)).is_err()
        {
            return;
        }
    }
}
