//! The live core thread's snapshots and journal retention: a snapshot every N events,
//! a base snapshot at each segment boundary and one at a clean stop, written on a
//! thread of their own; after each base snapshot, the retention policy applied on a
//! third thread (compressing a segment never stalls the core or the snapshots).

use super::restart::encode_payload;
use crate::journal::JournalError;
use crate::journal::retention::{self, Policy, Retention};
use crate::journal::snapshot::write_snapshot;
use crate::run::CoreLoop;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

/// A snapshot to write: its seq, event count, payload, and whether it is a base (at
/// a segment boundary: retention runs after it).
struct Job {
    seq: u64,
    events: u64,
    payload: Vec<u8>,
    base: bool,
}

/// Writes snapshots for the live core thread: every `every` events (0: never), at
/// each segment boundary (a base snapshot, when snapshots or retention are on) and at
/// a clean stop, each after the journal is synced up to the records it includes. The
/// state is encoded on the core thread; the file is written on a thread of its own.
pub struct Snapshotter {
    journal: PathBuf,
    every: u64,
    next_at: u64,
    bases: bool,
    retention: Option<Retention>,
    tx: Option<SyncSender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Snapshotter {
    /// Without retention (`None` or `Policy::Keep`) nothing is ever removed.
    pub fn new(
        journal: &Path,
        every: u64,
        events_now: u64,
        retention: Option<Retention>,
    ) -> Snapshotter {
        let retention = retention.filter(|r| r.policy != Policy::Keep);
        let mut threads = Vec::new();
        // Retention's thread: woken after each base snapshot (a wake-up while a pass
        // runs is kept, more are merged: a pass looks at the whole directory).
        let wake = retention.clone().and_then(|r| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
            let dir = journal.to_path_buf();
            let spawned = std::thread::Builder::new()
                .name("arb-retention".into())
                .spawn(move || retention_loop(&dir, &r, rx));
            match spawned {
                Ok(t) => {
                    threads.push(t);
                    Some(tx)
                }
                Err(e) => {
                    tracing::warn!("no retention thread ({e}): the journal is not pruned");
                    None
                }
            }
        });
        if let Some(w) = &wake {
            // A restart applies the policy to what the last run left.
            let _ = w.try_send(());
        }
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(2);
        let dir = journal.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("arb-snapshot".into())
            .spawn(move || {
                for job in rx {
                    let written = write_logged(&dir, job.seq, job.events, &job.payload);
                    if let (true, true, Some(w)) = (written, job.base, &wake)
                        && let Err(TrySendError::Disconnected(())) = w.try_send(())
                    {
                        tracing::warn!("retention thread gone: the journal is not pruned");
                    }
                }
            });
        let tx = match spawned {
            Ok(t) => {
                threads.push(t);
                Some(tx)
            }
            Err(e) => {
                tracing::warn!("no snapshot thread ({e}): snapshots are written inline");
                None
            }
        };
        Snapshotter {
            journal: journal.to_path_buf(),
            every,
            next_at: next_multiple(events_now, every),
            bases: every != 0 || retention.is_some(),
            retention,
            tx,
            threads,
        }
    }

    /// After a core step: a base snapshot if the step's commit sealed a segment, and
    /// one once the reducer's event count reaches the next multiple of `every`.
    pub fn after_step(&mut self, core: &mut CoreLoop) -> Result<(), JournalError> {
        // A seal is a boundary only if nothing was appended since (a step seals at
        // its commit; a seal during start-up, before this ran, is not one any more).
        let base =
            core.writer.take_sealed().is_some() && core.writer.at_segment_start() && self.bases;
        let events = core.reducer.stats().events;
        let periodic = self.every != 0 && events >= self.next_at;
        if periodic {
            self.next_at = next_multiple(events, self.every);
        }
        if base || periodic {
            self.take(core, base)?;
        }
        Ok(())
    }

    /// At a clean stop: a last snapshot, written before this returns (and a
    /// retention pass that had begun, finished).
    pub fn finish(mut self, core: &mut CoreLoop) -> Result<(), JournalError> {
        if self.every != 0 {
            self.take(core, false)?;
        }
        drop(self.tx.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        Ok(())
    }

    fn take(&mut self, core: &mut CoreLoop, base: bool) -> Result<(), JournalError> {
        // Never ahead of durable journal data.
        core.writer.sync()?;
        let seq = core.writer.next_seq().saturating_sub(1);
        core.forget_terminal_orders();
        let payload = encode_payload(&core.reducer, &core.decided_ms);
        let events = core.reducer.stats().events;
        let job = Job {
            seq,
            events,
            payload,
            base,
        };
        match &self.tx {
            Some(tx) => {
                if tx.send(job).is_err() {
                    tracing::warn!("snapshot thread gone: snapshot at seq {seq} skipped");
                }
            }
            None => {
                let written = write_logged(&self.journal, seq, events, &job.payload);
                if let (true, true, Some(r)) = (written, base, &self.retention) {
                    apply_logged(&self.journal, r);
                }
            }
        }
        Ok(())
    }
}

fn retention_loop(journal: &Path, r: &Retention, wake: Receiver<()>) {
    for () in wake {
        apply_logged(journal, r);
    }
}

/// Retention failing is logged, never fatal: the journal is only kept longer.
fn apply_logged(journal: &Path, r: &Retention) {
    match retention::apply(journal, r) {
        Ok(a) if !a.removed.is_empty() => tracing::info!(
            "retention ({:?}): segments {:?} ({} bytes) removed; the journal starts at {:?}",
            r.policy,
            a.removed,
            a.bytes,
            a.first_kept
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!("retention pass failed (nothing more removed): {e}"),
    }
}

fn next_multiple(events: u64, every: u64) -> u64 {
    match events.checked_div(every) {
        Some(n) => (n + 1).saturating_mul(every),
        None => u64::MAX, // every == 0: never
    }
}

/// A snapshot is a cache: failing to write one is logged, never fatal.
fn write_logged(journal: &Path, seq: u64, events: u64, payload: &[u8]) -> bool {
    match write_snapshot(journal, seq, events, payload) {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!("snapshot at seq {seq} not written: {e}");
            false
        }
    }
}
