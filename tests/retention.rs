//! Journal retention: a journal written in small segments with a base snapshot at each
//! boundary (as `arb live`'s core writes it) is pruned by the `archive` and `delete`
//! policies to the base snapshot's segments plus `keep_segments`; archived files are the
//! segments byte for byte; the pruned journal replays to the full journal's decisions
//! and state hash, restarts at the right seq, bundles inside the kept range and refuses,
//! naming the removed range, outside it.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::engine::Reducer;
use arb::event::Event;
use arb::journal::retention::{self, Policy, Retention};
use arb::journal::snapshot::{list_snapshots, snapshot_dir, snapshot_file_name};
use arb::journal::{
    Journal, JournalError, JournalWriter, RecordKind, SyncMode, WriterOptions, segment_file_name,
};
use arb::run::CoreLoop;
use arb::run::live::restart::{Snapshotter, replay_with};
use arb::run::{paper, replay};
use arb::sim::Scenario;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SEGMENT: u64 = 64 << 10;

/// The events of a 2-minute arb-rich paper run.
fn events() -> &'static [(i64, Event)] {
    static EVENTS: OnceLock<Vec<(i64, Event)>> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let j = tmp.path().join("j");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut s = Scenario::load(&root.join("scenarios/arb-rich.toml")).unwrap();
        s.duration_ns = 120 * 1_000_000_000;
        paper::run_scenario(
            &s,
            &arb::config::Profile::default(),
            &j,
            SyncMode::OsBuffered,
        )
        .unwrap();
        let mut v = Vec::new();
        Journal::open(&j)
            .unwrap()
            .scan(|r| -> Result<(), JournalError> {
                if r.kind == RecordKind::Event {
                    v.push((r.ts, r.event()?));
                }
                Ok(())
            })
            .unwrap();
        v
    })
}

fn retention(dir: &Path, policy: Policy) -> Retention {
    Retention {
        policy,
        archive_dir: dir.join("archive"),
        keep_segments: 1,
    }
}

/// Writes the events into `dir` as the live core does (a step per event, snapshots
/// every 3000 events and at each segment boundary, retention after each base).
fn write_live(dir: &Path, policy: Policy, events: &[(i64, Event)]) {
    let opts = WriterOptions {
        segment_bytes: SEGMENT,
        sync: SyncMode::OsBuffered,
        batch_records: 256,
    };
    let writer = JournalWriter::open(dir, opts).unwrap();
    let mut reducer = Reducer::default();
    if writer.next_seq() > 1 {
        replay_with(dir, &mut reducer, true).unwrap();
    }
    let mut core = CoreLoop::new(writer, reducer);
    let events_now = core.reducer.stats().events;
    let mut snaps = Snapshotter::new(dir, 3000, events_now, Some(retention(dir, policy)));
    for (ts, ev) in events {
        core.step(*ts, ev).unwrap();
        snaps.after_step(&mut core).unwrap();
    }
    snaps.finish(&mut core).unwrap();
    core.writer.finish().unwrap();
}

fn segment_names(dir: &Path) -> Vec<String> {
    let j = Journal::open(dir).unwrap();
    j.segments()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn bytes_of(dir: &Path, ext: &str) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum()
}

struct Journals {
    _tmp: tempfile::TempDir,
    full: PathBuf,
    archived: PathBuf,
    deleted: PathBuf,
}

/// The same events journaled three times: kept whole, archived, deleted.
fn journals() -> Journals {
    let tmp = tempfile::tempdir().unwrap();
    let ev = events();
    let (full, archived, deleted) = (
        tmp.path().join("full"),
        tmp.path().join("archived"),
        tmp.path().join("deleted"),
    );
    write_live(&full, Policy::Keep, ev);
    write_live(&archived, Policy::Archive, ev);
    write_live(&deleted, Policy::Delete, ev);
    Journals {
        _tmp: tmp,
        full,
        archived,
        deleted,
    }
}

