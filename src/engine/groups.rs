//! Group rules: markets related by venue metadata (a bucket ladder, an event tree, a
//! parity family), indexed by market so a book update finds the groups it affects.

use super::markets::Markets;
use crate::core::MarketId;
use crate::event::{GroupKind, GroupRule, InputError, NoLeg};

/// The most members a tree may have: its payouts are found by enumerating 2^n
/// outcomes.
pub const MAX_TREE_MEMBERS: usize = 12;
/// The most members any group may have.
pub const MAX_MEMBERS: usize = 64;

#[derive(Clone, Debug, Default)]
pub struct Groups {
    pub rules: Vec<GroupRule>,
    /// Per market (by id): the groups it is a member of (or the complement token of a
    /// member), in group order.
    pub by_market: Vec<Vec<u32>>,
}

impl Groups {
    /// Adds a rule as the next group. Members are put in market-id order (the rule's
    /// canonical form); a tree keeps its parent first. Refused: unknown or repeated
    /// markets, a size the lane cannot use, and a parity family sharing a market with
    /// one already defined (a family is counted once).
    pub fn define(&mut self, markets: &Markets, rule: &GroupRule) -> Result<(), InputError> {
        let idx = self.rules.len() as u32;
        let unusable = InputError::GroupUnusable { group: idx };
        let mut rule = rule.clone();
        let n = rule.members.len();
        let max = match rule.kind {
            GroupKind::Tree => MAX_TREE_MEMBERS,
            _ => MAX_MEMBERS,
        };
        if n < 2 || n > max {
            return Err(unusable);
        }
        match rule.kind {
            GroupKind::Tree => rule.members[1..].sort_by_key(|m| m.market),
            _ => rule.members.sort_by_key(|m| m.market),
        }
        let mut seen: Vec<MarketId> = Vec::with_capacity(2 * n);
        for m in &rule.members {
            let Some(state) = markets.get(m.market) else {
                return Err(unusable);
            };
            let complement = match state.meta.no_leg {
                // A complement token not defined yet (a YES token is defined before
                // its NO): the group cannot be indexed or read until it is.
                NoLeg::Complement(c) if markets.get(c).is_none() => return Err(unusable),
                NoLeg::Complement(c) => Some(c),
                _ => None,
            };
            for id in std::iter::once(m.market).chain(complement) {
                if seen.contains(&id) {
                    return Err(unusable);
                }
                seen.push(id);
            }
        }
        if rule.kind == GroupKind::Parity {
            let taken = seen.iter().any(|id| {
                self.of(*id)
                    .iter()
                    .any(|&g| self.rules[g as usize].kind == GroupKind::Parity)
            });
            if taken {
                return Err(unusable);
            }
        }
        if self.by_market.len() < markets.list.len() {
            self.by_market.resize(markets.list.len(), Vec::new());
        }
        for id in seen {
            self.by_market[id.index()].push(idx);
        }
        self.rules.push(rule);
        Ok(())
    }

    /// Keeps one (possibly empty) slot per market.
    pub fn on_market(&mut self, count: usize) {
        if self.by_market.len() < count {
            self.by_market.resize(count, Vec::new());
        }
    }

    pub fn of(&self, market: MarketId) -> &[u32] {
        self.by_market.get(market.index()).map_or(&[], |v| v)
    }

    /// True when one parity family holds both markets: the family's lane evaluates
    /// them, so the cross-venue lane leaves that pair alone.
    pub fn same_family(&self, a: MarketId, b: MarketId) -> bool {
        self.of(a)
            .iter()
            .any(|g| self.rules[*g as usize].kind == GroupKind::Parity && self.of(b).contains(g))
    }

    /// Rebuilds the index from the rules (after a snapshot restore).
    pub fn rebuild(markets: &Markets, rules: Vec<GroupRule>) -> Result<Groups, InputError> {
        let mut g = Groups {
            rules: Vec::with_capacity(rules.len()),
            by_market: vec![Vec::new(); markets.list.len()],
        };
        for r in &rules {
            g.define(markets, r)?;
        }
        Ok(g)
    }
}

/// The markets a group's lane reads: every member and the complement token of each.
pub fn inputs(markets: &Markets, rule: &GroupRule) -> Vec<MarketId> {
    let mut v = Vec::with_capacity(rule.members.len() * 2);
    for m in &rule.members {
        v.push(m.market);
        if let Some(NoLeg::Complement(c)) = markets.get(m.market).map(|s| s.meta.no_leg) {
            v.push(c);
        }
    }
    v
}
