//! Risk controls: each refusal is a journaled skip with its reason, each halt a
//! journaled halt; a reducer that was given no limits (a version 1 journal) has none.

use super::*;
use crate::config::RiskLimits;

pub(super) fn limited(limits: RiskLimits) -> Reducer {
    let mut r = sequential();
    assert!(at(&mut r, 0, Event::RiskLimitsLoaded(limits)).is_empty());
    r
}

/// No limit but the one a test sets.
pub(super) fn only(f: impl FnOnce(&mut RiskLimits)) -> RiskLimits {
    let mut l = RiskLimits::NONE;
    f(&mut l);
    l
}

pub(super) fn skips(out: &[Decision]) -> Vec<SkipReason> {
    out.iter()
        .filter_map(|d| match d {
            Decision::Skipped { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

/// The intra-venue edge on the Polymarket pair: PY 0.45 × 30, PN 0.50 × 20.
fn intra_books(r: &mut Reducer, ts: i64) -> Vec<Decision> {
    at(r, ts, book(PY, &[], &[lvl("0.45", 30)]));
    at(r, ts, book(PN, &[], &[lvl("0.50", 20)]))
}

/// The cross-venue edge: Kalshi YES 0.40 × 10 and Polymarket NO (PN) 0.50.
fn cross_books(r: &mut Reducer, ts: i64) -> Vec<Decision> {
    at(r, ts, book(PY, &[], &[lvl("0.55", 30)]));
    at(r, ts, book(PN, &[], &[lvl("0.50", 30)]));
    at(r, ts, book(K, &[lvl("0.38", 20)], &[lvl("0.40", 10)]))
}

fn operator(cmd: OperatorCommand) -> Event {
    Event::Operator(cmd)
}

#[test]
fn a_halted_venue_and_a_disabled_lane_refuse_entries_until_released() {
    let mut r = limited(RiskLimits::NONE);
    at(
        &mut r,
        0,
        operator(OperatorCommand::VenueHalt {
            venue: Venue::Kalshi,
            engaged: true,
        }),
    );
    assert_eq!(skips(&cross_books(&mut r, 1)), [SkipReason::VenueHalted]);
    at(
        &mut r,
        2,
        operator(OperatorCommand::VenueHalt {
            venue: Venue::Kalshi,
            engaged: false,
        }),
    );
    at(
        &mut r,
        2,
        operator(OperatorCommand::LaneEnabled {
            lane: Lane::CrossVenue,
            enabled: false,
        }),
    );
    assert_eq!(
        skips(&at(
            &mut r,
            3,
            book(K, &[lvl("0.38", 20)], &[lvl("0.40", 11)])
        )),
        [SkipReason::LaneDisabled]
    );
    at(
        &mut r,
        4,
        operator(OperatorCommand::LaneEnabled {
            lane: Lane::CrossVenue,
            enabled: true,
        }),
    );
    let out = at(&mut r, 5, book(K, &[lvl("0.38", 20)], &[lvl("0.40", 10)]));
    assert_eq!(places(&out).len(), 1, "trades again: {out:?}");
    assert_eq!(r.mode(), Mode::Normal, "a venue halt is not a global halt");
}

#[test]
fn canary_mode_trades_one_contract_on_its_lanes_only() {
    let canary = only(|l| {
        l.canary = true;
        l.canary_max_contracts = Qty::contracts(1);
        l.canary_lanes = [true, false];
    });
    let mut r = limited(canary);
    assert_eq!(skips(&cross_books(&mut r, 1)), [SkipReason::LaneDisabled]);
    let mut r = limited(canary);
    let out = intra_books(&mut r, 1);
    assert_eq!(places(&out)[0].qty, Qty::contracts(1), "{out:?}");
}

/// `CanaryLanes` names every lane and takes over from the two slots of the limits.
#[test]
fn journaled_canary_lanes_decide_which_lanes_run_in_canary_mode() {
    let canary = only(|l| {
        l.canary = true;
        l.canary_lanes = [true, true];
    });
    let lanes = Event::CanaryLanes {
        lanes: [false, true, true, true, true],
    };
    let mut r = limited(canary);
    at(&mut r, 0, lanes.clone());
    assert_eq!(skips(&intra_books(&mut r, 1)), [SkipReason::LaneDisabled]);
    let mut r = limited(canary);
    at(&mut r, 0, lanes);
    let out = cross_books(&mut r, 1);
    assert!(
        !skips(&out).contains(&SkipReason::LaneDisabled),
        "the cross-venue lane runs: {out:?}"
    );
    assert!(
        out.iter()
            .any(|d| matches!(d, Decision::OpportunityFound(o) if o.lane == Lane::CrossVenue)),
        "{out:?}"
    );
}

#[test]
fn a_book_older_than_the_bound_is_not_traded() {
    let mut r = limited(only(|l| l.max_book_age_ms = 1_000));
    at(&mut r, 0, book(PY, &[], &[lvl("0.45", 30)]));
    let out = at(&mut r, 2 * S, book(PN, &[], &[lvl("0.50", 20)]));
    assert_eq!(skips(&out), [SkipReason::StaleBook], "PY's book is 2 s old");
    // Without limits (a journal that names none) the same books trade.
    let mut r = sequential();
    at(&mut r, 0, book(PY, &[], &[lvl("0.45", 30)]));
    assert_eq!(
        places(&at(&mut r, 2 * S, book(PN, &[], &[lvl("0.50", 20)]))).len(),
        1
    );
}

/// A cross-venue pair whose Polymarket book (PN) was last changed at 0 and whose
/// Kalshi book arrives at 2 s, with a 1 s book age bound under `StreamVouches`, after
/// `between` happened at 1.5 s. The decisions of the Kalshi book.
fn quiet_polymarket_book_then(between: &[Event]) -> Vec<Decision> {
    quiet_polymarket_book_set_up(&[], between)
}

/// The same, with `setup` applied at 0 before PN's book.
pub(super) fn quiet_polymarket_book_set_up(setup: &[Event], between: &[Event]) -> Vec<Decision> {
    let mut r = limited(only(|l| l.max_book_age_ms = 1_000));
    at(&mut r, 0, Event::StreamVouches { enabled: true });
    for e in setup {
        at(&mut r, 0, e.clone());
    }
    at(&mut r, 0, book(PN, &[], &[lvl("0.50", 30)]));
    for e in between {
        at(&mut r, S + S / 2, e.clone());
    }
    at(
        &mut r,
        2 * S,
        book(K, &[lvl("0.38", 30)], &[lvl("0.40", 10)]),
    )
}

fn feed(venue: Venue, state: FeedState) -> Event {
    Event::Feed(FeedStatus { venue, state })
}

#[test]
fn a_quiet_book_is_current_while_its_stream_vouches_for_it() {
    // Nothing from Polymarket since PN's book 2 s ago: stale, as without vouching.
    let out = quiet_polymarket_book_then(&[]);
    assert!(places(&out).is_empty(), "{out:?}");
    assert!(skips(&out).contains(&SkipReason::StaleBook), "{out:?}");
    // A sign of life of the Polymarket stream at 1.5 s (a heartbeat, or another of its
    // books changing) vouches for PN: the pair trades.
    let out = quiet_polymarket_book_then(&[feed(Venue::Polymarket, FeedState::Alive)]);
    assert_eq!(places(&out).len(), 1, "{out:?}");
    let out = quiet_polymarket_book_then(&[book(PY, &[], &[lvl("0.60", 5)])]);
    assert_eq!(places(&out).len(), 1, "{out:?}");
    // Kalshi's stream says nothing for Polymarket's books.
    let out = quiet_polymarket_book_then(&[feed(Venue::Kalshi, FeedState::Alive)]);
    assert!(places(&out).is_empty(), "{out:?}");
}

#[test]
fn a_book_behind_a_gap_a_drop_or_a_polled_venue_is_not_vouched_for() {
    for broken in [FeedState::Gap, FeedState::Disconnected, FeedState::Silent] {
        // The stream comes back and marks itself alive, but PN was not snapshotted
        // since: it is suspect, and its own age is what counts.
        let out = quiet_polymarket_book_then(&[
            feed(Venue::Polymarket, broken),
            feed(Venue::Polymarket, FeedState::Connected),
            feed(Venue::Polymarket, FeedState::Alive),
        ]);
        assert!(places(&out).is_empty(), "{broken:?}: {out:?}");
    }
    // Books read over REST (poll-only) are each as old as their own read.
    let out = quiet_polymarket_book_then(&[
        Event::FeedMode {
            venue: Venue::Polymarket,
            mode: crate::event::FeedMode::PollOnly,
        },
        feed(Venue::Polymarket, FeedState::Alive),
    ]);
    assert!(places(&out).is_empty(), "{out:?}");
}

#[test]
fn the_loss_cap_counts_the_day_and_halts_before_an_entry_could_cross_it() {
    // $10.50: the first entry's worst case ($10, its dearer leg lost whole) fits.
    let mut r = limited(only(|l| l.daily_loss_cap = Money(10_500_000)));
    // Episode 1: PN 20 @ 0.50 fills; PY (second leg) is rejected; the unwind sells PN
    // at 0.45 (its bid, mirroring PY's ask at 0.55): $9 back for $10, −$1.00.
    let first = places(&intra_books(&mut r, S));
    at(&mut r, S, fill(first[0].id, PN, 5000, 20));
    let reject = Event::OrderReject(OrderReject {
        id: ClientOrderId {
            opportunity: 1,
            leg: 1,
            attempt: 0,
        },
        reason: "no".into(),
    });
    at(&mut r, S, book(PY, &[], &[lvl("0.55", 30)]));
    at(&mut r, S, book(PN, &[lvl("0.45", 30)], &[lvl("0.50", 20)]));
    let out = at(&mut r, S, reject);
    let hedge = sells(&out);
    assert_eq!(r.mode(), Mode::Normal, "{out:?}");
    assert_eq!(hedge[0].id.leg, 2, "{out:?}");
    at(&mut r, S, fill(hedge[0].id, PN, 4500, 20));
    assert!(r.orders().episodes.is_empty());
    assert_eq!(r.mode(), Mode::Normal, "covered by the unwind");
    assert_eq!(r.risk().day_realized, Money(-1_000_000));
    // Episode 2 would risk its dearer leg (PN 0.50 × 20 = $10): $1 + $10 > $10.50.
    let out = at(&mut r, 2 * S, book(PY, &[], &[lvl("0.45", 30)]));
    assert_eq!(skips(&out), [SkipReason::LossCap]);
    assert_eq!(
        out[out.len() - 2..],
        [
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Halted
            },
            Decision::Halt {
                reason: HaltReason::LossCap
            }
        ]
    );
    assert!(places(&out).is_empty());
    // A new UTC day starts from zero (the halt stays until the operator resumes).
    at(&mut r, 86_400 * S + 1, Event::Tick);
    assert_eq!(r.risk().day_realized, Money::ZERO);
    assert_eq!(r.mode(), Mode::Halted);
}

#[test]
fn failures_in_a_row_halt_and_a_fill_resets_the_count() {
    let mut r = limited(only(|l| l.max_consecutive_failures = 2));
    let reject = |opportunity| {
        Event::OrderReject(OrderReject {
            id: ClientOrderId {
                opportunity,
                leg: 0,
                attempt: 0,
            },
            reason: "venue says no".into(),
        })
    };
    intra_books(&mut r, 1);
    assert!(at(&mut r, 2, reject(1)).is_empty());
    assert_eq!(r.risk().consecutive_failures, 1);
    let out = at(&mut r, 3, book(PN, &[], &[lvl("0.50", 19)]));
    assert_eq!(places(&out).len(), 1);
    let out = at(&mut r, 4, reject(2));
    assert_eq!(
        out,
        [
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Halted
            },
            Decision::Halt {
                reason: HaltReason::ExecutionFailures
            }
        ]
    );
}

#[test]
fn an_entry_past_an_exposure_cap_is_refused() {
    // PN's leg costs $10 (20 × 0.50): over a $9 cap per market.
    let mut r = limited(only(|l| l.max_exposure_per_market = Money::dollars(9)));
    assert_eq!(skips(&intra_books(&mut r, 1)), [SkipReason::ExposureCap]);
    // Both legs are on Polymarket: $19.00 against a $20 venue cap fits.
    let mut r = limited(only(|l| l.max_exposure_per_venue = Money::dollars(20)));
    assert_eq!(places(&intra_books(&mut r, 1)).len(), 1);
    // With a position of $10 already held there, it does not.
    let mut r = limited(only(|l| l.max_exposure_per_venue = Money::dollars(20)));
    let first = places(&intra_books(&mut r, 1));
    let second = places(&at(&mut r, 2, fill(first[0].id, PN, 5000, 20)));
    at(&mut r, 3, fill(second[0].id, PY, 4500, 20));
    assert!(r.orders().open.is_empty());
    let out = at(&mut r, 4, book(PN, &[], &[lvl("0.50", 19)]));
    assert_eq!(skips(&out), [SkipReason::ExposureCap], "{out:?}");
}

#[test]
fn a_restart_lifts_the_shutdown_halt_but_not_an_operator_or_risk_halt() {
    let mut r = limited(RiskLimits::NONE);
    let out = at(&mut r, 1, operator(OperatorCommand::Shutdown));
    assert_eq!(
        out,
        [
            Decision::ModeChange {
                from: Mode::Normal,
                to: Mode::Halted
            },
            Decision::Halt {
                reason: HaltReason::Shutdown
            }
        ]
    );
    assert_eq!(skips(&intra_books(&mut r, 2)), [SkipReason::Halted]);
    at(&mut r, 3, operator(OperatorCommand::Restarted));
    assert_eq!(r.mode(), Mode::Normal);
    assert_eq!(
        places(&at(&mut r, 4, book(PN, &[], &[lvl("0.50", 19)]))).len(),
        1
    );

    // An operator's halt survives a restart.
    let mut r = limited(RiskLimits::NONE);
    at(
        &mut r,
        1,
        operator(OperatorCommand::KillSwitch { engaged: true }),
    );
    at(&mut r, 2, operator(OperatorCommand::Shutdown));
    assert!(at(&mut r, 3, operator(OperatorCommand::Restarted)).is_empty());
    assert_eq!(r.mode(), Mode::Halted);
    assert_eq!(r.risk().halted_by, Some(HaltReason::KillSwitch));
}

#[test]
fn an_open_order_breaker_pauses_entries_on_its_venue_and_half_open_lets_the_probe_go() {
    let mut r = limited(RiskLimits::NONE);
    let report = |state| {
        Event::Circuit(CircuitReport {
            venue: Venue::Polymarket,
            class: RequestClass::Orders,
            state,
        })
    };
    assert!(at(&mut r, 0, report(CircuitState::Open)).is_empty());
    assert_eq!(skips(&intra_books(&mut r, 1)), [SkipReason::CircuitOpen]);
    // A reads breaker does not stop entries.
    at(
        &mut r,
        2,
        Event::Circuit(CircuitReport {
            venue: Venue::Polymarket,
            class: RequestClass::Reads,
            state: CircuitState::Open,
        }),
    );
    at(&mut r, 3, report(CircuitState::HalfOpen));
    let out = at(&mut r, 4, book(PN, &[], &[lvl("0.50", 19)]));
    assert_eq!(places(&out).len(), 1, "the probe: {out:?}");
}

#[test]
fn a_resync_snapshot_that_disagrees_with_a_trusted_book_counts_as_divergence() {
    let mut r = limited(RiskLimits::NONE);
    at(&mut r, 1, book(PY, &[lvl("0.40", 5)], &[lvl("0.45", 30)]));
    at(&mut r, 2, book(PY, &[lvl("0.40", 5)], &[lvl("0.45", 30)]));
    assert_eq!(r.stats().book_divergences, 0, "the same book");
    at(&mut r, 3, book(PY, &[lvl("0.40", 5)], &[lvl("0.46", 30)]));
    assert_eq!(
        r.stats().book_divergences,
        1,
        "the stream had missed a change"
    );
    at(
        &mut r,
        4,
        Event::Feed(FeedStatus {
            venue: Venue::Polymarket,
            state: FeedState::Gap,
        }),
    );
    at(&mut r, 5, book(PY, &[lvl("0.41", 5)], &[lvl("0.46", 30)]));
    assert_eq!(
        r.stats().book_divergences,
        1,
        "a suspect book was expected to differ"
    );
}

#[test]
fn endpoint_breakers_pause_entries_only_where_the_venue_depends_on_them() {
    let mut r = limited(RiskLimits::NONE);
    let breaker = |endpoint, state| {
        Event::Breaker(BreakerReport {
            venue: Venue::Polymarket,
            endpoint,
            state,
        })
    };
    // Account reads and REST books (while books stream) do not stop entries.
    at(&mut r, 0, breaker(Endpoint::Portfolio, CircuitState::Open));
    at(&mut r, 0, breaker(Endpoint::Orderbook, CircuitState::Open));
    assert_eq!(places(&intra_books(&mut r, 1)).len(), 1);

    let mut r = limited(RiskLimits::NONE);
    at(
        &mut r,
        0,
        breaker(Endpoint::MarketStream, CircuitState::Open),
    );
    assert_eq!(skips(&intra_books(&mut r, 1)), [SkipReason::CircuitOpen]);
    // Polling only, the books come from REST: the stream's breaker no longer matters,
    // the order book endpoint's does.
    at(
        &mut r,
        2,
        Event::FeedMode {
            venue: Venue::Polymarket,
            mode: FeedMode::PollOnly,
        },
    );
    at(&mut r, 2, breaker(Endpoint::Orderbook, CircuitState::Open));
    // (A changed book, so that the lanes look again.)
    let out = at(&mut r, 3, book(PN, &[], &[lvl("0.50", 19)]));
    assert_eq!(skips(&out), [SkipReason::CircuitOpen], "{out:?}");
    at(
        &mut r,
        4,
        breaker(Endpoint::Orderbook, CircuitState::HalfOpen),
    );
    let out = at(&mut r, 5, book(PN, &[], &[lvl("0.50", 18)]));
    assert_eq!(places(&out).len(), 1, "{out:?}");

    let mut r = limited(RiskLimits::NONE);
    at(&mut r, 0, breaker(Endpoint::Orders, CircuitState::Open));
    assert_eq!(skips(&intra_books(&mut r, 1)), [SkipReason::CircuitOpen]);
    // Another venue's breaker is another venue's business.
    let mut r = limited(RiskLimits::NONE);
    at(
        &mut r,
        0,
        Event::Breaker(BreakerReport {
            venue: Venue::Kalshi,
            endpoint: Endpoint::Orders,
            state: CircuitState::Open,
        }),
    );
    assert_eq!(places(&intra_books(&mut r, 1)).len(), 1);
}
