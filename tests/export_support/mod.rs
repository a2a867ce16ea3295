//! A small hand-built journal whose KPIs are known exactly (for `arb report` and
//! `arb export` tests), and a paper journal of the arb-rich scenario.
#![allow(dead_code)]

use arb::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty, Venue};
use arb::event::*;
use arb::journal::{JournalWriter, SyncMode, WriterOptions};
use std::path::Path;

pub const T0: i64 = 1_795_996_800_000_000_000; // 2026-11-30 00:00:00 UTC
const MS: i64 = 1_000_000;

fn meta(id: u32, venue: Venue, venue_id: &str) -> Event {
    Event::MarketDefined(MarketMeta {
        id: MarketId(id),
        venue,
        venue_id: venue_id.into(),
        title: venue_id.into(),
        event_id: format!("EV-{venue_id}"),
        series_id: "S".into(),
        close_ts: None,
        no_leg: NoLeg::SameBook,
        fees: FeeModel::Free,
        tick: Price(100),
    })
}

fn coid(opportunity: u64, leg: u8) -> ClientOrderId {
    ClientOrderId {
        opportunity,
        leg,
        attempt: 0,
    }
}

fn found(id: u64, lane: Lane, expected: i64) -> Decision {
    Decision::OpportunityFound(Opportunity {
        id,
        lane,
        legs: vec![],
        edge_per_contract: Money(20_000),
        qty: Qty::contracts(10),
        expected_profit: Money(expected),
    })
}

fn place(id: ClientOrderId, market: u32, outcome: Outcome, price: u16, qty: i64) -> Decision {
    Decision::PlaceOrder(PlaceOrder {
        side: arb::event::OrderSide::Buy,
        id,
        market: MarketId(market),
        outcome,
        price: Price(price),
        qty: Qty::contracts(qty),
        tif: TimeInForce::ImmediateOrCancel,
    })
}

fn fill(id: ClientOrderId, market: u32, outcome: Outcome, price: u16, qty: i64, fee: i64) -> Event {
    Event::Fill(Fill {
        id,
        market: MarketId(market),
        outcome,
        price: Price(price),
        qty: Qty::contracts(qty),
        fee: Money(fee),
        maker: false,
    })
}

fn ack(id: ClientOrderId) -> Event {
    Event::OrderAck(OrderAck {
        id,
        venue_order_id: format!("v-{id}"),
    })
}

