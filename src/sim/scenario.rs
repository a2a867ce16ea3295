//! Scenario files (`scenarios/*.toml`): questions quoted on Kalshi and/or Polymarket,
//! a seeded fair-value process per question, the book each venue shows for it, and
//! when each question lists, closes and settles (`[[rolling]]` templates list many;
//! see `sim::lifecycle` and `scenarios/market-lifecycle.toml`).

use crate::core::fixed::parse_decimal;
use crate::core::{MarketId, Money, Outcome, Price, Venue};
use crate::event::{FeeModel, MarketMeta, NoLeg, PairRule};
use serde::Deserialize;

pub use super::generator::{Generator, TargetBook};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("scenario {path}: {message}")]
    Parse { path: String, message: String },
    #[error("scenario {path}: {field}: {message}")]
    Value {
        path: String,
        field: String,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: String,
    seed: u64,
    /// Start of event time, epoch milliseconds.
    start_ms: i64,
    duration_s: u64,
    /// Mean interval between book updates (ms).
    step_ms: u64,
    tick_ms: u64,
    cash: CashFile,
    #[serde(default, rename = "question")]
    questions: Vec<QuestionFile>,
    /// Templates that list many questions on a schedule (see `sim::lifecycle`).
    #[serde(default, rename = "rolling")]
    rolling: Vec<super::rolling::RollingFile>,
    #[serde(default, rename = "fault")]
    faults: Vec<super::faults::FaultFile>,
    /// Kalshi events the simulator calls `mutually_exclusive` (by event ticker).
    #[serde(default)]
    exclusive_events: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CashFile {
    kalshi: String,
    polymarket: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    name: String,
    fair: f64,
    /// Standard deviation of the fair value's step (dollars).
    volatility: f64,
    /// Full quoted spread around fair (dollars).
    spread: f64,
    /// Contracts at the best level; deeper levels are similar.
    depth: i64,
    levels: u32,
    /// Probability per update that one venue's quotes are dislocated.
    dislocation: f64,
    /// Size of a dislocation (dollars).
    dislocation_size: f64,
    kalshi: Option<String>,
    #[serde(default = "one")]
    kalshi_fee_multiplier: f64,
    polymarket_yes: Option<String>,
    polymarket_no: Option<String>,
    #[serde(default = "default_poly_rate")]
    polymarket_fee_rate: f64,
    #[serde(default = "default_confidence")]
    pair_confidence: f64,
    /// The event its markets belong to (default: the question's name); several
    /// questions of one event are its buckets.
    event: Option<String>,
    /// The Kalshi market's strike, as the venue lists it: `"greater 3.5"`,
    /// `"less_or_equal 75"`, `"between 76 77"` (type, then floor or cap, or both).
    kalshi_strike: Option<String>,
    /// Seconds after the start when the question is listed (default 0).
    list_at_s: Option<f64>,
    /// Seconds after the start from which its fair value stops moving and its quotes
    /// stay put (sizes still change), e.g. a market whose news is over (default: never).
    still_after_s: Option<f64>,
    /// Seconds after the start when trading ends (default: never).
    close_at_s: Option<f64>,
    /// Seconds after the start from which both venues list an amended resolution text
    /// for its markets (default: never).
    rules_amended_at_s: Option<f64>,
    /// Seconds after the start when the result is known and paid (default: 60 s after
    /// close).
    settle_at_s: Option<f64>,
    /// `"yes"`, `"no"` or `"fair"` (default: YES with the fair value's probability).
    result: Option<String>,
}

fn one() -> f64 {
    1.0
}
fn default_poly_rate() -> f64 {
    0.04
}
fn default_confidence() -> f64 {
    0.97
}

/// A rolling template's instance as an ordinary question.
fn rolling_question(
    r: &super::rolling::RollingFile,
    i: super::rolling::RollingInstance,
) -> QuestionFile {
    let (polymarket_yes, polymarket_no) = match i.tokens {
        Some((y, n)) => (Some(y), Some(n)),
        None => (None, None),
    };
    QuestionFile {
        name: i.name,
        fair: r.fair,
        volatility: r.volatility,
        spread: r.spread,
        depth: r.depth,
        levels: r.levels,
        dislocation: r.dislocation,
        dislocation_size: r.dislocation_size,
        kalshi: i.kalshi,
        kalshi_fee_multiplier: r.kalshi_fee_multiplier.unwrap_or(1.0),
        polymarket_yes,
        polymarket_no,
        polymarket_fee_rate: r.polymarket_fee_rate.unwrap_or_else(default_poly_rate),
        pair_confidence: r.pair_confidence.unwrap_or_else(default_confidence),
        event: None,
        kalshi_strike: None,
        list_at_s: Some(i.list_at_s),
        still_after_s: None,
        close_at_s: Some(i.close_at_s),
        rules_amended_at_s: None,
        settle_at_s: Some(i.settle_at_s),
        result: r.result.clone(),
    }
}

/// One quoted question and the markets that quote it.
#[derive(Clone, Debug)]
pub struct Question {
    pub name: String,
    pub fair: f64,
    pub volatility: f64,
    pub spread: f64,
    pub depth: i64,
    pub levels: u32,
    pub dislocation: f64,
    pub dislocation_size: f64,
    /// Markets quoting this question, with the outcome whose price is the fair value
    /// (a Polymarket NO token quotes 1 − fair).
    pub markets: Vec<(MarketId, Outcome)>,
    /// The event its markets belong to (Kalshi event ticker; default: its name).
    pub event: String,
    /// When it lists, closes and settles, and how its result is known.
    pub schedule: super::lifecycle::Schedule,
    /// Nanoseconds after the start from which its fair value stops moving.
    pub still_after_ns: Option<i64>,
    /// Nanoseconds after the start from which its resolution text is amended.
    pub rules_amended_ns: Option<i64>,
}

/// The resolution text both venues list for a simulated market titled `title`
/// (`amended` once its question's `rules_amended_at_s` has come).
pub fn rules_text(title: &str, amended: bool) -> String {
    let text = format!("If {title:?} happens, the market resolves to Yes; otherwise to No.");
    if amended {
        text + " Amended: if it is postponed, the market resolves to No."
    } else {
        text
    }
}

/// A parsed, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub start_ns: i64,
    pub duration_ns: i64,
    pub step_ns: i64,
    pub tick_ns: i64,
    pub cash: [Money; 2],
    pub markets: Vec<MarketMeta>,
    pub pairs: Vec<PairRule>,
    pub questions: Vec<Question>,
    /// Scripted venue faults (applied by the simulator server).
    pub faults: Vec<super::faults::Fault>,
    /// Kalshi events the simulator calls `mutually_exclusive`.
    pub exclusive_events: Vec<String>,
    /// Kalshi tickers' strikes, served with their markets.
    pub strikes: Vec<(String, KalshiStrike)>,
}

