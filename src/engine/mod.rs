//! The reducer: a single-threaded pure state machine. `apply(ts, event)` updates books,
//! cash, positions and orders and returns decisions. No I/O, no clock, no threads, no
//! unseeded randomness, no unordered iteration: enforced by clippy's disallowed lists
//! (`clippy.toml`), denied in this module tree.
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod book;
pub mod coverage;
mod entry;
mod evaluate;
mod exits;
pub mod fees;
mod fills;
pub mod firewall;
pub mod groups;
mod hash;
pub mod lanes;
mod legging;
pub mod markets;
pub mod orders;
pub mod portfolio;
mod reconcile;
pub mod risk;
mod sells;
pub mod settlement;
pub mod sizing;
pub mod snapshot;

use crate::config::{EngineConfig, LegPolicy, RestingPolicy};
use crate::core::{ClientOrderId, MarketId, Rng};
use crate::event::{
    Decision, Event, FeedState, HaltReason, InputError, Lane, Leg, Mode, OperatorCommand,
    OrderStatus, SkipReason,
};
use firewall::FirewallState;
use groups::Groups;
use markets::Markets;
use orders::Orders;
use portfolio::Portfolio;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters that explain what the lanes did; part of the state (and its hash).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub events: u64,
    /// Lane evaluations, per `Lane` index.
    pub evaluations: [u64; Lane::COUNT],
    /// Opportunities journaled, per lane.
    pub opportunities: [u64; Lane::COUNT],
    pub intents: u64,
    /// Edges seen again unchanged, or on markets with an order in flight.
    pub repeats: u64,
    /// Book updates that left a crossed book or arrived while the venue's feed was
    /// suspect (gap, disconnect): the market is not traded until a clean book.
    pub unusable_books: u64,
    pub rejected_inputs: u64,
    /// Snapshots (periodic resyncs) that found a trusted book different from the venue's.
    pub book_divergences: u64,
    /// Book updates the quote firewall refused, by reason.
    pub firewall: BTreeMap<SkipReason, u64>,
    /// Per lane and reason: evaluations refused before looking for an edge
    /// (`LaneSkipped`) and opportunities not traded (`Skipped`).
    pub skips: BTreeMap<(Lane, SkipReason), u64>,
}

pub struct Reducer {
    config: EngineConfig,
    policy: LegPolicy,
    resting: RestingPolicy,
    risk: risk::RiskState,
    markets: Markets,
    portfolio: Portfolio,
    orders: Orders,
    mode: Mode,
    next_opportunity: u64,
    /// The only source of randomness a lane may use; seeded by the config.
    rng: Rng,
    now: i64,
    stats: Stats,
    /// Last journaled candidate per intra key (market) and per pair, so an unchanged
    /// edge is journaled once, not on every book update.
    last_intra: Vec<Option<[Leg; 2]>>,
    last_cross: Vec<Option<[Leg; 2]>>,
    /// The quote firewall's bounds and per-market marks.
    firewall: FirewallState,
    /// Bucket, tree and parity rules.
    groups: Groups,
    /// Last journaled candidate per group (as `last_cross` per pair).
    last_group: Vec<Option<Vec<Leg>>>,
    /// The reason each (lane, key) was last refused, while it is: `LaneSkipped` is
    /// journaled when this changes.
    lane_refused: BTreeMap<(Lane, u32), SkipReason>,
    /// The lanes' coverage as last journaled.
    coverage_mark: coverage::CoverageMark,
    /// Closed and settled markets, the lots of what is held, realized PnL.
    settlement: settlement::SettlementBook,
    /// From `ExitPolicyLoaded`: how unhedged positions are exited (`None`: they are the
    /// operator's, as in journals before format version 6).
    exits: Option<crate::config::ExitPolicy>,
}

impl Default for Reducer {
    fn default() -> Self {
        Reducer::new(EngineConfig::default())
    }
}

