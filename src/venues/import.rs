//! Import of recorded venue WebSocket data (JSON Lines) into journal events, with a
//! summary that counts every skipped line or message by reason.
//!
//! Input: one frame per line, either the bare venue message or
//! `{"recv_ms": <epoch ms>, "frame": <message>}`. A frame may be a JSON array of
//! messages (Polymarket batches them), or a JSON string holding the raw text the
//! socket delivered (parsed once more; text that is not JSON, like `PONG`, is skipped
//! as `unsupported:text_frame`). Blank lines are skipped.
//!
//! Event time (ns) = `recv_ms` × 10⁶ when the wrapper has it, else the message's own
//! time (Kalshi `msg.ts_ms`, Polymarket `timestamp`), else the previous event's time
//! (0 at the start). Times never go backwards: an earlier time is raised to the
//! previous one (counted in `ts_clamped`).
//!
//! A bad line or message is a counted skip and never stops the import; only I/O and
//! journal errors do.

use super::kalshi::KalshiState;
use super::polymarket::PolymarketState;
use super::{InternerError, Mapped, MarketInterner, kalshi, polymarket};
use crate::core::{MarketId, NANOS_PER_MS, TsNanos, Venue};
use crate::event::Event;
use crate::journal::{Journal, JournalError, JournalWriter, RecordKind};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// How many error messages a summary keeps (the rest are only counted).
pub const MAX_ERRORS: usize = 20;

/// What an import did. Serializes to JSON for the CLI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub venue: Venue,
    /// Lines read, blank ones included.
    pub lines: u64,
    pub blank_lines: u64,
    /// Lines that held a JSON frame (whether or not its messages were imported).
    pub frames: u64,
    /// Venue messages seen (an array frame holds several).
    pub messages: u64,
    /// Messages that produced their events.
    pub messages_imported: u64,
    pub events_written: u64,
    pub events_by_kind: BTreeMap<String, u64>,
    /// New market ids assigned (each with its first `MarketDefined`).
    pub markets_defined: u64,
    /// `MarketDefined` re-emitted for known markets (complement links, tick changes).
    pub markets_redefined: u64,
    /// Lines or messages skipped, in total and by reason (`malformed_json`,
    /// `bad_price`, `unknown_message_type:<type>`, `unsupported:<type>`, ...).
    pub skipped: u64,
    pub skips: BTreeMap<String, u64>,
    /// Imported but notable: `sequence_gap`, `book_message_lost` (each wrote a `Feed`
    /// gap event), `delta_before_snapshot` (a delta for a market with no snapshot yet
    /// in this import).
    pub warnings: BTreeMap<String, u64>,
    /// Messages whose time was earlier than the previous event's and was raised to it.
    pub ts_clamped: u64,
    pub first_ts: Option<TsNanos>,
    pub last_ts: Option<TsNanos>,
    /// The first `MAX_ERRORS` skips, each naming its line (and message index in an
    /// array frame) and what was wrong.
    pub errors: Vec<String>,
    /// Skips beyond those in `errors`.
    pub errors_not_shown: u64,
}

impl ImportSummary {
    pub fn new(venue: Venue) -> ImportSummary {
        ImportSummary {
            venue,
            lines: 0,
            blank_lines: 0,
            frames: 0,
            messages: 0,
            messages_imported: 0,
            events_written: 0,
            events_by_kind: BTreeMap::new(),
            markets_defined: 0,
            markets_redefined: 0,
            skipped: 0,
            skips: BTreeMap::new(),
            warnings: BTreeMap::new(),
            ts_clamped: 0,
            first_ts: None,
            last_ts: None,
            errors: Vec::new(),
            errors_not_shown: 0,
        }
    }

    fn skip(&mut self, reason: String, at: &str, detail: impl std::fmt::Display) {
        self.skipped += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(format!("{at}: {reason}: {detail}"));
        } else {
            self.errors_not_shown += 1;
        }
        *self.skips.entry(reason).or_default() += 1;
    }

    fn warn(&mut self, w: &str) {
        *self.warnings.entry(w.to_string()).or_default() += 1;
    }
}

/// What stops an import: the input cannot be read or the journal cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read import input {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("journal {dir}: its market definitions cannot seed an import: {source}")]
    Seed { dir: PathBuf, source: InternerError },
}

/// One line, parsed: the receive time, if recorded, and the venue messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub recv_ms: Option<i64>,
    pub messages: Vec<Value>,
}

