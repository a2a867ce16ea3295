//! The circuit breaker of each WebSocket in `arb live` against the simulator (issue 5):
//! a venue that accepts and at once drops every stream opens the breaker after five
//! failures in a row, no connection is tried during the cool-down, one probe goes
//! half-open, and a stream that delivers a book again closes it; no entry is made on
//! the venue meanwhile.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Venue};
use arb::event::{CircuitState, Decision, Endpoint, Event, FeedState};
use arb::journal::{Journal, Record, RecordBody};
use arb::run::live::{LiveConfig, LiveOptions, LiveSummary};
use std::path::Path;
use std::time::Duration;

/// Runs `arb live` in-process for `secs` against the arb-rich scenario with `faults`.
fn run(faults: &str, secs: f64) -> (LiveSummary, Vec<Record>) {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arb-rich.toml"),
    )
    .unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, format!("{base}\n{faults}")).unwrap();
    let mut config = LiveConfig::default();
    config.sim.scenario = Some(scenario);
    config.sim.speed = 20.0;
    // The feed stays on its stream (stream or hybrid mode): the breaker, not poll-only
    // mode, is what meets the storm here.
    config.feed.poll_only_after_drops = 50;
    let journal = dir.path().join("j");
    let summary = arb::run::live::run(LiveOptions {
        config,
        journal: journal.clone(),
        duration: Some(Duration::from_secs_f64(secs)),
        allow_real_venues: false,
        log_file: false,
    })
    .unwrap();
    let (records, _) = Journal::open(&journal).unwrap().read_all().unwrap();
    let (rep, _) = arb::run::replay::replay(&journal).unwrap();
    assert_eq!(rep.mismatches, 0, "the run replays deterministically");
    (summary, records)
}

/// The journal's changes of one breaker, in order: (record index, ts, state).
fn breaker(
    records: &[Record],
    venue: Venue,
    endpoint: Endpoint,
) -> Vec<(usize, i64, CircuitState)> {
    records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.body {
            RecordBody::Event(Event::Breaker(b)) if b.venue == venue && b.endpoint == endpoint => {
                Some((i, r.ts, b.state))
            }
            _ => None,
        })
        .collect()
}

/// Asserts that the changes go Open -> HalfOpen -> (Open -> HalfOpen)* -> Closed.
fn assert_cycle(changes: &[(usize, i64, CircuitState)], what: &str) {
    let states: Vec<CircuitState> = changes.iter().map(|c| c.2).collect();
    assert!(
        states.len() >= 3 && states.len() % 2 == 1,
        "{what}: {states:?}"
    );
    for (i, s) in states.iter().enumerate() {
        let want = match i {
            _ if i == states.len() - 1 => CircuitState::Closed,
            _ if i % 2 == 0 => CircuitState::Open,
            _ => CircuitState::HalfOpen,
        };
        assert_eq!(*s, want, "{what}: {states:?}");
    }
}

fn markets_of(records: &[Record], venue: Venue) -> Vec<MarketId> {
    records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Event(Event::MarketDefined(m)) if m.venue == venue => Some(m.id),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stream_that_keeps_dropping_opens_its_breaker_holds_connects_off_and_closes_on_a_book() {
    // At 1 s of wall time (speed 20) Kalshi drops its streams and, for 3 s, accepts and
    // at once closes every new one: without a breaker a reconnect every 250 ms.
    let (summary, records) = run(
        "[[fault]]\nat_s = 19.9\nduration_s = 60\nkind = \"refuse_ws\"\nvenue = \"kalshi\"\n\
         [[fault]]\nat_s = 20\nkind = \"ws_disconnect\"\n",
        7.0,
    );
    let changes = breaker(&records, Venue::Kalshi, Endpoint::MarketStream);
    assert_cycle(&changes, "kalshi market stream");
    assert!(
        breaker(&records, Venue::Polymarket, Endpoint::MarketStream).is_empty(),
        "Polymarket's stream reconnected at once: its breaker never opened"
    );

    let kalshi = markets_of(&records, Venue::Kalshi);
    let disconnects: Vec<i64> = records
        .iter()
        .filter(|r| {
            matches!(&r.body, RecordBody::Event(Event::Feed(f))
                if f.venue == Venue::Kalshi && f.state == FeedState::Disconnected)
        })
        .map(|r| r.ts)
        .collect();
    let kalshi_books: Vec<i64> = records
        .iter()
        .filter(|r| {
            matches!(&r.body, RecordBody::Event(Event::BookSnapshot(b)) if kalshi.contains(&b.market))
        })
        .map(|r| r.ts)
        .collect();
    // Each failed connection is journaled `Disconnected` before it counts against the
    // breaker, so the one that opened it is the last before the `Open` record; nothing
    // connects for the cool-down that follows (1 s, then 2 s, jittered by ±20 %).
    for (n, open) in changes
        .iter()
        .filter(|c| c.2 == CircuitState::Open)
        .enumerate()
    {
        let tripped = *disconnects
            .iter()
            .rfind(|&&t| t <= open.1)
            .expect("a failure before the breaker opened");
        let cooldown = 800_000_000i64 << n;
        let held = tripped + cooldown - 50_000_000;
        assert!(
            !disconnects.iter().any(|&t| t > tripped && t < held),
            "open #{n}: a connection failed during the cool-down: {disconnects:?}"
        );
        assert!(
            !kalshi_books.iter().any(|&t| t > tripped && t < held),
            "open #{n}: a book arrived during the cool-down"
        );
    }
    // The storm before the breaker opened was 250 ms apart; the breaker ended it.
    let stats = &summary.feeds[Venue::Kalshi.name()];
    eprintln!("kalshi feed: {stats:?}; breaker: {changes:?}; disconnects: {disconnects:?}");
    assert!(
        stats.connects <= 8,
        "the first connection, four before the breaker opened, one probe a cool-down: {stats:?}"
    );
    // Recovered: books flow again after the breaker closed.
    let closed = changes.last().unwrap();
    assert!(
        kalshi_books.iter().any(|&t| t >= closed.1 - 300_000_000),
        "a book closed the breaker"
    );

    // The journaled decisions: no order on a Kalshi market while its stream's breaker
    // was open (the books were suspect from the first drop; the breaker's gate, which
    // would skip an entry with `CircuitOpen`, stands behind that).
    for pair in changes.windows(2) {
        let [(from, _, CircuitState::Open), (to, _, _)] = pair else {
            continue;
        };
        let orders: Vec<&Decision> = records[*from..*to]
            .iter()
            .filter_map(|r| match &r.body {
                RecordBody::Decision(d @ Decision::PlaceOrder(o)) if kalshi.contains(&o.market) => {
                    Some(d)
                }
                _ => None,
            })
            .collect();
        assert!(orders.is_empty(), "orders while open: {orders:?}");
    }
}

#[test]
fn the_polymarket_user_channel_has_its_own_breaker() {
    let (_, records) = run(
        "[[fault]]\nat_s = 19.9\nduration_s = 60\nkind = \"refuse_ws\"\nvenue = \"polymarket\"\n\
         [[fault]]\nat_s = 20\nkind = \"ws_disconnect\"\n",
        7.0,
    );
    assert_cycle(
        &breaker(&records, Venue::Polymarket, Endpoint::UserStream),
        "polymarket user stream",
    );
    assert_cycle(
        &breaker(&records, Venue::Polymarket, Endpoint::MarketStream),
        "polymarket market stream",
    );
    assert!(breaker(&records, Venue::Kalshi, Endpoint::MarketStream).is_empty());
}
