//! The scenario's schedule applied to the running simulator: questions listed, closed
//! and settled on both venues at the times `sim::lifecycle` gives them.

use super::SimState;
use crate::core::Outcome;
use crate::sim::exchange::MarketStatus;
use crate::sim::lifecycle::{Phase, Resolver, Step};
use crate::sim::scenario::Scenario;

/// Each question's exchange markets, with the outcome that pays on a YES answer.
fn question_markets(scenario: &Scenario) -> Vec<Vec<(usize, Outcome)>> {
    scenario
        .questions
        .iter()
        .map(|q| q.markets.iter().map(|&(m, o)| (m.index(), o)).collect())
        .collect()
}

/// Tells the state the scenario's questions and unlists the markets of those that
/// list later. Idempotent; call before anyone trades.
pub(super) fn install(state: &SimState, scenario: &Scenario) {
    let _ = state.questions.set(question_markets(scenario));
    state.mutate(|ex| {
        for q in &scenario.questions {
            if q.schedule.list_ns == 0 {
                continue;
            }
            for &(m, _) in &q.markets {
                if let Some(market) = ex.markets.get_mut(m.index())
                    && market.status == MarketStatus::Open
                    && market.listed_ns.is_none()
                {
                    market.status = MarketStatus::Unlisted;
                }
            }
        }
    });
}

/// Records each scheduled close (and resolution-text amendment) as a wall time (`wall_of` maps scenario offsets), so
/// that the venues can serve `close_time` before it comes.
pub(super) fn schedule_closes(state: &SimState, scenario: &Scenario, wall_of: impl Fn(i64) -> i64) {
    state.mutate(|ex| {
        for q in &scenario.questions {
            for &(m, _) in &q.markets {
                if let Some(market) = ex.markets.get_mut(m.index()) {
                    market.close_ns = q.schedule.close_ns.map(&wall_of);
                    market.rules_amended_ns = q.rules_amended_ns.map(&wall_of);
                }
            }
        }
    });
}

/// Applies one scheduled step. `fair` is each question's fair value now.
pub(super) fn apply(
    state: &SimState,
    scenario: &Scenario,
    step: Step,
    resolver: &mut Resolver,
    fair: &[f64],
) {
    let Some(q) = scenario.questions.get(step.question) else {
        return;
    };
    let markets: Vec<usize> = q.markets.iter().map(|(m, _)| m.index()).collect();
    match step.phase {
        Phase::List => state.mutate(|ex| markets.iter().for_each(|&m| ex.list(m))),
        Phase::Close => {
            resolver.closed(
                step.question,
                fair.get(step.question).copied().unwrap_or(q.fair),
            );
            state.mutate(|ex| markets.iter().for_each(|&m| ex.close_market(m)));
        }
        Phase::Settle => {
            // A question an operator already settled keeps its result; so do the
            // buckets of its exclusive event.
            for (i, other) in scenario.questions.iter().enumerate() {
                if (i == step.question || other.event == q.event)
                    && let Some(yes) = settled_answer(state, &question_markets_of(other))
                {
                    resolver.decide(i, yes);
                }
            }
            let yes = resolver.result(scenario, step.question, fair);
            settle_question(state, &question_markets_of(q), yes);
        }
    }
}

fn question_markets_of(q: &crate::sim::scenario::Question) -> Vec<(usize, Outcome)> {
    q.markets.iter().map(|&(m, o)| (m.index(), o)).collect()
}

/// The answer a question was settled with, if one of its markets is settled.
fn settled_answer(state: &SimState, markets: &[(usize, Outcome)]) -> Option<bool> {
    let ex = state.exchange();
    markets
        .iter()
        .find_map(|&(m, outcome)| match ex.markets.get(m)?.status {
            MarketStatus::Settled { yes_wins } => Some(yes_wins == (outcome == Outcome::Yes)),
            _ => None,
        })
}

/// Closes (if still open) and settles every market of a question: a market pays on its
/// YES when the answer is its paying outcome's (a Polymarket NO token wins on NO).
pub fn settle_question(state: &SimState, markets: &[(usize, Outcome)], yes: bool) {
    state.mutate(|ex| {
        for &(m, outcome) in markets {
            ex.settle(m, (outcome == Outcome::Yes) == yes);
        }
    });
}

/// The question a market quotes: its markets with their paying outcomes. Without a
/// scenario, a market alone (with its complement token on Polymarket).
pub(super) fn question_of(state: &SimState, market: usize) -> Vec<(usize, Outcome)> {
    if let Some(q) = state
        .questions
        .get()
        .and_then(|qs| qs.iter().find(|q| q.iter().any(|&(m, _)| m == market)))
    {
        return q.clone();
    }
    let mut out = vec![(market, Outcome::Yes)];
    if let Some(crate::event::NoLeg::Complement(other)) = state.metas.get(market).map(|m| m.no_leg)
    {
        out.push((other.index(), Outcome::No));
    }
    out
}
