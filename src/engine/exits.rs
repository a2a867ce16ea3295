//! Exits of unhedged positions (under an `ExitPolicyLoaded`): an episode left exposed
//! after its legs and hedge is held, not handed to the operator, and on each event it
//! is completed (its second leg offers the planned price again), closed within the
//! legging loss bound once its edge has decayed, or closed within the stop bound on a
//! time stop or an EV stop. Each exit is journaled with its reason just before its
//! order. A stop that cannot close within its bound leaves the position to the operator
//! (safe mode), as every unhedged position was before format version 6.
//!
//! A position is closed by selling it where its venue keeps the two outcomes apart
//! (Polymarket tokens: format version 7's `SellOrder`), and by buying its other outcome
//! where the venue nets them (Kalshi), so that either way the contracts and the
//! capital they hold are released now, not at settlement.
//!
//! A position's cost is its leg's limit price (what it paid at most), so the losses
//! measured here are never smaller than the real ones; fees are not counted, as in the
//! legging policy's unwind bound.

use super::Reducer;
use super::lanes::buy_quote;
use super::legging::MAX_PRICE;
use super::orders::Unhedged;
use crate::config::ExitPolicy;
use crate::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty};
use crate::event::{Decision, Exit, ExitReason, Leg};

/// One position an unhedged episode holds: what to close, and how its exit is named.
struct Held {
    market: MarketId,
    outcome: Outcome,
    /// What one contract cost at most (its order's limit).
    cost: Price,
    qty: Qty,
    /// The client order id of its exit.
    id: ClientOrderId,
}

impl Reducer {
    /// Episode `opp` is done and exposed: from now on the exit policy closes it.
    pub(super) fn hold_unhedged(&mut self, opp: u64, out: &mut Vec<Decision>) {
        if let Some(ep) = self.orders.episodes.get_mut(&opp) {
            ep.unhedged = Some(Unhedged {
                since: self.now,
                last_try: None,
                given_up: false,
            });
        }
        self.execution_failed(out);
    }

    /// The venue rejected order `id`: if it was an episode's planned second leg, an exit
    /// does not try it again (`ExitReason::Complete`).
    pub(super) fn on_exit_reject(&mut self, id: ClientOrderId) {
        if id.leg == 1
            && self.exits.is_some()
            && let Some(ep) = self.orders.episodes.get_mut(&id.opportunity)
        {
            ep.second = None;
        }
    }

    /// Looks at every unhedged position with no order in flight whose retry interval
    /// has passed, in opportunity order. Runs after every event: nothing is allocated
    /// unless some position is due.
    pub(super) fn review_exits(&mut self, out: &mut Vec<Decision>) {
        let Some(policy) = self.exits else {
            return;
        };
        let (now, retry_ns) = (self.now, i64::from(policy.retry_ms) * 1_000_000);
        let due = |e: &super::orders::Episode| {
            e.unhedged.is_some_and(|u| {
                !u.given_up && u.last_try.is_none_or(|t| now.saturating_sub(t) >= retry_ns)
            }) && e.is_done()
        };
        if !self.orders.episodes.values().any(due) {
            return;
        }
        let due: Vec<u64> = self
            .orders
            .episodes
            .iter()
            .filter(|(_, e)| due(e))
            .map(|(&opp, _)| opp)
            .collect();
        for opp in due {
            self.review_exit(opp, &policy, out);
        }
    }

    fn review_exit(&mut self, opp: u64, policy: &ExitPolicy, out: &mut Vec<Decision>) {
        let Some(ep) = self.orders.episodes.get(&opp) else {
            return;
        };
        let Some(unhedged) = ep.unhedged else {
            return;
        };
        let mut held = Vec::new();
        match (ep.basket, ep.first) {
            (Some(b), _) => {
                for (i, (&qty, leg)) in ep.basket_excess().iter().zip(&ep.planned).enumerate() {
                    let leg_no = b.legs.saturating_add(i as u8);
                    if let (true, Some(attempt)) = (qty > 0, ep.next_attempt(leg_no)) {
                        held.push(Held {
                            market: leg.market,
                            outcome: leg.outcome,
                            cost: leg.price,
                            qty: Qty(qty),
                            id: ClientOrderId {
                                opportunity: opp,
                                leg: leg_no,
                                attempt,
                            },
                        });
                    }
                }
            }
            (None, Some(first)) => {
                let (qty, second, leg) = (ep.uncovered(), ep.second, ep.next_hedge_leg());
                if qty.0 == 0 {
                    return;
                }
                if let Some(planned) = second
                    && self.complete(opp, first.price, &planned, qty, out)
                {
                    return self.tried(opp);
                }
                // Leg numbers are a byte: a position that used them all is the operator's.
                if leg == u8::MAX {
                    return self.give_up(opp, out);
                }
                held.push(Held {
                    market: first.market,
                    outcome: first.outcome,
                    cost: first.price,
                    qty,
                    id: ClientOrderId {
                        opportunity: opp,
                        leg,
                        attempt: 0,
                    },
                });
            }
            (None, None) => return,
        }
        let held_ns = self.now.saturating_sub(unhedged.since);
        let mut placed = false;
        for h in held {
            match self.close(h, held_ns, policy, out) {
                Some(true) => placed = true,
                Some(false) => {}
                None => return self.give_up(opp, out),
            }
        }
        if placed {
            self.tried(opp);
        }
    }

