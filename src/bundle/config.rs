//! The effective config beside a journal and in a bundle.
//!
//! `arb live` and `arb paper` append one JSON line per start to `<journal>/config.jsonl`:
//! `{"started_ns", "started", "command", "config"}`, the config being the parsed live
//! config (credentials as `{ "env": .. }`/`{ "file": .. }` references) and the resolved
//! engine profile — redacted before it is written. A bundle takes the line in effect at
//! the window's end (or a config file given with `--config`), redacts it again, and adds
//! the engine settings the journal itself recorded (`ConfigLoaded` and the policy
//! events).

use super::redact::redact;
use crate::clock::rfc3339;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

pub const CONFIG_FILE: &str = "config.jsonl";

/// Appends the effective config of a run starting now to `<journal>/config.jsonl`.
pub fn record(
    journal: &Path,
    command: &str,
    started_ns: Option<i64>,
    mut config: Value,
) -> std::io::Result<()> {
    std::fs::create_dir_all(journal)?;
    redact(&mut config);
    let line = json!({
        "started_ns": started_ns,
        "started": started_ns.map(rfc3339),
        "command": command,
        "config": config,
    });
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(journal.join(CONFIG_FILE))?;
    f.write_all(format!("{line}\n").as_bytes())
}

/// A config file given to `arb bundle --config`: TOML, or JSON by its extension. Parse
/// errors name only a position (a parser's message could quote a secret).
fn load_explicit(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    if path.extension().is_some_and(|e| e == "json") {
        return serde_json::from_str(&text)
            .map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()));
    }
    let v: toml::Value = toml::from_str(&text).map_err(|e| match e.span() {
        Some(s) => format!("not valid TOML (at byte {})", s.start),
        None => "not valid TOML".to_string(),
    })?;
    serde_json::to_value(v).map_err(|_| "not representable as JSON".to_string())
}

/// The recorded line in effect at `last_ts`: the last start at or before it (a line
/// without a start time counts as before), else the first.
fn load_recorded(journal: &Path, last_ts: i64) -> Option<Value> {
    let text = std::fs::read_to_string(journal.join(CONFIG_FILE)).ok()?;
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let started = |v: &Value| v.get("started_ns").and_then(Value::as_i64);
    lines
        .iter()
        .rev()
        .find(|v| started(v).is_none_or(|s| s <= last_ts))
        .or(lines.first())
        .cloned()
}

/// The `config.json` section and how many values redaction replaced.
pub fn section(
    journal: &Path,
    explicit: Option<&Path>,
    last_ts: i64,
    engine: &BTreeMap<&'static str, Value>,
) -> Result<(Value, usize), super::BundleError> {
    let (source, recorded) = match explicit {
        Some(p) => {
            let v = load_explicit(p).map_err(|reason| {
                super::BundleError::Usage(format!("--config {}: {reason}", p.display()))
            })?;
            (Some(p.display().to_string()), Some(v))
        }
        None => match load_recorded(journal, last_ts) {
            Some(v) => (
                Some(journal.join(CONFIG_FILE).display().to_string()),
                Some(v),
            ),
            None => (None, None),
        },
    };
    let mut v = json!({
        "source": source,
        "recorded": recorded,
        "engine_from_journal": engine,
    });
    let n = redact(&mut v);
    Ok((v, n))
}
