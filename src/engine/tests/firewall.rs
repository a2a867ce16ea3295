//! The quote sanity firewall: each rejection is counted and journaled with its
//! reason, lanes do not read refused or stale books, and the max-edge gate stops a
//! wrong mapping's large edge. A reducer given no firewall (an older journal) checks
//! nothing.

use super::*;
use crate::config::FirewallConfig;

fn guarded() -> Reducer {
    let (mut r, _) = setup(EngineConfig::default(), false);
    assert!(at(&mut r, 0, Event::FirewallLoaded(FirewallConfig::default())).is_empty());
    r
}

fn rejected(out: &[Decision]) -> Vec<(MarketId, SkipReason)> {
    out.iter()
        .filter_map(|d| match d {
            Decision::BookRejected { market, reason } => Some((*market, *reason)),
            _ => None,
        })
        .collect()
}

fn lane_skips(out: &[Decision]) -> Vec<(Lane, SkipReason)> {
    out.iter()
        .filter_map(|d| match d {
            Decision::LaneSkipped { lane, reason, .. } => Some((*lane, *reason)),
            _ => None,
        })
        .collect()
}

/// Each bad book on K: the firewall's reason, journaled once per run of refusals and
/// counted each time; the lanes that read K (intra on its own book, cross on the
/// pair) skip with the same reason.
#[test]
fn each_bad_book_is_rejected_with_its_reason() {
    let cases: [(&str, Vec<Level>, Vec<Level>, SkipReason); 5] = [
        (
            "locked",
            vec![lvl("0.50", 10)],
            vec![lvl("0.50", 10)],
            SkipReason::CrossedBook,
        ),
        (
            "crossed",
            vec![lvl("0.55", 10)],
            vec![lvl("0.50", 10)],
            SkipReason::CrossedBook,
        ),
        (
            "ask at 0.995",
            vec![lvl("0.40", 10)],
            vec![lvl("0.995", 10)],
            SkipReason::PriceOutOfRange,
        ),
        (
            "two million contracts",
            vec![lvl("0.40", 2_000_000)],
            vec![lvl("0.45", 10)],
            SkipReason::SizeOutOfRange,
        ),
        (
            "one contract 20 cents from the rest",
            vec![lvl("0.38", 50)],
            vec![lvl("0.40", 1), lvl("0.60", 100)],
            SkipReason::MicroPrice,
        ),
    ];
    for (name, bids, asks, reason) in cases {
        let mut r = guarded();
        at(&mut r, S, book(PN, &[], &[lvl("0.50", 30)]));
        let out = at(&mut r, S, book(K, &bids, &asks));
        assert_eq!(rejected(&out), vec![(K, reason)], "{name}: {out:?}");
        assert_eq!(
            lane_skips(&out),
            vec![(Lane::IntraVenue, reason), (Lane::CrossVenue, reason)],
            "{name}: {out:?}"
        );
        assert!(places(&out).is_empty(), "{name}");
        // The same book again: counted, not journaled again.
        let again = at(&mut r, S, book(K, &bids, &asks));
        assert!(rejected(&again).is_empty(), "{name}: {again:?}");
        assert_eq!(r.stats().firewall.get(&reason), Some(&2), "{name}");
        assert_eq!(
            r.stats().skips.get(&(Lane::CrossVenue, reason)),
            Some(&2),
            "{name}"
        );
        // A sane book clears it.
        let ok = at(&mut r, S, book(K, &[lvl("0.38", 10)], &[lvl("0.60", 10)]));
        assert!(
            rejected(&ok).is_empty() && lane_skips(&ok).is_empty(),
            "{name}: {ok:?}"
        );
    }
}

#[test]
fn a_stale_book_is_not_read() {
    let mut r = guarded();
    at(&mut r, S, book(K, &[lvl("0.38", 20)], &[lvl("0.40", 10)]));
    // 61 s later (bound 60 s), the other side shows an edge against K's old book.
    let out = at(&mut r, 62 * S, book(PN, &[], &[lvl("0.50", 30)]));
    assert_eq!(
        lane_skips(&out),
        vec![(Lane::CrossVenue, SkipReason::StaleBook)]
    );
    assert!(
        !out.iter()
            .any(|d| matches!(d, Decision::OpportunityFound(_)))
    );
    // K refreshed: the edge is taken.
    let out = at(
        &mut r,
        62 * S,
        book(K, &[lvl("0.38", 20)], &[lvl("0.40", 10)]),
    );
    assert!(
        matches!(&out[0], Decision::OpportunityFound(o) if o.lane == Lane::CrossVenue),
        "{out:?}"
    );
}

