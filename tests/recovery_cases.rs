//! Recovery's named cases, each with the journal sequence it must produce: an order
//! whose ack was lost but which is live (filled) at the venue, and an order that was
//! journaled but never reached the venue.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::config::{EngineConfig, LegPolicy};
use arb::core::{MarketId, Money, Outcome, Price, Qty, Venue};
use arb::engine::Reducer;
use arb::event::*;
use arb::journal::{Journal, JournalWriter, RecordBody, SyncMode, WriterOptions};
use arb::run::CoreLoop;
use arb::run::live::recovery::reconcile_kalshi;
use arb::sim::server::{SimServer, SimState, sim_accounts, sim_keys};
use arb::venues::MarketInterner;
use arb::venues::credentials::Secret;
use arb::venues::kalshi::auth::KalshiSigner;
use arb::venues::kalshi::rest::KalshiRest;
use arb::venues::kalshi::rest_wire::CreateOrderRequest;
use std::time::Duration;

const K: &str = "KXREC-T1";

fn metas() -> Vec<MarketMeta> {
    let m = |id: u32, venue, venue_id: &str, no_leg, fees| MarketMeta {
        id: MarketId(id),
        venue,
        venue_id: venue_id.into(),
        title: "t".into(),
        event_id: "EV".into(),
        series_id: "S".into(),
        close_ts: None,
        no_leg,
        fees,
        tick: Price(100),
    };
    vec![
        m(0, Venue::Kalshi, K, NoLeg::SameBook, FeeModel::Free),
        m(
            1,
            Venue::Polymarket,
            "111",
            NoLeg::Complement(MarketId(2)),
            FeeModel::Free,
        ),
        m(
            2,
            Venue::Polymarket,
            "222",
            NoLeg::Complement(MarketId(1)),
            FeeModel::Free,
        ),
    ]
}

fn lvl(p: u16, q: i64) -> Level {
    Level {
        price: Price(p),
        qty: Qty::contracts(q),
    }
}