/// Why a line held no usable frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not valid UTF-8")]
    Utf8,
    #[error("not JSON: {0}")]
    Json(String),
    #[error("recv_ms must be a whole number of milliseconds ≥ 0, got {0}")]
    RecvMs(String),
    #[error("a frame is a JSON object, array or string, got {0}")]
    NotAFrame(String),
    #[error("text frame that is not JSON: {0:?}")]
    TextFrame(String),
}

impl LineError {
    /// The skip reason this error is counted under.
    pub fn reason(&self) -> &'static str {
        match self {
            LineError::Utf8 => "invalid_utf8",
            LineError::Json(_) => "malformed_json",
            LineError::RecvMs(_) => "bad_recv_ms",
            LineError::NotAFrame(_) => "malformed_frame",
            LineError::TextFrame(_) => "unsupported:text_frame",
        }
    }
}

/// At most this much of untrusted text goes into an error message.
const MAX_QUOTE: usize = 60;

fn quote(s: &str) -> String {
    if s.chars().count() <= MAX_QUOTE {
        s.to_string()
    } else {
        let mut q: String = s.chars().take(MAX_QUOTE).collect();
        q.push('…');
        q
    }
}

/// Parses one input line. `Ok(None)` for a blank line.
pub fn parse_line(line: &str) -> Result<Option<Frame>, LineError> {
    let line = line.trim_start_matches('\u{feff}').trim();
    if line.is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(line).map_err(|e| LineError::Json(e.to_string()))?;
    match value {
        Value::Object(mut o) if o.contains_key("frame") => {
            let recv_ms = match o.remove("recv_ms") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_i64() {
                    Some(ms) if ms >= 0 && ms.checked_mul(NANOS_PER_MS).is_some() => Some(ms),
                    _ => return Err(LineError::RecvMs(quote(&v.to_string()))),
                },
            };
            let messages = messages_of(o.remove("frame").unwrap_or(Value::Null))?;
            Ok(Some(Frame { recv_ms, messages }))
        }
        other => Ok(Some(Frame {
            recv_ms: None,
            messages: messages_of(other)?,
        })),
    }
}

fn messages_of(frame: Value) -> Result<Vec<Value>, LineError> {
    match frame {
        Value::Object(_) => Ok(vec![frame]),
        Value::Array(items) => Ok(items),
        Value::String(text) => match serde_json::from_str::<Value>(text.trim()) {
            Ok(v @ Value::Object(_)) => Ok(vec![v]),
            Ok(Value::Array(items)) => Ok(items),
            _ => Err(LineError::TextFrame(quote(&text))),
        },
        other => Err(LineError::NotAFrame(quote(&other.to_string()))),
    }
}

enum VenueState {
    Kalshi(KalshiState),
    Polymarket(PolymarketState),
}

/// Turns input lines into timestamped events, one line at a time, keeping the venue's
/// mapping state and the summary. `import_file` drives it; a test or a live recorder
/// can drive it too.
pub struct Importer<'a> {
    interner: &'a mut MarketInterner,
    state: VenueState,
    last_ts: TsNanos,
    /// Ids below this were defined before this import or by it already.
    next_new: usize,
    snapshotted: BTreeSet<MarketId>,
    summary: ImportSummary,
}

