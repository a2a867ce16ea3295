//! Candidate pairs by text similarity: normalised tokens (words, team and date entities),
//! an inverted index on the rarest tokens so that only listings sharing one are scored,
//! IDF-weighted Jaccard similarity, and the top k per Kalshi listing above a floor.

use super::listings::Listing;
use super::{teams, text};
use std::collections::{BTreeMap, BTreeSet};

const STOP: &[&str] = &[
    "the", "a", "an", "of", "in", "on", "at", "by", "for", "to", "be", "will", "who", "what",
    "which", "vs", "is", "are", "and", "or", "does", "do", "if", "this", "market", "before",
    "after",
];

/// The normalised token set of a listing: words of title and context, less stop words and
/// team-name words (replaced by `team:` entities), plus `date:` entities from text and ids.
pub fn tokens(l: &Listing) -> BTreeSet<String> {
    let naming = format!("{} {} {} {}", l.title, l.context, l.id, l.event_id);
    let league = teams::league(&naming);
    let ws = text::words(&format!("{} {}", l.title, l.context));
    let codes: Vec<String> = ws
        .iter()
        .chain(&text::words(&l.event_id))
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let mut out: BTreeSet<String> = ws
        .iter()
        .filter(|w| !STOP.contains(&w.as_str()) && !teams::is_team_word(league, w) && w.len() > 1)
        .cloned()
        .collect();
    for t in teams::teams_in(league, &ws.join(" "), &codes) {
        out.insert(format!("team:{t}"));
    }
    for d in text::dates(&naming) {
        out.insert(format!("date:{:02}-{:02}", d.month, d.day));
    }
    out
}

/// A scored candidate: indexes into the Kalshi and Polymarket listings.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub kalshi: usize,
    pub polymarket: usize,
    pub score: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Pairs actually scored (after blocking) and the full cross product.
    pub scored: usize,
    pub cross: usize,
}

pub struct Options {
    pub top: usize,
    pub min_score: f64,
    /// How many of a Kalshi listing's rarest tokens open the index.
    pub probe_tokens: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            top: 3,
            min_score: 0.15,
            probe_tokens: 4,
        }
    }
}

pub fn candidates(kalshi: &[Listing], poly: &[Listing], o: &Options) -> (Vec<Candidate>, Stats) {
    let kt: Vec<BTreeSet<String>> = kalshi.iter().map(tokens).collect();
    let pt: Vec<BTreeSet<String>> = poly.iter().map(tokens).collect();
    let mut df: BTreeMap<&str, usize> = BTreeMap::new();
    for t in kt.iter().chain(&pt).flatten() {
        *df.entry(t).or_default() += 1;
    }
    // Token ids in the tokens' own (string) order, so that sorted id lists walk the
    // tokens as the sets do: sums add the same weights in the same order.
    let id: std::collections::HashMap<&str, u32> =
        df.keys().enumerate().map(|(i, t)| (*t, i as u32)).collect();
    let n = (kt.len() + pt.len()) as f64;
    let weight: Vec<f64> = df.values().map(|&d| (1.0 + n / d as f64).ln()).collect();
    let ids = |set: &BTreeSet<String>| -> Vec<u32> { set.iter().map(|t| id[t.as_str()]).collect() };
    let kid: Vec<Vec<u32>> = kt.iter().map(ids).collect();
    let pid: Vec<Vec<u32>> = pt.iter().map(ids).collect();
    let mut index: Vec<Vec<u32>> = vec![Vec::new(); weight.len()];
    for (j, ts) in pid.iter().enumerate() {
        for &t in ts {
            index[t as usize].push(j as u32);
        }
    }
    let mut stats = Stats {
        scored: 0,
        cross: kt.len() * pt.len(),
    };
    let mut out = Vec::new();
    // Which Polymarket listings the current Kalshi listing's pool holds (by stamp).
    let mut stamp = vec![u32::MAX; pid.len()];
    let mut pool: Vec<u32> = Vec::new();
    for (i, ks) in kid.iter().enumerate() {
        let mut probe: Vec<(usize, u32)> = ks
            .iter()
            .map(|&t| (index[t as usize].len(), t))
            .filter(|&(len, _)| len > 0)
            .collect();
        probe.sort_unstable();
        pool.clear();
        for &(_, t) in probe.iter().take(o.probe_tokens) {
            for &j in &index[t as usize] {
                if stamp[j as usize] != i as u32 {
                    stamp[j as usize] = i as u32;
                    pool.push(j);
                }
            }
        }
        stats.scored += pool.len();
        let mut scored: Vec<Candidate> = pool
            .iter()
            .map(|&j| {
                let (inter, union) = overlap(ks, &pid[j as usize], &weight);
                Candidate {
                    kalshi: i,
                    polymarket: j as usize,
                    score: if union > 0.0 { inter / union } else { 0.0 },
                }
            })
            .filter(|c| c.score >= o.min_score)
            .collect();
        scored.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.polymarket.cmp(&b.polymarket))
        });
        scored.truncate(o.top);
        out.extend(scored);
    }
    (out, stats)
}

