//! Appending to a journal, with group commit: market data is batched, and a record
//! that must be durable (an order intent) is synced before `commit` returns, so
//! nothing leaves the process before its intent is on disk. Segments are sealed only
//! at commit points (after an event and its decisions), so each one ends on a step.

use super::JournalError;
use super::codec::{encode_decision, encode_event};
use super::format::{
    FORMAT_VERSION, RecordKind, SEGMENT_HEADER_LEN, SegmentHeader, decode_segment_header,
    encode_frame, encode_segment_header, segment_file_name,
};
use super::reader::{Journal, TornTail};
use crate::event::{Decision, Event};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether `sync` reaches the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// fdatasync on every sync point: live trading.
    Fsync,
    /// Hand bytes to the OS only: simulations whose orders never leave the process.
    OsBuffered,
}

#[derive(Clone, Copy, Debug)]
pub struct WriterOptions {
    /// A segment is sealed, and a new one started, at the first commit point (or
    /// event) once it has reached this size.
    pub segment_bytes: u64,
    pub sync: SyncMode,
    /// Market data is synced at least every this many records.
    pub batch_records: u32,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            segment_bytes: 64 << 20,
            sync: SyncMode::Fsync,
            batch_records: 4096,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub records: u64,
    pub bytes: u64,
    /// Sync points reached (fdatasync calls in `Fsync` mode).
    pub syncs: u64,
    pub segments: u32,
}

pub struct JournalWriter {
    dir: PathBuf,
    file: File,
    segment_path: PathBuf,
    segment_index: u32,
    segment_len: u64,
    next_seq: u64,
    buf: Vec<u8>,
    scratch: Vec<u8>,
    unsynced: u32,
    durable_pending: bool,
    opts: WriterOptions,
    stats: WriterStats,
    recovered_tail: Option<TornTail>,
    /// The last seq of the segment sealed at the last commit, until taken.
    sealed: Option<u64>,
}