    /// Places the pair's second leg again if its book offers the planned price within
    /// the legging tolerance. True if it was placed.
    fn complete(
        &mut self,
        opp: u64,
        first_cost: Price,
        planned: &Leg,
        qty: Qty,
        out: &mut Vec<Decision>,
    ) -> bool {
        let Some(attempt) = self
            .orders
            .episodes
            .get(&opp)
            .and_then(|e| e.next_attempt(1))
        else {
            return false;
        };
        let Some(now) = buy_quote(&self.markets, planned.market, planned.outcome) else {
            return false;
        };
        let limit = Price((planned.price.0 + self.policy.max_price_move.0).min(MAX_PRICE));
        if now.price > limit {
            return false;
        }
        let id = ClientOrderId {
            opportunity: opp,
            leg: 1,
            attempt,
        };
        let at = out.len();
        let placed = self.place_leg(id, planned, limit, qty, out)
            || self.place_leg(id, planned, now.price, qty, out);
        if placed {
            let shortfall = i64::from(first_cost.0) + i64::from(now.price.0) - Price::SCALE;
            out.insert(
                at,
                Decision::Exit(Exit {
                    opportunity: opp,
                    reason: ExitReason::Complete,
                    qty,
                    loss: Money(shortfall * 100),
                }),
            );
        }
        placed
    }

    /// Closes `h` if a reason holds, the cheaper way (`closing_quote`): by selling it
    /// (Polymarket) or by buying its other outcome (Kalshi, which nets them).
    /// `Some(true)` placed, `Some(false)` held (no reason yet, no quote, or no cash),
    /// `None` when a stop fired that cannot close within its bound.
    fn close(
        &mut self,
        h: Held,
        held_ns: i64,
        policy: &ExitPolicy,
        out: &mut Vec<Decision>,
    ) -> Option<bool> {
        let Some((quote, selling)) = self.closing_quote(h.market, h.outcome) else {
            return Some(false);
        };
        // Per contract against what it cost: a sale loses cost − bid, a buy of the
        // other outcome cost + ask − $1.
        let loss_per = if selling {
            i64::from(h.cost.0) - i64::from(quote.price.0)
        } else {
            i64::from(h.cost.0) + i64::from(quote.price.0) - Price::SCALE
        };
        let loss = Money(loss_per * 100);
        // The limit that loses at most `max_loss`, and whether the quote is within it.
        let limit_for = |r: &Self, max_loss: Money| {
            if selling {
                r.sell_floor(h.cost, quote.market, max_loss)
            } else {
                r.loss_limit(h.cost, quote.market, max_loss)
            }
        };
        let within = |limit: Price| {
            if selling {
                quote.price >= limit
            } else {
                quote.price <= limit
            }
        };
        let unwind = limit_for(self, self.policy.unwind_max_loss);
        let (reason, limit) = if within(unwind) {
            (ExitReason::EdgeDecay, unwind)
        } else {
            let stop = limit_for(self, policy.stop_max_loss);
            let timed_out =
                policy.max_hold_ms > 0 && held_ns / 1_000_000 >= policy.max_hold_ms as i64;
            if timed_out {
                (ExitReason::TimeStop, stop)
            } else if policy.ev_stop.0 > 0 && loss >= policy.ev_stop {
                (ExitReason::EvStop, stop)
            } else {
                return Some(false);
            }
        };
        if !within(limit) {
            return None;
        }
        let at = out.len();
        let placed = if selling {
            self.place_sell(h.id, &quote, limit, h.qty, out)
        } else {
            self.place_leg(h.id, &quote, limit, h.qty, out)
        };
        if !placed {
            return Some(false);
        }
        out.insert(
            at,
            Decision::Exit(Exit {
                opportunity: h.id.opportunity,
                reason,
                qty: h.qty,
                loss,
            }),
        );
        Some(true)
    }

    fn tried(&mut self, opp: u64) {
        let now = self.now;
        if let Some(u) = self
            .orders
            .episodes
            .get_mut(&opp)
            .and_then(|e| e.unhedged.as_mut())
        {
            u.last_try = Some(now);
        }
    }

    /// The position cannot be closed within the policy's bounds: the operator's.
    fn give_up(&mut self, opp: u64, out: &mut Vec<Decision>) {
        if let Some(u) = self
            .orders
            .episodes
            .get_mut(&opp)
            .and_then(|e| e.unhedged.as_mut())
        {
            u.given_up = true;
        }
        self.unhedged(out);
    }
}
