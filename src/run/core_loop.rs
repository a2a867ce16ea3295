//! The core step every writing driver shares: journal the event, apply it, journal the
//! decisions, commit (durable if any decision must be), then hand decisions out.

use crate::core::ClientOrderId;
use crate::engine::Reducer;
use crate::event::{Decision, Event};
use crate::journal::{JournalError, JournalWriter};
use std::collections::BTreeMap;

pub struct CoreLoop {
    pub writer: JournalWriter,
    pub reducer: Reducer,
    decisions: Vec<Decision>,
    pub events: u64,
    pub decisions_total: u64,
    /// When each order still open was decided (ms, the time of its `PlaceOrder`
    /// record): a restart needs it to rebuild signed Polymarket orders, and a
    /// snapshot carries it. Terminal orders are dropped from time to time.
    pub decided_ms: BTreeMap<ClientOrderId, i64>,
    /// With `Some`, order decisions (place, cancel) are also kept here: a driver that
    /// steps events before its executor runs (a live start's reconciliation) hands
    /// them over once it does, so none is journaled and never sent.
    pub held_orders: Option<Vec<(i64, Decision)>>,
}

impl CoreLoop {
    pub fn new(writer: JournalWriter, reducer: Reducer) -> CoreLoop {
        CoreLoop {
            writer,
            reducer,
            decisions: Vec::with_capacity(16),
            events: 0,
            decisions_total: 0,
            decided_ms: BTreeMap::new(),
            held_orders: None,
        }
    }

    /// Runs one event through the journal and the reducer. The returned decisions are
    /// durable (if they need to be) by the time this returns.
    pub fn step(&mut self, ts: i64, event: &Event) -> Result<&[Decision], JournalError> {
        self.writer.append_event(ts, event)?;
        self.decisions.clear();
        self.reducer.apply(ts, event, &mut self.decisions);
        for d in &self.decisions {
            self.writer.append_decision(ts, d)?;
            if let Some(o) = d.as_order() {
                self.decided_ms.insert(o.id, ts / 1_000_000);
            }
            if let Some(held) = self.held_orders.as_mut()
                && d.goes_to_venue()
            {
                held.push((ts, d.clone()));
            }
        }
        self.writer.commit()?;
        self.events += 1;
        self.decisions_total += self.decisions.len() as u64;
        if self.decided_ms.len() > 2 * self.reducer.orders().open.len() + 1024 {
            self.forget_terminal_orders();
        }
        Ok(&self.decisions)
    }

    /// Drops the decision times of orders that are no longer open.
    pub fn forget_terminal_orders(&mut self) {
        let open = &self.reducer.orders().open;
        self.decided_ms.retain(|id, _| open.contains_key(id));
    }
}
