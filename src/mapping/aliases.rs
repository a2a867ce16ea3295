//! Aliases learned from the venues' own listings, used beside the hand-written tables:
//! team names and codes from games both venues list (Kalshi "Milwaukee at Los Angeles L",
//! `KXNBAGAME-26JAN09MILLAL`; Polymarket "Bucks vs. Lakers", `nba-mil-lal-2026-01-09`),
//! league names from Kalshi series and competitions and Polymarket tags and series, and
//! abbreviations a text spells out ("Federal Open Market Committee (FOMC)").

mod abbrev;

pub use abbrev::spelled_out;

use super::listings::Listing;
use std::collections::{BTreeMap, BTreeSet};

/// What was learned. Deterministic: the same listings give the same aliases, whatever
/// their order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aliases {
    /// League key (the Polymarket slug prefix: "nba") -> lower-case names of the league
    /// ("kxnbagame", "pro basketball").
    pub leagues: BTreeMap<String, BTreeSet<String>>,
    /// League key -> team code (upper case, as in the Polymarket slug) -> the team.
    pub teams: BTreeMap<String, BTreeMap<String, Team>>,
    /// Abbreviation (lower case) -> what it stands for (lower case).
    pub abbreviations: BTreeMap<String, String>,
}

/// One team: every code and name the venues call it by.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Team {
    /// Upper case ("LA", "LAR").
    pub codes: BTreeSet<String>,
    /// Lower case ("los angeles r", "rams").
    pub names: BTreeSet<String>,
}

/// Nothing learned: the hand-written tables alone.
pub static NONE: Aliases = Aliases::new();

type Date = (u32, u32, u32);

impl Aliases {
    pub const fn new() -> Aliases {
        Aliases {
            leagues: BTreeMap::new(),
            teams: BTreeMap::new(),
            abbreviations: BTreeMap::new(),
        }
    }

    /// `text` with every spelled-out abbreviation replaced by the abbreviation, so that
    /// "Federal Open Market Committee" and "FOMC" name one thing.
    pub fn abbreviate(&self, text: &str) -> String {
        abbrev::abbreviate(&self.abbreviations, text)
    }

    /// The learned league a text names: one of its words, or a multi-word name.
    pub fn league_in(&self, text: &str) -> Option<&str> {
        let w = super::text::words(text);
        let padded = format!(" {} ", w.join(" "));
        self.leagues
            .iter()
            .find(|(_, names)| {
                names.iter().any(|n| {
                    if n.contains(' ') {
                        padded.contains(&format!(" {n} "))
                    } else {
                        w.contains(n)
                    }
                })
            })
            .map(|(k, _)| k.as_str())
    }
}

