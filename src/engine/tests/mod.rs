//! Behaviour of the reducer: lanes, sizing, gates, order flow, bad input, determinism.

use super::*;
use crate::config::LegPolicy;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::event::*;

const K: MarketId = MarketId(0); // Kalshi ticker
const PY: MarketId = MarketId(1); // Polymarket YES token
const PN: MarketId = MarketId(2); // Polymarket NO token

fn meta(id: MarketId, venue: Venue, no_leg: NoLeg, fees: FeeModel) -> Event {
    Event::MarketDefined(MarketMeta {
        id,
        venue,
        venue_id: format!("m{}", id.0),
        title: "Will it happen?".into(),
        event_id: "EV".into(),
        series_id: "SER".into(),
        close_ts: None,
        no_leg,
        fees,
        tick: Price(100),
    })
}

fn lvl(p: &str, q: i64) -> Level {
    Level {
        price: Price::from_decimal(p).unwrap(),
        qty: Qty::contracts(q),
    }
}

fn book(market: MarketId, bids: &[Level], asks: &[Level]) -> Event {
    Event::BookSnapshot(BookSnapshot {
        market,
        venue_seq: 0,
        bids: bids.to_vec(),
        asks: asks.to_vec(),
    })
}

/// Kalshi K plus a Polymarket token pair (PY, PN), both fee-free unless stated, with
/// $1000 at each venue and a pair rule K.YES == PY.YES.
/// Both legs at once: the lane tests look at what an opportunity buys, not at legging.
fn setup(cfg: EngineConfig, fees: bool) -> (Reducer, Vec<Decision>) {
    let concurrent = LegPolicy {
        sequential: false,
        ..LegPolicy::default()
    };
    setup_with(cfg, fees, concurrent)
}

/// A reducer with the three markets, the pair and cash, `policy` for legging, and
/// Polymarket positions closed by selling (`SellToClose`, as every profile loads now).
fn setup_with(cfg: EngineConfig, fees: bool, policy: LegPolicy) -> (Reducer, Vec<Decision>) {
    let mut r = Reducer::new(cfg);
    r.apply(0, &Event::LegPolicyLoaded(policy), &mut Vec::new());
    r.apply(0, &Event::SellToClose { enabled: true }, &mut Vec::new());
    let mut out = Vec::new();
    let (kf, pf) = if fees {
        (
            FeeModel::Kalshi {
                multiplier_bp: 10_000,
            },
            FeeModel::Polymarket {
                rate_ppm: 40_000,
                exponent: 1,
                taker_only: true,
            },
        )
    } else {
        (FeeModel::Free, FeeModel::Free)
    };
    let markets = [
        meta(K, Venue::Kalshi, NoLeg::SameBook, kf),
        meta(PY, Venue::Polymarket, NoLeg::Complement(PN), pf),
        meta(PN, Venue::Polymarket, NoLeg::Complement(PY), pf),
    ];
    for e in markets.into_iter().chain(pair_and_cash()) {
        r.apply(0, &e, &mut out);
    }
    assert!(out.is_empty(), "setup decided {out:?}");
    (r, out)
}

/// `order` as open at `venue` (placed by hand: no reservation, no episode).
fn insert_open(r: &mut Reducer, order: PlaceOrder, venue: Venue) {
    r.orders.open.insert(
        order.id,
        orders::OpenOrder {
            order,
            venue,
            venue_order_id: None,
            filled: Qty::ZERO,
            reserved: Money::ZERO,
            deadline: None,
            cancel_sent: false,
            unknown: false,
        },
    );
}

/// The pair rule K.YES == PY.YES and $1000 at each venue (after the three markets).
fn pair_and_cash() -> [Event; 3] {
    [
        Event::PairDefined(PairRule {
            a: K,
            b: PY,
            b_outcome_for_a_yes: Outcome::Yes,
            confidence_bp: 9_700,
        }),
        Event::Balance(BalanceReport {
            venue: Venue::Kalshi,
            cash: Money::dollars(1000),
        }),
        Event::Balance(BalanceReport {
            venue: Venue::Polymarket,
            cash: Money::dollars(1000),
        }),
    ]
}

const S: i64 = 1_000_000_000;

/// The decisions of one event at `ts`, less the lanes' coverage a tick may journal (not
/// what the tests using this are about).
fn at(r: &mut Reducer, ts: i64, e: Event) -> Vec<Decision> {
    let mut out = Vec::new();
    r.apply(ts, &e, &mut out);
    out.retain(|d| !matches!(d, Decision::LaneCoverage { .. }));
    out
}

