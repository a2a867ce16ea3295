//! Drivers: the only code that knows where events come from and where decisions go.
//! Each feeds the same reducer through `CoreLoop` (journal first, then reducer).

pub mod control;
pub mod core_loop;
pub mod diff;
pub mod export;
pub mod inspect;
pub mod live;
pub mod logfile;
pub mod montecarlo;
pub mod orders;
pub mod paper;
pub mod record;
pub mod replay;
pub mod report;

pub use core_loop::CoreLoop;

/// Timers for a recording without enough of them (an import has none): a `Tick` at
/// least once a second of event time, so that what the reducer does on ticks (resting
/// deadlines, coverage) happens when paper and Monte Carlo read it. Both use this one
/// rule, so that they decide alike.
#[derive(Debug, Default)]
pub struct TickFill {
    last: Option<i64>,
}

impl TickFill {
    /// The longest stretch of event time without a tick.
    pub const AT_LEAST_NS: i64 = 1_000_000_000;

    /// Whether a `Tick` at `ts` goes before `event` (recorded at `ts`).
    pub fn before(&mut self, ts: i64, event: &crate::event::Event) -> bool {
        if matches!(event, crate::event::Event::Tick) {
            self.last = Some(ts);
            return false;
        }
        let due = self.last.is_none_or(|t| ts - t >= Self::AT_LEAST_NS);
        if due {
            self.last = Some(ts);
        }
        due
    }
}
