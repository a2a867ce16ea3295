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

/// The `fed-cut-dec` question of the scenarios: its Kalshi ticker and Polymarket tokens.
pub const FED_KALSHI: &str = "KXFEDDECISION-26DEC-C25";
pub const FED_POLY_YES: &str =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";
pub const FED_POLY_NO: &str =
    "52114319501245915516055106046884209969926127482827954674443846427813813222426";

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
    /// "polymarket rest", "polymarket ws", "polymarket gamma" to their URLs.
    pub urls: BTreeMap<String, String>,
}

impl Sim {
    /// Starts it for `duration_s` seconds and waits for its URLs.
    pub fn start(duration_s: &str) -> Sim {
        Sim::start_with(None, duration_s)
    }

    /// Starts it on `scenario` (the embedded one when `None`) for `duration_s` seconds.
    pub fn start_with(scenario: Option<&Path>, duration_s: &str) -> Sim {
        Sim::start_with_args(scenario, duration_s, &[])
    }

    /// As `start_with`, with `extra` arguments to `arb sim` (e.g. `--clock-origin-ms`).
    pub fn start_with_args(scenario: Option<&Path>, duration_s: &str, extra: &[&str]) -> Sim {
        let mut cmd = arb();
        cmd.args(["sim", "--listen", "127.0.0.1:0", "--duration", duration_s]);
        if !extra.contains(&"--speed") {
            cmd.args(["--speed", "20"]);
        }
        if let Some(s) = scenario {
            cmd.arg("--scenario").arg(s);
        }
        cmd.args(extra);
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut urls = BTreeMap::new();
        while urls.len() < 6 {
            let line = lines.next().unwrap().unwrap();
            if let Some((k, v)) = line.split_once(": ") {
                urls.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        Sim { child, urls }
    }
}

impl Sim {
    /// `GET /_sim/ledger`: every order, fill and position the venue holds.
    pub fn ledger(&self) -> serde_json::Value {
        self.admin("ledger", None).1
    }

    /// One of the simulator's own calls (`/_sim/NAME`): a GET, or a POST of `body`;
    /// its status and JSON answer.
    pub fn admin(&self, name: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        self.call(&format!("/_sim/{name}"), body)
    }

    /// Any of its endpoints by path (`/trade-api/v2/...`): its status and JSON answer.
    pub fn call(&self, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let url = self.urls["ledger"].replace("/_sim/ledger", path);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
        rt.block_on(async move {
            let req = match body {
                Some(b) => http.post(url).json(&b),
                None => http.get(url),
            };
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or_default())
        })
    }

    /// A live config (`dir/live.toml`) for both venues of this simulator, trading every
    /// market of `scenario` (arb-rich when `None`) with its pairs, with the simulator's
    /// public test keys; `top` is added at the top level (e.g. timeouts), `profile`
    /// written to `dir/profile.toml` and used.
    pub fn live_config(
        &self,
        dir: &Path,
        scenario: Option<&Path>,
        top: &str,
        profile: Option<&str>,
    ) -> PathBuf {
        use arb::sim::server::sim_keys;
        let kalshi_key = secret_file(dir, "kalshi.pem", sim_keys::KALSHI_KEY_PEM);
        let poly_key = secret_file(dir, "poly.key", sim_keys::POLY_PRIVATE_KEY);
        let creds = format!(
            r#"{{"apiKey":"{}","secret":"{}","passphrase":"{}"}}"#,
            sim_keys::POLY_API_KEY,
            sim_keys::POLY_API_SECRET,
            sim_keys::POLY_PASSPHRASE
        );
        let poly_creds = secret_file(dir, "poly-creds.json", &creds);
        let scenario_path = scenario
            .map(Path::to_path_buf)
            .unwrap_or_else(|| root().join("scenarios/arb-rich.toml"));
        let scenario = arb::sim::Scenario::load(&scenario_path).unwrap();
        let ids = |v: arb::core::Venue| {
            scenario
                .markets
                .iter()
                .filter(|m| m.venue == v)
                .map(|m| format!("\"{}\"", m.venue_id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let pairs = scenario.pairs_mapping();
        std::fs::write(dir.join("pairs.toml"), pairs).unwrap();
        let mut text = format!(
            "pairs = \"{}\"\n{top}\n[kalshi]\nrest_url = \"{}\"\nws_url = \"{}\"\nkey_id = \"{}\"\nprivate_key = {{ file = \"{}\" }}\nmarkets = [{}]\n[polymarket]\nrest_url = \"{}\"\nws_url = \"{}/ws/market\"\ndata_url = \"{}\"\nprivate_key = {{ file = \"{}\" }}\napi_creds = {{ file = \"{}\" }}\ntokens = [{}]\ngamma_url = \"{}\"\n",
            dir.join("pairs.toml").display(),
            self.urls["kalshi rest"],
            self.urls["kalshi ws"],
            sim_keys::KALSHI_KEY_ID,
            kalshi_key.display(),
            ids(arb::core::Venue::Kalshi),
            self.urls["polymarket rest"],
            self.urls["polymarket ws"],
            self.urls["polymarket rest"],
            poly_key.display(),
            poly_creds.display(),
            ids(arb::core::Venue::Polymarket),
            self.urls["polymarket gamma"],
        );
        if let Some(body) = profile {
            std::fs::write(dir.join("profile.toml"), body).unwrap();
            text = format!(
                "profile = \"{}\"\n{text}",
                dir.join("profile.toml").display()
            );
        }
        let p = dir.join("live.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// One account of `GET /_sim/ledger` (`arb-kalshi`, `arb-polymarket`, ...).
pub fn ledger_account<'a>(ledger: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    ledger["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no account {name} in the ledger"))
}

/// `arb live --duration SECONDS --config CFG --journal JOURNAL`, started in the
/// background with its output discarded.
pub fn spawn_live(cfg: &Path, journal: &Path, seconds: &str) -> Child {
    arb()
        .args(["live", "--duration", seconds, "--config"])
        .arg(cfg)
        .arg("--journal")
        .arg(journal)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Client order ids the venue received more than once (Kalshi keeps the client's id;
/// a Polymarket order is known by its signed hash): none may be.
pub fn orders_placed_twice(ledger: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = ledger["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["client_order_id"].as_str().map(str::to_string))
        .collect();
    ids.sort_unstable();
    let mut twice: Vec<String> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].clone())
        .collect();
    twice.dedup();
    twice
}

/// `arb replay JOURNAL --json`.
pub fn replay_json(journal: &Path) -> serde_json::Value {
    let out = arb()
        .arg("replay")
        .arg(journal)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `arb orders JOURNAL --json`: open orders, positions, exposure, mode.
pub fn orders_json(journal: &Path) -> serde_json::Value {
    let out = arb()
        .arg("orders")
        .arg(journal)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Positions as (venue id, outcome, qty), sorted.
pub type Positions = Vec<(String, String, String)>;

/// The engine's positions (`arb orders JOURNAL --json`) against the venue's ledger,
/// per venue, as (engine, venue).
pub fn positions_engine_and_venue(
    journal: &Path,
    ledger: &serde_json::Value,
    venue_name: &str,
    account_name: &str,
) -> (Positions, Positions) {
    let view = orders_json(journal);
    let mut engine: Positions = view["positions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["venue"] == venue_name)
        .map(|p| {
            (
                p["market"].as_str().unwrap().to_string(),
                p["outcome"].as_str().unwrap().to_string(),
                p["qty"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let account = ledger_account(ledger, account_name);
    let mut venue: Positions = account["positions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p[2].as_i64().unwrap() != 0)
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_lowercase(),
                arb::core::Qty(p[2].as_i64().unwrap()).to_string(),
            )
        })
        .collect();
    engine.sort();
    venue.sort();
    (engine, venue)
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

/// Every record the journal still holds (after retention, it may start past seq 1).
pub fn journal_records_kept(journal: &Path) -> Vec<Record> {
    let mut records = Vec::new();
    Journal::open(journal)
        .unwrap()
        .scan_kept(|r| -> Result<(), arb::journal::JournalError> {
            records.push(r.to_owned()?);
            Ok(())
        })
        .unwrap();
    records
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

/// A scenario `[[question]]` for one bucket of the exclusive Kalshi event
/// `KXRATE-26DEC` (fair 0.30, no dislocation: three of them ask below $1 together).
pub fn rate_bucket(name: &str, ticker: &str, schedule: &str) -> String {
    format!(
        "[[question]]\nname = \"{name}\"\nevent = \"KXRATE-26DEC\"\nfair = 0.30\nvolatility = 0.002\nspread = 0.02\ndepth = 20\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"{ticker}\"\n{schedule}"
    )
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

/// What a run that closed its own exposure shows at the end: no position left to the
/// operator (`Halt UnhedgedExposure`), the engine's Kalshi positions the venue's, and a
/// replay that finds every decision again.
pub fn assert_closed_by_the_engine<'a>(
    journal: &Path,
    sim: &Sim,
    decisions: impl IntoIterator<Item = &'a arb::event::Decision>,
    why: &str,
) {
    let left = decisions.into_iter().any(|d| {
        matches!(
            d,
            arb::event::Decision::Halt {
                reason: arb::event::HaltReason::UnhedgedExposure
            }
        )
    });
    assert!(!left, "{why}");
    let (engine, venue) =
        positions_engine_and_venue(journal, &sim.ledger(), "kalshi", "arb-kalshi");
    assert_eq!(engine, venue);
    assert_eq!(replay_json(journal)["mismatches"], 0);
}

/// Whether `arb orders --json` shows no open order of unknown outcome.
pub fn no_unknown_orders(view: &serde_json::Value) -> bool {
    view["open_orders"]
        .as_array()
        .is_some_and(|o| o.iter().all(|o| o["unknown"] == false))
}

/// A standalone simulator on a scenario written into a temporary directory, and `arb
/// live` runs against it that discover their markets (no ticker or token list),
/// journaling into `dir/j` (a second run continues the first's journal).
pub struct Discovering {
    pub dir: tempfile::TempDir,
    pub scenario: PathBuf,
    pub sim: Sim,
}

impl Discovering {
    /// The simulator on the scenario `write` puts into the directory.
    pub fn start(write: impl FnOnce(&Path) -> std::path::PathBuf) -> Discovering {
        let dir = tempfile::tempdir().unwrap();
        let scenario = write(dir.path());
        let sim = Sim::start_with(Some(&scenario), "60");
        Discovering { dir, scenario, sim }
    }

    /// Runs `arb live` for `seconds` with `universe` the `[universe]` table; the
    /// journal and its records.
    pub fn run(&self, universe: &str, seconds: &str) -> (PathBuf, Vec<serde_json::Value>) {
        self.run_top(&format!("[universe]\n{universe}"), seconds)
    }

    /// As `run`, with `top` the configuration's top (top-level keys, then tables).
    pub fn run_top(&self, top: &str, seconds: &str) -> (PathBuf, Vec<serde_json::Value>) {
        let cfg = self.config(top);
        self.run_config(&cfg, seconds)
    }

    /// The live configuration (`dir/live.toml`, its mapping `dir/pairs.toml` the
    /// scenario's pairs) with `top` and no market list.
    pub fn config(&self, top: &str) -> PathBuf {
        let cfg = self
            .sim
            .live_config(self.dir.path(), Some(&self.scenario), top, None);
        let text: String = std::fs::read_to_string(&cfg)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("markets = [") && !l.starts_with("tokens = ["))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&cfg, text).unwrap();
        cfg
    }

    /// Runs `arb live` on `cfg` for `seconds` (journal `dir/j`); the journal and its
    /// records.
    pub fn run_config(&self, cfg: &Path, seconds: &str) -> (PathBuf, Vec<serde_json::Value>) {
        let journal = self.dir.path().join("j");
        live_cli(cfg, &journal, seconds);
        let recs = inspect_records(&journal);
        (journal, recs)
    }
}

/// A scenario shipped in `scenarios/`, loaded.
pub fn shipped_scenario(file: &str) -> arb::sim::Scenario {
    arb::sim::Scenario::load(&root().join("scenarios").join(file)).unwrap()
}

/// Runs `cmd` to its end; a failure fails the test with its stderr. Its output.
pub fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A scenario's first lines: its name and seed, an hour from 2026-11-30 in 250 ms
/// steps, $1,000 at each venue.
pub fn scenario_head(name: &str, seed: u64) -> String {
    format!(
        "name = \"{name}\"\nseed = {seed}\nstart_ms = 1795996800000\nduration_s = 3600\nstep_ms = 250\ntick_ms = 1000\n[cash]\nkalshi = \"1000.00\"\npolymarket = \"1000.00\"\n"
    )
}

/// A `[[question]]` at fair 0.40 with a 2-cent spread, three levels of 40, no
/// dislocation, moving by `volatility`, on the markets `venues` names (its `kalshi`,
/// `polymarket_yes` and `polymarket_no` lines, and anything else).
pub fn question(name: &str, volatility: f64, venues: &str) -> String {
    format!(
        "[[question]]\nname = \"{name}\"\nfair = 0.4\nvolatility = {volatility}\nspread = 0.02\ndepth = 40\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\n{venues}"
    )
}

/// The `kalshi`, `polymarket_yes` and `polymarket_no` lines of a question on both venues.
pub fn both_venues(kalshi: &str, yes: &str, no: &str) -> String {
    format!("kalshi = \"{kalshi}\"\npolymarket_yes = \"{yes}\"\npolymarket_no = \"{no}\"\n")
}

/// Runs `arb live` on `cfg` for `seconds` in the background and reads the simulator's
/// `streams` (what each open market-data session streams) `at_s` seconds in; the
/// journal (`dir/j`) and those counts.
pub fn streams_while_running(
    d: &Discovering,
    cfg: &Path,
    seconds: &str,
    at_s: u64,
) -> (PathBuf, serde_json::Value) {
    let journal = d.dir.path().join("j");
    let mut live = spawn_live(cfg, &journal, seconds);
    // While it runs: a session leaves the count when it closes.
    std::thread::sleep(std::time::Duration::from_secs(at_s));
    let streams = d.sim.ledger()["streams"].clone();
    assert!(live.wait().unwrap().success());
    (journal, streams)
}
