//! What a market question asks, read from its wording: predicate class, stage, scope,
//! thresholds with their direction, dates, times and entities. The verifier compares two.

use super::teams;
use super::text::{self, Date};

/// Which way a threshold points. `Line` is a number with no direction on its own ("O/U
/// 230.5", "Spread (-3.5)", "1,589.99 strike").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Above,
    Below,
    Line,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    pub dir: Dir,
    pub value: f64,
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = match self.dir {
            Dir::Above => "above ",
            Dir::Below => "below ",
            Dir::Line => "line ",
        };
        write!(f, "{d}{}", self.value)
    }
}

/// The features of one side of a pair.
#[derive(Clone, Debug, Default)]
pub struct Features {
    pub league: Option<&'static str>,
    pub predicate: Option<&'static str>,
    pub stage: Option<&'static str>,
    pub scope: Option<&'static str>,
    pub thresholds: Vec<Threshold>,
    pub dates: Vec<Date>,
    pub years: Vec<u32>,
    pub times: Vec<u32>,
    pub teams: Vec<String>,
    /// Proper nouns of the title that are not teams, lower case ("trump", "democratic").
    pub names: Vec<String>,
    /// Whether the title negates ("not", "fail to").
    pub negated: bool,
}

/// Predicate classes, most specific first: "win the nomination" is a nomination.
const PREDICATES: &[(&str, &[&str])] = &[
    (
        "run",
        &[
            " run ",
            " runs ",
            " running ",
            " run for",
            "candidacy",
            "enter the race",
        ],
    ),
    (
        "attend",
        &[
            " attend",
            " show up",
            " be present",
            " appear at",
            " in person",
        ],
    ),
    ("nominate", &[" nominee", " nominat"]),
    (
        "spread",
        &[" spread", " by more than", " margin of", " handicap"],
    ),
    (
        "total",
        &[
            " o/u ",
            " over under",
            " total",
            " points ",
            " rebounds",
            " assists",
            " combined ",
        ],
    ),
    (
        "win",
        &[
            " win",
            " won ",
            " beat",
            " defeat",
            " victory",
            " champion",
            " elected",
            " moneyline",
        ],
    ),
];

const STAGES: &[(&str, &[&str])] = &[
    (
        "first half",
        &[" 1h ", " first half", " 1st half", " halftime"],
    ),
    (
        "first round",
        &[
            " first round",
            " 1st round",
            " round 1 ",
            " round one",
            " opening round",
        ],
    ),
    (
        "final",
        &[
            " final ",
            " finals ",
            " runoff",
            " second round",
            " 2nd round",
            " final round",
        ],
    ),
];

const SCOPES: &[(&str, &[&str])] = &[
    ("primary", &[" primary", " primaries", " caucus"]),
    (
        "general",
        &[
            " general election",
            " presidential election",
            " election",
            " midterm",
        ],
    ),
];

