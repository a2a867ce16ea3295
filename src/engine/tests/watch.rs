//! Watching in tiers (format version 9): a connection of a sharded stream vouches only
//! for the books streamed on it, a polled book is as old as its last read, and an
//! unwatched or newly streamed book is not traded until the venue sends it in full.

use super::risk::{limited, only, quiet_polymarket_book_set_up, skips};
use super::*;
use crate::event::{ConnectionStatus, Watch, WatchChange, WatchReason};

fn watch(market: MarketId, watch: Watch) -> Event {
    Event::MarketWatch(WatchChange {
        market,
        watch,
        reason: WatchReason::Rule,
    })
}

fn connection(connection: u16, state: FeedState) -> Event {
    Event::ConnectionFeed(ConnectionStatus {
        venue: Venue::Polymarket,
        connection,
        state,
    })
}

/// The cross-venue pair with a 1 s book age bound under `StreamVouches`: PY streamed on
/// connection 0, PN (the leg this pair buys) on connection 1 with its book changed at
/// 0; `between` happens at 1.5 s, then Kalshi's book at 2 s. Its decisions.
fn quiet_pn_on_connection_1_then(between: &[Event]) -> Vec<Decision> {
    quiet_pn_then(0, between)
}

/// The same with PY (the pair's Polymarket market) on connection `py`.
fn quiet_pn_then(py: u16, between: &[Event]) -> Vec<Decision> {
    let mut setup = vec![watch(PY, Watch::Streamed { connection: py })];
    if py != 0 {
        // Moved off connection 0, PY waits for its book in full (of no use to this pair).
        setup.push(book(PY, &[], &[lvl("0.60", 5)]));
    }
    setup.push(watch(PN, Watch::Streamed { connection: 1 }));
    quiet_polymarket_book_set_up(&setup, between)
}

#[test]
fn a_connection_vouches_only_for_the_books_streamed_on_it() {
    let out = quiet_pn_on_connection_1_then(&[]);
    assert!(skips(&out).contains(&SkipReason::StaleBook), "{out:?}");
    // Connection 0 is alive (a heartbeat, or PY changing): PN is on another connection.
    for other in [
        connection(0, FeedState::Alive),
        book(PY, &[], &[lvl("0.60", 5)]),
    ] {
        let out = quiet_pn_on_connection_1_then(&[other]);
        assert!(places(&out).is_empty(), "{out:?}");
        assert!(skips(&out).contains(&SkipReason::StaleBook), "{out:?}");
    }
    // Connection 1's sign of life vouches for PN: the pair trades.
    let out = quiet_pn_on_connection_1_then(&[connection(1, FeedState::Alive)]);
    assert_eq!(places(&out).len(), 1, "{out:?}");
}

#[test]
fn a_broken_connection_makes_only_its_own_books_suspect() {
    // Connection 0 drops: the pair's markets, on connection 1, are still vouched for.
    let out = quiet_pn_then(
        1,
        &[
            connection(0, FeedState::Disconnected),
            connection(1, FeedState::Alive),
        ],
    );
    assert_eq!(places(&out).len(), 1, "{out:?}");
    // With the pair's own market PY on connection 0, its drop stops the pair.
    let out = quiet_pn_on_connection_1_then(&[
        connection(0, FeedState::Disconnected),
        connection(1, FeedState::Alive),
    ]);
    assert!(places(&out).is_empty(), "{out:?}");
    for broken in [FeedState::Gap, FeedState::Disconnected, FeedState::Silent] {
        // Connection 1 breaks and comes back alive, but PN was not sent in full since.
        let out = quiet_pn_on_connection_1_then(&[
            connection(1, broken),
            connection(1, FeedState::Connected),
            connection(1, FeedState::Alive),
        ]);
        assert!(places(&out).is_empty(), "{broken:?}: {out:?}");
    }
    // A venue-wide drop still breaks every connection.
    let out = quiet_pn_on_connection_1_then(&[
        Event::Feed(FeedStatus {
            venue: Venue::Polymarket,
            state: FeedState::Disconnected,
        }),
        connection(1, FeedState::Alive),
    ]);
    assert!(places(&out).is_empty(), "{out:?}");
}

#[test]
fn a_polled_book_is_as_old_as_its_last_read() {
    // PN demoted to polling: no connection vouches for it.
    let out = quiet_pn_on_connection_1_then(&[
        watch(PN, Watch::Polled),
        connection(1, FeedState::Alive),
        Event::Feed(FeedStatus {
            venue: Venue::Polymarket,
            state: FeedState::Alive,
        }),
    ]);
    assert!(skips(&out).contains(&SkipReason::StaleBook), "{out:?}");
    // A read of it at 1.5 s is 0.5 s old at 2 s: current.
    let out = quiet_pn_on_connection_1_then(&[
        watch(PN, Watch::Polled),
        book(PN, &[], &[lvl("0.50", 30)]),
    ]);
    assert_eq!(places(&out).len(), 1, "{out:?}");
}

