//! Reconciliation while running: a venue's view that differs is journaled with both
//! values; confirmed by a second read with nothing in flight, a position is adopted
//! with safe mode, cash adopted; a market with an order in flight is not judged.

use super::*;
use crate::event::{Discrepancy, DiscrepancyKind, VenueState};

/// A read of `venue` that began now, applied.
fn read(
    r: &mut Reducer,
    venue: Venue,
    positions: Vec<PositionReport>,
    cash: Money,
) -> Vec<Decision> {
    let e = Event::VenueState(VenueState {
        venue,
        as_of_events: r.stats().events,
        positions,
        cash,
    });
    run(r, e)
}

fn discrepancies(out: &[Decision]) -> Vec<Discrepancy> {
    out.iter()
        .filter_map(|d| match d {
            Decision::Discrepancy(x) => Some(*x),
            _ => None,
        })
        .collect()
}

#[test]
fn a_planted_position_is_journaled_then_confirmed_adopted_and_puts_the_engine_in_safe_mode() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let cash = Money::dollars(1000);
    assert!(
        read(&mut r, Venue::Kalshi, vec![], cash).is_empty(),
        "the same view: nothing to say"
    );
    // Five NO contracts at the venue that no order of the engine explains (net −5).
    let planted = vec![PositionReport {
        market: K,
        outcome: Outcome::No,
        qty: Qty::contracts(5),
    }];
    let out = read(&mut r, Venue::Kalshi, planted.clone(), cash);
    let what = DiscrepancyKind::Position {
        market: K,
        outcome: Outcome::Yes,
    };
    assert_eq!(
        discrepancies(&out),
        vec![Discrepancy {
            venue: Venue::Kalshi,
            what,
            engine: 0,
            venue_value: -5_000_000,
            confirmed: false,
        }]
    );
    assert_eq!(r.mode(), Mode::Normal, "one read may lag: not yet");
    let out = read(&mut r, Venue::Kalshi, planted, cash);
    assert!(discrepancies(&out)[0].confirmed);
    assert!(out.contains(&Decision::Halt {
        reason: HaltReason::UnexplainedPosition
    }));
    assert_eq!(r.mode(), Mode::Safe);
    assert_eq!(
        r.portfolio().positions[&(K, Outcome::No)].qty,
        Qty::contracts(5),
        "adopted, and journaled as such"
    );
}

#[test]
fn a_difference_that_goes_away_is_forgotten_and_cash_is_adopted_once_confirmed() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let token = vec![PositionReport {
        market: PY,
        outcome: Outcome::Yes,
        qty: Qty::contracts(3),
    }];
    let cash = Money::dollars(1000);
    let out = read(&mut r, Venue::Polymarket, token, cash);
    assert_eq!(discrepancies(&out).len(), 1);
    // Next read: gone (a lagging view caught up). Nothing said, nothing remembered.
    assert!(read(&mut r, Venue::Polymarket, vec![], cash).is_empty());
    assert_eq!(r.mode(), Mode::Normal);
    // Cash: under a cent is the venue's rounding; more is journaled, then adopted.
    let cents_off = Money(cash.0 - 9_999);
    assert!(read(&mut r, Venue::Polymarket, vec![], cents_off).is_empty());
    let short = Money(cash.0 - 2_500_000);
    let out = read(&mut r, Venue::Polymarket, vec![], short);
    assert_eq!(discrepancies(&out)[0].what, DiscrepancyKind::Cash);
    assert_eq!(r.portfolio().cash[Venue::Polymarket.index()], cash);
    let out = read(&mut r, Venue::Polymarket, vec![], short);
    assert!(discrepancies(&out)[0].confirmed);
    assert_eq!(r.portfolio().cash[Venue::Polymarket.index()], short);
    assert_eq!(r.mode(), Mode::Normal, "cash alone is no safe mode");
}

#[test]
fn a_market_with_an_order_in_flight_is_not_judged() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let as_of = r.stats().events;
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let placed = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])));
    assert!(!placed.is_empty());
    // The venue already shows the fill the engine has not heard of yet.
    let filled = vec![PositionReport {
        market: placed[0].market,
        outcome: Outcome::Yes,
        qty: placed[0].qty,
    }];
    let early = Event::VenueState(VenueState {
        venue: Venue::Polymarket,
        as_of_events: as_of,
        positions: filled.clone(),
        cash: Money::dollars(1000),
    });
    assert!(discrepancies(&run(&mut r, early)).is_empty());
    // Filled and over after the read began: still not judged on that read.
    for p in &placed {
        run(&mut r, fill(p.id, p.market, p.price.0, p.qty.0 / 1_000_000));
    }
    let stale = Event::VenueState(VenueState {
        venue: Venue::Polymarket,
        as_of_events: as_of,
        positions: filled,
        cash: Money::dollars(1000),
    });
    assert!(discrepancies(&run(&mut r, stale)).is_empty());
}