#[test]
fn retention_prunes_to_the_base_snapshot_and_replays_the_same() {
    let j = journals();
    let all = segment_names(&j.full);
    assert!(all.len() >= 6, "small segments roll: {all:?}");
    // Keep: every segment, and a base snapshot of each boundary kept beside them.
    let full_snaps: Vec<u64> = list_snapshots(&j.full)
        .unwrap()
        .iter()
        .map(|s| s.0)
        .collect();
    for info in retention::segment_infos(&j.full).unwrap().iter().skip(1) {
        assert!(
            full_snaps.contains(&(info.first_seq - 1)),
            "base snapshot of segment {} kept: {full_snaps:?}",
            info.index
        );
    }
    let (want, _) = replay::replay(&j.full).unwrap();
    assert_eq!(want.mismatches, 0);
    assert_eq!((want.starts_at_seq, want.from_snapshot), (None, None));

    for (dir, policy) in [(&j.archived, Policy::Archive), (&j.deleted, Policy::Delete)] {
        // The newest base is the active segment's; keep_segments = 1 keeps the one
        // before it: two segments in all.
        let kept = segment_names(dir);
        assert_eq!(kept, all[all.len() - 2..], "{policy:?}");
        let infos = retention::segment_infos(dir).unwrap();
        let first = infos[0].first_seq;
        assert!(first > 1);
        // The base snapshots of both kept segments are there; no others but the newest two.
        let snaps: Vec<u64> = list_snapshots(dir).unwrap().iter().map(|s| s.0).collect();
        assert!(snaps.contains(&(first - 1)) && snaps.contains(&(infos[1].first_seq - 1)));
        assert!(snaps.len() <= 4, "{snaps:?}");
        // Bounded: at most (1 + keep_segments) segments of the size plus a step each.
        assert!(bytes_of(dir, "arbj") <= 2 * (SEGMENT + 4096));

        let archive = dir.join("archive");
        if policy == Policy::Archive {
            for (i, name) in all[..all.len() - 2].iter().enumerate() {
                let back = retention::read_archived(&archive, i as u32).unwrap();
                assert_eq!(back, std::fs::read(j.full.join(name)).unwrap(), "{name}");
            }
            let note = retention::read_note(dir).unwrap();
            assert_eq!(
                (note.first_kept_seq, note.archive_dir),
                (first, Some(archive))
            );
        } else {
            assert!(!archive.exists());
        }

        // Replay: from the base snapshot, no mismatch, the full journal's state hash.
        let (got, _) = replay::replay(dir).unwrap();
        assert_eq!(got.mismatches, 0, "{:?}", got.first_mismatches);
        assert_eq!(got.state_hash, want.state_hash, "{policy:?}");
        assert_eq!(got.starts_at_seq, Some(first));
        assert_eq!(
            got.from_snapshot.as_deref(),
            Some(
                snapshot_dir(dir)
                    .join(snapshot_file_name(first - 1))
                    .as_path()
            )
        );
        // A reader that needs seq 1 says the records are gone, and where.
        let err = Journal::open(dir)
            .unwrap()
            .scan(|_| Ok::<(), JournalError>(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("records 1..={}", first - 1)), "{err}");
        if policy == Policy::Archive {
            assert!(err.contains("archived in"), "{err}");
        }
    }
}

#[test]
fn a_pruned_journal_restarts_where_it_ended() {
    let j = journals();
    let full_end = Journal::open(&j.full)
        .unwrap()
        .scan(|_| Ok::<(), JournalError>(()))
        .unwrap()
        .last_seq
        .unwrap();
    // Restart as `arb live` does: the newest snapshot, then the writer continues.
    let mut r = Reducer::default();
    let rep = replay_with(&j.archived, &mut r, true).unwrap();
    assert!(rep.snapshot.is_some());
    let mut whole = Reducer::default();
    replay_with(&j.full, &mut whole, false).unwrap();
    assert_eq!(r.state_hash(), whole.state_hash());
    let w = JournalWriter::open(&j.archived, WriterOptions::default()).unwrap();
    assert_eq!(w.next_seq(), full_end + 1);
    drop(w);
    // Continuing the pruned journal (another run of the same events) keeps it
    // consistent and still pruned; the replay still checks out.
    write_live(&j.archived, Policy::Archive, &events()[..2000]);
    let (got, _) = replay::replay(&j.archived).unwrap();
    assert_eq!(got.mismatches, 0, "{:?}", got.first_mismatches);
    assert!(got.starts_at_seq.unwrap() > 1);
}

#[test]
fn a_missing_base_snapshot_or_a_gap_is_a_clear_error() {
    let j = journals();
    let first = retention::segment_infos(&j.deleted).unwrap()[0].first_seq;
    let base = snapshot_dir(&j.deleted).join(snapshot_file_name(first - 1));
    std::fs::remove_file(&base).unwrap();
    let Err(err) = replay::replay(&j.deleted) else {
        panic!("replayed without its base snapshot")
    };
    let err = err.to_string();
    assert!(
        err.contains(&format!("starts at seq {first}"))
            && err.contains(&snapshot_file_name(first - 1))
            && err.contains("does not exist"),
        "{err}"
    );
    // A segment missing in the middle is corruption naming the segment after it.
    let names = segment_names(&j.full);
    std::fs::remove_file(j.full.join(&names[3])).unwrap();
    let err = Journal::open(&j.full)
        .unwrap()
        .scan_kept(|_| Ok::<(), JournalError>(()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&segment_file_name(4)) && err.contains("segment 3 was expected"),
        "{err}"
    );
}

