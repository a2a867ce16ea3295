//! Word forms the verifier reads as one: possessives and plurals ("Lakers'", "Laker's",
//! "rates"), ordinals ("1st", "first", "twenty-first", "round 1", "Q1") and titles cut
//! short with an ellipsis ("... beat the Bost…").

/// Drops possessive marks: "Laker's" -> "Laker", "Lakers'" -> "Lakers", "women's" ->
/// "women". An apostrophe inside a word ("O'Brien", "n't") stays.
pub fn strip_possessives(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let ends = |j: usize| c.get(j).is_none_or(|x| !x.is_alphanumeric());
    let apos = |x: char| x == '\'' || x == '’';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let after_word = i > 0 && c[i - 1].is_alphanumeric();
        if apos(c[i]) && after_word && matches!(c.get(i + 1), Some('s' | 'S')) && ends(i + 2) {
            i += 2; // "x's"
            continue;
        }
        if apos(c[i]) && after_word && matches!(c[i - 1], 's' | 'S') && ends(i + 1) {
            i += 1; // "xs'"
            continue;
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// A word's base form: lower case, no possessive, no plural "s" ("lakers" -> "laker",
/// "rates" -> "rate", "cities" -> "city"). Short words, "-ss"/"-us"/"-is" endings and
/// numbers ("1990s") are kept: "bus", "class", "Paris" are no plurals.
pub fn base(w: &str) -> String {
    let mut w = strip_possessives(&w.to_lowercase()).replace(['\'', '’'], "");
    let n = w.chars().count();
    let numeric = w.chars().next().is_some_and(|c| c.is_ascii_digit())
        && w.trim_end_matches('s').chars().all(|c| c.is_ascii_digit());
    let keep = ["ss", "us", "is"].iter().any(|e| w.ends_with(e));
    if n > 3 && w.ends_with('s') && !keep && !numeric {
        if n > 4 && w.ends_with("ies") {
            w.truncate(w.len() - 3);
            w.push('y');
        } else {
            w.pop();
        }
    }
    w
}

const ORDINALS: [&str; 19] = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];
const CARDINALS: [&str; 12] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
];
const TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// The number an ordinal word names: "1st", "22nd", "3rd", "4th", "first", "twelfth",
/// "twentieth" (the compound "twenty-first" is read by `ordinals`).
pub fn ordinal(w: &str) -> Option<u32> {
    let w = w.to_lowercase();
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if !digits.is_empty() && digits.len() <= 4 && digits.chars().all(|c| c.is_ascii_digit()) {
        let suffix = &w[digits.len()..];
        let n: u32 = digits.parse().ok()?;
        return (["st", "nd", "rd", "th"].contains(&suffix) && n > 0).then_some(n);
    }
    if let Some(i) = ORDINALS.iter().position(|o| *o == w) {
        return Some(i as u32 + 1);
    }
    TENS.iter()
        .position(|t| w == format!("{}ieth", &t[..t.len() - 1]))
        .map(|i| (i as u32 + 2) * 10)
}

/// A small whole number after a kind word ("round 2", "game seven", "district 12").
fn cardinal(w: &str) -> Option<u32> {
    if (1..=2).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit()) {
        return w.parse().ok().filter(|n| *n > 0);
    }
    CARDINALS.iter().position(|c| *c == w).map(|i| i as u32 + 1)
}

/// What an ordinal numbers. Parts of one game come first: a part named on one side
/// only is another contest, not the same one.
pub const PARTS: [&str; 7] = ["half", "quarter", "period", "inning", "set", "map", "leg"];
/// Other kinds. Not "week": a week is a span of dates, which the dates already compare.
const OTHER_KINDS: [&str; 7] = [
    "round", "place", "district", "game", "stage", "seed", "term",
];

fn kind(w: &str) -> Option<&'static str> {
    let b = base(w);
    PARTS.iter().chain(&OTHER_KINDS).find(|k| **k == b).copied()
}

