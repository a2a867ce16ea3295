//! Group rules in `arb live`, from the venue's own metadata: the Kalshi events of the
//! configured markets that the venue calls `mutually_exclusive` become bucket ladders
//! once every market the event lists is defined, and the configured markets' strike
//! fields relate those of one event as trees and parity families (`mapping::strikes`). A continued journal keeps the
//! rules it holds (none is defined twice); an event only partly configured gives no
//! ladder (buying every bucket needs every bucket) and is logged with what it misses.

use crate::event::{Event, GroupRule, MarketMeta};
use crate::mapping::groups::{GroupResolver, GroupSpec, KalshiExclusiveEvent, kalshi_bucket_specs};
use std::collections::BTreeMap;

/// The group rules to journal now: those of `exclusive` whose markets are all among
/// `metas`, less the rules the reducer already `holds`. Also returns the specs left
/// waiting for markets that are not configured.
pub fn to_define(
    exclusive: &[KalshiExclusiveEvent],
    markets: &[crate::venues::kalshi::rest_wire::Market],
    metas: &[MarketMeta],
    holds: &[GroupRule],
) -> (Vec<Event>, Vec<GroupSpec>) {
    let mut specs = kalshi_bucket_specs(exclusive, &BTreeMap::new());
    specs.extend(crate::mapping::strikes::kalshi_strike_specs(markets));
    let mut resolver = GroupResolver::new(specs);
    let mut ready = Vec::new();
    for m in metas {
        ready.extend(resolver.on_meta(m));
    }
    let events = ready
        .into_iter()
        .filter(|rule| !holds.contains(rule))
        .map(Event::GroupDefined)
        .collect();
    (events, resolver.unresolved().to_vec())
}

/// Logs each exclusive event that gives no ladder, with the markets it misses.
pub fn warn_partial(waiting: &[GroupSpec], metas: &[MarketMeta]) {
    for spec in waiting {
        let missing: Vec<&str> = spec
            .members
            .iter()
            .filter(|(venue, id, _)| !metas.iter().any(|m| m.venue == *venue && &m.venue_id == id))
            .map(|(_, id, _)| id.as_str())
            .collect();
        tracing::warn!(
            source = %spec.source,
            missing = ?missing,
            "mutually exclusive event only partly configured: no bucket ladder (configure every market it lists)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{MarketId, Outcome, Price, Venue};
    use crate::event::{FeeModel, GroupKind, GroupMember, NoLeg};

    fn meta(id: u32, ticker: &str) -> MarketMeta {
        MarketMeta {
            id: MarketId(id),
            venue: Venue::Kalshi,
            venue_id: ticker.into(),
            title: String::new(),
            event_id: "E".into(),
            series_id: String::new(),
            close_ts: None,
            no_leg: NoLeg::SameBook,
            fees: FeeModel::Free,
            tick: Price(100),
        }
    }

    fn event(ticker: &str, markets: &[&str]) -> KalshiExclusiveEvent {
        KalshiExclusiveEvent {
            event_ticker: ticker.into(),
            markets: Some(markets.iter().map(|m| m.to_string()).collect()),
        }
    }

    #[test]
    fn a_fully_configured_exclusive_event_is_a_ladder_defined_once() {
        let metas = [meta(0, "E-A"), meta(1, "E-B"), meta(2, "F-A")];
        let events = [event("E", &["E-A", "E-B"]), event("F", &["F-A", "F-B"])];
        let (defs, waiting) = to_define(&events, &[], &metas, &[]);
        let [Event::GroupDefined(rule)] = defs.as_slice() else {
            panic!("{defs:?}")
        };
        assert_eq!(rule.kind, GroupKind::Bucket);
        assert!(rule.exhaustive);
        assert_eq!(
            rule.members,
            [
                GroupMember {
                    market: MarketId(0),
                    outcome: Outcome::Yes
                },
                GroupMember {
                    market: MarketId(1),
                    outcome: Outcome::Yes
                }
            ]
        );
        assert_eq!(waiting.len(), 1, "F misses F-B");
        // A continued journal that holds the rule defines nothing again.
        let (again, _) = to_define(&events, &[], &metas, std::slice::from_ref(rule));
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn configured_thresholds_of_one_event_are_a_tree() {
        let listed = |ticker: &str, floor: u32| crate::venues::kalshi::rest_wire::Market {
            ticker: ticker.into(),
            event_ticker: "E".into(),
            strike_type: Some("greater".into()),
            floor_strike: Some(floor.into()),
            ..Default::default()
        };
        let metas = [meta(0, "E-T100"), meta(1, "E-T110")];
        let markets = [listed("E-T110", 110), listed("E-T100", 100)];
        let (defs, waiting) = to_define(&[], &markets, &metas, &[]);
        assert!(waiting.is_empty());
        let [Event::GroupDefined(rule)] = defs.as_slice() else {
            panic!("{defs:?}")
        };
        assert_eq!(rule.kind, GroupKind::Tree);
        assert_eq!(
            rule.members.iter().map(|m| m.market).collect::<Vec<_>>(),
            [MarketId(0), MarketId(1)],
            "above 100 is the parent of above 110"
        );
    }
}
