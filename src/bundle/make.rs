//! `arb bundle`: cut a window out of a journal with the state it starts from.
//!
//! One pass over the journal: every event before the window goes through a reducer;
//! at the window's first event the reducer is snapshotted (SPEC.md section 8's file
//! format); the window's records are re-framed, with their original seqs, into one
//! segment whose header's `first_seq` is the window's first seq; the pass stops at the
//! first event after the window. A journal whose first segments retention removed
//! starts the pass from its base snapshot; a window reaching before its first kept
//! record is refused, naming the removed range and where it went.

use super::summary::WindowSummary;
use super::{BundleError, Manifest, Section};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::core::ClientOrderId;
use crate::engine::Reducer;
use crate::event::{Decision, Event};
use crate::journal::snapshot::{SNAPSHOT_VERSION, encode_snapshot};
use crate::journal::{
    FORMAT_VERSION, Journal, JournalError, RecordKind, RecordRef, encode_frame,
    valid_segment_header,
};
use crate::run::live::restart::encode_payload;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One end of the window: a journal seq or an event time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Seq(u64),
    /// Nanoseconds since the epoch.
    Time(i64),
}

impl Bound {
    /// Decimal digits are a seq; anything else must be an RFC 3339 time.
    pub fn parse(s: &str) -> Result<Bound, String> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse()
                .map(Bound::Seq)
                .map_err(|_| format!("{s:?}: seq out of range"));
        }
        parse_rfc3339(s).map(Bound::Time).ok_or_else(|| {
            format!("{s:?} is neither a journal seq nor an RFC 3339 time (2026-11-30T00:00:00Z)")
        })
    }

    fn reached_by(self, seq: u64, ts: i64) -> bool {
        match self {
            Bound::Seq(n) => seq >= n,
            Bound::Time(t) => ts >= t,
        }
    }

    fn passed_by(self, seq: u64, ts: i64) -> bool {
        match self {
            Bound::Seq(n) => seq > n,
            Bound::Time(t) => ts > t,
        }
    }
}

pub struct MakeOptions {
    pub journal: PathBuf,
    pub out: PathBuf,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A config file to include instead of the one recorded beside the journal.
    pub config: Option<PathBuf>,
}

/// What `arb bundle` reports.
#[derive(Clone, Debug, Serialize)]
pub struct MadeBundle {
    pub bundle: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
    pub config_source: Option<String>,
    /// Values the redaction replaced in the config and log sections.
    pub redacted: usize,
    pub log_lines: u64,
}

/// Stops the pass once the window is behind it.
enum Stop {
    Journal(JournalError),
    Done,
}

impl From<JournalError> for Stop {
    fn from(e: JournalError) -> Stop {
        Stop::Journal(e)
    }
}

#[derive(Default)]
struct Cut {
    reducer: Reducer,
    decided_ms: BTreeMap<ClientOrderId, i64>,
    engine: BTreeMap<&'static str, Value>,
    scratch: Vec<Decision>,
    inside: bool,
    snapshot: Vec<u8>,
    start_hash: u64,
    segment: Vec<u8>,
    first: Option<(u64, i64)>,
    last: (u64, i64),
    events: u64,
    decisions: u64,
    summary: WindowSummary,
}

