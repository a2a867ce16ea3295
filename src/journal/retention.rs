//! Journal retention: which sealed segments a base snapshot (the state as of a segment
//! boundary) makes unneeded, moving them gzip-compressed to an archive or deleting
//! them, and which snapshots must stay for the kept segments to replay.

use super::format::decode_segment_header;
use super::reader::{Journal, segment_name_index};
use super::snapshot::{list_snapshots, read_snapshot, snapshot_dir};
use super::{JournalError, segment_file_name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What happens to sealed segments before the newest base snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Nothing is removed (the journal grows without end).
    #[default]
    Keep,
    /// Moved into the archive directory as `NNNNNNNN.arbj.gz`.
    Archive,
    /// Deleted.
    Delete,
}

impl Policy {
    pub fn parse(s: &str) -> Option<Policy> {
        match s {
            "keep" => Some(Policy::Keep),
            "archive" => Some(Policy::Archive),
            "delete" => Some(Policy::Delete),
            _ => None,
        }
    }
}

/// A retention policy applied to one journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    pub policy: Policy,
    /// Where `Archive` puts segments (`<journal>/archive/` by default).
    pub archive_dir: PathBuf,
    /// Sealed segments kept before the newest base snapshot's segment, at least.
    pub keep_segments: u32,
}

/// The file beside the segments that says what retention removed and where it went.
pub const NOTE_FILE: &str = "retention.json";
/// The archive's default directory, inside the journal directory.
pub const ARCHIVE_DIR: &str = "archive";

/// `<journal>/retention.json`: what the last retention pass left.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Note {
    pub policy: Policy,
    /// Where archived segments are (absent when they were deleted).
    pub archive_dir: Option<PathBuf>,
    /// The journal's first record after the pass; records before it are gone.
    pub first_kept_seq: u64,
    pub first_kept_segment: u32,
}

/// What one retention pass did.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Applied {
    /// Segment indices archived or deleted, oldest first.
    pub removed: Vec<u32>,
    pub bytes: u64,
    /// The first segment kept and its first seq (None: nothing removed).
    pub first_kept: Option<(u32, u64)>,
    /// Snapshots deleted (neither among the newest two nor a kept segment's base).
    pub snapshots_removed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("retention: {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RetentionError + '_ {
    move |source| RetentionError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One segment file and its header's first seq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    pub index: u32,
    pub first_seq: u64,
    pub path: PathBuf,
}

/// The journal's segments whose headers read (a torn, header-less last file is left
/// out), in order.
pub fn segment_infos(journal: &Path) -> Result<Vec<SegmentInfo>, JournalError> {
    let j = Journal::open(journal)?;
    let mut out = Vec::new();
    for (i, path) in j.segments().iter().enumerate() {
        let mut head = [0u8; super::SEGMENT_HEADER_LEN];
        let read = File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
        let last = i + 1 == j.segments().len();
        match read {
            Err(_) if last => break,
            Err(source) => {
                return Err(JournalError::Io {
                    path: path.clone(),
                    source,
                });
            }
            Ok(()) => {}
        }
        let h = decode_segment_header(&head).map_err(|reason| JournalError::BadHeader {
            segment: path.clone(),
            reason,
        })?;
        out.push(SegmentInfo {
            index: h.index,
            first_seq: h.first_seq,
            path: path.clone(),
        });
    }
    Ok(out)
}

/// The seqs a base snapshot of each present segment would carry (its first seq − 1):
/// snapshot pruning keeps these.
pub fn base_seqs(journal: &Path) -> BTreeSet<u64> {
    segment_infos(journal)
        .map(|s| {
            s.iter()
                .filter_map(|s| s.first_seq.checked_sub(1))
                .collect()
        })
        .unwrap_or_default()
}

/// The segments a pass would remove: those before the first kept segment, which is
/// the newest segment with a usable base snapshot that still leaves `keep_segments`
/// sealed segments before the newest base snapshot's segment.
pub fn plan(journal: &Path, keep_segments: u32) -> Result<Vec<SegmentInfo>, JournalError> {
    let segs = segment_infos(journal)?;
    let snaps: BTreeSet<u64> = list_snapshots(journal)
        .unwrap_or_default()
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    // Positions (never the first: nothing before it) whose base snapshot is usable.
    let usable = |p: usize| {
        let seq = segs[p].first_seq - 1;
        snaps.contains(&seq)
            && read_snapshot(&snapshot_dir(journal).join(super::snapshot::snapshot_file_name(seq)))
                .is_ok()
    };
    let Some(newest) = (1..segs.len()).rev().find(|&p| usable(p)) else {
        return Ok(Vec::new());
    };
    let target = newest.saturating_sub(keep_segments as usize);
    let Some(first_kept) = (1..=target).rev().find(|&p| usable(p)) else {
        return Ok(Vec::new());
    };
    Ok(segs[..first_kept].to_vec())
}

