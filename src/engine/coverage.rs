//! Lane coverage: how many rules each lane watches, and how many of them have every
//! book they read present, fresh and passing the firewall right now; journaled as
//! `LaneCoverage` on ticks, at most once per interval, when a lane's figures change.

use super::{Reducer, groups};
use crate::core::MarketId;
use crate::event::{Decision, GroupKind, Lane, NoLeg};
use serde::{Deserialize, Serialize};

/// What was last journaled of the lanes' coverage; part of the state (and its hash).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageMark {
    /// Event time between two looks (0: coverage is not journaled, as in a journal
    /// older than format version 3, whose replay must decide exactly what it did).
    pub every_ns: i64,
    /// Event time of the last look (0: never looked).
    pub at: i64,
    /// Per lane: (rules, fresh) as last journaled.
    pub journaled: [(u32, u32); Lane::COUNT],
}

/// The rules' coverage now (see `Reducer::rule_coverage`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleCoverage {
    pub rules: u64,
    pub fresh: u64,
    /// Streamed books read by a rule that are not fresh, in id order.
    pub stale: Vec<MarketId>,
}

impl RuleCoverage {
    /// Below `floor` (a share of the rules with every book fresh); never with no rule.
    pub fn below(&self, floor: f64) -> bool {
        self.rules > 0 && (self.fresh as f64) < floor * self.rules as f64
    }
}

impl Reducer {
    /// On a tick: when the interval has passed, journals the coverage of every lane
    /// whose figures changed since they were last journaled.
    pub(super) fn journal_coverage(&mut self, out: &mut Vec<Decision>) {
        let mark = &self.coverage_mark;
        if mark.every_ns == 0 || (mark.at != 0 && self.now - mark.at < mark.every_ns) {
            return;
        }
        self.coverage_mark.at = self.now;
        let now = self.coverage();
        for lane in Lane::ALL {
            let (rules, fresh) = now[lane as usize];
            let figures = (
                u32::try_from(rules).unwrap_or(u32::MAX),
                u32::try_from(fresh).unwrap_or(u32::MAX),
            );
            if figures != self.coverage_mark.journaled[lane as usize] {
                self.coverage_mark.journaled[lane as usize] = figures;
                out.push(Decision::LaneCoverage {
                    lane,
                    rules: figures.0,
                    fresh: figures.1,
                });
            }
        }
    }

    /// Per lane (`Lane as usize`): (rules watched, rules with fresh books).
    pub fn coverage(&self) -> [(u64, u64); Lane::COUNT] {
        let mut c = [(0u64, 0u64); Lane::COUNT];
        let mut count = |lane: Lane, inputs: &[MarketId]| {
            let slot = &mut c[lane as usize];
            slot.0 += 1;
            slot.1 += u64::from(inputs.iter().all(|&m| self.fresh(m)));
        };
        for m in &self.markets.list {
            if super::lanes::intra::canonical(&self.markets, m.meta.id) == Some(m.meta.id) {
                let mut inputs = vec![m.meta.id];
                if let NoLeg::Complement(x) = m.meta.no_leg {
                    inputs.push(x);
                }
                count(Lane::IntraVenue, &inputs);
            }
        }
        for p in &self.markets.pairs {
            if !self.groups.same_family(p.a, p.b) {
                count(Lane::CrossVenue, &[p.a, p.b]);
            }
        }
        for rule in &self.groups.rules {
            let lane = match rule.kind {
                GroupKind::Bucket => Lane::Bucket,
                GroupKind::Tree => Lane::Tree,
                GroupKind::Parity => Lane::Parity,
            };
            count(lane, &groups::inputs(&self.markets, rule));
        }
        c
    }

    /// The rules of the cross-venue lane (tradable pairs) and the group lanes: how many,
    /// how many have every book they read fresh, and the streamed books they read that
    /// are not (a book polled or only listed is the tiers' to read, not the stream's).
    /// A rule with a market past trading (closed or settled) is left out.
    /// `arb live` resubscribes those when the figure falls below its floor.
    pub fn rule_coverage(&self) -> RuleCoverage {
        let mut c = RuleCoverage::default();
        let mut stale = std::collections::BTreeSet::new();
        let mut count = |inputs: &[MarketId]| {
            if inputs.iter().any(|&m| self.settlement.phase(m).is_some()) {
                return; // past trading: nothing to cover
            }
            c.rules += 1;
            let mut fresh = true;
            for &m in inputs {
                if !self.fresh(m) {
                    fresh = false;
                    let streamed = self
                        .markets
                        .get(m)
                        .is_some_and(|s| matches!(s.watch, crate::event::Watch::Streamed { .. }));
                    if streamed {
                        stale.insert(m);
                    }
                }
            }
            c.fresh += u64::from(fresh);
        };
        for p in self.markets.pairs.iter().filter(|p| p.confidence_bp > 0) {
            if !self.groups.same_family(p.a, p.b) {
                count(&[p.a, p.b]);
            }
        }
        for rule in &self.groups.rules {
            count(&groups::inputs(&self.markets, rule));
        }
        c.stale = stale.into_iter().collect();
        c
    }

    /// A book that has been seen, is not suspect, passes the firewall and is within
    /// the age bound (the firewall's, else the risk limits').
    fn fresh(&self, id: MarketId) -> bool {
        let Some(m) = self.markets.get(id) else {
            return false;
        };
        if m.updated_ts == 0
            || m.suspect
            || self.firewall.check(&self.markets, id, self.now).is_err()
        {
            return false;
        }
        let bound = match self.firewall.config.max_book_age_ms {
            0 => self.risk.limits.max_book_age_ms,
            ms => ms,
        };
        bound == 0 || self.now - self.markets.vouched_ts(m) <= i64::from(bound) * 1_000_000
    }
}
