//! Risk controls: the operator's per-venue halts and per-lane switches, the daily loss
//! cap, execution failures in a row, exposure caps, the stale-book bound and canary
//! mode (its lanes from `CanaryLanes`; a journal without one has only the two slots of
//! `RiskLimits`, so there the bucket, tree and parity lanes do not run in canary mode).
//! Each refusal is a journaled `Skipped` (and each halt a journaled `Halt`).

use super::Reducer;
use super::lanes::Candidate;
use super::orders::Episode;
use super::sizing::{Sizing, leg_cost};
use crate::config::RiskLimits;
use crate::core::{MarketId, Money, Qty, Venue};
use crate::event::{
    CircuitState, Decision, Endpoint, FeedMode, HaltReason, Lane, Mode, SkipReason,
};
use serde::{Deserialize, Serialize};

const NS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// What the risk controls remember; part of the state (and its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    pub limits: RiskLimits,
    pub venue_halted: [bool; 2],
    pub lane_disabled: [bool; Lane::COUNT],
    /// UTC day (event time) that `day_realized` counts.
    pub day: i64,
    /// PnL of the episodes closed this day: $1 per covered pair minus all they cost.
    pub day_realized: Money,
    pub consecutive_failures: u32,
    /// Why the engine is halted, while it is.
    pub halted_by: Option<HaltReason>,
    /// Per venue and endpoint (`Endpoint as usize`): its breaker is open.
    pub breaker_open: [[bool; Endpoint::COUNT]; 2],
    /// Per venue: how its books arrive (for the record and the orders view).
    pub feed_mode: [crate::event::FeedMode; 2],
    /// The lanes canary mode lets run, once journaled (`CanaryLanes`).
    pub canary_lanes: Option<[bool; Lane::COUNT]>,
    /// Reconciliation with the venues while running.
    pub recon: super::reconcile::ReconState,
}

impl Default for RiskState {
    fn default() -> Self {
        RiskState {
            limits: RiskLimits::NONE,
            venue_halted: [false; 2],
            lane_disabled: [false; Lane::COUNT],
            day: 0,
            day_realized: Money::ZERO,
            consecutive_failures: 0,
            halted_by: None,
            breaker_open: [[false; Endpoint::COUNT]; 2],
            feed_mode: [crate::event::FeedMode::Stream; 2],
            canary_lanes: None,
            recon: Default::default(),
        }
    }
}

/// The PnL an episode has locked in whatever happens next: each covered pair pays $1,
/// and contracts not covered are counted as worth nothing.
pub fn locked_pnl(ep: &Episode) -> i64 {
    ep.locked_value() - ep.spent.0
}

impl Reducer {
    /// Gates that do not depend on size: operator switches, canary lanes, book age.
    pub(super) fn risk_gate(&self, lane: Lane, cand: &Candidate) -> Result<(), SkipReason> {
        let r = &self.risk;
        let canary_allows = match r.canary_lanes {
            Some(lanes) => lanes[lane as usize],
            None => r
                .limits
                .canary_lanes
                .get(lane as usize)
                .copied()
                .unwrap_or(false),
        };
        if r.lane_disabled[lane as usize] || (r.limits.canary && !canary_allows) {
            return Err(SkipReason::LaneDisabled);
        }
        let max_age = i64::from(r.limits.max_book_age_ms) * 1_000_000;
        for leg in &cand.legs {
            let Some(m) = self.markets.get(leg.market) else {
                continue;
            };
            if r.venue_halted[m.meta.venue.index()] {
                return Err(SkipReason::VenueHalted);
            }
            if self.depends_on_open_breaker(m.meta.venue) {
                return Err(SkipReason::CircuitOpen);
            }
            if self.has_unknown_order(m.meta.venue) {
                return Err(SkipReason::UnknownOrder);
            }
            if max_age > 0 && self.now - self.markets.vouched_ts(m) > max_age {
                return Err(SkipReason::StaleBook);
            }
            self.close_gate(leg.market)?;
        }
        Ok(())
    }

    /// True while an order on `venue` has no definite answer: what the venue holds is
    /// not known, so nothing new goes there until it is.
    fn has_unknown_order(&self, venue: Venue) -> bool {
        self.orders
            .open
            .values()
            .any(|o| o.unknown && o.venue == venue)
    }

    /// The most contracts canary mode allows, if it is on.
    pub(super) fn canary_cap(&self) -> Option<Qty> {
        self.risk
            .limits
            .canary
            .then_some(self.risk.limits.canary_max_contracts)
    }