/// The format version in a segment's header (already verified by the scan).
fn segment_version(path: &Path) -> Result<u16, JournalError> {
    let mut header = [0u8; SEGMENT_HEADER_LEN];
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    std::io::Read::read_exact(&mut f, &mut header).map_err(io_err(path))?;
    decode_segment_header(&header)
        .map(|h| h.version)
        .map_err(|reason| JournalError::BadHeader {
            segment: path.to_path_buf(),
            reason,
        })
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl JournalWriter {
    /// Creates a new journal in `dir` (created if missing). Refuses a directory that
    /// already holds segments: use `open` to continue one.
    pub fn create(dir: &Path, opts: WriterOptions) -> Result<JournalWriter, JournalError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        if Journal::open(dir).is_ok() {
            return Err(JournalError::BadHeader {
                segment: dir.to_path_buf(),
                reason: "directory already holds a journal; refusing to overwrite it".into(),
            });
        }
        Self::start_segment(dir, 0, 1, opts, WriterStats::default(), None)
    }

    /// Opens a journal to continue it (creating it if absent): verifies every record,
    /// cuts off a torn tail, and appends after the last good record.
    pub fn open(dir: &Path, opts: WriterOptions) -> Result<JournalWriter, JournalError> {
        Self::open_verifying(dir, opts, true)
    }

    /// Like `open`, but verifies only the last segment (the one a crash can tear; the
    /// sealed ones are read by whoever replays them): a restart from a snapshot opens
    /// the journal without reading all of it.
    pub fn open_at_end(dir: &Path, opts: WriterOptions) -> Result<JournalWriter, JournalError> {
        Self::open_verifying(dir, opts, false)
    }

    fn open_verifying(
        dir: &Path,
        opts: WriterOptions,
        every_segment: bool,
    ) -> Result<JournalWriter, JournalError> {
        let journal = match Journal::open(dir) {
            Ok(j) => j,
            Err(JournalError::Empty { .. }) => return Self::create(dir, opts),
            Err(JournalError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Self::create(dir, opts);
            }
            Err(e) => return Err(e),
        };
        let summary = if every_segment {
            journal.scan_kept(|_| Ok::<(), JournalError>(()))?
        } else {
            journal.scan_from(u64::MAX, |_| Ok::<(), JournalError>(()))?
        };
        let last = journal.segments().len() - 1;
        let last_index = journal.segment_index(last);
        let path = journal.segments()[last].clone();
        let next_seq = summary.last_seq.map_or(1, |s| s + 1);
        if let Some(t) = &summary.torn_tail {
            if t.offset < SEGMENT_HEADER_LEN as u64 {
                // The header itself is torn: the segment never held a record.
                std::fs::remove_file(&path).map_err(io_err(&path))?;
                return Self::start_segment(
                    dir,
                    last_index,
                    next_seq,
                    opts,
                    WriterStats::default(),
                    summary.torn_tail.clone(),
                );
            }
            let f = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(io_err(&path))?;
            f.set_len(t.offset).map_err(io_err(&path))?;
            f.sync_all().map_err(io_err(&path))?;
        }
        if segment_version(&path)? < FORMAT_VERSION {
            // Segments never mix versions: what this build writes goes into a new one.
            let stats = WriterStats::default();
            return Self::start_segment(
                dir,
                last_index + 1,
                next_seq,
                opts,
                stats,
                summary.torn_tail,
            );
        }
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let segment_len = file.metadata().map_err(io_err(&path))?.len();
        Ok(JournalWriter {
            dir: dir.to_path_buf(),
            file,
            segment_path: path,
            segment_index: last_index,
            segment_len,
            next_seq,
            buf: Vec::with_capacity(1 << 16),
            scratch: Vec::with_capacity(256),
            unsynced: 0,
            durable_pending: false,
            opts,
            stats: WriterStats {
                segments: 1,
                ..WriterStats::default()
            },
            recovered_tail: summary.torn_tail,
            sealed: None,
        })
    }

    fn start_segment(
        dir: &Path,
        index: u32,
        first_seq: u64,
        opts: WriterOptions,
        mut stats: WriterStats,
        recovered_tail: Option<TornTail>,
    ) -> Result<JournalWriter, JournalError> {
        let path = dir.join(segment_file_name(index));
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let header = encode_segment_header(&SegmentHeader {
            version: FORMAT_VERSION,
            index,
            first_seq,
        });
        file.write_all(&header).map_err(io_err(&path))?;
        if opts.sync == SyncMode::Fsync {
            file.sync_all().map_err(io_err(&path))?;
            // Make the new directory entry durable too.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io_err(dir))?;
        }
        stats.segments += 1;
        Ok(JournalWriter {
            dir: dir.to_path_buf(),
            file,
            segment_path: path,
            segment_index: index,
            segment_len: SEGMENT_HEADER_LEN as u64,
            next_seq: first_seq,
            buf: Vec::with_capacity(1 << 16),
            scratch: Vec::with_capacity(256),
            unsynced: 0,
            durable_pending: false,
            opts,
            stats,
            recovered_tail,
            sealed: None,
        })
    }

    /// The torn tail cut off when this writer opened the journal, if any.
    pub fn recovered_tail(&self) -> Option<&TornTail> {
        self.recovered_tail.as_ref()
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn stats(&self) -> WriterStats {
        self.stats
    }

    /// The index of the segment being written.
    pub fn segment_index(&self) -> u32 {
        self.segment_index
    }

    /// The last seq of the segment the last commit sealed (the state after that
    /// commit is the state as of a segment boundary), once: taking it clears it.
    pub fn take_sealed(&mut self) -> Option<u64> {
        self.sealed.take()
    }

    /// True when the segment being written holds no record yet (the writer is at a
    /// segment boundary: the journal's records so far are all in sealed segments).
    pub fn at_segment_start(&self) -> bool {
        self.segment_len == SEGMENT_HEADER_LEN as u64
    }

    pub fn append_event(&mut self, ts: i64, event: &Event) -> Result<u64, JournalError> {
        if self.segment_full() {
            // A writer whose caller never commits still seals between steps.
            self.roll_segment()?;
        }
        self.scratch.clear();
        encode_event(event, &mut self.scratch).map_err(JournalError::Encode)?;
        self.append_payload(ts, RecordKind::Event)
    }

    pub fn append_decision(&mut self, ts: i64, decision: &Decision) -> Result<u64, JournalError> {
        self.scratch.clear();
        encode_decision(decision, &mut self.scratch).map_err(JournalError::Encode)?;
        if decision.needs_durability() {
            self.durable_pending = true;
        }
        self.append_payload(ts, RecordKind::Decision)
    }

    fn append_payload(&mut self, ts: i64, kind: RecordKind) -> Result<u64, JournalError> {
        let frame_len = (super::format::FRAME_HEADER_LEN + self.scratch.len()) as u64;
        let seq = self.next_seq;
        encode_frame(&mut self.buf, seq, ts, kind, &self.scratch);
        self.next_seq += 1;
        self.segment_len += frame_len;
        self.unsynced += 1;
        self.stats.records += 1;
        self.stats.bytes += frame_len;
        if self.buf.len() >= 1 << 16 {
            self.write_buffer()?;
        }
        Ok(seq)
    }

    /// Group commit point, called after an event and its decisions are appended and
    /// before any decision is acted on: syncs if a durable decision is pending or the
    /// market-data batch is full, and seals the segment (synced) and starts the next
    /// once it has reached the segment size.
    pub fn commit(&mut self) -> Result<(), JournalError> {
        if self.segment_full() {
            return self.roll_segment();
        }
        if self.durable_pending || self.unsynced >= self.opts.batch_records {
            self.sync()?;
        }
        Ok(())
    }

    fn segment_full(&self) -> bool {
        self.segment_len >= self.opts.segment_bytes && self.segment_len > SEGMENT_HEADER_LEN as u64
    }

    /// Writes everything buffered and, in `Fsync` mode, waits for the disk.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.write_buffer()?;
        if self.opts.sync == SyncMode::Fsync {
            self.file.sync_data().map_err(io_err(&self.segment_path))?;
        }
        self.unsynced = 0;
        self.durable_pending = false;
        self.stats.syncs += 1;
        Ok(())
    }

    fn write_buffer(&mut self) -> Result<(), JournalError> {
        if !self.buf.is_empty() {
            self.file
                .write_all(&self.buf)
                .map_err(io_err(&self.segment_path))?;
            self.buf.clear();
        }
        Ok(())
    }

    fn roll_segment(&mut self) -> Result<(), JournalError> {
        self.sync()?;
        let next = Self::start_segment(
            &self.dir,
            self.segment_index + 1,
            self.next_seq,
            self.opts,
            self.stats,
            None,
        )?;
        let recovered_tail = self.recovered_tail.take();
        let sealed = self.next_seq.checked_sub(1);
        *self = JournalWriter {
            recovered_tail,
            sealed,
            ..next
        };
        Ok(())
    }

    /// Syncs and closes.
    pub fn finish(mut self) -> Result<WriterStats, JournalError> {
        self.sync()?;
        Ok(self.stats)
    }
}
