//! Parameters of the stochastic venue (Monte Carlo), with documented defaults, read
//! from an optional `[montecarlo]` section of a profile file:
//!
//! ```toml
//! [montecarlo]
//! fill_prob = 0.9            # every leg; or per role:
//! fill_prob_first = 0.9      #   first legs
//! fill_prob_second = 0.85    #   second legs (and their resubmits)
//! fill_prob_hedge = 0.95     #   unwinds of a first leg
//! queue = true               # resting orders wait behind the displayed size
//! slippage_ticks = 1         # each taking fill 0..=N ticks dearer than shown
//! latency_ms = [20, 80]      # decision -> arrival at the venue, uniform (event time)
//! adverse_selection = 0.5    # log-odds of a fill per cent the price moves against it
//! adverse_horizon_ms = 1000  # how far ahead the venue looks for that move
//! operator_ack_ms = 60000    # unhedged exposure acknowledged this long after safe
//!                            #   mode began (-1: never; the engine stays out)
//! ```
//!
//! Orders are limit orders, mostly at the touch: slippage that would cross the limit
//! does not fill, so slippage shows as fewer fills more than as worse prices (hence
//! its default of 0).

use serde::{Deserialize, Serialize};

/// Index into per-role arrays: 0 first leg, 1 second leg, 2 hedges (client order id
/// leg numbers 2 and up).
pub fn role(leg: u8) -> usize {
    usize::from(leg.min(2))
}

/// What can happen to an order between the engine's decision and its fill.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ModelParams {
    /// Probability that an order still finds the displayed liquidity it aims at when
    /// it arrives (the rest of the time someone else took it first: nothing fills
    /// now), per role: first leg, second leg, hedge. Default 0.9, 0.9, 0.95.
    pub fill_prob: [f64; 3],
    /// Queue position for resting orders: an order joins behind the displayed size at
    /// its price and fills only once trades (or cancels seen as the level shrinking)
    /// have consumed what is ahead of it. Default on. Off: resting orders fill as soon
    /// as the book crosses them (the paper venue's rule).
    pub queue: bool,
    /// A taking fill pays 0..=N ticks (uniform, the market's tick) more than the
    /// level shown, never past the order's limit. Default 0.
    pub slippage_ticks: u32,
    /// Latency from decision to arrival at the venue, uniform in [min, max] ns of
    /// event time: the recorded book moves meanwhile (and the engine sees it). A
    /// cancel takes its order's latency. Default 20..80 ms.
    pub latency_ns: [i64; 2],
    /// Adverse selection: the fill probability's log-odds rise by this much per cent
    /// (0.01 $) the bought outcome's recorded mid falls over the next
    /// `adverse_horizon_ns` (and fall when it rises): fills come more easily when the
    /// price is about to move against the order. Default 0.5.
    pub adverse_selection: f64,
    pub adverse_horizon_ns: i64,
    /// The operator: after unhedged exposure puts the engine in safe mode, an
    /// acknowledgement (`arb ack`) arrives this much event time later and the engine
    /// trades again (the exposure stays, and settles). `None`: never. Default 60 s.
    pub operator_ack_ns: Option<i64>,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            fill_prob: [0.9, 0.9, 0.95],
            queue: true,
            slippage_ticks: 0,
            latency_ns: [20_000_000, 80_000_000],
            adverse_selection: 0.5,
            adverse_horizon_ns: 1_000_000_000,
            operator_ack_ns: Some(60_000_000_000),
        }
    }
}

impl ModelParams {
    /// A venue that does exactly what the paper venue does: every order finds the
    /// displayed depth at once at the shown prices; resting orders fill when crossed.
    pub fn perfect() -> ModelParams {
        ModelParams {
            fill_prob: [1.0; 3],
            queue: false,
            slippage_ticks: 0,
            latency_ns: [0, 0],
            adverse_selection: 0.0,
            adverse_horizon_ns: 0,
            operator_ack_ns: None,
        }
    }