impl<'a> Importer<'a> {
    /// An importer for one venue's recording. Markets already in `interner` keep their
    /// ids; new ones get the next ids.
    pub fn new(venue: Venue, interner: &'a mut MarketInterner) -> Importer<'a> {
        let state = match venue {
            Venue::Kalshi => VenueState::Kalshi(KalshiState::new()),
            Venue::Polymarket => VenueState::Polymarket(PolymarketState::from_interner(interner)),
        };
        let next_new = interner.len();
        Importer {
            interner,
            state,
            last_ts: 0,
            next_new,
            snapshotted: BTreeSet::new(),
            summary: ImportSummary::new(venue),
        }
    }

    pub fn summary(&self) -> &ImportSummary {
        &self.summary
    }

    pub fn into_summary(self) -> ImportSummary {
        self.summary
    }

    /// Processes one line (with or without its newline), appending its events with
    /// their times to `out`. Never fails: what cannot be imported is counted.
    pub fn push_line(&mut self, line_no: u64, line: &[u8], out: &mut Vec<(TsNanos, Event)>) {
        self.summary.lines += 1;
        let parsed = std::str::from_utf8(line)
            .map_err(|_| LineError::Utf8)
            .and_then(parse_line);
        let frame = match parsed {
            Ok(None) => {
                self.summary.blank_lines += 1;
                return;
            }
            Ok(Some(frame)) => frame,
            Err(e) => {
                self.summary
                    .skip(e.reason().to_string(), &format!("line {line_no}"), e);
                return;
            }
        };
        self.summary.frames += 1;
        let many = frame.messages.len() > 1;
        let recv_ns = frame.recv_ms.map(|ms| ms * NANOS_PER_MS);
        for (i, msg) in frame.messages.into_iter().enumerate() {
            self.summary.messages += 1;
            let mapped = match &mut self.state {
                VenueState::Kalshi(s) => kalshi::map_message(msg, self.interner, s),
                VenueState::Polymarket(s) => polymarket::map_message(msg, self.interner, s),
            };
            let at = if many {
                format!("line {line_no}, message {i}")
            } else {
                format!("line {line_no}")
            };
            self.take(mapped, recv_ns, &at, out);
        }
    }

    fn take(
        &mut self,
        mapped: Mapped,
        recv_ns: Option<TsNanos>,
        at: &str,
        out: &mut Vec<(TsNanos, Event)>,
    ) {
        let Mapped {
            events,
            ts_ms,
            skipped,
            warnings,
        } = mapped;
        for w in warnings {
            self.summary.warn(w);
        }
        match skipped {
            Some(e) => self.summary.skip(e.reason(), at, e),
            None => self.summary.messages_imported += 1,
        }
        if events.is_empty() {
            return;
        }
        let wanted = recv_ns
            .or_else(|| ts_ms.and_then(|ms| ms.checked_mul(NANOS_PER_MS)))
            .unwrap_or(self.last_ts);
        if wanted < self.last_ts {
            self.summary.ts_clamped += 1;
        }
        let ts = wanted.max(self.last_ts);
        self.last_ts = ts;
        self.summary.first_ts.get_or_insert(ts);
        self.summary.last_ts = Some(ts);
        for event in events {
            self.count(&event);
            out.push((ts, event));
        }
    }

    fn count(&mut self, event: &Event) {
        let s = &mut self.summary;
        s.events_written += 1;
        *s.events_by_kind
            .entry(event.kind().to_string())
            .or_default() += 1;
        match event {
            Event::MarketDefined(m) if m.id.index() >= self.next_new => {
                s.markets_defined += 1;
                self.next_new = m.id.index() + 1;
            }
            Event::MarketDefined(_) => s.markets_redefined += 1,
            Event::BookSnapshot(b) => {
                self.snapshotted.insert(b.market);
            }
            Event::BookDelta(d) if !self.snapshotted.contains(&d.market) => {
                s.warn("delta_before_snapshot")
            }
            Event::BookBatch(b) => {
                for d in &b.deltas {
                    if !self.snapshotted.contains(&d.market) {
                        s.warn("delta_before_snapshot");
                    }
                }
            }
            _ => {}
        }
    }
}

/// Imports a JSON Lines recording of one venue into `writer`, continuing the market
/// ids of `interner` (new markets are defined in the journal before they are named).
/// Syncs the journal before returning. Bad lines and messages are counted in the
/// summary; only I/O and journal errors are returned.
pub fn import_file(
    venue: Venue,
    input: &Path,
    writer: &mut JournalWriter,
    interner: &mut MarketInterner,
) -> Result<ImportSummary, ImportError> {
    let read_err = |source| ImportError::Read {
        path: input.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(input).map_err(read_err)?;
    import_reader(venue, std::io::BufReader::new(file), writer, interner).map_err(|e| match e {
        ImportError::Read { source, .. } => read_err(source),
        other => other,
    })
}

/// `import_file` from any buffered reader (stdin, a decompressor). Read errors name
/// the path `-`.
pub fn import_reader(
    venue: Venue,
    mut reader: impl BufRead,
    writer: &mut JournalWriter,
    interner: &mut MarketInterner,
) -> Result<ImportSummary, ImportError> {
    let mut importer = Importer::new(venue, interner);
    let mut line = Vec::new();
    let mut out = Vec::new();
    let mut line_no = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|source| ImportError::Read {
                path: PathBuf::from("-"),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        importer.push_line(line_no, &line, &mut out);
        for (ts, event) in out.drain(..) {
            writer.append_event(ts, &event)?;
        }
        writer.commit()?;
    }
    writer.sync()?;
    Ok(importer.into_summary())
}

impl MarketInterner {
    /// An interner seeded with every `MarketDefined` of a journal, to continue it.
    pub fn from_journal(journal: &Journal) -> Result<MarketInterner, ImportError> {
        let mut interner = MarketInterner::new();
        let mut bad = None;
        journal.scan(|r| -> Result<(), JournalError> {
            if r.kind == RecordKind::Event
                && bad.is_none()
                && let Event::MarketDefined(meta) = r.event()?
                && let Err(e) = interner.observe(meta)
            {
                bad = Some(e);
            }
            Ok(())
        })?;
        match bad {
            Some(source) => Err(ImportError::Seed {
                dir: journal.dir().to_path_buf(),
                source,
            }),
            None => Ok(interner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_wrappers() {
        assert_eq!(parse_line("  \r\n"), Ok(None));
        let f = parse_line(r#"{"recv_ms": 5, "frame": [{"a": 1}, {"b": 2}]}"#)
            .unwrap()
            .unwrap();
        assert_eq!((f.recv_ms, f.messages.len()), (Some(5), 2));
        let f = parse_line(r#"{"type": "x"}"#).unwrap().unwrap();
        assert_eq!((f.recv_ms, f.messages.len()), (None, 1));
        let f = parse_line(r#"{"recv_ms": 7, "frame": "{\"type\": \"x\"}"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            (f.recv_ms, f.messages[0]["type"].as_str()),
            (Some(7), Some("x"))
        );
        assert_eq!(
            parse_line("{").map_err(|e| e.reason()),
            Err("malformed_json")
        );
        assert_eq!(
            parse_line(r#"{"recv_ms": "5", "frame": {}}"#).map_err(|e| e.reason()),
            Err("bad_recv_ms")
        );
        assert_eq!(
            parse_line(r#"{"recv_ms": -1, "frame": {}}"#).map_err(|e| e.reason()),
            Err("bad_recv_ms")
        );
        let huge = format!(r#"{{"recv_ms": {}, "frame": {{}}}}"#, i64::MAX);
        assert_eq!(
            parse_line(&huge).map_err(|e| e.reason()),
            Err("bad_recv_ms")
        );
        assert_eq!(
            parse_line("42").map_err(|e| e.reason()),
            Err("malformed_frame")
        );
        assert_eq!(
            parse_line(r#""PONG""#).map_err(|e| e.reason()),
            Err("unsupported:text_frame")
        );
        assert_eq!(
            parse_line(r#"{"frame": "PONG"}"#).map_err(|e| e.reason()),
            Err("unsupported:text_frame")
        );
    }

    #[test]
    fn times_fall_back_and_never_go_backwards() {
        let mut interner = MarketInterner::new();
        let mut imp = Importer::new(Venue::Polymarket, &mut interner);
        let mut out = Vec::new();
        let book = |ts: Option<&str>| {
            let mut v = serde_json::json!({"event_type": "book", "asset_id": "1", "market": "c", "bids": [], "asks": []});
            if let Some(t) = ts {
                v["timestamp"] = Value::String(t.into());
            }
            v.to_string()
        };
        imp.push_line(1, book(None).as_bytes(), &mut out); // no time at all: 0
        imp.push_line(2, book(Some("2000")).as_bytes(), &mut out); // own time
        imp.push_line(
            3,
            format!(r#"{{"recv_ms": 3000, "frame": {}}}"#, book(Some("1"))).as_bytes(),
            &mut out,
        );
        imp.push_line(4, book(Some("1000")).as_bytes(), &mut out); // earlier: clamped
        imp.push_line(5, book(None).as_bytes(), &mut out); // previous
        let ts: Vec<i64> = out.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            ts,
            vec![
                0,
                0,
                2_000_000_000,
                3_000_000_000,
                3_000_000_000,
                3_000_000_000
            ]
        );
        let s = imp.into_summary();
        assert_eq!(s.ts_clamped, 1);
        assert_eq!((s.first_ts, s.last_ts), (Some(0), Some(3_000_000_000)));
        assert_eq!(
            (
                s.lines,
                s.frames,
                s.messages,
                s.events_written,
                s.markets_defined
            ),
            (5, 5, 5, 6, 1)
        );
    }

    #[test]
    fn errors_are_capped_but_all_counted() {
        let mut interner = MarketInterner::new();
        let mut imp = Importer::new(Venue::Kalshi, &mut interner);
        let mut out = Vec::new();
        for n in 1..=30 {
            imp.push_line(n, b"not json", &mut out);
        }
        let s = imp.into_summary();
        assert_eq!(s.errors.len(), MAX_ERRORS);
        assert_eq!(s.errors_not_shown, 10);
        assert_eq!(s.skips.get("malformed_json"), Some(&30));
        assert!(
            s.errors[4].starts_with("line 5: malformed_json: not JSON"),
            "{}",
            s.errors[4]
        );
    }
}
