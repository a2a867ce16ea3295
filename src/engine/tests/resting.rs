//! Resting second legs: a deadline in event time, one cancel when it passes, then a
//! re-check and resubmit or an unwind of what the second leg did not cover.

use super::*;
use crate::config::RestingPolicy;

/// Sequential legging whose second leg rests for `rest_ms`, resubmitted `resubmits` times.
fn resting(rest_ms: u32, resubmits: u8) -> Reducer {
    let mut r = sequential();
    let policy = RestingPolicy {
        second_leg_rest_ms: rest_ms,
        resubmits,
    };
    assert!(at(&mut r, 0, Event::RestingPolicyLoaded(policy)).is_empty());
    r
}

/// Books for the PN-then-PY opportunity (PN is thinner: it goes first); returns the
/// first leg's order. PN is then bid at 0.55, mirroring PY's ask (an unwind sells it).
fn open_first_leg(r: &mut Reducer) -> PlaceOrder {
    at(r, 1, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&at(r, 1, book(PN, &[], &[lvl("0.50", 20)])));
    at(r, 1, book(PN, &[lvl("0.55", 30)], &[]));
    assert_eq!((first[0].market, first[0].id.leg), (PN, 0));
    assert_eq!(
        first[0].tif,
        TimeInForce::ImmediateOrCancel,
        "a first leg never rests"
    );
    first[0]
}

fn coid(opportunity: u64, leg: u8, attempt: u8) -> ClientOrderId {
    ClientOrderId {
        opportunity,
        leg,
        attempt,
    }
}

#[test]
fn partial_first_leg_then_a_second_leg_that_times_out_is_canceled_once_and_the_rest_unwound() {
    let mut r = resting(2_000, 0);
    let first = open_first_leg(&mut r);
    at(&mut r, S, fill(first.id, PN, 5000, 12));
    let out = at(&mut r, S, cancel(first.id, 8));
    assert_eq!(
        places(&out),
        vec![PlaceOrder {
            side: crate::event::OrderSide::Buy,
            id: coid(1, 1, 0),
            market: PY,
            outcome: Outcome::Yes,
            price: Price(4600),
            qty: Qty::contracts(12),
            tif: TimeInForce::GoodTillTime { expires_ns: 3 * S },
        }],
        "the second leg rests for what the first filled, until 1 s + 2 s"
    );
    assert!(at(&mut r, 2 * S, fill(coid(1, 1, 0), PY, 4600, 5)).is_empty());
    assert!(at(&mut r, 3 * S - 1, Event::Tick).is_empty(), "not yet due");
    assert_eq!(
        at(&mut r, 3 * S, Event::Tick),
        vec![Decision::CancelOrder { id: coid(1, 1, 0) }]
    );
    assert!(
        at(&mut r, 3 * S + 1, Event::Tick).is_empty(),
        "one cancel only"
    );
    // The venue confirms the cancel of the 7 left: those 7 of the first leg are unwound
    // (sold: PN is a Polymarket token).
    let out = at(&mut r, 3 * S + 2, cancel(coid(1, 1, 0), 7));
    assert_eq!(
        sells(&out),
        vec![PlaceOrder {
            side: crate::event::OrderSide::Sell,
            id: coid(1, 2, 0),
            market: PN,
            outcome: Outcome::Yes,
            price: Price(4500),
            qty: Qty::contracts(7),
            tif: TimeInForce::ImmediateOrCancel,
        }],
        "{out:?}"
    );
    at(&mut r, 3 * S + 3, fill(coid(1, 2, 0), PN, 4800, 7));
    assert!(r.orders().episodes.is_empty() && r.orders().open.is_empty());
    assert_eq!(r.mode(), Mode::Normal);
    assert_eq!(r.portfolio().reserved, [Money::ZERO, Money::ZERO]);
}

#[test]
fn a_timed_out_second_leg_is_placed_again_while_its_book_holds_then_unwound() {
    let mut r = resting(1_000, 1);
    let first = open_first_leg(&mut r);
    let out = at(&mut r, S, fill(first.id, PN, 5000, 20));
    assert_eq!(places(&out)[0].id, coid(1, 1, 0));
    assert_eq!(
        at(&mut r, 2 * S, Event::Tick),
        vec![Decision::CancelOrder { id: coid(1, 1, 0) }]
    );
    let out = at(&mut r, 2 * S + 5, cancel(coid(1, 1, 0), 20));
    let again = places(&out);
    assert_eq!(again.len(), 1, "{out:?}");
    assert_eq!(
        (again[0].id, again[0].qty, again[0].tif),
        (
            coid(1, 1, 1),
            Qty::contracts(20),
            TimeInForce::GoodTillTime {
                expires_ns: 3 * S + 5
            }
        ),
        "attempt 1, with a fresh deadline"
    );
    assert_eq!(
        at(&mut r, 3 * S + 5, Event::Tick),
        vec![Decision::CancelOrder { id: coid(1, 1, 1) }]
    );
    let out = at(&mut r, 3 * S + 6, cancel(coid(1, 1, 1), 20));
    let unwind = sells(&out);
    assert_eq!(
        (unwind[0].id, unwind[0].market, unwind[0].qty),
        (coid(1, 2, 0), PN, Qty::contracts(20)),
        "no attempts left: the first leg is unwound"
    );
}

#[test]
fn a_resubmit_is_not_made_once_the_book_moved_beyond_the_tolerance() {
    let mut r = resting(1_000, 3);
    let first = open_first_leg(&mut r);
    at(&mut r, S, fill(first.id, PN, 5000, 20));
    at(&mut r, 2 * S, Event::Tick);
    at(&mut r, 2 * S, book(PY, &[], &[lvl("0.49", 30)]));
    let out = at(&mut r, 2 * S + 1, cancel(coid(1, 1, 0), 20));
    let p = sells(&out);
    assert_eq!(
        (p[0].id, p[0].price),
        (coid(1, 2, 0), Price(4500)),
        "0.49 > 0.45 + 0.01: unwind instead: {out:?}"
    );
}

#[test]
fn a_venue_expiry_counts_as_running_out_of_time_and_a_reject_does_not() {
    // Kalshi expires the order itself at its deadline: the cancel arrives unasked.
    let mut r = resting(1_000, 1);
    let first = open_first_leg(&mut r);
    at(&mut r, S, fill(first.id, PN, 5000, 20));
    let out = at(&mut r, 2 * S, cancel(coid(1, 1, 0), 20));
    assert_eq!(places(&out)[0].id, coid(1, 1, 1), "{out:?}");

    // A reject before the deadline is no timeout: straight to the unwind.
    let mut r = resting(1_000, 1);
    let first = open_first_leg(&mut r);
    at(&mut r, S, fill(first.id, PN, 5000, 20));
    let reject = Event::OrderReject(OrderReject {
        id: coid(1, 1, 0),
        reason: "insufficient balance".into(),
    });
    let out = at(&mut r, S + 10, reject);
    assert_eq!(sells(&out)[0].id, coid(1, 2, 0), "{out:?}");
}

#[test]
fn a_resting_leg_that_fills_before_its_deadline_needs_no_cancel() {
    let mut r = resting(1_000, 0);
    let first = open_first_leg(&mut r);
    at(&mut r, S, fill(first.id, PN, 5000, 20));
    at(&mut r, S + 5, fill(coid(1, 1, 0), PY, 4600, 20));
    assert!(at(&mut r, 5 * S, Event::Tick).is_empty());
    assert!(r.orders().episodes.is_empty() && r.orders().open.is_empty());
}