fn class(padded: &str, table: &[(&'static str, &[&str])]) -> Option<&'static str> {
    table
        .iter()
        .find(|(_, pats)| pats.iter().any(|p| padded.contains(p)))
        .map(|(c, _)| *c)
}

const ABOVE_PRE: &[&str] = &[
    "above",
    "over",
    "more than",
    "greater than",
    "at least",
    "exceed",
    "exceeds",
    "higher than",
    "reach",
    "reaches",
];
const BELOW_PRE: &[&str] = &[
    "below",
    "under",
    "less than",
    "fewer than",
    "at most",
    "lower than",
];
const ABOVE_POST: &[&str] = &["or more", "or above", "or higher", "or greater", "plus"];
const BELOW_POST: &[&str] = &["or less", "or below", "or lower", "or fewer"];
const LINE_PRE: &[&str] = &["o/u", "spread", "strike", "strike of"];
const LINE_POST: &[&str] = &["strike"];

fn number(w: &str) -> Option<f64> {
    let w = w
        .strip_suffix("k")
        .map_or_else(|| w.to_string(), |n| format!("{n}000"));
    w.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Thresholds in a text: a number right after a comparator ("above $1,600") or right
/// before a trailing one ("1,600 or above"), or next to "O/U", "spread", "strike".
pub fn thresholds(text: &str) -> Vec<Threshold> {
    let raw = text
        .replace('>', " above ")
        .replace('<', " below ")
        .replace('+', " plus ");
    let w = text::words(&raw);
    let mut out: Vec<Threshold> = Vec::new();
    let starts = |i: usize, phrase: &str| {
        let p: Vec<&str> = phrase.split(' ').collect();
        w.len() >= i + p.len() && p.iter().zip(&w[i..]).all(|(a, b)| a == b)
    };
    for i in 0..w.len() {
        let Some(v) = number(&w[i]) else { continue };
        let before = |list: &[&str]| {
            list.iter().any(|ph| {
                let n = ph.split(' ').count();
                (i >= n && starts(i - n, ph))
                    || (i > n && starts(i - n - 1, ph) && w[i - 1] == "the")
            })
        };
        let after = |list: &[&str]| list.iter().any(|ph| starts(i + 1, ph));
        let dir = if before(ABOVE_PRE) || after(ABOVE_POST) {
            Dir::Above
        } else if before(BELOW_PRE) || after(BELOW_POST) {
            Dir::Below
        } else if before(LINE_PRE) || after(LINE_POST) {
            Dir::Line
        } else {
            continue;
        };
        if !out.iter().any(|t| t.dir == dir && t.value == v) {
            out.push(Threshold { dir, value: v });
        }
    }
    out
}

fn pad(text: &str) -> String {
    format!(" {} ", text::words(text).join(" "))
}

const NOT_NAMES: &[&str] = &[
    "will",
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "at",
    "by",
    "for",
    "to",
    "be",
    "before",
    "after",
    "who",
    "what",
    "which",
    "how",
    "does",
    "do",
    "is",
    "are",
    "vs",
    "us",
    "election",
    "presidential",
    "president",
    "primary",
    "general",
    "nominee",
    "nomination",
    "game",
    "winner",
    "win",
    "champion",
    "championship",
    "round",
    "first",
    "final",
    "finals",
    "spread",
    "moneyline",
    "o",
    "u",
    "over",
    "under",
    "points",
    "rebounds",
    "assists",
    "yes",
    "no",
    "jr",
    "sr",
    "ii",
    "iii",
    "et",
    "pm",
    "am",
    "and",
    "or",
    "any",
    "market",
    "price",
    "close",
    "above",
    "below",
    "between",
    "if",
    "run",
    "attend",
    "h",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tomorrow",
    "half",
    "total",
    "end",
    "this",
    "next",
    "year",
    "week",
    "day",
];

/// Underlyings named in lower case as often as not, with their canonical name.
const ASSETS: &[(&str, &str)] = &[
    ("gold", "gold"),
    ("silver", "silver"),
    ("oil", "oil"),
    ("wti", "oil"),
    ("brent", "brent"),
    ("bitcoin", "bitcoin"),
    ("btc", "bitcoin"),
    ("ethereum", "ethereum"),
    ("eth", "ethereum"),
    ("solana", "solana"),
    ("sol", "solana"),
    ("xrp", "xrp"),
    ("nasdaq", "nasdaq"),
    ("cpi", "cpi"),
    ("inflation", "cpi"),
    ("unemployment", "unemployment"),
    ("gas", "gas"),
];

/// Features of a question: the title decides; the rules text fills in what the title
/// leaves out (predicate, scope, thresholds, dates); `ids` (ticker, slug) add dates and
/// team codes.
pub fn features(title: &str, rules: &str, ids: &str) -> Features {
    let league = teams::league(&format!("{ids} {title} {rules}"));
    let pt = pad(title);
    let pr = pad(rules);
    let codes: Vec<String> = ids
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| (2..=4).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
        .collect();
    // Codes in an id count only when the title names no team itself.
    let mut teams = teams::teams_in(league, pt.trim(), &[]);
    if teams.is_empty() {
        teams = teams::teams_in(league, pt.trim(), &codes);
        if teams.len() != 2 {
            teams.clear();
        }
    }
    let game = teams.len() >= 2 && (pt.contains(" vs ") || pt.contains(" at "));
    let predicate = class(&pt, PREDICATES)
        .or(game.then_some("win"))
        .or_else(|| class(&pr, PREDICATES));
    let mut thresholds = thresholds(title);
    if thresholds.is_empty() {
        thresholds = self::thresholds(rules);
    }
    // "Will gold be above $1,600?" asks where a level ends up.
    let predicate = predicate.or((!thresholds.is_empty()).then_some("level"));
    let mut dates = text::dates(&format!("{title} {ids}"));
    if dates.is_empty() {
        dates = text::dates(rules).into_iter().take(1).collect();
    }
    let mut years = text::years(title);
    if years.is_empty() {
        years = dates.iter().filter_map(|d| d.year).collect();
    }
    let mut names: std::collections::BTreeSet<String> = title
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase) && w.chars().count() > 1)
        .map(str::to_lowercase)
        .filter(|w| !NOT_NAMES.contains(&w.as_str()) && text::month(w).is_none())
        .filter(|w| teams::team_of(league, w).is_none() && !teams::is_team_word(league, w))
        .filter(|w| !ASSETS.iter().any(|(a, _)| a == w))
        .collect();
    for (word, asset) in ASSETS {
        if pt.contains(&format!(" {word} ")) {
            names.insert(format!("asset:{asset}"));
        }
    }
    let names = names.into_iter().collect();
    Features {
        league,
        predicate,
        stage: class(&pt, STAGES),
        scope: class(&pt, SCOPES).or_else(|| class(&pr, SCOPES)),
        thresholds,
        dates,
        years,
        times: text::times(title),
        teams,
        names,
        negated: pt.contains(" not ") || pt.contains(" fail to ") || title.contains("n't"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn th(dir: Dir, value: f64) -> Threshold {
        Threshold { dir, value }
    }

    #[test]
    fn thresholds_carry_their_direction() {
        assert_eq!(thresholds("above $1,600"), vec![th(Dir::Above, 1600.0)]);
        assert_eq!(thresholds("$1,600 or above"), vec![th(Dir::Above, 1600.0)]);
        assert_eq!(thresholds("less than 3.5%"), vec![th(Dir::Below, 3.5)]);
        assert_eq!(
            thresholds("Gold: 1,589.99 strike"),
            vec![th(Dir::Line, 1589.99)]
        );
        assert_eq!(
            thresholds("Bucks vs. Lakers: O/U 230.5"),
            vec![th(Dir::Line, 230.5)]
        );
        assert!(thresholds("Will Trump win in 2028?").is_empty());
    }

    #[test]
    fn predicate_stage_and_scope_classes() {
        let f = |t: &str| features(t, "", "");
        assert_eq!(f("Will Newsom run for president?").predicate, Some("run"));
        assert_eq!(
            f("Will Newsom win the nomination?").predicate,
            Some("nominate")
        );
        assert_eq!(f("Will Trump attend the game?").predicate, Some("attend"));
        assert_eq!(f("Will gold be above $1,600?").predicate, Some("level"));
        assert_eq!(
            f("Bucks vs. Lakers: 1H Moneyline").stage,
            Some("first half")
        );
        assert_eq!(f("Who wins the first round?").stage, Some("first round"));
        assert_eq!(f("Democratic primary winner").scope, Some("primary"));
        assert_eq!(f("Presidential election winner").scope, Some("general"));
        let g = features("Milwaukee at Los Angeles L", "", "KXNBAGAME-26JAN09MILLAL");
        assert_eq!(
            (g.predicate, g.teams.len(), g.names.len()),
            (Some("win"), 2, 0)
        );
        assert_eq!(
            f("Will JD Vance win?").names,
            vec!["jd".to_string(), "vance".to_string()]
        );
    }
}
