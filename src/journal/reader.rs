//! Reading a journal: every frame verified (length, checksum, sequence, kind), a torn
//! tail in the last segment detected and cut off, corruption anywhere else an error
//! naming the segment and byte offset.

use super::JournalError;
use super::codec::{decode_decision, decode_event};
use super::format::{
    FRAME_HEADER_LEN, KIND_VERSION, MAX_PAYLOAD_LEN, RecordKind, SEGMENT_HEADER_LEN,
    decode_segment_header, read_frame_header,
};
use crate::event::{Decision, Event};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A journal directory opened for reading.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
    segments: Vec<PathBuf>,
    /// The index of the first segment file (its name's number): 0 unless retention
    /// archived or deleted the segments before it.
    first_index: u32,
}

/// A half-written record at the end of the last segment, left by a crash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TornTail {
    pub segment: PathBuf,
    /// Byte offset in the segment where the torn record starts.
    pub offset: u64,
    /// Bytes from there to the end of the file.
    pub bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub records: u64,
    pub last_seq: Option<u64>,
    pub torn_tail: Option<TornTail>,
}

/// A verified record borrowed from a segment buffer.
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'a> {
    pub segment: &'a Path,
    pub offset: u64,
    pub seq: u64,
    pub ts: i64,
    pub kind: RecordKind,
    pub payload: &'a [u8],
}

impl RecordRef<'_> {
    fn decode_error(&self, reason: String) -> JournalError {
        JournalError::Decode {
            segment: self.segment.to_path_buf(),
            offset: self.offset,
            seq: self.seq,
            kind: self.kind.name(),
            reason,
        }
    }

    pub fn event(&self) -> Result<Event, JournalError> {
        decode_event(self.payload).map_err(|e| self.decode_error(e))
    }

    pub fn decision(&self) -> Result<Decision, JournalError> {
        decode_decision(self.payload).map_err(|e| self.decode_error(e))
    }

    pub fn to_owned(&self) -> Result<Record, JournalError> {
        let body = match self.kind {
            RecordKind::Event => RecordBody::Event(self.event()?),
            RecordKind::Decision => RecordBody::Decision(self.decision()?),
        };
        Ok(Record {
            seq: self.seq,
            ts: self.ts,
            body,
        })
    }
}

/// A decoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub seq: u64,
    pub ts: i64,
    pub body: RecordBody,
}

