//! The scenario's seeded book process: at each step one question's fair value moves and
//! one of its markets requotes around it, sometimes dislocated.

use super::scenario::{Question, Scenario};
use crate::core::{MarketId, Outcome, Price, Qty, Rng};
use crate::event::Level;

/// The book a market should show next: its levels on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetBook {
    pub market: MarketId,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// Seeded process: at each step one question's fair value moves and one of its
/// markets requotes around it, sometimes dislocated.
pub struct Generator {
    rng: Rng,
    questions: Vec<Question>,
    fair: Vec<f64>,
    now: i64,
    start: i64,
    end: i64,
    step: i64,
}

fn to_price(x: f64) -> u16 {
    // Quotes on a $0.01 grid, kept inside (0, 1).
    ((x * 100.0).round().clamp(1.0, 99.0) as u16) * 100
}

impl Generator {
    pub fn new(scenario: &Scenario) -> Generator {
        Generator {
            rng: Rng::new(scenario.seed),
            fair: scenario.questions.iter().map(|q| q.fair).collect(),
            questions: scenario.questions.clone(),
            now: scenario.start_ns,
            start: scenario.start_ns,
            end: scenario.start_ns + scenario.duration_ns,
            step: scenario.step_ns,
        }
    }

    /// Each question's fair value now.
    pub fn fair(&self) -> &[f64] {
        &self.fair
    }

    /// The next book update and its time, or `None` when the scenario ends.
    pub fn next_update(&mut self) -> Option<(i64, TargetBook)> {
        let gap = self
            .rng
            .range_i64(self.step / 2, self.step + self.step / 2)
            .max(1);
        self.now += gap;
        if self.now >= self.end {
            return None;
        }
        let qi = self.rng.below(self.questions.len() as u64) as usize;
        let q = &self.questions[qi];
        // Box–Muller normal step, mean-reverting gently to keep the price inside.
        let (u1, u2) = (self.rng.unit().max(1e-12), self.rng.unit());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let f = &mut self.fair[qi];
        let still = q.still_after_ns.is_some_and(|t| self.now - self.start >= t);
        // The draws above are made either way, so a still question leaves every other
        // question's path as it was.
        if !still {
            *f = (*f + q.volatility * z + 0.01 * (q.fair - *f)).clamp(0.03, 0.97);
        }
        let fair = *f;
        let (market, outcome) = q.markets[self.rng.below(q.markets.len() as u64) as usize];
        let mut center = if outcome == Outcome::Yes {
            fair
        } else {
            1.0 - fair
        };
        if self.rng.chance(q.dislocation) {
            // A stale or mistaken quote: the whole book shifts, asks below fair.
            center -= q.dislocation_size;
        }
        let half = q.spread / 2.0;
        let best_bid = to_price(center - half);
        let best_ask = to_price(center + half).max(best_bid + 100);
        let mut bids = Vec::new();
        let mut asks = Vec::new();
        for i in 0..q.levels as u16 {
            let size = |rng: &mut Rng| {
                Qty::contracts(rng.range_i64(q.depth / 2, q.depth + q.depth / 2).max(1))
            };
            if best_bid > i * 100 {
                bids.push(Level {
                    price: Price(best_bid - i * 100),
                    qty: size(&mut self.rng),
                });
            }
            if best_ask + i * 100 < 10_000 {
                asks.push(Level {
                    price: Price(best_ask + i * 100),
                    qty: size(&mut self.rng),
                });
            }
        }
        Some((self.now, TargetBook { market, bids, asks }))
    }
}
