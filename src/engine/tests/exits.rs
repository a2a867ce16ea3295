//! Exits of unhedged positions under an exit policy: a first leg whose second leg and
//! hedge could not be placed is held, then completed, closed on edge decay, on a time
//! stop or an EV stop, or left to the operator when no exit fits its bound.

use super::*;
use crate::config::ExitPolicy;

/// A 10 s time stop, a $0.10 EV stop, stops bounded at $0.15 a contract, one try a
/// second; legging as `sequential()` (tolerance $0.01, unwind bound $0.05).
fn policy() -> ExitPolicy {
    ExitPolicy {
        max_hold_ms: 10_000,
        ev_stop: Money(100_000),
        stop_max_loss: Money(150_000),
        retry_ms: 1_000,
    }
}

/// PN bought 20 at $0.50 (the first leg) while PY's ask (its planned second leg at
/// $0.45, and its other outcome) went to `py_ask`: neither the second leg (> $0.46) nor
/// the hedge (> $0.55) can be placed. PN's book is emptied so no lane trades it again.
/// Returns the reducer at t = 1 s and the decisions of the fill.
fn unhedged_at(py_ask: &str, exits: Option<ExitPolicy>) -> (Reducer, Vec<Decision>) {
    let mut r = sequential();
    if let Some(p) = exits {
        assert!(at(&mut r, 0, Event::ExitPolicyLoaded(p)).is_empty());
    }
    at(&mut r, S, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&at(&mut r, S, book(PN, &[], &[lvl("0.50", 20)])));
    assert_eq!((first[0].market, first[0].id.leg), (PN, 0));
    at(&mut r, S, book(PN, &[], &[]));
    at(&mut r, S, book(PY, &[], &[lvl(py_ask, 30)]));
    let out = at(&mut r, S, fill(first[0].id, PN, 5000, 20));
    (r, out)
}

fn exits(out: &[Decision]) -> Vec<(ExitReason, Qty, Money)> {
    out.iter()
        .filter_map(|d| match d {
            Decision::Exit(e) => Some((e.reason, e.qty, e.loss)),
            _ => None,
        })
        .collect()
}

fn the_episode(r: &Reducer) -> &orders::Episode {
    r.orders()
        .episodes
        .values()
        .next()
        .expect("an open episode")
}

#[test]
fn without_a_policy_the_position_is_the_operators_as_before() {
    let (r, out) = unhedged_at("0.58", None);
    assert!(out.contains(&Decision::Halt {
        reason: HaltReason::UnhedgedExposure
    }));
    assert_eq!(r.mode(), Mode::Safe);
}

#[test]
fn an_unhedged_position_is_held_without_safe_mode_while_no_reason_holds() {
    let (mut r, out) = unhedged_at("0.58", Some(policy()));
    assert!(places(&out).is_empty() && exits(&out).is_empty(), "{out:?}");
    assert_eq!(r.mode(), Mode::Normal, "no safe mode: the policy holds it");
    let ep = the_episode(&r);
    assert_eq!(ep.exposed(), Qty::contracts(20));
    assert_eq!(ep.unhedged.map(|u| u.since), Some(S));
    // Closing at 0.57 would lose 0.07: under the EV stop, within the hold time.
    let out = at(&mut r, 5 * S, book(PY, &[], &[lvl("0.57", 30)]));
    assert!(places(&out).is_empty(), "{out:?}");
    assert_eq!(
        r.risk().consecutive_failures,
        1,
        "counted once, as a failure"
    );
}

#[test]
fn edge_decay_closes_within_the_unwind_bound() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.52", 30)]));
    assert_eq!(
        exits(&out),
        vec![(ExitReason::EdgeDecay, Qty::contracts(20), Money(20_000))]
    );
    let p = places(&out);
    assert_eq!(
        (p[0].id.leg, p[0].market, p[0].price, p[0].qty),
        (2, PY, Price(5500), Qty::contracts(20)),
        "the legging unwind bound: 1 - 0.50 + 0.05"
    );
    assert!(
        matches!(out[0], Decision::Exit(_)),
        "the reason first: {out:?}"
    );
    at(&mut r, 2 * S, fill(p[0].id, PY, 5200, 20));
    assert!(r.orders().episodes.is_empty(), "closed");
    assert_eq!(r.mode(), Mode::Normal);
}

#[test]
fn a_second_leg_back_at_its_price_completes_the_pair() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.45", 30)]));
    assert_eq!(
        exits(&out),
        vec![(ExitReason::Complete, Qty::contracts(20), Money(-50_000))],
        "{out:?}"
    );
    let p = places(&out);
    assert_eq!(
        (p[0].id.leg, p[0].id.attempt, p[0].price),
        (1, 0, Price(4600)),
        "the second leg (never placed before), planned 0.45 + tolerance"
    );
}