/// A Kalshi market's `strike_type`, `floor_strike` and `cap_strike`.
#[derive(Clone, Debug, PartialEq)]
pub struct KalshiStrike {
    pub strike_type: String,
    pub floor: Option<f64>,
    pub cap: Option<f64>,
}

impl KalshiStrike {
    /// `"greater 3.5"`, `"less 75"`, `"between 76 77"`, ...
    fn parse(text: &str) -> Result<KalshiStrike, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let num = |w: &str| {
            w.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{w:?} is not a number"))
        };
        let (floor, cap) = match words.as_slice() {
            ["greater" | "greater_or_equal", x] => (Some(num(x)?), None),
            ["less" | "less_or_equal", x] => (None, Some(num(x)?)),
            ["between", lo, hi] => (Some(num(lo)?), Some(num(hi)?)),
            _ => {
                return Err(format!(
                    "{text:?} is not \"greater|greater_or_equal|less|less_or_equal X\" or \"between X Y\""
                ));
            }
        };
        Ok(KalshiStrike {
            strike_type: words[0].to_string(),
            floor,
            cap,
        })
    }
}

fn bp(x: f64) -> u32 {
    (x * 10_000.0).round() as u32
}

impl Scenario {
    /// The scenario's cross-venue pairs as a mapping file (`docs/mapping.md`, version
    /// 1): what `arb live` needs to trade them against the simulator.
    pub fn pairs_mapping(&self) -> String {
        let pairs = self
            .pairs
            .iter()
            .map(|p| {
                let (k, m) = (&self.markets[p.a.index()], &self.markets[p.b.index()]);
                crate::mapping::PairV2 {
                    kalshi: k.venue_id.clone(),
                    polymarket: m.venue_id.clone(),
                    polymarket_outcome_for_kalshi_yes: match p.b_outcome_for_a_yes {
                        Outcome::Yes => "yes",
                        Outcome::No => "no",
                    }
                    .into(),
                    confidence: f64::from(p.confidence_bp) / 10_000.0,
                    verdict: "same".into(),
                    reason: "the simulator's own pair".into(),
                    confirmed_by: format!("sim:{}", self.name),
                    kalshi_title: k.title.clone(),
                    polymarket_title: m.title.clone(),
                    kalshi_rules: rules_text(&k.title, false),
                    polymarket_description: rules_text(&m.title, false),
                    ..crate::mapping::PairV2::default()
                }
            })
            .collect();
        let file = crate::mapping::MappingFileV2 {
            version: crate::mapping::VERSION,
            pairs,
        };
        toml::to_string(&file).unwrap_or_default()
    }