/// Ordinals of a text as (kind, number): "first round", "1st round", "round 1", "round
/// one" -> ("round", 1); "2nd half", "2H" -> ("half", 2); "Q3", "3rd quarter" ->
/// ("quarter", 3); "twenty-first district" -> ("district", 21). Sorted, no repeats.
pub fn ordinals(text: &str) -> Vec<(&'static str, u32)> {
    let w = super::text::words(&strip_possessives(text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        // "twenty first" (the hyphen split it) is 21
        let tens = TENS.iter().position(|t| *t == w[i]);
        let (n, next) = match (tens, w.get(i + 1).and_then(|x| ordinal(x))) {
            (Some(t), Some(u)) if u < 10 => (Some((t as u32 + 2) * 10 + u), i + 2),
            _ => (ordinal(&w[i]), i + 1),
        };
        if let (Some(n), Some(k)) = (n, w.get(next).and_then(|x| kind(x))) {
            out.push((k, n));
            i = next + 1;
            continue;
        } else if let Some(k) = kind(&w[i])
            && let Some(n) = w
                .get(i + 1)
                .and_then(|x| cardinal(x).or_else(|| ordinal(x)))
        {
            out.push((k, n));
        } else if let Some(x) = compact(&w[i]) {
            out.push(x);
        }
        i += 1;
    }
    out.sort();
    out.dedup();
    out
}

/// "1h"/"h2" (half), "q1"/"4q" (quarter).
fn compact(w: &str) -> Option<(&'static str, u32)> {
    let b = w.as_bytes();
    if b.len() != 2 {
        return None;
    }
    let (d, l) = if b[0].is_ascii_digit() {
        (b[0], b[1])
    } else {
        (b[1], b[0])
    };
    let n = (d as char).to_digit(10)?;
    match l {
        b'h' if (1..=2).contains(&n) => Some(("half", n)),
        b'q' if (1..=4).contains(&n) => Some(("quarter", n)),
        _ => None,
    }
}

/// A title cut short with a trailing ellipsis ("…" or "..."): the text before the cut,
/// without the last word when the ellipsis is glued to it ("the Bost…"), and that word,
/// which may be a prefix of the real one. `None` when the title is not cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    pub text: String,
    /// The word the ellipsis cut, as written (no punctuation around it), if any.
    pub fragment: Option<String>,
}

pub fn cut(title: &str) -> Option<Cut> {
    let t = title.trim_end();
    let before = t
        .strip_suffix('…')
        .or_else(|| t.strip_suffix("..."))?
        .trim_end_matches(['.', '…']);
    if before.ends_with(char::is_whitespace) || before.is_empty() {
        return Some(Cut {
            text: before.trim_end().to_string(),
            fragment: None,
        });
    }
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = before[start..].trim_matches(|c: char| !c.is_alphanumeric());
    Some(Cut {
        text: before[..start].trim_end().to_string(),
        fragment: (!word.is_empty()).then(|| word.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn possessives_and_plurals_share_a_base() {
        for w in ["Lakers", "Lakers'", "Laker's", "laker", "LAKERS’"] {
            assert_eq!(base(w), "laker", "{w}");
        }
        assert_eq!(base("women's"), "women");
        assert_eq!(base("womens"), "women");
        assert_eq!(
            (base("rates"), base("seats")),
            ("rate".into(), "seat".into())
        );
        assert_eq!(base("cities"), "city");
        for keep in ["bus", "class", "paris", "status", "1990s", "yes", "gas"] {
            assert_eq!(base(keep), keep, "{keep} is no plural");
        }
        assert_eq!(
            strip_possessives("the Lakers' and Laker's, O'Brien's, don't"),
            "the Lakers and Laker, O'Brien, don't"
        );
    }

    #[test]
    fn ordinals_in_digits_and_words_compare_equal() {
        for (a, b) in [("1st", "first"), ("2nd", "second"), ("3rd", "third")] {
            assert_eq!(ordinal(a), ordinal(b));
        }
        assert_eq!(ordinal("21st"), Some(21));
        assert_eq!(ordinal("twentieth"), Some(20));
        assert_eq!(ordinal("first"), Some(1));
        assert_eq!(ordinal("1sx"), None);
        assert_eq!(ordinal("0th"), None);
        let r1 = vec![("round", 1)];
        for t in ["first round", "1st Round", "Round 1", "round one"] {
            assert_eq!(ordinals(t), r1, "{t}");
        }
        assert_eq!(ordinals("2H moneyline"), vec![("half", 2)]);
        assert_eq!(ordinals("Q3 winner, third quarter"), vec![("quarter", 3)]);
        assert_eq!(
            ordinals("NY's twenty-first district"),
            vec![("district", 21)]
        );
        assert_eq!(ordinals("Game 7 of the Finals"), vec![("game", 7)]);
        assert!(ordinals("2 rounds, 230.5 points, the first of many").is_empty());
        assert!(
            ordinals("Week 1: Chiefs vs. Ravens").is_empty(),
            "the dates say it"
        );
    }

    #[test]
    fn an_ellipsis_cuts_the_title_and_keeps_the_cut_word() {
        let c = cut("Will the Los Angeles Lakers beat the Bost…").unwrap();
        assert_eq!(c.text, "Will the Los Angeles Lakers beat the");
        assert_eq!(c.fragment.as_deref(), Some("Bost"));
        let c = cut("Will Ana Lop...").unwrap();
        assert_eq!(
            (c.text.as_str(), c.fragment.as_deref()),
            ("Will Ana", Some("Lop"))
        );
        let c = cut("Will gold close above $3,0…").unwrap();
        assert_eq!(c.fragment.as_deref(), Some("3,0"));
        assert_eq!(c.text, "Will gold close above");
        let c = cut("Will the Lakers beat the Celtics …").unwrap();
        assert_eq!(
            (c.text.as_str(), c.fragment),
            ("Will the Lakers beat the Celtics", None)
        );
        assert_eq!(cut("Will the Lakers win?"), None);
    }
}
