//! Team names as the venues spell them (Kalshi: city, "Los Angeles L"; Polymarket: nickname;
//! both: abbreviations in tickers and slugs), mapped to one canonical entity per team.
//!
//! NBA only today; a league is a table of `(abbreviations, names)`.

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

/// Canonical team entities named in `text` (lower-cased words), longest name first so
/// "los angeles l" is not read as two teams. `abbrevs` are upper-case codes from ids.
pub fn teams_in(league: Option<&str>, words: &str, abbrevs: &[String]) -> Vec<String> {
    if league != Some("nba") {
        return Vec::new();
    }
    let mut names: Vec<(&str, &str)> = NBA
        .iter()
        .flat_map(|(ab, ns)| ns.iter().map(move |n| (*n, ab[0])))
        .collect();
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut rest = format!(" {words} ");
    let mut found = Vec::new();
    for (name, ab) in names {
        let needle = format!(" {name} ");
        while let Some(pos) = rest.find(&needle) {
            rest.replace_range(pos + 1..pos + needle.len() - 1, &"#".repeat(name.len()));
            found.push(format!("nba:{ab}"));
        }
    }
    for a in abbrevs {
        if let Some((ab, _)) = NBA.iter().find(|(ab, _)| ab.contains(&a.as_str())) {
            found.push(format!("nba:{}", ab[0]));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether a word is part of a team name of the league ("golden", "blazers").
pub fn is_team_word(league: Option<&str>, w: &str) -> bool {
    league == Some("nba")
        && NBA
            .iter()
            .any(|(_, ns)| ns.iter().any(|n| n.split(' ').any(|x| x == w)))
}

/// The canonical team of an outcome label or YES subject ("Bucks", "Milwaukee", "MIL").
pub fn team_of(league: Option<&str>, label: &str) -> Option<String> {
    let words = super::text::words(label).join(" ");
    let abbrevs = [label.trim().to_ascii_uppercase()];
    let found = teams_in(league, &words, &abbrevs);
    (found.len() == 1).then(|| found[0].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            teams_in(nba, "milwaukee at los angeles l", &[]),
            vec!["nba:LAL".to_string(), "nba:MIL".to_string()]
        );
    }
}