fn run(r: &mut Reducer, e: Event) -> Vec<Decision> {
    let mut out = Vec::new();
    r.apply(1, &e, &mut out);
    out
}

fn sells(out: &[Decision]) -> Vec<PlaceOrder> {
    out.iter()
        .filter_map(|d| match d {
            Decision::SellOrder(p) => Some(*p),
            _ => None,
        })
        .collect()
}

fn places(out: &[Decision]) -> Vec<PlaceOrder> {
    out.iter()
        .filter_map(|d| {
            if let Decision::PlaceOrder(p) = d {
                Some(*p)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn intra_venue_buys_both_tokens_when_asks_sum_below_one() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    assert!(run(&mut r, book(PY, &[], &[lvl("0.45", 30)])).is_empty());
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 20)]));
    let Decision::OpportunityFound(o) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(o.lane, Lane::IntraVenue);
    assert_eq!(o.qty, Qty::contracts(20), "limited by the shallower leg");
    assert_eq!(o.expected_profit, Money::dollars(1), "20 × $0.05");
    assert!(matches!(&out[1], Decision::Intent(i) if i.max_cost == Money::dollars(19)));
    let p = places(&out);
    assert_eq!(p.len(), 2);
    // The shallower leg (PN, 20 shown) goes first.
    assert_eq!(
        (p[0].market, p[0].outcome, p[0].price),
        (PN, Outcome::Yes, Price(5000))
    );
    assert_eq!(
        (p[1].market, p[1].outcome, p[1].price),
        (PY, Outcome::Yes, Price(4500))
    );
    assert_eq!(p[0].id.to_string(), "arb-1-0-0");
    assert_eq!(p[1].id.to_string(), "arb-1-1-0");
    assert_eq!(
        r.portfolio().available(Venue::Polymarket),
        Money::dollars(981)
    );
}

#[test]
fn fees_that_eat_the_edge_leave_no_opportunity() {
    let (mut r, _) = setup(EngineConfig::default(), true);
    run(&mut r, book(PY, &[], &[lvl("0.49", 100)]));
    // Gross edge $0.01; fees 0.04·0.49·0.51 + 0.04·0.50·0.50 ≈ $0.02 per contract.
    assert!(run(&mut r, book(PN, &[], &[lvl("0.50", 100)])).is_empty());
    assert_eq!(r.stats().opportunities, [0; Lane::COUNT]);
}

#[test]
fn an_edge_below_the_minimum_is_journaled_as_skipped() {
    let cfg = EngineConfig {
        min_edge: Money(30_000),
        ..EngineConfig::default()
    };
    let (mut r, _) = setup(cfg, false);
    run(&mut r, book(PY, &[], &[lvl("0.48", 100)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 100)]));
    assert!(
        matches!(
            out[1],
            Decision::Skipped {
                opportunity: 1,
                reason: SkipReason::EdgeBelowMinimum
            }
        ),
        "{out:?}"
    );
    assert!(places(&out).is_empty());
}

#[test]
fn cross_venue_takes_the_cheaper_direction_with_both_fees() {
    let (mut r, _) = setup(EngineConfig::default(), true);
    // Kalshi: YES bid 0.35, NO bid 0.58 -> YES ask 0.42, NO ask 0.65.
    run(&mut r, book(K, &[lvl("0.35", 40)], &[lvl("0.42", 40)]));
    run(&mut r, book(PY, &[], &[lvl("0.55", 100)]));
    // K YES 0.42 + PN 0.50 = 0.92; K NO 0.65 + PY 0.55 = 1.20; PY + PN = 1.05.
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 100)]));
    let cross: Vec<_> = out
        .iter()
        .filter(|d| matches!(d, Decision::OpportunityFound(o) if o.lane == Lane::CrossVenue))
        .collect();
    assert_eq!(cross.len(), 1, "{out:?}");
    let p = places(&out);
    assert_eq!(
        (p[0].market, p[0].outcome, p[0].price),
        (K, Outcome::Yes, Price(4200))
    );
    assert_eq!(
        (p[1].market, p[1].outcome, p[1].price),
        (PN, Outcome::Yes, Price(5000))
    );
    // 40 × (1 − 0.92) − Kalshi fee ceil(0.07·40·0.42·0.58) − Polymarket fee 40·0.04·0.25.
    let Decision::Intent(i) = out
        .iter()
        .find(|d| matches!(d, Decision::Intent(_)))
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(i.qty, Qty::contracts(40));
    assert_eq!(
        i.expected_profit,
        Money::from_decimal("3.2").unwrap()
            - Money::from_decimal("0.6821").unwrap()
            - Money::from_decimal("0.4").unwrap()
    );
}

