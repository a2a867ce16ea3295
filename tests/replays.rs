//! The regression journals of `replays/`: each case's `arb replay --json` and
//! `arb montecarlo --json --seed 7 --paths 64` must equal its `expected/replay.json`
//! and `expected/montecarlo.json`, so any change to the reducer's behaviour (or to the
//! Monte Carlo venue) shows as a diff of those files.
//!
//! The outputs are compared as pretty-printed JSON with sorted keys, after dropping
//! `journal` (the path as given; everything else is a function of the journal, the
//! seed and the build). Each replay must also have 0 mismatches.
//!
//! When a change is meant to alter behaviour, regenerate the expected files and
//! review their diff before committing it:
//!
//! ```sh
//! ARB_BLESS_REPLAYS=1 cargo test --test replays
//! git diff replays/
//! ```
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: &str = "7";
const PATHS: &str = "64";

/// The cases; a directory in `replays/` that is not listed here fails the test.
const CASES: [&str; 2] = ["paper-arb-rich-60s", "live-sim-faults"];

fn replays() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("replays")
}

/// Runs `arb ARGS` (exit status `code`) and returns its JSON output, normalised.
fn run(args: &[&str], code: i32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "arb {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    if let Some(m) = v.as_object_mut() {
        m.remove("journal");
    }
    // serde_json's maps are sorted by key.
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

/// Compares `actual` with the expected file, or writes it when blessing.
fn check(expected: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("ARB_BLESS_REPLAYS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_default();
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(actual.lines().count()));
        failures.push(format!(
            "{} differs from the output first at line {}:\n  expected: {}\n  actual:   {}",
            expected.display(),
            line + 1,
            want.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        ));
    }
}

#[test]
fn recorded_journals_give_their_expected_outputs() {
    let mut dirs: Vec<String> = std::fs::read_dir(replays())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut listed = CASES.map(String::from).to_vec();
    listed.sort();
    assert_eq!(dirs, listed, "every case in replays/ is listed in CASES");

    let mut failures = Vec::new();
    for case in CASES {
        let dir = replays().join(case);
        let journal = dir.join("journal");
        let j = journal.to_str().unwrap();
        let replay = run(&["replay", j, "--json"], 0);
        let v: Value = serde_json::from_str(&replay).unwrap();
        assert_eq!(v["mismatches"], 0, "{case}: {replay}");
        assert!(v["decisions"].as_u64().unwrap() > 0, "{case}: {replay}");
        check(&dir.join("expected/replay.json"), &replay, &mut failures);
        let mc = run(
            &["montecarlo", j, "--json", "--seed", SEED, "--paths", PATHS],
            0,
        );
        check(&dir.join("expected/montecarlo.json"), &mc, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended: ARB_BLESS_REPLAYS=1 cargo test --test replays, \
         then review `git diff replays/`.",
        failures.join("\n")
    );
}

/// The live case's journal holds what it is kept for: venue faults seen by the engine
/// (partial fills, a feed disconnect) and their consequence (unhedged exposure, safe
/// mode).
#[test]
fn the_live_case_records_its_faults() {
    let journal = replays().join("live-sim-faults/journal");
    let out = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["inspect", journal.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"Disconnected\""), "a ws_disconnect");
    assert!(
        text.contains("\"OrderCanceled\""),
        "a partial fill's remainder"
    );
    assert!(
        text.contains("\"UnhedgedExposure\""),
        "the exposure it left"
    );
}