/// A journal in which the engine has decided a cross-venue trade whose first leg is a
/// Kalshi YES buy of 10 at 0.40 (the thinner leg), and nothing more.
fn decided(dir: &std::path::Path) -> (CoreLoop, MarketInterner, PlaceOrder) {
    let writer = JournalWriter::create(
        dir,
        WriterOptions {
            sync: SyncMode::OsBuffered,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut core = CoreLoop::new(writer, Reducer::new(EngineConfig::default()));
    let mut interner = MarketInterner::new();
    let mut events = vec![
        Event::ConfigLoaded(EngineConfig::default()),
        Event::LegPolicyLoaded(LegPolicy::default()),
    ];
    for m in metas() {
        interner.observe(m.clone()).unwrap();
        events.push(Event::MarketDefined(m));
    }
    events.push(Event::PairDefined(PairRule {
        a: MarketId(0),
        b: MarketId(1),
        b_outcome_for_a_yes: Outcome::Yes,
        confidence_bp: 9_900,
    }));
    for v in Venue::ALL {
        events.push(Event::Balance(BalanceReport {
            venue: v,
            cash: Money::dollars(100),
        }));
    }
    events.push(Event::BookSnapshot(BookSnapshot {
        market: MarketId(2),
        venue_seq: 0,
        bids: vec![],
        asks: vec![lvl(5000, 50)],
    }));
    events.push(Event::BookSnapshot(BookSnapshot {
        market: MarketId(1),
        venue_seq: 0,
        bids: vec![],
        asks: vec![lvl(6000, 50)],
    }));
    events.push(Event::BookSnapshot(BookSnapshot {
        market: MarketId(0),
        venue_seq: 1,
        bids: vec![lvl(3000, 10)],
        asks: vec![lvl(4000, 10)],
    }));
    let mut placed = None;
    for (i, e) in events.iter().enumerate() {
        for d in core.step(i as i64 + 1, e).unwrap() {
            if let Decision::PlaceOrder(o) = d {
                placed = Some(*o);
            }
        }
    }
    let order = placed.expect("the engine decided to trade");
    assert_eq!(
        (order.market, order.outcome, order.price, order.qty),
        (MarketId(0), Outcome::Yes, Price(4000), Qty::contracts(10))
    );
    (core, interner, order)
}

async fn sim() -> (SimServer, KalshiRest) {
    let state = SimState::new(metas(), sim_accounts([Money::dollars(100); 2]).unwrap());
    state.mutate(|ex| ex.set_liquidity(0, &[lvl(3000, 10)], &[lvl(4000, 10)]));
    let sim = SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let signer = KalshiSigner::from_pem(
        sim_keys::KALSHI_KEY_ID,
        &Secret::new(sim_keys::KALSHI_KEY_PEM),
    )
    .unwrap();
    let rest = KalshiRest::new(
        arb::venues::http::client(Duration::from_secs(5)).unwrap(),
        sim.kalshi_base(),
        Some(signer),
    );
    (sim, rest)
}

fn journaled_after(dir: &std::path::Path, seq: u64) -> Vec<String> {
    let (records, _) = Journal::open(dir).unwrap().read_all().unwrap();
    records
        .into_iter()
        .filter(|r| r.seq > seq)
        .map(|r| match r.body {
            RecordBody::Event(e) => format!("event {}", e.kind()),
            RecordBody::Decision(d) => format!("decision {}", d.kind()),
        })
        .collect()
}

#[tokio::test]
async fn ack_lost_but_order_live_at_the_venue_is_found_and_booked() {
    let dir = tempfile::tempdir().unwrap();
    let (mut core, _interner, order) = decided(dir.path());
    let (sim, rest) = sim().await;
    // The order left the process and filled, but the crash came before its answer was
    // journaled.
    rest.create_order(&CreateOrderRequest {
        ticker: K.into(),
        client_order_id: Some(order.id.to_string()),
        side: "yes".into(),
        action: "buy".into(),
        count: Some(10),
        yes_price_dollars: Some("0.4000".into()),
        time_in_force: Some("immediate_or_cancel".into()),
        ..CreateOrderRequest::default()
    })
    .await
    .unwrap();
    let before = core.writer.next_seq() - 1;
    let (open, differences) = reconcile_kalshi(&mut core, &rest).await.unwrap();
    core.writer.sync().unwrap();
    assert_eq!((open, differences), (1, 2));
    // Journal: the ack and the fill the venue had, then the second leg the engine now
    // places for what the first filled.
    assert_eq!(
        journaled_after(dir.path(), before),
        vec!["event order_ack", "event fill", "decision place_order"]
    );
    assert_eq!(
        core.reducer.portfolio().positions[&(MarketId(0), Outcome::Yes)].qty,
        Qty::contracts(10)
    );
    sim.stop().await;
}

#[tokio::test]
async fn an_order_that_never_reached_the_venue_is_rejected_on_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let (mut core, _interner, _order) = decided(dir.path());
    let (sim, rest) = sim().await;
    let before = core.writer.next_seq() - 1;
    let (open, differences) = reconcile_kalshi(&mut core, &rest).await.unwrap();
    core.writer.sync().unwrap();
    assert_eq!((open, differences), (1, 1));
    assert_eq!(
        journaled_after(dir.path(), before),
        vec!["event order_reject"]
    );
    assert!(
        core.reducer.orders().open.is_empty() && core.reducer.orders().episodes.is_empty(),
        "nothing filled, nothing exposed"
    );
    assert!(
        core.reducer
            .portfolio()
            .positions
            .values()
            .all(|p| p.qty == Qty::ZERO)
    );
    sim.stop().await;
}

/// After a restart, positions are compared with the venues' as while running (Kalshi
/// `/portfolio/positions`, Polymarket's Data API `GET /positions?user=`), two reads one
/// after the other: a token the venue says the wallet holds that no order of the
/// journal explains is journaled as a confirmed `Discrepancy`, adopted, and puts the
/// engine in safe mode (`Halt UnexplainedPosition`); never adopted silently.
#[tokio::test]
async fn positions_the_journal_cannot_explain_after_a_restart_mean_safe_mode() {
    use arb::run::live::recovery::reconcile_positions;
    use arb::venues::polymarket::auth::{ApiCreds, PolymarketSigner};
    use arb::venues::polymarket::rest::PolymarketRest;
    let dir = tempfile::tempdir().unwrap();
    let (mut core, interner, _) = decided(dir.path());
    let (sim, _) = sim().await;
    sim.state.mutate(|ex| {
        let a = ex.accounts.get_mut("arb-polymarket").unwrap();
        a.positions.insert((1, Outcome::Yes), Qty(7_500_000));
        a.cash = Money::dollars(100);
    });
    let creds = ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .unwrap();
    let signer = PolymarketSigner::new(&Secret::new(sim_keys::POLY_PRIVATE_KEY), creds).unwrap();
    let wallet = signer.address().to_string();
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    let clob = PolymarketRest::new(http.clone(), sim.polymarket_base(), Some(signer));
    let data = PolymarketRest::new(http, sim.polymarket_base(), None);
    let before = core.writer.next_seq() - 1;
    let n = reconcile_positions(&mut core, None, Some((&clob, &data, &wallet)), &interner)
        .await
        .unwrap();
    core.writer.sync().unwrap();
    assert_eq!(n, 2, "seen, then confirmed");
    let journaled = journaled_after(dir.path(), before);
    assert_eq!(
        journaled,
        [
            "event venue_state",
            "decision discrepancy",
            "event venue_state",
            "decision discrepancy",
            "decision mode_change",
            "decision halt",
        ]
    );
    assert_eq!(core.reducer.mode(), arb::event::Mode::Safe);
    assert_eq!(
        core.reducer.portfolio().positions[&(MarketId(1), Outcome::Yes)].qty,
        Qty(7_500_000),
        "adopted, and journaled as such"
    );
    // Agreeing now: another pass finds nothing.
    assert_eq!(
        reconcile_positions(&mut core, None, Some((&clob, &data, &wallet)), &interner)
            .await
            .unwrap(),
        0
    );
    sim.stop().await;
}

/// A market the engine holds that settled while it was away is looked up before the
/// positions are compared: its payout is booked (`MarketClosed`, `Settled`, `Realized`),
/// and the venue's empty position and larger cash are no surprise.
#[tokio::test]
async fn a_market_that_settled_while_the_engine_was_away_is_paid_not_a_surprise() {
    use arb::run::live::recovery::reconcile_positions;
    let dir = tempfile::tempdir().unwrap();
    let (mut core, interner, _) = decided(dir.path());
    let (sim, rest) = sim().await;
    // Both hold ten YES of the Kalshi market; it settles YES while the engine is down.
    core.step(
        1_000,
        &Event::Position(PositionReport {
            market: MarketId(0),
            outcome: Outcome::Yes,
            qty: Qty::contracts(10),
        }),
    )
    .unwrap();
    sim.state.mutate(|ex| {
        ex.plant("arb-kalshi", 0, Outcome::Yes, Qty::contracts(10));
        ex.settle(0, true);
    });
    let before = core.writer.next_seq() - 1;
    let n = reconcile_positions(&mut core, Some(&rest), None, &interner)
        .await
        .unwrap();
    core.writer.sync().unwrap();
    assert_eq!(n, 0, "no discrepancy");
    let journaled = journaled_after(dir.path(), before);
    assert_eq!(
        journaled[..3],
        ["event market_closed", "event settled", "decision realized"]
    );
    assert_eq!(core.reducer.mode(), arb::event::Mode::Normal);
    assert_eq!(
        core.reducer.portfolio().cash[Venue::Kalshi.index()],
        Money::dollars(110)
    );
    assert!(
        core.reducer
            .portfolio()
            .positions
            .values()
            .all(|p| p.qty == Qty::ZERO)
    );
    sim.stop().await;
}