#[test]
fn kalshi_no_is_bought_on_the_same_ticker() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.40", 10)]));
    // K YES bid 0.55 -> NO ask 0.45; with PY YES 0.40 the pair costs 0.85.
    let out = run(&mut r, book(K, &[lvl("0.55", 10)], &[lvl("0.60", 10)]));
    let p = places(&out);
    assert_eq!(
        (p[0].market, p[0].outcome, p[0].price),
        (K, Outcome::No, Price(4500))
    );
    assert_eq!(
        (p[1].market, p[1].outcome, p[1].price),
        (PY, Outcome::Yes, Price(4000))
    );
}

#[test]
fn low_confidence_pairs_are_skipped() {
    let cfg = EngineConfig {
        min_pair_confidence_bp: 9_800,
        ..EngineConfig::default()
    };
    let (mut r, _) = setup(cfg, false);
    run(&mut r, book(PY, &[], &[lvl("0.40", 10)]));
    let out = run(&mut r, book(K, &[lvl("0.55", 10)], &[lvl("0.60", 10)]));
    assert!(
        matches!(
            out[1],
            Decision::Skipped {
                reason: SkipReason::PairConfidenceTooLow,
                ..
            }
        ),
        "{out:?}"
    );
}

#[test]
fn sizing_never_exceeds_cash_or_caps() {
    let cfg = EngineConfig {
        max_contracts: Qty::contracts(1000),
        max_notional: Money::dollars(10_000),
        ..EngineConfig::default()
    };
    let (mut r, _) = setup(cfg, false);
    run(
        &mut r,
        Event::Balance(BalanceReport {
            venue: Venue::Polymarket,
            cash: Money::dollars(10),
        }),
    );
    run(&mut r, book(PY, &[], &[lvl("0.45", 500)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 500)]));
    // $10 at 0.95 per pair: 10 contracts.
    assert_eq!(places(&out)[0].qty, Qty::contracts(10));
    assert!(r.portfolio().available(Venue::Polymarket).0 >= 0);

    let (mut r, _) = setup(
        EngineConfig {
            max_notional: Money::dollars(5),
            ..EngineConfig::default()
        },
        false,
    );
    run(&mut r, book(PY, &[], &[lvl("0.45", 500)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 500)]));
    assert_eq!(
        places(&out)[0].qty,
        Qty::contracts(5),
        "$5 cap at $0.95 a pair"
    );

    let (mut r, _) = setup(EngineConfig::default(), false);
    run(
        &mut r,
        Event::Balance(BalanceReport {
            venue: Venue::Polymarket,
            cash: Money::from_decimal("0.90").unwrap(),
        }),
    );
    run(&mut r, book(PY, &[], &[lvl("0.45", 500)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 500)]));
    assert!(
        matches!(
            out[1],
            Decision::Skipped {
                reason: SkipReason::InsufficientCash,
                ..
            }
        ),
        "{out:?}"
    );
}

fn run_ref(r: &mut Reducer, e: &Event) -> Vec<Decision> {
    run(r, e.clone())
}

#[test]
fn kill_switch_halts_within_one_step_and_resumes() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let out = run(
        &mut r,
        Event::Operator(OperatorCommand::KillSwitch { engaged: true }),
    );
    assert_eq!(
        out,
        vec![
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Halted
            },
            Decision::Halt {
                reason: HaltReason::KillSwitch
            }
        ]
    );
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 10)]));
    assert!(matches!(
        out[1],
        Decision::Skipped {
            reason: SkipReason::Halted,
            ..
        }
    ));
    assert!(places(&out).is_empty());
    let out = run(
        &mut r,
        Event::Operator(OperatorCommand::KillSwitch { engaged: false }),
    );
    assert_eq!(
        out,
        vec![Decision::ModeChange {
            from: Mode::Halted,
            to: Mode::Normal
        }]
    );
}

fn fill(id: ClientOrderId, market: MarketId, price: u16, qty: i64) -> Event {
    Event::Fill(Fill {
        id,
        market,
        outcome: Outcome::Yes,
        price: Price(price),
        qty: Qty::contracts(qty),
        fee: Money::ZERO,
        maker: false,
    })
}

