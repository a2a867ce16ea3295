//! Reading the mapping file for `arb live` (with what the journal records about it)
//! and turning a changed file into reducer events: `PairDefined` for pairs not defined
//! before, `PairConfidence` for defined pairs whose confidence changed (0 for pairs the
//! file no longer holds, so they stop trading).

use super::{MappingError, PairResolver, PairSpec};
use crate::core::{Outcome, Venue};
use crate::event::{Event, MappingInfo, PairRule};
use std::collections::BTreeMap;
use std::path::Path;

/// A mapping file as read: its pairs and the facts `MappingLoaded` journals.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub info: MappingInfo,
    pub specs: Vec<PairSpec>,
}

/// Reads and parses a mapping file; the error names the file and the problem.
pub fn read(path: &Path) -> Result<Loaded, MappingError> {
    let bytes = std::fs::read(path).map_err(|source| MappingError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_bytes(&bytes, &path.display().to_string())
}

/// Parses a mapping file's bytes (`origin` names it in errors and in the info).
pub fn parse_bytes(bytes: &[u8], origin: &str) -> Result<Loaded, MappingError> {
    let text = std::str::from_utf8(bytes).map_err(|e| MappingError::Invalid {
        path: origin.to_string(),
        message: format!("not UTF-8: {e}"),
    })?;
    let specs = super::parse(text, origin)?;
    let version = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("version").and_then(toml::Value::as_integer))
        .unwrap_or(0) as u32;
    Ok(Loaded {
        info: MappingInfo {
            source: origin.to_string(),
            version,
            digest: digest(bytes),
            pairs: specs.len() as u32,
        },
        specs,
    })
}

