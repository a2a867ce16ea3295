//! One Monte Carlo path: a fresh reducer over the recorded market data with the
//! stochastic venue answering its orders, single-threaded and deterministic from its
//! seed; then settlement. No journal is written: the decisions stay in memory.

use super::data::{Cash, MarketData};
use super::settle::{Questions, Resolution};
use crate::config::Profile;
use crate::core::fixed::{notional_ceil, notional_floor};
use crate::core::{ClientOrderId, MarketId, Outcome, Rng, Venue};
use crate::engine::Reducer;
use crate::event::{BalanceReport, Decision, Event, Lane, OperatorCommand};
use crate::sim::stochastic::{ModelParams, StochasticVenue, model::role};
use std::collections::{BTreeMap, VecDeque};

/// Equity samples taken over a path (for the plot's curves).
pub const CURVE_POINTS: usize = 100;

/// What one path did, in micro-dollars and micro-contracts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathOutcome {
    /// Cash change plus the settled value of what is held at the end.
    pub pnl: i64,
    /// Sum of the intents' expected profit.
    pub expected: i64,
    /// Per lane (`Lane as usize`): realized (from its fills and their settlement) and
    /// expected.
    pub lane_pnl: [i64; Lane::COUNT],
    pub lane_expected: [i64; Lane::COUNT],
    /// Per role (first leg, second leg, hedge): orders, contracts ordered and filled.
    pub orders: [u64; 3],
    pub ordered: [i64; 3],
    pub filled: [i64; 3],
    pub opportunities: [u64; Lane::COUNT],
    pub intents: u64,
    pub decisions: u64,
    pub events: u64,
    /// Times unhedged exposure put the engine in safe mode.
    pub safe_mode_entries: u64,
    /// Equity (cash change + positions at the recorded mid) at `CURVE_POINTS` points
    /// of event time, the last one settled; only when asked for.
    pub curve: Vec<i64>,
    /// Every decision in order; only when asked for (tests).
    pub decisions_log: Vec<Decision>,
}

/// What to keep of a path beyond its figures.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keep {
    pub curve: bool,
    pub decisions: bool,
}

struct PathRun<'a> {
    reducer: Reducer,
    venue: StochasticVenue<'a>,
    queue: VecDeque<Event>,
    feedback: Vec<Event>,
    decisions: Vec<Decision>,
    out: PathOutcome,
    keep: Keep,
    /// Lane of each opportunity, by id − 1 (ids count from 1).
    lanes: Vec<Lane>,
    /// Contracts bought per lane and (market, outcome), for settling per lane.
    held: [BTreeMap<(MarketId, Outcome), i64>; Lane::COUNT],
    /// The engine's sell orders: their fills pay in and take contracts out.
    sells: std::collections::BTreeSet<ClientOrderId>,
}

impl PathRun<'_> {
    fn feed(&mut self, ts: i64, event: Event) {
        self.feed_all(ts, [event]);
    }

    /// Runs events and, at the same event time, everything the venue answers at once.
    fn feed_all(&mut self, ts: i64, events: impl IntoIterator<Item = Event>) {
        self.queue.extend(events);
        while let Some(ev) = self.queue.pop_front() {
            self.venue.on_event(&ev, &mut self.feedback);
            self.queue.extend(self.feedback.drain(..));
            self.decisions.clear();
            self.reducer.apply(ts, &ev, &mut self.decisions);
            self.out.events += 1;
            self.out.decisions += self.decisions.len() as u64;
            if let Event::Fill(f) = &ev
                && !self
                    .decisions
                    .iter()
                    .any(|d| matches!(d, Decision::InputRejected { .. }))
            {
                let r = role(f.id.leg);
                self.out.filled[r] += f.qty.0;
                let lane = self.lane_of(f.id.opportunity);
                let held = self.held[lane].entry((f.market, f.outcome)).or_default();
                if self.sells.contains(&f.id) {
                    let proceeds = notional_floor(f.price, f.qty).map_or(0, |m| m.0);
                    self.out.lane_pnl[lane] += proceeds - f.fee.0;
                    *held -= f.qty.0;
                } else {
                    let cost = notional_ceil(f.price, f.qty).map_or(0, |m| m.0) + f.fee.0;
                    self.out.lane_pnl[lane] -= cost;
                    *held += f.qty.0;
                }
            }
            for i in 0..self.decisions.len() {
                match &self.decisions[i] {
                    Decision::ModeChange {
                        to: crate::event::Mode::Safe,
                        ..
                    } => self.out.safe_mode_entries += 1,
                    Decision::PlaceOrder(o) | Decision::SellOrder(o) => {
                        if o.side == crate::event::OrderSide::Sell {
                            self.sells.insert(o.id);
                        }
                        let r = role(o.id.leg);
                        self.out.orders[r] += 1;
                        self.out.ordered[r] += o.qty.0;
                        self.venue.place(ts, o, &mut self.feedback);
                    }
                    Decision::CancelOrder { id } => self.venue.cancel(ts, *id, &mut self.feedback),
                    Decision::Intent(it) => {
                        let lane = self.lane_of(it.opportunity);
                        self.out.expected += it.expected_profit.0;
                        self.out.lane_expected[lane] += it.expected_profit.0;
                    }
                    Decision::OpportunityFound(o) if o.id as usize == self.lanes.len() + 1 => {
                        self.lanes.push(o.lane);
                    }
                    _ => {}
                }
            }
            if self.keep.decisions {
                self.out
                    .decisions_log
                    .extend(self.decisions.iter().cloned());
            }
            self.queue.extend(self.feedback.drain(..));
        }
    }

    fn lane_of(&self, opportunity: u64) -> usize {
        let i = (opportunity as usize).wrapping_sub(1);
        self.lanes.get(i).map_or(0, |l| *l as usize)
    }

    /// Delivers every order and cancel that reaches the venue before `before`, each
    /// answered at its arrival time; returns the last arrival time.
    fn deliver(&mut self, before: i64) -> Option<i64> {
        let mut answers = Vec::new();
        let mut last = None;
        while self.venue.next_arrival(before).is_some() {
            let Some(at) = self.venue.arrive_next(&mut answers) else {
                break;
            };
            last = Some(at);
            self.feed_all(at, std::mem::take(&mut answers));
        }
        last
    }

    /// Cash change plus held positions valued by `value` per (market, outcome).
    fn equity(&self, start: &Cash, value: impl Fn(MarketId, Outcome) -> i64) -> i64 {
        let pf = self.reducer.portfolio();
        let cash: i64 = Venue::ALL
            .iter()
            .map(|v| pf.cash[v.index()].0 - start[v.index()].0)
            .sum();
        let held: i64 = pf
            .positions
            .iter()
            .map(|(&(m, o), p)| (i128::from(p.qty.0) * i128::from(value(m, o)) / 1_000_000) as i64)
            .sum();
        cash + held
    }
}