#[test]
fn filled_legs_become_positions_and_release_reservations() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let p = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 10)])));
    assert!(run(&mut r, fill(p[0].id, PY, 4500, 10)).is_empty());
    assert!(run(&mut r, fill(p[1].id, PN, 5000, 4)).is_empty());
    assert!(run(&mut r, fill(p[1].id, PN, 5000, 6)).is_empty());
    let pf = r.portfolio();
    assert_eq!(pf.positions[&(PY, Outcome::Yes)].qty, Qty::contracts(10));
    assert_eq!(pf.positions[&(PN, Outcome::Yes)].qty, Qty::contracts(10));
    assert_eq!(
        pf.cash[Venue::Polymarket.index()],
        Money::from_decimal("990.50").unwrap()
    );
    assert_eq!(pf.reserved[Venue::Polymarket.index()], Money::ZERO);
    assert!(r.orders().open.is_empty() && r.orders().episodes.is_empty());
    assert_eq!(r.mode(), Mode::Normal);
}

#[test]
fn a_leg_left_unfilled_puts_the_engine_in_safe_mode_until_acknowledged() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let p = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])));
    // PY (10 shown) goes first and fills; PN is rejected.
    assert_eq!(p[0].market, PY);
    run(&mut r, fill(p[0].id, PY, 4500, 10));
    // PY bid at 0.50 mirrors PN's ask: selling PY loses no more than buying PN.
    run(&mut r, book(PY, &[lvl("0.50", 30)], &[]));
    let out = run(
        &mut r,
        Event::OrderReject(OrderReject {
            id: p[1].id,
            reason: "no liquidity".into(),
        }),
    );
    // The engine unwinds: it sells the 10 PY left uncovered (a Polymarket token: the
    // cash comes back now), taking at least 0.45 − the 0.05 loss bound.
    let hedge = sells(&out);
    assert_eq!(hedge.len(), 1, "{out:?}");
    assert_eq!(
        (
            hedge[0].id.leg,
            hedge[0].market,
            hedge[0].price,
            hedge[0].qty
        ),
        (2, PY, Price(4000), Qty::contracts(10))
    );
    // The hedge fails too: now the exposure is the operator's.
    let out = run(
        &mut r,
        Event::OrderReject(OrderReject {
            id: hedge[0].id,
            reason: "no liquidity".into(),
        }),
    );
    assert_eq!(
        out,
        vec![
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Safe
            },
            Decision::Halt {
                reason: HaltReason::UnhedgedExposure
            }
        ]
    );
    assert_eq!(r.portfolio().reserved, [Money::ZERO, Money::ZERO]);
    // No new entries in safe mode.
    run(&mut r, book(PY, &[], &[lvl("0.40", 10)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.41", 10)]));
    assert!(
        matches!(
            out[1],
            Decision::Skipped {
                reason: SkipReason::Halted,
                ..
            }
        ),
        "{out:?}"
    );
    let out = run(
        &mut r,
        Event::Operator(OperatorCommand::AckExposure {
            note: "closed by hand".into(),
        }),
    );
    assert_eq!(
        out,
        vec![Decision::ModeChange {
            from: Mode::Safe,
            to: Mode::Normal
        }]
    );
}

#[test]
fn bad_inputs_are_rejected_and_change_nothing() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(K, &[lvl("0.40", 5)], &[lvl("0.60", 5)]));
    let view = |r: &Reducer| {
        format!(
            "{:?} {:?} {:?} {:?}",
            r.markets().list,
            r.markets().pairs,
            r.portfolio(),
            r.orders()
        )
    };
    let before = view(&r);
    let cases: Vec<(Event, InputError)> = vec![
        (
            book(MarketId(9), &[], &[]),
            InputError::UnknownMarket(MarketId(9)),
        ),
        (
            Event::BookDelta(BookDelta {
                market: K,
                venue_seq: 0,
                side: BookSide::Bid,
                price: Price(4000),
                change: LevelChange::Add(Qty::contracts(-6)),
            }),
            InputError::NegativeQuantity {
                market: K,
                price: Price(4000),
            },
        ),
        (
            Event::BookDelta(BookDelta {
                market: K,
                venue_seq: 0,
                side: BookSide::Ask,
                price: Price(12_000),
                change: LevelChange::Set(Qty::contracts(1)),
            }),
            InputError::PriceOutOfRange {
                market: K,
                price: Price(12_000),
            },
        ),
        (
            book(
                K,
                &[lvl("0.40", 5)],
                &[Level {
                    price: Price(10_001),
                    qty: Qty(1),
                }],
            ),
            InputError::PriceOutOfRange {
                market: K,
                price: Price(10_001),
            },
        ),
        (
            meta(MarketId(7), Venue::Kalshi, NoLeg::SameBook, FeeModel::Free),
            InputError::MarketIdOutOfOrder {
                got: MarketId(7),
                expected: MarketId(3),
            },
        ),
        (
            meta(K, Venue::Polymarket, NoLeg::SameBook, FeeModel::Free),
            InputError::MarketRedefined(K),
        ),
        (
            fill(
                ClientOrderId {
                    opportunity: 99,
                    leg: 0,
                    attempt: 0,
                },
                K,
                5000,
                1,
            ),
            InputError::UnknownOrder(ClientOrderId {
                opportunity: 99,
                leg: 0,
                attempt: 0,
            }),
        ),
        (
            Event::PairDefined(PairRule {
                a: PY,
                b: PN,
                b_outcome_for_a_yes: Outcome::No,
                confidence_bp: 10_000,
            }),
            InputError::PairUnusable { a: PY, b: PN },
        ),
    ];
    for (event, want) in cases {
        let out = run(&mut r, event.clone());
        assert_eq!(
            out,
            vec![Decision::InputRejected { reason: want }],
            "{event:?}"
        );
    }
    assert_eq!(view(&r), before, "rejected inputs left the state as it was");
    assert_eq!(r.stats().rejected_inputs, 8);
}

