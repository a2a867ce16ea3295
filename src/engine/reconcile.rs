//! Reconciliation while running: a `VenueState` (what a venue says it holds) is
//! compared with the engine's positions and cash. A difference on a market with
//! nothing in flight is journaled (`Discrepancy`, both values); seen again on the next
//! read with still nothing in flight, the engine cannot explain it: a position is
//! adopted and the engine goes to safe mode (no new entries until `arb ack`), never
//! silently. Cash is what the venue lets the engine spend: a difference is journaled
//! and adopted once confirmed.

use super::Reducer;
use crate::core::{MarketId, Outcome, Venue};
use crate::event::{Decision, Discrepancy, DiscrepancyKind, HaltReason, Mode, NoLeg, VenueState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Kalshi reports cash in whole cents: smaller differences are its rounding.
const CASH_TOLERANCE: i64 = 10_000;

/// What reconciliation remembers between reads; part of the risk state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconState {
    /// Per market: the event count at its latest order activity (placed, answered,
    /// filled, canceled, reversed).
    pub activity: BTreeMap<MarketId, u64>,
    /// Differences seen at the last read, with the venue's value then: a second read
    /// with the same value and nothing in flight confirms them.
    pub seen: BTreeMap<(Venue, DiscrepancyKind), i64>,
}

impl Reducer {
    /// Notes order activity on `market` now (after the current event is counted).
    pub(super) fn order_activity(&mut self, market: MarketId) {
        self.risk.recon.activity.insert(market, self.stats.events);
    }

    /// True when the venue's view of `market` may lag the engine's: an order is open on
    /// it, or something happened to one after the read began.
    fn in_flight(&self, market: MarketId, as_of: u64) -> bool {
        self.markets.get(market).is_some_and(|m| m.open_orders > 0)
            || self
                .risk
                .recon
                .activity
                .get(&market)
                .is_some_and(|&at| at >= as_of)
    }

    /// The engine's position in `market` as the venue counts it: Kalshi one signed net
    /// (YES positive); a Polymarket token its own contracts.
    fn engine_position(&self, market: MarketId) -> (Outcome, i64) {
        let held = |o| {
            self.portfolio
                .positions
                .get(&(market, o))
                .map_or(0, |p| p.qty.0)
        };
        match self.markets.get(market).map(|m| m.meta.no_leg) {
            Some(NoLeg::SameBook) => (Outcome::Yes, held(Outcome::Yes) - held(Outcome::No)),
            _ => (Outcome::Yes, held(Outcome::Yes)),
        }
    }

    /// Compares a venue's view with the engine's and decides on every difference.
    pub(super) fn reconcile(&mut self, v: &VenueState, out: &mut Vec<Decision>) {
        let mut reported: BTreeMap<MarketId, i64> = BTreeMap::new();
        for p in &v.positions {
            let signed = match (self.markets.get(p.market).map(|m| m.meta.no_leg), p.outcome) {
                (Some(NoLeg::SameBook), Outcome::No) => -p.qty.0,
                (_, Outcome::No) => continue, // a token is reported as its own YES
                _ => p.qty.0,
            };
            *reported.entry(p.market).or_default() += signed;
        }
        let markets: Vec<MarketId> = self
            .markets
            .list
            .iter()
            .filter(|m| m.meta.venue == v.venue)
            .map(|m| m.meta.id)
            .collect();
        let mut still_seen = BTreeMap::new();
        let mut busy = false;
        for market in markets {
            let (outcome, engine) = self.engine_position(market);
            let venue_value = reported.get(&market).copied().unwrap_or(0);
            if self.in_flight(market, v.as_of_events) {
                busy = true;
                continue;
            }
            if self.settlement_pending(market) {
                // The venue may pay it before the engine hears: its position and, while
                // the engine holds contracts there, the cash wait for the settlement.
                busy |= engine != 0;
                continue;
            }
            if engine == venue_value {
                continue;
            }
            let what = DiscrepancyKind::Position { market, outcome };
            let d = self.discrepancy(v.venue, what, engine, venue_value, out);
            if d.confirmed {
                self.adopt_position(market, venue_value);
                self.unexplained(out);
            } else {
                still_seen.insert((v.venue, what), venue_value);
            }
        }
        if !busy {
            let engine = self.portfolio.cash[v.venue.index()].0;
            if (engine - v.cash.0).abs() >= CASH_TOLERANCE {
                let what = DiscrepancyKind::Cash;
                let d = self.discrepancy(v.venue, what, engine, v.cash.0, out);
                if d.confirmed {
                    self.portfolio.cash[v.venue.index()] = v.cash;
                } else {
                    still_seen.insert((v.venue, what), v.cash.0);
                }
            }
        }
        // What this venue showed before and no longer does is forgotten.
        let seen = &mut self.risk.recon.seen;
        seen.retain(|(venue, _), _| *venue != v.venue);
        seen.extend(still_seen);
    }

    /// Journals a difference, confirmed when the read before showed the same value.
    fn discrepancy(
        &mut self,
        venue: Venue,
        what: DiscrepancyKind,
        engine: i64,
        venue_value: i64,
        out: &mut Vec<Decision>,
    ) -> Discrepancy {
        let before = self.risk.recon.seen.get(&(venue, what)).copied();
        let d = Discrepancy {
            venue,
            what,
            engine,
            venue_value,
            confirmed: before == Some(venue_value),
        };
        out.push(Decision::Discrepancy(d));
        d
    }

    /// The venue's net becomes the engine's position (its cost unknown: none).
    fn adopt_position(&mut self, market: MarketId, venue_net: i64) {
        let same_book = self
            .markets
            .get(market)
            .is_some_and(|m| m.meta.no_leg == NoLeg::SameBook);
        let (yes, no) = if same_book && venue_net < 0 {
            (0, -venue_net)
        } else {
            (venue_net, 0)
        };
        for (outcome, qty) in [(Outcome::Yes, yes), (Outcome::No, no)] {
            if qty == 0 && !self.portfolio.positions.contains_key(&(market, outcome)) {
                continue;
            }
            self.portfolio
                .positions
                .entry((market, outcome))
                .or_default()
                .qty = crate::core::Qty(qty);
        }
    }

    /// Safe mode for a position the journal cannot explain.
    fn unexplained(&mut self, out: &mut Vec<Decision>) {
        if self.mode != Mode::Halted {
            self.set_mode(Mode::Safe, out);
        }
        out.push(Decision::Halt {
            reason: HaltReason::UnexplainedPosition,
        });
    }
}
