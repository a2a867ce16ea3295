//! Simulator faults on the order path, at the executor level through the real REST
//! path: HTTP 429 with Retry-After, 5xx, order rejects, partial fills and slow acks (on
//! both venues), and a 429 storm met by the governor.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty, Venue};
use arb::event::{Event, FeeModel, Level, MarketMeta, NoLeg, PlaceOrder, TimeInForce};
use arb::sim::faults::{Fault, FaultKind};
use arb::sim::server::{SimAccount, SimServer, SimState};
use arb::venues::credentials::Secret;
use arb::venues::http::VenueError;
use arb::venues::kalshi::auth::{KalshiSigner, KalshiVerifier};
use arb::venues::kalshi::rest::KalshiRest;
use std::path::Path;
use std::time::{Duration, Instant};

const TICKER: &str = "KXFAULT-T1";

fn key() -> Secret {
    Secret::new(
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim/keys/kalshi_sim_only_rsa2048.pem"),
        )
        .unwrap(),
    )
}

async fn start() -> (SimServer, KalshiRest) {
    let meta = MarketMeta {
        id: MarketId(0),
        venue: Venue::Kalshi,
        venue_id: TICKER.into(),
        title: "fault market".into(),
        event_id: "KXFAULT".into(),
        series_id: "KXFAULT".into(),
        close_ts: None,
        no_leg: NoLeg::SameBook,
        fees: FeeModel::Free,
        tick: Price(100),
    };
    let account = SimAccount {
        name: "arb".into(),
        cash: Money::dollars(1000),
        kalshi_key_id: Some("k".into()),
        kalshi: Some(KalshiVerifier::from_private_pem("k", &key()).unwrap()),
        poly_address: None,
        poly_creds: None,
    };
    let state = SimState::new(vec![meta], vec![account]);
    let lvl = |p: u16, q: i64| Level {
        price: Price(p),
        qty: Qty::contracts(q),
    };
    state.mutate(|ex| ex.set_liquidity(0, &[lvl(4000, 10)], &[lvl(4200, 10)]));
    let sim = SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    let rest = KalshiRest::new(
        http,
        sim.kalshi_base(),
        Some(KalshiSigner::from_pem("k", &key()).unwrap()),
    );
    (sim, rest)
}

fn fault(kind: FaultKind) -> Fault {
    Fault {
        at_ns: 0,
        duration_ns: 0,
        kind,
        market: None,
    }
}

fn order(n: u64, qty: i64) -> PlaceOrder {
    PlaceOrder {
        side: arb::event::OrderSide::Buy,
        id: ClientOrderId {
            opportunity: n,
            leg: 0,
            attempt: 0,
        },
        market: MarketId(0),
        outcome: Outcome::Yes,
        price: Price(4200),
        qty: Qty::contracts(qty),
        tif: TimeInForce::ImmediateOrCancel,
    }
}

