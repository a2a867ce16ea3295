//! The verifier's rules on how a question is worded rather than what it names: a title
//! cut short by an ellipsis (its cut word completed from the side's own texts, else the
//! other title), ordinals (round 1 vs round 2; a half or quarter against the whole game),
//! the prize (championship vs conference) and a women's competition on one side only.

use super::{Side, Tally};
use crate::mapping::features::Features;
use crate::mapping::normalize::{self, PARTS, strip_possessives};
use std::collections::{BTreeMap, BTreeSet};

/// How a side's title was cut: `open` is a cut word nothing completed ("Bost").
#[derive(Clone, Debug, Default)]
pub(super) struct CutTitle {
    pub open: Option<String>,
}

/// Words of `text` that begin with `frag` (case-insensitive, same capitalisation of the
/// first letter), as written.
fn completions(text: &str, frag: &str) -> BTreeSet<String> {
    let lf = frag.to_lowercase();
    let upper = frag.chars().next().is_some_and(char::is_uppercase);
    strip_possessives(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.to_lowercase().starts_with(&lf))
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase) == upper)
        .map(str::to_string)
        .collect()
}

/// The title to read, and how it was cut. A cut word is completed from the side's own
/// rules and YES subject first (its own evidence: "Lop…" whose rules say "Lopez"), else
/// from the other side's title when exactly one of its words fits (a doubt: the cut
/// hides the rest); a number cut short is dropped, never read as a smaller number.
pub(super) fn whole_title(
    s: &Side,
    other: &Side,
    venue: &str,
    t: &mut Tally,
) -> (String, Option<CutTitle>) {
    let Some(c) = normalize::cut(&s.title) else {
        return (s.title.clone(), None);
    };
    let Some(frag) = c
        .fragment
        .filter(|f| f.chars().next().is_some_and(char::is_alphabetic))
    else {
        return (c.text, Some(CutTitle::default()));
    };
    let own = completions(&format!("{} {}", s.rules, s.yes_subject), &frag);
    let theirs = completions(&other.title, &frag);
    let one = |set: &BTreeSet<String>| {
        (set.len() == 1)
            .then(|| set.iter().next().cloned())
            .flatten()
    };
    let pick = match (one(&own), one(&theirs)) {
        (Some(w), _) => Some(w),
        (None, Some(w)) if own.is_empty() || own.contains(&w) => {
            t.doubt(
                0.05,
                format!("{venue} title cut at '{frag}…', read as '{w}'"),
            );
            Some(w)
        }
        _ => None,
    };
    match pick {
        Some(w) => (format!("{} {w}", c.text), Some(CutTitle::default())),
        None => (
            format!("{} {frag}", c.text),
            Some(CutTitle {
                open: Some(frag.to_lowercase()),
            }),
        ),
    }
}

/// Ordinals of the same kind must share a number; a part of a game (half, quarter,
/// period, ...) on one side only is another contest; any other kind on one side only is
/// a doubt (game 7 against the series).
pub(super) fn ordinals(k: &Features, p: &Features, t: &mut Tally) {
    let by_kind = |f: &Features| {
        let mut m: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
        for (kind, n) in &f.ordinals {
            m.entry(kind).or_default().insert(*n);
        }
        m
    };
    let (km, pm) = (by_kind(k), by_kind(p));
    let show = |s: Option<&BTreeSet<u32>>, kind: &str| match s {
        Some(s) => s
            .iter()
            .map(|n| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        None => "none".into(),
    };
    let kinds: BTreeSet<&str> = km.keys().chain(pm.keys()).copied().collect();
    for kind in kinds {
        let (a, b) = (km.get(kind), pm.get(kind));
        let (ks, ps) = (show(a, kind), show(b, kind));
        match (a, b) {
            (Some(a), Some(b)) if a.is_disjoint(b) => {
                t.fail(format!("ordinal: kalshi {ks}, polymarket {ps}"))
            }
            (Some(_), Some(_)) => {}
            _ if PARTS.contains(&kind) => t.fail(format!(
                "scope: kalshi {ks}, polymarket {ps} (a part of the game against the whole)"
            )),
            _ => t.doubt(
                0.15,
                format!("ordinal on one side only: kalshi {ks}, polymarket {ps}"),
            ),
        }
    }
}

/// The prize (championship, conference, division, MVP) and a women's competition.
pub(super) fn contest(k: &Features, p: &Features, t: &mut Tally) {
    if let (Some(a), Some(b)) = (k.contest, p.contest)
        && a != b
    {
        t.fail(format!("contest: kalshi '{a}', polymarket '{b}'"));
    }
    if k.women != p.women {
        let side = if k.women { "kalshi" } else { "polymarket" };
        t.fail(format!("scope: women's competition on {side} only"));
    }
}

/// Teams when one title is cut: its teams must all be the other's; the other's extra
/// teams may come after the cut (a doubt), unless the cut word begins a team the other
/// does not name. False when this does not apply (no side cut, or nothing to compare):
/// the plain team rule judges then.
pub(super) fn cut_teams(
    k: &Features,
    p: &Features,
    kc: Option<&CutTitle>,
    pc: Option<&CutTitle>,
    prefix_teams: impl Fn(&str) -> BTreeSet<String>,
    t: &mut Tally,
) -> bool {
    let (cut, full, c, venue) = match (kc, pc) {
        (Some(c), None) => (k, p, c, "kalshi"),
        (None, Some(c)) => (p, k, c, "polymarket"),
        _ => return false,
    };
    let (mine, theirs): (BTreeSet<&String>, BTreeSet<&String>) =
        (cut.teams.iter().collect(), full.teams.iter().collect());
    if mine.is_empty() || theirs.is_empty() || !mine.is_subset(&theirs) || mine == theirs {
        return false;
    }
    let extra: Vec<String> = theirs.difference(&mine).map(|s| s.to_string()).collect();
    let begun = c.open.as_deref().map(&prefix_teams).unwrap_or_default();
    if !begun.is_empty() && !extra.iter().any(|e| begun.contains(e)) {
        t.fail(format!(
            "teams: {venue} title cut at '{}…', which begins [{}], not [{}]",
            c.open.as_deref().unwrap_or(""),
            begun.into_iter().collect::<Vec<_>>().join(", "),
            extra.join(", ")
        ));
    } else {
        t.doubt(
            0.1,
            format!(
                "teams [{}] after the cut of the {venue} title",
                extra.join(", ")
            ),
        );
    }
    true
}