#[test]
fn stale_venue_sequence_numbers_are_refused() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let snap = Event::BookSnapshot(BookSnapshot {
        market: K,
        venue_seq: 10,
        bids: vec![lvl("0.40", 5)],
        asks: vec![],
    });
    run(&mut r, snap);
    let delta = |seq| {
        Event::BookDelta(BookDelta {
            market: K,
            venue_seq: seq,
            side: BookSide::Bid,
            price: Price(4000),
            change: LevelChange::Add(Qty::contracts(1)),
        })
    };
    assert!(run(&mut r, delta(11)).is_empty());
    assert_eq!(
        run(&mut r, delta(11)),
        vec![Decision::InputRejected {
            reason: InputError::StaleSequence {
                market: K,
                last: 11,
                got: 11
            }
        }]
    );
    assert_eq!(
        r.markets().get(K).unwrap().book.best_bid().unwrap().qty,
        Qty::contracts(6)
    );
}

#[test]
fn crossed_or_suspect_books_are_not_traded() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[lvl("0.50", 10)], &[lvl("0.45", 10)])); // crossed
    assert_eq!(
        r.stats().unusable_books,
        1,
        "a crossed book is a counted skip"
    );
    assert!(run(&mut r, book(PN, &[], &[lvl("0.50", 10)])).is_empty());
    run(
        &mut r,
        Event::Feed(FeedStatus {
            venue: Venue::Polymarket,
            state: FeedState::Gap,
        }),
    );
    // PY is fresh again, but PN is still suspect after the gap.
    assert!(run(&mut r, book(PY, &[], &[lvl("0.45", 10)])).is_empty());
    let delta = Event::BookDelta(BookDelta {
        market: PN,
        venue_seq: 0,
        side: BookSide::Ask,
        price: Price(4900),
        change: LevelChange::Set(Qty::contracts(10)),
    });
    assert!(
        run(&mut r, delta).is_empty(),
        "a delta does not clear a gap"
    );
    let out = run(&mut r, book(PN, &[], &[lvl("0.49", 10)]));
    assert_eq!(places(&out).len(), 2, "a snapshot does: {out:?}");
}

