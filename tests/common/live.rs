//! Running `arb` against the simulator in tests: the binary, a standalone `arb sim`
//! and its URLs, a scenario with faults, `arb live` through the library API, and its
//! journal read back.
#![allow(dead_code)]

use arb::event::{Decision, Event};
use arb::journal::{Journal, Record, RecordBody};
use arb::run::live::{LiveConfig, LiveOptions, LiveSummary};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The `arb` binary under test.
pub fn arb() -> Command {
    Command::new(env!("CARGO_BIN_EXE_arb"))
}

/// The repository root (scenarios/, profiles/, ...).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `text` to `dir/name` readable by the owner only, as credential files must be.
pub fn secret_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// A standalone `arb sim` on a free loopback port (speed 20), killed when dropped.
pub struct Sim {
    child: Child,
    /// What it printed at start: "kalshi rest", "kalshi ws", "ledger",
    /// "polymarket rest", "polymarket ws" to their URLs.
    pub urls: BTreeMap<String, String>,
}

impl Sim {
    /// Starts it for `duration_s` seconds and waits for its URLs.
    pub fn start(duration_s: &str) -> Sim {
        let mut child = arb()
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--duration",
                duration_s,
                "--speed",
                "20",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut urls = BTreeMap::new();
        while urls.len() < 5 {
            let line = lines.next().unwrap().unwrap();
            if let Some((k, v)) = line.split_once(": ") {
                urls.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        Sim { child, urls }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The arb-rich scenario with `faults` (TOML `[[fault]]` tables) appended, written to
/// `dir/s.toml`.
pub fn scenario_with_faults(dir: &Path, faults: &str) -> PathBuf {
    let base = std::fs::read_to_string(root().join("scenarios/arb-rich.toml")).unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, format!("{base}\n{faults}")).unwrap();
    path
}

/// Runs `arb live` in-process (library API, no log file) for `secs` into `journal`.
pub fn run_live(config: LiveConfig, journal: &Path, secs: f64) -> LiveSummary {
    arb::run::live::run(LiveOptions {
        config,
        journal: journal.to_path_buf(),
        duration: Some(Duration::from_secs_f64(secs)),
        allow_real_venues: false,
        log_file: false,
    })
    .unwrap()
}

/// Every record of the journal in `journal`.
pub fn journal_records(journal: &Path) -> Vec<Record> {
    Journal::open(journal).unwrap().read_all().unwrap().0
}

/// The decisions among `records`, in order.
pub fn decisions(records: &[Record]) -> Vec<Decision> {
    records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Decision(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

/// The events among `records`, in order.
pub fn events(records: Vec<Record>) -> Vec<Event> {
    records
        .into_iter()
        .filter_map(|r| {
            if let RecordBody::Event(e) = r.body {
                Some(e)
            } else {
                None
            }
        })
        .collect()
}

/// `arb inspect` of a journal: one JSON value a record.
pub fn inspect_records(journal: &Path) -> Vec<serde_json::Value> {
    let out = arb().arg("inspect").arg(journal).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs `arb live --duration SECONDS --config CFG --journal JOURNAL` to its end; a
/// failed run fails the test with its stderr.
pub fn live_cli(cfg: &Path, journal: &Path, seconds: &str) {
    let out = arb()
        .args(["live", "--duration", seconds, "--config"])
        .arg(cfg)
        .arg("--journal")
        .arg(journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The id a journal's `MarketDefined` gave the market with this venue id (as JSON,
/// from `inspect_records`).
pub fn market_id(records: &[serde_json::Value], venue_id: &str) -> serde_json::Value {
    records
        .iter()
        .find_map(|r| {
            let m = r["body"].get("MarketDefined")?;
            (m["venue_id"] == venue_id).then(|| m["id"].clone())
        })
        .unwrap_or_else(|| panic!("no market {venue_id} defined"))
}
