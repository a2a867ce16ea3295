//! The scenario's market schedule: when each question lists, closes and settles, the
//! `[[rolling]]` template that lists many questions, and the seeded draw of results.
//!
//! Times are offsets from the scenario's start (event time); the simulator's driver maps
//! them to wall time as it maps book updates (`speed`).

use super::scenario::{Question, Scenario};
use crate::core::Rng;

/// How a question's result is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultSpec {
    Yes,
    No,
    /// YES with probability equal to the question's fair value at close, drawn from
    /// the scenario's seeded generator.
    Fair,
}

impl ResultSpec {
    fn parse(text: &str) -> Result<ResultSpec, String> {
        match text {
            "yes" => Ok(ResultSpec::Yes),
            "no" => Ok(ResultSpec::No),
            "fair" => Ok(ResultSpec::Fair),
            other => Err(format!("{other:?} is not \"yes\", \"no\" or \"fair\"")),
        }
    }
}

/// When a question lists, closes and settles (ns after the scenario's start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub list_ns: i64,
    /// Trading ends; `None`: never.
    pub close_ns: Option<i64>,
    /// The result is known and paid; `None` exactly when the question never closes.
    pub settle_ns: Option<i64>,
    pub result: ResultSpec,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            list_ns: 0,
            close_ns: None,
            settle_ns: None,
            result: ResultSpec::Fair,
        }
    }
}

/// Settlement follows close by this much unless the scenario says otherwise.
pub(super) const DEFAULT_SETTLE_AFTER_S: f64 = 60.0;

fn seconds(field: &str, s: f64) -> Result<i64, (String, String)> {
    if !s.is_finite() || !(0.0..=1e9).contains(&s) {
        return Err((field.into(), format!("{s} is not a time in seconds >= 0")));
    }
    Ok((s * 1e9).round() as i64)
}

impl Schedule {
    /// Reads a question's schedule keys; an error names the key (`field(key)`) and why.
    pub fn parse(
        list_at_s: Option<f64>,
        close_at_s: Option<f64>,
        settle_at_s: Option<f64>,
        result: Option<&str>,
        field: impl Fn(&str) -> String,
    ) -> Result<Schedule, (String, String)> {
        let list_ns = seconds(&field("list_at_s"), list_at_s.unwrap_or(0.0))?;
        let close_ns = close_at_s
            .map(|c| seconds(&field("close_at_s"), c))
            .transpose()?;
        let result = result
            .map(ResultSpec::parse)
            .transpose()
            .map_err(|m| (field("result"), m))?
            .unwrap_or(ResultSpec::Fair);
        let Some(close_ns) = close_ns else {
            if settle_at_s.is_some() {
                return Err((field("settle_at_s"), "needs close_at_s".into()));
            }
            return Ok(Schedule {
                list_ns,
                result,
                ..Schedule::default()
            });
        };
        if close_ns <= list_ns {
            return Err((
                field("close_at_s"),
                "must be after list_at_s (a market trades before it closes)".into(),
            ));
        }
        let settle_ns = match settle_at_s {
            Some(s) => seconds(&field("settle_at_s"), s)?,
            None => close_ns + (DEFAULT_SETTLE_AFTER_S * 1e9) as i64,
        };
        if settle_ns < close_ns {
            return Err((field("settle_at_s"), "must not be before close_at_s".into()));
        }
        Ok(Schedule {
            list_ns,
            close_ns: Some(close_ns),
            settle_ns: Some(settle_ns),
            result,
        })
    }
}

/// What happens to a question at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    List,
    Close,
    Settle,
}

/// One scheduled change, `at_ns` after the scenario's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Step {
    pub at_ns: i64,
    pub phase: Phase,
    pub question: usize,
}

/// Every scheduled change of the scenario, in time order. A question listed from the
/// start has no `List` step.
pub fn steps(questions: &[Question]) -> Vec<Step> {
    let mut out = Vec::new();
    for (question, q) in questions.iter().enumerate() {
        let s = &q.schedule;
        if s.list_ns > 0 {
            out.push(Step {
                at_ns: s.list_ns,
                phase: Phase::List,
                question,
            });
        }
        for (at, phase) in [(s.close_ns, Phase::Close), (s.settle_ns, Phase::Settle)] {
            if let Some(at_ns) = at {
                out.push(Step {
                    at_ns,
                    phase,
                    question,
                });
            }
        }
    }
    out.sort();
    out
}

