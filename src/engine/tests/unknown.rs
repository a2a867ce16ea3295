//! Orders of unknown outcome: an `OrderUnknown` keeps the order open with its cash
//! reserved, holds new entries off its venue, and only the venue's answer (an ack and
//! fills, or a reject) moves it on.

use super::*;
use crate::event::OrderUnknown;

fn unknown(id: ClientOrderId) -> Event {
    Event::OrderUnknown(OrderUnknown {
        id,
        reason: "POST /order: transport: timed out".into(),
    })
}

#[test]
fn an_order_of_unknown_outcome_stays_open_reserved_and_blocks_its_venue_until_answered() {
    let mut r = sequential();
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])))[0];
    let reserved = r.portfolio().reserved[Venue::Polymarket.index()];
    assert!(reserved.0 > 0);
    assert!(run(&mut r, unknown(first.id)).is_empty(), "nothing decided");
    let o = &r.orders().open[&first.id];
    assert!(o.unknown && o.venue_order_id.is_none());
    assert_eq!(
        r.portfolio().reserved[Venue::Polymarket.index()],
        reserved,
        "its cash stays reserved"
    );
    assert_eq!(r.mode(), Mode::Normal, "an unknown outcome is no failure");
    // A new edge on the same venue (another token pair) is not entered while it lasts.
    run(
        &mut r,
        meta(
            MarketId(3),
            Venue::Polymarket,
            NoLeg::Complement(MarketId(4)),
            FeeModel::Free,
        ),
    );
    run(
        &mut r,
        meta(
            MarketId(4),
            Venue::Polymarket,
            NoLeg::Complement(MarketId(3)),
            FeeModel::Free,
        ),
    );
    run(&mut r, book(MarketId(3), &[], &[lvl("0.40", 10)]));
    let out = run(&mut r, book(MarketId(4), &[], &[lvl("0.40", 10)]));
    assert!(places(&out).is_empty(), "{out:?}");
    assert!(
        out.iter().any(|d| matches!(
            d,
            Decision::Skipped {
                reason: SkipReason::UnknownOrder,
                ..
            }
        )),
        "{out:?}"
    );
    // The venue's answer: it has the order, filled. The legging goes on as usual.
    run(
        &mut r,
        Event::OrderAck(OrderAck {
            id: first.id,
            venue_order_id: "0xabc".into(),
        }),
    );
    assert!(!r.orders().open[&first.id].unknown);
    let out = run(&mut r, fill(first.id, PN, 5000, 20));
    assert_eq!(places(&out)[0].id.leg, 1, "the second leg follows the fill");
    // The other pair's next edge is entered now.
    let out = run(&mut r, book(MarketId(4), &[], &[lvl("0.39", 10)]));
    assert!(!places(&out).is_empty(), "{out:?}");
}

#[test]
fn an_order_the_venue_never_had_is_rejected_and_its_cash_released() {
    let mut r = sequential();
    run(&mut r, book(PY, &[], &[lvl("0.45", 30)]));
    let first = places(&run(&mut r, book(PN, &[], &[lvl("0.50", 20)])))[0];
    run(&mut r, unknown(first.id));
    run(
        &mut r,
        Event::OrderReject(OrderReject {
            id: first.id,
            reason: "not at the venue: 3 lookups over 5.0 s".into(),
        }),
    );
    assert!(r.orders().open.is_empty());
    assert_eq!(r.portfolio().reserved, [Money::ZERO; 2]);
    // An unknown for an order that is not open is refused as any other stray answer.
    let out = run(&mut r, unknown(first.id));
    assert!(matches!(
        out[..],
        [Decision::InputRejected {
            reason: InputError::UnknownOrder(_)
        }]
    ));
}
