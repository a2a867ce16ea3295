//! Strike metadata to trees and parity families, on listings shaped as Kalshi's.

use super::*;

fn market(ticker: &str, event: &str, kind: &str, floor: Option<f64>, cap: Option<f64>) -> String {
    let num = |v: Option<f64>| v.map_or("null".to_string(), |x| x.to_string());
    format!(
        r#"{{"ticker":"{ticker}","event_ticker":"{event}","strike_type":"{kind}","floor_strike":{},"cap_strike":{}}}"#,
        num(floor),
        num(cap)
    )
}

fn specs_of(markets: &[String]) -> Vec<(GroupKind, Vec<(String, Outcome)>)> {
    let page = format!(
        r#"{{"events":[{{"event_ticker":"E","markets":[{}]}}],"cursor":""}}"#,
        markets.join(",")
    );
    let ms = parse_kalshi_markets(&page).unwrap();
    kalshi_strike_specs(&ms)
        .into_iter()
        .map(|s| {
            assert_eq!(s.confidence_bp, STRIKE_CONFIDENCE_BP);
            (
                s.kind,
                s.members.into_iter().map(|(_, t, o)| (t, o)).collect(),
            )
        })
        .collect()
}

fn tree(parent: &str, child: &str) -> (GroupKind, Vec<(String, Outcome)>) {
    (
        GroupKind::Tree,
        vec![(parent.into(), Outcome::Yes), (child.into(), Outcome::Yes)],
    )
}

#[test]
fn a_ladder_of_thresholds_is_a_chain_of_direct_implications() {
    // "Above 3.0", "above 3.5", "above 4.0": each higher strike implies the one below.
    let got = specs_of(&[
        market("T3.5", "E", "greater", Some(3.5), None),
        market("T3.0", "E", "greater", Some(3.0), None),
        market("T4.0", "E", "greater", Some(4.0), None),
    ]);
    assert_eq!(got, [tree("T3.0", "T3.5"), tree("T3.5", "T4.0")]);
}

#[test]
fn lower_tails_ranges_and_inclusive_ends_nest_as_their_values_do() {
    let got = specs_of(&[
        market("L75", "E", "less", None, Some(75.0)),
        market("L80", "E", "less", None, Some(80.0)),
        market("B76", "E", "between", Some(76.0), Some(77.0)),
        // "75 or above" and "above 75": the inclusive one is the wider.
        market("GE75", "E", "greater_or_equal", Some(75.0), None),
        market("G75", "E", "greater", Some(75.0), None),
    ]);
    for expected in [
        tree("L80", "L75"),
        tree("G75", "B76"),
        tree("GE75", "G75"),
        tree("L80", "B76"),
    ] {
        assert!(got.contains(&expected), "{expected:?} in {got:?}");
    }
    // B76 lies in G75, which lies in GE75: only the direct link is a rule.
    assert!(!got.contains(&tree("GE75", "B76")), "{got:?}");
    // Below 75 and 75 or above: one proposition, negated.
    assert!(
        got.contains(&(
            GroupKind::Parity,
            vec![("L75".into(), Outcome::Yes), ("GE75".into(), Outcome::No)]
        )),
        "{got:?}"
    );
    // Below 75 and above 75 are not complements (75 itself pays neither).
    assert!(
        !got.iter()
            .any(|(k, m)| *k == GroupKind::Parity && m.iter().any(|(t, _)| t == "G75")),
        "{got:?}"
    );
}

#[test]
fn other_events_and_worded_strikes_give_no_rule() {
    let got = specs_of(&[
        market("A", "E", "greater", Some(1.0), None),
        market("B", "F", "greater", Some(2.0), None),
        market("C", "E", "custom", Some(3.0), None),
        market("D", "E", "greater", None, None),
    ]);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn the_listing_shapes_are_read_and_bad_ones_named() {
    let one = r#"{"event":{"event_ticker":"E"},"markets":[{"ticker":"X","event_ticker":"E","strike_type":"greater","floor_strike":1}]}"#;
    assert_eq!(parse_kalshi_markets(one).unwrap().len(), 1);
    let page = r#"{"markets":[{"ticker":"X","event_ticker":"E"}],"cursor":""}"#;
    assert_eq!(parse_kalshi_markets(page).unwrap().len(), 1);
    assert!(parse_kalshi_markets("[1,2]").is_err());
}
