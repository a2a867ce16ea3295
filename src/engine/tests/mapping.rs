//! A mapping reload changes a pair's confidence (`PairConfidence`): a dropped pair
//! (confidence 0) stops trading, a restored one trades again; `MappingLoaded` changes
//! nothing.

use super::*;

fn pair(confidence_bp: u16) -> Event {
    Event::PairConfidence(PairRule {
        a: K,
        b: PY,
        b_outcome_for_a_yes: Outcome::Yes,
        confidence_bp,
    })
}

fn cross_places(out: &[Decision]) -> usize {
    places(out).iter().filter(|p| p.market == K).count()
}

#[test]
fn a_dropped_pair_stops_trading_and_a_restored_one_trades_again() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let before = r.markets.pairs.clone();
    let info = Event::MappingLoaded(MappingInfo {
        source: "pairs.toml".into(),
        version: 2,
        digest: 7,
        pairs: 1,
    });
    assert!(run(&mut r, info).is_empty());
    assert_eq!(r.markets.pairs, before, "MappingLoaded is informational");

    assert!(run(&mut r, pair(0)).is_empty());
    assert_eq!(r.markets.pairs[0].confidence_bp, 0);
    run(&mut r, book(PY, &[], &[lvl("0.40", 10)]));
    let out = run(&mut r, book(K, &[lvl("0.55", 10)], &[lvl("0.60", 10)]));
    assert_eq!(cross_places(&out), 0, "{out:?}");
    assert!(
        out.iter().any(|d| matches!(
            d,
            Decision::Skipped {
                reason: SkipReason::PairConfidenceTooLow,
                ..
            }
        )),
        "{out:?}"
    );

    assert!(run(&mut r, pair(9_700)).is_empty());
    let out = run(&mut r, book(K, &[lvl("0.56", 10)], &[lvl("0.60", 10)]));
    assert_eq!(cross_places(&out), 1, "{out:?}");
}

#[test]
fn the_confidence_of_an_undefined_pair_is_refused() {
    let (mut r, _) = setup(EngineConfig::default(), false);
    let other_side = Event::PairConfidence(PairRule {
        a: K,
        b: PY,
        b_outcome_for_a_yes: Outcome::No,
        confidence_bp: 0,
    });
    assert_eq!(
        run(&mut r, other_side),
        vec![Decision::InputRejected {
            reason: InputError::PairUnusable { a: K, b: PY }
        }]
    );
    assert_eq!(r.markets.pairs[0].confidence_bp, 9_700);
}
