//! Text features of a market question: words, dates, clock times, thresholds with their
//! direction, predicate class, stage, scope and named entities (teams, people, parties).

/// Lower-case words; digit groups keep their decimal point and lose thousands commas
/// ("$1,589.99" -> "1589.99"); "O/U" becomes "o/u".
pub fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let digit_around = |j: usize| {
            i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(j).is_some_and(|d| d.is_ascii_digit())
        };
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if c == '.' && digit_around(i + 1) {
            cur.push('.');
        } else if c == ',' && digit_around(i + 1) {
        } else if c == '/' && cur == "o" && chars.get(i + 1).is_some_and(|d| *d == 'U' || *d == 'u')
        {
            cur.push('/');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The month a word names ("jan", "January", "sept").
pub fn month(w: &str) -> Option<u32> {
    let w = w.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full)
        .position(|(m, f)| w == *m || w == f || (w == "sept" && *m == "sep"))
        .map(|i| i as u32 + 1)
}

/// A calendar date; the year is optional ("January 9").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: Option<u32>,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn same_day(&self, o: &Date) -> bool {
        self.month == o.month
            && self.day == o.day
            && (self.year.is_none() || o.year.is_none() || self.year == o.year)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.year {
            Some(y) => write!(f, "{y:04}-{:02}-{:02}", self.month, self.day),
            None => write!(f, "{}-{:02}", MONTHS[self.month as usize - 1], self.day),
        }
    }
}

fn day(w: &str) -> Option<u32> {
    let d: u32 = w
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn year(w: &str) -> Option<u32> {
    let y: u32 = w.parse().ok()?;
    (w.len() == 4 && (1900..2200).contains(&y)).then_some(y)
}

/// Dates in words ("Jan 9", "January 9, 2026", "9 January"), ISO ("2026-01-09") and
/// Kalshi ticker codes ("26JAN09").
pub fn dates(text: &str) -> Vec<Date> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-') {
        // ISO date inside a slug or timestamp: yyyy-mm-dd
        for i in 0..raw.len().saturating_sub(9) {
            let p: Vec<&str> = raw[i..i + 10].split('-').collect();
            if p.len() == 3
                && p[0].len() == 4
                && p[1].len() == 2
                && p[2].len() == 2
                && let (Some(y), Ok(m), Ok(d)) = (year(p[0]), p[1].parse(), p[2].parse())
                && (1..=12).contains(&m)
                && (1..=31).contains(&d)
            {
                out.push(Date {
                    year: Some(y),
                    month: m,
                    day: d,
                });
            }
        }
        // Kalshi code: 26JAN09 (upper case, inside an id segment)
        for seg in raw.split('-') {
            let sb = seg.as_bytes();
            if sb.len() >= 7
                && sb[..2].iter().all(u8::is_ascii_digit)
                && sb[2..5].iter().all(u8::is_ascii_uppercase)
                && sb[5..7].iter().all(u8::is_ascii_digit)
                && let (Some(m), Ok(y), Ok(d)) = (
                    month(&seg[2..5]),
                    seg[..2].parse::<u32>(),
                    seg[5..7].parse::<u32>(),
                )
                && (1..=31).contains(&d)
            {
                out.push(Date {
                    year: Some(2000 + y),
                    month: m,
                    day: d,
                });
            }
        }
    }
    let w = words(text);
    for i in 0..w.len() {
        let Some(m) = month(&w[i]) else { continue };
        if w[i] == "may" && w.get(i + 1).is_none_or(|x| day(x).is_none()) {
            continue; // the verb
        }
        let (d, next) = match (
            w.get(i + 1).and_then(|x| day(x)),
            i.checked_sub(1).and_then(|j| day(&w[j])),
        ) {
            (Some(d), _) => (d, i + 2),
            (None, Some(d)) => (d, i + 1),
            _ => continue,
        };
        let y = w.get(next).and_then(|x| year(x));
        out.push(Date {
            year: y,
            month: m,
            day: d,
        });
    }
    out.sort();
    out.dedup();
    out
}

