//! Bucket, tree and parity lanes: baskets from group rules, payouts by enumeration,
//! the ladder sanity check, one family counted once, and n-leg baskets' orders.

use super::*;
use crate::config::FirewallConfig;
use crate::engine::lanes::payout;

const S: i64 = 1_000_000_000;
const B: [MarketId; 3] = [MarketId(3), MarketId(4), MarketId(5)];

fn at(r: &mut Reducer, e: Event) -> Vec<Decision> {
    let mut out = Vec::new();
    r.apply(S, &e, &mut out);
    out
}

fn rule(kind: GroupKind, members: &[(MarketId, Outcome)], exhaustive: bool) -> GroupRule {
    GroupRule {
        kind,
        members: members
            .iter()
            .map(|&(market, outcome)| GroupMember { market, outcome })
            .collect(),
        exhaustive,
        source: "test".into(),
        confidence_bp: 10_000,
    }
}

fn yes(ms: &[MarketId]) -> Vec<(MarketId, Outcome)> {
    ms.iter().map(|&m| (m, Outcome::Yes)).collect()
}

/// The fixture's markets plus three Kalshi buckets B (fees as given), the firewall on.
fn ladder(fees: FeeModel, members: &[MarketId], exhaustive: bool) -> Reducer {
    let (mut r, _) = setup(EngineConfig::default(), false);
    at(&mut r, Event::FirewallLoaded(FirewallConfig::default()));
    for m in B {
        at(&mut r, meta(m, Venue::Kalshi, NoLeg::SameBook, fees));
    }
    let out = at(
        &mut r,
        Event::GroupDefined(rule(GroupKind::Bucket, &yes(members), exhaustive)),
    );
    assert!(out.is_empty(), "{out:?}");
    r
}

fn books(r: &mut Reducer, quotes: &[(MarketId, &str, &str)]) -> Vec<Decision> {
    let mut all = Vec::new();
    for &(m, bid, ask) in quotes {
        all.extend(at(r, book(m, &[lvl(bid, 40)], &[lvl(ask, 40)])));
    }
    all
}

fn opportunities(out: &[Decision]) -> Vec<&Opportunity> {
    out.iter()
        .filter_map(|d| match d {
            Decision::OpportunityFound(o) => Some(o),
            _ => None,
        })
        .collect()
}

#[test]
fn a_ladder_whose_yes_asks_sum_below_a_dollar_buys_every_bucket() {
    let mut r = ladder(FeeModel::Free, &B, true);
    let out = books(
        &mut r,
        &[
            (B[0], "0.28", "0.30"),
            (B[1], "0.28", "0.30"),
            (B[2], "0.28", "0.30"),
        ],
    );
    let o = opportunities(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].lane, Lane::Bucket);
    assert!(o[0].legs.iter().all(|l| l.outcome == Outcome::Yes));
    assert_eq!(o[0].edge_per_contract, Money(100_000), "$1 - 3 × 0.30");
    let p = places(&out);
    assert_eq!(p.len(), 3, "every bucket at once");
    assert!(p.iter().all(|o| o.tif == TimeInForce::ImmediateOrCancel));
    assert_eq!(r.stats().evaluations[Lane::Bucket as usize], 3);
}

