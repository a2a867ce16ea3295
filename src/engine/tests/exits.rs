//! Exits of unhedged positions under an exit policy: a first leg whose second leg and
//! hedge could not be placed is held, then completed, closed on edge decay, on a time
//! stop or an EV stop, or left to the operator when no exit fits its bound. A
//! Polymarket position is closed by selling its token at the bid (`SellOrder`); a
//! Kalshi one by buying its other outcome, which the venue nets.

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
/// the hedge (> $0.55) can be placed. PN's asks are emptied so no lane trades it again,
/// and PN is bid at 1 − `py_ask` (the complement tokens' books mirror each other).
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
    at(&mut r, S, pn_bid_mirroring(py_ask));
    (r, out)
}

/// PN's book when PY is offered at `py_ask`: bid at 1 − `py_ask`, no asks.
fn pn_bid_mirroring(py_ask: &str) -> Event {
    let bid = Price::ONE.0 - Price::from_decimal(py_ask).unwrap().0;
    book(
        PN,
        &[Level {
            price: Price(bid),
            qty: Qty::contracts(30),
        }],
        &[],
    )
}

/// The two tokens' books move together to PY offered at `py_ask` and PN bid at 1 −
/// `py_ask` (PN first); the decisions of both.
fn mirrored_at(r: &mut Reducer, t: i64, py_ask: &str) -> Vec<Decision> {
    let mut out = at(r, t, pn_bid_mirroring(py_ask));
    out.extend(at(r, t, book(PY, &[], &[lvl(py_ask, 30)])));
    out
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
    let cash_before = r.portfolio().cash[Venue::Polymarket.index()];
    let out = mirrored_at(&mut r, 2 * S, "0.52");
    assert_eq!(
        exits(&out),
        vec![(ExitReason::EdgeDecay, Qty::contracts(20), Money(20_000))]
    );
    assert!(places(&out).is_empty(), "not by buying PY: {out:?}");
    let p = sells(&out);
    assert_eq!(
        (p[0].id.leg, p[0].market, p[0].outcome, p[0].price, p[0].qty),
        (2, PN, Outcome::Yes, Price(4500), Qty::contracts(20)),
        "PN sold at no less than the legging unwind bound: 0.50 - 0.05"
    );
    assert!(
        matches!(out[0], Decision::Exit(_)),
        "the reason first: {out:?}"
    );
    let out = at(&mut r, 2 * S, fill(p[0].id, PN, 4800, 20));
    assert!(r.orders().episodes.is_empty(), "closed");
    assert_eq!(r.mode(), Mode::Normal);
    assert!(
        !r.portfolio().positions.contains_key(&(PN, Outcome::Yes))
            || r.portfolio().positions[&(PN, Outcome::Yes)].qty == Qty::ZERO,
        "the tokens are gone"
    );
    assert_eq!(
        r.portfolio().cash[Venue::Polymarket.index()].0 - cash_before.0,
        9_600_000,
        "20 x 0.48 paid in now, not at settlement"
    );
    let realized: Vec<(Option<u64>, Money)> = out
        .iter()
        .filter_map(|d| match d {
            Decision::Realized(x) => Some((x.opportunity, x.pnl)),
            _ => None,
        })
        .collect();
    assert_eq!(
        realized,
        vec![(Some(p[0].id.opportunity), Money(-400_000))],
        "20 x (0.48 - 0.50) booked to the opportunity"
    );
}

#[test]
fn a_sell_never_offers_more_than_is_held_and_a_reversed_sale_brings_the_tokens_back() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = mirrored_at(&mut r, 2 * S, "0.52");
    let p = sells(&out)[0];
    assert_eq!(r.sellable(PN, Outcome::Yes), Qty::ZERO, "all 20 offered");
    at(&mut r, 2 * S, fill(p.id, PN, 4800, 20));
    let cash = r.portfolio().cash[Venue::Polymarket.index()];
    let undone = Event::FillReversed(Fill {
        id: p.id,
        market: PN,
        outcome: Outcome::Yes,
        price: Price(4800),
        qty: Qty::contracts(20),
        fee: Money::ZERO,
        maker: false,
    });
    let out = at(&mut r, 3 * S, undone);
    assert!(
        out.contains(&Decision::Halt {
            reason: HaltReason::UnhedgedExposure
        }),
        "{out:?}"
    );
    assert_eq!(
        r.portfolio().positions[&(PN, Outcome::Yes)].qty,
        Qty::contracts(20)
    );
    assert_eq!(
        cash.0 - r.portfolio().cash[Venue::Polymarket.index()].0,
        9_600_000,
        "the proceeds went back out"
    );
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
    assert_eq!(sells(&out)[0].price, Price(3500), "0.50 - 0.15");
}

