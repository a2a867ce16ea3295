//! Logs of `arb live`: warnings and errors on stderr (`RUST_LOG` overrides the level),
//! and every record at INFO and above as JSON lines in `<journal>/logs/arb.log`
//! (`{"timestamp": RFC 3339, "level", "target", "message", fields...}`) so that
//! `arb bundle` can include a window's lines. Nothing logged carries a secret (the
//! types that hold them print `<redacted>`).

use crate::clock::{rfc3339, wall_ns};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The log file of a journal.
pub fn path(journal: &Path) -> PathBuf {
    journal.join(crate::bundle::logs::LOG_DIR).join("arb.log")
}

/// Installs the process's subscriber: stderr, and the journal's log file. Call once.
pub fn init(journal: &Path) -> std::io::Result<()> {
    let file = path(journal);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)?;
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")));
    let json = JsonLines(Mutex::new(f)).with_filter(LevelFilter::INFO);
    // Another subscriber already installed (tests in one process): keep it.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(json)
        .try_init();
    Ok(())
}

/// Writes each event as one JSON line (one `write` call, so lines never interleave).
struct JsonLines(Mutex<std::fs::File>);

struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().into(), Value::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
}

impl<S: tracing::Subscriber> Layer<S> for JsonLines {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields(Map::new());
        fields
            .0
            .insert("timestamp".into(), Value::String(rfc3339(wall_ns())));
        fields
            .0
            .insert("level".into(), Value::String(meta.level().to_string()));
        fields
            .0
            .insert("target".into(), Value::String(meta.target().into()));
        event.record(&mut fields);
        let line = format!("{}\n", Value::Object(fields.0));
        if let Ok(mut f) = self.0.lock() {
            let _ = f.write_all(line.as_bytes());
        }
    }
}
