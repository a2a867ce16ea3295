//! Numeric thresholds in a question's wording, and which way each points: above,
//! below, or a line with no direction of its own.

use crate::mapping::text;

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
/// A count in a unit is a line of its own ("50 seats", "25 bps", "3.5%"); plurals are
/// read as one ("1 seat").
const LINE_POST: &[&str] = &[
    "strike",
    "seats",
    "seat",
    "bps",
    "basis points",
    "basis point",
    "percent",
];

fn number(w: &str) -> Option<f64> {
    let w = w.strip_suffix("bps").unwrap_or(w);
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
        .replace('+', " plus ")
        .replace('%', " percent ");
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
        let unit = w[i].ends_with("bps") && w[i].len() > 3;
        let after = |list: &[&str]| list.iter().any(|ph| starts(i + 1, ph));
        let dir = if before(ABOVE_PRE) || after(ABOVE_POST) {
            Dir::Above
        } else if before(BELOW_PRE) || after(BELOW_POST) {
            Dir::Below
        } else if before(LINE_PRE) || after(LINE_POST) || unit {
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
