//! The exit policy: how the engine closes an unhedged position on its own (profile
//! `[exit]`, journaled as `ExitPolicyLoaded`, format version 6).

use super::{ConfigError, Decimal};
use crate::core::Money;
use crate::core::fixed::parse_decimal;
use serde::{Deserialize, Serialize};

/// When an unhedged position (an episode left exposed after its legs and hedge) is
/// exited. Each exit is an immediate-or-cancel buy of the held outcome's other outcome
/// on the same venue (or, while it offers its planned price, the pair's second leg).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitPolicy {
    /// Time stop: a position unhedged this long (event time) is exited within
    /// `stop_max_loss`; zero: no time stop.
    pub max_hold_ms: u64,
    /// EV stop: once closing would lose this much per contract, the position is exited
    /// within `stop_max_loss`; zero: no EV stop.
    pub ev_stop: Money,
    /// The most a stop exit may lose per contract. A stop that cannot close within it
    /// leaves the position to the operator (safe mode).
    pub stop_max_loss: Money,
    /// Least event time between two exit attempts of one position (an exit that did not
    /// fill is tried again on a later book, not on every update).
    pub retry_ms: u32,
}

impl Default for ExitPolicy {
    fn default() -> Self {
        ExitPolicy {
            max_hold_ms: 600_000,
            ev_stop: Money(100_000),
            stop_max_loss: Money(150_000),
            retry_ms: 1_000,
        }
    }
}

/// `[exit]` as written in a profile.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExitSection {
    enabled: Option<bool>,
    max_hold_s: Option<Decimal>,
    ev_stop: Option<Decimal>,
    stop_max_loss: Option<Decimal>,
    retry_s: Option<Decimal>,
}

impl ExitSection {
    /// The validated policy (`None` when `enabled = false`), or the field that is wrong.
    pub(super) fn policy(
        &self,
        unwind_max_loss: Money,
        origin: &str,
    ) -> Result<Option<ExitPolicy>, ConfigError> {
        let bad = |field: &'static str, message: String| ConfigError::Value {
            path: origin.to_string(),
            field,
            message,
        };
        if self.enabled == Some(false) {
            return Ok(None);
        }
        let mut p = ExitPolicy::default();
        // Seconds to milliseconds, at most `max_s`.
        let millis = |field: &'static str, d: &Decimal, max_s: i64| {
            let raw = parse_decimal(&d.text(), 3).map_err(|e| bad(field, e.to_string()))?;
            if !(0..=max_s * 1_000).contains(&raw) {
                return Err(bad(
                    field,
                    format!("{} is not between 0 and {max_s}", d.text()),
                ));
            }
            Ok(raw)
        };
        let per_contract = |field: &'static str, d: &Decimal| {
            let raw = parse_decimal(&d.text(), 6).map_err(|e| bad(field, e.to_string()))?;
            if !(0..=500_000).contains(&raw) {
                return Err(bad(
                    field,
                    format!("{} is not between 0 and 0.50", d.text()),
                ));
            }
            Ok(Money(raw))
        };
        if let Some(d) = &self.max_hold_s {
            p.max_hold_ms = millis("exit.max_hold_s", d, 30 * 86_400)? as u64;
        }
        if let Some(d) = &self.retry_s {
            p.retry_ms = millis("exit.retry_s", d, 3_600)? as u32;
        }
        if let Some(d) = &self.ev_stop {
            p.ev_stop = per_contract("exit.ev_stop", d)?;
        }
        if let Some(d) = &self.stop_max_loss {
            p.stop_max_loss = per_contract("exit.stop_max_loss", d)?;
        }
        if p.stop_max_loss < unwind_max_loss {
            return Err(bad(
                "exit.stop_max_loss",
                format!(
                    "{} is below legging.unwind_max_loss ({}): a stop may lose at least what an ordinary unwind may",
                    p.stop_max_loss, unwind_max_loss
                ),
            ));
        }
        if p.ev_stop > p.stop_max_loss {
            return Err(bad(
                "exit.ev_stop",
                format!(
                    "{} is above exit.stop_max_loss ({}): the stop could never close within its bound",
                    p.ev_stop, p.stop_max_loss
                ),
            ));
        }
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ExitPolicy, Profile};
    use crate::core::Money;

    #[test]
    fn defaults_apply_and_fields_are_read() {
        let p = Profile::from_toml("", "t").unwrap();
        assert_eq!(p.exit, Some(ExitPolicy::default()));
        let p = Profile::from_toml(
            "[exit]\nmax_hold_s = 2.5\nev_stop = \"0.08\"\nstop_max_loss = 0.12\nretry_s = 0.25\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            p.exit,
            Some(ExitPolicy {
                max_hold_ms: 2_500,
                ev_stop: Money(80_000),
                stop_max_loss: Money(120_000),
                retry_ms: 250,
            })
        );
        let off = Profile::from_toml("[exit]\nenabled = false\n", "t").unwrap();
        assert_eq!(off.exit, None);
    }

    #[test]
    fn bad_values_name_their_field() {
        for (text, field) in [
            ("[exit]\nmax_hold_s = -1\n", "exit.max_hold_s"),
            ("[exit]\nev_stop = \"abc\"\n", "exit.ev_stop"),
            ("[exit]\nev_stop = 0.6\n", "exit.ev_stop"),
            (
                "[exit]\nev_stop = 0.2\nstop_max_loss = 0.1\n",
                "exit.ev_stop",
            ),
            ("[exit]\nstop_max_loss = 0.01\n", "exit.stop_max_loss"),
            ("[exit]\nretry_s = 7200\n", "exit.retry_s"),
        ] {
            let e = Profile::from_toml(text, "p.toml").unwrap_err().to_string();
            assert!(e.contains(field), "{text:?}: {e}");
            assert!(e.contains("p.toml"), "{e}");
        }
        let e = Profile::from_toml("[exit]\nmax_hold = 3\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_hold"), "{e}");
    }
}
