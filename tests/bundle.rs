//! `arb bundle` and `arb replay BUNDLE`: a window in the middle of a paper run replays
//! with no mismatch into the state the source journal reached; secrets never reach a
//! bundle; damaged or foreign files are clear errors, never panics.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::journal::{Journal, JournalWriter, RecordBody, SyncMode, WriterOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn arb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok_json(out: Output) -> Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A 60-second arb-rich paper run, through the CLI (so its config is recorded).
fn paper_journal(dir: &Path) -> PathBuf {
    let scenario = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arb-rich.toml"),
    )
    .unwrap()
    .replace("duration_s = 3600", "duration_s = 60");
    let file = dir.join("s.toml");
    std::fs::write(&file, scenario).unwrap();
    let journal = dir.join("j");
    ok_json(arb(&[
        "paper",
        "--json",
        "--scenario",
        s(&file),
        "--journal",
        s(&journal),
    ]));
    journal
}

/// The state hash of the source journal after `last_seq`, by replaying a copy of
/// its records up to there (independent of the bundle's own bookkeeping).
fn hash_at(journal: &Path, last_seq: u64, dir: &Path) -> String {
    let (records, _) = Journal::open(journal).unwrap().read_all().unwrap();
    let opts = WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    };
    let copy = dir.join(format!("upto-{last_seq}"));
    let mut w = JournalWriter::create(&copy, opts).unwrap();
    for r in records.iter().filter(|r| r.seq <= last_seq) {
        match &r.body {
            RecordBody::Event(e) => w.append_event(r.ts, e).unwrap(),
            RecordBody::Decision(d) => w.append_decision(r.ts, d).unwrap(),
        };
    }
    w.finish().unwrap();
    let (summary, _) = arb::run::replay::replay(&copy).unwrap();
    assert_eq!(summary.mismatches, 0);
    summary.state_hash
}