    /// The `[montecarlo]` section of a profile file (defaults without one).
    pub fn load(path: &std::path::Path) -> Result<ModelParams, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read profile {}: {e}", path.display()))?;
        ModelParams::from_profile_toml(&text, &path.display().to_string())
    }

    /// The `[montecarlo]` section of a profile's text, over the defaults; no section
    /// gives the defaults. Errors name `origin` and the field.
    pub fn from_profile_toml(text: &str, origin: &str) -> Result<ModelParams, String> {
        #[derive(Deserialize)]
        struct File {
            montecarlo: Option<Section>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Section {
            fill_prob: Option<f64>,
            fill_prob_first: Option<f64>,
            fill_prob_second: Option<f64>,
            fill_prob_hedge: Option<f64>,
            queue: Option<bool>,
            slippage_ticks: Option<u32>,
            latency_ms: Option<[f64; 2]>,
            adverse_selection: Option<f64>,
            adverse_horizon_ms: Option<f64>,
            operator_ack_ms: Option<f64>,
        }
        let f: File = toml::from_str(text).map_err(|e| format!("profile {origin}: {e}"))?;
        let mut p = ModelParams::default();
        let Some(s) = f.montecarlo else {
            return Ok(p);
        };
        let bad =
            |field: &str, msg: &str| format!("profile {origin}: field `montecarlo.{field}`: {msg}");
        let prob = |field: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(bad(field, &format!("{v} is not between 0 and 1")))
            }
        };
        if let Some(v) = s.fill_prob {
            p.fill_prob = [prob("fill_prob", v)?; 3];
        }
        for (i, (field, v)) in [
            ("fill_prob_first", s.fill_prob_first),
            ("fill_prob_second", s.fill_prob_second),
            ("fill_prob_hedge", s.fill_prob_hedge),
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = v {
                p.fill_prob[i] = prob(field, v)?;
            }
        }
        if let Some(q) = s.queue {
            p.queue = q;
        }
        if let Some(t) = s.slippage_ticks {
            if t > 100 {
                return Err(bad("slippage_ticks", &format!("{t} is more than 100")));
            }
            p.slippage_ticks = t;
        }
        let ms = |field: &str, v: f64| {
            if v.is_finite() && (0.0..=3_600_000.0).contains(&v) {
                Ok((v * 1e6).round() as i64)
            } else {
                Err(bad(field, &format!("{v} is not between 0 and 3600000 ms")))
            }
        };
        if let Some([lo, hi]) = s.latency_ms {
            let (lo, hi) = (ms("latency_ms", lo)?, ms("latency_ms", hi)?);
            if lo > hi {
                return Err(bad("latency_ms", "the minimum is above the maximum"));
            }
            p.latency_ns = [lo, hi];
        }
        if let Some(a) = s.adverse_selection {
            if !(a.is_finite() && (0.0..=10.0).contains(&a)) {
                return Err(bad(
                    "adverse_selection",
                    &format!("{a} is not between 0 and 10"),
                ));
            }
            p.adverse_selection = a;
        }
        if let Some(h) = s.adverse_horizon_ms {
            p.adverse_horizon_ns = ms("adverse_horizon_ms", h)?;
        }
        if let Some(a) = s.operator_ack_ms {
            p.operator_ack_ns = if a == -1.0 {
                None
            } else {
                Some(ms("operator_ack_ms", a)?)
            };
        }
        Ok(p)
    }

    /// The fill probability of a `role` order whose bought outcome's mid moves by
    /// `move_cents` (future minus now) over the horizon.
    pub fn fill_probability(&self, role: usize, move_cents: f64) -> f64 {
        let p = self.fill_prob[role];
        if self.adverse_selection == 0.0 || move_cents == 0.0 || p <= 0.0 || p >= 1.0 {
            return p;
        }
        let logit = (p / (1.0 - p)).ln() - self.adverse_selection * move_cents;
        1.0 / (1.0 + (-logit).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_a_section_and_fields_over_them() {
        assert_eq!(
            ModelParams::from_profile_toml("[sizing]\nmax_contracts = 5\n", "p").unwrap(),
            ModelParams::default()
        );
        let p = ModelParams::from_profile_toml(
            "[montecarlo]\nfill_prob = 0.5\nfill_prob_hedge = 1\nlatency_ms = [0, 10]\nqueue = false\n",
            "p",
        )
        .unwrap();
        assert_eq!(p.fill_prob, [0.5, 0.5, 1.0]);
        assert_eq!(p.latency_ns, [0, 10_000_000]);
        assert!(!p.queue);
    }

    #[test]
    fn bad_values_name_the_file_and_field() {
        for (text, field) in [
            ("[montecarlo]\nfill_prob = 1.5\n", "montecarlo.fill_prob"),
            (
                "[montecarlo]\nlatency_ms = [9, 1]\n",
                "montecarlo.latency_ms",
            ),
            (
                "[montecarlo]\nadverse_selection = -1\n",
                "montecarlo.adverse_selection",
            ),
        ] {
            let e = ModelParams::from_profile_toml(text, "x.toml").unwrap_err();
            assert!(e.contains("x.toml") && e.contains(field), "{e}");
        }
        let e =
            ModelParams::from_profile_toml("[montecarlo]\nfil_prob = 1\n", "x.toml").unwrap_err();
        assert!(e.contains("fil_prob"), "{e}");
    }

    #[test]
    fn adverse_moves_raise_the_fill_probability_and_favourable_ones_lower_it() {
        let p = ModelParams::default();
        let base = p.fill_probability(0, 0.0);
        assert!(p.fill_probability(0, -2.0) > base);
        assert!(p.fill_probability(0, 2.0) < base);
        assert_eq!(ModelParams::perfect().fill_probability(0, -5.0), 1.0);
    }
}