#[test]
fn an_unchanged_edge_is_journaled_once() {
    let cfg = EngineConfig {
        min_edge: Money(900_000),
        ..EngineConfig::default()
    };
    let (mut r, _) = setup(cfg, false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    assert_eq!(run(&mut r, book(PN, &[], &[lvl("0.50", 10)])).len(), 2);
    assert!(run(&mut r, book(PN, &[lvl("0.10", 3)], &[lvl("0.50", 10)])).is_empty());
    assert_eq!(r.stats().repeats, 1);
    assert_eq!(
        run(&mut r, book(PN, &[], &[lvl("0.49", 10)])).len(),
        2,
        "a changed edge is news"
    );
}

#[test]
fn same_events_same_decisions_and_hash() {
    let events = vec![
        book(K, &[lvl("0.35", 40)], &[lvl("0.42", 40)]),
        book(PY, &[], &[lvl("0.47", 100)]),
        book(PN, &[], &[lvl("0.50", 100)]),
        Event::BookDelta(BookDelta {
            market: PN,
            venue_seq: 0,
            side: BookSide::Ask,
            price: Price(4800),
            change: LevelChange::Set(Qty::contracts(7)),
        }),
    ];
    let play = || {
        let (mut r, _) = setup(EngineConfig::default(), true);
        let mut all = Vec::new();
        for e in &events {
            all.extend(run_ref(&mut r, e));
        }
        (all, r.state_hash())
    };
    let (d1, h1) = play();
    let (d2, h2) = play();
    assert!(!d1.is_empty());
    assert_eq!((d1, h1), (d2, h2));
    let (mut r, _) = setup(EngineConfig::default(), true);
    for e in &events[..3] {
        run_ref(&mut r, e);
    }
    assert_ne!(r.state_hash(), h1, "the hash sees the last delta");
}

#[test]
fn a_batch_is_applied_whole_before_the_lanes_look() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    run(&mut r, book(PN, &[], &[lvl("0.60", 10)]));
    // One venue message moves PN's ask from 0.60 down to 0.50 and PY's ask from 0.45 up
    // to 0.55: taken alone, the first changes would show a 5-cent edge that the message
    // as a whole never offered.
    let set = |market, side, p: u16, q: i64| BookDelta {
        market,
        venue_seq: 0,
        side,
        price: Price(p),
        change: LevelChange::Set(Qty::contracts(q)),
    };
    let msg = Event::BookBatch(BookBatch {
        deltas: vec![
            set(PN, BookSide::Ask, 6000, 0),
            set(PN, BookSide::Ask, 5000, 10),
            set(PY, BookSide::Ask, 4500, 0),
            set(PY, BookSide::Ask, 5500, 10),
        ],
    });
    assert!(
        run(&mut r, msg).is_empty(),
        "no decision on a half-applied message"
    );
    assert_eq!(
        r.markets().get(PY).unwrap().book.best_ask().unwrap().price,
        Price(5500)
    );
    // The same changes as separate events do trade on the transient state.
    let (mut r2, _) = setup(EngineConfig::default(), false);
    run(&mut r2, book(PY, &[], &[lvl("0.45", 10)]));
    run(&mut r2, book(PN, &[], &[lvl("0.60", 10)]));
    run(&mut r2, Event::BookDelta(set(PN, BookSide::Ask, 6000, 0)));
    let out = run(&mut r2, Event::BookDelta(set(PN, BookSide::Ask, 5000, 10)));
    assert_eq!(places(&out).len(), 2, "{out:?}");
    // A bad change in a batch is refused alone; the rest apply.
    let bad = Event::BookBatch(BookBatch {
        deltas: vec![
            set(MarketId(9), BookSide::Bid, 100, 1),
            set(PY, BookSide::Bid, 1000, 3),
        ],
    });
    let out = run(&mut r, bad);
    assert_eq!(
        out,
        vec![Decision::InputRejected {
            reason: InputError::UnknownMarket(MarketId(9))
        }]
    );
    assert_eq!(
        r.markets().get(PY).unwrap().book.best_bid().unwrap().price,
        Price(1000)
    );
}

#[test]
fn a_reversed_fill_restores_cash_and_position_and_stops_new_entries() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let p = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 10)])));
    run(&mut r, fill(p[0].id, PY, 4500, 10));
    run(&mut r, fill(p[1].id, PN, 5000, 10));
    assert_eq!(r.mode(), Mode::Normal, "hedged");
    let cash_before = r.portfolio().cash[Venue::Polymarket.index()];
    // PN's trade fails to settle: the venue undoes it.
    let rev = Event::FillReversed(Fill {
        id: p[1].id,
        market: PN,
        outcome: Outcome::Yes,
        price: Price(5000),
        qty: Qty::contracts(10),
        fee: Money::ZERO,
        maker: false,
    });
    let out = run(&mut r, rev.clone());
    assert_eq!(
        out,
        vec![
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Safe
            },
            Decision::Halt {
                reason: HaltReason::UnhedgedExposure
            }
        ]
    );
    assert_eq!(
        r.portfolio().cash[Venue::Polymarket.index()],
        cash_before + Money::dollars(5)
    );
    assert_eq!(r.portfolio().positions[&(PN, Outcome::Yes)].qty, Qty::ZERO);
    assert_eq!(
        r.portfolio().positions[&(PY, Outcome::Yes)].qty,
        Qty::contracts(10),
        "the other leg is still held"
    );
    // Reversing more than is held is refused.
    let out = run(&mut r, rev);
    assert_eq!(
        out,
        vec![Decision::InputRejected {
            reason: InputError::FillMismatch(p[1].id)
        }]
    );
}

