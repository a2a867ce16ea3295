//! The event vocabulary: everything that enters the reducer (`Event`) and everything
//! it decides (`Decision`). Both are journaled; their bincode encoding is the journal's
//! payload format (see `journal_format/SPEC.md`), so variants and fields are only ever
//! appended, never reordered or removed.

mod decision;
mod input;

pub use decision::*;
pub use input::*;
