//! From a book update to journaled decisions: the quote firewall judges the book, then
//! every lane the market feeds evaluates its rules (each evaluation counted), refusing
//! a rule whose input books the firewall refuses or that are stale; a candidate becomes
//! an opportunity with its intent, or the reason it is skipped.

use super::lanes::{self, Candidate};
use super::{Reducer, groups, sizing};
use crate::core::{MarketId, Money, Qty};
use crate::event::{Decision, GroupKind, Lane, Leg, Mode, NoLeg, Opportunity, SkipReason};

impl Reducer {
    /// Judges `market`'s book (`snapshot`: a full book arrived) and runs the lanes
    /// that the change can affect.
    pub(super) fn evaluate(&mut self, market: MarketId, snapshot: bool, out: &mut Vec<Decision>) {
        let m = &self.markets.list[market.index()];
        if m.suspect || m.book.is_crossed() {
            self.stats.unusable_books += 1;
        }
        let (verdict, before) = self.firewall.judge(market, m, snapshot);
        if let Some(reason) = verdict {
            *self.stats.firewall.entry(reason).or_default() += 1;
            if before != Some(reason) {
                out.push(Decision::BookRejected { market, reason });
            }
        }
        if self.config.intra_venue
            && let Some(key) = lanes::intra::canonical(&self.markets, market)
        {
            self.stats.evaluations[Lane::IntraVenue as usize] += 1;
            let mut inputs = vec![key];
            if let NoLeg::Complement(c) = self.markets.list[key.index()].meta.no_leg {
                inputs.push(c);
            }
            if self.inputs_pass(Lane::IntraVenue, key.0, &inputs, out) {
                self.lane_refused.remove(&(Lane::IntraVenue, key.0));
                let cand = lanes::intra::evaluate(&self.markets, key);
                self.consider(Lane::IntraVenue, cand, key.index(), out);
            }
        }
        if self.config.cross_venue {
            let pairs = self.markets.list[market.index()].pairs.len();
            for i in 0..pairs {
                let pair = self.markets.list[market.index()].pairs[i];
                let rule = &self.markets.pairs[pair as usize];
                if self.groups.same_family(rule.a, rule.b) {
                    // Its parity family's lane evaluates it: counted once, there.
                    continue;
                }
                self.stats.evaluations[Lane::CrossVenue as usize] += 1;
                let mut inputs = vec![rule.a, rule.b];
                for id in [rule.a, rule.b] {
                    if let NoLeg::Complement(c) = self.markets.list[id.index()].meta.no_leg {
                        inputs.push(c);
                    }
                }
                if self.inputs_pass(Lane::CrossVenue, pair, &inputs, out) {
                    self.lane_refused.remove(&(Lane::CrossVenue, pair));
                    let cand = lanes::cross::evaluate(&self.markets, pair);
                    self.consider(Lane::CrossVenue, cand, pair as usize, out);
                }
            }
        }
        for i in 0..self.groups.of(market).len() {
            let g = self.groups.of(market)[i];
            let rule = &self.groups.rules[g as usize];
            let lane = match rule.kind {
                GroupKind::Bucket => Lane::Bucket,
                GroupKind::Tree => Lane::Tree,
                GroupKind::Parity => Lane::Parity,
            };
            self.stats.evaluations[lane as usize] += 1;
            let inputs = groups::inputs(&self.markets, rule);
            if !self.inputs_pass(lane, g, &inputs, out) {
                continue;
            }
            let rule = &self.groups.rules[g as usize];
            let fw = self.firewall.config;
            let min_bid_sum = if fw.enabled {
                fw.min_ladder_bid_sum
            } else {
                crate::core::Price(0)
            };
            let result = match rule.kind {
                GroupKind::Bucket => lanes::bucket::evaluate(&self.markets, rule, g, min_bid_sum),
                GroupKind::Tree => lanes::tree::evaluate(&self.markets, rule, g),
                GroupKind::Parity => lanes::parity::evaluate(&self.markets, rule, g),
            };
            match result {
                Err(reason) => self.refuse(lane, g, reason, out),
                Ok(cand) => {
                    self.lane_refused.remove(&(lane, g));
                    self.consider(lane, cand, g as usize, out);
                }
            }
        }
    }

    /// True if the firewall lets the lane read every input book; otherwise the
    /// refusal is counted (and journaled if its reason is new for this rule). The
    /// caller forgets the rule's refusal once the whole evaluation passes.
    fn inputs_pass(
        &mut self,
        lane: Lane,
        key: u32,
        inputs: &[MarketId],
        out: &mut Vec<Decision>,
    ) -> bool {
        let now = self.now;
        let refused = inputs
            .iter()
            .find_map(|&id| self.firewall.check(&self.markets, id, now).err());
        match refused {
            Some(reason) => {
                self.refuse(lane, key, reason, out);
                false
            }
            None => true,
        }
    }