/// Runs one path. `venue_seed` drives the venue's draws, `settle_seed` the questions'
/// resolution (kept apart, so two profiles on the same path settle alike).
#[allow(clippy::too_many_arguments)]
pub fn run_path(
    data: &MarketData,
    questions: &Questions,
    profile: &Profile,
    params: &ModelParams,
    cash: Cash,
    venue_seed: u64,
    settle_seed: u64,
    keep: Keep,
) -> PathOutcome {
    let mut run = PathRun {
        reducer: Reducer::new(profile.engine.clone()),
        venue: StochasticVenue::new(cash, *params, Rng::new(venue_seed), &data.mids),
        queue: VecDeque::new(),
        feedback: Vec::new(),
        decisions: Vec::with_capacity(16),
        out: PathOutcome::default(),
        keep,
        lanes: Vec::new(),
        held: std::array::from_fn(|_| BTreeMap::new()),
        sells: Default::default(),
    };
    let t0 = data.start_ts;
    for ev in profile.events() {
        run.feed(t0, ev);
    }
    for venue in Venue::ALL {
        let cash = cash[venue.index()];
        run.feed(t0, Event::Balance(BalanceReport { venue, cash }));
    }
    let n = data.events.len();
    let every = n.div_ceil(CURVE_POINTS).max(1);
    let mut now = t0;
    let mut ack_due: Option<i64> = None;
    for (i, (ts, rec)) in data.events.iter().enumerate() {
        run.deliver(*ts);
        if let Some(after) = params.operator_ack_ns {
            // The operator model: safe mode is acknowledged `after` it began.
            let safe = run.reducer.mode() == crate::event::Mode::Safe;
            match ack_due {
                None if safe => ack_due = Some(now.saturating_add(after)),
                Some(t) if t <= *ts => {
                    ack_due = None;
                    if safe {
                        let note = "montecarlo operator model".to_string();
                        run.feed(t, Event::Operator(OperatorCommand::AckExposure { note }));
                    }
                }
                _ => {}
            }
        }
        let ev = rec.event();
        run.venue.observe(&ev);
        run.feed(*ts, ev);
        now = now.max(*ts);
        if keep.curve && (i + 1) % every == 0 && run.out.curve.len() + 1 < CURVE_POINTS {
            let mids = &data.mids;
            let mark = |m, o| {
                mids.outcome_price(m, o, now)
                    .map_or(0, |p| i64::from(p) * 100)
            };
            let e = run.equity(&cash, mark);
            run.out.curve.push(e);
        }
    }
    // The day is over: what is on its way arrives, what rests is canceled, and what
    // that makes the engine do (hedges) is delivered too.
    for _ in 0..64 {
        if let Some(t) = run.deliver(i64::MAX) {
            now = now.max(t);
        }
        let mut canceled = Vec::new();
        run.venue.cancel_all_resting(&mut canceled);
        if canceled.is_empty() && run.venue.next_arrival(i64::MAX).is_none() {
            break;
        }
        run.feed_all(now, canceled);
    }
    let mut rng = Rng::new(settle_seed);
    let res = questions.draw(&mut rng);
    settle(&mut run, &res, &cash);
    run.out
}

fn settle(run: &mut PathRun<'_>, res: &Resolution, cash: &Cash) {
    let pays = |m: MarketId, o: Outcome| if res.pays(m, o) { 1_000_000 } else { 0 };
    run.out.pnl = run.equity(cash, pays);
    for lane in 0..Lane::COUNT {
        let value: i64 = run.held[lane]
            .iter()
            .map(|(&(m, o), &q)| (i128::from(q) * i128::from(pays(m, o)) / 1_000_000) as i64)
            .sum();
        run.out.lane_pnl[lane] += value;
    }
    if run.keep.curve {
        run.out.curve.push(run.out.pnl);
    }
    let s = run.reducer.stats();
    run.out.opportunities = s.opportunities;
    run.out.intents = s.intents;
}