/// Applies `r` to the journal: removes the planned segments (archived copies are
/// compressed and fsynced before the segment is deleted), oldest first, then records
/// the note and prunes snapshots no kept segment needs.
pub fn apply(journal: &Path, r: &Retention) -> Result<Applied, RetentionError> {
    let mut applied = Applied::default();
    if r.policy == Policy::Keep {
        return Ok(applied);
    }
    let remove = plan(journal, r.keep_segments)?;
    if remove.is_empty() {
        return Ok(applied);
    }
    if r.policy == Policy::Archive {
        for s in &remove {
            applied.bytes += archive_segment(s, &r.archive_dir)?;
        }
    }
    for s in &remove {
        if r.policy == Policy::Delete {
            applied.bytes += std::fs::metadata(&s.path).map_err(io(&s.path))?.len();
        }
        std::fs::remove_file(&s.path).map_err(io(&s.path))?;
        applied.removed.push(s.index);
    }
    sync_dir(journal)?;
    let kept = segment_infos(journal)?;
    if let Some(first) = kept.first() {
        applied.first_kept = Some((first.index, first.first_seq));
        write_note(
            journal,
            &Note {
                policy: r.policy,
                archive_dir: (r.policy == Policy::Archive).then(|| r.archive_dir.clone()),
                first_kept_seq: first.first_seq,
                first_kept_segment: first.index,
            },
        )?;
    }
    applied.snapshots_removed = prune_snapshots(journal)?;
    Ok(applied)
}

/// Compresses one segment to `<archive_dir>/NNNNNNNN.arbj.gz` (temporary file,
/// fsync, rename, fsync of the directory). Returns the segment's size.
fn archive_segment(s: &SegmentInfo, archive_dir: &Path) -> Result<u64, RetentionError> {
    std::fs::create_dir_all(archive_dir).map_err(io(archive_dir))?;
    let name = format!("{}.gz", segment_file_name(s.index));
    let path = archive_dir.join(&name);
    let tmp = archive_dir.join(format!("{name}.tmp"));
    let mut src = File::open(&s.path).map_err(io(&s.path))?;
    let out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io(&tmp))?;
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let bytes = std::io::copy(&mut src, &mut gz).map_err(io(&s.path))?;
    let out = gz.finish().map_err(io(&tmp))?;
    out.sync_all().map_err(io(&tmp))?;
    drop(out);
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    sync_dir(archive_dir)?;
    Ok(bytes)
}

fn sync_dir(dir: &Path) -> Result<(), RetentionError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn write_note(journal: &Path, note: &Note) -> Result<(), RetentionError> {
    let path = journal.join(NOTE_FILE);
    let tmp = journal.join(format!("{NOTE_FILE}.tmp"));
    let text = serde_json::to_vec_pretty(note).unwrap_or_default();
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(&text)
        .and_then(|()| f.sync_all())
        .map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    sync_dir(journal)
}

/// The journal's retention note, if a pass left one.
pub fn read_note(journal: &Path) -> Option<Note> {
    let text = std::fs::read(journal.join(NOTE_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Where a journal's archived records went, for error messages: `"; archived in
/// DIR"`, `"; deleted"`, or nothing when no retention note says.
pub fn archive_note(journal: &Path) -> String {
    match read_note(journal) {
        Some(Note {
            archive_dir: Some(d),
            ..
        }) => format!("; archived in {}", d.display()),
        Some(_) => "; deleted by the retention policy".into(),
        None => String::new(),
    }
}

/// Deletes the snapshots that are neither among the newest `SNAPSHOTS_KEPT` nor the
/// base of a segment still in the journal. Returns how many went.
pub fn prune_snapshots(journal: &Path) -> Result<usize, RetentionError> {
    let bases = base_seqs(journal);
    let mut removed = 0;
    let list = list_snapshots(journal).map_err(|e| RetentionError::Io {
        path: snapshot_dir(journal),
        source: std::io::Error::other(e.to_string()),
    })?;
    for (seq, path) in list.iter().skip(super::snapshot::SNAPSHOTS_KEPT) {
        if bases.contains(seq) {
            continue;
        }
        match std::fs::remove_file(path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path)(e)),
        }
    }
    Ok(removed)
}

/// An archived segment's bytes (for tools and tests): the gzip file decompressed.
pub fn read_archived(archive_dir: &Path, index: u32) -> Result<Vec<u8>, RetentionError> {
    let path = archive_dir.join(format!("{}.gz", segment_file_name(index)));
    let f = File::open(&path).map_err(io(&path))?;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(f), &mut out)
        .map_err(io(&path))?;
    Ok(out)
}

/// The index in an archived segment's file name (`NNNNNNNN.arbj.gz`).
pub fn archived_index(name: &str) -> Option<u32> {
    segment_name_index(name.strip_suffix(".gz")?)
}
