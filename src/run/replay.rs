//! `arb replay`: feeds a journal's events through a fresh reducer, recomputes every
//! decision and compares it with the recorded one.

use crate::engine::Reducer;
use crate::event::Decision;
use crate::journal::{Journal, JournalError, RecordKind};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A decision the replay computed differently from the journal.
#[derive(Clone, Debug, Serialize)]
pub struct Mismatch {
    /// Sequence number of the recorded decision, or of the event whose computed
    /// decision has no recorded counterpart.
    pub seq: u64,
    pub recorded: Option<serde_json::Value>,
    pub computed: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplaySummary {
    pub journal: PathBuf,
    pub events: u64,
    pub decisions: u64,
    pub mismatches: u64,
    pub first_mismatches: Vec<Mismatch>,
    pub state_hash: String,
    /// Byte offset of a torn tail in the last segment, if one was cut off.
    pub torn_tail: Option<u64>,
    pub torn_tail_segment: Option<PathBuf>,
    /// Decisions of the last event that a torn tail cut off: lost with the crash, not
    /// a divergence (recovery re-derives them).
    pub torn_tail_decisions: u64,
}

const MISMATCH_DETAILS: usize = 20;

fn json(d: &Decision) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or(serde_json::Value::Null)
}

/// A computed decision with no recorded counterpart, named by its event's seq.
fn unrecorded(event_seq: u64, d: &Decision) -> Mismatch {
    Mismatch {
        seq: event_seq,
        recorded: None,
        computed: Some(json(d)),
    }
}

/// Replays a journal directory. Journal errors (corruption) stop it; mismatches are
/// counted and the first few reported.
pub fn replay(dir: &Path) -> Result<(ReplaySummary, Reducer), JournalError> {
    let journal = Journal::open(dir)?;
    let mut reducer = Reducer::default();
    let mut computed: Vec<Decision> = Vec::with_capacity(16);
    let mut next = 0usize;
    let mut event_seq = 0u64;
    let mut events = 0u64;
    let mut decisions = 0u64;
    let mut mismatches = 0u64;
    let mut details = Vec::new();
    let mut note = |m: Mismatch, count: &mut u64| {
        *count += 1;
        if details.len() < MISMATCH_DETAILS {
            details.push(m);
        }
    };
    let summary = journal.scan(|rec| -> Result<(), JournalError> {
        match rec.kind {
            RecordKind::Event => {
                // Computed decisions the journal did not record (more recorded than
                // computed is caught decision by decision below).
                for d in computed.get(next..).unwrap_or(&[]) {
                    note(unrecorded(event_seq, d), &mut mismatches);
                }
                let ev = rec.event()?;
                computed.clear();
                next = 0;
                reducer.apply(rec.ts, &ev, &mut computed);
                event_seq = rec.seq;
                events += 1;
            }
            RecordKind::Decision => {
                let d = rec.decision()?;
                decisions += 1;
                match computed.get(next) {
                    Some(c) if *c == d => {}
                    other => note(
                        Mismatch {
                            seq: rec.seq,
                            recorded: Some(json(&d)),
                            computed: other.map(json),
                        },
                        &mut mismatches,
                    ),
                }
                next += 1;
            }
        }
        Ok(())
    })?;
    let unrecorded_tail = computed.get(next..).unwrap_or(&[]);
    let mut torn_tail_decisions = 0;
    if summary.torn_tail.is_some() {
        torn_tail_decisions = unrecorded_tail.len() as u64;
    } else {
        for d in unrecorded_tail {
            note(unrecorded(event_seq, d), &mut mismatches);
        }
    }
    let summary = ReplaySummary {
        journal: dir.to_path_buf(),
        events,
        decisions,
        mismatches,
        first_mismatches: details,
        state_hash: format!("{:016x}", reducer.state_hash()),
        torn_tail: summary.torn_tail.as_ref().map(|t| t.offset),
        torn_tail_segment: summary.torn_tail.map(|t| t.segment),
        torn_tail_decisions,
    };
    Ok((summary, reducer))
}
