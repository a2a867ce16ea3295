//! The cross-venue mapping file (version 1): which Kalshi ticker and Polymarket token
//! ask the same question, which outcome of one equals which of the other, and how sure
//! we are. Pairs become journaled `PairDefined` events once both markets are known.

use crate::core::{MarketId, Outcome, Venue};
use crate::event::PairRule;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("cannot read mapping {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("mapping {path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    version: u32,
    #[serde(default, rename = "pair")]
    pairs: Vec<PairEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairEntry {
    kalshi: String,
    polymarket: String,
    /// "yes" when Kalshi YES pays exactly when this Polymarket token pays; "no" when
    /// it pays exactly when the token does not.
    polymarket_outcome_for_kalshi_yes: String,
    confidence: f64,
}

/// A pair by venue ids, waiting for both markets to be defined.
#[derive(Clone, Debug, PartialEq)]
pub struct PairSpec {
    pub kalshi: String,
    pub polymarket: String,
    pub outcome: Outcome,
    pub confidence_bp: u16,
}

pub fn load(path: &Path) -> Result<Vec<PairSpec>, MappingError> {
    let text = std::fs::read_to_string(path).map_err(|source| MappingError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

pub fn parse(text: &str, origin: &str) -> Result<Vec<PairSpec>, MappingError> {
    let invalid = |message: String| MappingError::Invalid {
        path: origin.to_string(),
        message,
    };
    let file: MappingFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if file.version != 1 {
        return Err(invalid(format!(
            "version {} is not supported (this build reads version 1)",
            file.version
        )));
    }
    file.pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let outcome = match p.polymarket_outcome_for_kalshi_yes.as_str() {
                "yes" => Outcome::Yes,
                "no" => Outcome::No,
                other => return Err(invalid(format!("pair[{i}].polymarket_outcome_for_kalshi_yes: {other:?} is not \"yes\" or \"no\""))),
            };
            if !(0.0..=1.0).contains(&p.confidence) {
                return Err(invalid(format!("pair[{i}].confidence: {} is not between 0 and 1", p.confidence)));
            }
            Ok(PairSpec { kalshi: p.kalshi.clone(), polymarket: p.polymarket.clone(), outcome, confidence_bp: (p.confidence * 10_000.0).round() as u16 })
        })
        .collect()
}

/// Tracks market definitions and releases each pair once both of its markets exist.
#[derive(Debug, Default)]
pub struct PairResolver {
    pending: Vec<PairSpec>,
    known: BTreeMap<(Venue, String), MarketId>,
}

impl PairResolver {
    pub fn new(specs: Vec<PairSpec>) -> PairResolver {
        PairResolver {
            pending: specs,
            known: BTreeMap::new(),
        }
    }

    /// Notes a market definition; returns pairs that became complete.
    pub fn on_market(&mut self, venue: Venue, venue_id: &str, id: MarketId) -> Vec<PairRule> {
        if self
            .known
            .insert((venue, venue_id.to_string()), id)
            .is_some()
        {
            return Vec::new();
        }
        let mut ready = Vec::new();
        self.pending.retain(|p| {
            let k = self.known.get(&(Venue::Kalshi, p.kalshi.clone()));
            let m = self.known.get(&(Venue::Polymarket, p.polymarket.clone()));
            match (k, m) {
                (Some(&a), Some(&b)) => {
                    ready.push(PairRule {
                        a,
                        b,
                        b_outcome_for_a_yes: p.outcome,
                        confidence_bp: p.confidence_bp,
                    });
                    false
                }
                _ => true,
            }
        });
        ready
    }

    /// Pairs whose markets never appeared.
    pub fn unresolved(&self) -> &[PairSpec] {
        &self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_resolve_when_both_markets_are_known() {
        let specs = parse("version = 1\n[[pair]]\nkalshi = \"K1\"\npolymarket = \"P1\"\npolymarket_outcome_for_kalshi_yes = \"no\"\nconfidence = 0.95\n", "m").unwrap();
        let mut r = PairResolver::new(specs);
        assert!(r.on_market(Venue::Polymarket, "P1", MarketId(0)).is_empty());
        let ready = r.on_market(Venue::Kalshi, "K1", MarketId(3));
        assert_eq!(
            ready,
            vec![PairRule {
                a: MarketId(3),
                b: MarketId(0),
                b_outcome_for_a_yes: Outcome::No,
                confidence_bp: 9500
            }]
        );
        assert!(r.unresolved().is_empty());
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = parse("version = 2", "m.toml").unwrap_err().to_string();
        assert!(e.contains("m.toml") && e.contains("version 2"), "{e}");
        let e = parse("version = 1\n[[pair]]\nkalshi = \"K\"\npolymarket = \"P\"\npolymarket_outcome_for_kalshi_yes = \"maybe\"\nconfidence = 0.9\n", "m").unwrap_err().to_string();
        assert!(e.contains("pair[0]") && e.contains("maybe"), "{e}");
        let e = parse("version = 1\n[[pair]]\nkalshi = \"K\"\npolymarket = \"P\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 1.5\n", "m").unwrap_err().to_string();
        assert!(e.contains("confidence"), "{e}");
    }
}
