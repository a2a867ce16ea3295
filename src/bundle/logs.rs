//! The log lines of a window: `<journal>/logs/*.log` (JSON lines written by `arb live`,
//! `src/run/logfile.rs`) whose `timestamp` lies in the window, redacted again.

use super::redact::redact;
use crate::clock::parse_rfc3339;
use std::path::Path;

pub const LOG_DIR: &str = "logs";

/// The lines (JSON Lines bytes) with `lo <= timestamp <= hi` (ns), their count, and how
/// many values redaction replaced. Lines that do not parse or carry no timestamp are
/// left out.
pub fn window(journal: &Path, lo: i64, hi: i64) -> (Vec<u8>, u64, usize) {
    let mut files: Vec<_> = std::fs::read_dir(journal.join(LOG_DIR))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    let (mut out, mut lines, mut redacted) = (Vec::new(), 0, 0);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for line in text.lines() {
            let Ok(mut v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let ts = v
                .get("timestamp")
                .and_then(|t| t.as_str())
                .and_then(parse_rfc3339);
            if ts.is_some_and(|t| lo <= t && t <= hi) {
                redacted += redact(&mut v);
                out.extend_from_slice(v.to_string().as_bytes());
                out.push(b'\n');
                lines += 1;
            }
        }
    }
    (out, lines, redacted)
}
