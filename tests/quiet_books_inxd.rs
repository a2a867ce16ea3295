//! A quiet book is not a stale book, on real data (issue 13): the Kalshi INXD-23AUG31
//! ladder recorded in `../shared/fixtures/recorded/` (ten strikes, 110,516 messages
//! over a trading day; the wings stay unchanged for hours) is imported and run through
//! `arb paper` with the event as a bucket ladder. With the stream vouching for its
//! quiet books (the default profile), the bucket lane evaluates the ladder on every
//! book update and never refuses it as stale; counting each book's age from its own
//! last change instead (`stream_vouches = false`, as before) refuses most of them.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::config::Profile;
use arb::core::{Money, Venue};
use arb::event::Lane;
use arb::journal::{JournalWriter, SyncMode, WriterOptions};
use arb::run::paper;
use arb::venues::MarketInterner;
use arb::venues::import::import_file;
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};

const EVENT: &str = "INXD-23AUG31";

fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/recorded/kalshi_INXD-23AUG31")
}

/// Each market's messages in its own `seq` order, as import lines (`recv_ms` and the
/// WebSocket frame, one subscription per market so that its `seq` is checked).
fn per_market() -> Vec<Vec<(i64, String)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(recorded())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 10, "the ten strikes of the ladder");
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let gz = flate2::read::GzDecoder::new(std::fs::File::open(f).unwrap());
            std::io::BufReader::new(gz)
                .lines()
                .map(|l| {
                    let m: Value = serde_json::from_str(&l.unwrap()).unwrap();
                    let ms = arb::clock::parse_rfc3339(m["ts_utc"].as_str().unwrap()).unwrap()
                        / 1_000_000;
                    let ticker = &m["market_ticker"];
                    let msg = if m["type"] == "orderbook_snapshot" {
                        json!({"market_ticker": ticker, "yes": m["yes"], "no": m["no"]})
                    } else {
                        json!({"market_ticker": ticker, "price": m["price"], "delta": m["delta"], "side": m["side"]})
                    };
                    let frame = json!({"type": m["type"], "sid": i + 1, "seq": m["seq"], "msg": msg});
                    (ms, json!({"recv_ms": ms, "frame": frame}).to_string())
                })
                .collect()
        })
        .collect()
}

/// The day as one recording: the markets merged by time, each kept in its own order
/// (the fixture's note: a snapshot may be stamped before the delta it follows).
fn merged() -> Vec<String> {
    let mut markets = per_market();
    let mut next = vec![0usize; markets.len()];
    let mut out = Vec::new();
    loop {
        let pick = (0..markets.len())
            .filter(|&i| next[i] < markets[i].len())
            .min_by_key(|&i| markets[i][next[i]].0);
        let Some(i) = pick else { break };
        out.push(std::mem::take(&mut markets[i][next[i]].1));
        next[i] += 1;
    }
    out
}

fn import(dir: &Path) -> PathBuf {
    let rec = dir.join("inxd.jsonl");
    std::fs::write(&rec, merged().join("\n")).unwrap();
    let journal = dir.join("imported");
    let mut writer = JournalWriter::create(
        &journal,
        WriterOptions {
            segment_bytes: 64 << 20,
            sync: SyncMode::OsBuffered,
            batch_records: 4096,
        },
    )
    .unwrap();
    let mut interner = MarketInterner::new();
    let s = import_file(Venue::Kalshi, &rec, &mut writer, &mut interner).unwrap();
    writer.finish().unwrap();
    assert_eq!(s.skipped, 0, "{s:?}");
    journal
}

/// A Kalshi `GET /events` answer naming the ladder (mutually exclusive).
fn events(dir: &Path) -> PathBuf {
    let markets: Vec<Value> = std::fs::read_dir(recorded())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter_map(|n| n.strip_suffix(".jsonl.gz").map(str::to_string))
        .map(|t| json!({"ticker": t, "event_ticker": EVENT}))
        .collect();
    let path = dir.join("events.json");
    let answer = json!({"events": [{"event_ticker": EVENT, "series_ticker": "INXD",
        "mutually_exclusive": true, "markets": markets}]});
    std::fs::write(&path, answer.to_string()).unwrap();
    path
}

fn paper_ladder(src: &Path, events: &Path, out: &Path, profile: &Profile) -> paper::PaperSummary {
    paper::run_from_journal_grouped(
        src,
        profile,
        Vec::new(),
        paper::GroupInputs {
            kalshi_events: arb::mapping::groups::load_kalshi_events(events).unwrap(),
            specs: Vec::new(),
        },
        [Money::dollars(1000); 2],
        out,
        SyncMode::OsBuffered,
    )
    .unwrap()
}

#[test]
fn the_real_ladders_quiet_wings_are_current_on_a_healthy_stream() {
    let dir = tempfile::tempdir().unwrap();
    let src = import(dir.path());
    let events = events(dir.path());
    let vouched = paper_ladder(
        &src,
        &events,
        &dir.path().join("vouched"),
        &Profile::default(),
    );
    let old = Profile {
        stream_vouches: false,
        ..Profile::default()
    };
    let own_age = paper_ladder(&src, &events, &dir.path().join("own-age"), &old);
    let bucket = |s: &paper::PaperSummary| s.lanes[Lane::Bucket as usize].clone();
    let (v, o) = (bucket(&vouched), bucket(&own_age));
    eprintln!(
        "bucket lane on INXD-23AUG31: {} evaluations; stale_book skips {:?} vouched, {:?} by own age",
        v.evaluations,
        v.skips.get("stale_book"),
        o.skips.get("stale_book")
    );
    assert_eq!((vouched.groups, vouched.unresolved_groups), (1, 0));
    assert!(v.evaluations > 100_000, "{v:?}");
    assert_eq!(v.skips.get("stale_book"), None, "{v:?}");
    assert!(
        o.skips
            .get("stale_book")
            .is_some_and(|&n| n * 2 > o.evaluations),
        "by its own age, most of the day's evaluations find a stale wing: {o:?}"
    );
    let (rep, _) = arb::run::replay::replay(&dir.path().join("vouched")).unwrap();
    assert_eq!(rep.mismatches, 0, "{:?}", rep.first_mismatches);
}