fn cancel(id: ClientOrderId, qty: i64) -> Event {
    Event::OrderCanceled(OrderCanceled {
        id,
        canceled_qty: Qty::contracts(qty),
    })
}

/// Sequential legging with the default policy (tolerance $0.01, unwind loss $0.05).
fn sequential() -> Reducer {
    setup_with(EngineConfig::default(), false, LegPolicy::default()).0
}

#[test]
fn legs_go_one_after_the_other_and_the_second_follows_what_the_first_filled() {
    let mut r = sequential();
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 20)]));
    let first = places(&out);
    assert_eq!(first.len(), 1, "only the first leg: {out:?}");
    assert_eq!(
        (first[0].market, first[0].qty),
        (PN, Qty::contracts(20)),
        "the thinner leg first"
    );
    // The second leg's cash is held while the first is out.
    assert_eq!(
        r.portfolio().available(Venue::Polymarket),
        Money::dollars(1000) - Money::dollars(10) - Money::dollars(9)
    );
    // The first leg fills 12 of 20; the rest is canceled: the second leg is placed for 12.
    run(&mut r, fill(first[0].id, PN, 5000, 12));
    let out = run(&mut r, cancel(first[0].id, 8));
    let second = places(&out);
    assert_eq!(second.len(), 1, "{out:?}");
    assert_eq!(
        (
            second[0].id.leg,
            second[0].market,
            second[0].qty,
            second[0].price
        ),
        (1, PY, Qty::contracts(12), Price(4600)),
        "planned 0.45 + 0.01 tolerance"
    );
    run(&mut r, fill(second[0].id, PY, 4500, 12));
    assert!(
        r.orders().episodes.is_empty() && r.orders().open.is_empty(),
        "hedged: the episode is closed"
    );
    assert_eq!(r.mode(), Mode::Normal);
    assert_eq!(r.portfolio().reserved, [Money::ZERO, Money::ZERO]);
}

#[test]
fn an_unfilled_first_leg_leaves_nothing_to_do() {
    let mut r = sequential();
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])));
    let out = run(&mut r, cancel(first[0].id, 20));
    assert!(out.is_empty(), "no second leg, no hedge: {out:?}");
    assert!(r.orders().episodes.is_empty());
    assert_eq!(
        r.portfolio().reserved,
        [Money::ZERO, Money::ZERO],
        "held cash released"
    );
}

#[test]
fn a_second_leg_that_moved_too_far_is_replaced_by_unwinding_the_first() {
    let mut r = sequential();
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])));
    assert_eq!(first[0].market, PN);
    // Before the first leg's fill arrives, PY's ask jumps to 0.48 (> 0.45 + 0.01); PN
    // is bid at 0.52 (the complement tokens' books mirror each other).
    run(&mut r, book(PY, &[lvl("0.40", 50)], &[lvl("0.48", 30)]));
    run(&mut r, book(PN, &[lvl("0.52", 50)], &[]));
    let out = run(&mut r, fill(first[0].id, PN, 5000, 20));
    assert!(places(&out).is_empty(), "{out:?}");
    let hedge = sells(&out);
    // Unwind: PN sold back for at least 0.50 − 0.05 a contract.
    assert_eq!(hedge.len(), 1, "{out:?}");
    assert_eq!(
        (
            hedge[0].id.leg,
            hedge[0].market,
            hedge[0].price,
            hedge[0].qty
        ),
        (2, PN, Price(4500), Qty::contracts(20))
    );
    run(&mut r, fill(hedge[0].id, PN, 5200, 20));
    assert!(r.orders().episodes.is_empty(), "closed by the sale");
    assert_eq!(
        r.portfolio()
            .positions
            .get(&(PN, Outcome::Yes))
            .map(|p| p.qty),
        Some(Qty::ZERO),
        "nothing held"
    );
    assert_eq!(r.mode(), Mode::Normal);
}

