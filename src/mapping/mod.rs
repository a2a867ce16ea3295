//! The cross-venue mapping file: which Kalshi ticker and Polymarket token ask the same
//! question, which outcome of one equals which of the other, and how sure we are. Pairs
//! become journaled `PairDefined` events once both markets are known.
//!
//! Version 1 holds ids, side and confidence. Version 2 adds per-pair provenance: both
//! titles, resolution texts and close times, the verifier's verdict and reason, and who
//! confirmed it; a version 2 pair whose verdict is not `same` is skipped (never traded).
//! Format: docs/mapping.md. The tools that produce version 2 files (`arb mapping
//! candidates` / `verify`) live in the submodules.

pub mod aliases;
pub mod candidates;
pub mod comove;
pub mod csv;
pub mod drift;
pub mod features;
pub mod groups;
pub mod listings;
pub mod llm;
pub mod negrisk;
pub mod normalize;
pub mod reload;
pub mod strikes;
pub mod teams;
pub mod text;
pub mod tool;
pub mod verify;

use crate::core::{MarketId, Outcome, Venue};
use crate::event::{Event, PairRule};
use serde::{Deserialize, Serialize};
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
    #[allow(dead_code)] // read before, to choose the version
    version: u32,
    #[serde(default, rename = "pair")]
    pairs: Vec<PairEntry>,
}

/// The current version of the mapping file.
pub const VERSION: u32 = 2;

/// Version 2: a version 1 pair plus its provenance.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFileV2 {
    pub version: u32,
    #[serde(default, rename = "pair")]
    pub pairs: Vec<PairV2>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairV2 {
    pub kalshi: String,
    /// The Polymarket token id (as in version 1).
    pub polymarket: String,
    pub polymarket_outcome_for_kalshi_yes: String,
    pub confidence: f64,
    /// `same`, `different` or `uncertain`; only `same` is traded.
    pub verdict: String,
    pub reason: String,
    /// "rules", "rules+llm:MODEL" (the LLM stage was asked), "llm:MODEL" or "person:NAME".
    pub confirmed_by: String,
    pub kalshi_title: String,
    pub polymarket_title: String,
    #[serde(default)]
    pub kalshi_rules: String,
    #[serde(default)]
    pub polymarket_description: String,
    #[serde(default)]
    pub kalshi_close: String,
    #[serde(default)]
    pub polymarket_end: String,
    /// The Polymarket condition (market) id the token belongs to.
    #[serde(default)]
    pub polymarket_condition: String,
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
    /// Digests (`drift::digest`) of the Kalshi and Polymarket resolution texts the
    /// pair was verified against (version 2 files); `None` where none was recorded.
    pub rules: [Option<u64>; 2],
}

/// Markets that more than one tradable pair names (confidence above zero), with how
/// many: one exposure traded against several others, a mapping mistake more often than
/// not. In venue, then venue id order.
pub fn shared_markets(specs: &[PairSpec]) -> Vec<(Venue, String, usize)> {
    let mut count: BTreeMap<(Venue, &str), usize> = BTreeMap::new();
    for p in specs.iter().filter(|p| p.confidence_bp > 0) {
        *count.entry((Venue::Kalshi, &p.kalshi)).or_default() += 1;
        *count.entry((Venue::Polymarket, &p.polymarket)).or_default() += 1;
    }
    count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|((v, id), n)| (v, id.to_string(), n))
        .collect()
}

