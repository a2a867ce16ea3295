//! Incident bundles (`arb bundle`): one file holding everything needed to reproduce a
//! window of a journal — a manifest, the reducer snapshot the window starts from, the
//! window's records, the effective config (secrets redacted), a summary of decisions
//! and orders, and the window's log lines. `arb replay BUNDLE` replays one.
//!
//! The container (specified in `docs/bundle.md`): a 24-byte header (magic
//! `ARBBNDL\n`, version, section count, CRC-32C), then named sections, each with its
//! length and the CRC-32C of its name and bytes. Reading never panics: any damage is an error
//! naming the file and what is wrong.

pub mod config;
pub mod logs;
pub mod make;
pub mod open;
pub mod redact;
pub mod summary;

pub use make::{Bound, MakeOptions, make};
pub use open::{BundleCheck, replay_bundle};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const BUNDLE_MAGIC: [u8; 8] = *b"ARBBNDL\n";
/// Raised whenever the container or a section's layout changes.
pub const BUNDLE_VERSION: u16 = 1;
pub const BUNDLE_HEADER_LEN: usize = 24;
/// More sections than this is damage, not a bundle.
pub const MAX_SECTIONS: u32 = 64;
const MAX_NAME_LEN: usize = 255;

/// Section names (every bundle of version 1 has all of them, in this order).
pub const MANIFEST: &str = "manifest.json";
pub const SNAPSHOT: &str = "snapshot.snap";
pub const JOURNAL: &str = "journal.arbj";
pub const CONFIG: &str = "config.json";
pub const SUMMARY: &str = "summary.json";
pub const LOGS: &str = "logs.jsonl";

/// A bundle that cannot be written or read. Names the file.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("bundle {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bundle {path}: {reason}")]
    Bad { path: PathBuf, reason: String },
    #[error("bundle source: {0}")]
    Journal(#[from] crate::journal::JournalError),
    #[error("{0}")]
    Usage(String),
    /// The window reaches into records retention removed from the journal.
    #[error(
        "{journal}: the window ({window}) starts in records 1..={} of the journal, which its \
         retention policy removed ({where_}); the journal now starts at seq {first_seq}: \
         choose --from {first_seq} or later",
        first_seq.saturating_sub(1)
    )]
    Archived {
        journal: PathBuf,
        window: String,
        first_seq: u64,
        /// `archived in DIR`, or `deleted`.
        where_: String,
    },
}

/// One named section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub data: Vec<u8>,
}

/// What the bundle is and where it came from (section `manifest.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub bundle_version: u16,
    pub arb_version: String,
    /// `GIT_COMMIT` of the build's environment at compile time, when it was set.
    pub git_commit: Option<String>,
    /// `debug` or `release`, and the target `os-arch`.
    pub build: String,
    pub target: String,
    pub journal_format_version: u16,
    pub snapshot_version: u16,
    /// The journal directory the bundle was made from, as given.
    pub source_journal: String,
    /// The bounds as given (`--from`/`--to`), or null for the journal's ends.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Original seqs of the slice's first and last records (the slice keeps them).
    pub first_seq: u64,
    pub last_seq: u64,
    /// Event time of the first and last record (ns since the epoch, and RFC 3339).
    pub first_ts: i64,
    pub last_ts: i64,
    pub first_time: String,
    pub last_time: String,
    pub events: u64,
    pub decisions: u64,
    /// `state_hash` of the snapshot (the state before `first_seq`) and of the state
    /// after `last_seq`, both computed from the source journal.
    pub start_state_hash: String,
    pub end_state_hash: String,
}

/// The container's bytes.
pub fn encode(sections: &[Section]) -> Vec<u8> {
    let total: usize = sections
        .iter()
        .map(|s| 14 + s.name.len() + s.data.len())
        .sum();
    let mut b = Vec::with_capacity(BUNDLE_HEADER_LEN + total);
    b.extend_from_slice(&BUNDLE_MAGIC);
    b.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
    b.extend_from_slice(&(BUNDLE_HEADER_LEN as u16).to_le_bytes());
    b.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    let crc = crc32c::crc32c(&b[..20]);
    b.extend_from_slice(&crc.to_le_bytes());
    for s in sections {
        b.extend_from_slice(&(s.name.len() as u16).to_le_bytes());
        b.extend_from_slice(s.name.as_bytes());
        b.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
        b.extend_from_slice(&section_crc(s.name.as_bytes(), &s.data).to_le_bytes());
        b.extend_from_slice(&s.data);
    }
    b
}

/// CRC-32C of a section's name followed by its data.
fn section_crc(name: &[u8], data: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(name), data)
}

/// True when `bytes` start with the bundle magic.
pub fn has_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(&BUNDLE_MAGIC)
}

