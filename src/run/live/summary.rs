//! What `arb live` reports when it stops: the run's counts, state hash, tick-to-order
//! latency, recovery and each venue's feed.

use super::{recovery, watchdog};
use crate::core::Venue;
use crate::run::CoreLoop;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Debug, Serialize)]
pub struct LiveSummary {
    pub journal: PathBuf,
    pub venue: String,
    pub events: u64,
    pub decisions: u64,
    pub opportunities: u64,
    pub intents: u64,
    /// Orders the executor sent.
    pub orders: u64,
    pub open_orders: usize,
    pub state_hash: String,
    /// Receive time of the causing event -> order request about to be written (µs).
    pub tick_to_order_us_p50: Option<f64>,
    pub tick_to_order_us_p99: Option<f64>,
    /// Set when the run continued an existing journal.
    pub recovered: Option<recovery::Recovered>,
    /// Per venue: what its market-data feed went through (the watchdog's counts).
    pub feeds: BTreeMap<String, watchdog::FeedStats>,
}

impl LiveSummary {
    /// The summary of a stopped run: `latency` holds each order's tick-to-order time
    /// (ns) as the executor recorded it.
    pub(super) fn of(
        core: &CoreLoop,
        journal: PathBuf,
        venue: String,
        latency: &std::sync::Mutex<Vec<u64>>,
        recovered: Option<recovery::Recovered>,
        feed_stats: &[watchdog::SharedFeedStats; 2],
    ) -> LiveSummary {
        let stats = core.reducer.stats();
        let mut lat = latency.lock().map(|l| l.clone()).unwrap_or_default();
        lat.sort_unstable();
        let pct = |q: f64| {
            (!lat.is_empty()).then(|| lat[((lat.len() - 1) as f64 * q) as usize] as f64 / 1000.0)
        };
        LiveSummary {
            journal,
            venue,
            events: core.events,
            decisions: core.decisions_total,
            opportunities: stats.opportunities.iter().sum(),
            intents: stats.intents,
            orders: lat.len() as u64,
            open_orders: core.reducer.orders().open.len(),
            state_hash: format!("{:016x}", core.reducer.state_hash()),
            tick_to_order_us_p50: pct(0.5),
            tick_to_order_us_p99: pct(0.99),
            recovered,
            feeds: Venue::ALL
                .iter()
                .map(|v| {
                    let stats = feed_stats[v.index()]
                        .lock()
                        .map(|s| s.clone())
                        .unwrap_or_default();
                    (v.name().to_string(), stats)
                })
                .collect(),
        }
    }
}