/// Logs each market more than one pair names (at start and at each reload).
pub fn warn_shared_markets(specs: &[PairSpec], file: &str) {
    for (venue, id, pairs) in shared_markets(specs) {
        tracing::warn!(file, %venue, market = %id, pairs, "mapping: a market in more than one pair");
    }
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
    let version = toml::from_str::<toml::Table>(text)
        .map_err(|e| invalid(e.to_string()))?
        .get("version")
        .and_then(toml::Value::as_integer)
        .ok_or_else(|| invalid("version: missing or not an integer".into()))?;
    let entries: Vec<PairEntry> = match version {
        1 => {
            let file: MappingFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
            file.pairs
        }
        2 => {
            let file: MappingFileV2 = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
            let mut kept = Vec::new();
            for (i, p) in file.pairs.into_iter().enumerate() {
                if !["same", "different", "uncertain"].contains(&p.verdict.as_str()) {
                    return Err(invalid(format!(
                        "pair[{i}].verdict: {:?} is not \"same\", \"different\" or \"uncertain\"",
                        p.verdict
                    )));
                }
                if p.confirmed_by.trim().is_empty() {
                    return Err(invalid(format!(
                        "pair[{i}].confirmed_by: empty (say \"rules\", \"llm:MODEL\" or \"person:NAME\")"
                    )));
                }
                if p.verdict == "same" {
                    kept.push((i, p));
                }
            }
            return kept
                .into_iter()
                .map(|(i, p)| {
                    let mut s = spec(
                        i,
                        &p.kalshi,
                        &p.polymarket,
                        &p.polymarket_outcome_for_kalshi_yes,
                        p.confidence,
                        &invalid,
                    )?;
                    s.rules = [
                        drift::digest(&p.kalshi_rules),
                        drift::digest(&p.polymarket_description),
                    ];
                    Ok(s)
                })
                .collect();
        }
        v => {
            return Err(invalid(format!(
                "version {v} is not supported (this build reads versions 1 and {VERSION})"
            )));
        }
    };
    entries
        .iter()
        .enumerate()
        .map(|(i, p)| {
            spec(
                i,
                &p.kalshi,
                &p.polymarket,
                &p.polymarket_outcome_for_kalshi_yes,
                p.confidence,
                &invalid,
            )
        })
        .collect()
}

fn spec(
    i: usize,
    kalshi: &str,
    polymarket: &str,
    side: &str,
    confidence: f64,
    invalid: &dyn Fn(String) -> MappingError,
) -> Result<PairSpec, MappingError> {
    let outcome = match side {
        "yes" => Outcome::Yes,
        "no" => Outcome::No,
        other => {
            return Err(invalid(format!(
                "pair[{i}].polymarket_outcome_for_kalshi_yes: {other:?} is not \"yes\" or \"no\""
            )));
        }
    };
    if !(0.0..=1.0).contains(&confidence) {
        return Err(invalid(format!(
            "pair[{i}].confidence: {confidence} is not between 0 and 1"
        )));
    }
    Ok(PairSpec {
        kalshi: kalshi.to_string(),
        polymarket: polymarket.to_string(),
        outcome,
        confidence_bp: (confidence * 10_000.0).round() as u16,
        rules: [None, None],
    })
}

/// Tracks market definitions and releases each pair once both of its markets exist.
#[derive(Debug, Default)]
pub struct PairResolver {
    /// Pairs waiting for their markets, in file order (a released one leaves `None`).
    pending: Vec<Option<PairSpec>>,
    /// Which pending pairs each (venue, venue id) is awaited by: a definition looks at
    /// those only, so defining a universe of markets is not markets x pairs.
    waiting: std::collections::HashMap<(Venue, String), Vec<usize>>,
    known: BTreeMap<(Venue, String), MarketId>,
    /// Pairs released as `PairDefined`, by (kalshi, polymarket, outcome), with the
    /// confidence the reducer holds for them.
    defined: BTreeMap<(String, String, Outcome), u16>,
    /// The mapping in use, every pair of it (a listing's rules are checked against it).
    mapping: Vec<PairSpec>,
    /// Each listed market's resolution-text digest, as its venue lists it now.
    listed_rules: std::collections::HashMap<(Venue, String), u64>,
}

impl PairResolver {
    pub fn new(specs: Vec<PairSpec>) -> PairResolver {
        let mut r = PairResolver {
            mapping: specs.clone(),
            ..PairResolver::default()
        };
        r.set_pending(specs);
        r
    }

