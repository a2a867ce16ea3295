//! The state a restart starts from: snapshots of the reducer (plus the decision times
//! of its open orders) written by the live core thread every N events and at a clean
//! stop, and `replay_into`, which loads the newest valid snapshot and replays only the
//! journal after it (or the whole journal when there is none).

use crate::core::ClientOrderId;
use crate::engine::Reducer;
use crate::event::{Decision, Event};
use crate::journal::snapshot::{
    SnapshotFileError, SnapshotHeader, list_snapshots, read_snapshot, write_snapshot,
};
use crate::journal::{Journal, JournalError, RecordKind, RecordRef};
use crate::run::CoreLoop;
use crate::venues::MarketInterner;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    let (h, payload): (SnapshotHeader, Vec<u8>) = match read_snapshot(path) {
        Ok(x) => x,
        Err(e) => return skip(e.to_string()),
    };
    let (mut reducer, decided_ms) = match decode_payload(&payload) {
        Ok(x) => x,
        Err(e) => return skip(e),
    };
    if reducer.stats().events != h.events {
        return skip(format!(
            "header says {} events, the state has applied {}",
            h.events,
            reducer.stats().events
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
                if let Decision::PlaceOrder(o) = rec.decision()? {
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

/// Writes snapshots for the live core thread: every `every` events (0: never) and at
/// a clean stop, each after the journal is synced up to the records it includes. The
/// state is encoded on the core thread; the file is written on a thread of its own.
pub struct Snapshotter {
    journal: PathBuf,
    every: u64,
    next_at: u64,
    tx: Option<std::sync::mpsc::SyncSender<(u64, u64, Vec<u8>)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Snapshotter {
    pub fn new(journal: &Path, every: u64, events_now: u64) -> Snapshotter {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(u64, u64, Vec<u8>)>(2);
        let dir = journal.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("arb-snapshot".into())
            .spawn(move || {
                for (seq, events, payload) in rx {
                    write_logged(&dir, seq, events, &payload);
                }
            });
        let thread = match spawned {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("no snapshot thread ({e}): snapshots are written inline");
                None
            }
        };
        Snapshotter {
            journal: journal.to_path_buf(),
            every,
            next_at: next_multiple(events_now, every),
            tx: thread.is_some().then_some(tx),
            thread,
        }
    }

    /// After a core step: a snapshot once the reducer's event count reaches the next
    /// multiple of `every`.
    pub fn after_step(&mut self, core: &mut CoreLoop) -> Result<(), JournalError> {
        let events = core.reducer.stats().events;
        if self.every == 0 || events < self.next_at {
            return Ok(());
        }
        self.next_at = next_multiple(events, self.every);
        self.take(core)
    }

    /// At a clean stop: a last snapshot, written before this returns.
    pub fn finish(mut self, core: &mut CoreLoop) -> Result<(), JournalError> {
        if self.every != 0 {
            self.take(core)?;
        }
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        Ok(())
    }

    fn take(&mut self, core: &mut CoreLoop) -> Result<(), JournalError> {
        // Never ahead of durable journal data.
        core.writer.sync()?;
        let last_seq = core.writer.next_seq().saturating_sub(1);
        core.forget_terminal_orders();
        let payload = encode_payload(&core.reducer, &core.decided_ms);
        let events = core.reducer.stats().events;
        match &self.tx {
            Some(tx) => {
                if tx.send((last_seq, events, payload)).is_err() {
                    tracing::warn!("snapshot thread gone: snapshot at seq {last_seq} skipped");
                }
            }
            None => write_logged(&self.journal, last_seq, events, &payload),
        }
        Ok(())
    }
}

fn next_multiple(events: u64, every: u64) -> u64 {
    match events.checked_div(every) {
        Some(n) => (n + 1).saturating_mul(every),
        None => u64::MAX, // every == 0: never
    }
}

/// A snapshot is a cache: failing to write one is logged, never fatal.
fn write_logged(journal: &Path, seq: u64, events: u64, payload: &[u8]) {
    if let Err(e) = write_snapshot(journal, seq, events, payload) {
        tracing::warn!("snapshot at seq {seq} not written: {e}");
    }
}
