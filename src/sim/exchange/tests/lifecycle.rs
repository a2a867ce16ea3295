//! A market's life on the exchange: closing cancels and refuses, settling pays.

use super::*;

#[test]
fn closing_cancels_resting_orders_withdraws_quotes_and_refuses_orders() {
    let (mut ex, m) = setup();
    let id = ex
        .submit(order(
            "alice",
            m,
            Outcome::Yes,
            Action::Buy,
            3000,
            4,
            Tif::GoodTillCanceled,
        ))
        .unwrap();
    assert!(ex.account("alice").unwrap().locked.0 > 0);
    ex.close_market(m);
    assert_eq!(ex.orders[&id].state, OrderState::Canceled);
    assert_eq!(ex.ledger.cancels, vec![id]);
    assert_eq!(ex.account("alice").unwrap().locked, Money::ZERO);
    assert_eq!(public_levels(&ex, m), Default::default(), "an empty book");
    assert!(ex.outbox.contains(&ExchangeEvent::Closed(m)));
    let refused = ex.submit(order(
        "bob",
        m,
        Outcome::Yes,
        Action::Buy,
        5000,
        1,
        Tif::ImmediateOrCancel,
    ));
    assert_eq!(refused, Err(RejectReason::MarketNotOpen));
    // A closed book no longer moves.
    ex.set_liquidity(m, &[lvl(4000, 10)], &[]);
    assert_eq!(public_levels(&ex, m), Default::default());
}

#[test]
fn settling_pays_a_dollar_per_winning_contract_and_removes_positions() {
    let (mut ex, m) = setup();
    ex.plant("alice", m, Outcome::Yes, Qty::contracts(5));
    ex.plant("alice", m, Outcome::No, Qty::contracts(3));
    ex.plant("bob", m, Outcome::No, Qty(2_500_000));
    ex.settle(m, false);
    assert_eq!(
        ex.markets[m].status,
        MarketStatus::Settled { yes_wins: false }
    );
    let alice = ex.account("alice").unwrap();
    assert_eq!(alice.cash, Money::dollars(103));
    assert!(alice.positions.is_empty());
    assert_eq!(
        ex.account("bob").unwrap().cash,
        Money::from_decimal("102.50").unwrap()
    );
    let paid: Vec<(&str, Outcome, i64)> = ex
        .ledger
        .settlements
        .iter()
        .map(|s| (s.account.as_str(), s.outcome, s.payout.0))
        .collect();
    assert_eq!(
        paid,
        vec![
            ("alice", Outcome::Yes, 0),
            ("alice", Outcome::No, 3_000_000),
            ("bob", Outcome::No, 2_500_000)
        ]
    );
    // Settling again changes nothing.
    ex.settle(m, true);
    assert_eq!(ex.ledger.settlements.len(), 3);
}

#[test]
fn an_unlisted_market_takes_no_orders_until_listed() {
    let (mut ex, m) = setup();
    ex.markets[m].status = MarketStatus::Unlisted;
    let buy = order(
        "alice",
        m,
        Outcome::Yes,
        Action::Buy,
        4200,
        1,
        Tif::ImmediateOrCancel,
    );
    assert_eq!(ex.submit(buy.clone()), Err(RejectReason::MarketNotOpen));
    ex.list(m);
    assert!(ex.outbox.contains(&ExchangeEvent::Listed(m)));
    assert!(ex.submit(buy).is_ok());
}
