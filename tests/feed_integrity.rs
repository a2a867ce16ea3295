//! Feed integrity in `arb live` against the simulator (issue 5): a crossed book is
//! resynced at once and not traded, a sequence gap ends with the simulator's exact
//! book, and the watchdog's live view (`status.json`) is written while the run goes.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::{MarketId, Price, Qty, Venue};
use arb::engine::book::Book;
use arb::event::{Decision, Event, FeedState, LevelChange};
use arb::journal::{Record, RecordBody};
use arb::run::live::{LiveConfig, LiveSummary};
use common::live::{journal_records, run_live, scenario_with_faults, secret_file};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const FED: &str = "KXFEDDECISION-26DEC-C25";
const FED_POLY_YES: &str =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";

fn run(config: LiveConfig, journal: &Path, secs: f64) -> (LiveSummary, Vec<Record>) {
    let summary = run_live(config, journal, secs);
    let records = journal_records(journal);
    let (rep, _) = arb::run::replay::replay(journal).unwrap();
    assert_eq!(rep.mismatches, 0, "the run replays deterministically");
    (summary, records)
}

fn market_id(records: &[Record], venue_id: &str) -> MarketId {
    records
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Event(Event::MarketDefined(m)) if m.venue_id == venue_id => Some(m.id),
            _ => None,
        })
        .unwrap()
}

/// Applies a book event to the books as the reducer does.
fn apply(books: &mut BTreeMap<MarketId, Book>, e: &Event) {
    let mut delta = |d: &arb::event::BookDelta| {
        let b = books.entry(d.market).or_default();
        let _ = match d.change {
            LevelChange::Add(q) => b.add(d.side, d.price, q),
            LevelChange::Set(q) => b.set(d.side, d.price, q),
        };
    };
    match e {
        Event::BookSnapshot(s) => {
            let _ = books.entry(s.market).or_default().replace(&s.bids, &s.asks);
        }
        Event::BookDelta(d) => delta(d),
        Event::BookBatch(b) => b.deltas.iter().for_each(delta),
        _ => {}
    }
}

#[test]
fn a_crossed_book_is_resynced_at_once_and_not_traded_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    // At 2 s and 3 s of wall time (speed 20; start-up has room under load): one crossed
    // delta on each venue's stream.
    let faults = format!(
        "[[fault]]\nat_s = 40\nkind = \"cross_book\"\nmarket = \"{FED}\"\n\
         [[fault]]\nat_s = 60\nkind = \"cross_book\"\nmarket = \"{FED_POLY_YES}\"\n"
    );
    let mut config = LiveConfig::default();
    config.sim.scenario = Some(scenario_with_faults(dir.path(), &faults));
    let journal = dir.path().join("j");
    let (summary, records) = run(config, &journal, 4.5);
    for (venue, venue_id) in [(Venue::Kalshi, FED), (Venue::Polymarket, FED_POLY_YES)] {
        let market = market_id(&records, venue_id);
        let mut books = BTreeMap::new();
        let mut crossed_at = None;
        for (i, r) in records.iter().enumerate() {
            if let RecordBody::Event(e) = &r.body {
                apply(&mut books, e);
                if books.get(&market).is_some_and(Book::is_crossed) {
                    crossed_at = Some(i);
                    break;
                }
            }
        }
        let i = crossed_at.unwrap_or_else(|| panic!("{venue}: the crossed delta is journaled"));
        let resync = records[i..]
            .iter()
            .position(|r| matches!(&r.body, RecordBody::Event(Event::BookSnapshot(s)) if s.market == market))
            .map(|k| i + k)
            .unwrap_or_else(|| panic!("{venue}: a resync snapshot follows the crossed book"));
        let waited = Duration::from_nanos((records[resync].ts - records[i].ts) as u64);
        assert!(
            waited < Duration::from_millis(1_000),
            "{venue}: resynced {waited:?} after the cross (the periodic resync is 60 s)"
        );
        let mut after = books.clone();
        if let RecordBody::Event(e) = &records[resync].body {
            apply(&mut after, e);
        }
        assert!(!after[&market].is_crossed(), "{venue}: the resync is sane");
        let traded = records[i..resync].iter().any(|r| {
            matches!(&r.body, RecordBody::Decision(Decision::PlaceOrder(o)) if o.market == market)
        });
        assert!(!traded, "{venue}: no order on the crossed book");
        let stats = &summary.feeds[venue.name()];
        eprintln!("{venue}: resynced {waited:?} after the cross; {stats:?}");
        assert!(stats.crossed_books >= 1, "{venue}: counted: {stats:?}");
    }
}

/// The simulator on a runtime of its own (`arb live` builds its own), playing `scenario`.
fn start_sim(
    scenario: arb::sim::Scenario,
) -> (
    std::sync::Arc<arb::sim::server::SimState>,
    std::net::SocketAddr,
    std::sync::mpsc::Sender<()>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let accounts = arb::sim::server::sim_accounts(scenario.cash).unwrap();
            let state = arb::sim::server::SimState::new(scenario.markets.clone(), accounts);
            let sim = arb::sim::server::SimServer::start(state, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
            tokio::spawn(arb::sim::server::driver::play(
                sim.state.clone(),
                scenario,
                20.0,
            ));
            tx.send((sim.state.clone(), sim.addr)).unwrap();
            let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
            sim.stop().await;
        });
    });
    let (state, addr) = rx.recv().unwrap();
    (state, addr, stop_tx)
}

