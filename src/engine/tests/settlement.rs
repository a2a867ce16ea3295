//! Markets that close and settle: no entry on a closed market or within the close
//! margin; at settlement positions pay into cash and leave the books, and each
//! opportunity's realized PnL is journaled; reconciliation leaves a market whose
//! settlement may be on its way alone.

use super::*;
use crate::event::{Realized, Settlement, VenueState};

fn settle(r: &mut Reducer, market: MarketId, yes_value: Price) -> Vec<Decision> {
    run(r, Event::Settled(Settlement { market, yes_value }))
}

fn realized(out: &[Decision]) -> Vec<Realized> {
    out.iter()
        .filter_map(|d| match d {
            Decision::Realized(x) => Some(*x),
            _ => None,
        })
        .collect()
}

/// The intra-venue pair PY + PN bought, 10 of each at 0.45 + 0.50, fully filled.
fn bought_pair() -> (Reducer, u64) {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let p = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 10)])));
    run(&mut r, fill(p[0].id, PY, 4500, 10));
    run(&mut r, fill(p[1].id, PN, 5000, 10));
    assert!(r.orders().open.is_empty());
    (r, p[0].id.opportunity)
}

#[test]
fn a_settled_pair_pays_its_dollar_books_the_opportunitys_pnl_and_releases_exposure() {
    let (mut r, opp) = bought_pair();
    let before = r.portfolio().cash[Venue::Polymarket.index()];
    assert_eq!(before, Money::from_decimal("990.50").unwrap());
    let yes = settle(&mut r, PY, Price::ONE);
    let no = settle(&mut r, PN, Price(0));
    let all: Vec<Realized> = realized(&yes).into_iter().chain(realized(&no)).collect();
    assert_eq!(
        all,
        vec![
            Realized {
                market: PY,
                outcome: Outcome::Yes,
                opportunity: Some(opp),
                lane: Some(Lane::IntraVenue),
                qty: Qty::contracts(10),
                payout: Money::dollars(10),
                pnl: Money::from_decimal("5.50").unwrap(),
            },
            Realized {
                market: PN,
                outcome: Outcome::Yes,
                opportunity: Some(opp),
                lane: Some(Lane::IntraVenue),
                qty: Qty::contracts(10),
                payout: Money::ZERO,
                pnl: Money::from_decimal("-5.00").unwrap(),
            },
        ]
    );
    // The opportunity made $1 − $0.95 per pair, ten pairs.
    let pnl: i64 = all.iter().map(|x| x.pnl.0).sum();
    assert_eq!(Money(pnl), Money::from_decimal("0.50").unwrap());
    assert_eq!(
        r.settlement().realized_by_lane[Lane::IntraVenue as usize],
        Money(pnl)
    );
    assert_eq!(
        r.portfolio().cash[Venue::Polymarket.index()],
        before + Money::dollars(10)
    );
    assert!(
        r.portfolio().positions.is_empty(),
        "{:?}",
        r.portfolio().positions
    );
    assert!(r.settlement().lots.is_empty());
    let back = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
    assert_eq!(back.state_hash(), r.state_hash());
}

#[test]
fn a_second_settlement_changes_nothing_and_a_contradicting_one_is_refused() {
    let (mut r, _) = bought_pair();
    settle(&mut r, PY, Price::ONE);
    let hash = r.state_hash();
    let cash = r.portfolio().cash;
    assert!(settle(&mut r, PY, Price::ONE).is_empty());
    assert_eq!(r.portfolio().cash, cash);
    let out = settle(&mut r, PY, Price(0));
    assert_eq!(
        out,
        vec![Decision::InputRejected {
            reason: InputError::SettledTwice(PY)
        }]
    );
    assert_eq!(r.portfolio().cash, cash);
    assert_ne!(
        hash,
        r.state_hash(),
        "the event and its refusal are counted"
    );
    let out = settle(&mut r, PN, Price(10_001));
    assert!(matches!(
        out[..],
        [Decision::InputRejected {
            reason: InputError::PriceOutOfRange { .. }
        }]
    ));
}