#[test]
fn an_unwatched_or_newly_streamed_book_waits_for_the_venue_to_send_it_in_full() {
    let fresh = |r: &mut Reducer, ts: i64| at(r, ts, book(PN, &[], &[lvl("0.50", 30)]));
    let kalshi =
        |r: &mut Reducer, ts: i64| at(r, ts, book(K, &[lvl("0.38", 30)], &[lvl("0.40", 10)]));
    for (to, reason) in [
        (Watch::Listed, "no longer watched"),
        (
            Watch::Streamed { connection: 2 },
            "moved to a connection that has not sent it",
        ),
    ] {
        let mut r = limited(only(|l| l.max_book_age_ms = 1_000));
        at(&mut r, 0, Event::StreamVouches { enabled: true });
        fresh(&mut r, S);
        at(&mut r, S, watch(PN, to));
        at(&mut r, S, connection(2, FeedState::Alive));
        let out = kalshi(&mut r, S);
        assert!(places(&out).is_empty(), "{reason}: {out:?}");
        assert!(r.markets.get(PN).is_some_and(|m| m.suspect), "{reason}");
        // The venue sends it in full: it trades again.
        let out = fresh(&mut r, S + 1);
        assert_eq!(places(&out).len(), 1, "{reason}: {out:?}");
    }
    // Demoted to polling, a current book stays tradable.
    let mut r = limited(only(|l| l.max_book_age_ms = 1_000));
    fresh(&mut r, S);
    at(&mut r, S, watch(PN, Watch::Polled));
    assert_eq!(places(&kalshi(&mut r, S)).len(), 1);
}

#[test]
fn a_watch_of_an_unknown_market_is_refused() {
    let mut r = sequential();
    let out = at(&mut r, 0, watch(MarketId(99), Watch::Polled));
    assert!(
        matches!(
            out.as_slice(),
            [Decision::InputRejected {
                reason: InputError::UnknownMarket(MarketId(99))
            }]
        ),
        "{out:?}"
    );
}

#[test]
fn watches_and_connections_survive_a_snapshot() {
    let mut r = limited(only(|l| l.max_book_age_ms = 1_000));
    at(&mut r, 0, Event::StreamVouches { enabled: true });
    at(&mut r, 0, watch(PN, Watch::Streamed { connection: 4 }));
    at(&mut r, 0, book(PN, &[], &[lvl("0.50", 30)]));
    at(&mut r, S, connection(4, FeedState::Alive));
    let back = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
    assert_eq!(back.state_hash(), r.state_hash());
    assert_eq!(
        back.markets.get(PN).map(|m| m.watch),
        Some(Watch::Streamed { connection: 4 })
    );
    let pn = back.markets.get(PN).unwrap();
    assert_eq!(back.markets.vouched_ts(pn), S);
}

/// The rules' coverage names the streamed books a rule waits for (which `arb live`
/// resubscribes below the floor), not the polled ones (the tiers read those).
#[test]
fn rule_coverage_names_the_streamed_books_a_rule_waits_for() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    for m in [K, PY] {
        at(&mut r, S, book(m, &[lvl("0.40", 5)], &[lvl("0.42", 5)]));
    }
    let c = r.rule_coverage();
    assert_eq!((c.rules, c.fresh, c.stale.len()), (1, 1, 0));
    assert!(!c.below(0.9));
    // PY moved to connection 1: suspect until the venue sends it in full.
    at(&mut r, S, watch(PY, Watch::Streamed { connection: 1 }));
    let c = r.rule_coverage();
    assert_eq!((c.rules, c.fresh, c.stale.clone()), (1, 0, vec![PY]));
    assert!(c.below(0.9) && !c.below(0.0));
    // Polled instead: still not fresh, but not the stream's to fix.
    at(&mut r, S, watch(PY, Watch::Polled));
    assert_eq!(r.rule_coverage().stale, []);
    // Its book in full: covered again.
    at(&mut r, S, book(PY, &[lvl("0.40", 5)], &[lvl("0.42", 5)]));
    assert_eq!(r.rule_coverage().fresh, 1);
    // A pair whose market closed is nothing to cover (or to probe), however stale.
    at(&mut r, S, watch(PY, Watch::Streamed { connection: 1 }));
    at(&mut r, S, Event::MarketClosed { market: K });
    assert_eq!(
        r.rule_coverage(),
        crate::engine::coverage::RuleCoverage::default()
    );
}
