//! Legging under venue faults, through the real executor (REST orders, resting-order
//! trackers, cancels) against the simulator, each case with the journal sequence of its
//! opportunity and the final positions on both sides: leg B rejected; leg B's book
//! moves after leg A fills; leg A partly filled, then leg B times out (on Polymarket
//! and on Kalshi); leg B times out and its resubmit fills. (An ack lost while the order
//! is live at the venue is in tests/recovery_cases.rs.)
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::clock::wall_ns;
use arb::config::{EngineConfig, LegPolicy, RestingPolicy};
use arb::core::{MarketId, Money, Outcome, Price, Qty, Venue};
use arb::engine::Reducer;
use arb::event::*;
use arb::journal::{Journal, JournalWriter, RecordBody, SyncMode, WriterOptions};
use arb::run::CoreLoop;
use arb::run::live::core::{Inbound, Outbound};
use arb::run::live::executor::{Executor, Route};
use arb::run::live::polymarket::TokenInfo;
use arb::sim::faults::{Fault, FaultKind};
use arb::sim::server::{SimServer, SimState, sim_accounts, sim_keys};
use arb::venues::credentials::Secret;
use arb::venues::kalshi::auth::KalshiSigner;
use arb::venues::kalshi::rest::KalshiRest;
use arb::venues::polymarket::auth::{ApiCreds, PolymarketSigner};
use arb::venues::polymarket::rest::PolymarketRest;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const K: MarketId = MarketId(0);
const PY: MarketId = MarketId(1);
const PN: MarketId = MarketId(2);
const TICKER: &str = "KXLEG-T1";
const PY_TOKEN: &str = "111";
const PN_TOKEN: &str = "222";

fn metas() -> Vec<MarketMeta> {
    let m = |id: MarketId, venue, venue_id: &str, no_leg| MarketMeta {
        id,
        venue,
        venue_id: venue_id.into(),
        title: "t".into(),
        event_id: "EV".into(),
        series_id: String::new(),
        close_ts: None,
        no_leg,
        fees: FeeModel::Free,
        tick: Price(100),
    };
    vec![
        m(K, Venue::Kalshi, TICKER, NoLeg::SameBook),
        m(PY, Venue::Polymarket, PY_TOKEN, NoLeg::Complement(PN)),
        m(PN, Venue::Polymarket, PN_TOKEN, NoLeg::Complement(PY)),
    ]
}

fn lvl(p: u16, q: i64) -> Level {
    Level {
        price: Price(p),
        qty: Qty::contracts(q),
    }
}

/// The books: Kalshi YES 0.38 / 0.40, Polymarket YES ask 0.55 and NO ask 0.50. The
/// edge is Kalshi YES 0.40 + Polymarket NO 0.50; the thinner of the two goes first.
fn books(k_depth: i64, pn_depth: i64) -> [(MarketId, Vec<Level>, Vec<Level>); 3] {
    [
        (K, vec![lvl(3800, 20)], vec![lvl(4000, k_depth)]),
        (PY, vec![lvl(5000, 50)], vec![lvl(5500, 50)]),
        // The complement tokens' books mirror each other: PN bid 0.45 = 1 − PY ask.
        (PN, vec![lvl(4500, 50)], vec![lvl(5000, pn_depth)]),
    ]
}

struct Harness {
    sim: SimServer,
    core: CoreLoop,
    orders: tokio::sync::mpsc::UnboundedSender<Outbound>,
    inbound: crossbeam_channel::Receiver<Inbound>,
    _dir: tempfile::TempDir,
    journal: std::path::PathBuf,
}