    /// The confidence a pair is traded with: its own, or 0 while a venue lists a
    /// resolution text other than the one it was verified against.
    fn confidence(&self, p: &PairSpec) -> u16 {
        if self.drift(p).is_some() {
            0
        } else {
            p.confidence_bp
        }
    }

    /// Which side of `p` lists a text other than the one it was verified against.
    pub fn drift(&self, p: &PairSpec) -> Option<drift::Drift> {
        let changed = |venue: Venue, id: &str, verified: Option<u64>| {
            verified.is_some_and(|v| {
                self.listed_rules
                    .get(&(venue, id.to_string()))
                    .is_some_and(|listed| *listed != v)
            })
        };
        drift::Drift::of(
            changed(Venue::Kalshi, &p.kalshi, p.rules[0]),
            changed(Venue::Polymarket, &p.polymarket, p.rules[1]),
        )
    }

    /// The venues' listings now say `listed` (a market absent keeps the text last
    /// listed): returns the events that bring the pairs in line, lowering each pair a
    /// venue's text no longer matches to 0 and restoring one whose text matches again.
    /// Each change is logged with the pair and the side.
    pub fn on_listed_rules(&mut self, listed: drift::ListedRules) -> Vec<Event> {
        let before: Vec<Option<drift::Drift>> =
            self.mapping.iter().map(|p| self.drift(p)).collect();
        self.listed_rules.extend(listed);
        for (p, was) in self.mapping.iter().zip(before) {
            let now = self.drift(p);
            if now == was || p.confidence_bp == 0 {
                continue;
            }
            match now {
                Some(d) => tracing::error!(
                    kalshi = %p.kalshi, polymarket = %p.polymarket, changed = d.name(),
                    "mapping: a venue lists a resolution text other than the one this pair was verified against: not traded until a mapping verified against the new text"
                ),
                None => tracing::warn!(
                    kalshi = %p.kalshi, polymarket = %p.polymarket,
                    "mapping: the resolution texts match the verified ones again: the pair trades"
                ),
            }
        }
        self.reload(self.mapping.clone())
    }

    /// Replaces the pairs waiting for their markets.
    fn set_pending(&mut self, specs: Vec<PairSpec>) {
        self.waiting.clear();
        for (i, p) in specs.iter().enumerate() {
            for key in [
                (Venue::Kalshi, p.kalshi.clone()),
                (Venue::Polymarket, p.polymarket.clone()),
            ] {
                self.waiting.entry(key).or_default().push(i);
            }
        }
        self.pending = specs.into_iter().map(Some).collect();
    }

    /// Notes a market definition; returns pairs that became complete (in file order).
    pub fn on_market(&mut self, venue: Venue, venue_id: &str, id: MarketId) -> Vec<PairRule> {
        let key = (venue, venue_id.to_string());
        if self.known.insert(key.clone(), id).is_some() {
            return Vec::new();
        }
        let Some(slots) = self.waiting.remove(&key) else {
            return Vec::new();
        };
        let mut ready = Vec::new();
        for i in slots {
            let Some(p) = self.pending.get(i).and_then(Option::as_ref) else {
                continue;
            };
            let k = self.known.get(&(Venue::Kalshi, p.kalshi.clone()));
            let m = self.known.get(&(Venue::Polymarket, p.polymarket.clone()));
            if let (Some(&a), Some(&b)) = (k, m) {
                let confidence_bp = self.confidence(p);
                let key = (p.kalshi.clone(), p.polymarket.clone(), p.outcome);
                ready.push(PairRule {
                    a,
                    b,
                    b_outcome_for_a_yes: p.outcome,
                    confidence_bp,
                });
                self.defined.insert(key, confidence_bp);
                self.pending[i] = None;
            }
        }
        ready
    }