/// Years named on their own ("2028 election").
pub fn years(text: &str) -> Vec<u32> {
    let mut y: Vec<u32> = words(text).iter().filter_map(|w| year(w)).collect();
    y.sort();
    y.dedup();
    y
}

/// Clock times as minutes after midnight: "5pm", "5:00 PM", "17:00", "9:30PM ET". A bare
/// number is not a time: it needs minutes or am/pm.
pub fn times(text: &str) -> Vec<u32> {
    let t = text.to_ascii_lowercase();
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.' || b[i - 1] == b','))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let Ok(h) = t[start..i].parse::<u32>() else {
            continue;
        };
        let mut m = None;
        if i + 2 < b.len() && b[i] == b':' && b[i + 1].is_ascii_digit() && b[i + 2].is_ascii_digit()
        {
            m = t[i + 1..i + 3].parse::<u32>().ok();
            i += 3;
        }
        let rest = t[i..].trim_start();
        let ampm = if rest.starts_with("pm") || rest.starts_with("p.m") {
            Some(true)
        } else if rest.starts_with("am") || rest.starts_with("a.m") {
            Some(false)
        } else {
            None
        };
        let after_ok = |r: &str, n: usize| {
            r[n..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        };
        match (m, ampm) {
            (m, Some(pm)) if (1..=12).contains(&h) && after_ok(rest, 2) => {
                out.push((h % 12 + if pm { 12 } else { 0 }) * 60 + m.unwrap_or(0))
            }
            (Some(m), None) if h < 24 && m < 60 => out.push(h * 60 + m),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Days since 1970-01-01 of an RFC 3339 time (date and hh:mm; the offset is ignored).
pub fn epoch_days(s: &str) -> Option<f64> {
    let (d, rest) = (s.get(..10)?, s.get(10..).unwrap_or(""));
    let p: Vec<i64> = d
        .split('-')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let (y, m, dd) = (*p.first()?, *p.get(1)?, *p.get(2)?);
    if p.len() != 3 || !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    // days from civil (Howard Hinnant)
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let hm: Vec<f64> = rest
        .trim_start_matches(['T', ' '])
        .get(..5)
        .map_or(vec![], |c| {
            c.split(':').filter_map(|x| x.parse().ok()).collect()
        });
    let frac = if hm.len() == 2 {
        (hm[0] * 60.0 + hm[1]) / 1440.0
    } else {
        0.0
    };
    Some(days as f64 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: Option<u32>, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn dates_from_words_iso_and_kalshi_codes() {
        assert_eq!(dates("on Jan 9, 2026?"), vec![d(Some(2026), 1, 9)]);
        assert_eq!(
            dates("scheduled for January 10 at 7:00PM ET"),
            vec![d(None, 1, 10)]
        );
        assert_eq!(dates("nba-mil-lal-2026-01-09"), vec![d(Some(2026), 1, 9)]);
        assert_eq!(
            dates("KXNBAGAME-26JAN09MILLAL-MIL"),
            vec![d(Some(2026), 1, 9)]
        );
        assert!(
            dates("Will it rain? It may.").is_empty(),
            "the verb 'may' is no month"
        );
        assert!(
            d(None, 1, 9).same_day(&d(Some(2026), 1, 9))
                && !d(Some(2025), 1, 9).same_day(&d(Some(2026), 1, 9))
        );
    }

    #[test]
    fn times_need_minutes_or_am_pm() {
        assert_eq!(times("at 5pm ET"), vec![17 * 60]);
        assert_eq!(times("at 4:00 PM ET"), vec![16 * 60]);
        assert_eq!(times("9:30PM"), vec![21 * 60 + 30]);
        assert_eq!(times("17:00 UTC"), vec![17 * 60]);
        assert!(times("above 5 points, 2028, $1,600.50").is_empty());
    }

    #[test]
    fn words_keep_decimals_and_drop_thousands_commas() {
        assert_eq!(
            words("Above $1,589.99, O/U 2.5!"),
            vec!["above", "1589.99", "o/u", "2.5"]
        );
    }
}