/// Writes the constructed journal. What it holds:
/// - markets K1 (kalshi), P1 and P1N (polymarket);
/// - opportunity 1 (intra): expected $0.20, both legs fill 10 (0.44 under a 0.45
///   limit, fee 0.01; 0.53 at its limit, fee 0.01): realized 10 − 9.72 = $0.28;
///   acks after 5 ms and 3 ms;
/// - opportunities 2 and 3 (cross) skipped for exposure_cap, 4 (intra) for stale_book;
/// - opportunity 5 (cross): expected $0.30, first leg fills 10 at 0.40 (ack 2 ms),
///   second leg rejected, hedge fills 4 of 10 at 0.62 under 0.65 (ack 1 ms) and the
///   rest is canceled: realized 4 − 6.48 = −$2.48, 6 contracts unhedged; halt
///   (unhedged exposure) and mode normal -> safe;
/// - a fill for an order nobody placed, refused by the reducer (unknown_order).
pub fn constructed(dir: &Path) {
    let opts = WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    };
    let mut w = JournalWriter::create(dir, opts).unwrap();
    let mut t = T0;
    let mut ev = |w: &mut JournalWriter, dt: i64, e: Event, ds: Vec<Decision>| {
        t += dt * MS;
        w.append_event(t, &e).unwrap();
        for d in &ds {
            w.append_decision(t, d).unwrap();
        }
    };
    ev(&mut w, 0, meta(0, Venue::Kalshi, "K1"), vec![]);
    ev(&mut w, 0, meta(1, Venue::Polymarket, "P1"), vec![]);
    ev(&mut w, 0, meta(2, Venue::Polymarket, "P1N"), vec![]);
    let book = Event::BookSnapshot(BookSnapshot {
        market: MarketId(0),
        venue_seq: 1,
        bids: vec![Level {
            price: Price(4600),
            qty: Qty::contracts(50),
        }],
        asks: vec![Level {
            price: Price(4400),
            qty: Qty::contracts(30),
        }],
    });
    let (a, b) = (coid(1, 0), coid(1, 1));
    let intent = |opportunity, expected| {
        Decision::Intent(arb::event::Intent {
            opportunity,
            qty: Qty::contracts(10),
            max_cost: Money(9_800_000),
            expected_profit: Money(expected),
        })
    };
    let d1 = vec![
        found(1, Lane::IntraVenue, 200_000),
        intent(1, 200_000),
        place(a, 0, Outcome::Yes, 4500, 10),
    ];
    ev(&mut w, 1000, book, d1);
    ev(&mut w, 5, ack(a), vec![]);
    let second = vec![place(b, 0, Outcome::No, 5300, 10)];
    ev(
        &mut w,
        3,
        fill(a, 0, Outcome::Yes, 4400, 10, 10_000),
        second,
    );
    ev(&mut w, 3, ack(b), vec![]);
    ev(&mut w, 4, fill(b, 0, Outcome::No, 5300, 10, 10_000), vec![]);
    let skip = |opportunity, reason| Decision::Skipped {
        opportunity,
        reason,
    };
    let ds = vec![
        found(2, Lane::CrossVenue, 100_000),
        skip(2, SkipReason::ExposureCap),
        found(3, Lane::CrossVenue, 100_000),
        skip(3, SkipReason::ExposureCap),
        found(4, Lane::IntraVenue, 100_000),
        skip(4, SkipReason::StaleBook),
    ];
    ev(&mut w, 60_000, Event::Tick, ds);
    let (f, s, h) = (coid(5, 0), coid(5, 1), coid(5, 2));
    let ds = vec![
        found(5, Lane::CrossVenue, 300_000),
        intent(5, 300_000),
        place(f, 1, Outcome::Yes, 4000, 10),
    ];
    ev(&mut w, 60_000, Event::Tick, ds);
    ev(&mut w, 2, ack(f), vec![]);
    let ds = vec![place(s, 2, Outcome::Yes, 5500, 10)];
    ev(&mut w, 1, fill(f, 1, Outcome::Yes, 4000, 10, 0), ds);
    let rej = Event::OrderReject(OrderReject {
        id: s,
        reason: "no liquidity".into(),
    });
    ev(&mut w, 7, rej, vec![place(h, 1, Outcome::No, 6500, 10)]);
    ev(&mut w, 1, ack(h), vec![]);
    ev(&mut w, 1, fill(h, 1, Outcome::No, 6200, 4, 0), vec![]);
    let cancel = Event::OrderCanceled(OrderCanceled {
        id: h,
        canceled_qty: Qty::contracts(6),
    });
    let ds = vec![
        Decision::ModeChange {
            from: Mode::Normal,
            to: Mode::Safe,
        },
        Decision::Halt {
            reason: HaltReason::UnhedgedExposure,
        },
    ];
    ev(&mut w, 1, cancel, ds);
    let stray = coid(99, 0);
    let refused = vec![Decision::InputRejected {
        reason: InputError::UnknownOrder(stray),
    }];
    ev(&mut w, 1, fill(stray, 0, Outcome::Yes, 5000, 1, 0), refused);
    w.finish().unwrap();
}

/// A paper journal of the first `seconds` of the arb-rich scenario.
pub fn paper(dir: &Path, seconds: i64) -> arb::run::paper::PaperSummary {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = arb::sim::Scenario::load(&root.join("scenarios/arb-rich.toml")).unwrap();
    s.duration_ns = seconds * 1_000_000_000;
    let profile = arb::config::Profile::default();
    arb::run::paper::run_scenario(&s, &profile, dir, SyncMode::OsBuffered).unwrap()
}