    /// Pairs whose markets never appeared.
    pub fn unresolved(&self) -> Vec<&PairSpec> {
        self.pending.iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_market_in_two_pairs_is_named_once_with_its_count() {
        let specs = parse("version = 1\n[[pair]]\nkalshi = \"K1\"\npolymarket = \"P1\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 0.95\n[[pair]]\nkalshi = \"K1\"\npolymarket = \"P2\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 0.9\n[[pair]]\nkalshi = \"K2\"\npolymarket = \"P2\"\npolymarket_outcome_for_kalshi_yes = \"no\"\nconfidence = 0\n", "m").unwrap();
        // K2/P2 is switched off (confidence 0): P2 is in one tradable pair only.
        assert_eq!(
            shared_markets(&specs),
            vec![(Venue::Kalshi, "K1".to_string(), 2)]
        );
        assert!(shared_markets(&specs[..1]).is_empty());
    }

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
        let e = parse("version = 3", "m.toml").unwrap_err().to_string();
        assert!(e.contains("m.toml") && e.contains("version 3"), "{e}");
        let e = parse("version = 1\n[[pair]]\nkalshi = \"K\"\npolymarket = \"P\"\npolymarket_outcome_for_kalshi_yes = \"maybe\"\nconfidence = 0.9\n", "m").unwrap_err().to_string();
        assert!(e.contains("pair[0]") && e.contains("maybe"), "{e}");
        let e = parse("version = 1\n[[pair]]\nkalshi = \"K\"\npolymarket = \"P\"\npolymarket_outcome_for_kalshi_yes = \"yes\"\nconfidence = 1.5\n", "m").unwrap_err().to_string();
        assert!(e.contains("confidence"), "{e}");
    }

    const V2: &str = r#"
version = 2
[[pair]]
kalshi = "KXNBAGAME-26JAN09MILLAL-MIL"
polymarket = "T-MIL"
polymarket_outcome_for_kalshi_yes = "yes"
confidence = 0.97
verdict = "same"
reason = "same predicate (win)"
confirmed_by = "rules"
kalshi_title = "Milwaukee at Los Angeles L"
polymarket_title = "Bucks vs. Lakers"
polymarket_end = "2026-01-10T03:30:00Z"
[[pair]]
kalshi = "KXNBAGAME-26JAN09MILLAL-MIL"
polymarket = "T-SPREAD"
polymarket_outcome_for_kalshi_yes = "yes"
confidence = 0.0
verdict = "different"
reason = "predicate: kalshi asks 'win', polymarket asks 'spread'"
confirmed_by = "rules"
kalshi_title = "Milwaukee at Los Angeles L"
polymarket_title = "Spread: Lakers (-3.5)"
[[pair]]
kalshi = "KX-2"
polymarket = "T-2"
polymarket_outcome_for_kalshi_yes = "no"
confidence = 0.95
verdict = "uncertain"
reason = "threshold on one side only"
confirmed_by = "person:ana"
kalshi_title = "a"
polymarket_title = "b"
"#;

    #[test]
    fn version_2_trades_only_pairs_verified_same() {
        let specs = parse(V2, "v2.toml").unwrap();
        assert_eq!(
            specs,
            vec![PairSpec {
                kalshi: "KXNBAGAME-26JAN09MILLAL-MIL".into(),
                polymarket: "T-MIL".into(),
                outcome: Outcome::Yes,
                confidence_bp: 9700,
                rules: [None, None],
            }],
            "the different and the uncertain pair are skipped, whatever their confidence"
        );
    }

    #[test]
    fn version_2_requires_a_known_verdict_and_who_confirmed_it() {
        let e = parse(&V2.replace("\"different\"", "\"maybe\""), "v2.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("v2.toml") && e.contains("pair[1].verdict"),
            "{e}"
        );
        let e = parse(&V2.replace("\"person:ana\"", "\" \""), "v2.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("pair[2].confirmed_by"), "{e}");
        let e = parse(&V2.replace("polymarket_title = \"b\"\n", ""), "v2.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("polymarket_title"), "{e}");
        let e = parse(&V2.replace("0.97", "1.2"), "v2.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("pair[0].confidence"), "{e}");
    }
}