#[test]
fn after_a_sequence_gap_the_resynced_book_is_the_simulators_book() {
    use arb::run::live::config::KalshiConfig;
    use arb::sim::server::sim_keys;
    let dir = tempfile::tempdir().unwrap();
    // The gap (a lost delta) at 2 s of wall time; every book frozen from 3 s, so the
    // books compared at the end are not moving.
    let path = scenario_with_faults(
        dir.path(),
        "[[fault]]\nat_s = 40\nkind = \"sequence_gap\"\n\
         [[fault]]\nat_s = 60\nduration_s = 3600\nkind = \"freeze_book\"\n",
    );
    let scenario = arb::sim::Scenario::load(&path).unwrap();
    let (state, addr, stop) = start_sim(scenario);
    let key = secret_file(dir.path(), "kalshi.pem", sim_keys::KALSHI_KEY_PEM);
    // One Kalshi market alone: nothing to trade, so only the scenario moves its book.
    let config = LiveConfig {
        kalshi: Some(KalshiConfig {
            rest_url: format!("http://{addr}/trade-api/v2"),
            ws_url: format!("ws://{addr}/trade-api/ws/v2"),
            key_id: sim_keys::KALSHI_KEY_ID.into(),
            private_key: arb::venues::credentials::CredentialSource::File(key),
            markets: vec![FED.into()],
            markets_per_connection: 0,
        }),
        ..LiveConfig::default()
    };
    let journal = dir.path().join("j");
    let (summary, records) = run(config, &journal, 4.5);
    let gap = records
        .iter()
        .position(
            |r| matches!(&r.body, RecordBody::Event(Event::Feed(f)) if f.state == FeedState::Gap),
        )
        .expect("the lost delta is seen as a gap");
    let market = market_id(&records, FED);
    let resync = records[gap..]
        .iter()
        .position(|r| matches!(&r.body, RecordBody::Event(Event::BookSnapshot(_))))
        .map(|k| gap + k)
        .expect("a resync snapshot follows the gap");
    // The lost delta mattered: the book before the resync is not the venue's.
    let mut books = BTreeMap::new();
    for r in &records[..resync] {
        if let RecordBody::Event(e) = &r.body {
            apply(&mut books, e);
        }
    }
    let before = format!("{:?}", books[&market]);
    if let RecordBody::Event(e) = &records[resync].body {
        apply(&mut books, e);
    }
    assert_ne!(
        before,
        format!("{:?}", books[&market]),
        "the resync repaired the book"
    );
    assert!(summary.feeds["kalshi"].gaps >= 1, "{:?}", summary.feeds);
    // The engine's book (the journal replayed, as `arb inspect --books` reads it) is the
    // simulator's own book, level for level.
    let engine = arb::run::inspect::books(&journal).unwrap();
    let (bids, asks) = {
        let index = state.metas.iter().position(|m| m.venue_id == FED).unwrap();
        let ex = state.exchange();
        arb::sim::exchange::public_levels(&ex, index)
    };
    let side = |levels: Vec<(&u16, &i64)>| -> Vec<serde_json::Value> {
        levels
            .into_iter()
            .map(|(p, q)| serde_json::json!([Price(*p).to_string(), Qty(*q).to_string()]))
            .collect()
    };
    let sim = serde_json::json!({
        "bids": side(bids.iter().rev().collect()),
        "asks": side(asks.iter().collect()),
    });
    assert_eq!(engine[FED], sim, "the engine's book after the resync");
    let _ = stop.send(());
}

#[test]
fn status_json_is_written_while_live_runs_and_counts_the_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = LiveConfig::default();
    // A disconnect at 1 s of wall time.
    config.sim.scenario = Some(scenario_with_faults(
        dir.path(),
        "[[fault]]\nat_s = 20\nkind = \"ws_disconnect\"\n",
    ));
    config.status_every_s = 0.25;
    let journal = dir.path().join("j");
    let status = journal.join("status.json");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (status, done) = (status.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(text) = std::fs::read_to_string(&status) {
                    let v: serde_json::Value =
                        serde_json::from_str(&text).expect("never half a file");
                    seen.push(v);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            seen
        })
    };
    let (summary, _) = run(config, &journal, 3.0);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = watcher.join().unwrap();
    let running: Vec<&serde_json::Value> = seen.iter().filter(|v| v["running"] == true).collect();
    assert!(
        running.len() >= 3,
        "rewritten while running: {}",
        seen.len()
    );
    let reconnected = running.iter().find(|v| {
        v["venues"]["kalshi"]["drops"].as_u64() >= Some(1)
            && v["venues"]["kalshi"]["connects"].as_u64() >= Some(2)
    });
    let v = reconnected.expect("a running status shows the reconnect");
    for venue in ["kalshi", "polymarket"] {
        let s = &v["venues"][venue];
        assert!(s["reconnects_per_min"].as_f64() > Some(0.0), "{venue}: {s}");
        let lag = s["heartbeat_lag_ms"].as_u64().expect("heard from");
        assert!(lag < 2_000, "{venue}: a live stream's lag is small: {s}");
        assert!(
            s["max_heartbeat_lag_ms"].as_u64() >= Some(lag),
            "{venue}: {s}"
        );
        for k in ["gaps_per_min", "coalesced", "dropped_trades", "queue_len"] {
            assert!(s.get(k).is_some(), "{venue}: {k} in {s}");
        }
    }
    let last: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&status).unwrap()).unwrap();
    assert_eq!(
        last["running"], false,
        "the last status says the run stopped"
    );
    assert_eq!(
        last["venues"]["kalshi"]["drops"].as_u64(),
        Some(summary.feeds["kalshi"].drops)
    );
}
