//! The state a restart starts from: snapshots of the reducer (plus the decision times
//! of its open orders) written by the live core thread (`Snapshotter`, in
//! `snapshotter.rs`), and `replay_into`, which loads the newest valid snapshot and
//! replays only the journal after it (or the whole journal when there is none).

use crate::core::ClientOrderId;
use crate::engine::Reducer;
use crate::event::{Decision, Event};
use crate::journal::snapshot::{
    SnapshotFileError, SnapshotHeader, list_snapshots, read_snapshot, write_snapshot,
};
use crate::journal::{Journal, JournalError, RecordKind, RecordRef};
use crate::venues::MarketInterner;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use super::snapshotter::Snapshotter;

/// A snapshot's payload (SPEC.md section 8): the reducer state, then the decision
/// times of the open orders.
#[derive(Serialize, Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    state: &'a [u8],
    decided_ms: Vec<(ClientOrderId, i64)>,
}

pub(crate) fn encode_payload(
    reducer: &Reducer,
    decided_ms: &BTreeMap<ClientOrderId, i64>,
) -> Vec<u8> {
    let open = &reducer.orders().open;
    let payload = Payload {
        state: &reducer.snapshot_bytes(),
        decided_ms: decided_ms
            .iter()
            .filter(|(id, _)| open.contains_key(id))
            .map(|(id, ms)| (*id, *ms))
            .collect(),
    };
    // Serialising plain data into a Vec cannot fail.
    bincode::serialize(&payload).unwrap_or_default()
}

pub(crate) fn decode_payload(
    bytes: &[u8],
) -> Result<(Reducer, BTreeMap<ClientOrderId, i64>), String> {
    use bincode::Options;
    let p: Payload<'_> = bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .reject_trailing_bytes()
        .with_limit(bytes.len() as u64)
        .deserialize(bytes)
        .map_err(|e| format!("payload does not decode: {e}"))?;
    let reducer = Reducer::from_snapshot_bytes(p.state).map_err(|e| e.to_string())?;
    Ok((reducer, p.decided_ms.into_iter().collect()))
}

/// Writes a snapshot of `reducer` as of journal record `last_seq`, which must be
/// durable. Keeps the newest two.
pub fn write_state_snapshot(
    journal: &Path,
    last_seq: u64,
    reducer: &Reducer,
    decided_ms: &BTreeMap<ClientOrderId, i64>,
) -> Result<PathBuf, SnapshotFileError> {
    let payload = encode_payload(reducer, decided_ms);
    write_snapshot(journal, last_seq, reducer.stats().events, &payload)
}

/// The snapshot a restart started from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotUsed {
    /// Journal seq of the last record the snapshot includes.
    pub seq: u64,
    /// Events the snapshot's state had applied.
    pub events: u64,
}

/// What replaying a journal gives back besides the reducer's state.
pub struct Replayed {
    pub interner: MarketInterner,
    /// Events replayed from the journal (after the snapshot, if one was used).
    pub events: u64,
    /// When each order was decided (ms): with its client order id it rebuilds the
    /// signed Polymarket order, and so the venue's order id. Complete for the orders
    /// still open.
    pub decided_ms: BTreeMap<ClientOrderId, i64>,
    pub snapshot: Option<SnapshotUsed>,
}

/// Rebuilds `reducer` from `dir`: from its newest valid snapshot and the records after
/// it, or by replaying every event. A snapshot that cannot be used (damaged, another
/// version, beyond the journal's end) is skipped with a warning naming it and why.
pub fn replay_into(dir: &Path, reducer: &mut Reducer) -> Result<Replayed, JournalError> {
    replay_with(dir, reducer, true)
}

/// `replay_into`, with snapshots or without (a full replay).
pub fn replay_with(
    dir: &Path,
    reducer: &mut Reducer,
    use_snapshots: bool,
) -> Result<Replayed, JournalError> {
    let journal = Journal::open(dir)?;
    let candidates = if use_snapshots {
        list_snapshots(dir).unwrap_or_else(|e| {
            tracing::warn!("snapshots not used: {e}");
            Vec::new()
        })
    } else {
        Vec::new()
    };
    for (_, path) in candidates {
        if let Some((restored, replayed)) = from_snapshot(&journal, &path)? {
            *reducer = restored;
            return Ok(replayed);
        }
    }
    let mut tail = Tail {
        reducer,
        interner: MarketInterner::new(),
        decided_ms: BTreeMap::new(),
        events: 0,
        scratch: Vec::new(),
    };
    journal.scan(|rec| tail.visit(rec))?;
    Ok(Replayed {
        interner: tail.interner,
        events: tail.events,
        decided_ms: tail.decided_ms,
        snapshot: None,
    })
}

/// A snapshot file read, verified and decoded: its header, the reducer state and the
/// decision times of its open orders. The error says why it cannot be used (the file
/// is named in it when the file itself is bad).
pub fn load_snapshot(
    path: &Path,
) -> Result<(SnapshotHeader, Reducer, BTreeMap<ClientOrderId, i64>), String> {
    let (h, payload): (SnapshotHeader, Vec<u8>) = read_snapshot(path).map_err(|e| e.to_string())?;
    let (reducer, decided_ms) = decode_payload(&payload)?;
    if reducer.stats().events != h.events {
        return Err(format!(
            "header says {} events, the state has applied {}",
            h.events,
            reducer.stats().events
        ));
    }
    Ok((h, reducer, decided_ms))
}