#[test]
fn a_window_in_the_middle_replays_exactly_into_the_source_state() {
    let dir = tempfile::tempdir().unwrap();
    let journal = paper_journal(dir.path());
    let (records, _) = Journal::open(&journal).unwrap().read_all().unwrap();
    let n = records.len() as u64;
    let (from, to) = (n / 3, 2 * n / 3);
    let bundle = dir.path().join("b.arb");
    let made = ok_json(arb(&[
        "bundle",
        s(&journal),
        "--out",
        s(&bundle),
        "--from",
        &from.to_string(),
        "--to",
        &to.to_string(),
        "--json",
    ]));
    let m = &made["manifest"];
    let first = m["first_seq"].as_u64().unwrap();
    let last = m["last_seq"].as_u64().unwrap();
    // The window starts at the first event at or after --from and ends with the
    // decisions of the last event at or before --to.
    assert!(first >= from && first < to, "{m}");
    assert!(matches!(
        records[first as usize - 1].body,
        RecordBody::Event(_)
    ));
    assert!(last >= to, "{m}");
    let events = records[first as usize - 1..last as usize]
        .iter()
        .filter(|r| matches!(r.body, RecordBody::Event(_)))
        .count() as u64;
    assert_eq!(m["events"], events);
    assert_eq!(m["arb_version"], env!("CARGO_PKG_VERSION"));

    let out = arb(&["replay", s(&bundle), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let rep = ok_json(out);
    assert_eq!(rep["mismatches"], 0, "{rep}");
    assert_eq!(rep["events"], events);
    assert_eq!(rep["bundle"]["end_state_matches"], true, "{rep}");
    assert_eq!(rep["state_hash"], hash_at(&journal, last, dir.path()));
    assert_eq!(
        m["start_state_hash"],
        hash_at(&journal, first - 1, dir.path())
    );

    // The summary and the recorded (paper) config are in the bundle.
    let b = arb::bundle::open::read(&bundle).unwrap();
    let summary: Value =
        serde_json::from_slice(arb::bundle::section(&b.sections, "summary.json").unwrap()).unwrap();
    assert_eq!(summary["events"], events);
    let placed = summary["decisions_by_kind"]["place_order"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(summary["orders_placed"], placed);
    assert!(placed > 0, "a third of arb-rich places orders: {summary}");
    let config: Value =
        serde_json::from_slice(arb::bundle::section(&b.sections, "config.json").unwrap()).unwrap();
    assert_eq!(config["recorded"]["command"], "paper", "{config}");
    assert!(config["engine_from_journal"]["config_loaded"].is_object());

    // A bundle is refused as --out twice, and the window can be given in time.
    let again = arb(&["bundle", s(&journal), "--out", s(&bundle)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let by_time = dir.path().join("t.arb");
    let t = ok_json(arb(&[
        "bundle",
        s(&journal),
        "--out",
        s(&by_time),
        "--from",
        m["first_time"].as_str().unwrap(),
        "--to",
        m["last_time"].as_str().unwrap(),
        "--json",
    ]));
    // Records that share the bounds' times come along.
    let tm = &t["manifest"];
    assert!(tm["first_seq"].as_u64().unwrap() <= first, "{tm}");
    assert!(tm["last_seq"].as_u64().unwrap() >= last, "{tm}");
    assert_eq!(tm["first_ts"], m["first_ts"]);
    let rep = ok_json(arb(&["replay", s(&by_time), "--json"]));
    assert_eq!(rep["mismatches"], 0);
}

#[test]
fn the_whole_journal_by_default_and_bad_windows_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let journal = paper_journal(dir.path());
    let bundle = dir.path().join("all.arb");
    let made = ok_json(arb(&["bundle", s(&journal), "--out", s(&bundle), "--json"]));
    assert_eq!(made["manifest"]["first_seq"], 1);
    let full = ok_json(arb(&["replay", s(&journal), "--json"]));
    let rep = ok_json(arb(&["replay", s(&bundle), "--json"]));
    assert_eq!(rep["state_hash"], full["state_hash"]);
    assert_eq!(rep["decisions"], full["decisions"]);
    for (from, to, says) in [
        ("99999999", "99999999", "holds no event"),
        ("300", "200", "--from is after --to"),
        (
            "yesterday",
            "5",
            "neither a journal seq nor an RFC 3339 time",
        ),
    ] {
        let out = dir.path().join(format!("bad-{from}.arb"));
        let r = arb(&[
            "bundle",
            s(&journal),
            "--out",
            s(&out),
            "--from",
            from,
            "--to",
            to,
        ]);
        assert_eq!(r.status.code(), Some(1), "{from}..{to}");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains(says), "{err}");
        assert!(!out.exists());
    }
}

/// Every secret a run could hold: the simulator's keys (an `arb live` run uses them),
/// values behind `{ env }` and `{ file }` references, and literal secrets in a config
/// file, in a config line an older writer left unredacted, and in log lines.
#[test]
fn no_secret_reaches_a_bundle() {
    use arb::sim::server::sim_keys;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("live");
    let live = ok_json(arb(&[
        "live",
        "--json",
        "--duration",
        "1.5",
        "--journal",
        s(&journal),
    ]));
    assert!(live["events"].as_u64().unwrap() > 0);
    let env_secret = "env-secret-Zq8vT3xW9yK2mN5pR7sU1bC4dF6gH0jL";
    let file_secret = "file-secret-Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk";
    let key_file = dir.path().join("poly.json");
    std::fs::write(&key_file, file_secret).unwrap();
    let literal_pem =
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    let literal_hex = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let passphrase = "correct horse battery staple";
    let config = dir.path().join("live.toml");
    std::fs::write(
        &config,
        format!(
            "[kalshi]\nrest_url = \"http://127.0.0.1:9\"\nws_url = \"ws://127.0.0.1:9\"\n\
             key_id = \"kid-7f3e2a\"\nprivate_key = {literal_pem:?}\nmarkets = [\"KXFED\"]\n\
             [polymarket]\nprivate_key = {{ env = \"ARB_TEST_POLY_KEY\" }}\n\
             api_creds = {{ file = {:?} }}\nwallet = {literal_hex:?}\n\
             [polymarket.extra]\npassphrase = {passphrase:?}\n",
            key_file.display()
        ),
    )
    .unwrap();
    // An unredacted config line and log lines holding secrets.
    let leaky = serde_json::json!({"started_ns": 0, "config": {"api_secret": sim_keys::POLY_API_SECRET, "passphrase": passphrase}});
    std::fs::write(journal.join("config.jsonl"), format!("{leaky}\n")).unwrap();
    let now = arb::clock::rfc3339(arb::clock::wall_ns());
    let log = journal.join("logs/arb.log");
    let mut lines = std::fs::read_to_string(&log).unwrap();
    lines.push_str(&format!(
        "{}\n{}\n",
        serde_json::json!({"timestamp": now, "message": "signing", "api_secret": env_secret}),
        serde_json::json!({"timestamp": now, "message": sim_keys::KALSHI_KEY_PEM}),
    ));
    std::fs::write(&log, lines).unwrap();

    let secrets = [
        sim_keys::KALSHI_KEY_PEM.lines().nth(1).unwrap(),
        sim_keys::POLY_PRIVATE_KEY,
        sim_keys::POLY_API_SECRET,
        sim_keys::POLY_PASSPHRASE,
        env_secret,
        file_secret,
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        literal_hex,
        passphrase,
        "kid-7f3e2a",
    ];
    for (name, extra) in [("recorded", None), ("explicit", Some(&config))] {
        let bundle = dir.path().join(format!("{name}.arb"));
        let mut args = vec!["bundle", s(&journal), "--out", s(&bundle), "--json"];
        if let Some(c) = extra {
            args.extend(["--config", s(c)]);
        }
        let out = Command::new(env!("CARGO_BIN_EXE_arb"))
            .args(&args)
            .env("ARB_TEST_POLY_KEY", env_secret)
            .output()
            .unwrap();
        let made = ok_json(out);
        assert!(made["log_lines"].as_u64().unwrap() >= 4, "{made}");
        assert!(made["redacted"].as_u64().unwrap() >= 3, "{made}");
        let bytes = std::fs::read(&bundle).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in secrets {
            assert!(!text.contains(secret), "{name} bundle holds {secret:?}");
        }
        assert!(text.contains("<redacted>"));
        if extra.is_some() {
            // References say where a secret is; they are kept.
            assert!(text.contains("ARB_TEST_POLY_KEY") && text.contains("poly.json"));
        }
        let rep = ok_json(arb(&["replay", s(&bundle), "--json"]));
        assert_eq!(rep["mismatches"], 0, "a live run's bundle replays: {rep}");
        assert_eq!(rep["bundle"]["end_state_matches"], true);
    }
}

fn small_bundle() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let journal = paper_journal(dir.path());
    let bundle = dir.path().join("b.arb");
    ok_json(arb(&[
        "bundle",
        s(&journal),
        "--out",
        s(&bundle),
        "--from",
        "400",
        "--to",
        "600",
        "--json",
    ]));
    let bytes = std::fs::read(&bundle).unwrap();
    (dir, bundle, bytes)
}

#[test]
fn foreign_truncated_and_newer_files_are_named_errors() {
    let (dir, _, bytes) = small_bundle();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "text.arb",
            b"hello, not a bundle".to_vec(),
            "not an arb bundle",
        ),
        ("short.arb", bytes[..bytes.len() / 2].to_vec(), "truncated"),
        ("header.arb", bytes[..10].to_vec(), "truncated"),
        (
            "v9.arb",
            {
                let mut b = bytes.clone();
                b[8] = 9;
                let crc = crc32c::crc32c(&b[..20]);
                b[20..24].copy_from_slice(&crc.to_le_bytes());
                b
            },
            "bundle version 9",
        ),
    ];
    for (name, data, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        let out = arb(&["replay", s(&path)]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name) && err.contains(says), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let missing = arb(&["replay", s(&dir.path().join("nope.arb"))]);
    assert_eq!(missing.status.code(), Some(1));
}

mod prop {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn sample() -> &'static Vec<u8> {
        static B: OnceLock<Vec<u8>> = OnceLock::new();
        B.get_or_init(|| {
            let (_dir, _, bytes) = small_bundle();
            bytes
        })
    }

    fn parse(b: &[u8]) -> Result<(), String> {
        arb::bundle::open::parse(Path::new("x.arb"), b)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..512),
                                    magic in any::<bool>()) {
            let mut b = b;
            if magic {
                let mut m = arb::bundle::BUNDLE_MAGIC.to_vec();
                m.append(&mut b);
                b = m;
            }
            let err = parse(&b).unwrap_err();
            prop_assert!(err.starts_with("bundle x.arb: "), "{}", err);
        }

        #[test]
        fn every_truncation_is_an_error(cut in 0usize..1_000_000) {
            let b = sample();
            let cut = cut % b.len();
            let err = parse(&b[..cut]).unwrap_err();
            prop_assert!(err.contains("x.arb"), "{}", err);
        }

        #[test]
        fn every_bit_flip_is_an_error(at in 0usize..1_000_000, bit in 0u8..8) {
            let mut b = sample().clone();
            let at = at % b.len();
            b[at] ^= 1 << bit;
            prop_assert!(parse(&b).is_err(), "flip at byte {} bit {} went unnoticed", at, bit);
        }
    }

    #[test]
    fn the_sample_itself_parses() {
        assert_eq!(parse(sample()), Ok(()));
    }
}
