//! The live config's `[limits]` table: the rate governor's buckets and the circuit
//! breakers' error pattern, for both venues (defaults: Kalshi's basic tier, 20 reads
//! and 10 writes a second; 5 failures in a row open a breaker for 1 s, doubling to 30 s).

use crate::venues::governor::Limits;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub read_per_s: Option<f64>,
    pub write_per_s: Option<f64>,
    /// The longest a read may wait for its turn before it is refused locally.
    pub read_max_wait_ms: Option<u64>,
    /// The longest an order request may wait.
    pub order_max_wait_ms: Option<u64>,
    /// Requests waiting at most, per class.
    pub max_waiting: Option<u32>,
    /// The share of `read_per_s` background reads (the warm tier's polls, listing
    /// refreshes) may use at most; the rest is kept for the engine's reads.
    pub background_read_share: Option<f64>,
    /// Failures in a row (429, 5xx, transport; for a stream: failed connects and
    /// drops) that open an endpoint's breaker.
    pub breaker_failures: Option<u32>,
    /// The first cool-down of an open breaker (jittered ±20 %), doubled on each failed
    /// probe up to `breaker_max_cooldown_ms`.
    pub breaker_cooldown_ms: Option<u64>,
    pub breaker_max_cooldown_ms: Option<u64>,
}

impl LimitsConfig {
    /// The governor's limits, or what is out of range (named as `limits.FIELD`).
    pub fn limits(&self) -> Result<Limits, String> {
        let d = Limits::default();
        let rate = |field: &str, v: Option<f64>, default: f64| match v {
            None => Ok(default),
            Some(r) if r.is_finite() && (0.1..=10_000.0).contains(&r) => Ok(r),
            Some(r) => Err(format!("limits.{field}: {r} is not between 0.1 and 10000")),
        };
        let ms = |field: &str, v: Option<u64>, default: Duration| match v {
            None => Ok(default),
            Some(m) if (1..=600_000).contains(&m) => Ok(Duration::from_millis(m)),
            Some(m) => Err(format!("limits.{field}: {m} is not between 1 and 600000")),
        };
        let count = |field: &str, v: Option<u32>, default: u32| match v {
            None => Ok(default),
            Some(n) if (1..=10_000).contains(&n) => Ok(n),
            Some(n) => Err(format!("limits.{field}: {n} is not between 1 and 10000")),
        };
        let limits = Limits {
            read_per_s: rate("read_per_s", self.read_per_s, d.read_per_s)?,
            write_per_s: rate("write_per_s", self.write_per_s, d.write_per_s)?,
            read_max_wait: ms("read_max_wait_ms", self.read_max_wait_ms, d.read_max_wait)?,
            order_max_wait: ms(
                "order_max_wait_ms",
                self.order_max_wait_ms,
                d.order_max_wait,
            )?,
            max_waiting: count("max_waiting", self.max_waiting, d.max_waiting)?,
            background_share: match self.background_read_share {
                None => d.background_share,
                Some(s) if s.is_finite() && (0.05..=1.0).contains(&s) => s,
                Some(s) => {
                    return Err(format!(
                        "limits.background_read_share: {s} is not between 0.05 and 1"
                    ));
                }
            },
            breaker_failures: count(
                "breaker_failures",
                self.breaker_failures,
                d.breaker_failures,
            )?,
            breaker_cooldown: ms(
                "breaker_cooldown_ms",
                self.breaker_cooldown_ms,
                d.breaker_cooldown,
            )?,
            breaker_max_cooldown: ms(
                "breaker_max_cooldown_ms",
                self.breaker_max_cooldown_ms,
                d.breaker_max_cooldown,
            )?,
        };
        if limits.breaker_max_cooldown < limits.breaker_cooldown {
            return Err("limits.breaker_max_cooldown_ms: below breaker_cooldown_ms".into());
        }
        Ok(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fields_keep_the_defaults_and_bad_ones_are_named() {
        assert_eq!(LimitsConfig::default().limits(), Ok(Limits::default()));
        let tight = LimitsConfig {
            breaker_failures: Some(2),
            write_per_s: Some(5.0),
            ..LimitsConfig::default()
        };
        let l = tight.limits().unwrap();
        assert_eq!((l.breaker_failures, l.write_per_s), (2, 5.0));
        let bad = LimitsConfig {
            breaker_failures: Some(0),
            ..LimitsConfig::default()
        };
        assert_eq!(
            bad.limits(),
            Err("limits.breaker_failures: 0 is not between 1 and 10000".into())
        );
        let bad = LimitsConfig {
            breaker_cooldown_ms: Some(5_000),
            breaker_max_cooldown_ms: Some(1_000),
            ..LimitsConfig::default()
        };
        assert!(
            bad.limits()
                .unwrap_err()
                .contains("breaker_max_cooldown_ms")
        );
    }
}
