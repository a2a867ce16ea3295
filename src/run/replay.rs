//! `arb replay`: feeds a journal's events through a fresh reducer, recomputes every
//! decision and compares it with the recorded one.

use crate::engine::Reducer;
use crate::event::Decision;
use crate::journal::{Journal, JournalError, ReadSummary, RecordKind, RecordRef};
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
    /// Set when a bundle was replayed: its window and whether the replay ended in the
    /// state the bundle recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<crate::bundle::BundleCheck>,
    /// Set when retention removed a journal's first segments: its first record (the
    /// replay starts from `from_snapshot`, the state just before it). Absent for a
    /// complete journal, which replays from seq 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at_seq: Option<u64>,
    /// The base snapshot a pruned journal's replay restored (its seq is
    /// `starts_at_seq - 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_snapshot: Option<PathBuf>,
    /// Where the records before `starts_at_seq` were archived (absent when deleted
    /// or when none were removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_in: Option<PathBuf>,
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

/// Re-applies records one at a time and compares the decisions it computes with the
/// recorded ones: the replay of a journal directory and of a bundle's slice.
pub struct Replayer {
    reducer: Reducer,
    computed: Vec<Decision>,
    next: usize,
    event_seq: u64,
    events: u64,
    decisions: u64,
    mismatches: u64,
    details: Vec<Mismatch>,
}

impl Replayer {
    /// Starts from `reducer`: a fresh one for a whole journal, a restored snapshot for
    /// a slice.
    pub fn new(reducer: Reducer) -> Replayer {
        Replayer {
            reducer,
            computed: Vec::with_capacity(16),
            next: 0,
            event_seq: 0,
            events: 0,
            decisions: 0,
            mismatches: 0,
            details: Vec::new(),
        }
    }

    fn note(&mut self, m: Mismatch) {
        self.mismatches += 1;
        if self.details.len() < MISMATCH_DETAILS {
            self.details.push(m);
        }
    }

    /// Computed decisions of the last event the journal did not record.
    fn unrecorded_tail(&mut self) {
        if self.next >= self.computed.len() {
            return;
        }
        let tail = self.computed.split_off(self.next);
        for d in &tail {
            self.note(unrecorded(self.event_seq, d));
        }
    }

    pub fn visit(&mut self, rec: RecordRef<'_>) -> Result<(), JournalError> {
        match rec.kind {
            RecordKind::Event => {
                // More recorded than computed is caught decision by decision below.
                self.unrecorded_tail();
                let ev = rec.event()?;
                self.computed.clear();
                self.next = 0;
                self.reducer.apply(rec.ts, &ev, &mut self.computed);
                self.event_seq = rec.seq;
                self.events += 1;
            }
            RecordKind::Decision => {
                let d = rec.decision()?;
                self.decisions += 1;
                if self.computed.get(self.next) != Some(&d) {
                    let computed = self.computed.get(self.next).map(json);
                    self.note(Mismatch {
                        seq: rec.seq,
                        recorded: Some(json(&d)),
                        computed,
                    });
                }
                self.next += 1;
            }
        }
        Ok(())
    }

    /// The summary once every record is visited. Decisions a torn tail cut off are
    /// counted apart (lost with the crash, not a divergence).
    pub fn finish(mut self, journal: &Path, read: ReadSummary) -> (ReplaySummary, Reducer) {
        let mut torn_tail_decisions = 0;
        if read.torn_tail.is_some() {
            torn_tail_decisions = self.computed.len().saturating_sub(self.next) as u64;
        } else {
            self.unrecorded_tail();
        }
        let summary = ReplaySummary {
            journal: journal.to_path_buf(),
            events: self.events,
            decisions: self.decisions,
            mismatches: self.mismatches,
            first_mismatches: self.details,
            state_hash: format!("{:016x}", self.reducer.state_hash()),
            torn_tail: read.torn_tail.as_ref().map(|t| t.offset),
            torn_tail_segment: read.torn_tail.map(|t| t.segment),
            torn_tail_decisions,
            bundle: None,
            starts_at_seq: None,
            from_snapshot: None,
            archived_in: None,
        };
        (summary, self.reducer)
    }
}

/// Replays a journal directory. Journal errors (corruption) stop it; mismatches are
/// counted and the first few reported. A journal whose first segments retention
/// removed is replayed from its base snapshot (an error names the first kept seq and
/// the snapshot when that is missing).
pub fn replay(dir: &Path) -> Result<(ReplaySummary, Reducer), JournalError> {
    let journal = Journal::open(dir)?;
    let base = crate::run::live::restart::restore_base(&journal)?;
    let (reducer, starts_at, snapshot, archived_in) = match base {
        Some(b) => (
            b.reducer,
            Some(b.first_seq),
            Some(b.snapshot),
            b.archive_dir,
        ),
        None => (Reducer::default(), None, None, None),
    };
    let mut replayer = Replayer::new(reducer);
    let read = journal.scan_kept(|rec| replayer.visit(rec))?;
    let (mut summary, reducer) = replayer.finish(dir, read);
    summary.starts_at_seq = starts_at;
    summary.from_snapshot = snapshot;
    summary.archived_in = archived_in;
    Ok((summary, reducer))
}