#[test]
fn the_time_stop_closes_within_the_stop_bound_after_the_hold_time() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    assert!(
        places(&at(&mut r, 10 * S, Event::Tick)).is_empty(),
        "9 s held"
    );
    let out = at(&mut r, 11 * S, Event::Tick);
    assert_eq!(
        exits(&out),
        vec![(ExitReason::TimeStop, Qty::contracts(20), Money(80_000))]
    );
    assert_eq!(places(&out)[0].price, Price(6500), "1 - 0.50 + 0.15");
}

#[test]
fn the_ev_stop_cuts_a_growing_loss() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.62", 30)]));
    assert_eq!(
        exits(&out),
        vec![(ExitReason::EvStop, Qty::contracts(20), Money(120_000))]
    );
    assert_eq!(places(&out)[0].price, Price(6500));
}

#[test]
fn a_stop_beyond_its_bound_leaves_the_position_to_the_operator_once() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.70", 30)]));
    assert!(places(&out).is_empty());
    assert!(out.contains(&Decision::Halt {
        reason: HaltReason::UnhedgedExposure
    }));
    assert_eq!(r.mode(), Mode::Safe);
    // Given up: no exit follows, even within a bound, until the operator acts.
    let out = at(&mut r, 4 * S, book(PY, &[], &[lvl("0.52", 30)]));
    assert!(exits(&out).is_empty() && places(&out).is_empty(), "{out:?}");
    at(
        &mut r,
        5 * S,
        Event::Operator(OperatorCommand::AckExposure {
            note: "closed by hand".into(),
        }),
    );
    assert!(r.orders().episodes.is_empty());
    assert_eq!(r.mode(), Mode::Normal);
}

#[test]
fn an_exit_that_did_not_fill_is_tried_again_after_the_retry_interval() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.52", 30)]));
    let first = places(&out)[0];
    assert!(
        at(&mut r, 2 * S, cancel(first.id, 20)).is_empty(),
        "within 1 s"
    );
    assert!(places(&at(&mut r, 2 * S + S / 2, Event::Tick)).is_empty());
    let out = at(&mut r, 3 * S, Event::Tick);
    let again = places(&out);
    assert_eq!(exits(&out).len(), 1);
    assert_eq!(
        (again[0].id.leg, again[0].market),
        (3, PY),
        "a new hedge leg"
    );
}

#[test]
fn a_partly_filled_exit_closes_the_rest_later_and_the_state_survives_a_snapshot() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.52", 30)]));
    let first = places(&out)[0];
    at(&mut r, 2 * S, fill(first.id, PY, 5200, 8));
    at(&mut r, 2 * S, cancel(first.id, 12));
    assert_eq!(the_episode(&r).exposed(), Qty::contracts(12));
    let mut back = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
    assert_eq!(back.state_hash(), r.state_hash());
    let (a, b) = (
        at(&mut r, 4 * S, Event::Tick),
        at(&mut back, 4 * S, Event::Tick),
    );
    assert_eq!(a, b, "a restored reducer exits alike");
    assert_eq!(
        exits(&a),
        vec![(ExitReason::EdgeDecay, Qty::contracts(12), Money(20_000))]
    );
}

/// A cross-venue pair: Kalshi YES (thinner, first) and Polymarket NO. The second leg
/// ends by `end` (a reject or a cancel) after the Kalshi bid fell so that the hedge
/// (Kalshi NO at 0.67) is beyond the unwind bound; PN still offers its planned 0.50.
fn cross_second_leg_ended(end: fn(ClientOrderId) -> Event) -> (Reducer, Vec<Decision>) {
    let mut r = sequential();
    assert!(at(&mut r, 0, Event::ExitPolicyLoaded(policy())).is_empty());
    at(&mut r, S, book(PN, &[], &[lvl("0.50", 30)]));
    let first = places(&at(
        &mut r,
        S,
        book(K, &[lvl("0.38", 30)], &[lvl("0.40", 10)]),
    ));
    assert_eq!(
        (first[0].market, first[0].outcome),
        (K, Outcome::Yes),
        "{first:?}"
    );
    let second = places(&at(&mut r, S, fill(first[0].id, K, 4000, 10)));
    assert_eq!((second[0].market, second[0].id.leg), (PN, 1));
    at(&mut r, S, book(K, &[lvl("0.33", 30)], &[lvl("0.35", 10)]));
    let out = at(&mut r, S, end(second[0].id));
    (r, out)
}

#[test]
fn a_second_leg_the_venue_refused_is_not_tried_again() {
    let reject = |id| {
        Event::OrderReject(OrderReject {
            id,
            reason: "market closed".into(),
        })
    };
    let (mut r, out) = cross_second_leg_ended(reject);
    assert!(places(&out).is_empty(), "held: {out:?}");
    assert_eq!(r.mode(), Mode::Normal);
    let out = at(&mut r, 3 * S, Event::Tick);
    assert!(
        exits(&out).is_empty(),
        "no completion of a refused leg: {out:?}"
    );
    // Whereas a second leg that merely found nothing (canceled) is completed.
    let (_, out) = cross_second_leg_ended(|id| cancel(id, 10));
    assert_eq!(
        exits(&out).first().map(|e| e.0),
        Some(ExitReason::Complete),
        "{out:?}"
    );
}
