//! The simulator exchange: matching, resting, cancels, requotes, rejects, accounting.

use super::*;
use crate::core::Outcome;
use crate::event::Level;

fn lvl(p: u16, q: i64) -> Level {
    Level {
        price: Price(p),
        qty: Qty::contracts(q),
    }
}

fn setup() -> (Exchange, usize) {
    let mut ex = Exchange::new();
    let m = ex.add_market(Venue::Kalshi, "T", FeeModel::Free);
    ex.fund("alice", Money::dollars(100));
    ex.fund("bob", Money::dollars(100));
    ex.set_liquidity(
        m,
        &[lvl(4000, 10), lvl(3900, 20)],
        &[lvl(4200, 5), lvl(4300, 10)],
    );
    ex.outbox.clear();
    (ex, m)
}

fn order(
    account: &str,
    m: usize,
    outcome: Outcome,
    action: Action,
    price: u16,
    qty: i64,
    tif: Tif,
) -> NewOrder {
    NewOrder {
        account: account.into(),
        market: m,
        outcome,
        action,
        price: Price(price),
        qty: Qty::contracts(qty),
        tif,
        client_order_id: None,
    }
}

#[test]
fn a_taker_buy_walks_the_asks_up_to_its_limit() {
    let (mut ex, m) = setup();
    let id = ex
        .submit(order(
            "alice",
            m,
            Outcome::Yes,
            Action::Buy,
            4300,
            8,
            Tif::ImmediateOrCancel,
        ))
        .unwrap();
    let o = &ex.orders[&id];
    assert_eq!(
        (o.filled, o.state),
        (Qty::contracts(8), OrderState::Executed)
    );
    let fills: Vec<_> = ex
        .ledger
        .fills
        .iter()
        .map(|f| (f.price.0, f.qty.0 / 1_000_000))
        .collect();
    assert_eq!(fills, vec![(4200, 5), (4300, 3)]);
    let a = ex.account("alice").unwrap();
    assert_eq!(
        a.cash,
        Money::dollars(100) - Money::from_decimal("3.39").unwrap()
    );
    assert_eq!(a.positions[&(m, Outcome::Yes)], Qty::contracts(8));
    let levels: Vec<_> = ex
        .outbox
        .iter()
        .filter_map(|e| {
            if let ExchangeEvent::Level { price, new, .. } = e {
                Some((price.0, new.0 / 1_000_000))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(levels, vec![(4200, 0), (4300, 7)]);
}

#[test]
fn buying_no_takes_the_yes_bids() {
    let (mut ex, m) = setup();
    // NO at 0.61 = YES bid at 0.39 or better: both bid levels.
    ex.submit(order(
        "alice",
        m,
        Outcome::No,
        Action::Buy,
        6100,
        15,
        Tif::ImmediateOrCancel,
    ))
    .unwrap();
    let fills: Vec<_> = ex
        .ledger
        .fills
        .iter()
        .map(|f| (f.outcome, f.price.0, f.qty.0 / 1_000_000))
        .collect();
    assert_eq!(fills, vec![(Outcome::No, 6000, 10), (Outcome::No, 6100, 5)]);
    assert_eq!(
        ex.account("alice").unwrap().positions[&(m, Outcome::No)],
        Qty::contracts(15)
    );
}

#[test]
fn an_ioc_remainder_is_canceled_and_a_gtc_remainder_rests_with_cash_locked() {
    let (mut ex, m) = setup();
    let ioc = ex
        .submit(order(
            "alice",
            m,
            Outcome::Yes,
            Action::Buy,
            4200,
            7,
            Tif::ImmediateOrCancel,
        ))
        .unwrap();
    assert_eq!(
        (ex.orders[&ioc].filled, ex.orders[&ioc].state),
        (Qty::contracts(5), OrderState::Canceled)
    );
    let gtc = ex
        .submit(order(
            "alice",
            m,
            Outcome::Yes,
            Action::Buy,
            4100,
            10,
            Tif::GoodTillCanceled,
        ))
        .unwrap();
    assert_eq!(ex.orders[&gtc].state, OrderState::Resting);
    assert_eq!(
        ex.account("alice").unwrap().locked,
        Money::dollars(4) + Money::from_decimal("0.10").unwrap()
    );
    assert_eq!(public_levels(&ex, m).0.get(&4100), Some(&10_000_000));
    // Another trader sells into it when the scenario requotes through 0.41.
    ex.set_liquidity(m, &[lvl(3900, 20)], &[lvl(4050, 4), lvl(4300, 10)]);
    let o = &ex.orders[&gtc];
    assert_eq!(
        (o.filled, o.state),
        (Qty::contracts(4), OrderState::Resting)
    );
    let maker = ex.ledger.fills.last().unwrap();
    assert!(!maker.is_taker && maker.price == Price(4100), "{maker:?}");
    // Cancel releases what is still locked.
    ex.cancel("alice", gtc).unwrap();
    assert_eq!(ex.account("alice").unwrap().locked, Money::ZERO);
    assert_eq!(public_levels(&ex, m).0.get(&4100), None);
    assert_eq!(
        ex.cancel("alice", gtc).unwrap_err(),
        CancelError::NotResting
    );
    assert_eq!(
        ex.cancel("bob", gtc).unwrap_err(),
        CancelError::NotFound,
        "another account's order is not visible"
    );
}

#[test]
fn accounts_trade_with_each_other_but_never_with_themselves() {
    let (mut ex, m) = setup();
    ex.submit(order(
        "alice",
        m,
        Outcome::Yes,
        Action::Buy,
        4100,
        3,
        Tif::GoodTillCanceled,
    ))
    .unwrap();
    // Alice's own sell cannot hit her bid: with IOC it finds only the 0.40 liquidity.
    ex.submit(order(
        "alice",
        m,
        Outcome::Yes,
        Action::Buy,
        4200,
        2,
        Tif::ImmediateOrCancel,
    ))
    .unwrap();
    let sell = ex
        .submit(order(
            "alice",
            m,
            Outcome::Yes,
            Action::Sell,
            4100,
            1,
            Tif::ImmediateOrCancel,
        ))
        .unwrap();
    assert_eq!(ex.orders[&sell].filled, Qty::ZERO, "no self-trade");
    // Bob buys NO at 0.59 = sells YES at 0.41: he meets Alice's resting bid.
    ex.submit(order(
        "bob",
        m,
        Outcome::No,
        Action::Buy,
        5900,
        3,
        Tif::ImmediateOrCancel,
    ))
    .unwrap();
    let last: Vec<_> = ex
        .ledger
        .fills
        .iter()
        .rev()
        .take(2)
        .map(|f| (f.account.as_str(), f.outcome, f.price.0, f.is_taker))
        .collect();
    assert_eq!(
        last,
        vec![
            ("alice", Outcome::Yes, 4100, false),
            ("bob", Outcome::No, 5900, true)
        ]
    );
}

#[test]
fn refused_orders_are_recorded_with_their_reason() {
    let (mut ex, m) = setup();
    let cases = [
        (
            order(
                "alice",
                9,
                Outcome::Yes,
                Action::Buy,
                4200,
                1,
                Tif::ImmediateOrCancel,
            ),
            RejectReason::UnknownMarket,
        ),
        (
            order(
                "alice",
                m,
                Outcome::Yes,
                Action::Buy,
                0,
                1,
                Tif::ImmediateOrCancel,
            ),
            RejectReason::BadPrice,
        ),
        (
            order(
                "alice",
                m,
                Outcome::Yes,
                Action::Buy,
                4200,
                0,
                Tif::ImmediateOrCancel,
            ),
            RejectReason::BadQuantity,
        ),
        (
            order(
                "alice",
                m,
                Outcome::Yes,
                Action::Buy,
                9000,
                200,
                Tif::ImmediateOrCancel,
            ),
            RejectReason::InsufficientBalance,
        ),
        (
            order(
                "nobody",
                m,
                Outcome::Yes,
                Action::Buy,
                4200,
                1,
                Tif::ImmediateOrCancel,
            ),
            RejectReason::InsufficientBalance,
        ),
        (
            order(
                "alice",
                m,
                Outcome::Yes,
                Action::Sell,
                4000,
                1,
                Tif::ImmediateOrCancel,
            ),
            RejectReason::InsufficientPosition,
        ),
        (
            order(
                "alice",
                m,
                Outcome::Yes,
                Action::Buy,
                4300,
                50,
                Tif::FillOrKill,
            ),
            RejectReason::FillOrKillUnfilled,
        ),
    ];
    for (o, want) in cases {
        assert_eq!(ex.submit(o.clone()), Err(want.clone()), "{o:?}");
    }
    assert_eq!(ex.ledger.rejects.len(), 7);
    assert!(ex.ledger.orders.is_empty() && ex.ledger.fills.is_empty());
    let mut dup = order(
        "alice",
        m,
        Outcome::Yes,
        Action::Buy,
        3000,
        1,
        Tif::GoodTillCanceled,
    );
    dup.client_order_id = Some("arb-1-0-0".into());
    let first = ex.submit(dup.clone()).unwrap();
    assert_eq!(
        ex.submit(dup),
        Err(RejectReason::DuplicateClientOrderId),
        "a retried client order id is not placed twice"
    );
    assert_eq!(
        ex.order_by_client_id("alice", "arb-1-0-0").unwrap().id,
        first
    );
}

#[test]
fn fees_follow_the_market_schedule_for_takers_and_makers() {
    let mut ex = Exchange::new();
    let m = ex.add_market(
        Venue::Kalshi,
        "K",
        FeeModel::Kalshi {
            multiplier_bp: 10_000,
        },
    );
    ex.fund("alice", Money::dollars(100));
    ex.set_liquidity(m, &[], &[lvl(5000, 100)]);
    ex.submit(order(
        "alice",
        m,
        Outcome::Yes,
        Action::Buy,
        5000,
        100,
        Tif::ImmediateOrCancel,
    ))
    .unwrap();
    // Taker 0.07 · 100 · 0.25 = 1.75.
    assert_eq!(ex.ledger.fills[0].fee, Money::from_decimal("1.75").unwrap());
    assert_eq!(
        ex.account("alice").unwrap().cash,
        Money::dollars(100) - Money::from_decimal("51.75").unwrap()
    );
}

#[test]
fn a_kalshi_account_never_holds_both_sides_of_one_market() {
    let (mut ex, m) = setup();
    ex.submit(order(
        "alice",
        m,
        Outcome::Yes,
        Action::Buy,
        4200,
        5,
        Tif::ImmediateOrCancel,
    ))
    .unwrap();
    ex.submit(order(
        "alice",
        m,
        Outcome::No,
        Action::Buy,
        6000,
        3,
        Tif::ImmediateOrCancel,
    ))
    .unwrap();
    let a = ex.account("alice").unwrap();
    assert_eq!(a.positions[&(m, Outcome::Yes)], Qty::contracts(2));
    assert_eq!(a.positions[&(m, Outcome::No)], Qty::ZERO);
    // Paid 5 × 0.42 + 3 × 0.60 = 3.90; 3 pairs closed pay 3.00 back.
    assert_eq!(
        a.cash,
        Money::dollars(100) - Money::from_decimal("0.90").unwrap()
    );
}

mod lifecycle;