impl Cut {
    fn visit(
        &mut self,
        r: RecordRef<'_>,
        from: Option<Bound>,
        to: Option<Bound>,
    ) -> Result<(), Stop> {
        match r.kind {
            RecordKind::Event => {
                if self.inside && to.is_some_and(|b| b.passed_by(r.seq, r.ts)) {
                    return Err(Stop::Done);
                }
                if !self.inside && from.is_none_or(|b| b.reached_by(r.seq, r.ts)) {
                    if to.is_some_and(|b| b.passed_by(r.seq, r.ts)) {
                        return Err(Stop::Done); // the window holds no event
                    }
                    self.start(r.seq);
                }
                let ev = r.event()?;
                let loaded = match &ev {
                    Event::ConfigLoaded(c) => Some(("config_loaded", serde_json::to_value(c))),
                    Event::LegPolicyLoaded(c) => {
                        Some(("leg_policy_loaded", serde_json::to_value(c)))
                    }
                    Event::RestingPolicyLoaded(c) => {
                        Some(("resting_policy_loaded", serde_json::to_value(c)))
                    }
                    Event::RiskLimitsLoaded(c) => {
                        Some(("risk_limits_loaded", serde_json::to_value(c)))
                    }
                    _ => None,
                };
                if let Some((k, Ok(v))) = loaded {
                    self.engine.insert(k, v);
                }
                self.scratch.clear();
                self.reducer.apply(r.ts, &ev, &mut self.scratch);
                if self.inside {
                    self.summary.event(&ev);
                    self.events += 1;
                }
            }
            RecordKind::Decision => {
                let d = r.decision()?;
                if let Some(p) = d.as_order() {
                    self.decided_ms.insert(p.id, r.ts / 1_000_000);
                }
                if self.inside {
                    self.summary.decision(r.seq, r.ts, &d);
                    self.decisions += 1;
                }
            }
        }
        if self.inside {
            encode_frame(&mut self.segment, r.seq, r.ts, r.kind, r.payload);
            self.first.get_or_insert((r.seq, r.ts));
            self.last = (r.seq, r.ts);
        }
        Ok(())
    }

    /// The window opens at the event `seq`: snapshot the state before it.
    fn start(&mut self, seq: u64) {
        self.inside = true;
        let payload = encode_payload(&self.reducer, &self.decided_ms);
        self.snapshot = encode_snapshot(seq - 1, self.reducer.stats().events, &payload);
        self.start_hash = self.reducer.state_hash();
        self.segment = valid_segment_header(seq).to_vec();
    }
}

fn parse_bound(flag: &str, s: &Option<String>) -> Result<Option<Bound>, BundleError> {
    s.as_deref()
        .map(|s| Bound::parse(s).map_err(|e| BundleError::Usage(format!("{flag} {e}"))))
        .transpose()
}