#[test]
fn the_ev_stop_cuts_a_growing_loss() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = mirrored_at(&mut r, 2 * S, "0.62");
    assert_eq!(
        exits(&out),
        vec![(ExitReason::EvStop, Qty::contracts(20), Money(120_000))]
    );
    assert_eq!(sells(&out)[0].price, Price(3500));
}

#[test]
fn a_stop_beyond_its_bound_leaves_the_position_to_the_operator_once() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = mirrored_at(&mut r, 2 * S, "0.70");
    assert!(places(&out).is_empty() && sells(&out).is_empty());
    assert!(out.contains(&Decision::Halt {
        reason: HaltReason::UnhedgedExposure
    }));
    assert_eq!(r.mode(), Mode::Safe);
    // Given up: no exit follows, even within a bound, until the operator acts.
    let out = mirrored_at(&mut r, 4 * S, "0.52");
    assert!(exits(&out).is_empty() && sells(&out).is_empty(), "{out:?}");
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
    let out = mirrored_at(&mut r, 2 * S, "0.52");
    let first = sells(&out)[0];
    assert!(
        at(&mut r, 2 * S, cancel(first.id, 20)).is_empty(),
        "within 1 s"
    );
    assert!(places(&at(&mut r, 2 * S + S / 2, Event::Tick)).is_empty());
    let out = at(&mut r, 3 * S, Event::Tick);
    let again = sells(&out);
    assert_eq!(exits(&out).len(), 1);
    assert_eq!(
        (again[0].id.leg, again[0].market),
        (3, PN),
        "a new exit leg"
    );
}

#[test]
fn a_partly_filled_exit_closes_the_rest_later_and_the_state_survives_a_snapshot() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    let out = mirrored_at(&mut r, 2 * S, "0.52");
    let first = sells(&out)[0];
    at(&mut r, 2 * S, fill(first.id, PN, 4800, 8));
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

#[test]
fn a_kalshi_position_is_closed_by_buying_its_other_outcome_which_the_venue_nets() {
    let reject = |id| {
        Event::OrderReject(OrderReject {
            id,
            reason: "market closed".into(),
        })
    };
    let (mut r, _) = cross_second_leg_ended(reject);
    // K YES bought at 0.40; the YES bid back at 0.38 offers NO at 0.62: a $0.02 loss.
    let out = at(
        &mut r,
        3 * S,
        book(K, &[lvl("0.38", 30)], &[lvl("0.41", 10)]),
    );
    assert_eq!(
        exits(&out),
        vec![(ExitReason::EdgeDecay, Qty::contracts(10), Money(20_000))]
    );
    assert!(sells(&out).is_empty(), "{out:?}");
    let p = places(&out)
        .into_iter()
        .find(|p| p.id.leg >= 2)
        .expect("the exit's order");
    assert_eq!(
        (p.market, p.outcome, p.price),
        (K, Outcome::No, Price(6500)),
        "1 - 0.40 + 0.05"
    );
}

#[test]
fn a_journal_without_sell_to_close_exits_polymarket_by_buying_the_other_token() {
    // Journals written before sells (format 6) replay to the decisions they hold.
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    at(&mut r, S, Event::SellToClose { enabled: false });
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.52", 30)]));
    assert!(sells(&out).is_empty(), "{out:?}");
    let p = places(&out);
    assert_eq!(
        (p[0].id.leg, p[0].market, p[0].price),
        (2, PY, Price(5500)),
        "PN's other token bought within 1 - 0.50 + 0.05"
    );
}

#[test]
fn the_cheaper_close_is_taken_when_the_tokens_books_do_not_mirror() {
    let (mut r, _) = unhedged_at("0.58", Some(policy()));
    // PN is bid at only 0.40 (a $0.10 loss) while PY is offered at 0.52 (a $0.02 one):
    // the other token is bought; mirrored, the sale would have been taken.
    at(&mut r, 2 * S, book(PN, &[lvl("0.40", 30)], &[]));
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.52", 30)]));
    assert!(sells(&out).is_empty(), "{out:?}");
    assert_eq!(
        exits(&out),
        vec![(ExitReason::EdgeDecay, Qty::contracts(20), Money(20_000))]
    );
    assert_eq!(places(&out)[0].market, PY);
}