#[test]
fn a_cross_venue_pair_settles_on_each_venue_and_adds_up_to_its_locked_pnl() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.40", 10)]));
    // K YES bid 0.55 -> K NO at 0.45 with PY YES at 0.40: $0.85 a pair.
    let p = places(&run(
        &mut r,
        book(K, &[lvl("0.55", 10)], &[lvl("0.60", 10)]),
    ));
    assert_eq!(p.len(), 2);
    for o in &p {
        let price = if o.market == K { 4500 } else { 4000 };
        run(
            &mut r,
            Event::Fill(Fill {
                id: o.id,
                market: o.market,
                outcome: o.outcome,
                price: Price(price),
                qty: Qty::contracts(10),
                fee: Money::ZERO,
                maker: false,
            }),
        );
    }
    let cash = r.portfolio().cash;
    // The question resolved YES: Kalshi's NO pays nothing, Polymarket's YES $1.
    let k = settle(&mut r, K, Price::ONE);
    let py = settle(&mut r, PY, Price::ONE);
    let pnl: i64 = realized(&k)
        .iter()
        .chain(&realized(&py))
        .map(|x| x.pnl.0)
        .sum();
    assert_eq!(Money(pnl), Money::from_decimal("1.50").unwrap());
    assert!(
        realized(&k)
            .iter()
            .chain(&realized(&py))
            .all(|x| x.lane == Some(Lane::CrossVenue) && x.opportunity == Some(p[0].id.opportunity))
    );
    assert_eq!(r.portfolio().cash[Venue::Kalshi.index()], cash[0]);
    assert_eq!(
        r.portfolio().cash[Venue::Polymarket.index()],
        cash[1] + Money::dollars(10)
    );
}

#[test]
fn contracts_no_opportunity_bought_are_paid_and_booked_unattributed() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(
        &mut r,
        Event::Position(PositionReport {
            market: K,
            outcome: Outcome::No,
            qty: Qty::contracts(3),
        }),
    );
    let out = settle(&mut r, K, Price(0));
    assert_eq!(
        realized(&out),
        vec![Realized {
            market: K,
            outcome: Outcome::No,
            opportunity: None,
            lane: None,
            qty: Qty::contracts(3),
            payout: Money::dollars(3),
            pnl: Money::dollars(3),
        }]
    );
    assert_eq!(r.settlement().realized_unattributed, Money::dollars(3));
    assert_eq!(
        r.portfolio().cash[Venue::Kalshi.index()],
        Money::dollars(1003)
    );
}

fn skip_reasons(out: &[Decision]) -> Vec<SkipReason> {
    out.iter()
        .filter_map(|d| match d {
            Decision::Skipped { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

#[test]
fn no_entry_on_a_closed_market() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    assert!(run(&mut r, Event::MarketClosed { market: PN }).is_empty());
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let out = run(&mut r, book(PN, &[], &[lvl("0.50", 10)]));
    assert!(places(&out).is_empty());
    assert_eq!(skip_reasons(&out), vec![SkipReason::MarketClosed]);
    assert_eq!(
        run(
            &mut r,
            Event::MarketClosed {
                market: MarketId(9)
            }
        ),
        vec![Decision::InputRejected {
            reason: InputError::UnknownMarket(MarketId(9))
        }]
    );
}

/// Kalshi K closing at `close_s` (event time), and a Polymarket book that makes the
/// cross pair worth trading.
fn closing_at(close_s: i64, policy_margin_ms: Option<u64>) -> Reducer {
    let mut r = Reducer::default();
    let concurrent = LegPolicy {
        sequential: false,
        ..LegPolicy::default()
    };
    let mut out = Vec::new();
    let mut events = vec![Event::LegPolicyLoaded(concurrent)];
    if let Some(ms) = policy_margin_ms {
        events.push(Event::SettlementPolicy {
            close_margin_ms: ms,
        });
    }
    let Event::MarketDefined(mut k) = meta(K, Venue::Kalshi, NoLeg::SameBook, FeeModel::Free)
    else {
        unreachable!()
    };
    k.close_ts = Some(close_s * 1_000_000_000);
    events.extend([
        Event::MarketDefined(k),
        meta(PY, Venue::Polymarket, NoLeg::Complement(PN), FeeModel::Free),
        meta(PN, Venue::Polymarket, NoLeg::Complement(PY), FeeModel::Free),
    ]);
    events.extend(pair_and_cash());
    for e in events {
        r.apply(0, &e, &mut out);
    }
    r.apply(0, &book(PY, &[], &[lvl("0.40", 10)]), &mut Vec::new());
    r
}

fn k_book_at(r: &mut Reducer, at_s: i64) -> Vec<Decision> {
    let mut out = Vec::new();
    r.apply(
        at_s * 1_000_000_000,
        &book(K, &[lvl("0.55", 10)], &[lvl("0.60", 10)]),
        &mut out,
    );
    out
}

#[test]
fn no_entry_within_the_close_margin_and_none_without_a_policy_journaled() {
    // Close at 1000 s, margin 300 s: at 699 s it trades, at 700 s it does not.
    let mut r = closing_at(1_000, Some(300_000));
    let out = k_book_at(&mut r, 700);
    assert!(places(&out).is_empty());
    assert_eq!(skip_reasons(&out), vec![SkipReason::NearClose]);
    let mut r = closing_at(1_000, Some(300_000));
    assert_eq!(places(&k_book_at(&mut r, 699)).len(), 2);
    // An older journal (no SettlementPolicy) replays as it was decided: no margin.
    let mut r = closing_at(1_000, None);
    assert_eq!(places(&k_book_at(&mut r, 999)).len(), 2);
}

#[test]
fn reconciliation_leaves_a_market_whose_settlement_may_be_on_its_way_alone() {
    let (mut r, _) = bought_pair();
    run(&mut r, Event::MarketClosed { market: PY });
    run(&mut r, Event::MarketClosed { market: PN });
    // The venue has paid already (positions gone, $10 more cash) before the engine
    // heard of the settlement: nothing to say, twice.
    let paid = r.portfolio().cash[Venue::Polymarket.index()] + Money::dollars(10);
    for _ in 0..2 {
        let as_of_events = r.stats().events;
        let out = run(
            &mut r,
            Event::VenueState(VenueState {
                venue: Venue::Polymarket,
                as_of_events,
                positions: vec![],
                cash: paid,
            }),
        );
        assert!(out.is_empty(), "{out:?}");
    }
    settle(&mut r, PY, Price::ONE);
    settle(&mut r, PN, Price(0));
    assert_eq!(r.portfolio().cash[Venue::Polymarket.index()], paid);
    assert_eq!(r.mode(), Mode::Normal);
}

#[test]
fn an_unhedged_episode_is_over_once_its_contracts_are_paid() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, book(PY, &[], &[lvl("0.45", 10)]));
    let p = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 10)])));
    run(&mut r, fill(p[0].id, PY, 4500, 10));
    let reject = |id| {
        Event::OrderReject(OrderReject {
            id,
            reason: "no liquidity".into(),
        })
    };
    // The second leg and then the hedge of the first (PN bought: no one bids for PY)
    // fail: ten PY uncovered.
    let hedge = places(&run(&mut r, reject(p[1].id)));
    run(&mut r, reject(hedge[0].id));
    assert_eq!(r.mode(), Mode::Safe, "ten PY uncovered");
    assert_eq!(r.orders().episodes.len(), 1);
    let out = settle(&mut r, PY, Price(0));
    assert_eq!(realized(&out)[0].pnl, Money::from_decimal("-4.50").unwrap());
    assert!(r.orders().episodes.is_empty(), "its exposure was settled");
    assert_eq!(
        r.mode(),
        Mode::Safe,
        "the operator still acknowledges what happened"
    );
}

