//! `arb inspect`: a journal's records as JSON Lines, or the final book of every market.

use crate::event::BookSide;
use crate::journal::{Journal, JournalError, RecordKind};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

/// Prints every record as one JSON object per line.
pub fn records(dir: &Path, out: &mut impl Write) -> Result<Option<u64>, InspectError> {
    let journal = Journal::open(dir)?;
    let mut write_err = None;
    // What the journal holds: after retention, from its first kept record.
    let summary = journal.scan_kept(|rec| -> Result<(), JournalError> {
        if write_err.is_none()
            && let Err(e) = writeln!(out, "{}", rec.to_owned()?.to_json())
        {
            write_err = Some(e);
        }
        Ok(())
    })?;
    if let Some(e) = write_err {
        return Err(e.into());
    }
    Ok(summary.torn_tail.map(|t| t.offset))
}

/// The final YES book of every market, keyed by the venue's market id: best level
/// first, prices and quantities as decimal strings.
pub fn books(dir: &Path) -> Result<Value, InspectError> {
    let journal = Journal::open(dir)?;
    let mut reducer = crate::run::live::restart::start_state(&journal)?;
    let mut scratch = Vec::new();
    journal.scan_kept(|rec| -> Result<(), JournalError> {
        if rec.kind == RecordKind::Event {
            scratch.clear();
            reducer.apply(rec.ts, &rec.event()?, &mut scratch);
        }
        Ok(())
    })?;
    let list = &reducer.markets().list;
    let mut map = Map::new();
    for m in list {
        let duplicate = list
            .iter()
            .filter(|o| o.meta.venue_id == m.meta.venue_id)
            .count()
            > 1;
        let key = if duplicate {
            format!("{}:{}", m.meta.venue, m.meta.venue_id)
        } else {
            m.meta.venue_id.clone()
        };
        let side = |s| -> Vec<Value> {
            m.book
                .levels(s)
                .map(|l| json!([l.price.to_string(), l.qty.to_string()]))
                .collect()
        };
        map.insert(
            key,
            json!({ "bids": side(BookSide::Bid), "asks": side(BookSide::Ask) }),
        );
    }
    Ok(Value::Object(map))
}
