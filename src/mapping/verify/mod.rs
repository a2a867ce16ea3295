//! Deterministic rules deciding whether a Kalshi and a Polymarket market ask the same
//! question with the same resolution, which Polymarket token pays when Kalshi YES pays,
//! and why. Each rule either passes, fails (a near-miss: different) or leaves a doubt.

mod forms;

use super::aliases::{Aliases, NONE};
use super::features::{Dir, Features, features_with};
use super::normalize::base;
use super::teams;

pub use super::text::epoch_days;

/// One side of a candidate pair as the verifier sees it.
#[derive(Clone, Debug, Default)]
pub struct Side {
    /// Kalshi ticker / Polymarket event slug: ids carry dates and team codes.
    pub ids: String,
    pub title: String,
    pub rules: String,
    /// RFC 3339 close / end time, or "".
    pub close: String,
    /// Kalshi: what YES refers to (`yes_sub_title`), or "".
    pub yes_subject: String,
    /// Polymarket: (label, token id) per outcome.
    pub outcomes: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Same,
    Different,
    Uncertain,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Different => "different",
            Verdict::Uncertain => "uncertain",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    /// How sure the rules are that both resolve identically (0 for `different`).
    pub confidence: f64,
    /// Every failed rule and every doubt, "; "-separated; or what matched.
    pub reason: String,
    /// The Polymarket token that pays exactly when Kalshi YES pays, when determined.
    pub polymarket_token: Option<String>,
}

/// Below this, a pair without a failed rule is `uncertain`.
pub const SAME_AT: f64 = 0.85;

struct Tally {
    fails: Vec<String>,
    doubts: Vec<(f64, String)>,
}

impl Tally {
    fn fail(&mut self, m: String) {
        self.fails.push(m);
    }
    fn doubt(&mut self, cost: f64, m: String) {
        self.doubts.push((cost, m));
    }
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("none")
}

/// The rules with the hand-written tables alone.
pub fn verify(k: &Side, p: &Side) -> Decision {
    verify_with(k, p, &NONE)
}