#[tokio::test]
async fn rate_limits_are_rejects_and_server_errors_leave_orders_unknown() {
    let (sim, rest) = start().await;
    sim.state.activate(
        &fault(FaultKind::RateLimit { retry_after_s: 2 }),
        Duration::from_millis(400),
    );
    let err = rest.markets(&[]).await.unwrap_err();
    assert!(
        matches!(err, VenueError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2)),
        "{err:?}"
    );
    assert!(err.is_transient());
    // The governor honours Retry-After: an order that would wait past its bound is
    // refused here, never sent into the storm.
    let t0 = std::time::Instant::now();
    let events = arb::run::live::kalshi_orders::place(&rest, TICKER, &order(1, 1))
        .await
        .events;
    assert!(t0.elapsed() < Duration::from_millis(100), "refused at once");
    assert!(
        matches!(&events[..], [Event::OrderReject(r)] if r.reason.contains("not sent")),
        "{events:?}"
    );
    let t0 = std::time::Instant::now();
    assert!(
        rest.markets(&[]).await.is_ok(),
        "recovers when the window ends"
    );
    assert!(
        t0.elapsed() >= Duration::from_millis(1_800),
        "the read waited out Retry-After: {:?}",
        t0.elapsed()
    );

    sim.state.activate(
        &fault(FaultKind::ServerError { status: 503 }),
        Duration::from_millis(300),
    );
    assert!(matches!(
        rest.balance().await,
        Err(VenueError::Server { status: 503, .. })
    ));
    // A 5xx to an order is no answer: the venue may have taken it. Its outcome is
    // unknown (never a reject), and the order is to be looked up.
    let placed = arb::run::live::kalshi_orders::place(&rest, TICKER, &order(2, 1)).await;
    assert!(
        matches!(&placed.events[..], [Event::OrderUnknown(u)] if u.reason.contains("503")),
        "{placed:?}"
    );
    assert!(
        placed
            .follow
            .is_some_and(|f| !f.acked && f.venue_order_id.is_none())
    );
    // Nothing reached the exchange while it refused requests.
    let ledger: serde_json::Value = reqwest::get(format!("http://{}/_sim/ledger", sim.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ledger["orders"].as_array().unwrap().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn rejected_partial_and_slow_orders_come_back_as_the_right_events() {
    let (sim, rest) = start().await;
    sim.state
        .activate(&fault(FaultKind::RejectOrders), Duration::from_millis(300));
    let events = arb::run::live::kalshi_orders::place(&rest, TICKER, &order(1, 1))
        .await
        .events;
    assert!(
        matches!(&events[..], [Event::OrderReject(r)] if r.reason.contains("trading_is_paused")),
        "{events:?}"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;

    sim.state.activate(
        &fault(FaultKind::PartialFill { ratio_bp: 5_000 }),
        Duration::from_secs(5),
    );
    let events = arb::run::live::kalshi_orders::place(&rest, TICKER, &order(2, 8))
        .await
        .events;
    let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        vec!["order_ack", "fill", "order_canceled"],
        "{events:?}"
    );
    assert!(matches!(events[1], Event::Fill(f) if f.qty == Qty::contracts(4)));
    assert!(matches!(events[2], Event::OrderCanceled(c) if c.canceled_qty == Qty::contracts(4)));

    let (sim2, rest2) = start().await;
    sim2.state.activate(
        &fault(FaultKind::SlowAck { delay_ms: 400 }),
        Duration::from_secs(5),
    );
    let t0 = Instant::now();
    let events = arb::run::live::kalshi_orders::place(&rest2, TICKER, &order(3, 2))
        .await
        .events;
    assert!(t0.elapsed() >= Duration::from_millis(400), "the ack waited");
    assert_eq!(
        events.iter().map(Event::kind).collect::<Vec<_>>(),
        vec!["order_ack", "fill"]
    );
    sim.stop().await;
    sim2.stop().await;
}

#[tokio::test]
async fn polymarket_orders_meet_the_same_order_faults() {
    use arb::run::live::polymarket::TokenInfo;
    use arb::run::live::polymarket_orders::place;
    use arb::sim::server::{sim_accounts, sim_keys};
    use arb::venues::polymarket::auth::{ApiCreds, PolymarketSigner};
    use arb::venues::polymarket::rest::PolymarketRest;
    let token = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
    let fees = FeeModel::Polymarket {
        rate_ppm: 40_000,
        exponent: 1,
        taker_only: true,
    };
    let meta = |id: u32, venue_id: &str, other: u32| MarketMeta {
        id: MarketId(id),
        venue: Venue::Polymarket,
        venue_id: venue_id.into(),
        title: "t".into(),
        event_id: "0xc0nd".into(),
        series_id: String::new(),
        close_ts: None,
        no_leg: NoLeg::Complement(MarketId(other)),
        fees,
        tick: Price(100),
    };
    let state = SimState::new(
        vec![meta(0, token, 1), meta(1, "222", 0)],
        sim_accounts([Money::dollars(100); 2]).unwrap(),
    );
    let lvl = |p: u16, q: i64| Level {
        price: Price(p),
        qty: Qty::contracts(q),
    };
    state.mutate(|ex| ex.set_liquidity(0, &[lvl(4000, 50)], &[lvl(4200, 50)]));
    let sim = SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let creds = ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .unwrap();
    let signer = PolymarketSigner::new(&Secret::new(sim_keys::POLY_PRIVATE_KEY), creds).unwrap();
    let rest = PolymarketRest::new(
        arb::venues::http::client(Duration::from_secs(5)).unwrap(),
        sim.polymarket_base(),
        Some(signer),
    );
    let info = TokenInfo {
        token_id: token.into(),
        tick: Price(100),
        neg_risk: false,
        fees,
    };

    sim.state
        .activate(&fault(FaultKind::RejectOrders), Duration::from_millis(300));
    let events = place(
        &rest,
        &info,
        &order(1, 10),
        1_795_000_000_000,
        &Default::default(),
    )
    .await
    .events;
    assert!(
        matches!(&events[..], [Event::OrderReject(r)] if r.reason.contains("not accepting orders")),
        "{events:?}"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;

    sim.state.activate(
        &fault(FaultKind::PartialFill { ratio_bp: 5_000 }),
        Duration::from_secs(5),
    );
    let events = place(
        &rest,
        &info,
        &order(2, 10),
        1_795_000_000_000,
        &Default::default(),
    )
    .await
    .events;
    assert_eq!(
        events.iter().map(Event::kind).collect::<Vec<_>>(),
        vec!["order_ack", "fill", "order_canceled"],
        "{events:?}"
    );
    assert!(
        matches!(events[1], Event::Fill(f) if f.qty == Qty::contracts(5) && f.price == Price(4200))
    );
    sim.stop().await;
}

/// A 429 storm against 50 pollers sharing one client: the governor honours
/// Retry-After, backs off, opens the balance endpoint's breaker, and keeps the requests that reach
/// the venue far under its limit; nobody waits unboundedly; after the storm the
/// breaker closes and reads succeed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_met_with_back_off_an_open_breaker_and_no_burst() {
    use arb::venues::governor::{BreakerState, Endpoint};
    let (sim, rest) = start().await;
    let storm = Duration::from_secs(3);
    sim.state
        .activate(&fault(FaultKind::RateLimit { retry_after_s: 1 }), storm);
    let t0 = Instant::now();
    let storm_start = arb::clock::wall_ns();
    let mut pollers = Vec::new();
    for _ in 0..50 {
        let rest = rest.clone();
        pollers.push(tokio::spawn(async move {
            let (mut ok, mut refused, mut longest) = (0u32, 0u32, Duration::ZERO);
            while t0.elapsed() < Duration::from_secs(6) {
                let asked = Instant::now();
                match rest.balance().await {
                    Ok(_) => ok += 1,
                    Err(VenueError::Throttled { .. } | VenueError::CircuitOpen { .. }) => {
                        refused += 1
                    }
                    Err(_) => {}
                }
                longest = longest.max(asked.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (ok, refused, longest)
        }));
    }
    let mut totals = (0, 0, Duration::ZERO);
    for p in pollers {
        let (ok, refused, longest) = p.await.unwrap();
        totals = (totals.0 + ok, totals.1 + refused, totals.2.max(longest));
    }
    let storm_end = storm_start + storm.as_nanos() as i64;
    let during = sim
        .state
        .request_times()
        .iter()
        .filter(|&&t| t >= storm_start && t < storm_end)
        .count();
    // Counted from the first request the storm met (on a loaded machine the pollers
    // may start late).
    let first = sim
        .state
        .request_times()
        .into_iter()
        .find(|&t| t >= storm_start)
        .unwrap_or(storm_start);
    let after_first_second = sim
        .state
        .request_times()
        .iter()
        .filter(|&&t| t >= first + 1_000_000_000 && t < storm_end)
        .count();
    // 50 pollers every 20 ms would send ~7,500 in 3 s; the limit, 20/s, is 60. What is
    // already on its way when the first 429 comes back still arrives; after that,
    // Retry-After, halved rates and the open breaker leave a few probes.
    eprintln!(
        "429 storm: {during} requests reached the venue in 3 s ({after_first_second} after the first second); pollers: {totals:?} (ok, refused here, longest wait)"
    );
    assert!(
        during <= 60,
        "{during} requests reached the venue during the storm"
    );
    assert!(
        after_first_second <= 8,
        "{after_first_second} requests in the last 2 s of the storm ({during} in all)"
    );
    assert!(totals.1 > 0, "refused locally instead of sent: {totals:?}");
    assert!(
        totals.2 <= Duration::from_secs(11),
        "no wait beyond the bound: {totals:?}"
    );
    assert!(totals.0 > 0, "reads succeed after the storm: {totals:?}");
    let changes = rest.governor().drain_changes();
    assert!(
        changes.contains(&(Endpoint::Portfolio, BreakerState::Open)),
        "{changes:?}"
    );
    assert_eq!(
        rest.governor().breaker(Endpoint::Portfolio),
        BreakerState::Closed,
        "{changes:?}"
    );
    sim.stop().await;
}
