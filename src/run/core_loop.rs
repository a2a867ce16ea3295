//! The core step every writing driver shares: journal the event, apply it, journal the
//! decisions, commit (durable if any decision must be), then hand decisions out.

use crate::engine::Reducer;
use crate::event::{Decision, Event};
use crate::journal::{JournalError, JournalWriter};

pub struct CoreLoop {
    pub writer: JournalWriter,
    pub reducer: Reducer,
    decisions: Vec<Decision>,
    pub events: u64,
    pub decisions_total: u64,
}

impl CoreLoop {
    pub fn new(writer: JournalWriter, reducer: Reducer) -> CoreLoop {
        CoreLoop {
            writer,
            reducer,
            decisions: Vec::with_capacity(16),
            events: 0,
            decisions_total: 0,
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
        }
        self.writer.commit()?;
        self.events += 1;
        self.decisions_total += self.decisions.len() as u64;
        Ok(&self.decisions)
    }
}
