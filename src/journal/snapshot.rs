//! Snapshot files beside a journal (`<journal>/snapshots/<last_seq:020>.snap`): their
//! header (magic, version, the journal seq and event count the state includes, payload
//! length and CRC-32C), atomic writing, listing newest first, verified reading and
//! pruning. The payload is opaque here; `journal_format/SPEC.md` section 8 specifies it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const SNAPSHOT_MAGIC: [u8; 8] = *b"ARBSNAP\n";
/// Raised whenever the payload's layout (the reducer's state) changes.
pub const SNAPSHOT_VERSION: u16 = 9;
pub const SNAPSHOT_HEADER_LEN: usize = 48;
/// Subdirectory of the journal directory that holds the snapshots.
pub const SNAPSHOT_DIR: &str = "snapshots";
/// How many of the newest snapshots `write` keeps (besides the segments' bases).
pub const SNAPSHOTS_KEPT: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotHeader {
    pub version: u16,
    /// Journal seq of the last record the state includes.
    pub last_seq: u64,
    /// Events the state has applied (the reducer's event count).
    pub events: u64,
    pub payload_len: u64,
    pub payload_crc: u32,
}

/// A snapshot that cannot be written, or read and trusted. Names the file.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    #[error("snapshot {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("snapshot {path}: {reason}")]
    Bad { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotFileError + '_ {
    move |source| SnapshotFileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn snapshot_file_name(last_seq: u64) -> String {
    format!("{last_seq:020}.snap")
}

pub fn snapshot_dir(journal: &Path) -> PathBuf {
    journal.join(SNAPSHOT_DIR)
}

/// Header and payload as one byte string.
pub fn encode_snapshot(last_seq: u64, events: u64, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(SNAPSHOT_HEADER_LEN + payload.len());
    b.extend_from_slice(&SNAPSHOT_MAGIC);
    b.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    b.extend_from_slice(&(SNAPSHOT_HEADER_LEN as u16).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&last_seq.to_le_bytes());
    b.extend_from_slice(&events.to_le_bytes());
    b.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    b.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    let crc = crc32c::crc32c(&b[..44]);
    b.extend_from_slice(&crc.to_le_bytes());
    b.extend_from_slice(payload);
    b
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Verifies a snapshot's bytes: magic, header checksum, version, length and payload
/// checksum. Returns the header and the payload.
pub fn decode_snapshot(b: &[u8]) -> Result<(SnapshotHeader, &[u8]), String> {
    if b.len() < SNAPSHOT_HEADER_LEN {
        return Err(format!(
            "{} bytes, shorter than the {SNAPSHOT_HEADER_LEN}-byte header",
            b.len()
        ));
    }
    if b[..8] != SNAPSHOT_MAGIC {
        return Err("magic is not ARBSNAP\\n: not an arb snapshot".into());
    }
    if crc32c::crc32c(&b[..44]) != u32_at(b, 44) {
        return Err("header checksum mismatch".into());
    }
    let version = u16::from_le_bytes([b[8], b[9]]);
    if version != SNAPSHOT_VERSION {
        return Err(format!(
            "snapshot version {version}; this build reads version {SNAPSHOT_VERSION}"
        ));
    }
    let header_len = u16::from_le_bytes([b[10], b[11]]);
    if usize::from(header_len) != SNAPSHOT_HEADER_LEN {
        return Err(format!(
            "header length {header_len}, expected {SNAPSHOT_HEADER_LEN}"
        ));
    }
    let h = SnapshotHeader {
        version,
        last_seq: u64_at(b, 16),
        events: u64_at(b, 24),
        payload_len: u64_at(b, 32),
        payload_crc: u32_at(b, 40),
    };
    let payload = &b[SNAPSHOT_HEADER_LEN..];
    if payload.len() as u64 != h.payload_len {
        return Err(format!(
            "payload is {} bytes, the header says {}",
            payload.len(),
            h.payload_len
        ));
    }
    let crc = crc32c::crc32c(payload);
    if crc != h.payload_crc {
        return Err(format!(
            "payload checksum mismatch (stored {:08x}, computed {crc:08x})",
            h.payload_crc
        ));
    }
    Ok((h, payload))
}

/// Reads and verifies one snapshot file; its name must carry its header's seq.
pub fn read_snapshot(path: &Path) -> Result<(SnapshotHeader, Vec<u8>), SnapshotFileError> {
    let mut bytes = std::fs::read(path).map_err(io(path))?;
    let bad = |reason| SnapshotFileError::Bad {
        path: path.to_path_buf(),
        reason,
    };
    let (h, _) = decode_snapshot(&bytes).map_err(bad)?;
    let named = path.file_name().and_then(|n| n.to_str()).and_then(name_seq);
    if named != Some(h.last_seq) {
        return Err(bad(format!(
            "header says seq {} but the file name does not",
            h.last_seq
        )));
    }
    bytes.drain(..SNAPSHOT_HEADER_LEN);
    Ok((h, bytes))
}

fn name_seq(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".snap")?;
    (digits.len() == 20 && digits.bytes().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The snapshots of a journal, newest (highest seq) first. None is not an error.
pub fn list_snapshots(journal: &Path) -> Result<Vec<(u64, PathBuf)>, SnapshotFileError> {
    let dir = snapshot_dir(journal);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&dir)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        if let Some(seq) = path.file_name().and_then(|n| n.to_str()).and_then(name_seq) {
            found.push((seq, path));
        }
    }
    found.sort_by_key(|s| std::cmp::Reverse(s.0));
    Ok(found)
}

/// Writes a snapshot atomically (temporary file, fsync, rename, fsync of the
/// directory), then deletes all but the newest `SNAPSHOTS_KEPT` and the base snapshots
/// of the segments present (each segment's first seq − 1: a journal pruned by
/// retention replays from one), and any temporary file a crash left. The caller
/// guarantees the journal holds `last_seq` durably.
pub fn write_snapshot(
    journal: &Path,
    last_seq: u64,
    events: u64,
    payload: &[u8],
) -> Result<PathBuf, SnapshotFileError> {
    let dir = snapshot_dir(journal);
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        File::open(journal)
            .and_then(|d| d.sync_all())
            .map_err(io(journal))?;
    }
    let name = snapshot_file_name(last_seq);
    let path = dir.join(&name);
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(&encode_snapshot(last_seq, events, payload))
        .and_then(|()| f.sync_all())
        .map_err(io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(&dir))?;
    let bases = super::retention::base_seqs(journal);
    for (seq, old) in list_snapshots(journal)?.iter().skip(SNAPSHOTS_KEPT) {
        if bases.contains(seq) {
            continue;
        }
        match std::fs::remove_file(old) {
            // Retention may prune the same file from its own thread.
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(old)(e)),
            _ => {}
        }
    }
    for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
        let p = entry.map_err(io(&dir))?.path();
        if p.extension().is_some_and(|e| e == "tmp") {
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_list_read_and_keep_the_newest_two() {
        let dir = tempfile::tempdir().unwrap();
        for seq in [10, 30, 20] {
            write_snapshot(dir.path(), seq, seq / 2, &[seq as u8; 5]).unwrap();
        }
        std::fs::write(snapshot_dir(dir.path()).join("x.snap.tmp"), b"torn").unwrap();
        write_snapshot(dir.path(), 40, 20, b"forty").unwrap();
        let list = list_snapshots(dir.path()).unwrap();
        assert_eq!(list.iter().map(|l| l.0).collect::<Vec<_>>(), [40, 30]);
        let (h, payload) = read_snapshot(&list[0].1).unwrap();
        assert_eq!(
            (h.last_seq, h.events, payload.as_slice()),
            (40, 20, &b"forty"[..])
        );
        let names = std::fs::read_dir(snapshot_dir(dir.path())).unwrap().count();
        assert_eq!(names, 2, "old snapshots and the temporary file are gone");
    }

    #[test]
    fn damaged_files_are_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_snapshot(dir.path(), 7, 3, b"payload").unwrap();
        let good = std::fs::read(&path).unwrap();
        let cases: [(&str, Vec<u8>); 5] = [
            ("payload checksum", {
                let mut b = good.clone();
                *b.last_mut().unwrap() ^= 1;
                b
            }),
            ("header checksum", {
                let mut b = good.clone();
                b[20] ^= 1;
                b
            }),
            ("shorter than", good[..30].to_vec()),
            ("payload is 3 bytes", good[..51].to_vec()),
            ("magic", {
                let mut b = good.clone();
                b[0] = b'X';
                b
            }),
        ];
        for (want, bytes) in cases {
            std::fs::write(&path, bytes).unwrap();
            let err = read_snapshot(&path).unwrap_err().to_string();
            assert!(
                err.contains(want) && err.contains("00000000000000000007.snap"),
                "{err}"
            );
        }
        // A future version is refused, not guessed at.
        let mut b = encode_snapshot(7, 3, b"payload");
        let future = SNAPSHOT_VERSION + 1;
        b[8..10].copy_from_slice(&future.to_le_bytes());
        let crc = crc32c::crc32c(&b[..44]);
        b[44..48].copy_from_slice(&crc.to_le_bytes());
        assert!(
            decode_snapshot(&b)
                .unwrap_err()
                .contains(&format!("version {future}"))
        );
        // A file renamed to another seq is refused.
        std::fs::write(&path, &good).unwrap();
        let moved = snapshot_dir(dir.path()).join(snapshot_file_name(8));
        std::fs::rename(&path, &moved).unwrap();
        assert!(
            read_snapshot(&moved)
                .unwrap_err()
                .to_string()
                .contains("file name")
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_or_fail_without_panic(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = decode_snapshot(&b);
        }
    }
}