/// Learns aliases from both venues' listings.
pub fn learn(kalshi: &[Listing], poly: &[Listing]) -> Aliases {
    let mut a = Aliases::new();
    let mut team_names: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut team_codes: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut league_names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let pg = poly_games(poly);
    for ((_, _), g) in &pg {
        for i in 0..2 {
            let key = (g.league.clone(), g.codes[i].clone());
            team_codes
                .entry(key.clone())
                .or_default()
                .insert(g.codes[i].clone());
            team_names
                .entry(key)
                .or_default()
                .insert(g.names[i].clone());
        }
        let names = league_names.entry(g.league.clone()).or_default();
        names.insert(g.league.clone());
        names.extend(
            g.tags
                .iter()
                .filter(|t| is_acronym(t))
                .map(|t| t.to_lowercase()),
        );
    }
    for (key, k) in kalshi_games(kalshi) {
        let Some(g) = pg.get(&key) else { continue };
        let names = league_names.entry(g.league.clone()).or_default();
        names.insert(k.series.to_lowercase());
        names.extend(k.prefix.iter().cloned());
        names.extend(
            k.tags
                .iter()
                .map(|t| competition(t))
                .filter(|t| !t.is_empty()),
        );
        for i in 0..2 {
            let key = (g.league.clone(), g.codes[i].clone());
            team_names
                .entry(key)
                .or_default()
                .insert(k.names[i].clone());
        }
        // A market's ticker suffix is one of the two teams: the code it equals, or else
        // the one code no suffix equals ("-LAR" in an event coded "LA" + "CAR").
        let unmatched: Vec<&String> = g
            .codes
            .iter()
            .filter(|c| !k.suffixes.contains_key(*c))
            .collect();
        for (suffix, subject) in &k.suffixes {
            let code = match g.codes.iter().find(|c| *c == suffix) {
                Some(c) => c,
                None if unmatched.len() == 1 => unmatched[0],
                None => continue,
            };
            let key = (g.league.clone(), code.clone());
            team_codes
                .entry(key.clone())
                .or_default()
                .insert(suffix.clone());
            if !subject.is_empty() {
                team_names
                    .entry(key)
                    .or_default()
                    .insert(subject.to_lowercase());
            }
        }
    }
    // A name two teams (or two leagues) claim names neither.
    let mut owners: BTreeMap<(String, String), usize> = BTreeMap::new();
    for ((league, _), names) in &team_names {
        for n in names {
            *owners.entry((league.clone(), n.clone())).or_default() += 1;
        }
    }
    for ((league, code), names) in team_names {
        let t = a
            .teams
            .entry(league.clone())
            .or_default()
            .entry(code.clone())
            .or_default();
        t.names = names
            .into_iter()
            .filter(|n| owners[&(league.clone(), n.clone())] == 1)
            .collect();
        t.codes = team_codes.remove(&(league, code)).unwrap_or_default();
    }
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for n in league_names.values().flatten() {
        *claims.entry(n.clone()).or_default() += 1;
    }
    for (league, names) in league_names {
        a.leagues.insert(
            league,
            names.into_iter().filter(|n| claims[n] == 1).collect(),
        );
    }
    a.abbreviations = abbrev::abbreviations(kalshi.iter().chain(poly));
    a
}

fn is_acronym(t: &str) -> bool {
    (2..=6).contains(&t.len()) && t.chars().all(|c| c.is_ascii_uppercase())
}

/// A Kalshi competition as a league name: "Pro Basketball (M)" -> "pro basketball".
fn competition(t: &str) -> String {
    let t = t.split('(').next().unwrap_or("");
    super::text::words(t).join(" ")
}

struct PolyGame {
    league: String,
    codes: [String; 2],
    names: [String; 2],
    tags: BTreeSet<String>,
}

struct KalshiGame {
    series: String,
    /// "nfl" of "NFL: Los Angeles R at Carolina".
    prefix: Option<String>,
    names: [String; 2],
    /// Market ticker suffix -> its YES subject ("" when not known).
    suffixes: BTreeMap<String, String>,
    tags: BTreeSet<String>,
}

/// The game a listing names: the first of its context parts, then its title, that
/// reads as one.
fn listed_game(l: &Listing) -> Option<(Option<String>, String, String)> {
    l.context
        .split(" | ")
        .chain([l.title.as_str()])
        .find_map(game)
}

/// Polymarket games by (date, both codes in order): a slug `league-a-b-yyyy-mm-dd` and a
/// title "A vs. B" (the event's, or a market's before its colon). A game whose markets
/// disagree on the names is left out.
fn poly_games(poly: &[Listing]) -> BTreeMap<(Date, String), PolyGame> {
    let mut out: BTreeMap<(Date, String), Option<PolyGame>> = BTreeMap::new();
    for l in poly {
        let p: Vec<&str> = l.event_id.split('-').collect();
        let [league, a, b, y, m, d] = p[..] else {
            continue;
        };
        let code =
            |s: &str| (2..=4).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic());
        let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
            continue;
        };
        if !code(a) || !code(b) || !league.chars().all(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        let Some((_, x, z)) = listed_game(l) else {
            continue;
        };
        let codes = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        let key = ((y, m, d), codes.concat());
        let g = out.entry(key).or_insert_with(|| {
            Some(PolyGame {
                league: league.to_ascii_lowercase(),
                codes,
                names: [x.clone(), z.clone()],
                tags: BTreeSet::new(),
            })
        });
        match g {
            Some(g) if g.names == [x, z] => g.tags.extend(l.tags.iter().cloned()),
            _ => *g = None,
        }
    }
    out.into_iter().filter_map(|(k, g)| Some((k, g?))).collect()
}