#[test]
fn a_ladder_whose_no_asks_sum_below_n_minus_one_buys_every_no() {
    let mut r = ladder(FeeModel::Free, &B, true);
    // YES bids 0.40 each: NO asks 0.60 each, 1.80 < $2; YES asks sum 1.26.
    let out = books(
        &mut r,
        &[
            (B[0], "0.40", "0.42"),
            (B[1], "0.40", "0.42"),
            (B[2], "0.40", "0.42"),
        ],
    );
    let o = opportunities(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert!(
        o[0].legs
            .iter()
            .all(|l| l.outcome == Outcome::No && l.price == Price(6000))
    );
    assert_eq!(o[0].edge_per_contract, Money(200_000), "$2 - 3 × 0.60");
    let Decision::Intent(i) = &out[out
        .iter()
        .position(|d| matches!(d, Decision::Intent(_)))
        .unwrap()]
    else {
        unreachable!()
    };
    assert_eq!(i.expected_profit, Money(i.qty.0 / 5), "$0.20 a set");
}

#[test]
fn fees_are_counted_on_every_bucket() {
    let kalshi = FeeModel::Kalshi {
        multiplier_bp: 10_000,
    };
    // Gross $0.04; Kalshi's fee is 0.07 × 0.32 × 0.68 ≈ $0.0152 a leg: eaten.
    let mut r = ladder(kalshi, &B, true);
    let out = books(
        &mut r,
        &[
            (B[0], "0.30", "0.32"),
            (B[1], "0.30", "0.32"),
            (B[2], "0.30", "0.32"),
        ],
    );
    assert!(opportunities(&out).is_empty(), "{out:?}");
    // Gross $0.25 at 0.25 each; three fees of 0.07 × 0.25 × 0.75 rounded up.
    let mut r = ladder(kalshi, &B, true);
    let out = books(
        &mut r,
        &[
            (B[0], "0.24", "0.25"),
            (B[1], "0.24", "0.25"),
            (B[2], "0.24", "0.25"),
        ],
    );
    let o = opportunities(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert!(
        o[0].edge_per_contract < Money(250_000) && o[0].edge_per_contract > Money(190_000),
        "{:?}",
        o[0]
    );
}

/// A ladder defined without one of its buckets: YES asks 0.30 + 0.30 look like a
/// 40-cent edge, but the YES bids sum to 0.56 (< 0.70): a bucket is missing.
#[test]
fn a_ladder_missing_a_bucket_fails_the_sanity_check() {
    let mut r = ladder(FeeModel::Free, &B[..2], true);
    let out = books(&mut r, &[(B[0], "0.28", "0.30"), (B[1], "0.28", "0.30")]);
    assert!(opportunities(&out).is_empty(), "{out:?}");
    assert!(out.iter().any(|d| matches!(
        d,
        Decision::LaneSkipped {
            lane: Lane::Bucket,
            key: 0,
            reason: SkipReason::LadderSumImplausible
        }
    )));
    let journaled = out
        .iter()
        .filter(|d| matches!(d, Decision::LaneSkipped { .. }));
    assert_eq!(journaled.count(), 1, "journaled once: {out:?}");
    assert_eq!(
        r.stats()
            .skips
            .get(&(Lane::Bucket, SkipReason::LadderSumImplausible)),
        Some(&2),
        "counted each time"
    );
}

/// Not exhaustive: YES on every bucket pays nothing if none wins, so only the NO
/// basket is ever offered (enumeration finds the YES basket's least payout is $0).
#[test]
fn a_ladder_not_known_exhaustive_never_buys_every_yes() {
    let mut r = ladder(FeeModel::Free, &B, false);
    let out = books(
        &mut r,
        &[
            (B[0], "0.28", "0.30"),
            (B[1], "0.28", "0.30"),
            (B[2], "0.28", "0.30"),
        ],
    );
    assert!(opportunities(&out).is_empty(), "{out:?}");
}

#[test]
fn payouts_are_enumerated_over_the_outcomes_the_relation_allows() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    for m in B {
        at(
            &mut r,
            meta(m, Venue::Kalshi, NoLeg::SameBook, FeeModel::Free),
        );
    }
    let leg = |market, outcome| Leg {
        market,
        outcome,
        price: Price(1),
        depth: Qty::ZERO,
    };
    let (p, c1, c2) = (B[0], B[1], B[2]);
    let tree = rule(GroupKind::Tree, &yes(&[p, c1, c2]), true);
    // Parent and two children that partition it: 3 outcomes (none, c1, c2).
    assert_eq!(payout::worlds(&tree).len(), 3);
    let m = r.markets();
    let pays = |legs: &[Leg]| payout::guaranteed(m, &tree, legs);
    use Outcome::{No, Yes};
    assert_eq!(pays(&[leg(p, Yes), leg(c1, No)]), Some(Money::dollars(1)));
    assert_eq!(
        pays(&[leg(p, No), leg(c1, Yes), leg(c2, Yes)]),
        Some(Money::dollars(1))
    );
    assert_eq!(
        pays(&[leg(p, Yes), leg(c1, No), leg(c2, No)]),
        Some(Money::dollars(2))
    );
    // Children that need not cover the parent: 4 outcomes, and parent NO with every
    // child YES pays nothing when the parent holds through no child.
    let open = rule(GroupKind::Tree, &yes(&[p, c1, c2]), false);
    assert_eq!(
        payout::worlds(&open).len(),
        5,
        "none, p, p+c1, p+c2, p+c1+c2"
    );
    assert_eq!(
        payout::guaranteed(m, &open, &[leg(p, No), leg(c1, Yes), leg(c2, Yes)]),
        Some(Money::ZERO)
    );
    // A leg on a market outside the group: no payout can be claimed.
    assert_eq!(payout::guaranteed(m, &open, &[leg(K, Yes)]), None);
    // Buckets: YES on all pays $1; NO on all pays n - 1.
    let bucket = rule(GroupKind::Bucket, &yes(&B), true);
    let all = |o| B.iter().map(|&b| leg(b, o)).collect::<Vec<_>>();
    assert_eq!(
        payout::guaranteed(m, &bucket, &all(Yes)),
        Some(Money::dollars(1))
    );
    assert_eq!(
        payout::guaranteed(m, &bucket, &all(No)),
        Some(Money::dollars(2))
    );
}

#[test]
fn a_child_cheaper_than_its_parent_implies_is_a_tree_opportunity() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    at(&mut r, Event::FirewallLoaded(FirewallConfig::default()));
    for m in B {
        at(
            &mut r,
            meta(m, Venue::Kalshi, NoLeg::SameBook, FeeModel::Free),
        );
    }
    // B0 "above 90" is implied by B1 "above 100".
    at(
        &mut r,
        Event::GroupDefined(rule(GroupKind::Tree, &yes(&B[..2]), false)),
    );
    // Parent YES ask 0.50, child YES bid 0.60 (its NO ask 0.40): $1 for $0.90.
    books(&mut r, &[(B[0], "0.48", "0.50")]);
    let out = books(&mut r, &[(B[1], "0.60", "0.62")]);
    let o = opportunities(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].lane, Lane::Tree);
    assert_eq!(
        o[0].legs
            .iter()
            .map(|l| (l.market, l.outcome))
            .collect::<Vec<_>>(),
        vec![(B[0], Outcome::Yes), (B[1], Outcome::No)]
    );
    assert_eq!(o[0].edge_per_contract, Money(100_000));
}

