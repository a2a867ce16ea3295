//! Entering an opportunity: the intent, then its orders. A two-leg candidate paying
//! $1 (intra, cross, parity, a tree's parent/child basket) goes through legging
//! (`legging.rs`): thinner leg first, the second after it, hedged if it falls short.
//! A basket (more legs, or a payout other than $1: bucket ladders, partitioned trees)
//! sends every leg at once, immediate-or-cancel, at its planned price. Complete sets are
//! kept; if the legs filled unequally, each leg's excess is unwound by buying its other
//! outcome within the legging policy's loss bound (under `BasketUnwind`; legging.rs),
//! and what cannot be is exposure that puts the engine in safe mode until an operator
//! acknowledges it.

use super::lanes::Candidate;
use super::orders::{Basket, Episode};
use super::{Reducer, sizing};
use crate::core::{ClientOrderId, Money};
use crate::event::{Decision, Intent};

impl Reducer {
    pub(super) fn enter(
        &mut self,
        id: u64,
        cand: &Candidate,
        s: sizing::Sizing,
        out: &mut Vec<Decision>,
    ) {
        self.stats.intents += 1;
        out.push(Decision::Intent(Intent {
            opportunity: id,
            qty: s.qty,
            max_cost: s.cost,
            expected_profit: s.profit,
        }));
        let pair = cand.legs.len() == 2 && cand.payout == Money(Money::SCALE);
        if !pair {
            let mut ep = Episode::new(
                Some(Basket {
                    legs: cand.legs.len() as u8,
                    payout: cand.payout,
                }),
                Some(cand.lane),
            );
            ep.planned = cand.legs.clone();
            self.orders.episodes.insert(id, ep);
            for (i, leg) in cand.legs.iter().enumerate() {
                let coid = ClientOrderId {
                    opportunity: id,
                    leg: i as u8,
                    attempt: 0,
                };
                self.place_leg(coid, leg, leg.price, s.qty, out);
            }
            return;
        }
        // The thinner leg first: if it cannot fill, nothing needs unwinding.
        let mut legs = [cand.legs[0], cand.legs[1]];
        if legs[1].depth < legs[0].depth {
            legs.swap(0, 1);
        }
        self.orders
            .episodes
            .insert(id, Episode::new(None, Some(cand.lane)));
        if self.policy.sequential {
            // Hold the second leg's cash now: sizing counted it.
            let second = legs[1];
            let venue = self.markets.get(second.market).map(|m| m.meta.venue);
            let cost = sizing::leg_cost(&self.markets, &second, s.qty);
            if let (Some(v), Some(c), Some(ep)) = (venue, cost, self.orders.episodes.get_mut(&id)) {
                ep.pending.push(second);
                ep.held[v.index()] = c;
                let _ = self.portfolio.reserve(v, c);
                // The pending leg's market counts as in flight: no other opportunity
                // may take the liquidity this one is about to need.
                self.markets.list[second.market.index()].open_orders += 1;
            }
            let coid = ClientOrderId {
                opportunity: id,
                leg: 0,
                attempt: 0,
            };
            self.place_leg(coid, &legs[0], legs[0].price, s.qty, out);
        } else {
            for (i, leg) in legs.iter().enumerate() {
                let coid = ClientOrderId {
                    opportunity: id,
                    leg: i as u8,
                    attempt: 0,
                };
                self.place_leg(coid, leg, leg.price, s.qty, out);
            }
        }
    }
}
