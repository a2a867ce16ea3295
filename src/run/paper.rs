//! `arb paper`: the reducer trading against the simulated venue, fed by a scenario's
//! seeded book process or by a recorded journal's market data, writing a journal that
//! `arb replay` reproduces exactly.

use super::CoreLoop;
use crate::config::{EngineConfig, Profile};
use crate::core::{Money, Venue};
use crate::engine::Reducer;
use crate::event::{BalanceReport, Decision, Event, Lane, Mode};
use crate::journal::{Journal, JournalError, JournalWriter, RecordKind, SyncMode, WriterOptions};
use crate::mapping::groups::{GroupResolver, GroupSpec, KalshiExclusiveEvent};
use crate::mapping::{PairResolver, PairSpec};
use crate::sim::{Scenario, SimVenue};
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("source journal {0} holds no market data")]
    NoMarketData(PathBuf),
}

/// What a paper run did.
#[derive(Clone, Debug, Serialize)]
pub struct PaperSummary {
    pub source: String,
    pub journal: PathBuf,
    pub events: u64,
    pub decisions: u64,
    pub opportunities: LaneCounts,
    pub intents: u64,
    pub orders: u64,
    pub fills: u64,
    pub filled_contracts: String,
    pub fees: String,
    /// Sum of the intents' expected profit (what the lanes promised, not realized).
    pub expected_profit: String,
    pub cash: VenueAmounts,
    pub open_positions: usize,
    pub mode: Mode,
    pub unresolved_pairs: usize,
    /// Inputs the reducer refused (journaled as `InputRejected`).
    pub rejected_inputs: u64,
    /// Book updates on crossed or suspect books, not traded.
    pub unusable_books: u64,
    /// Group rules (bucket, tree, parity) defined, and those whose markets never all
    /// appeared.
    pub groups: usize,
    pub unresolved_groups: usize,
    /// Book updates the quote firewall refused, by reason.
    pub firewall: BTreeMap<String, u64>,
    /// Per lane: evaluations, opportunities, skips by reason, coverage.
    pub lanes: Vec<LaneReport>,
    pub state_hash: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct LaneCounts {
    pub intra_venue: u64,
    pub cross_venue: u64,
    pub bucket: u64,
    pub tree: u64,
    pub parity: u64,
}

/// What one lane did in a run.
#[derive(Clone, Debug, Serialize)]
pub struct LaneReport {
    pub lane: &'static str,
    pub evaluations: u64,
    pub opportunities: u64,
    /// Evaluations refused (firewall, stale or missing books, ladder sanity) and
    /// opportunities not traded, by reason.
    pub skips: BTreeMap<String, u64>,
    /// Rules (markets, pairs, groups) the lane watches, and how many have every book
    /// fresh and passing the firewall at the end of the run.
    pub rules: u64,
    pub fresh: u64,
}

/// The per-lane report of a reducer.
pub fn lane_reports(r: &Reducer) -> Vec<LaneReport> {
    let stats = r.stats();
    let coverage = r.coverage();
    Lane::ALL
        .iter()
        .map(|&lane| {
            let i = lane as usize;
            LaneReport {
                lane: lane.name(),
                evaluations: stats.evaluations[i],
                opportunities: stats.opportunities[i],
                skips: stats
                    .skips
                    .iter()
                    .filter(|((l, _), _)| *l == lane)
                    .map(|((_, reason), n)| (reason.name().to_string(), *n))
                    .collect(),
                rules: coverage[i].0,
                fresh: coverage[i].1,
            }
        })
        .collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct VenueAmounts {
    pub kalshi: String,
    pub polymarket: String,
}

/// A paper run in progress: the core loop plus the venue that answers its orders.
struct PaperRun {
    core: CoreLoop,
    venue: SimVenue,
    queue: VecDeque<Event>,
    feedback: Vec<Event>,
    expected_profit: i64,
    /// With `Some`, every decision is also recorded against the source record that led
    /// to it (for `arb diff`).
    trace: Option<Vec<(u64, Decision)>>,
    source_seq: u64,
}

impl PaperRun {
    fn new(
        journal: &Path,
        config: EngineConfig,
        sync: SyncMode,
        cash: [Money; 2],
    ) -> Result<PaperRun, JournalError> {
        let writer = JournalWriter::create(
            journal,
            WriterOptions {
                sync,
                ..WriterOptions::default()
            },
        )?;
        Ok(PaperRun {
            core: CoreLoop::new(writer, Reducer::new(config)),
            venue: SimVenue::new(cash),
            queue: VecDeque::new(),
            feedback: Vec::new(),
            expected_profit: 0,
            trace: None,
            source_seq: 0,
        })
    }

    /// Runs an event and, at the same event time, everything the venue answers.
    fn feed(&mut self, ts: i64, event: Event) -> Result<(), JournalError> {
        self.queue.push_back(event);
        while let Some(ev) = self.queue.pop_front() {
            // The book moved: resting orders it now crosses fill right after it.
            match &ev {
                Event::BookDelta(d) => self.venue.fill_resting(d.market, &mut self.feedback),
                Event::BookSnapshot(b) => self.venue.fill_resting(b.market, &mut self.feedback),
                Event::BookBatch(b) => {
                    for d in &b.deltas {
                        self.venue.fill_resting(d.market, &mut self.feedback);
                    }
                }
                _ => {}
            }
            self.queue.extend(self.feedback.drain(..));
            let decisions = self.core.step(ts, &ev)?;
            if let Some(t) = self.trace.as_mut() {
                t.extend(decisions.iter().map(|d| (self.source_seq, d.clone())));
            }
            for d in decisions {
                match d {
                    Decision::PlaceOrder(o) | Decision::SellOrder(o) => {
                        self.venue.execute(o, &mut self.feedback)
                    }
                    Decision::CancelOrder { id } => self.venue.cancel(*id, &mut self.feedback),
                    Decision::Intent(i) => self.expected_profit += i.expected_profit.0,
                    _ => {}
                }
            }
            self.queue.extend(self.feedback.drain(..));
        }
        Ok(())
    }

    fn start(&mut self, ts: i64, profile: &Profile, cash: [Money; 2]) -> Result<(), JournalError> {
        for ev in profile.events() {
            self.feed(ts, ev)?;
        }
        for venue in Venue::ALL {
            self.feed(
                ts,
                Event::Balance(BalanceReport {
                    venue,
                    cash: cash[venue.index()],
                }),
            )?;
        }
        Ok(())
    }

    fn finish(
        self,
        source: String,
        journal: &Path,
        unresolved_pairs: usize,
        unresolved_groups: usize,
    ) -> Result<PaperSummary, JournalError> {
        let r = &self.core.reducer;
        let stats = r.stats();
        let pf = r.portfolio();
        let summary = PaperSummary {
            source,
            journal: journal.to_path_buf(),
            events: self.core.events,
            decisions: self.core.decisions_total,
            opportunities: LaneCounts {
                intra_venue: stats.opportunities[Lane::IntraVenue as usize],
                cross_venue: stats.opportunities[Lane::CrossVenue as usize],
                bucket: stats.opportunities[Lane::Bucket as usize],
                tree: stats.opportunities[Lane::Tree as usize],
                parity: stats.opportunities[Lane::Parity as usize],
            },
            intents: stats.intents,
            orders: self.venue.ledger.orders,
            fills: self.venue.ledger.fills,
            filled_contracts: self.venue.ledger.filled_qty.to_string(),
            fees: pf.fees_paid.to_string(),
            expected_profit: Money(self.expected_profit).to_string(),
            cash: VenueAmounts {
                kalshi: pf.cash[0].to_string(),
                polymarket: pf.cash[1].to_string(),
            },
            open_positions: pf.positions.values().filter(|p| p.qty.0 != 0).count(),
            mode: r.mode(),
            unresolved_pairs,
            rejected_inputs: stats.rejected_inputs,
            unusable_books: stats.unusable_books,
            groups: r.groups().rules.len(),
            unresolved_groups,
            firewall: stats
                .firewall
                .iter()
                .map(|(reason, n)| (reason.name().to_string(), *n))
                .collect(),
            lanes: lane_reports(r),
            state_hash: format!("{:016x}", r.state_hash()),
        };
        self.core.writer.finish()?;
        Ok(summary)
    }
}

/// Runs a scenario to its end.
pub fn run_scenario(
    scenario: &Scenario,
    profile: &Profile,
    journal: &Path,
    sync: SyncMode,
) -> Result<PaperSummary, PaperError> {
    let mut run = PaperRun::new(journal, profile.engine.clone(), sync, scenario.cash)?;
    let t0 = scenario.start_ns;
    run.start(t0, profile, scenario.cash)?;
    for meta in &scenario.markets {
        let ev = Event::MarketDefined(meta.clone());
        run.venue.observe(&ev);
        run.feed(t0, ev)?;
    }
    for rule in &scenario.pairs {
        run.feed(t0, Event::PairDefined(rule.clone()))?;
    }
    let mut generator = scenario.generator();
    let mut next_tick = t0 + scenario.tick_ns;
    while let Some((ts, target)) = generator.next_update() {
        while next_tick <= ts {
            run.feed(next_tick, Event::Tick)?;
            next_tick += scenario.tick_ns;
        }
        while let Some(delta) = run.venue.next_requote_delta(&target) {
            run.feed(ts, delta)?;
        }
    }
    Ok(run.finish(format!("scenario {}", scenario.name), journal, 0, 0)?)
}

/// Runs the lanes over the market data of a recorded journal (an import, or any run).
pub fn run_from_journal(
    source: &Path,
    profile: &Profile,
    pairs: Vec<PairSpec>,
    cash: [Money; 2],
    journal: &Path,
    sync: SyncMode,
) -> Result<PaperSummary, PaperError> {
    run_from_journal_traced(source, profile, pairs, cash, journal, sync, false).map(|(s, _)| s)
}

/// Group metadata for a run over recorded data: Kalshi events the venue calls
/// mutually exclusive (their ladders become bucket rules), and rules given directly.
#[derive(Clone, Debug, Default)]
pub struct GroupInputs {
    pub kalshi_events: Vec<KalshiExclusiveEvent>,
    pub specs: Vec<GroupSpec>,
}

/// `run_from_journal` with group metadata: the bucket, tree and parity lanes run on
/// the groups whose markets the journal defines (and on `GroupDefined` records the
/// source journal holds).
pub fn run_from_journal_grouped(
    source: &Path,
    profile: &Profile,
    pairs: Vec<PairSpec>,
    groups: GroupInputs,
    cash: [Money; 2],
    journal: &Path,
    sync: SyncMode,
) -> Result<PaperSummary, PaperError> {
    run_inner(source, profile, pairs, groups, cash, journal, sync, false).map(|(s, _)| s)
}

/// Kalshi markets a journal defines, by event ticker (in definition order).
fn kalshi_markets_by_event(source: &Path) -> Result<BTreeMap<String, Vec<String>>, JournalError> {
    let mut by_event: BTreeMap<String, Vec<String>> = BTreeMap::new();
    Journal::open(source)?.scan(|rec| -> Result<(), JournalError> {
        if rec.kind == RecordKind::Event
            && let Event::MarketDefined(m) = rec.event()?
            && m.venue == Venue::Kalshi
        {
            let list = by_event.entry(m.event_id.clone()).or_default();
            if !list.contains(&m.venue_id) {
                list.push(m.venue_id);
            }
        }
        Ok(())
    })?;
    Ok(by_event)
}

/// Every decision of a run over recorded data, with the source record's seq that led
/// to it.
pub type Trace = Vec<(u64, Decision)>;

/// `run_from_journal`, optionally recording each decision against its source record.
pub fn run_from_journal_traced(
    source: &Path,
    profile: &Profile,
    pairs: Vec<PairSpec>,
    cash: [Money; 2],
    journal: &Path,
    sync: SyncMode,
    trace: bool,
) -> Result<(PaperSummary, Trace), PaperError> {
    let groups = GroupInputs::default();
    run_inner(source, profile, pairs, groups, cash, journal, sync, trace)
}

#[allow(clippy::too_many_arguments)]
fn run_inner(
    source: &Path,
    profile: &Profile,
    pairs: Vec<PairSpec>,
    groups: GroupInputs,
    cash: [Money; 2],
    journal: &Path,
    sync: SyncMode,
    trace: bool,
) -> Result<(PaperSummary, Trace), PaperError> {
    let mut specs = groups.specs;
    if !groups.kalshi_events.is_empty() {
        let by_event = kalshi_markets_by_event(source)?;
        specs.extend(crate::mapping::groups::kalshi_bucket_specs(
            &groups.kalshi_events,
            &by_event,
        ));
    }
    let mut group_resolver = GroupResolver::new(specs);
    let src = Journal::open(source)?;
    let mut run: Option<PaperRun> = None;
    let mut resolver = PairResolver::new(pairs);
    let mut ticks = super::TickFill::default();
    src.scan(|rec| -> Result<(), JournalError> {
        if rec.kind != RecordKind::Event {
            return Ok(());
        }
        let ev = rec.event()?;
        let market_data = matches!(
            ev,
            Event::MarketDefined(_)
                | Event::PairDefined(_)
                | Event::GroupDefined(_)
                | Event::BookSnapshot(_)
                | Event::BookDelta(_)
                | Event::BookBatch(_)
                | Event::Trade(_)
                | Event::Tick
                | Event::Feed(_)
        );
        if !market_data {
            return Ok(());
        }
        if run.is_none() {
            let mut r = PaperRun::new(journal, profile.engine.clone(), sync, cash)?;
            if trace {
                r.trace = Some(Vec::new());
            }
            r.start(rec.ts, profile, cash)?;
            run = Some(r);
        }
        let Some(r) = run.as_mut() else { return Ok(()) };
        r.source_seq = rec.seq;
        if ticks.before(rec.ts, &ev) {
            r.feed(rec.ts, Event::Tick)?;
        }
        r.venue.observe(&ev);
        let (ready, ready_groups) = match &ev {
            Event::MarketDefined(m) => (
                resolver.on_market(m.venue, &m.venue_id, m.id),
                group_resolver.on_meta(m),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        r.feed(rec.ts, ev)?;
        for rule in ready {
            r.feed(rec.ts, Event::PairDefined(rule))?;
        }
        for rule in ready_groups {
            r.feed(rec.ts, Event::GroupDefined(rule))?;
        }
        Ok(())
    })?;
    let mut run = run.ok_or_else(|| PaperError::NoMarketData(source.to_path_buf()))?;
    let trace = run.trace.take().unwrap_or_default();
    let summary = run.finish(
        format!("journal {}", source.display()),
        journal,
        resolver.unresolved().len(),
        group_resolver.unresolved().len(),
    )?;
    Ok((summary, trace))
}