/// K and PY are one family (K YES = PY YES); the cross-venue pair between them is
/// left to the parity lane, so the edge is journaled once; a second family claiming K
/// is refused.
#[test]
fn a_parity_family_is_counted_once() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let fam = rule(
        GroupKind::Parity,
        &[(PY, Outcome::Yes), (K, Outcome::Yes)],
        true,
    );
    assert!(at(&mut r, Event::GroupDefined(fam)).is_empty());
    // Canonical form: members in market order.
    assert_eq!(r.groups().rules[0].members[0].market, K);
    at(&mut r, book(PY, &[], &[lvl("0.55", 30)]));
    at(&mut r, book(PN, &[], &[lvl("0.50", 30)]));
    let out = at(&mut r, book(K, &[lvl("0.38", 20)], &[lvl("0.40", 10)]));
    let o = opportunities(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].lane, Lane::Parity);
    assert_eq!(r.stats().evaluations[Lane::CrossVenue as usize], 0);
    assert_eq!(r.stats().opportunities[Lane::CrossVenue as usize], 0);
    let again = rule(
        GroupKind::Parity,
        &[(K, Outcome::Yes), (B[0], Outcome::No)],
        true,
    );
    for m in B {
        at(
            &mut r,
            meta(m, Venue::Kalshi, NoLeg::SameBook, FeeModel::Free),
        );
    }
    let out = at(&mut r, Event::GroupDefined(again));
    assert!(
        matches!(
            out[..],
            [Decision::InputRejected {
                reason: InputError::GroupUnusable { group: 1 }
            }]
        ),
        "{out:?}"
    );
}