/// xxh3-64 of a mapping file's bytes.
pub fn digest(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

type Key = (String, String, Outcome);

fn key(p: &PairSpec) -> Key {
    (p.kalshi.clone(), p.polymarket.clone(), p.outcome)
}

impl PairResolver {
    /// A resolver for a continued journal: the markets it already defines are known,
    /// the pairs it already holds are defined (with the confidence the reducer holds),
    /// and `specs` (the mapping now) is applied as a reload, weighed against the
    /// resolution texts `listed` now. Returns the resolver and the events that bring the
    /// reducer's pairs in line with the mapping now: new pairs among known markets,
    /// changed or dropped confidences.
    pub fn resume(
        specs: Vec<PairSpec>,
        known: &[crate::event::MarketMeta],
        held: &[PairRule],
        listed: super::drift::ListedRules,
    ) -> (PairResolver, Vec<Event>) {
        let mut r = PairResolver::default();
        // Before the reload: a pair dropped for its text must not be raised for a moment.
        r.listed_rules.extend(listed);
        for m in known {
            r.known.insert((m.venue, m.venue_id.clone()), m.id);
        }
        let venue_id = |id: crate::core::MarketId, venue: Venue| {
            known
                .get(id.index())
                .filter(|m| m.id == id && m.venue == venue)
                .map(|m| m.venue_id.clone())
        };
        for p in held {
            if let (Some(k), Some(pm)) = (
                venue_id(p.a, Venue::Kalshi),
                venue_id(p.b, Venue::Polymarket),
            ) {
                r.defined
                    .insert((k, pm, p.b_outcome_for_a_yes), p.confidence_bp);
            }
        }
        let events = r.reload(specs);
        (r, events)
    }

    /// The mapping changed to `specs`: returns the events that bring the reducer's pairs
    /// in line, in a deterministic order (confidence changes by key, then new pairs in
    /// file order). Pairs whose markets are not known yet wait, as at start.
    pub fn reload(&mut self, specs: Vec<PairSpec>) -> Vec<Event> {
        let mut wanted: BTreeMap<Key, u16> = BTreeMap::new();
        for p in &specs {
            wanted.insert(key(p), self.confidence(p));
        }
        self.mapping = specs.clone();
        let mut out = Vec::new();
        let defined: Vec<(Key, u16)> = self.defined.iter().map(|(k, c)| (k.clone(), *c)).collect();
        for (k, held) in defined {
            let now = wanted.get(&k).copied().unwrap_or(0);
            if now == held {
                continue;
            }
            let a = self.known.get(&(Venue::Kalshi, k.0.clone())).copied();
            let b = self.known.get(&(Venue::Polymarket, k.1.clone())).copied();
            if let (Some(a), Some(b)) = (a, b) {
                out.push(Event::PairConfidence(PairRule {
                    a,
                    b,
                    b_outcome_for_a_yes: k.2,
                    confidence_bp: now,
                }));
                self.defined.insert(k, now);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        let waiting = specs
            .into_iter()
            .filter(|p| !self.defined.contains_key(&key(p)) && seen.insert(key(p)))
            .collect();
        self.set_pending(waiting);
        // Release what is complete now: the same path a market definition takes.
        let known: Vec<((Venue, String), crate::core::MarketId)> =
            self.known.iter().map(|(k, id)| (k.clone(), *id)).collect();
        self.known.clear();
        for ((venue, venue_id), id) in known {
            out.extend(
                self.on_market(venue, &venue_id, id)
                    .into_iter()
                    .map(Event::PairDefined),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::MarketId;

    fn meta(id: u32, venue: Venue, venue_id: &str) -> crate::event::MarketMeta {
        crate::event::MarketMeta {
            id: MarketId(id),
            venue,
            venue_id: venue_id.into(),
            title: String::new(),
            event_id: String::new(),
            series_id: String::new(),
            close_ts: None,
            no_leg: crate::event::NoLeg::Unknown,
            fees: crate::event::FeeModel::Free,
            tick: crate::core::Price(100),
        }
    }

    /// A restart rebuilds the resolver from the journal: held pairs are not defined
    /// again, a pair the mapping now adds among known markets is, a changed confidence
    /// is journaled as such, and a pair whose market is not known yet waits.
    #[test]
    fn a_resumed_resolver_brings_the_held_pairs_in_line_with_the_mapping_now() {
        let known = [
            meta(0, Venue::Kalshi, "K1"),
            meta(1, Venue::Polymarket, "P1"),
            meta(2, Venue::Kalshi, "K2"),
            meta(3, Venue::Polymarket, "P2"),
            meta(4, Venue::Kalshi, "K3"),
            meta(5, Venue::Polymarket, "P3"),
        ];
        let held = [
            PairRule {
                a: MarketId(0),
                b: MarketId(1),
                b_outcome_for_a_yes: Outcome::Yes,
                confidence_bp: 9_500,
            },
            PairRule {
                a: MarketId(4),
                b: MarketId(5),
                b_outcome_for_a_yes: Outcome::Yes,
                confidence_bp: 9_500,
            },
        ];
        let now = parse_bytes(
            file(&[("K1", "P1", 0.95), ("K2", "P2", 0.97), ("K9", "P1", 0.99)]).as_bytes(),
            "m",
        )
        .unwrap();
        let (mut r, events) = PairResolver::resume(now.specs, &known, &held, Vec::new());
        assert_eq!(
            events,
            [
                Event::PairConfidence(PairRule {
                    a: MarketId(4),
                    b: MarketId(5),
                    b_outcome_for_a_yes: Outcome::Yes,
                    confidence_bp: 0,
                }),
                Event::PairDefined(PairRule {
                    a: MarketId(2),
                    b: MarketId(3),
                    b_outcome_for_a_yes: Outcome::Yes,
                    confidence_bp: 9_700,
                }),
            ],
            "K1/P1 held as it is; K3/P3 dropped by the mapping; K2/P2 new"
        );
        let late = r.on_market(Venue::Kalshi, "K9", MarketId(6));
        assert_eq!(late.len(), 1, "K9 waited for its market: {late:?}");
    }

    fn file(pairs: &[(&str, &str, f64)]) -> String {
        let mut s = String::from("version = 1\n");
        for (k, p, c) in pairs {
            s += &format!(
                "[[pair]]\nkalshi = \"{k}\"\npolymarket = \"{p}\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = {c}\n"
            );
        }
        s
    }

    fn rule(a: u32, b: u32, confidence_bp: u16) -> PairRule {
        PairRule {
            a: MarketId(a),
            b: MarketId(b),
            b_outcome_for_a_yes: Outcome::Yes,
            confidence_bp,
        }
    }

    #[test]
    fn a_reload_adds_new_pairs_and_lowers_changed_and_dropped_ones() {
        let first = parse_bytes(
            file(&[("K1", "P1", 0.95), ("K2", "P2", 0.97)]).as_bytes(),
            "m.toml",
        )
        .unwrap();
        assert_eq!(first.info.pairs, 2);
        assert_eq!(first.info.version, 1);
        let mut r = PairResolver::new(first.specs);
        let mut defined = Vec::new();
        for (v, id, n) in [
            (Venue::Kalshi, "K1", 0),
            (Venue::Polymarket, "P1", 1),
            (Venue::Kalshi, "K2", 2),
            (Venue::Polymarket, "P2", 3),
            (Venue::Kalshi, "K3", 4),
            (Venue::Polymarket, "P3", 5),
        ] {
            defined.extend(r.on_market(v, id, MarketId(n)));
        }
        assert_eq!(defined, vec![rule(0, 1, 9500), rule(2, 3, 9700)]);

        let bytes = file(&[("K2", "P2", 0.5), ("K3", "P3", 0.9), ("K9", "P9", 0.9)]);
        let second = parse_bytes(bytes.as_bytes(), "m.toml").unwrap();
        assert_ne!(second.info.digest, first.info.digest);
        let events = r.reload(second.specs);
        assert_eq!(
            events,
            vec![
                Event::PairConfidence(rule(0, 1, 0)),
                Event::PairConfidence(rule(2, 3, 5000)),
                Event::PairDefined(rule(4, 5, 9000)),
            ]
        );
        assert_eq!(r.unresolved().len(), 1, "K9/P9 waits for its markets");
        // The same file again changes nothing; restoring K1 raises it back.
        assert!(
            r.reload(parse_bytes(bytes.as_bytes(), "m").unwrap().specs)
                .is_empty()
        );
        let back = file(&[("K1", "P1", 0.95), ("K2", "P2", 0.5), ("K3", "P3", 0.9)]);
        assert_eq!(
            r.reload(parse_bytes(back.as_bytes(), "m").unwrap().specs),
            vec![Event::PairConfidence(rule(0, 1, 9500))]
        );
    }

    /// A version 2 file of one pair K1/P1 verified against these texts.
    fn verified(kalshi_rules: &str, polymarket_description: &str) -> Vec<PairSpec> {
        let text = format!(
            "version = 2\n[[pair]]\nkalshi = \"K1\"\npolymarket = \"P1\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 0.95\nverdict = \"same\"\nreason = \"r\"\nconfirmed_by = \"rules\"\nkalshi_title = \"k\"\npolymarket_title = \"p\"\nkalshi_rules = {kalshi_rules:?}\npolymarket_description = {polymarket_description:?}\n"
        );
        parse_bytes(text.as_bytes(), "m").unwrap().specs
    }

    fn listed(kalshi: &str, polymarket: &str) -> super::super::drift::ListedRules {
        use super::super::drift::digest;
        vec![
            ((Venue::Kalshi, "K1".into()), digest(kalshi).unwrap()),
            (
                (Venue::Polymarket, "P1".into()),
                digest(polymarket).unwrap(),
            ),
        ]
    }

    /// A venue's new resolution text lowers the pair to 0; a reload of the same file
    /// keeps it there; a file verified against the new text trades it again; a start
    /// on a listing that already changed defines it at 0.
    #[test]
    fn a_changed_resolution_text_stops_the_pair_until_it_is_verified_again() {
        let mut r = PairResolver::new(verified("K rules.", "P rules."));
        assert!(
            r.on_listed_rules(listed("K rules.", "P  rules.\n"))
                .is_empty()
        );
        r.on_market(Venue::Kalshi, "K1", MarketId(0));
        assert_eq!(
            r.on_market(Venue::Polymarket, "P1", MarketId(1)),
            vec![rule(0, 1, 9_500)],
            "the listed texts are the verified ones (wrapping aside)"
        );
        assert_eq!(
            r.on_listed_rules(listed("K rules.", "P rules, amended.")),
            vec![Event::PairConfidence(rule(0, 1, 0))]
        );
        assert_eq!(
            r.drift(&verified("K rules.", "P rules.")[0]),
            Some(super::super::drift::Drift::Polymarket)
        );
        assert!(
            r.reload(verified("K rules.", "P rules.")).is_empty(),
            "still 0"
        );
        assert!(
            r.on_listed_rules(listed("K rules.", "P rules, amended."))
                .is_empty(),
            "told once"
        );
        assert_eq!(
            r.reload(verified("K rules.", "P rules, amended.")),
            vec![Event::PairConfidence(rule(0, 1, 9_500))],
            "verified against the new text"
        );

        // A restart while the text is still the new one: not raised, even for a moment.
        let known = [
            meta(0, Venue::Kalshi, "K1"),
            meta(1, Venue::Polymarket, "P1"),
        ];
        let (_, events) = PairResolver::resume(
            verified("K rules.", "P rules."),
            &known,
            &[rule(0, 1, 0)],
            listed("K rules.", "P rules, amended."),
        );
        assert_eq!(events, []);

        let mut fresh = PairResolver::new(verified("K rules.", "P rules."));
        fresh.on_listed_rules(listed("K rules, amended.", "P rules."));
        fresh.on_market(Venue::Kalshi, "K1", MarketId(0));
        assert_eq!(
            fresh.on_market(Venue::Polymarket, "P1", MarketId(1)),
            vec![rule(0, 1, 0)]
        );
        // A version 1 pair records no text: nothing to compare, it trades.
        let mut v1 = PairResolver::new(
            parse_bytes(file(&[("K1", "P1", 0.95)]).as_bytes(), "m")
                .unwrap()
                .specs,
        );
        v1.on_listed_rules(listed("K other.", "P other."));
        v1.on_market(Venue::Kalshi, "K1", MarketId(0));
        assert_eq!(
            v1.on_market(Venue::Polymarket, "P1", MarketId(1)),
            vec![rule(0, 1, 9_500)]
        );
    }

    #[test]
    fn a_bad_file_names_itself_and_the_problem() {
        let e = parse_bytes(b"version = 1\n[[pair]]\nkalshi = 3\n", "live/pairs.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("live/pairs.toml") && e.contains("kalshi"), "{e}");
        let e = read(Path::new("/nonexistent/pairs.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/pairs.toml"), "{e}");
    }
}
