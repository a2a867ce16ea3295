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