    /// The scenario at `path`, or the embedded arb-rich scenario (`arb sim`'s default).
    pub fn load_or_default(path: Option<&Path>) -> Result<Scenario, ScenarioError> {
        match path {
            Some(p) => Scenario::load(p),
            None => Scenario::parse(
                include_str!("../../scenarios/arb-rich.toml"),
                "embedded arb-rich.toml",
            ),
        }
    }

    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Scenario::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let f: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: origin.into(),
            message: e.to_string(),
        })?;
        let bad = |field: String, message: String| ScenarioError::Value {
            path: origin.into(),
            field,
            message,
        };
        let money = |field: &str, s: &str| {
            parse_decimal(s, 6)
                .map(Money)
                .map_err(|e| bad(field.into(), e.to_string()))
        };
        let cash = [
            money("cash.kalshi", &f.cash.kalshi)?,
            money("cash.polymarket", &f.cash.polymarket)?,
        ];
        for (field, v) in [
            ("duration_s", f.duration_s),
            ("step_ms", f.step_ms),
            ("tick_ms", f.tick_ms),
        ] {
            if v == 0 {
                return Err(bad(field.into(), "must be above zero".into()));
            }
        }
        let mut f = f;
        for (k, r) in f.rolling.clone().iter().enumerate() {
            let instances = r.expand(k).map_err(|(field, m)| bad(field, m))?;
            f.questions
                .extend(instances.into_iter().map(|i| rolling_question(r, i)));
        }
        if f.questions.is_empty() {
            return Err(bad(
                "question".into(),
                "at least one [[question]] (or [[rolling]]) is needed".into(),
            ));
        }
        let mut markets = Vec::new();
        let mut pairs = Vec::new();
        let mut strikes = Vec::new();
        let mut questions = Vec::new();
        for (i, q) in f.questions.iter().enumerate() {
            let field = |name: &str| format!("question[{i}] ({}).{name}", q.name);
            let checks = [
                ("fair", q.fair > 0.0 && q.fair < 1.0),
                ("volatility", (0.0..0.2).contains(&q.volatility)),
                ("spread", q.spread > 0.0 && q.spread < 0.5),
                ("depth", q.depth > 0),
                ("levels", (1..=50).contains(&q.levels)),
                ("dislocation", (0.0..=1.0).contains(&q.dislocation)),
                ("dislocation_size", (0.0..0.5).contains(&q.dislocation_size)),
                ("pair_confidence", (0.0..=1.0).contains(&q.pair_confidence)),
                (
                    "still_after_s",
                    q.still_after_s.is_none_or(|s| s.is_finite() && s >= 0.0),
                ),
                (
                    "rules_amended_at_s",
                    q.rules_amended_at_s
                        .is_none_or(|s| s.is_finite() && s >= 0.0),
                ),
                (
                    "kalshi_fee_multiplier",
                    (0.0..=10.0).contains(&q.kalshi_fee_multiplier),
                ),
                (
                    "polymarket_fee_rate",
                    (0.0..=1.0).contains(&q.polymarket_fee_rate),
                ),
            ];
            for (name, ok) in checks {
                if !ok {
                    return Err(bad(field(name), "out of range".into()));
                }
            }
            let schedule = super::lifecycle::Schedule::parse(
                q.list_at_s,
                q.close_at_s,
                q.settle_at_s,
                q.result.as_deref(),
                field,
            )
            .map_err(|(field, m)| bad(field, m))?;
            let close_ts = schedule.close_ns.map(|c| f.start_ms * 1_000_000 + c);
            let mut qm = Vec::new();
            let mut kalshi_id = None;
            let markets_before = markets.len() as u32;
            let mut define = |venue, venue_id: &str, no_leg, fees, tick| {
                let id = MarketId(markets.len() as u32);
                markets.push(MarketMeta {
                    id,
                    venue,
                    venue_id: venue_id.to_string(),
                    title: q.name.clone(),
                    event_id: q.event.clone().unwrap_or_else(|| q.name.clone()),
                    series_id: f.name.clone(),
                    close_ts,
                    no_leg,
                    fees,
                    tick,
                });
                id
            };
            if let (Some(t), Some(text)) = (&q.kalshi, &q.kalshi_strike) {
                let strike =
                    KalshiStrike::parse(text).map_err(|m| bad(field("kalshi_strike"), m))?;
                strikes.push((t.clone(), strike));
            }
            if let Some(t) = &q.kalshi {
                let id = define(
                    Venue::Kalshi,
                    t,
                    NoLeg::SameBook,
                    FeeModel::Kalshi {
                        multiplier_bp: bp(q.kalshi_fee_multiplier),
                    },
                    Price(100),
                );
                qm.push((id, Outcome::Yes));
                kalshi_id = Some(id);
            }
            match (&q.polymarket_yes, &q.polymarket_no) {
                (Some(y), Some(n)) => {
                    let fees = FeeModel::Polymarket {
                        rate_ppm: (q.polymarket_fee_rate * 1e6).round() as u32,
                        exponent: 1,
                        taker_only: true,
                    };
                    let base = kalshi_id.map_or(markets_before, |k| k.0 + 1);
                    let (yid, nid) = (MarketId(base), MarketId(base + 1));
                    define(
                        Venue::Polymarket,
                        y,
                        NoLeg::Complement(nid),
                        fees,
                        Price(100),
                    );
                    define(
                        Venue::Polymarket,
                        n,
                        NoLeg::Complement(yid),
                        fees,
                        Price(100),
                    );
                    qm.push((yid, Outcome::Yes));
                    qm.push((nid, Outcome::No));
                    if let Some(k) = kalshi_id {
                        pairs.push(PairRule {
                            a: k,
                            b: yid,
                            b_outcome_for_a_yes: Outcome::Yes,
                            confidence_bp: bp(q.pair_confidence) as u16,
                        });
                    }
                }
                (None, None) => {}
                _ => {
                    return Err(bad(
                        field("polymarket_yes"),
                        "polymarket_yes and polymarket_no go together".into(),
                    ));
                }
            }
            if qm.is_empty() {
                return Err(bad(
                    field("kalshi"),
                    "a question needs a kalshi market or a polymarket token pair".into(),
                ));
            }
            questions.push(Question {
                name: q.name.clone(),
                fair: q.fair,
                volatility: q.volatility,
                spread: q.spread,
                depth: q.depth,
                levels: q.levels,
                dislocation: q.dislocation,
                dislocation_size: q.dislocation_size,
                markets: qm,
                event: q.event.clone().unwrap_or_else(|| q.name.clone()),
                schedule,
                still_after_ns: q.still_after_s.map(|s| (s * 1e9) as i64),
                rules_amended_ns: q.rules_amended_at_s.map(|s| (s * 1e9) as i64),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in &markets {
            if !seen.insert((m.venue, m.venue_id.clone())) {
                return Err(bad(
                    "question".into(),
                    format!("{} market {:?} appears twice", m.venue, m.venue_id),
                ));
            }
        }
        super::lifecycle::check_exclusive_results(&questions, &f.exclusive_events)
            .map_err(|(field, m)| bad(field, m))?;
        let faults = f
            .faults
            .iter()
            .enumerate()
            .map(|(i, ff)| ff.parse().map_err(|m| bad(format!("fault[{i}]"), m)))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, fault) in faults.iter().enumerate() {
            if let Some(m) = &fault.market
                && !markets.iter().any(|x| &x.venue_id == m)
            {
                return Err(bad(
                    format!("fault[{i}].market"),
                    format!("{m:?} is not a market of this scenario"),
                ));
            }
        }
        Ok(Scenario {
            faults,
            exclusive_events: f.exclusive_events,
            strikes,
            name: f.name,
            seed: f.seed,
            start_ns: f.start_ms * 1_000_000,
            duration_ns: (f.duration_s as i64) * 1_000_000_000,
            step_ns: (f.step_ms as i64) * 1_000_000,
            tick_ns: (f.tick_ms as i64) * 1_000_000,
            cash,
            markets,
            pairs,
            questions,
        })
    }

    /// The book generator for this scenario.
    pub fn generator(&self) -> Generator {
        Generator::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kalshi_strike_is_read_and_a_bad_one_named() {
        assert_eq!(
            KalshiStrike::parse("between 76 77.5"),
            Ok(KalshiStrike {
                strike_type: "between".into(),
                floor: Some(76.0),
                cap: Some(77.5),
            })
        );
        assert_eq!(
            KalshiStrike::parse("less_or_equal 75").map(|s| (s.floor, s.cap)),
            Ok((None, Some(75.0)))
        );
        let base = include_str!("../../tests/data/kalshi-thresholds.toml");
        let s = Scenario::parse(base, "t.toml").unwrap();
        assert_eq!(s.strikes.len(), 2);
        let bad = base.replace("greater 3.5", "above 3.5");
        let e = Scenario::parse(&bad, "t.toml").unwrap_err().to_string();
        assert!(
            e.contains("kalshi_strike") && e.contains("\"above 3.5\""),
            "{e}"
        );
    }
}
