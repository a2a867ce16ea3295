//! Journal behaviour: round trips, segment rolls, torn tails, corruption, durability.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::Rng;
use arb::event::{Decision, Event};
use arb::journal::*;
use proptest::prelude::*;
use std::path::Path;

fn opts(segment_bytes: u64) -> WriterOptions {
    WriterOptions {
        segment_bytes,
        sync: SyncMode::OsBuffered,
        batch_records: 1000,
    }
}

fn write(dir: &Path, events: &[Event], segment_bytes: u64) -> WriterStats {
    let mut w = JournalWriter::create(dir, opts(segment_bytes)).unwrap();
    for (i, e) in events.iter().enumerate() {
        w.append_event(i as i64 * 1000, e).unwrap();
    }
    w.finish().unwrap()
}

fn events(n: usize, seed: u64) -> Vec<Event> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| common::random_event(&mut rng)).collect()
}

fn read_events(dir: &Path) -> (Vec<Event>, ReadSummary) {
    let (records, summary) = Journal::open(dir).unwrap().read_all().unwrap();
    let evs = records
        .into_iter()
        .map(|r| match r.body {
            RecordBody::Event(e) => e,
            RecordBody::Decision(d) => panic!("unexpected decision {d:?}"),
        })
        .collect();
    (evs, summary)
}

#[test]
fn records_round_trip_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let evs = events(2000, 1);
    let stats = write(dir.path(), &evs, 16 << 10);
    assert!(stats.segments > 3, "small segments roll: {stats:?}");
    let (back, summary) = read_events(dir.path());
    assert_eq!(back, evs);
    assert_eq!(summary.last_seq, Some(2000));
    assert_eq!(summary.torn_tail, None);
}

#[test]
fn events_and_decisions_keep_their_kind_seq_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let (evs, decs) = common::every_variant();
    let mut w = JournalWriter::create(dir.path(), opts(1 << 20)).unwrap();
    w.append_event(5, &evs[0]).unwrap();
    assert_eq!(w.append_decision(6, &decs[0]).unwrap(), 2);
    w.finish().unwrap();
    let (recs, _) = Journal::open(dir.path()).unwrap().read_all().unwrap();
    assert_eq!((recs[0].seq, recs[0].ts), (1, 5));
    assert_eq!(recs[1].body, RecordBody::Decision(decs[0].clone()));
    assert_eq!((recs[1].seq, recs[1].ts), (2, 6));
}

#[test]
fn scan_from_visits_only_later_records_and_skips_whole_segments() {
    let dir = tempfile::tempdir().unwrap();
    let evs = events(2000, 3);
    write(dir.path(), &evs, 16 << 10);
    let j = Journal::open(dir.path()).unwrap();
    assert!(j.segments().len() > 3);
    let full = j.scan(|_| Ok::<(), JournalError>(())).unwrap();
    for after in [0, 1, 999, 1999, 2000, 5000] {
        let mut seen = Vec::new();
        let s = j
            .scan_from(after, |r| -> Result<(), JournalError> {
                seen.push((r.seq, r.event()?));
                Ok(())
            })
            .unwrap();
        let want: Vec<(u64, Event)> = (after + 1..=2000)
            .map(|seq| (seq, evs[seq as usize - 1].clone()))
            .collect();
        assert_eq!(seen, want, "after {after}");
        assert_eq!(s.last_seq, full.last_seq, "after {after}");
        if after >= 1999 {
            assert!(s.records < 2000, "earlier segments were not read: {s:?}");
        }
    }
    // Proof that skipped segments are not read: damage a record in the first segment
    // (not its header). A full scan fails there; a scan from past it does not.
    let first = j.segments()[0].clone();
    let mut b = std::fs::read(&first).unwrap();
    b[SEGMENT_HEADER_LEN + 40] ^= 0xff;
    std::fs::write(&first, b).unwrap();
    assert!(j.scan(|_| Ok::<(), JournalError>(())).is_err());
    let s = j.scan_from(1990, |_| Ok::<(), JournalError>(())).unwrap();
    assert_eq!(s.last_seq, Some(2000));
}

