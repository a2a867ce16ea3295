//! Group metadata from the venues: which markets of one event are mutually exclusive
//! (and exhaustive). Kalshi says so in an event's `mutually_exclusive` (REST
//! `GET /events`, `GET /events/{ticker}`); the markets are the event's own, listed
//! with it (`with_nested_markets`, or the `markets` beside an `/events/{ticker}`
//! answer) or, when the listing carries none, every market of a journal whose event
//! ticker is the event's. Specs become journaled `GroupDefined` rules once all their
//! markets are defined.

use crate::core::{MarketId, Outcome, Venue};
use crate::event::{GroupKind, GroupMember, GroupRule, MarketMeta, NoLeg};
use crate::venues::kalshi::rest_wire;
use std::collections::BTreeMap;
use std::path::Path;

/// A group in venue ids, waiting for its markets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSpec {
    pub kind: GroupKind,
    pub members: Vec<(Venue, String, Outcome)>,
    pub exhaustive: bool,
    pub source: String,
    pub confidence_bp: u16,
}

/// A Kalshi event the venue calls mutually exclusive, with its market tickers when the
/// listing names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KalshiExclusiveEvent {
    pub event_ticker: String,
    pub markets: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupsError {
    #[error("cannot read Kalshi events {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("Kalshi events {path}: not a GET /events or GET /events/{{ticker}} answer: {message}")]
    Parse { path: String, message: String },
}

