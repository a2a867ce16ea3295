//! Reading a bundle back and replaying it: restore the snapshot, re-apply the slice's
//! events, compare every decision with the recorded one, and check the end state
//! against the hash the bundle recorded from the source journal.

use super::{BundleError, Manifest, section};
use crate::journal::snapshot::decode_snapshot;
use crate::journal::{JournalError, scan_segment_bytes};
use crate::run::live::restart::decode_payload;
use crate::run::replay::{ReplaySummary, Replayer};
use serde::Serialize;
use std::path::Path;

/// What a bundle replay adds to the replay summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BundleCheck {
    pub first_seq: u64,
    pub last_seq: u64,
    pub start_state_hash: String,
    /// The state hash the source journal reached after `last_seq`.
    pub expected_end_state_hash: String,
    /// Whether the replay ended in that state.
    pub end_state_matches: bool,
}

/// A bundle read and verified: its manifest and the sections a replay needs.
pub struct Bundle {
    pub manifest: Manifest,
    pub sections: Vec<super::Section>,
}

/// Reads and verifies the bundle at `path`. Every failure names the file.
pub fn read(path: &Path) -> Result<Bundle, BundleError> {
    let bytes = std::fs::read(path).map_err(|source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &bytes)
}

/// `read` on bytes already in memory (`path` names them in errors). Never panics.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Bundle, BundleError> {
    let bad = |reason: String| BundleError::Bad {
        path: path.to_path_buf(),
        reason,
    };
    let sections = super::decode(bytes).map_err(bad)?;
    let manifest: Manifest =
        serde_json::from_slice(section(&sections, super::MANIFEST).map_err(bad)?)
            .map_err(|e| bad(format!("{}: {e}", super::MANIFEST)))?;
    if manifest.bundle_version != super::BUNDLE_VERSION {
        return Err(bad(format!(
            "manifest says bundle version {}, the container {}",
            manifest.bundle_version,
            super::BUNDLE_VERSION
        )));
    }
    for name in [super::SNAPSHOT, super::JOURNAL] {
        section(&sections, name).map_err(bad)?;
    }
    Ok(Bundle { manifest, sections })
}

/// Replays the bundle at `path`. Damage is an error; divergence is counted in the
/// summary (`mismatches`, `bundle.end_state_matches`).
pub fn replay_bundle(path: &Path) -> Result<ReplaySummary, BundleError> {
    let b = read(path)?;
    let bad = |reason: String| BundleError::Bad {
        path: path.to_path_buf(),
        reason,
    };
    let m = &b.manifest;
    let snap = section(&b.sections, super::SNAPSHOT).map_err(bad)?;
    let (header, payload) =
        decode_snapshot(snap).map_err(|e| bad(format!("{}: {e}", super::SNAPSHOT)))?;
    if header.last_seq.checked_add(1) != Some(m.first_seq) {
        return Err(bad(format!(
            "the snapshot is of seq {} but the slice starts at seq {}",
            header.last_seq, m.first_seq
        )));
    }
    let (reducer, _) =
        decode_payload(payload).map_err(|e| bad(format!("{}: {e}", super::SNAPSHOT)))?;
    let start_hash = format!("{:016x}", reducer.state_hash());
    if start_hash != m.start_state_hash {
        return Err(bad(format!(
            "the snapshot's state hash {start_hash} is not the manifest's {}",
            m.start_state_hash
        )));
    }
    let mut replayer = Replayer::new(reducer);
    let name = path.join(super::JOURNAL);
    let slice = section(&b.sections, super::JOURNAL).map_err(bad)?;
    let mut first = None;
    let read = scan_segment_bytes(&name, slice, |r| -> Result<(), JournalError> {
        first.get_or_insert(r.seq);
        replayer.visit(r)
    })
    .map_err(|e| bad(format!("{}: {e}", super::JOURNAL)))?;
    if read.torn_tail.is_some() || first != Some(m.first_seq) || read.last_seq != Some(m.last_seq) {
        return Err(bad(format!(
            "the slice holds seqs {first:?}..{:?}{}, the manifest says {}..{}",
            read.last_seq,
            if read.torn_tail.is_some() {
                " and a torn tail"
            } else {
                ""
            },
            m.first_seq,
            m.last_seq
        )));
    }
    let (mut summary, _) = replayer.finish(path, read);
    summary.bundle = Some(BundleCheck {
        first_seq: m.first_seq,
        last_seq: m.last_seq,
        start_state_hash: m.start_state_hash.clone(),
        expected_end_state_hash: m.end_state_hash.clone(),
        end_state_matches: summary.state_hash == m.end_state_hash,
    });
    Ok(summary)
}
