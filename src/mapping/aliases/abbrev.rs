//! Abbreviations a venue spells out ("Federal Open Market Committee (FOMC)"), learned
//! from listing texts and applied so that both spellings name one thing.

use super::is_acronym;
use crate::mapping::listings::Listing;
use std::collections::{BTreeMap, BTreeSet};

/// `text` with every spelled-out abbreviation replaced by the abbreviation.
pub fn abbreviate(abbreviations: &BTreeMap<String, String>, text: &str) -> String {
    let mut out = text.to_string();
    for (abbr, long) in abbreviations {
        // ASCII case folding keeps byte offsets: `lower` and `out` index alike.
        let lower = out.to_ascii_lowercase();
        let mut from = 0;
        let mut next = String::new();
        while let Some(i) = lower[from..].find(long.as_str()).map(|i| i + from) {
            let end = i + long.len();
            let bounded = |j: Option<char>| j.is_none_or(|c| !c.is_alphanumeric());
            if bounded(lower[..i].chars().next_back()) && bounded(lower[end..].chars().next()) {
                next.push_str(&out[from..i]);
                next.push_str(&abbr.to_uppercase());
            } else {
                next.push_str(&out[from..end]);
            }
            from = end;
        }
        next.push_str(&out[from..]);
        out = next;
    }
    out
}

/// Abbreviations spelled out in the listings' titles, naming context and rules: "Federal
/// Open Market Committee (FOMC)". One spelled out two ways is dropped.
pub(super) fn abbreviations<'a>(ls: impl Iterator<Item = &'a Listing>) -> BTreeMap<String, String> {
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in ls {
        for text in [&l.title, &l.context, &l.rules] {
            for (abbr, long) in spelled_out(text) {
                seen.entry(abbr).or_default().insert(long);
            }
        }
    }
    seen.into_iter()
        .filter(|(_, longs)| longs.len() == 1)
        .filter_map(|(a, longs)| Some((a, longs.into_iter().next()?)))
        .collect()
}

/// "(ABC)" after words whose capitals spell ABC ("of", "the", "and", "for" skipped).
pub fn spelled_out(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let (before, after) = (&rest[..open], &rest[open + 1..]);
        rest = after;
        let Some(abbr) = after.split(')').next().filter(|a| is_acronym(a)) else {
            continue;
        };
        let words: Vec<&str> = before.split_whitespace().collect();
        let mut initials = Vec::new();
        let mut start = words.len();
        for (i, w) in words.iter().enumerate().rev() {
            if initials.len() == abbr.len() {
                break;
            }
            match w.chars().next() {
                Some(c) if c.is_uppercase() => {
                    initials.push(c);
                    start = i;
                }
                _ if ["of", "the", "and", "for", "&"].contains(w) && !initials.is_empty() => {}
                _ => break,
            }
        }
        let spelled: String = initials.iter().rev().collect();
        if spelled == abbr {
            let long = crate::mapping::text::words(&words[start..].join(" ")).join(" ");
            out.push((abbr.to_lowercase(), long));
        }
    }
    out
}