/// A bucket basket: all legs at once; complete sets close the episode, unequal fills
/// put the engine in safe mode.
#[test]
fn basket_legs_fill_together_or_leave_exposure_for_the_operator() {
    let enter = || {
        let mut r = ladder(FeeModel::Free, &B, true);
        let out = books(
            &mut r,
            &[
                (B[0], "0.28", "0.30"),
                (B[1], "0.28", "0.30"),
                (B[2], "0.28", "0.30"),
            ],
        );
        (r, places(&out))
    };
    let (mut r, p) = enter();
    for o in &p {
        at(&mut r, fill(o.id, o.market, 3000, o.qty.0 / Qty::SCALE));
    }
    assert_eq!(r.mode(), Mode::Normal);
    assert!(r.orders().episodes.is_empty(), "complete sets: closed");
    let (mut r, p) = enter();
    at(
        &mut r,
        fill(p[0].id, p[0].market, 3000, p[0].qty.0 / Qty::SCALE),
    );
    at(
        &mut r,
        fill(p[1].id, p[1].market, 3000, p[1].qty.0 / Qty::SCALE),
    );
    let out = at(&mut r, cancel(p[2].id, p[2].qty.0 / Qty::SCALE));
    assert_eq!(r.mode(), Mode::Safe, "{out:?}");
    assert!(out.iter().any(|d| matches!(
        d,
        Decision::Halt {
            reason: HaltReason::UnhedgedExposure
        }
    )));
}

/// With `BasketUnwind` on (every profile journals it; older journals have none), the
/// legs that filled beyond the complete sets are unwound by buying their other outcome
/// within the loss bound: here two of three buckets filled, their NO is bought, Kalshi
/// nets each YES with its NO, and the episode ends flat, without safe mode.
#[test]
fn a_basket_whose_legs_filled_unequally_is_unwound_within_the_loss_bound() {
    let mut r = ladder(FeeModel::Free, &B, true);
    at(&mut r, Event::BasketUnwind { enabled: true });
    let out = books(
        &mut r,
        &[
            (B[0], "0.28", "0.30"),
            (B[1], "0.28", "0.30"),
            (B[2], "0.28", "0.30"),
        ],
    );
    let p = places(&out);
    let n = p[0].qty.0 / Qty::SCALE;
    let cash = r.portfolio().cash[Venue::Kalshi.index()];
    at(&mut r, fill(p[0].id, p[0].market, 3000, n));
    at(&mut r, fill(p[1].id, p[1].market, 3000, n));
    let out = at(&mut r, cancel(p[2].id, n));
    let unwinds = places(&out);
    assert_eq!(r.mode(), Mode::Normal, "{out:?}");
    assert_eq!(unwinds.len(), 2, "{out:?}");
    for (u, leg) in unwinds.iter().zip(&p) {
        // NO of the over-filled bucket (its YES bid 0.28: NO at 0.72), at most
        // $1 - 0.30 + the 0.05 bound, for the contracts beyond the complete sets (none).
        assert_eq!(
            (u.market, u.outcome, u.qty),
            (leg.market, Outcome::No, leg.qty)
        );
        assert_eq!(u.price, Price(7_500));
        assert_eq!(u.id.leg, 3 + leg.id.leg);
    }
    for u in &unwinds {
        let out = at(
            &mut r,
            Event::Fill(Fill {
                id: u.id,
                market: u.market,
                outcome: Outcome::No,
                price: Price(7_200),
                qty: u.qty,
                fee: Money::ZERO,
                maker: false,
            }),
        );
        assert!(
            !out.iter().any(|d| matches!(d, Decision::Halt { .. })),
            "{out:?}"
        );
    }
    assert!(r.orders().episodes.is_empty(), "unwound: closed");
    assert_eq!(r.mode(), Mode::Normal);
    // Two legs bought at 0.30 and sold back (as NO at 0.72): 0.02 lost on each contract.
    let lost = Money(2 * n * 20_000);
    assert_eq!(r.portfolio().cash[Venue::Kalshi.index()], cash - lost);
    assert!(r.portfolio().positions.values().all(|p| p.qty == Qty::ZERO));
}