fn bd(seq: u64, side: BookSide, p: &str, q: i64) -> BookDelta {
    BookDelta {
        market: K,
        venue_seq: seq,
        side,
        price: Price::from_decimal(p).unwrap(),
        change: LevelChange::Set(Qty::contracts(q)),
    }
}

#[test]
fn a_jump_without_a_trade_is_rejected_once_and_a_trade_explains_it() {
    use BookSide::{Ask, Bid};
    let mut r = guarded();
    at(&mut r, S, book(K, &[lvl("0.48", 10)], &[lvl("0.52", 10)]));
    // Bids to 0.80 and asks to 0.84: mid 0.50 -> 0.82 with no trade (bound 0.25).
    let deltas = vec![
        bd(1, Ask, "0.84", 10),
        bd(2, Ask, "0.52", 0),
        bd(3, Bid, "0.80", 10),
        bd(4, Bid, "0.48", 0),
    ];
    let out = at(&mut r, S, Event::BookBatch(BookBatch { deltas }));
    assert_eq!(
        rejected(&out),
        vec![(K, SkipReason::JumpWithoutTrade)],
        "{out:?}"
    );
    // The next update, near the new level, is accepted: the move was seen twice.
    let out = at(&mut r, S, Event::BookDelta(bd(5, Bid, "0.79", 5)));
    assert!(rejected(&out).is_empty(), "{out:?}");
    assert!(r.firewall().marks[K.index()].verdict.is_none());
    // Back down by 30 cents, with a trade printed between: accepted.
    at(
        &mut r,
        S,
        Event::Trade(Trade {
            market: K,
            price: Price(8000),
            qty: Qty::contracts(10),
            taker_side: Some(Bid),
        }),
    );
    let deltas = vec![
        bd(6, Bid, "0.80", 0),
        bd(7, Bid, "0.79", 0),
        bd(8, Bid, "0.50", 10),
        bd(9, Ask, "0.84", 0),
        bd(10, Ask, "0.54", 10),
    ];
    let out = at(&mut r, S, Event::BookBatch(BookBatch { deltas }));
    assert!(rejected(&out).is_empty(), "{out:?}");
    assert_eq!(
        r.stats().firewall.get(&SkipReason::JumpWithoutTrade),
        Some(&1)
    );
}

/// A wrong mapping (K paired with the wrong Polymarket market) shows a 60-cent edge:
/// the max-edge gate journals it as an opportunity skipped for `EdgeTooLarge` and
/// nothing is ordered. Without the firewall the same books would be traded.
#[test]
fn a_wrong_mapping_with_a_sixty_cent_edge_is_stopped() {
    let wrong = |r: &mut Reducer| {
        at(r, S, book(PN, &[lvl("0.18", 50)], &[lvl("0.20", 50)]));
        at(r, S, book(K, &[lvl("0.18", 50)], &[lvl("0.20", 50)]))
    };
    let mut r = guarded();
    let out = wrong(&mut r);
    let Decision::OpportunityFound(o) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(o.lane, Lane::CrossVenue);
    assert_eq!(o.edge_per_contract, Money(600_000));
    assert!(
        matches!(
            out[1],
            Decision::Skipped {
                reason: SkipReason::EdgeTooLarge,
                ..
            }
        ),
        "{out:?}"
    );
    assert!(places(&out).is_empty());
    assert_eq!(
        r.stats()
            .skips
            .get(&(Lane::CrossVenue, SkipReason::EdgeTooLarge)),
        Some(&1)
    );
    let (mut open, _) = setup(EngineConfig::default(), false);
    assert!(!places(&wrong(&mut open)).is_empty(), "no firewall: traded");
}

/// The reducer's default is "firewall off": a journal without `FirewallLoaded`
/// decides exactly as before it existed.
#[test]
fn without_a_firewall_event_nothing_is_checked() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let out = at(
        &mut r,
        S,
        book(K, &[lvl("0.40", 1)], &[lvl("0.995", 2_000_000)]),
    );
    assert!(out.is_empty(), "{out:?}");
    let out = at(&mut r, 500 * S, book(PN, &[], &[lvl("0.50", 30)]));
    assert!(lane_skips(&out).is_empty() && rejected(&out).is_empty());
    assert!(r.stats().firewall.is_empty() && r.stats().skips.is_empty());
}