/// Writes the bundle of `opts.journal`'s window to `opts.out` (which must not exist).
pub fn make(opts: &MakeOptions) -> Result<MadeBundle, BundleError> {
    let from = parse_bound("--from", &opts.from)?;
    let to = parse_bound("--to", &opts.to)?;
    let reversed = match (from, to) {
        (Some(Bound::Seq(a)), Some(Bound::Seq(b))) => a > b,
        (Some(Bound::Time(a)), Some(Bound::Time(b))) => a > b,
        _ => false,
    };
    if reversed {
        return Err(BundleError::Usage("--from is after --to".into()));
    }
    if opts.out.exists() {
        return Err(BundleError::Usage(format!(
            "{} already exists; refusing to overwrite it",
            opts.out.display()
        )));
    }
    let journal = Journal::open(&opts.journal)?;
    let mut cut = Cut::default();
    let first_kept = journal.first_seq()?.filter(|&f| f > 1);
    if let Some(first_seq) = first_kept {
        let archived = |window: String| BundleError::Archived {
            journal: opts.journal.clone(),
            window,
            first_seq,
            where_: match crate::journal::retention::read_note(&opts.journal) {
                Some(n) => n
                    .archive_dir
                    .map_or("deleted".into(), |d| format!("archived in {}", d.display())),
                None => "not in the journal directory".into(),
            },
        };
        let window = format!(
            "--from {} --to {}",
            opts.from.as_deref().unwrap_or("(start)"),
            opts.to.as_deref().unwrap_or("(end)")
        );
        if let Some(Bound::Seq(a)) = from
            && a < first_seq
        {
            return Err(archived(window));
        }
        if let Some(Bound::Seq(b)) = to
            && b < first_seq
        {
            return Err(archived(window));
        }
        // A time bound is checked against the first kept record's time below.
        let first_ts = first_record_ts(&journal)?;
        if let (Some(Bound::Time(t)), Some(ts)) = (from, first_ts)
            && t < ts
        {
            return Err(archived(window));
        }
        if let (Some(Bound::Time(t)), Some(ts)) = (to, first_ts)
            && t < ts
        {
            return Err(archived(window));
        }
        if let Some(base) = crate::run::live::restart::restore_base(&journal)? {
            cut.engine.insert(
                "config_loaded",
                serde_json::to_value(base.reducer.config()).unwrap_or(Value::Null),
            );
            cut.reducer = base.reducer;
            cut.decided_ms = base.decided_ms;
        }
    }
    let read = match journal.scan_kept(|r| cut.visit(r, from, to)) {
        Ok(read) => Some(read),
        Err(Stop::Done) => None,
        Err(Stop::Journal(e)) => return Err(e.into()),
    };
    let Some((first_seq, first_ts)) = cut.first.filter(|_| cut.events > 0) else {
        let last = read
            .and_then(|r| r.last_seq)
            .map_or("?".into(), |s| s.to_string());
        return Err(BundleError::Usage(format!(
            "{}: the window holds no event (the journal's records are seqs 1..{last})",
            opts.journal.display()
        )));
    };
    let (last_seq, last_ts) = cut.last;
    let manifest = Manifest {
        bundle_version: super::BUNDLE_VERSION,
        arb_version: env!("CARGO_PKG_VERSION").into(),
        git_commit: option_env!("GIT_COMMIT").map(str::to_string),
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .into(),
        target: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        journal_format_version: FORMAT_VERSION,
        snapshot_version: SNAPSHOT_VERSION,
        source_journal: opts.journal.display().to_string(),
        from: opts.from.clone(),
        to: opts.to.clone(),
        first_seq,
        last_seq,
        first_ts,
        last_ts,
        first_time: rfc3339(first_ts),
        last_time: rfc3339(last_ts),
        events: cut.events,
        decisions: cut.decisions,
        start_state_hash: format!("{:016x}", cut.start_hash),
        end_state_hash: format!("{:016x}", cut.reducer.state_hash()),
    };
    let (config, mut redacted) =
        super::config::section(&opts.journal, opts.config.as_deref(), last_ts, &cut.engine)?;
    let lo = from.map_or(i64::MIN, |_| first_ts);
    let hi = to.map_or(i64::MAX, |_| last_ts);
    let (logs, log_lines, log_redacted) = super::logs::window(&opts.journal, lo, hi);
    redacted += log_redacted;
    let sections = [
        (super::MANIFEST, json(&manifest)),
        (super::SNAPSHOT, std::mem::take(&mut cut.snapshot)),
        (super::JOURNAL, std::mem::take(&mut cut.segment)),
        (super::CONFIG, json(&config)),
        (
            super::SUMMARY,
            json(&std::mem::take(&mut cut.summary).finish()),
        ),
        (super::LOGS, logs),
    ]
    .map(|(name, data)| Section {
        name: name.into(),
        data,
    });
    let bytes = super::encode(&sections);
    write_new(&opts.out, &bytes)?;
    Ok(MadeBundle {
        bundle: opts.out.clone(),
        bytes: bytes.len() as u64,
        manifest,
        config_source: config
            .get("source")
            .and_then(Value::as_str)
            .map(str::to_string),
        redacted,
        log_lines,
    })
}

/// The time of the journal's first record, if it has one.
fn first_record_ts(journal: &Journal) -> Result<Option<i64>, JournalError> {
    let mut first = None;
    let stop = journal.scan_kept(|r| {
        first = Some(r.ts);
        Err(Stop::Done)
    });
    match stop {
        Ok(_) | Err(Stop::Done) => Ok(first),
        Err(Stop::Journal(e)) => Err(e),
    }
}

/// Pretty JSON (serialising these plain structures cannot fail).
fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let io = |source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