/// Bytes `at..at+n`, or why not.
fn take<'a>(b: &'a [u8], at: usize, n: usize, what: &str) -> Result<&'a [u8], String> {
    at.checked_add(n)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| {
            format!(
                "truncated: {what} at byte {at} needs {n} bytes, {} left",
                b.len().saturating_sub(at)
            )
        })
}

/// Verifies and splits a bundle: magic, version, header checksum, every section's
/// length and checksum, nothing after the last section.
pub fn decode(b: &[u8]) -> Result<Vec<Section>, String> {
    if b.len() < BUNDLE_MAGIC.len() || !has_magic(b) {
        return Err("not an arb bundle (its first bytes are not ARBBNDL\\n)".into());
    }
    let h = take(b, 0, BUNDLE_HEADER_LEN, "the header")?;
    let version = u16::from_le_bytes([h[8], h[9]]);
    let stored = u32::from_le_bytes([h[20], h[21], h[22], h[23]]);
    if crc32c::crc32c(&h[..20]) != stored {
        return Err("header checksum mismatch".into());
    }
    if version != BUNDLE_VERSION {
        return Err(format!(
            "bundle version {version}; this build reads version {BUNDLE_VERSION}"
        ));
    }
    let header_len = u16::from_le_bytes([h[10], h[11]]);
    if usize::from(header_len) != BUNDLE_HEADER_LEN {
        return Err(format!(
            "header length {header_len}, expected {BUNDLE_HEADER_LEN}"
        ));
    }
    let count = u32::from_le_bytes([h[12], h[13], h[14], h[15]]);
    if count > MAX_SECTIONS {
        return Err(format!(
            "{count} sections, more than the {MAX_SECTIONS} a bundle may hold"
        ));
    }
    let mut at = BUNDLE_HEADER_LEN;
    let mut sections = Vec::with_capacity(count as usize);
    for i in 0..count {
        let what = format!("section {i}");
        let n = take(b, at, 2, &format!("{what}'s name length"))?;
        let name_len = usize::from(u16::from_le_bytes([n[0], n[1]]));
        if name_len == 0 || name_len > MAX_NAME_LEN {
            return Err(format!("{what} at byte {at}: name length {name_len}"));
        }
        let name = take(b, at + 2, name_len, &format!("{what}'s name"))?;
        let name = std::str::from_utf8(name)
            .map_err(|_| format!("{what} at byte {at}: name is not UTF-8"))?
            .to_string();
        at += 2 + name_len;
        let l = take(b, at, 12, &format!("section {name}'s length and checksum"))?;
        let len = u64::from_le_bytes(l[..8].try_into().map_err(|_| "short length")?);
        let crc = u32::from_le_bytes([l[8], l[9], l[10], l[11]]);
        at += 12;
        let len = usize::try_from(len).map_err(|_| format!("section {name}: length {len}"))?;
        let data = take(b, at, len, &format!("section {name}'s {len} bytes"))?;
        if section_crc(name.as_bytes(), data) != crc {
            return Err(format!("section {name}: checksum mismatch"));
        }
        if sections.iter().any(|s: &Section| s.name == name) {
            return Err(format!("section {name} appears twice"));
        }
        sections.push(Section {
            name,
            data: data.to_vec(),
        });
        at += len;
    }
    if at != b.len() {
        return Err(format!(
            "{} bytes after the last section (byte {at})",
            b.len() - at
        ));
    }
    Ok(sections)
}

/// The section named `name`, or an error saying it is missing.
pub fn section<'a>(sections: &'a [Section], name: &str) -> Result<&'a [u8], String> {
    sections
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.data.as_slice())
        .ok_or_else(|| format!("no {name} section"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Section> {
        vec![
            Section {
                name: "a.json".into(),
                data: b"{}".to_vec(),
            },
            Section {
                name: "b.bin".into(),
                data: vec![0, 1, 2, 3],
            },
        ]
    }

    #[test]
    fn sections_round_trip() {
        let b = encode(&sample());
        assert_eq!(decode(&b).unwrap(), sample());
        assert_eq!(decode(&encode(&[])).unwrap(), vec![]);
    }

    #[test]
    fn damage_is_named() {
        let b = encode(&sample());
        let err = decode(&b[..b.len() - 1]).unwrap_err();
        assert!(err.contains("truncated") && err.contains("b.bin"), "{err}");
        let mut flipped = b.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(decode(&flipped).unwrap_err().contains("b.bin: checksum"));
        let mut v2 = b.clone();
        v2[8] = 2;
        let crc = crc32c::crc32c(&v2[..20]);
        v2[20..24].copy_from_slice(&crc.to_le_bytes());
        assert!(decode(&v2).unwrap_err().contains("bundle version 2"));
        let mut extra = b.clone();
        extra.push(0);
        assert!(
            decode(&extra)
                .unwrap_err()
                .contains("after the last section")
        );
        assert!(
            decode(b"ARBJRNL\n....")
                .unwrap_err()
                .contains("not an arb bundle")
        );
    }
}
