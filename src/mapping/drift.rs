//! Rules-text drift: a pair is verified against each venue's resolution text (kept in
//! the version 2 mapping file), and once a venue lists another text for one of its
//! markets the pair is not traded (confidence 0) until a mapping file verified against
//! the new text says so. Compared on the listing at start, at every refresh and at
//! every mapping reload, so a drop outlives reloads and restarts by construction.

use crate::core::Venue;

/// A resolution text as compared: whitespace runs collapsed to one space, ends trimmed
/// (a venue re-wrapping its text is not a change of meaning).
pub fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The digest a text is compared by; `None` for a text with nothing in it (nothing was
/// verified, so nothing can drift).
pub fn digest(text: &str) -> Option<u64> {
    let n = normalized(text);
    (!n.is_empty()).then(|| xxhash_rust::xxh3::xxh3_64(n.as_bytes()))
}

/// A Kalshi market's resolution text as the mapping tools read it: `rules_primary`,
/// then `rules_secondary`, joined by " | " (either may be empty).
pub fn kalshi_rules(primary: &str, secondary: &str) -> String {
    [primary.trim(), secondary.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A listed market's resolution text, by venue id, as a digest.
pub type ListedRules = Vec<((Venue, String), u64)>;

/// Which side of a pair no longer lists the text it was verified against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drift {
    Kalshi,
    Polymarket,
    Both,
}

impl Drift {
    /// From each side's "changed" flag; `None` when neither changed.
    pub fn of(kalshi: bool, polymarket: bool) -> Option<Drift> {
        match (kalshi, polymarket) {
            (true, true) => Some(Drift::Both),
            (true, false) => Some(Drift::Kalshi),
            (false, true) => Some(Drift::Polymarket),
            (false, false) => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Drift::Kalshi => "kalshi",
            Drift::Polymarket => "polymarket",
            Drift::Both => "kalshi and polymarket",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_is_not_a_change_but_a_word_is() {
        let a = digest("If the Fed cuts rates\n  by March 2026,\tresolves Yes. ");
        assert_eq!(
            a,
            digest("If the Fed cuts rates by March 2026, resolves Yes.")
        );
        assert_ne!(
            a,
            digest("If the Fed cuts rates by April 2026, resolves Yes.")
        );
        assert_eq!(digest(" \n "), None);
    }

    #[test]
    fn kalshi_rules_join_as_the_candidates_listing_does() {
        assert_eq!(kalshi_rules(" A. ", "B."), "A. | B.");
        assert_eq!(kalshi_rules("A.", ""), "A.");
        assert_eq!(kalshi_rules("", "B."), "B.");
    }
}