/// An open order on `market` of opportunity `opp`, as if placed (no episode).
fn open_order(r: &mut Reducer, opp: u64, market: MarketId, outcome: Outcome, price: u16) -> Event {
    let order = PlaceOrder {
        side: crate::event::OrderSide::Buy,
        id: ClientOrderId {
            opportunity: opp,
            leg: 0,
            attempt: 0,
        },
        market,
        outcome,
        price: Price(price),
        qty: Qty::contracts(10),
        tif: TimeInForce::ImmediateOrCancel,
    };
    insert_open(r, order, Venue::Kalshi);
    Event::Fill(Fill {
        id: order.id,
        market,
        outcome,
        price: Price(price),
        qty: Qty::contracts(10),
        fee: Money::ZERO,
        maker: false,
    })
}

#[test]
fn netted_pairs_and_settlement_add_up_to_the_cash_whatever_each_lot_cost() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    run(&mut r, Event::SettlementPolicy { close_margin_ms: 0 });
    let start = r.portfolio().cash[Venue::Kalshi.index()];
    // YES bought by two opportunities at different prices, then NO by a third: Kalshi
    // nets ten pairs at once (the books at the position's average cost, the lots
    // oldest first), and the other ten YES settle.
    let mut decided = Vec::new();
    for (opp, outcome, price) in [
        (90, Outcome::Yes, 3_000),
        (91, Outcome::Yes, 6_000),
        (92, Outcome::No, 5_000),
    ] {
        let fill = open_order(&mut r, opp, K, outcome, price);
        decided.extend(run(&mut r, fill));
    }
    decided.extend(settle(&mut r, K, Price::ONE));
    let booked = realized(&decided);
    assert!(
        booked.iter().any(|x| x.opportunity == Some(90)),
        "{booked:?}"
    );
    let total: i64 = booked.iter().map(|x| x.pnl.0).sum();
    let cash = r.portfolio().cash[Venue::Kalshi.index()];
    assert_eq!(Money(total), cash - start, "{booked:?}");
    assert_eq!(cash - start, Money::dollars(6));
    let book = r.settlement();
    let lanes: i64 = book.realized_by_lane.iter().map(|m| m.0).sum();
    assert_eq!(
        Money(lanes + book.realized_unattributed.0),
        Money::dollars(6)
    );
}