    fn refuse(&mut self, lane: Lane, key: u32, reason: SkipReason, out: &mut Vec<Decision>) {
        *self.stats.skips.entry((lane, reason)).or_default() += 1;
        if self.lane_refused.insert((lane, key), reason) != Some(reason) {
            out.push(Decision::LaneSkipped { lane, key, reason });
        }
        // A later edge on this rule is news again.
        self.set_seen(lane, key as usize, None);
    }

    fn is_seen(&self, lane: Lane, key: usize, legs: &[Leg]) -> bool {
        match lane {
            Lane::IntraVenue => self.last_intra[key]
                .as_ref()
                .is_some_and(|l| l[..] == *legs),
            Lane::CrossVenue => self.last_cross[key]
                .as_ref()
                .is_some_and(|l| l[..] == *legs),
            _ => self.last_group[key].as_deref() == Some(legs),
        }
    }

    fn set_seen(&mut self, lane: Lane, key: usize, legs: Option<&[Leg]>) {
        match lane {
            Lane::IntraVenue => self.last_intra[key] = legs.and_then(|l| l.try_into().ok()),
            Lane::CrossVenue => self.last_cross[key] = legs.and_then(|l| l.try_into().ok()),
            _ => self.last_group[key] = legs.map(<[Leg]>::to_vec),
        }
    }

    /// Turns a candidate into journaled decisions: an opportunity, then an intent with
    /// its orders, or the reason it is skipped.
    pub(super) fn consider(
        &mut self,
        lane: Lane,
        cand: Option<Candidate>,
        key: usize,
        out: &mut Vec<Decision>,
    ) {
        let Some(cand) = cand else {
            // No edge: a later reappearance is news again.
            self.set_seen(lane, key, None);
            return;
        };
        if self.is_seen(lane, key, &cand.legs) {
            self.stats.repeats += 1;
            return;
        }
        if cand
            .legs
            .iter()
            .any(|l| self.markets.list[l.market.index()].open_orders > 0)
        {
            self.stats.repeats += 1;
            return;
        }
        self.set_seen(lane, key, Some(&cand.legs));
        let unit_edge = cand.legs.iter().try_fold(cand.payout.0, |acc, l| {
            sizing::leg_cost(&self.markets, l, Qty::contracts(1)).map(|c| acc - c.0)
        });
        if unit_edge.is_none_or(|e| e <= 0) {
            // Gross edge exists but fees eat it: not an opportunity.
            return;
        }

        let id = self.next_opportunity;
        self.next_opportunity += 1;
        self.stats.opportunities[lane as usize] += 1;
        let sized = self
            .gate(lane, &cand, Money(unit_edge.unwrap_or(0)))
            .and_then(|()| self.risk_gate(lane, &cand))
            .and_then(|()| {
                let mut cfg = self.config.clone();
                if let Some(cap) = self.canary_cap() {
                    cfg.max_contracts = cfg.max_contracts.min(cap);
                }
                sizing::size(
                    &cfg,
                    &self.portfolio,
                    &self.markets,
                    &cand.legs,
                    cand.payout,
                )
            })
            .and_then(|s| self.risk_gate_sized(&cand, &s).map(|()| s));
        let (qty, profit, edge) = match &sized {
            Ok(s) => (s.qty, s.profit, s.edge_per_contract),
            Err(_) => (Qty::ZERO, Money::ZERO, Money(unit_edge.unwrap_or(0))),
        };
        out.push(Decision::OpportunityFound(Opportunity {
            id,
            lane,
            legs: cand.legs.clone(),
            edge_per_contract: edge,
            qty,
            expected_profit: profit,
        }));
        match sized {
            Err(reason) => {
                *self.stats.skips.entry((lane, reason)).or_default() += 1;
                out.push(Decision::Skipped {
                    opportunity: id,
                    reason,
                });
                if reason == SkipReason::LossCap {
                    self.halt_for(crate::event::HaltReason::LossCap, out);
                }
            }
            Ok(s) => self.enter(id, &cand, s, out),
        }
    }

    /// Gates that do not depend on size: mode, the rule's confidence, and the
    /// firewall's largest believable edge (every lane but intra-venue reads a mapping
    /// or a grouping, which may be wrong).
    fn gate(&self, lane: Lane, cand: &Candidate, unit_edge: Money) -> Result<(), SkipReason> {
        if self.mode != Mode::Normal {
            return Err(SkipReason::Halted);
        }
        let min = self.config.min_pair_confidence_bp;
        if let Some(p) = cand.pair
            && self.markets.pairs[p as usize].confidence_bp < min
        {
            return Err(SkipReason::PairConfidenceTooLow);
        }
        if let Some(g) = cand.group
            && self.groups.rules[g as usize].confidence_bp < min
        {
            return Err(SkipReason::PairConfidenceTooLow);
        }
        let fw = &self.firewall.config;
        if fw.enabled && fw.max_edge.0 > 0 && lane != Lane::IntraVenue && unit_edge > fw.max_edge {
            return Err(SkipReason::EdgeTooLarge);
        }
        Ok(())
    }
}
