//! Team names as the venues spell them (Kalshi: city, "Los Angeles L"; Polymarket: nickname;
//! both: abbreviations in tickers and slugs), mapped to one canonical entity per team.
//!
//! NBA by hand; other leagues, and more names for these, as learned from the venues'
//! listings (`aliases`). A league is a table of `(abbreviations, names)`.

use super::aliases::{Aliases, NONE};
use super::normalize::{base, strip_possessives};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// NBA teams: abbreviations (first is canonical), then names in lower case.
const NBA: &[(&[&str], &[&str])] = &[
    (&["ATL"], &["atlanta hawks", "atlanta", "hawks"]),
    (&["BOS"], &["boston celtics", "boston", "celtics"]),
    (&["BKN", "BRK"], &["brooklyn nets", "brooklyn", "nets"]),
    (
        &["CHA", "CHO"],
        &["charlotte hornets", "charlotte", "hornets"],
    ),
    (&["CHI"], &["chicago bulls", "chicago", "bulls"]),
    (
        &["CLE"],
        &["cleveland cavaliers", "cleveland", "cavaliers", "cavs"],
    ),
    (
        &["DAL"],
        &["dallas mavericks", "dallas", "mavericks", "mavs"],
    ),
    (&["DEN"], &["denver nuggets", "denver", "nuggets"]),
    (&["DET"], &["detroit pistons", "detroit", "pistons"]),
    (
        &["GSW", "GS"],
        &["golden state warriors", "golden state", "warriors"],
    ),
    (&["HOU"], &["houston rockets", "houston", "rockets"]),
    (&["IND"], &["indiana pacers", "indiana", "pacers"]),
    (
        &["LAC"],
        &[
            "los angeles clippers",
            "la clippers",
            "los angeles c",
            "clippers",
        ],
    ),
    (
        &["LAL"],
        &["los angeles lakers", "la lakers", "los angeles l", "lakers"],
    ),
    (&["MEM"], &["memphis grizzlies", "memphis", "grizzlies"]),
    (&["MIA"], &["miami heat", "miami", "heat"]),
    (&["MIL"], &["milwaukee bucks", "milwaukee", "bucks"]),
    (
        &["MIN"],
        &[
            "minnesota timberwolves",
            "minnesota",
            "timberwolves",
            "wolves",
        ],
    ),
    (
        &["NOP", "NO"],
        &["new orleans pelicans", "new orleans", "pelicans"],
    ),
    (&["NYK", "NY"], &["new york knicks", "new york", "knicks"]),
    (
        &["OKC"],
        &["oklahoma city thunder", "oklahoma city", "thunder"],
    ),
    (&["ORL"], &["orlando magic", "orlando", "magic"]),
    (
        &["PHI"],
        &["philadelphia 76ers", "philadelphia", "76ers", "sixers"],
    ),
    (&["PHX", "PHO"], &["phoenix suns", "phoenix", "suns"]),
    (
        &["POR"],
        &[
            "portland trail blazers",
            "portland",
            "trail blazers",
            "blazers",
        ],
    ),
    (&["SAC"], &["sacramento kings", "sacramento", "kings"]),
    (
        &["SAS", "SA"],
        &["san antonio spurs", "san antonio", "spurs"],
    ),
    (&["TOR"], &["toronto raptors", "toronto", "raptors"]),
    (&["UTA", "UTAH"], &["utah jazz", "utah", "jazz"]),
    (
        &["WAS", "WSH"],
        &["washington wizards", "washington", "wizards"],
    ),
];

/// Which league a text names (from tickers, slugs or words), if any.
pub fn league(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    (t.contains("kxnba") || t.contains("nba")).then_some("nba")
}

/// The league a text names: the hand-written NBA, else one learned from the venues.
pub fn league_with(text: &str, a: &Aliases) -> Option<String> {
    league(text)
        .map(str::to_string)
        .or_else(|| a.league_in(text).map(str::to_string))
}

/// One team as matched: names as base-form words ("los angele l"), codes, canonical id.
#[derive(Clone)]
struct Entry {
    names: Vec<String>,
    codes: Vec<String>,
    canon: String,
}

fn base_words(s: &str) -> String {
    s.split(' ').map(base).collect::<Vec<_>>().join(" ")
}

static NBA_ENTRIES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    NBA.iter()
        .map(|(ab, ns)| Entry {
            names: ns.iter().map(|n| base_words(n)).collect(),
            codes: ab.iter().map(|c| c.to_string()).collect(),
            canon: format!("nba:{}", ab[0]),
        })
        .collect()
});

/// The league's teams: the hand-written table, with what was learned added to the team
/// that shares a code (a name the table gives another team is not added), and learned
/// teams of their own.
fn entries<'a>(league: Option<&str>, a: &Aliases) -> Cow<'a, [Entry]> {
    let hand: &'static [Entry] = if league == Some("nba") {
        &NBA_ENTRIES[..]
    } else {
        &[]
    };
    let Some(learned) = league.and_then(|l| a.teams.get(l)) else {
        return Cow::Borrowed(hand);
    };
    let mut out = hand.to_vec();
    let taken: BTreeSet<String> = out.iter().flat_map(|e| e.names.clone()).collect();
    for (code, team) in learned {
        let names = team
            .names
            .iter()
            .map(|n| base_words(n))
            .filter(|n| !taken.contains(n));
        let codes = team.codes.iter().chain([code]);
        match out
            .iter()
            .position(|e| codes.clone().any(|c| e.codes.contains(c)))
        {
            Some(i) => out[i].names.extend(names),
            None => out.push(Entry {
                names: names.collect(),
                codes: codes.cloned().collect(),
                canon: format!("{}:{code}", league.unwrap_or("")),
            }),
        }
    }
    Cow::Owned(out)
}