impl Reducer {
    pub fn new(config: EngineConfig) -> Reducer {
        let mode = if config.kill_switch {
            Mode::Halted
        } else {
            Mode::Normal
        };
        Reducer {
            policy: LegPolicy::default(),
            resting: RestingPolicy::default(),
            risk: risk::RiskState {
                halted_by: (mode == Mode::Halted).then_some(HaltReason::KillSwitch),
                ..risk::RiskState::default()
            },
            rng: Rng::new(config.seed),
            config,
            markets: Markets::default(),
            portfolio: Portfolio::default(),
            orders: Orders::default(),
            mode,
            next_opportunity: 1,
            now: 0,
            stats: Stats::default(),
            last_intra: Vec::new(),
            last_cross: Vec::new(),
            firewall: FirewallState::default(),
            groups: Groups::default(),
            last_group: Vec::new(),
            lane_refused: BTreeMap::new(),
            coverage_mark: coverage::CoverageMark::default(),
            settlement: settlement::SettlementBook::default(),
            exits: None,
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }
    pub fn markets(&self) -> &Markets {
        &self.markets
    }
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }
    pub fn orders(&self) -> &Orders {
        &self.orders
    }
    pub fn mode(&self) -> Mode {
        self.mode
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    pub fn risk(&self) -> &risk::RiskState {
        &self.risk
    }
    pub fn firewall(&self) -> &FirewallState {
        &self.firewall
    }
    pub fn groups(&self) -> &Groups {
        &self.groups
    }
    /// Event time of the latest event applied.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Applies one event at time `ts` and appends the decisions it causes to `out`.
    pub fn apply(&mut self, ts: i64, event: &Event, out: &mut Vec<Decision>) {
        self.stats.events += 1;
        self.now = self.now.max(ts);
        self.roll_day();
        let decided_before = out.len();
        if let Some(market) = self.order_market(event) {
            self.order_activity(market);
        }
        let result = match event {
            Event::BookDelta(d) => self.markets.apply_delta(ts, d).map(|()| {
                self.vouch_for(d.market);
                self.evaluate(d.market, false, out)
            }),
            Event::BookSnapshot(s) => {
                if self.markets.diverges(s) {
                    // A full book that disagrees with a book the stream kept and nobody
                    // suspected: silent divergence, corrected by this snapshot.
                    self.stats.book_divergences += 1;
                }
                self.markets.apply_snapshot(ts, s).map(|()| {
                    self.vouch_for(s.market);
                    self.evaluate(s.market, true, out)
                })
            }
            Event::BookBatch(b) => {
                self.apply_batch(ts, &b.deltas, out);
                Ok(())
            }
            Event::Trade(t) => match self.markets.get(t.market) {
                Some(_) => {
                    self.vouch_for(t.market);
                    self.firewall.on_trade(t.market);
                    Ok(())
                }
                None => Err(InputError::UnknownMarket(t.market)),
            },
            Event::Tick => {
                self.journal_coverage(out);
                Ok(())
            }
            Event::MarketDefined(meta) => self.markets.define(meta).map(|()| {
                let n = self.markets.list.len();
                self.last_intra.resize(n, None);
                self.firewall.on_market(n);
                self.groups.on_market(n);
            }),
            Event::GroupDefined(rule) => self.groups.define(&self.markets, rule).map(|()| {
                self.last_group.resize(self.groups.rules.len(), None);
            }),
            Event::FirewallLoaded(c) => {
                self.firewall.config = *c;
                Ok(())
            }
            Event::MappingLoaded(_) => Ok(()),
            Event::PairConfidence(rule) => self.markets.set_pair_confidence(rule),
            Event::PairDefined(rule) => self.markets.add_pair(rule).map(|()| {
                self.last_cross.resize(self.markets.pairs.len(), None);
            }),
            Event::Feed(f) => {
                match f.state {
                    FeedState::Gap | FeedState::Disconnected | FeedState::Silent => {
                        self.markets.mark_venue_suspect(f.venue);
                    }
                    FeedState::Alive => self.vouch_for_venue(f.venue),
                    FeedState::Connected => {}
                }
                Ok(())
            }
            Event::StreamVouches { enabled } => {
                self.markets.vouch.enabled = *enabled;
                Ok(())
            }
            Event::MarketWatch(w) => self.markets.set_watch(w.market, w.watch),
            Event::ConnectionFeed(c) => {
                match c.state {
                    FeedState::Gap | FeedState::Disconnected | FeedState::Silent => {
                        self.markets.mark_connection_suspect(c.venue, c.connection);
                    }
                    FeedState::Alive => self.vouch_for_connection(c.venue, c.connection),
                    FeedState::Connected => {}
                }
                Ok(())
            }
            Event::SellToClose { enabled } => {
                self.orders.sell_to_close = *enabled;
                Ok(())
            }
            Event::OrderAck(a) => match self.orders.open.get_mut(&a.id) {
                Some(o) => {
                    o.venue_order_id = Some(a.venue_order_id.clone());
                    o.unknown = false;
                    Ok(())
                }
                None => Err(InputError::UnknownOrder(a.id)),
            },
            Event::VenueState(v) => {
                self.reconcile(v, out);
                Ok(())
            }
            Event::MarketClosed { market } => self.market_closed(*market),
            Event::Settled(s) => self.settle_market(s, out),
            Event::BasketUnwind { enabled } => {
                self.settlement.unwind_baskets = *enabled;
                Ok(())
            }
            Event::ExitPolicyLoaded(p) => {
                self.exits = Some(*p);
                Ok(())
            }
            Event::SettlementPolicy { close_margin_ms } => {
                self.settlement.close_margin_ns = Some(
                    i64::try_from(*close_margin_ms).unwrap_or(i64::MAX / 1_000_000) * 1_000_000,
                );
                Ok(())
            }
            Event::OrderUnknown(u) => match self.orders.open.get_mut(&u.id) {
                // Nothing is assumed: the order stays open with its cash reserved and
                // its exposure counted until the venue answers for it.
                Some(o) => {
                    o.unknown = true;
                    Ok(())
                }
                None => Err(InputError::UnknownOrder(u.id)),
            },
            Event::OrderReject(r) => {
                let known = self.orders.open.contains_key(&r.id);
                if known {
                    self.on_exit_reject(r.id);
                }
                let done = self.finish_order(r.id, out);
                if known {
                    self.execution_failed(out);
                }
                done
            }
            Event::OrderCanceled(c) => self.finish_order(c.id, out),
            Event::Fill(f) => self.apply_fill(f, out),
            Event::FillReversed(f) => self.reverse_fill(f, out),
            Event::OrderStatus(s) => match s.status {
                OrderStatus::Resting => Ok(()),
                OrderStatus::Filled
                | OrderStatus::Canceled
                | OrderStatus::Rejected
                | OrderStatus::Expired => {
                    if self.orders.open.contains_key(&s.id) {
                        self.finish_order(s.id, out)
                    } else {
                        Ok(())
                    }
                }
            },
            Event::Balance(b) => {
                self.portfolio.cash[b.venue.index()] = b.cash;
                Ok(())
            }
            Event::Position(p) => {
                if self.markets.get(p.market).is_none() {
                    Err(InputError::UnknownMarket(p.market))
                } else {
                    self.portfolio
                        .positions
                        .entry((p.market, p.outcome))
                        .or_default()
                        .qty = p.qty;
                    Ok(())
                }
            }
            Event::Operator(cmd) => {
                self.apply_operator(cmd, out);
                Ok(())
            }
            Event::LegPolicyLoaded(p) => {
                self.policy = *p;
                Ok(())
            }
            Event::RestingPolicyLoaded(p) => {
                self.resting = *p;
                Ok(())
            }
            Event::RiskLimitsLoaded(l) => {
                self.risk.limits = *l;
                Ok(())
            }
            Event::Circuit(c) => {
                self.circuit(c);
                Ok(())
            }
            Event::Breaker(b) => {
                self.breaker(b);
                Ok(())
            }
            Event::CanaryLanes { lanes } => {
                self.risk.canary_lanes = Some(*lanes);
                Ok(())
            }
            Event::CoverageEvery { every_ms } => {
                self.coverage_mark.every_ns = i64::from(*every_ms) * 1_000_000;
                Ok(())
            }
            Event::FeedMode { venue, mode } => {
                self.risk.feed_mode[venue.index()] = *mode;
                Ok(())
            }
            Event::ConfigLoaded(cfg) => {
                self.config = cfg.clone();
                self.rng = Rng::new(cfg.seed);
                if cfg.kill_switch && self.mode == Mode::Normal {
                    self.halt(HaltReason::KillSwitch, out);
                }
                Ok(())
            }
        };
        if let Err(reason) = result {
            self.stats.rejected_inputs += 1;
            out.push(Decision::InputRejected { reason });
        }
        self.cancel_overdue(out);
        self.review_exits(out);
        let placed: Vec<MarketId> = out[decided_before..]
            .iter()
            .filter_map(|d| d.as_order().map(|p| p.market))
            .collect();
        for market in placed {
            self.order_activity(market);
        }
        if !event.is_market_data()
            && !matches!(
                event,
                Event::MarketDefined(_)
                    | Event::PairDefined(_)
                    | Event::GroupDefined(_)
                    | Event::MappingLoaded(_)
            )
        {
            // Cash, orders or mode may have changed: an edge seen before may now be
            // tradeable (or not), so it is judged afresh on its next book update.
            self.forget_seen();
        }
    }

    /// Applies every level change of one venue message, then evaluates each market it
    /// touched once. A refused change is reported and the rest still apply.
    fn apply_batch(
        &mut self,
        ts: i64,
        deltas: &[crate::event::BookDelta],
        out: &mut Vec<Decision>,
    ) {
        let mut touched: Vec<MarketId> = Vec::with_capacity(2);
        for d in deltas {
            match self.markets.apply_delta(ts, d) {
                Ok(()) => {
                    if !touched.contains(&d.market) {
                        touched.push(d.market);
                    }
                }
                Err(reason) => {
                    self.stats.rejected_inputs += 1;
                    out.push(Decision::InputRejected { reason });
                }
            }
        }
        for m in touched {
            self.vouch_for(m);
            self.evaluate(m, false, out);
        }
    }

    /// Market data of `market` arrived: the connection it is streamed on is alive (a
    /// polled or unwatched market's data vouches for no connection).
    fn vouch_for(&mut self, market: MarketId) {
        if let Some((venue, crate::event::Watch::Streamed { connection })) =
            self.markets.get(market).map(|m| (m.meta.venue, m.watch))
        {
            self.vouch_for_connection(venue, connection);
        }
    }

    fn vouch_for_connection(&mut self, venue: crate::core::Venue, connection: u16) {
        if self.risk.feed_mode[venue.index()] != crate::event::FeedMode::PollOnly {
            self.markets.heard_on(venue, connection, self.now);
        }
    }

    /// `venue`'s stream showed life now; a venue polled over REST (poll-only mode) does
    /// not vouch for books it did not read.
    fn vouch_for_venue(&mut self, venue: crate::core::Venue) {
        if self.risk.feed_mode[venue.index()] != crate::event::FeedMode::PollOnly {
            self.markets.heard(venue, self.now);
        }
    }

    /// The market an execution event is about, if any (read before it is applied: a
    /// terminal event removes its order).
    fn order_market(&self, event: &Event) -> Option<MarketId> {
        let of = |id: &ClientOrderId| self.orders.open.get(id).map(|o| o.order.market);
        match event {
            Event::Fill(f) | Event::FillReversed(f) => Some(f.market),
            Event::OrderAck(a) => of(&a.id),
            Event::OrderReject(r) => of(&r.id),
            Event::OrderCanceled(c) => of(&c.id),
            Event::OrderStatus(s) => of(&s.id),
            Event::OrderUnknown(u) => of(&u.id),
            Event::Position(p) => Some(p.market),
            Event::Settled(s) => Some(s.market),
            _ => None,
        }
    }

    fn forget_seen(&mut self) {
        self.last_intra.iter_mut().for_each(|s| *s = None);
        self.last_cross.iter_mut().for_each(|s| *s = None);
        self.last_group.iter_mut().for_each(|s| *s = None);
    }

    fn set_mode(&mut self, to: Mode, out: &mut Vec<Decision>) {
        if self.mode != to {
            out.push(Decision::ModeChange {
                from: self.mode,
                to,
            });
            self.mode = to;
        }
    }

    /// No new entries until released; journaled with its reason.
    fn halt(&mut self, reason: HaltReason, out: &mut Vec<Decision>) {
        if self.mode != Mode::Halted {
            self.set_mode(Mode::Halted, out);
            out.push(Decision::Halt { reason });
            self.risk.halted_by = Some(reason);
        }
    }

    /// Leaves a halt: to safe mode while exposure is open, else normal.
    fn release_halt(&mut self, out: &mut Vec<Decision>) {
        if self.mode == Mode::Halted {
            let to = if self.any_exposure() {
                Mode::Safe
            } else {
                Mode::Normal
            };
            self.set_mode(to, out);
            self.risk.halted_by = None;
        }
    }

    fn apply_operator(&mut self, cmd: &OperatorCommand, out: &mut Vec<Decision>) {
        match cmd {
            OperatorCommand::KillSwitch { engaged: true } => {
                self.halt(HaltReason::KillSwitch, out);
            }
            OperatorCommand::KillSwitch { engaged: false } => self.release_halt(out),
            OperatorCommand::Shutdown => self.halt(HaltReason::Shutdown, out),
            OperatorCommand::Restarted => {
                // Only the halt of the stop before: an operator's or a risk halt stays.
                if self.risk.halted_by == Some(HaltReason::Shutdown) {
                    self.release_halt(out);
                }
            }
            OperatorCommand::VenueHalt { venue, engaged } => self.set_venue_halt(*venue, *engaged),
            OperatorCommand::LaneEnabled { lane, enabled } => self.set_lane(*lane, *enabled),
            OperatorCommand::AckExposure { .. } => {
                // The operator owns the exposure now: finished episodes are closed, and
                // what they locked in (uncovered contracts at nothing) counts for the day.
                let done: Vec<u64> = self
                    .orders
                    .episodes
                    .iter()
                    .filter(|(_, e)| e.is_done())
                    .map(|(&id, _)| id)
                    .collect();
                for id in done {
                    if let Some(ep) = self.orders.episodes.remove(&id) {
                        self.book_episode(&ep);
                    }
                }
                if self.mode == Mode::Safe {
                    self.set_mode(Mode::Normal, out);
                }
            }
        }
    }

    fn any_exposure(&self) -> bool {
        self.orders.episodes.values().any(|e| e.exposed().0 > 0)
    }
}

#[cfg(test)]
mod tests;