/// The rules with aliases learned from the venues' listings beside the tables.
pub fn verify_with(k: &Side, p: &Side, a: &Aliases) -> Decision {
    let mut t = Tally {
        fails: Vec::new(),
        doubts: Vec::new(),
    };
    let (kt, kcut) = forms::whole_title(k, p, "kalshi", &mut t);
    let (pt, pcut) = forms::whole_title(p, k, "polymarket", &mut t);
    let kf = features_with(&kt, &k.rules, &k.ids, a);
    let pf = features_with(&pt, &p.rules, &p.ids, a);
    predicate(&kf, &pf, &mut t);
    forms::ordinals(&kf, &pf, &mut t);
    forms::contest(&kf, &pf, &mut t);
    thresholds(&kf, &pf, &mut t);
    when(&kf, &pf, k, p, &mut t);
    let league = kf.league.clone().or(pf.league.clone());
    let begun = |frag: &str| teams::teams_by_prefix(league.as_deref(), frag, a);
    if !forms::cut_teams(&kf, &pf, kcut.as_ref(), pcut.as_ref(), begun, &mut t) {
        team_sets(&kf, &pf, &mut t);
    }
    entities(&kf, &pf, &mut t);
    let token = orientation(&kf, &pf, k, p, a, &mut t);
    let confidence = (0.99 - t.doubts.iter().map(|d| d.0).sum::<f64>()).max(0.0);
    let (verdict, confidence, reason) = if !t.fails.is_empty() {
        (Verdict::Different, 0.0, t.fails.join("; "))
    } else {
        let v = if confidence >= SAME_AT {
            Verdict::Same
        } else {
            Verdict::Uncertain
        };
        let mut r = format!(
            "same predicate ({}), entities [{}]",
            opt(kf.predicate),
            kf.teams
                .iter()
                .chain(&kf.names)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (_, d) in &t.doubts {
            r += "; ";
            r += d;
        }
        (v, (confidence * 100.0).round() / 100.0, r)
    };
    Decision {
        verdict,
        confidence,
        reason,
        polymarket_token: token,
    }
}

fn predicate(k: &Features, p: &Features, t: &mut Tally) {
    match (k.predicate, p.predicate) {
        (Some(a), Some(b)) if a != b => t.fail(format!(
            "predicate: kalshi asks '{a}', polymarket asks '{b}'"
        )),
        (None, None) => t.doubt(
            0.3,
            "no predicate (win/run/attend/...) found on either side".into(),
        ),
        (None, Some(_)) | (Some(_), None) => t.doubt(
            0.2,
            format!(
                "predicate known on one side only: kalshi {}, polymarket {}",
                opt(k.predicate),
                opt(p.predicate)
            ),
        ),
        _ => {}
    }
    // No stage means the whole contest, which ends with its final.
    let whole = |s: Option<&'static str>| s.filter(|s| *s != "final").unwrap_or("whole contest");
    if whole(k.stage) != whole(p.stage) {
        t.fail(format!(
            "stage: kalshi '{}', polymarket '{}'",
            whole(k.stage),
            whole(p.stage)
        ));
    }
    if let (Some(a), Some(b)) = (k.scope, p.scope)
        && a != b
    {
        t.fail(format!(
            "scope: kalshi '{a}' election, polymarket '{b}' election"
        ));
    }
}

fn thresholds(k: &Features, p: &Features, t: &mut Tally) {
    let list = |f: &Features| {
        f.thresholds
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (k.thresholds.is_empty(), p.thresholds.is_empty()) {
        (true, true) => {}
        (false, false) => {
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
            for a in &k.thresholds {
                match p.thresholds.iter().find(|b| close(a.value, b.value)) {
                    None => t.fail(format!(
                        "threshold: kalshi {}, polymarket {}",
                        list(k),
                        list(p)
                    )),
                    Some(b) if a.dir != b.dir && a.dir != Dir::Line && b.dir != Dir::Line => {
                        t.fail(format!("threshold direction: kalshi {a}, polymarket {b}"))
                    }
                    Some(_) => continue,
                }
                return;
            }
        }
        _ => t.doubt(
            0.2,
            format!(
                "threshold on one side only: kalshi [{}], polymarket [{}]",
                list(k),
                list(p)
            ),
        ),
    }
}

fn when(k: &Features, p: &Features, ks: &Side, ps: &Side, t: &mut Tally) {
    let show = |f: &Features| {
        f.dates
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !k.dates.is_empty() && !p.dates.is_empty() {
        if !k
            .dates
            .iter()
            .any(|a| p.dates.iter().any(|b| a.same_day(b)))
        {
            t.fail(format!("date: kalshi {}, polymarket {}", show(k), show(p)));
        }
    } else if !k.years.is_empty() && !p.years.is_empty() {
        if !k.years.iter().any(|y| p.years.contains(y)) {
            t.fail(format!(
                "year: kalshi {:?}, polymarket {:?}",
                k.years, p.years
            ));
        }
    } else if k.dates.is_empty() != p.dates.is_empty() {
        t.doubt(
            0.05,
            format!(
                "date on one side only: kalshi [{}], polymarket [{}]",
                show(k),
                show(p)
            ),
        );
    }
    if !k.times.is_empty() && !p.times.is_empty() && !k.times.iter().any(|a| p.times.contains(a)) {
        let hm = |v: &[u32]| {
            v.iter()
                .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
                .collect::<Vec<_>>()
                .join(", ")
        };
        t.fail(format!(
            "settlement time: kalshi {}, polymarket {}",
            hm(&k.times),
            hm(&p.times)
        ));
    }
    if let (Some(a), Some(b)) = (epoch_days(&ks.close), epoch_days(&ps.close))
        && (a - b).abs() > 3.0
    {
        let gap = (a - b).abs();
        t.doubt(
            0.15,
            format!(
                "close times {} and {} are {gap:.0} days apart",
                ks.close, ps.close
            ),
        );
    }
}

fn team_sets(k: &Features, p: &Features, t: &mut Tally) {
    if !k.teams.is_empty() && !p.teams.is_empty() && k.teams != p.teams {
        t.fail(format!(
            "teams: kalshi [{}], polymarket [{}]",
            k.teams.join(", "),
            p.teams.join(", ")
        ));
    }
}

fn entities(k: &Features, p: &Features, t: &mut Tally) {
    // Possessives are gone already; plurals compare by base form ("Republicans").
    let only = |a: &Features, b: &Features| {
        a.names
            .iter()
            .filter(|n| !b.names.iter().any(|m| base(m) == base(n)))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (ko, po) = (only(k, p), only(p, k));
    if !ko.is_empty() && !po.is_empty() {
        t.fail(format!(
            "entity: kalshi names [{}], polymarket names [{}]",
            ko.join(", "),
            po.join(", ")
        ));
    } else if !ko.is_empty() || !po.is_empty() {
        t.doubt(
            0.03,
            format!("named on one side only: [{}]", [ko, po].concat().join(", ")),
        );
    }
    let none = |f: &Features| f.teams.is_empty() && f.names.is_empty();
    if none(k) || none(p) {
        t.doubt(0.2, "no named entity on one side to compare".into());
    }
}

fn orientation(
    k: &Features,
    p: &Features,
    ks: &Side,
    ps: &Side,
    a: &Aliases,
    t: &mut Tally,
) -> Option<String> {
    let find = |label: &str| {
        ps.outcomes
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(label))
            .map(|(_, tok)| tok.clone())
    };
    let labels: Vec<String> = ps
        .outcomes
        .iter()
        .map(|(l, _)| l.to_ascii_lowercase())
        .collect();
    if ps.outcomes.is_empty() {
        t.doubt(
            0.05,
            "polymarket outcomes unknown: side mapping left open".into(),
        );
        return None;
    }
    if labels == ["yes", "no"] {
        return if k.negated != p.negated {
            t.doubt(
                0.1,
                "one side is negated: kalshi YES is polymarket No".into(),
            );
            find("no")
        } else {
            find("yes")
        };
    }
    if labels == ["over", "under"] {
        return match k.thresholds.first().map(|x| x.dir) {
            Some(Dir::Above) => find("over"),
            Some(Dir::Below) => find("under"),
            _ => {
                t.doubt(0.1, "over/under market but no Kalshi direction".into());
                None
            }
        };
    }
    // The ticker is the first id ("TICKER EVENT"): its last part names YES.
    let ticker = ks.ids.split_whitespace().next().unwrap_or("");
    let subject = match ks.yes_subject.trim() {
        "" => ticker
            .rsplit_once('-')
            .map(|x| x.1)
            .filter(|s| ticker.matches('-').count() >= 2 && s.len() <= 5)
            .unwrap_or(""),
        s => s,
    };
    if subject.is_empty() {
        t.doubt(
            0.05,
            "no Kalshi YES subject (event-level listing): side mapping left open".into(),
        );
        return None;
    }
    let league = k.league.as_deref().or(p.league.as_deref());
    let want = teams::team_of_with(league, subject, a);
    let hit = ps.outcomes.iter().find(|(l, _)| match &want {
        Some(team) => teams::team_of_with(league, l, a).as_ref() == Some(team),
        None => l.eq_ignore_ascii_case(subject),
    });
    match hit {
        Some((_, tok)) => Some(tok.clone()),
        None => {
            t.fail(format!(
                "orientation: kalshi YES is '{subject}', not an outcome of polymarket [{}]",
                labels.join(", ")
            ));
            None
        }
    }
}