fn last_segment(dir: &Path) -> std::path::PathBuf {
    Journal::open(dir)
        .unwrap()
        .segments()
        .last()
        .unwrap()
        .clone()
}

#[test]
fn a_torn_tail_is_reported_cut_off_and_appended_after() {
    let dir = tempfile::tempdir().unwrap();
    let evs = events(50, 2);
    write(dir.path(), &evs, 1 << 20);
    let seg = last_segment(dir.path());
    let full = std::fs::metadata(&seg).unwrap().len();
    // Find where the last record starts, then cut it in half.
    let mut last_offset = 0;
    Journal::open(dir.path())
        .unwrap()
        .scan(|r| -> Result<(), JournalError> {
            last_offset = r.offset;
            Ok(())
        })
        .unwrap();
    let cut = last_offset + (full - last_offset) / 2;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(cut)
        .unwrap();

    let (back, summary) = read_events(dir.path());
    assert_eq!(back, evs[..49]);
    let torn = summary.torn_tail.expect("torn tail reported");
    assert_eq!((torn.offset, torn.bytes), (last_offset, cut - last_offset));

    let mut w = JournalWriter::open(dir.path(), opts(1 << 20)).unwrap();
    assert_eq!(w.recovered_tail().map(|t| t.offset), Some(last_offset));
    assert_eq!(w.next_seq(), 50);
    w.append_event(1, &evs[49]).unwrap();
    w.finish().unwrap();
    let (back, summary) = read_events(dir.path());
    assert_eq!(back, evs);
    assert_eq!(summary.torn_tail, None);
}

#[test]
fn open_at_end_reads_only_the_last_segment_and_cuts_its_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let evs = events(2000, 4);
    write(dir.path(), &evs, 16 << 10);
    let seg = last_segment(dir.path());
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    // A damaged record in a sealed segment is not read (a full open refuses it).
    let first = Journal::open(dir.path()).unwrap().segments()[0].clone();
    flip_byte(&first, SEGMENT_HEADER_LEN as u64 + 40);
    assert!(JournalWriter::open(dir.path(), opts(16 << 10)).is_err());
    let mut w = JournalWriter::open_at_end(dir.path(), opts(16 << 10)).unwrap();
    assert!(w.recovered_tail().is_some());
    assert_eq!(w.next_seq(), 2000);
    w.append_event(1, &evs[1999]).unwrap();
    w.finish().unwrap();
    let s = Journal::open(dir.path())
        .unwrap()
        .scan_from(1990, |_| Ok::<(), JournalError>(()))
        .unwrap();
    assert_eq!((s.last_seq, s.torn_tail), (Some(2000), None));
}

#[test]
fn a_zero_filled_tail_is_torn_too() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events(10, 3), 1 << 20);
    let seg = last_segment(dir.path());
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len + 4096)
        .unwrap();
    let (back, summary) = read_events(dir.path());
    assert_eq!(back.len(), 10);
    assert_eq!(
        summary.torn_tail.map(|t| (t.offset, t.bytes)),
        Some((len, 4096))
    );
}

fn flip_byte(path: &Path, offset: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

fn offsets(dir: &Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut v = Vec::new();
    Journal::open(dir)
        .unwrap()
        .scan(|r| -> Result<(), JournalError> {
            v.push((r.segment.to_path_buf(), r.offset));
            Ok(())
        })
        .unwrap();
    v
}

#[test]
fn corruption_before_the_tail_names_segment_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events(20, 4), 1 << 20);
    let (seg, off) = offsets(dir.path())[10].clone();
    flip_byte(&seg, off + 30); // inside the payload of record 11
    let err = Journal::open(dir.path()).unwrap().read_all().unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, JournalError::Corrupt { offset, .. } if offset == off),
        "{msg}"
    );
    assert!(
        msg.contains("00000000.arbj") && msg.contains("checksum"),
        "{msg}"
    );
}