#[test]
fn bundles_refuse_the_archived_range_and_work_in_the_kept_one() {
    let j = journals();
    let first = retention::segment_infos(&j.archived).unwrap()[0].first_seq;
    let out = j.archived.parent().unwrap().join("b.arbb");
    let make = |from: u64, to: u64| {
        arb::bundle::make(&arb::bundle::MakeOptions {
            journal: j.archived.clone(),
            out: out.clone(),
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            config: None,
        })
    };
    let err = make(1, first + 100).unwrap_err().to_string();
    assert!(
        err.contains(&format!("records 1..={}", first - 1))
            && err.contains("archived in")
            && err.contains(&format!("--from {first} or later")),
        "{err}"
    );
    assert!(!out.exists());
    let made = make(first + 50, first + 800).unwrap();
    assert!(made.manifest.events > 0);
    let s = arb::bundle::replay_bundle(&out).unwrap();
    assert_eq!(s.mismatches, 0, "{:?}", s.first_mismatches);
    assert!(s.bundle.unwrap().end_state_matches);
}

#[test]
fn segments_are_sealed_only_between_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("j");
    write_live(&dir, Policy::Keep, &events()[..6000]);
    let j = Journal::open(&dir).unwrap();
    assert!(j.segments().len() > 2);
    let mut first_kinds = Vec::new();
    let mut seg = None;
    let mut last_kind = None;
    j.scan(|r| -> Result<(), JournalError> {
        if seg.as_deref() != Some(r.segment) {
            seg = Some(r.segment.to_path_buf());
            first_kinds.push((r.kind, last_kind));
        }
        last_kind = Some(r.kind);
        Ok(())
    })
    .unwrap();
    // Every segment opens with an event (the previous one ended with a step's last
    // record), and none grows past the size by more than one step.
    assert!(
        first_kinds.iter().all(|(k, _)| *k == RecordKind::Event),
        "{first_kinds:?}"
    );
    for p in j.segments() {
        assert!(
            std::fs::metadata(p).unwrap().len() < SEGMENT + 4096,
            "{}",
            p.display()
        );
    }
}

#[test]
fn the_first_kept_segment_always_has_its_base_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("j");
    write_live(&dir, Policy::Keep, events());
    let infos = retention::segment_infos(&dir).unwrap();
    let n = infos.len();
    assert!(n >= 6);
    // The base of segment n-3 damaged, that of n-4 gone: keep_segments = 1 would keep
    // from n-2; with 2 it must fall back past both to n-5.
    let base = |i: usize| snapshot_dir(&dir).join(snapshot_file_name(infos[i].first_seq - 1));
    let mut b = std::fs::read(base(n - 3)).unwrap();
    *b.last_mut().unwrap() ^= 1;
    std::fs::write(base(n - 3), b).unwrap();
    std::fs::remove_file(base(n - 4)).unwrap();
    let plan = retention::plan(&dir, 2).unwrap();
    assert_eq!(plan.len(), n - 5, "{plan:?}");
    let r = Retention {
        keep_segments: 2,
        ..retention(&dir, Policy::Delete)
    };
    let applied = retention::apply(&dir, &r).unwrap();
    assert_eq!(applied.first_kept.unwrap().0, infos[n - 5].index);
    assert!(base(n - 5).exists());
    let (got, _) = replay::replay(&dir).unwrap();
    assert_eq!(got.mismatches, 0);
    // keep_segments = 0: only the newest base snapshot's segment (the active one).
    let r = Retention {
        keep_segments: 0,
        ..retention(&dir, Policy::Delete)
    };
    retention::apply(&dir, &r).unwrap();
    assert_eq!(segment_names(&dir), [segment_file_name(infos[n - 1].index)]);
    let (got, _) = replay::replay(&dir).unwrap();
    assert_eq!(got.mismatches, 0);
    // Nothing left to remove: a second pass is a no-op.
    assert_eq!(retention::apply(&dir, &r).unwrap(), Default::default());
}