#[test]
fn group_state_survives_a_snapshot() {
    let mut r = ladder(FeeModel::Free, &B, true);
    books(&mut r, &[(B[0], "0.28", "0.30"), (B[1], "0.28", "0.30")]);
    let back = Reducer::from_snapshot_bytes(&r.snapshot_bytes()).unwrap();
    assert_eq!(back.state_hash(), r.state_hash());
    assert_eq!(back.groups().of(B[1]), &[0]);
}

/// A Polymarket YES token may name its NO token before that is defined (live defines
/// them in that order): a group over it is refused until the complement exists (it
/// cannot be indexed or read), never a panic; once it exists the same rule is taken.
#[test]
fn a_group_whose_complement_token_is_not_defined_yet_is_refused() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let (y, n) = (MarketId(3), MarketId(4));
    let poly = FeeModel::Free;
    at(
        &mut r,
        meta(y, Venue::Polymarket, NoLeg::Complement(n), poly),
    );
    let ladder = rule(GroupKind::Bucket, &yes(&[PY, y]), false);
    let out = at(&mut r, Event::GroupDefined(ladder.clone()));
    assert!(
        matches!(
            out[..],
            [Decision::InputRejected {
                reason: InputError::GroupUnusable { group: 0 }
            }]
        ),
        "{out:?}"
    );
    assert!(r.groups().rules.is_empty());
    at(
        &mut r,
        meta(n, Venue::Polymarket, NoLeg::Complement(y), poly),
    );
    assert!(at(&mut r, Event::GroupDefined(ladder)).is_empty());
    assert_eq!(r.groups().rules.len(), 1);
    assert_eq!(r.groups().of(n), &[0]);
}

#[test]
fn lane_coverage_is_journaled_on_ticks_when_it_changes_at_most_once_per_interval() {
    let mut r = ladder(FeeModel::Free, &B, true);
    let mut out = Vec::new();
    r.apply(0, &Event::Tick, &mut out);
    assert!(
        out.is_empty(),
        "no interval journaled: no coverage (older journals)"
    );
    at(&mut r, Event::CoverageEvery { every_ms: 10_000 });
    let tick = |r: &mut Reducer, ts: i64| {
        let mut out = Vec::new();
        r.apply(ts, &Event::Tick, &mut out);
        out
    };
    let coverage = |out: &[Decision]| -> Vec<(Lane, u32, u32)> {
        out.iter()
            .filter_map(|d| match d {
                Decision::LaneCoverage { lane, rules, fresh } => Some((*lane, *rules, *fresh)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        coverage(&tick(&mut r, S)),
        [
            (Lane::IntraVenue, 5, 0),
            (Lane::CrossVenue, 1, 0),
            (Lane::Bucket, 1, 0)
        ],
        "five markets (two of the set-up, three buckets), a pair, a ladder: no books yet"
    );
    books(&mut r, &[(B[0], "0.20", "0.30"), (B[1], "0.30", "0.40")]);
    assert!(tick(&mut r, 5 * S).is_empty(), "within the interval");
    assert_eq!(
        coverage(&tick(&mut r, 11 * S)),
        [(Lane::IntraVenue, 5, 2)],
        "the ladder still misses a book"
    );
    books(&mut r, &[(B[2], "0.20", "0.30")]);
    assert_eq!(
        coverage(&tick(&mut r, 21 * S)),
        [(Lane::IntraVenue, 5, 3), (Lane::Bucket, 1, 1)]
    );
    assert!(tick(&mut r, 31 * S).is_empty(), "unchanged");
}