/// The state a journal pruned by retention starts from: its base snapshot.
pub struct Base {
    pub reducer: Reducer,
    pub decided_ms: BTreeMap<ClientOrderId, i64>,
    /// The journal's first record (the snapshot includes everything before it).
    pub first_seq: u64,
    pub snapshot: PathBuf,
    /// Where the records before went (the retention note's archive directory).
    pub archive_dir: Option<PathBuf>,
}

/// For a journal whose first records were removed by retention (`first_seq` > 1),
/// its base snapshot `snapshots/<first_seq - 1>.snap` restored; None for a complete
/// journal. A base snapshot missing or unusable is an error naming the first kept seq
/// and the snapshot.
pub fn restore_base(journal: &Journal) -> Result<Option<Base>, JournalError> {
    let first_seq = match journal.first_seq()? {
        Some(f) if f > 1 => f,
        _ => return Ok(None),
    };
    let dir = journal.dir();
    let snapshot = crate::journal::snapshot::snapshot_dir(dir)
        .join(crate::journal::snapshot::snapshot_file_name(first_seq - 1));
    let fail = |reason: String| JournalError::NoBaseSnapshot {
        dir: dir.to_path_buf(),
        archive: crate::journal::retention::archive_note(dir),
        first_seq,
        snapshot: snapshot.clone(),
        reason,
    };
    if !snapshot.exists() {
        return Err(fail("it does not exist".into()));
    }
    let (_, reducer, decided_ms) = load_snapshot(&snapshot).map_err(fail)?;
    Ok(Some(Base {
        reducer,
        decided_ms,
        first_seq,
        snapshot: snapshot.clone(),
        archive_dir: crate::journal::retention::read_note(dir).and_then(|n| n.archive_dir),
    }))
}

/// The state a reader of the whole journal starts from: a fresh reducer, or a pruned
/// journal's base snapshot (then read the journal with `Journal::scan_kept`).
pub fn start_state(journal: &Journal) -> Result<Reducer, JournalError> {
    Ok(restore_base(journal)?.map_or_else(Reducer::default, |b| b.reducer))
}

/// The snapshot at `path` and the journal after it, or None (warned) if the snapshot
/// cannot be used. A journal error in the records after it is an error.
fn from_snapshot(
    journal: &Journal,
    path: &Path,
) -> Result<Option<(Reducer, Replayed)>, JournalError> {
    let skip = |why: String| {
        tracing::warn!(
            "snapshot {} not used ({why}); trying an older one or a full replay",
            path.display()
        );
        Ok(None)
    };
    let (h, mut reducer, decided_ms) = match load_snapshot(path) {
        Ok(x) => x,
        Err(e) => return skip(e),
    };
    if let Some(first) = journal.first_seq()?
        && first > h.last_seq.saturating_add(1)
    {
        return skip(format!(
            "the journal starts at seq {first} (earlier records removed by retention), \
             after the snapshot's seq {} + 1",
            h.last_seq
        ));
    }
    let mut interner = MarketInterner::new();
    for meta in &reducer.markets().list {
        // The engine's rule, as replay applies it; a journal the engine wrote agrees.
        let _ = interner.observe(meta.meta.clone());
    }
    let mut tail = Tail {
        reducer: &mut reducer,
        interner,
        decided_ms,
        events: 0,
        scratch: Vec::new(),
    };
    let summary = journal.scan_from(h.last_seq, |rec| tail.visit(rec))?;
    let (interner, events, decided_ms) = (tail.interner, tail.events, tail.decided_ms);
    if summary.last_seq.is_none_or(|end| end < h.last_seq) {
        // Nothing was applied: no record comes after the snapshot's seq.
        return skip(format!(
            "it includes the journal up to seq {}, but the journal ends at {}",
            h.last_seq,
            summary
                .last_seq
                .map_or("its start".into(), |s| s.to_string())
        ));
    }
    Ok(Some((
        reducer,
        Replayed {
            interner,
            events,
            decided_ms,
            snapshot: Some(SnapshotUsed {
                seq: h.last_seq,
                events: h.events,
            }),
        },
    )))
}

/// Applies journal records to a reducer as a restart does: events are applied (their
/// decisions are in the journal already), order decisions noted.
struct Tail<'r> {
    reducer: &'r mut Reducer,
    interner: MarketInterner,
    decided_ms: BTreeMap<ClientOrderId, i64>,
    events: u64,
    scratch: Vec<Decision>,
}

impl Tail<'_> {
    fn visit(&mut self, rec: RecordRef<'_>) -> Result<(), JournalError> {
        match rec.kind {
            RecordKind::Decision => {
                if let Some(o) = rec.decision()?.as_order() {
                    self.decided_ms.insert(o.id, rec.ts / 1_000_000);
                }
            }
            RecordKind::Event => {
                let ev = rec.event()?;
                if let Event::MarketDefined(m) = &ev {
                    // A journal the engine wrote defines markets in order.
                    let _ = self.interner.observe(m.clone());
                }
                self.scratch.clear();
                self.reducer.apply(rec.ts, &ev, &mut self.scratch);
                self.events += 1;
            }
        }
        Ok(())
    }
}