/// Canonical team entities named in `text` (lower-cased words), longest name first so
/// "los angeles l" is not read as two teams. `abbrevs` are upper-case codes from ids.
pub fn teams_in(league: Option<&str>, words: &str, abbrevs: &[String]) -> Vec<String> {
    teams_in_with(league, words, abbrevs, &NONE)
}

/// `teams_in` with learned aliases. Plurals and possessives match ("Laker's").
pub fn teams_in_with(
    league: Option<&str>,
    words: &str,
    abbrevs: &[String],
    a: &Aliases,
) -> Vec<String> {
    let table = entries(league, a);
    if table.is_empty() {
        return Vec::new();
    }
    let mut names: Vec<(&str, &str)> = table
        .iter()
        .flat_map(|e| e.names.iter().map(move |n| (n.as_str(), e.canon.as_str())))
        .collect();
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut rest = format!(" {} ", base_words(words));
    let mut found = Vec::new();
    for (name, canon) in names {
        let needle = format!(" {name} ");
        while let Some(pos) = rest.find(&needle) {
            rest.replace_range(pos + 1..pos + needle.len() - 1, &"#".repeat(name.len()));
            found.push(canon.to_string());
        }
    }
    for code in abbrevs {
        if let Some(e) = table.iter().find(|e| e.codes.contains(code)) {
            found.push(e.canon.clone());
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether a word is part of a team name of the league ("golden", "blazers").
pub fn is_team_word(league: Option<&str>, w: &str) -> bool {
    is_team_word_with(league, w, &NONE)
}

pub fn is_team_word_with(league: Option<&str>, w: &str, a: &Aliases) -> bool {
    let b = base(w);
    entries(league, a)
        .iter()
        .any(|e| e.names.iter().any(|n| n.split(' ').any(|x| x == b)))
}

/// Teams with a name word beginning with `frag` (a word an ellipsis cut: "bost").
pub fn teams_by_prefix(league: Option<&str>, frag: &str, a: &Aliases) -> BTreeSet<String> {
    let (lower, b) = (frag.to_lowercase(), base(frag));
    entries(league, a)
        .iter()
        .filter(|e| {
            e.names
                .iter()
                .flat_map(|n| n.split(' '))
                .any(|w| w.starts_with(&lower) || w.starts_with(&b))
        })
        .map(|e| e.canon.clone())
        .collect()
}

/// The canonical team of an outcome label or YES subject ("Bucks", "Milwaukee", "MIL").
pub fn team_of(league: Option<&str>, label: &str) -> Option<String> {
    team_of_with(league, label, &NONE)
}

pub fn team_of_with(league: Option<&str>, label: &str, a: &Aliases) -> Option<String> {
    let words = super::text::words(&strip_possessives(label)).join(" ");
    let abbrevs = [label.trim().to_ascii_uppercase()];
    let found = teams_in_with(league, &words, &abbrevs, a);
    (found.len() == 1).then(|| found[0].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_word_begins_the_teams_it_may_be() {
        let nba = Some("nba");
        let b = |f: &str| {
            teams_by_prefix(nba, f, &NONE)
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(b("Bost"), ["nba:BOS"]);
        assert_eq!(b("los"), ["nba:LAC", "nba:LAL"]);
        assert!(b("Zz").is_empty());
    }

    #[test]
    fn city_nickname_and_code_name_one_team() {
        let nba = Some("nba");
        assert_eq!(team_of(nba, "Bucks"), Some("nba:MIL".into()));
        assert_eq!(team_of(nba, "Milwaukee"), Some("nba:MIL".into()));
        assert_eq!(team_of(nba, "MIL"), Some("nba:MIL".into()));
        assert_eq!(team_of(nba, "Los Angeles L"), Some("nba:LAL".into()));
        assert_eq!(team_of(nba, "Los Angeles C"), Some("nba:LAC".into()));
        assert_eq!(team_of(nba, "Trail Blazers"), Some("nba:POR".into()));
        assert_eq!(team_of(None, "Bucks"), None);
        // Possessives and plurals: one team.
        for l in ["Lakers'", "Laker's", "Laker", "LAKERS’"] {
            assert_eq!(team_of(nba, l), Some("nba:LAL".into()), "{l}");
        }
        assert_eq!(
            teams_in(nba, "the celtic s and the 76er", &[]),
            vec!["nba:BOS".to_string(), "nba:PHI".to_string()]
        );
        assert_eq!(
            teams_in(nba, "milwaukee at los angeles l", &[]),
            vec!["nba:LAL".to_string(), "nba:MIL".to_string()]
        );
    }
}