/// Reads a Kalshi `GET /events` page or `GET /events/{ticker}` answer; returns the
/// events marked `mutually_exclusive` (the others are no bucket ladder).
pub fn load_kalshi_events(path: &Path) -> Result<Vec<KalshiExclusiveEvent>, GroupsError> {
    let text = std::fs::read_to_string(path).map_err(|source| GroupsError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_kalshi_events(&text).map_err(|message| GroupsError::Parse {
        path: path.display().to_string(),
        message,
    })
}

pub fn parse_kalshi_events(text: &str) -> Result<Vec<KalshiExclusiveEvent>, String> {
    let events: Vec<(rest_wire::Event, Vec<rest_wire::Market>)> =
        match serde_json::from_str::<rest_wire::EventsResponse>(text) {
            Ok(page) => page.events.into_iter().map(|e| (e, Vec::new())).collect(),
            Err(page_err) => match serde_json::from_str::<rest_wire::EventResponse>(text) {
                Ok(one) => vec![(one.event, one.markets)],
                Err(_) => return Err(page_err.to_string()),
            },
        };
    Ok(events
        .into_iter()
        .filter(|(e, _)| e.mutually_exclusive)
        .map(|(e, beside)| {
            let nested = e.markets.clone().unwrap_or_default();
            let listed: Vec<String> = nested
                .iter()
                .chain(&beside)
                .map(|m| m.ticker.clone())
                .collect();
            KalshiExclusiveEvent {
                event_ticker: e.event_ticker,
                markets: (!listed.is_empty()).then_some(listed),
            }
        })
        .collect())
}

/// Bucket specs for the exclusive events. `journal_markets` maps a Kalshi event
/// ticker to the tickers a journal defines for it: used, at a lower confidence, when
/// the listing names no markets. Events with fewer than two markets are left out.
pub fn kalshi_bucket_specs(
    events: &[KalshiExclusiveEvent],
    journal_markets: &BTreeMap<String, Vec<String>>,
) -> Vec<GroupSpec> {
    events
        .iter()
        .filter_map(|e| {
            let (tickers, confidence_bp, how) = match &e.markets {
                Some(listed) => (listed.clone(), 10_000, "listed"),
                None => (
                    journal_markets.get(&e.event_ticker)?.clone(),
                    9_500,
                    "journal",
                ),
            };
            (tickers.len() >= 2).then(|| GroupSpec {
                kind: GroupKind::Bucket,
                members: tickers
                    .into_iter()
                    .map(|t| (Venue::Kalshi, t, Outcome::Yes))
                    .collect(),
                exhaustive: true,
                source: format!("kalshi:mutually_exclusive:{}:markets_{how}", e.event_ticker),
                confidence_bp,
            })
        })
        .collect()
}

/// Turns specs into rules as their markets are defined.
pub struct GroupResolver {
    pending: Vec<GroupSpec>,
    known: BTreeMap<(Venue, String), MarketId>,
    /// Ids defined so far, and the complement token each market names: a rule is
    /// released only once its members' complements are defined too.
    ids: std::collections::BTreeSet<MarketId>,
    complement: BTreeMap<MarketId, MarketId>,
}

impl GroupResolver {
    pub fn new(specs: Vec<GroupSpec>) -> GroupResolver {
        GroupResolver {
            pending: specs,
            known: BTreeMap::new(),
            ids: std::collections::BTreeSet::new(),
            complement: BTreeMap::new(),
        }
    }

    /// Notes a market definition (or re-definition: a Polymarket token learns its
    /// complement); returns the rules whose markets, and their members' complement
    /// tokens, are now all defined.
    pub fn on_meta(&mut self, meta: &MarketMeta) -> Vec<GroupRule> {
        match meta.no_leg {
            NoLeg::Complement(c) => self.complement.insert(meta.id, c),
            _ => self.complement.remove(&meta.id),
        };
        self.ids.insert(meta.id);
        self.known
            .insert((meta.venue, meta.venue_id.clone()), meta.id);
        self.release()
    }

    /// Notes a market definition; returns the rules whose markets are now all known.
    pub fn on_market(&mut self, venue: Venue, venue_id: &str, id: MarketId) -> Vec<GroupRule> {
        if self
            .known
            .insert((venue, venue_id.to_string()), id)
            .is_some()
        {
            return Vec::new();
        }
        self.ids.insert(id);
        self.release()
    }

    fn release(&mut self) -> Vec<GroupRule> {
        let mut ready = Vec::new();
        self.pending.retain(|s| {
            let members: Option<Vec<GroupMember>> = s
                .members
                .iter()
                .map(|(v, vid, outcome)| {
                    self.known
                        .get(&(*v, vid.clone()))
                        .map(|&market| GroupMember {
                            market,
                            outcome: *outcome,
                        })
                })
                .collect();
            let complete = members.as_ref().is_some_and(|ms| {
                ms.iter().all(|m| {
                    self.complement
                        .get(&m.market)
                        .is_none_or(|c| self.ids.contains(c))
                })
            });
            match members.filter(|_| complete) {
                Some(members) => {
                    ready.push(GroupRule {
                        kind: s.kind,
                        members,
                        exhaustive: s.exhaustive,
                        source: s.source.clone(),
                        confidence_bp: s.confidence_bp,
                    });
                    false
                }
                None => true,
            }
        });
        ready
    }

    /// Specs whose markets never all appeared.
    pub fn unresolved(&self) -> &[GroupSpec] {
        &self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = "/work/shared/fixtures/pairs/steffenmax_kalshi_nba_events.json";

    #[test]
    fn the_real_nba_listing_marks_every_game_exclusive() {
        let Ok(text) = std::fs::read_to_string(FIXTURE) else {
            return; // the shared fixtures are not everywhere
        };
        let events = parse_kalshi_events(&text).unwrap();
        assert_eq!(events.len(), 27);
        assert!(events.iter().all(|e| e.markets.is_none()));
        let mut journal = BTreeMap::new();
        journal.insert(
            "KXNBAGAME-26JAN09MILLAL".to_string(),
            vec![
                "KXNBAGAME-26JAN09MILLAL-LAL".to_string(),
                "KXNBAGAME-26JAN09MILLAL-MIL".to_string(),
            ],
        );
        let specs = kalshi_bucket_specs(&events, &journal);
        assert_eq!(specs.len(), 1, "only the event the journal holds");
        assert_eq!(specs[0].confidence_bp, 9_500);
        assert!(
            specs[0]
                .source
                .starts_with("kalshi:mutually_exclusive:KXNBAGAME-26JAN09MILLAL")
        );
    }

    #[test]
    fn an_event_answer_lists_its_markets_and_a_plain_event_is_no_ladder() {
        let one = r#"{"event":{"event_ticker":"E","mutually_exclusive":true},
            "markets":[{"ticker":"E-A","event_ticker":"E"},{"ticker":"E-B","event_ticker":"E"},{"ticker":"E-C","event_ticker":"E"}]}"#;
        let events = parse_kalshi_events(one).unwrap();
        let specs = kalshi_bucket_specs(&events, &BTreeMap::new());
        assert_eq!(specs[0].members.len(), 3);
        assert_eq!(specs[0].confidence_bp, 10_000);
        let plain = r#"{"events":[{"event_ticker":"E","mutually_exclusive":false}],"cursor":""}"#;
        assert!(parse_kalshi_events(plain).unwrap().is_empty());
        assert!(parse_kalshi_events("[1]").is_err());
    }

    #[test]
    fn rules_appear_once_all_markets_are_defined() {
        let spec = GroupSpec {
            kind: GroupKind::Bucket,
            members: vec![
                (Venue::Kalshi, "E-A".into(), Outcome::Yes),
                (Venue::Kalshi, "E-B".into(), Outcome::Yes),
            ],
            exhaustive: true,
            source: "t".into(),
            confidence_bp: 10_000,
        };
        let mut r = GroupResolver::new(vec![spec]);
        assert!(r.on_market(Venue::Kalshi, "E-A", MarketId(4)).is_empty());
        let ready = r.on_market(Venue::Kalshi, "E-B", MarketId(7));
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].members[1].market, MarketId(7));
        assert!(r.unresolved().is_empty());
    }
}