/// Kalshi games by (date, codes): an event ticker `SERIES-yyMMMddCODES` and a title "X at
/// Y" (the event's, or a market's, "... Winner?" allowed).
fn kalshi_games(kalshi: &[Listing]) -> BTreeMap<(Date, String), KalshiGame> {
    let mut out: BTreeMap<(Date, String), Option<KalshiGame>> = BTreeMap::new();
    for l in kalshi {
        let event = if l.event_id.is_empty() {
            &l.id
        } else {
            &l.event_id
        };
        let mut p = event.split('-');
        let (Some(series), Some(seg), None) = (p.next(), p.next(), p.next()) else {
            continue;
        };
        let Some((date, codes)) = kalshi_code(seg) else {
            continue;
        };
        let Some((prefix, x, z)) = listed_game(l) else {
            continue;
        };
        let g = out.entry((date, codes)).or_insert_with(|| {
            Some(KalshiGame {
                series: series.to_string(),
                prefix: prefix.clone(),
                names: [x.clone(), z.clone()],
                suffixes: BTreeMap::new(),
                tags: BTreeSet::new(),
            })
        });
        let Some(k) = g.as_mut().filter(|k| k.names == [x, z]) else {
            *g = None;
            continue;
        };
        k.tags.extend(l.tags.iter().cloned());
        if let Some(s) = l.id.strip_prefix(event).and_then(|s| s.strip_prefix('-'))
            && (1..=5).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_uppercase())
        {
            k.suffixes
                .insert(s.to_string(), l.yes_subject.trim().to_string());
        }
    }
    out.into_iter().filter_map(|(k, g)| Some((k, g?))).collect()
}

/// "26JAN09MILLAL" -> (2026-01-09, "MILLAL").
fn kalshi_code(seg: &str) -> Option<(Date, String)> {
    let (d, codes) = (seg.get(..7)?, seg.get(7..)?);
    let y: u32 = d.get(..2)?.parse().ok()?;
    let m = super::text::month(d.get(2..5)?)?;
    let day: u32 = d.get(5..7)?.parse().ok()?;
    let ok = (4..=8).contains(&codes.len()) && codes.chars().all(|c| c.is_ascii_uppercase());
    ok.then(|| ((2000 + y, m, day), codes.to_string()))
}

/// A two-sided game title: "NFL: Los Angeles R at Carolina", "Bucks vs. Lakers: 1H
/// Moneyline", "Milwaukee at Los Angeles L Winner?" -> (league prefix, first, second),
/// names in lower case.
pub fn game(title: &str) -> Option<(Option<String>, String, String)> {
    let t = title.trim().trim_end_matches('?').trim();
    let (prefix, rest) = match t.split_once(": ") {
        Some((p, r)) if is_acronym(p) => (Some(p.to_ascii_lowercase()), r),
        _ => (None, t),
    };
    let rest = rest.split(": ").next()?.trim();
    let rest = match rest.len().checked_sub(7).and_then(|i| rest.get(i..)) {
        Some(end) if end.eq_ignore_ascii_case(" winner") => &rest[..rest.len() - 7],
        _ => rest,
    };
    let (x, z) = [" at ", " vs. ", " vs "].iter().find_map(|sep| {
        let mut it = rest.split(sep);
        let (x, z) = (it.next()?, it.next()?);
        it.next().is_none().then_some((x, z))
    })?;
    let name = |s: &str| {
        let w = super::text::words(s);
        (!w.is_empty() && w.len() <= 4 && !s.contains(['(', ')', ',', ':'])).then(|| w.join(" "))
    };
    Some((prefix, name(x)?, name(z)?))
}