#[test]
fn a_second_leg_that_comes_up_short_is_topped_up_by_a_hedge_and_a_failed_hedge_is_safe_mode() {
    let mut r = sequential();
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])));
    let second = places(&run(&mut r, fill(first[0].id, PN, 5000, 20)));
    run(&mut r, fill(second[0].id, PY, 4500, 5));
    // PN bid at 0.55 mirrors PY's ask.
    run(&mut r, book(PN, &[lvl("0.55", 30)], &[]));
    let out = run(&mut r, cancel(second[0].id, 15));
    let hedge = sells(&out);
    assert_eq!(
        (hedge[0].id.leg, hedge[0].market, hedge[0].qty),
        (2, PN, Qty::contracts(15)),
        "the 15 PN left uncovered are sold: {out:?}"
    );
    let out = run(&mut r, cancel(hedge[0].id, 15));
    assert_eq!(
        out,
        vec![
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Safe
            },
            Decision::Halt {
                reason: HaltReason::UnhedgedExposure
            }
        ]
    );
    assert_eq!(
        r.orders().episodes.values().next().map(|e| e.exposed()),
        Some(Qty::contracts(15))
    );
}

#[test]
fn kalshi_nets_a_yes_and_no_pair_and_pays_its_dollar() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.40", 10)]));
    // K YES bid 0.55 -> NO ask 0.45: the pair K NO + PY YES costs 0.85.
    let p = places(&run(
        &mut r,
        book(K, &[lvl("0.55", 10)], &[lvl("0.60", 10)]),
    ));
    assert_eq!((p[0].market, p[0].outcome), (K, Outcome::No));
    let no_fill = Event::Fill(Fill {
        id: p[0].id,
        market: K,
        outcome: Outcome::No,
        price: Price(4500),
        qty: Qty::contracts(10),
        fee: Money::ZERO,
        maker: false,
    });
    run(&mut r, no_fill);
    let cash = r.portfolio().cash[Venue::Kalshi.index()];
    assert_eq!(
        cash,
        Money::dollars(1000) - Money::from_decimal("4.50").unwrap()
    );
    // A later YES fill on the same ticker (a hedge of that NO) closes 10 pairs: $10
    // back, flat.
    let hedge = PlaceOrder {
        side: crate::event::OrderSide::Buy,
        id: ClientOrderId {
            opportunity: 99,
            leg: 2,
            attempt: 0,
        },
        market: K,
        outcome: Outcome::Yes,
        price: Price(6000),
        qty: Qty::contracts(10),
        tif: TimeInForce::ImmediateOrCancel,
    };
    insert_open(&mut r, hedge, Venue::Kalshi);
    let out = run(
        &mut r,
        Event::Fill(Fill {
            id: hedge.id,
            market: K,
            outcome: Outcome::Yes,
            price: Price(6000),
            qty: Qty::contracts(10),
            fee: Money::ZERO,
            maker: false,
        }),
    );
    assert!(
        out.iter()
            .all(|d| !matches!(d, Decision::InputRejected { .. })),
        "{out:?}"
    );
    assert_eq!(r.portfolio().positions[&(K, Outcome::Yes)].qty, Qty::ZERO);
    assert_eq!(r.portfolio().positions[&(K, Outcome::No)].qty, Qty::ZERO);
    assert_eq!(r.portfolio().positions[&(K, Outcome::No)].cost, Money::ZERO);
    assert_eq!(
        r.portfolio().cash[Venue::Kalshi.index()],
        cash - Money::dollars(6) + Money::dollars(10)
    );
}

mod exits;
mod firewall;
mod groups;
mod mapping;
mod reconcile;
mod resting;
mod risk;
mod settlement;
mod unknown;
mod watch;

/// The unwind's price bound is one the venue accepts: a sale's floor is on the
/// market's tick (rounded up: it never loses more than the policy allows) and at least
/// a tick, however large the policy's loss bound.
#[test]
fn an_unwind_is_priced_on_the_tick_and_above_zero() {
    for (loss, expected) in [(Money(500_000), Price(100)), (Money(55_000), Price(4500))] {
        let policy = LegPolicy {
            unwind_max_loss: loss,
            ..LegPolicy::default()
        };
        let mut r = setup_with(EngineConfig::default(), false, policy).0;
        run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
        let first = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])));
        run(&mut r, book(PY, &[lvl("0.40", 50)], &[lvl("0.48", 30)]));
        run(&mut r, book(PN, &[lvl("0.52", 50)], &[]));
        let hedge = sells(&run(&mut r, fill(first[0].id, PN, 5000, 20)));
        assert_eq!(
            (hedge[0].id.leg, hedge[0].price),
            (2, expected),
            "loss bound {loss}"
        );
    }
}