#[test]
fn a_bad_record_in_a_sealed_segment_is_corruption_even_at_its_end() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events(400, 5), 4 << 10);
    let all = offsets(dir.path());
    let first = all[0].0.clone();
    let last_in_first = all.iter().rfind(|(s, _)| *s == first).unwrap().1;
    flip_byte(&first, last_in_first + 29);
    let err = Journal::open(dir.path()).unwrap().read_all().unwrap_err();
    assert!(
        matches!(&err, JournalError::Corrupt { segment, .. } if *segment == first),
        "{err}"
    );
    // A writer refuses to continue a corrupt journal.
    assert!(JournalWriter::open(dir.path(), opts(4 << 10)).is_err());
}

#[test]
fn headers_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events(3, 6), 1 << 20);
    let seg = last_segment(dir.path());
    flip_byte(&seg, 0);
    let err = Journal::open(dir.path()).unwrap().read_all().unwrap_err();
    assert!(err.to_string().contains("magic"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events(3, 6), 1 << 20);
    let seg = last_segment(dir.path());
    flip_byte(&seg, 8); // format version byte
    let err = Journal::open(dir.path()).unwrap().read_all().unwrap_err();
    assert!(matches!(err, JournalError::BadHeader { .. }), "{err}");

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Journal::open(empty.path()),
        Err(JournalError::Empty { .. })
    ));
}

#[test]
fn create_refuses_an_existing_journal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &events(3, 7), 1 << 20);
    assert!(JournalWriter::create(dir.path(), opts(1 << 20)).is_err());
}

#[test]
fn intents_are_synced_before_commit_returns_and_market_data_is_batched() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = JournalWriter::create(
        dir.path(),
        WriterOptions {
            segment_bytes: 1 << 20,
            sync: SyncMode::Fsync,
            batch_records: 3,
        },
    )
    .unwrap();
    let tick = Event::Tick;
    w.append_event(1, &tick).unwrap();
    w.commit().unwrap();
    w.append_event(2, &tick).unwrap();
    w.commit().unwrap();
    assert_eq!(w.stats().syncs, 0, "two market-data records stay batched");
    w.append_event(3, &tick).unwrap();
    w.commit().unwrap();
    assert_eq!(w.stats().syncs, 1, "the batch of three is synced");

    let (_, decs) = common::every_variant();
    let place = decs
        .iter()
        .find(|d| matches!(d, Decision::PlaceOrder(_)))
        .unwrap();
    w.append_event(4, &tick).unwrap();
    w.append_decision(4, place).unwrap();
    w.commit().unwrap();
    assert_eq!(w.stats().syncs, 2, "an order intent is synced at once");
    // What was synced is on disk for an independent reader.
    let (recs, _) = Journal::open(dir.path()).unwrap().read_all().unwrap();
    assert_eq!(recs.len(), 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_event_sequence_round_trips(seed in any::<u64>(), n in 1usize..200) {
        let dir = tempfile::tempdir().unwrap();
        let evs = events(n, seed);
        write(dir.path(), &evs, 8 << 10);
        let (back, _) = read_events(dir.path());
        prop_assert_eq!(back, evs);
    }

    #[test]
    fn a_truncated_journal_never_panics_and_keeps_a_prefix(seed in any::<u64>(), cut in 0.0f64..1.0) {
        let dir = tempfile::tempdir().unwrap();
        let evs = events(60, seed);
        write(dir.path(), &evs, 1 << 20);
        let seg = last_segment(dir.path());
        let len = std::fs::metadata(&seg).unwrap().len();
        std::fs::OpenOptions::new().write(true).open(&seg).unwrap().set_len((len as f64 * cut) as u64).unwrap();
        let (back, _) = read_events(dir.path());
        prop_assert_eq!(&back[..], &evs[..back.len()]);
    }

    #[test]
    fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_event(&bytes);
        let _ = decode_decision(&bytes);
    }
}