impl Record {
    /// One JSON object: `{"seq", "ts", "kind", "body"}`, the body in serde's external
    /// tagging (`{"Variant": {...}}`). `arb inspect` prints these, one per line.
    pub fn to_json(&self) -> serde_json::Value {
        let (kind, body) = match &self.body {
            RecordBody::Event(e) => ("event", serde_json::to_value(e)),
            RecordBody::Decision(d) => ("decision", serde_json::to_value(d)),
        };
        serde_json::json!({
            "seq": self.seq,
            "ts": self.ts,
            "kind": kind,
            "body": body.unwrap_or(serde_json::Value::Null),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordBody {
    Event(Event),
    Decision(Decision),
}

impl Journal {
    /// Opens a journal directory: its `*.arbj` files in name order.
    pub fn open(dir: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut segments = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "arbj") {
                segments.push(path);
            }
        }
        segments.sort();
        if segments.is_empty() {
            return Err(JournalError::Empty {
                dir: dir.to_path_buf(),
            });
        }
        let first_index = segments[0]
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(segment_name_index)
            .unwrap_or(0);
        Ok(Journal {
            dir: dir.to_path_buf(),
            segments,
            first_index,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn segments(&self) -> &[PathBuf] {
        &self.segments
    }

    /// The segment index of `segments()[position]` (the first file's number, plus
    /// the position: segments are consecutive).
    pub fn segment_index(&self, position: usize) -> u32 {
        self.first_index.saturating_add(position as u32)
    }

    /// The seq of the journal's first record as its first segment's header says (1
    /// for a complete journal; more once retention removed the segments before it).
    /// None when that segment has no readable header (a torn, header-less file).
    pub fn first_seq(&self) -> Result<Option<u64>, JournalError> {
        let path = &self.segments[0];
        let head = read_head(path)?;
        Ok(decode_segment_header(&head).ok().map(|h| h.first_seq))
    }

    /// Visits every verified record in order, from seq 1: a journal whose first
    /// records were archived (`first_seq() > 1`) is refused with
    /// `JournalError::Archived`. Stops at the first error (from the journal or from
    /// `visit`).
    pub fn scan<E: From<JournalError>>(
        &self,
        visit: impl FnMut(RecordRef<'_>) -> Result<(), E>,
    ) -> Result<ReadSummary, E> {
        self.scan_segments(0, Some(1), visit)
    }

    /// Visits every verified record the journal still holds, in order, wherever it
    /// starts (after retention, past seq 1): for readers that need no state from
    /// before (verification, inspection) or restore it from a snapshot.
    pub fn scan_kept<E: From<JournalError>>(
        &self,
        visit: impl FnMut(RecordRef<'_>) -> Result<(), E>,
    ) -> Result<ReadSummary, E> {
        self.scan_segments(0, None, visit)
    }

    /// Visits the verified records after `after_seq`, in order, without reading the
    /// segments that end at or before it (only their headers). The summary's
    /// `last_seq` is the journal's last good record, as with `scan`; `records` counts
    /// the records read, skipped segments excluded. A journal that starts after
    /// `after_seq + 1` (archived records) is refused with `JournalError::Archived`.
    pub fn scan_from<E: From<JournalError>>(
        &self,
        after_seq: u64,
        mut visit: impl FnMut(RecordRef<'_>) -> Result<(), E>,
    ) -> Result<ReadSummary, E> {
        let mut start = 0;
        for (i, path) in self.segments.iter().enumerate().skip(1) {
            let head = read_head(path)?;
            if head.len() < SEGMENT_HEADER_LEN && i + 1 == self.segments.len() {
                break; // a torn last segment: the full scan of the one before reports it
            }
            let header =
                decode_segment_header(&head).map_err(|reason| JournalError::BadHeader {
                    segment: path.clone(),
                    reason,
                })?;
            if header.first_seq > after_seq.saturating_add(1) {
                break; // the segment before holds records after `after_seq`
            }
            start = i;
        }
        let needed = (start == 0).then(|| after_seq.saturating_add(1));
        self.scan_segments(start, needed, |r| {
            if r.seq > after_seq { visit(r) } else { Ok(()) }
        })
    }

    /// Scans from the segment at position `start`. With `needed`, the journal's first
    /// segment (`start` is 0) must hold that seq or an earlier one.
    fn scan_segments<E: From<JournalError>>(
        &self,
        start: usize,
        needed: Option<u64>,
        mut visit: impl FnMut(RecordRef<'_>) -> Result<(), E>,
    ) -> Result<ReadSummary, E> {
        let mut summary = ReadSummary::default();
        let mut next_seq: Option<u64> = None;
        // One buffer for every segment: its pages are faulted in once, not per segment.
        let mut bytes = Vec::new();
        for (i, path) in self.segments.iter().enumerate().skip(start) {
            let io = |source| JournalError::Io {
                path: path.clone(),
                source,
            };
            bytes.clear();
            std::fs::File::open(path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(io)?;
            if let (Some(needed), Ok(h)) = (needed, decode_segment_header(&bytes))
                && i == 0
                && h.first_seq > needed
            {
                return Err(JournalError::Archived {
                    dir: self.dir.clone(),
                    archive: super::retention::archive_note(&self.dir),
                    segment: path.clone(),
                    first_seq: h.first_seq,
                    needed,
                }
                .into());
            }
            let is_last = i + 1 == self.segments.len();
            let torn = scan_segment(
                path,
                self.segment_index(i),
                &bytes,
                is_last,
                &mut next_seq,
                &mut summary,
                &mut visit,
            )?;
            if let Some(t) = torn {
                summary.torn_tail = Some(t);
            }
        }
        summary.last_seq = next_seq.map(|n| n - 1);
        Ok(summary)
    }

    /// Reads and decodes every record (from seq 1, as `scan`).
    pub fn read_all(&self) -> Result<(Vec<Record>, ReadSummary), JournalError> {
        let mut records = Vec::new();
        let summary = self.scan(|r| -> Result<(), JournalError> {
            records.push(r.to_owned()?);
            Ok(())
        })?;
        Ok((records, summary))
    }
}

/// The number in a segment file's name `NNNNNNNN.arbj`, if it is one.
pub fn segment_name_index(name: &str) -> Option<u32> {
    let digits = name.strip_suffix(".arbj")?;
    (digits.len() == 8 && digits.bytes().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The first bytes of a file, up to a segment header's length.
fn read_head(path: &Path) -> Result<Vec<u8>, JournalError> {
    let mut head = Vec::with_capacity(SEGMENT_HEADER_LEN);
    std::fs::File::open(path)
        .and_then(|f| f.take(SEGMENT_HEADER_LEN as u64).read_to_end(&mut head))
        .map_err(|source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(head)
}

/// Visits the verified records of one segment held in memory, as if it were the only
/// (and so the last) segment of a journal named `name` in errors: a bundle's journal
/// slice. A torn tail is reported in the summary, never visited.
pub fn scan_segment_bytes<E: From<JournalError>>(
    name: &Path,
    bytes: &[u8],
    mut visit: impl FnMut(RecordRef<'_>) -> Result<(), E>,
) -> Result<ReadSummary, E> {
    let mut summary = ReadSummary::default();
    let mut next_seq = None;
    let torn = scan_segment(
        name,
        0,
        bytes,
        true,
        &mut next_seq,
        &mut summary,
        &mut visit,
    )?;
    summary.torn_tail = torn;
    summary.last_seq = next_seq.map(|n| n - 1);
    Ok(summary)
}

/// Verifies one segment's bytes as if it were the last segment of a journal and
/// decodes every payload; returns the number of good records and any torn tail. For
/// fuzzing and tools: it never panics on any input.
pub fn verify_segment_bytes(bytes: &[u8]) -> Result<(u64, Option<TornTail>), JournalError> {
    let mut summary = ReadSummary::default();
    let mut next_seq = None;
    let path = Path::new("<bytes>");
    let torn = scan_segment(
        path,
        0,
        bytes,
        true,
        &mut next_seq,
        &mut summary,
        &mut |r: RecordRef<'_>| r.to_owned().map(|_| ()),
    )?;
    Ok((summary.records, torn))
}

fn scan_segment<E: From<JournalError>>(
    path: &Path,
    expected_index: u32,
    bytes: &[u8],
    is_last: bool,
    next_seq: &mut Option<u64>,
    summary: &mut ReadSummary,
    visit: &mut impl FnMut(RecordRef<'_>) -> Result<(), E>,
) -> Result<Option<TornTail>, E> {
    let torn_at = |offset: usize| TornTail {
        segment: path.to_path_buf(),
        offset: offset as u64,
        bytes: (bytes.len() - offset) as u64,
    };
    if bytes.len() < SEGMENT_HEADER_LEN && is_last {
        // Crash while the header itself was being written.
        return Ok(Some(torn_at(0)));
    }
    let header = decode_segment_header(bytes).map_err(|reason| JournalError::BadHeader {
        segment: path.to_path_buf(),
        reason,
    })?;
    if header.index != expected_index {
        return Err(JournalError::BadHeader {
            segment: path.to_path_buf(),
            reason: format!(
                "segment index {} where segment {expected_index} was expected (segments \
                 are consecutive from the first file's number; one is missing, misnamed \
                 or out of place)",
                header.index
            ),
        }
        .into());
    }
    match *next_seq {
        None => *next_seq = Some(header.first_seq),
        Some(n) if n != header.first_seq => {
            return Err(JournalError::BadHeader {
                segment: path.to_path_buf(),
                reason: format!(
                    "first sequence number {} but the previous segment ended before {n}",
                    header.first_seq
                ),
            }
            .into());
        }
        Some(_) => {}
    }

    let mut off = SEGMENT_HEADER_LEN;
    while off < bytes.len() {
        match check_frame(bytes, off, next_seq.unwrap_or(0)) {
            Ok((frame_len, seq, ts, kind)) => {
                let payload = &bytes[off + FRAME_HEADER_LEN..off + frame_len];
                visit(RecordRef {
                    segment: path,
                    offset: off as u64,
                    seq,
                    ts,
                    kind,
                    payload,
                })?;
                summary.records += 1;
                *next_seq = Some(seq + 1);
                off += frame_len;
            }
            Err(fault) => {
                if is_last && fault.may_be_torn(bytes, off) {
                    return Ok(Some(torn_at(off)));
                }
                return Err(JournalError::Corrupt {
                    segment: path.to_path_buf(),
                    offset: off as u64,
                    reason: fault.reason,
                }
                .into());
            }
        }
    }
    Ok(None)
}

struct FrameFault {
    reason: String,
    /// The frame claims to run past the end of the file (or its header does).
    past_eof: bool,
    /// The frame ends exactly at the end of the file.
    ends_at_eof: bool,
}

impl FrameFault {
    /// The recovery decision: in the last segment, a bad frame that reaches the end of
    /// the file, or a tail of zeros (pre-extended file), is a crash's torn write. A bad
    /// frame followed by more data is corruption.
    fn may_be_torn(&self, bytes: &[u8], off: usize) -> bool {
        self.past_eof || self.ends_at_eof || bytes[off..].iter().all(|&b| b == 0)
    }
}

fn check_frame(
    bytes: &[u8],
    off: usize,
    expected_seq: u64,
) -> Result<(usize, u64, i64, RecordKind), FrameFault> {
    let rest = &bytes[off..];
    let fault = |reason: String, past_eof: bool, ends_at_eof: bool| FrameFault {
        reason,
        past_eof,
        ends_at_eof,
    };
    let Some(h) = read_frame_header(rest) else {
        return Err(fault(
            format!("{} bytes left, shorter than a frame header", rest.len()),
            true,
            false,
        ));
    };
    if h.payload_len > MAX_PAYLOAD_LEN {
        let past = FRAME_HEADER_LEN as u64 + u64::from(h.payload_len) > rest.len() as u64;
        return Err(fault(
            format!(
                "payload length {} exceeds the maximum {MAX_PAYLOAD_LEN}",
                h.payload_len
            ),
            past,
            false,
        ));
    }
    let frame_len = FRAME_HEADER_LEN + h.payload_len as usize;
    if frame_len > rest.len() {
        return Err(fault(
            format!(
                "frame of {frame_len} bytes runs past the end of the file ({} bytes left)",
                rest.len()
            ),
            true,
            false,
        ));
    }
    let ends_at_eof = frame_len == rest.len();
    let crc = crc32c::crc32c(&rest[8..frame_len]);
    if crc != h.crc {
        return Err(fault(
            format!(
                "checksum mismatch (stored {:08x}, computed {crc:08x})",
                h.crc
            ),
            false,
            ends_at_eof,
        ));
    }
    let Some(kind) = RecordKind::from_u16(h.kind) else {
        return Err(fault(
            format!("unknown record kind {}", h.kind),
            false,
            false,
        ));
    };
    if h.kind_version != KIND_VERSION {
        return Err(fault(
            format!(
                "{} payload version {} (this build reads {KIND_VERSION})",
                kind.name(),
                h.kind_version
            ),
            false,
            false,
        ));
    }
    if h.seq != expected_seq {
        return Err(fault(
            format!(
                "sequence number {} where {expected_seq} was expected",
                h.seq
            ),
            false,
            false,
        ));
    }
    Ok((frame_len, h.seq, h.ts, kind))
}
