//! The journal: append-only segment files of checksummed, sequenced records. It is the
//! product's memory and the only way anything enters the reducer. The byte format is
//! specified in `journal_format/SPEC.md`; this module is its reference implementation.

mod codec;
mod format;
mod reader;
pub mod retention;
pub mod snapshot;
mod writer;

pub use codec::{decode_decision, decode_event, encode_decision, encode_event};
pub use format::{
    FORMAT_VERSION, FRAME_HEADER_LEN, MAX_PAYLOAD_LEN, RecordKind, SEGMENT_HEADER_LEN,
    SEGMENT_MAGIC, encode_frame, segment_file_name,
};
pub use reader::{
    Journal, ReadSummary, Record, RecordBody, RecordRef, TornTail, scan_segment_bytes,
    segment_name_index, verify_segment_bytes,
};
pub use writer::{JournalWriter, SyncMode, WriterOptions, WriterStats};

use std::path::PathBuf;

/// Everything that can go wrong reading or writing a journal. Each names where.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal {dir}: no segment files (*.arbj) found")]
    Empty { dir: PathBuf },
    #[error("journal segment {segment}: bad header: {reason}")]
    BadHeader { segment: PathBuf, reason: String },
    #[error("journal segment {segment} offset {offset}: corrupt record: {reason}")]
    Corrupt {
        segment: PathBuf,
        offset: u64,
        reason: String,
    },
    #[error(
        "journal segment {segment} offset {offset} (seq {seq}): cannot decode {kind} payload: {reason}"
    )]
    Decode {
        segment: PathBuf,
        offset: u64,
        seq: u64,
        kind: &'static str,
        reason: String,
    },
    #[error("journal: cannot encode record: {0}")]
    Encode(String),
    #[error(
        "journal {dir} starts at seq {first_seq} (records 1..={} removed by its retention \
         policy{archive}); replaying it needs the base snapshot {snapshot}: {reason}",
        first_seq.saturating_sub(1)
    )]
    NoBaseSnapshot {
        dir: PathBuf,
        archive: String,
        first_seq: u64,
        snapshot: PathBuf,
        reason: String,
    },
    #[error(
        "journal {dir}: records 1..={} are not in it (removed by its retention policy{archive}): \
         its first segment {segment} starts at seq {first_seq}, and seq {needed} is needed",
        first_seq.saturating_sub(1)
    )]
    Archived {
        dir: PathBuf,
        /// Where they went, as the journal's retention note says (`"; archived in
        /// DIR"`), or empty.
        archive: String,
        segment: PathBuf,
        first_seq: u64,
        needed: u64,
    },
}

/// The header of a fresh first segment whose first record is `first_seq` (for tools and
/// fuzzing that build segments in memory).
pub fn valid_segment_header(first_seq: u64) -> [u8; SEGMENT_HEADER_LEN] {
    format::encode_segment_header(&format::SegmentHeader {
        version: FORMAT_VERSION,
        index: 0,
        first_seq,
    })
}