async fn start(k_depth: i64, pn_depth: i64) -> Harness {
    let state = SimState::new(metas(), sim_accounts([Money::dollars(100); 2]).unwrap());
    for (m, bids, asks) in books(k_depth, pn_depth) {
        state.mutate(|ex| ex.set_liquidity(m.index(), &bids, &asks));
    }
    let sim = SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    let ks = KalshiSigner::from_pem(
        sim_keys::KALSHI_KEY_ID,
        &Secret::new(sim_keys::KALSHI_KEY_PEM),
    )
    .unwrap();
    let creds = ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .unwrap();
    let ps = PolymarketSigner::new(&Secret::new(sim_keys::POLY_PRIVATE_KEY), creds).unwrap();
    let kalshi = Arc::new(KalshiRest::new(http.clone(), sim.kalshi_base(), Some(ks)));
    let poly = Arc::new(PolymarketRest::new(http, sim.polymarket_base(), Some(ps)));
    let token = |id: &str| TokenInfo {
        token_id: id.into(),
        tick: Price(100),
        neg_risk: false,
        fees: FeeModel::Free,
    };
    let mut routes = BTreeMap::new();
    routes.insert(
        K,
        Route::Kalshi {
            rest: kalshi,
            ticker: TICKER.into(),
        },
    );
    for (m, id) in [(PY, PY_TOKEN), (PN, PN_TOKEN)] {
        routes.insert(
            m,
            Route::Polymarket {
                rest: poly.clone(),
                token: token(id),
            },
        );
    }
    let (in_tx, inbound) = crossbeam_channel::unbounded();
    let (orders, out_rx) = tokio::sync::mpsc::unbounded_channel();
    let executor = Executor {
        routes: routes.into(),
        adds: None,
        placed: Arc::default(),
        tx: in_tx,
        latency: Arc::default(),
        poll: Duration::from_millis(50),
        settle: Duration::from_millis(500),
    };
    tokio::spawn(executor.run(Vec::new(), out_rx));

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let writer = JournalWriter::create(
        &journal,
        WriterOptions {
            sync: SyncMode::OsBuffered,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let core = CoreLoop::new(writer, Reducer::new(EngineConfig::default()));
    Harness {
        sim,
        core,
        orders,
        inbound,
        _dir: dir,
        journal,
    }
}

impl Harness {
    /// Steps one event; order decisions go to the executor.
    fn step(&mut self, event: &Event) {
        for d in self.core.step(wall_ns(), event).unwrap() {
            if d.goes_to_venue() {
                self.orders
                    .send(Outbound {
                        decision: d.clone(),
                        cause_ts: wall_ns(),
                    })
                    .unwrap();
            }
        }
    }

    /// Defines the markets, the pair, cash, and the books the venue shows: the engine
    /// decides the first leg.
    fn open(&mut self, resting: RestingPolicy, k_depth: i64, pn_depth: i64) {
        let mut events = vec![
            Event::ConfigLoaded(EngineConfig::default()),
            Event::LegPolicyLoaded(LegPolicy::default()),
            Event::RestingPolicyLoaded(resting),
            // As every profile loads it now: Polymarket positions are closed by selling.
            Event::SellToClose { enabled: true },
        ];
        events.extend(metas().into_iter().map(Event::MarketDefined));
        events.push(Event::PairDefined(PairRule {
            a: K,
            b: PY,
            b_outcome_for_a_yes: Outcome::Yes,
            confidence_bp: 9_900,
        }));
        for venue in Venue::ALL {
            events.push(Event::Balance(BalanceReport {
                venue,
                cash: Money::dollars(100),
            }));
        }
        for (market, bids, asks) in books(k_depth, pn_depth) {
            events.push(Event::BookSnapshot(BookSnapshot {
                market,
                venue_seq: 0,
                bids,
                asks,
            }));
        }
        for e in &events {
            self.step(e);
        }
    }

    /// Feeds the executor's events (and a Tick every 100 ms) to the core until every
    /// order is over, calling `hook` on each event before the core sees it.
    async fn drive(&mut self, mut hook: impl FnMut(&Event, &SimState) -> Vec<Event>) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut next_tick = Instant::now();
        let mut quiet_since = None;
        while Instant::now() < deadline {
            match self.inbound.try_recv() {
                Ok(inb) => {
                    quiet_since = None;
                    for extra in hook(&inb.event, &self.sim.state) {
                        self.step(&extra);
                    }
                    self.step(&inb.event);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
            if Instant::now() >= next_tick {
                self.step(&Event::Tick);
                next_tick += Duration::from_millis(100);
            }
            let idle = self.core.reducer.orders().open.is_empty();
            match (idle, quiet_since) {
                (true, None) => quiet_since = Some(Instant::now()),
                (true, Some(t)) if t.elapsed() > Duration::from_millis(400) => return,
                (false, _) => quiet_since = None,
                _ => {}
            }
        }
        panic!(
            "orders still open: {:?}",
            self.core.reducer.orders().open.keys().collect::<Vec<_>>()
        );
    }

    /// Opportunity 1's order decisions and order events, in journal order.
    fn sequence(&mut self) -> Vec<String> {
        self.core.writer.sync().unwrap();
        let (records, _) = Journal::open(&self.journal).unwrap().read_all().unwrap();
        let name = |m: MarketId| ["K", "PY", "PN"][m.index()];
        records
            .iter()
            .filter_map(|r| match &r.body {
                RecordBody::Decision(d @ (Decision::PlaceOrder(o) | Decision::SellOrder(o)))
                    if o.id.opportunity == 1 =>
                {
                    let tif = match o.tif {
                        TimeInForce::ImmediateOrCancel => "ioc",
                        TimeInForce::GoodTillCanceled => "gtc",
                        TimeInForce::GoodTillTime { .. } => "gtt",
                    };
                    let verb = match d {
                        Decision::SellOrder(_) => "sell",
                        _ => "place",
                    };
                    Some(format!(
                        "{verb} {} {} {:?} {} @{} {tif}",
                        o.id,
                        name(o.market),
                        o.outcome,
                        o.qty,
                        o.price
                    ))
                }
                RecordBody::Decision(Decision::CancelOrder { id }) => Some(format!("cancel {id}")),
                RecordBody::Event(Event::OrderAck(a)) => Some(format!("ack {}", a.id)),
                RecordBody::Event(Event::OrderReject(r)) => Some(format!("reject {}", r.id)),
                RecordBody::Event(Event::Fill(f)) => {
                    Some(format!("fill {} {} @{}", f.id, f.qty, f.price))
                }
                RecordBody::Event(Event::OrderCanceled(c)) => {
                    Some(format!("canceled {} {}", c.id, c.canceled_qty))
                }
                RecordBody::Decision(Decision::ModeChange { to, .. }) => {
                    Some(format!("mode {to:?}"))
                }
                _ => None,
            })
            .collect()
    }

    /// Engine and venue positions agree, per market and outcome (Kalshi as one net
    /// figure); returns the engine's non-zero positions.
    fn positions(&self) -> Vec<(MarketId, Outcome, Qty)> {
        let engine: Vec<_> = self
            .core
            .reducer
            .portfolio()
            .positions
            .iter()
            .filter(|(_, p)| p.qty.0 != 0)
            .map(|(&(m, o), p)| (m, o, p.qty))
            .collect();
        let ex = self.sim.state.exchange();
        let held_by = |account: &str| {
            ex.account(account)
                .map(|a| a.positions.clone())
                .expect("the simulator's account")
        };
        let mut venue = held_by("arb-kalshi");
        venue.extend(held_by("arb-polymarket"));
        let held = |m: MarketId, o: Outcome| {
            engine
                .iter()
                .find(|e| e.0 == m && e.1 == o)
                .map_or(0, |e| e.2.0)
        };
        let at_venue = |m: MarketId, o: Outcome| venue.get(&(m.index(), o)).map_or(0, |q| q.0);
        assert_eq!(
            held(K, Outcome::Yes) - held(K, Outcome::No),
            at_venue(K, Outcome::Yes) - at_venue(K, Outcome::No),
            "Kalshi net position"
        );
        for m in [PY, PN] {
            assert_eq!(held(m, Outcome::Yes), at_venue(m, Outcome::Yes), "{m:?}");
        }
        engine
    }
}

fn fault(kind: FaultKind, market: &str) -> Fault {
    Fault {
        at_ns: 0,
        duration_ns: 0,
        kind,
        market: Some(market.into()),
    }
}

fn first_fill(e: &Event, leg: u8) -> bool {
    matches!(e, Event::Fill(f) if f.id.opportunity == 1 && f.id.leg == leg)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leg_b_rejected_is_unwound_on_leg_a_venue() {
    let resting = RestingPolicy::default();
    let mut h = start(10, 50).await;
    h.sim.state.activate(
        &fault(FaultKind::RejectOrders, PN_TOKEN),
        Duration::from_secs(30),
    );
    h.open(resting, 10, 50);
    h.drive(|_, _| Vec::new()).await;
    assert_eq!(
        h.sequence(),
        [
            "place arb-1-0-0 K Yes 10.00 @0.4000 ioc",
            "ack arb-1-0-0",
            "fill arb-1-0-0 10.00 @0.4000",
            "place arb-1-1-0 PN Yes 10.00 @0.5100 ioc",
            "reject arb-1-1-0",
            // Unwind: Kalshi NO, at most 1 − 0.40 + 0.05; the venue shows it at 0.62.
            "place arb-1-2-0 K No 10.00 @0.6500 ioc",
            "ack arb-1-2-0",
            "fill arb-1-2-0 10.00 @0.6200",
        ]
    );
    assert_eq!(h.positions(), [], "YES and NO of the ticker netted");
    assert_eq!(h.core.reducer.mode(), Mode::Normal);
    assert_eq!(
        h.core.reducer.portfolio().cash[Venue::Kalshi.index()],
        Money(100_000_000 - 4_000_000 - 6_200_000 + 10_000_000),
        "the pair paid its $10: the unwind cost $0.22 a contract"
    );
    h.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leg_b_book_moving_after_leg_a_fills_unwinds_leg_a() {
    let resting = RestingPolicy::default();
    let mut h = start(10, 50).await;
    h.open(resting, 10, 50);
    h.drive(|e, sim| {
        if !first_fill(e, 0) {
            return Vec::new();
        }
        // Polymarket NO jumps to 0.58 (> 0.50 + 0.01) just before leg A's fill is in.
        sim.mutate(|ex| ex.set_liquidity(PN.index(), &[lvl(4000, 50)], &[lvl(5800, 50)]));
        vec![Event::BookSnapshot(BookSnapshot {
            market: PN,
            venue_seq: 0,
            bids: vec![lvl(4000, 50)],
            asks: vec![lvl(5800, 50)],
        })]
    })
    .await;
    assert_eq!(
        h.sequence(),
        [
            "place arb-1-0-0 K Yes 10.00 @0.4000 ioc",
            "ack arb-1-0-0",
            "fill arb-1-0-0 10.00 @0.4000",
            "place arb-1-2-0 K No 10.00 @0.6500 ioc",
            "ack arb-1-2-0",
            "fill arb-1-2-0 10.00 @0.6200",
        ]
    );
    assert_eq!(h.positions(), []);
    assert_eq!(h.core.reducer.mode(), Mode::Normal);
    h.sim.stop().await;
}

/// Leg B's venue stops showing what the engine still sees (its feed lags): leg B
/// rests unfilled until its deadline.
fn pull_pn_asks(e: &Event, sim: &SimState) -> Vec<Event> {
    if first_fill(e, 0) {
        sim.clear_faults();
        sim.mutate(|ex| ex.set_liquidity(PN.index(), &[lvl(4000, 50)], &[lvl(7000, 50)]));
    }
    Vec::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_leg_a_then_leg_b_times_out_on_polymarket_and_the_rest_is_unwound() {
    let resting = RestingPolicy {
        second_leg_rest_ms: 600,
        resubmits: 0,
    };
    let mut h = start(10, 50).await;
    h.sim.state.activate(
        &fault(FaultKind::PartialFill { ratio_bp: 5_000 }, TICKER),
        Duration::from_secs(30),
    );
    h.open(resting, 10, 50);
    h.drive(pull_pn_asks).await;
    assert_eq!(
        h.sequence(),
        [
            "place arb-1-0-0 K Yes 10.00 @0.4000 ioc",
            "ack arb-1-0-0",
            "fill arb-1-0-0 5.00 @0.4000",
            "canceled arb-1-0-0 5.00",
            "place arb-1-1-0 PN Yes 5.00 @0.5100 gtt",
            "ack arb-1-1-0",
            "cancel arb-1-1-0",
            "canceled arb-1-1-0 5.00",
            "place arb-1-2-0 K No 5.00 @0.6500 ioc",
            "ack arb-1-2-0",
            "fill arb-1-2-0 5.00 @0.6200",
        ]
    );
    assert_eq!(h.positions(), []);
    assert_eq!(h.core.reducer.mode(), Mode::Normal);
    let open_at_venue = h
        .sim
        .state
        .exchange()
        .orders_of("arb-polymarket")
        .filter(|o| o.state == arb::sim::exchange::OrderState::Resting)
        .count();
    assert_eq!(
        open_at_venue, 0,
        "the resting leg was canceled at the venue"
    );
    h.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leg_b_times_out_on_kalshi_and_the_first_leg_is_unwound_on_polymarket() {
    // Polymarket NO is the thinner leg now: it goes first, Kalshi YES rests.
    let resting = RestingPolicy {
        second_leg_rest_ms: 600,
        resubmits: 0,
    };
    let mut h = start(50, 6).await;
    h.open(resting, 50, 6);
    h.drive(|e, sim| {
        if first_fill(e, 0) {
            sim.mutate(|ex| ex.set_liquidity(K.index(), &[lvl(3800, 20)], &[lvl(4500, 50)]));
        }
        Vec::new()
    })
    .await;
    // Kalshi also expires the order itself (at the deadline rounded up to a second):
    // if its expiry is seen first, the engine has nothing left to cancel.
    let mut seq = h.sequence();
    seq.retain(|l| l != "cancel arb-1-1-0");
    assert_eq!(
        seq,
        [
            "place arb-1-0-0 PN Yes 6.00 @0.5000 ioc",
            "ack arb-1-0-0",
            "fill arb-1-0-0 6.00 @0.5000",
            "place arb-1-1-0 K Yes 6.00 @0.4100 gtt",
            "ack arb-1-1-0",
            "canceled arb-1-1-0 6.00",
            // Unwind: PN sold back (a Polymarket token) for at least 0.50 − 0.05.
            "sell arb-1-2-0 PN Yes 6.00 @0.4500 ioc",
            "ack arb-1-2-0",
            "fill arb-1-2-0 6.00 @0.4500",
        ]
    );
    assert_eq!(
        h.positions(),
        [],
        "the tokens were sold: nothing held, the cash back (engine = venue)"
    );
    assert_eq!(h.core.reducer.mode(), Mode::Normal);
    h.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_leg_b_is_resubmitted_and_fills_when_the_book_comes_back() {
    let resting = RestingPolicy {
        second_leg_rest_ms: 600,
        resubmits: 1,
    };
    let mut h = start(10, 50).await;
    h.open(resting, 10, 50);
    h.drive(|e, sim| {
        if first_fill(e, 0) {
            sim.mutate(|ex| ex.set_liquidity(PN.index(), &[lvl(4000, 50)], &[lvl(7000, 50)]));
        }
        if matches!(e, Event::OrderCanceled(c) if c.id.leg == 1) {
            sim.mutate(|ex| ex.set_liquidity(PN.index(), &[lvl(4000, 50)], &[lvl(5000, 50)]));
        }
        Vec::new()
    })
    .await;
    assert_eq!(
        h.sequence(),
        [
            "place arb-1-0-0 K Yes 10.00 @0.4000 ioc",
            "ack arb-1-0-0",
            "fill arb-1-0-0 10.00 @0.4000",
            "place arb-1-1-0 PN Yes 10.00 @0.5100 gtt",
            "ack arb-1-1-0",
            "cancel arb-1-1-0",
            "canceled arb-1-1-0 10.00",
            "place arb-1-1-1 PN Yes 10.00 @0.5100 gtt",
            "ack arb-1-1-1",
            "fill arb-1-1-1 10.00 @0.5000",
        ]
    );
    assert_eq!(
        h.positions(),
        [
            (K, Outcome::Yes, Qty::contracts(10)),
            (PN, Outcome::Yes, Qty::contracts(10))
        ],
        "hedged across venues"
    );
    assert_eq!(h.core.reducer.mode(), Mode::Normal);
    h.sim.stop().await;
}