/// Draws and remembers question results. Its generator is seeded from the scenario's
/// seed but apart from the book generator's, so results never move the books.
pub struct Resolver {
    rng: Rng,
    results: Vec<Option<bool>>,
    close_fair: Vec<Option<f64>>,
}

impl Resolver {
    pub fn new(scenario: &Scenario) -> Resolver {
        let n = scenario.questions.len();
        Resolver {
            rng: Rng::new(scenario.seed ^ 0x5e77_1e5e_0000_0001),
            results: vec![None; n],
            close_fair: vec![None; n],
        }
    }

    /// Remembers a question's fair value when it closed (its result is drawn from it).
    pub fn closed(&mut self, question: usize, fair: f64) {
        if let Some(f) = self.close_fair.get_mut(question) {
            f.get_or_insert(fair);
        }
    }

    /// Fixes a question's result (an operator's settle call).
    pub fn decide(&mut self, question: usize, yes: bool) {
        if let Some(r) = self.results.get_mut(question) {
            *r = Some(yes);
        }
    }

    /// The question's result: drawn once, then remembered. The questions of an
    /// exclusive event are drawn together, exactly one of them YES: an explicit
    /// `result = "yes"` wins; otherwise one is drawn in proportion to fair values
    /// (at close, or now for one still open), leaving out the explicit `"no"`s.
    pub fn result(&mut self, scenario: &Scenario, question: usize, fair_now: &[f64]) -> bool {
        if let Some(r) = self.results.get(question).copied().flatten() {
            return r;
        }
        let Some(q) = scenario.questions.get(question) else {
            return false;
        };
        let close_fair = self.close_fair.clone();
        let fair = |i: usize| {
            close_fair[i]
                .or_else(|| fair_now.get(i).copied())
                .unwrap_or(scenario.questions[i].fair)
        };
        if scenario.exclusive_events.contains(&q.event) {
            let members: Vec<usize> = (0..scenario.questions.len())
                .filter(|&i| scenario.questions[i].event == q.event)
                .collect();
            let spec = |i: usize| scenario.questions[i].schedule.result;
            // A bucket already settled YES (by an operator) or declared YES wins;
            // buckets already settled NO or declared NO are out of the draw.
            let known = members
                .iter()
                .find(|&&i| self.results[i] == Some(true))
                .or_else(|| members.iter().find(|&&i| spec(i) == ResultSpec::Yes));
            let winner = match known {
                Some(&w) => w,
                None => {
                    let open: Vec<(usize, f64)> = members
                        .iter()
                        .filter(|&&i| spec(i) != ResultSpec::No && self.results[i] != Some(false))
                        .map(|&i| (i, fair(i).max(0.0)))
                        .collect();
                    let total: f64 = open.iter().map(|(_, f)| f).sum();
                    let mut draw = self.rng.unit() * total;
                    let mut pick = open.last().map_or(question, |(i, _)| *i);
                    for &(i, f) in &open {
                        if draw < f {
                            pick = i;
                            break;
                        }
                        draw -= f;
                    }
                    pick
                }
            };
            for i in members {
                self.results[i].get_or_insert(i == winner);
            }
            return self.results[question].unwrap_or(question == winner);
        }
        let yes = match q.schedule.result {
            ResultSpec::Yes => true,
            ResultSpec::No => false,
            ResultSpec::Fair => {
                let f = fair(question);
                self.rng.unit() < f
            }
        };
        self.results[question] = Some(yes);
        yes
    }
}

/// The questions of an exclusive event settle with exactly one YES: at most one of them
/// may say `result = "yes"`, and not all of them may say `"no"`.
pub(super) fn check_exclusive_results(
    questions: &[Question],
    exclusive: &[String],
) -> Result<(), (String, String)> {
    for event in exclusive {
        let members: Vec<(usize, &Question)> = questions
            .iter()
            .enumerate()
            .filter(|(_, q)| &q.event == event)
            .collect();
        let yes: Vec<_> = members
            .iter()
            .filter(|(_, q)| q.schedule.result == ResultSpec::Yes)
            .collect();
        let all_no = !members.is_empty()
            && members
                .iter()
                .all(|(_, q)| q.schedule.result == ResultSpec::No);
        if yes.len() > 1 || all_no {
            let (i, q) = if all_no { members[0] } else { *yes[1] };
            return Err((
                format!("question[{i}] ({}).result", q.name),
                format!("event {event:?} is exclusive: exactly one of its questions settles YES"),
            ));
        }
    }
    Ok(())
}