    /// Gates on the sized entry: the day's loss cap (which also halts) and exposure.
    pub(super) fn risk_gate_sized(&self, cand: &Candidate, s: &Sizing) -> Result<(), SkipReason> {
        let limits = self.risk.limits;
        if limits.daily_loss_cap.0 > 0 {
            // Worst case of the entry: its dearer leg fills and nothing covers it.
            let worst = cand
                .legs
                .iter()
                .filter_map(|l| leg_cost(&self.markets, l, s.qty))
                .map(|m| m.0)
                .max()
                .unwrap_or(0);
            if self.day_loss() + worst > limits.daily_loss_cap.0 {
                return Err(SkipReason::LossCap);
            }
        }
        let caps = [
            limits.max_exposure_per_venue,
            limits.max_exposure_per_market,
            limits.max_exposure_per_event,
        ];
        if caps.iter().all(|c| c.0 == 0) {
            return Ok(());
        }
        for leg in &cand.legs {
            let Some(m) = self.markets.get(leg.market) else {
                continue;
            };
            let (venue, event) = (m.meta.venue, m.meta.event_id.clone());
            // Cash this entry puts into the same venue / market / event.
            let added = |same: &dyn Fn(MarketId) -> bool| -> i64 {
                cand.legs
                    .iter()
                    .filter(|l| same(l.market))
                    .filter_map(|l| leg_cost(&self.markets, l, s.qty))
                    .map(|c| c.0)
                    .sum()
            };
            let on_venue =
                |id: MarketId| self.markets.get(id).is_some_and(|x| x.meta.venue == venue);
            let on_market = |id: MarketId| id == leg.market;
            let on_event = |id: MarketId| {
                self.markets
                    .get(id)
                    .is_some_and(|x| x.meta.venue == venue && x.meta.event_id == event)
            };
            let checks: [(&dyn Fn(MarketId) -> bool, Money); 3] = [
                (&on_venue, caps[0]),
                (&on_market, caps[1]),
                (&on_event, caps[2]),
            ];
            for (same, cap) in checks {
                if cap.0 > 0 && self.exposure(same) + added(same) > cap.0 {
                    return Err(SkipReason::ExposureCap);
                }
            }
        }
        Ok(())
    }

    /// Cash in positions and reserved by open orders, on the markets `same` picks.
    fn exposure(&self, same: &dyn Fn(MarketId) -> bool) -> i64 {
        let held: i64 = self
            .portfolio
            .positions
            .iter()
            .filter(|((m, _), _)| same(*m))
            .map(|(_, p)| p.cost.0.max(0))
            .sum();
        let ordered: i64 = self
            .orders
            .open
            .values()
            .filter(|o| same(o.order.market))
            .map(|o| o.reserved.0)
            .sum();
        held + ordered
    }

    /// Today's loss so far (positive), counting open episodes at their locked-in PnL.
    fn day_loss(&self) -> i64 {
        let open: i64 = self.orders.episodes.values().map(locked_pnl).sum();
        (-(self.risk.day_realized.0 + open)).max(0)
    }

    /// Moves the day's count to the day of `now` (event time).
    pub(super) fn roll_day(&mut self) {
        let day = self.now.div_euclid(NS_PER_DAY);
        if day != self.risk.day {
            self.risk.day = day;
            self.risk.day_realized = Money::ZERO;
        }
    }

    /// A closed, covered episode's PnL counts towards the day.
    pub(super) fn book_episode(&mut self, ep: &Episode) {
        self.roll_day();
        self.risk.day_realized = Money(self.risk.day_realized.0 + locked_pnl(ep));
    }

    /// The loss cap refused an entry: no more entries until the operator resumes.
    pub(super) fn halt_for(&mut self, reason: HaltReason, out: &mut Vec<Decision>) {
        if self.mode == Mode::Normal {
            self.halt(reason, out);
        }
    }

    /// An execution failure (a rejected order, an unhedged episode); too many in a row
    /// halt the engine.
    pub(super) fn execution_failed(&mut self, out: &mut Vec<Decision>) {
        self.risk.consecutive_failures += 1;
        let max = self.risk.limits.max_consecutive_failures;
        if max > 0 && self.risk.consecutive_failures >= max {
            self.halt_for(HaltReason::ExecutionFailures, out);
        }
    }

    pub(super) fn execution_succeeded(&mut self) {
        self.risk.consecutive_failures = 0;
    }

    pub(super) fn set_venue_halt(&mut self, venue: Venue, engaged: bool) {
        self.risk.venue_halted[venue.index()] = engaged;
    }

    /// A version 2 breaker report (per request class): its order class is the orders
    /// endpoint; its read class covered every read and paused nothing, as then.
    pub(super) fn circuit(&mut self, c: &crate::event::CircuitReport) {
        if c.class == crate::event::RequestClass::Orders {
            self.breaker(&crate::event::BreakerReport {
                venue: c.venue,
                endpoint: Endpoint::Orders,
                state: c.state,
            });
        }
    }

    /// An endpoint's breaker changed; half-open counts as closed, so that the next
    /// request may be the probe.
    pub(super) fn breaker(&mut self, b: &crate::event::BreakerReport) {
        self.risk.breaker_open[b.venue.index()][b.endpoint as usize] =
            b.state == CircuitState::Open;
    }

    /// Whether an open breaker stops entries on `venue`: its orders endpoint (nothing
    /// could be placed), its market stream while books come from it (stream or hybrid
    /// mode), or its REST order books while books come only from them (poll-only).
    pub(super) fn depends_on_open_breaker(&self, venue: Venue) -> bool {
        let open = &self.risk.breaker_open[venue.index()];
        let books_from = match self.risk.feed_mode[venue.index()] {
            FeedMode::Stream | FeedMode::Hybrid => Endpoint::MarketStream,
            FeedMode::PollOnly => Endpoint::Orderbook,
        };
        open[Endpoint::Orders as usize] || open[books_from as usize]
    }

    pub(super) fn set_lane(&mut self, lane: Lane, enabled: bool) {
        self.risk.lane_disabled[lane as usize] = !enabled;
    }
}