/// The weighted intersection and union of two sorted token id lists, each summed in
/// token order.
fn overlap(a: &[u32], b: &[u32], weight: &[f64]) -> (f64, f64) {
    let (mut i, mut j) = (0, 0);
    let (mut inter, mut union) = (0.0, 0.0);
    while i < a.len() || j < b.len() {
        let t = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                i += 1;
                j += 1;
                inter += weight[x as usize];
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(_), Some(&y)) | (None, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => break,
        };
        union += weight[t as usize];
    }
    (inter, union)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scoring as first written: token sets, a string-keyed index, set
    /// intersection and union. The fast path must give exactly its answers.
    fn reference(kalshi: &[Listing], poly: &[Listing], o: &Options) -> (Vec<Candidate>, Stats) {
        let kt: Vec<BTreeSet<String>> = kalshi.iter().map(tokens).collect();
        let pt: Vec<BTreeSet<String>> = poly.iter().map(tokens).collect();
        let mut df: BTreeMap<&str, usize> = BTreeMap::new();
        for t in kt.iter().chain(&pt).flatten() {
            *df.entry(t).or_default() += 1;
        }
        let n = (kt.len() + pt.len()) as f64;
        let weight = |t: &str| (1.0 + n / *df.get(t).unwrap_or(&1) as f64).ln();
        let mut index: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (j, ts) in pt.iter().enumerate() {
            for t in ts {
                index.entry(t).or_default().push(j);
            }
        }
        let mut stats = Stats {
            scored: 0,
            cross: kt.len() * pt.len(),
        };
        let mut out = Vec::new();
        for (i, ks) in kt.iter().enumerate() {
            let mut probe: Vec<(&str, usize)> = ks
                .iter()
                .filter_map(|t| index.get(t.as_str()).map(|p| (t.as_str(), p.len())))
                .collect();
            probe.sort_by_key(|&(t, len)| (len, t));
            let mut pool: BTreeSet<usize> = BTreeSet::new();
            for (t, _) in probe.iter().take(o.probe_tokens) {
                pool.extend(&index[t]);
            }
            stats.scored += pool.len();
            let mut scored: Vec<Candidate> = pool
                .into_iter()
                .map(|j| {
                    let inter: f64 = ks.intersection(&pt[j]).map(|t| weight(t)).sum();
                    let union: f64 = ks.union(&pt[j]).map(|t| weight(t)).sum();
                    Candidate {
                        kalshi: i,
                        polymarket: j,
                        score: if union > 0.0 { inter / union } else { 0.0 },
                    }
                })
                .filter(|c| c.score >= o.min_score)
                .collect();
            scored.sort_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(a.polymarket.cmp(&b.polymarket))
            });
            scored.truncate(o.top);
            out.extend(scored);
        }
        (out, stats)
    }

    #[test]
    fn the_indexed_scoring_gives_the_reference_answers_on_real_listings() {
        let path = |f: &str| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/fixtures/pairs")
                .join(f)
        };
        let k = super::super::listings::load_kalshi(&path("steffenmax_kalshi_nba_events.json"))
            .unwrap();
        let p = super::super::listings::load_polymarket(&path("steffenmax_poly_nba_events.json"))
            .unwrap();
        for o in [
            Options::default(),
            Options {
                top: 10,
                min_score: 0.0,
                probe_tokens: 2,
            },
            Options {
                top: 1,
                min_score: 0.3,
                probe_tokens: 100,
            },
        ] {
            let (fast, fast_stats) = candidates(&k, &p, &o);
            let (slow, slow_stats) = reference(&k, &p, &o);
            assert!(!slow.is_empty());
            assert_eq!(fast, slow);
            assert_eq!(fast_stats, slow_stats);
            // Both directions, too: the Polymarket side as the probe.
            let (fast, _) = candidates(&p, &k, &o);
            assert_eq!(fast, reference(&p, &k, &o).0);
        }
    }
}
