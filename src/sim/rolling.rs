//! `[[rolling]]` scenario templates: many short-lived questions listed on a schedule,
//! expanded into ordinary questions when the scenario is read.

use super::lifecycle::DEFAULT_SETTLE_AFTER_S;
use serde::Deserialize;

/// `[[rolling]]`: `count` questions listed every `every_s`, each trading `open_for_s`
/// and settling `settle_after_s` after it closes. Instance `i` is named `"{name}-{i}"`,
/// lists at `i * every_s`, is quoted on Kalshi as `"{kalshi_prefix}-{i}"` if a prefix
/// is given and on Polymarket (token ids derived from the name and `i`) if
/// `polymarket = true`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RollingFile {
    pub name: String,
    pub every_s: f64,
    pub count: u32,
    pub open_for_s: f64,
    #[serde(default = "default_settle_after")]
    pub settle_after_s: f64,
    pub fair: f64,
    pub volatility: f64,
    pub spread: f64,
    pub depth: i64,
    pub levels: u32,
    pub dislocation: f64,
    pub dislocation_size: f64,
    pub pair_confidence: Option<f64>,
    pub kalshi_fee_multiplier: Option<f64>,
    pub polymarket_fee_rate: Option<f64>,
    pub kalshi_prefix: Option<String>,
    #[serde(default)]
    pub polymarket: bool,
    pub result: Option<String>,
}

fn default_settle_after() -> f64 {
    DEFAULT_SETTLE_AFTER_S
}

/// One question of a rolling template, with its markets and times.
pub(super) struct RollingInstance {
    pub name: String,
    pub kalshi: Option<String>,
    /// (YES token id, NO token id).
    pub tokens: Option<(String, String)>,
    pub list_at_s: f64,
    pub close_at_s: f64,
    pub settle_at_s: f64,
}

/// A Polymarket token id (a decimal 256-bit number) derived from a rolling question's
/// name and outcome, the same on every run.
fn token_id(name: &str, outcome: &str) -> String {
    let hash = crate::venues::polymarket::eth::keccak256(format!("arb-sim/{name}/{outcome}"));
    crate::venues::polymarket::eth::U256(hash).to_string()
}

impl RollingFile {
    /// The template's questions, or what is wrong with it (field, why).
    pub fn expand(&self, k: usize) -> Result<Vec<RollingInstance>, (String, String)> {
        let field = |f: &str| format!("rolling[{k}] ({}).{f}", self.name);
        let checks = [
            ("every_s", self.every_s.is_finite() && self.every_s > 0.0),
            ("count", (1..=100_000).contains(&self.count)),
            (
                "open_for_s",
                self.open_for_s.is_finite() && self.open_for_s > 0.0,
            ),
            (
                "settle_after_s",
                self.settle_after_s.is_finite() && self.settle_after_s >= 0.0,
            ),
        ];
        for (name, ok) in checks {
            if !ok {
                return Err((field(name), "out of range".into()));
            }
        }
        if self.kalshi_prefix.is_none() && !self.polymarket {
            return Err((
                field("kalshi_prefix"),
                "a rolling question needs kalshi_prefix or polymarket = true".into(),
            ));
        }
        Ok((0..self.count)
            .map(|i| {
                let name = format!("{}-{i}", self.name);
                let list_at_s = f64::from(i) * self.every_s;
                let close_at_s = list_at_s + self.open_for_s;
                RollingInstance {
                    kalshi: self.kalshi_prefix.as_ref().map(|p| format!("{p}-{i}")),
                    tokens: self
                        .polymarket
                        .then(|| (token_id(&name, "yes"), token_id(&name, "no"))),
                    list_at_s,
                    close_at_s,
                    settle_at_s: close_at_s + self.settle_after_s,
                    name,
                }
            })
            .collect())
    }
}
