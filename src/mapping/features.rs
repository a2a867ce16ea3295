//! What a market question asks, read from its wording: predicate class, stage, scope,
//! thresholds with their direction, dates, times and entities. The verifier compares two.

mod threshold;
mod words;

pub use threshold::{Dir, Threshold, thresholds};

use super::aliases::{Aliases, NONE};
use super::normalize::{self, base, strip_possessives};
use super::teams;
use super::text::{self, Date};
use words::{ASSETS, CONTESTS, NOT_NAMES, PREDICATES, SCOPES, STAGES};

/// The features of one side of a pair.
#[derive(Clone, Debug, Default)]
pub struct Features {
    pub league: Option<String>,
    pub predicate: Option<&'static str>,
    pub stage: Option<&'static str>,
    pub scope: Option<&'static str>,
    pub thresholds: Vec<Threshold>,
    pub dates: Vec<Date>,
    pub years: Vec<u32>,
    pub times: Vec<u32>,
    pub teams: Vec<String>,
    /// Proper nouns of the title that are not teams, lower case ("trump", "democratic");
    /// compared by base form ("republicans" is "republican").
    pub names: Vec<String>,
    /// Whether the title negates ("not", "fail to").
    pub negated: bool,
    /// What the title's ordinals number: ("round", 1) for "1st round" and "round one".
    pub ordinals: Vec<(&'static str, u32)>,
    /// The prize the title names: championship, conference, division, mvp.
    pub contest: Option<&'static str>,
    /// Whether title or rules name a women's competition.
    pub women: bool,
}

fn class(padded: &str, table: &[(&'static str, &[&str])]) -> Option<&'static str> {
    table
        .iter()
        .find(|(_, pats)| pats.iter().any(|p| padded.contains(p)))
        .map(|(c, _)| *c)
}

fn pad(text: &str) -> String {
    format!(" {} ", text::words(text).join(" "))
}

/// `pad` with every word in its base form ("Women's Finals" -> " women final ").
fn pad_base(text: &str) -> String {
    let w: Vec<String> = text::words(text).iter().map(|w| base(w)).collect();
    format!(" {} ", w.join(" "))
}

/// `class` on base forms, so "finals" finds "final" and "Conferences" "conference".
fn class_base(padded: &str, table: &[(&'static str, &[&str])]) -> Option<&'static str> {
    table
        .iter()
        .find(|(_, pats)| pats.iter().any(|p| padded.contains(&pad_base(p))))
        .map(|(c, _)| *c)
}

/// Features of a question: the title decides; the rules text fills in what the title
/// leaves out (predicate, scope, thresholds, dates); `ids` (ticker, slug) add dates and
/// team codes.
pub fn features(title: &str, rules: &str, ids: &str) -> Features {
    features_with(title, rules, ids, &NONE)
}

/// `features` with aliases learned from the venues (teams and leagues beyond the
/// hand-written tables, spelled-out abbreviations). Possessives are dropped first.
pub fn features_with(title: &str, rules: &str, ids: &str, a: &Aliases) -> Features {
    let (title, rules) = (
        &a.abbreviate(&strip_possessives(title)),
        &strip_possessives(rules),
    );
    let league = teams::league_with(&format!("{ids} {title} {rules}"), a);
    let league = league.as_deref();
    let pt = pad(title);
    let pr = pad(rules);
    let codes: Vec<String> = ids
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| (2..=4).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
        .collect();
    // Codes in an id count only when the title names no team itself.
    let mut teams = teams::teams_in_with(league, pt.trim(), &[], a);
    if teams.is_empty() {
        teams = teams::teams_in_with(league, pt.trim(), &codes, a);
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
    let league_words = league.and_then(|l| a.leagues.get(l));
    let mut names: std::collections::BTreeSet<String> = title
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase) && w.chars().count() > 1)
        .map(str::to_lowercase)
        .filter(|w| {
            ![w.clone(), base(w)]
                .iter()
                .any(|x| NOT_NAMES.contains(&x.as_str()))
        })
        .filter(|w| text::month(w).is_none() && normalize::ordinal(w).is_none())
        .filter(|w| {
            teams::team_of_with(league, w, a).is_none() && !teams::is_team_word_with(league, w, a)
        })
        .filter(|w| Some(w.as_str()) != league && !league_words.is_some_and(|l| l.contains(w)))
        .filter(|w| !ASSETS.iter().any(|(a, _)| a == w))
        .collect();
    for (word, asset) in ASSETS {
        if pt.contains(&format!(" {word} ")) {
            names.insert(format!("asset:{asset}"));
        }
    }
    let names = names.into_iter().collect();
    Features {
        league: league.map(str::to_string),
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
        ordinals: normalize::ordinals(title),
        contest: class_base(&pad_base(title), CONTESTS),
        women: [title, rules].iter().any(|t| {
            let p = pad_base(t);
            p.contains(" women ") || p.contains(" wnba ")
        }),
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
        // A count in a unit is a line; plural or not, glued or not.
        assert_eq!(thresholds("win 50 seats"), vec![th(Dir::Line, 50.0)]);
        assert_eq!(thresholds("win 1 seat"), vec![th(Dir::Line, 1.0)]);
        assert_eq!(thresholds("cut by 25bps"), vec![th(Dir::Line, 25.0)]);
        assert_eq!(thresholds("by 25 basis points"), vec![th(Dir::Line, 25.0)]);
        assert_eq!(thresholds("less than 3.5%"), vec![th(Dir::Below, 3.5)]);
        assert!(thresholds("Will the Fed cut by June?").is_empty());
    }

    #[test]
    fn ordinals_prize_and_women_are_read_from_the_wording() {
        let f = |t: &str| features(t, "", "");
        assert_eq!(f("Will X win the 2nd round?").ordinals, vec![("round", 2)]);
        assert_eq!(
            f("Celtics: Third Quarter winner").ordinals,
            vec![("quarter", 3)]
        );
        assert_eq!(
            f("Will X win the NBA Finals?").contest,
            Some("championship")
        );
        assert_eq!(
            f("Will X win the Eastern Conference Finals?").contest,
            Some("conference")
        );
        assert_eq!(f("Will X win the AFC East?").contest, Some("division"));
        assert_eq!(f("Will X win Finals MVP?").contest, Some("mvp"));
        assert!(f("Will Spain win the Women's World Cup?").women);
        assert!(
            features(
                "Will Spain win the World Cup?",
                "FIFA Womens World Cup 2027",
                ""
            )
            .women
        );
        assert!(!f("Will Spain win the World Cup?").women);
        // Possessives and plurals do not make names of their own; ordinals are no names.
        assert_eq!(
            f("Will NY's Third District elect Lopes?").names,
            vec!["district", "lopes", "ny"]
        );
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
