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
