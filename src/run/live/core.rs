//! The core thread of `arb live`: the only place the journal is written and the reducer
//! runs. It takes stamped events from the ingress queues (execution and control first,
//! then each venue's bounded market data: `queue.rs`), emits `Tick`s on its own timer,
//! and hands order decisions to the executor once they are durable.

pub use crate::clock::event_ns;
use crate::event::{Decision, Event, OperatorCommand};
use crate::journal::JournalError;
use crate::run::CoreLoop;
use crossbeam_channel::RecvTimeoutError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// An event stamped with its receive time (ns since the epoch) by ingress.
#[derive(Debug)]
pub struct Inbound {
    pub ts: i64,
    pub event: Event,
}

impl Inbound {
    /// `event`, stamped with the event clock now (what every task that reads a venue or
    /// a timer hands the core).
    pub fn now(event: Event) -> Inbound {
        Inbound {
            ts: event_ns(),
            event,
        }
    }
}

/// An order decision for the executor, with the receive time of the event that caused
/// it (for tick-to-order latency).
#[derive(Debug)]
pub struct Outbound {
    pub decision: Decision,
    pub cause_ts: i64,
}

/// How often the core looks at `<journal>/control/`.
const CONTROL_POLL: Duration = Duration::from_millis(200);

/// While stopping: how long an order sent after the stop began may take to be
/// answered (the stop waits for it, up to three grace periods in all).
const ANSWER_WAIT: Duration = Duration::from_secs(2);

pub struct CoreSettings {
    pub tick: Duration,
    /// The journal directory, whose `control/` the core polls for operator commands.
    pub journal: std::path::PathBuf,
    /// After a stop request: how long to wait for in-flight orders to finish.
    pub grace: Duration,
    /// State snapshots every N events and at the end.
    pub snapshots: super::restart::Snapshotter,
    /// The reducer's event count after each step, for the reconciler's reads.
    pub events: Arc<std::sync::atomic::AtomicU64>,
    /// Rung when an order's outcome is unknown or a venue's view differs: the
    /// reconciler reads the venues again soon.
    pub reconcile_prompt: Arc<tokio::sync::Notify>,
    /// The engine's mode and waits, for `status.json`.
    pub status: super::status::SharedEngineStatus,
    /// The markets this run trades and when the run started: once each has its first
    /// book, "ready" is logged with the time it took.
    pub ready: Readiness,
    /// The rules' coverage, looked at on ticks (`None`: off).
    pub probe: Option<super::probes::CoverageProbe>,
    /// The core's busy share, for the hot set's capacity.
    pub busy: super::capacity::BusyMeter,
}

/// Start-up readiness: the markets traded that have not had a book yet.
pub struct Readiness {
    waiting: std::collections::HashSet<crate::core::MarketId>,
    markets: usize,
    started: Instant,
}

impl Readiness {
    pub fn new(markets: impl IntoIterator<Item = crate::core::MarketId>, started: Instant) -> Self {
        let waiting: std::collections::HashSet<_> = markets.into_iter().collect();
        Readiness {
            markets: waiting.len(),
            waiting,
            started,
        }
    }

    /// Notes the books `event` carries; logs once when none is waiting any more.
    fn on_event(&mut self, event: &Event) {
        if self.waiting.is_empty() {
            return;
        }
        match event {
            Event::BookSnapshot(b) => {
                self.waiting.remove(&b.market);
            }
            Event::BookDelta(d) => {
                self.waiting.remove(&d.market);
            }
            Event::BookBatch(b) => {
                for d in &b.deltas {
                    self.waiting.remove(&d.market);
                }
            }
            _ => return,
        }
        if self.waiting.is_empty() {
            tracing::info!(
                markets = self.markets,
                seconds = self.started.elapsed().as_secs_f64(),
                "ready: every market traded has a book"
            );
        }
    }
}

/// Runs the core loop until `stop` is set (then halts new entries, waits for in-flight
/// orders up to the grace period, and returns) or every sender is gone.
pub fn run(
    mut core: CoreLoop,
    mut inbound: super::queue::Inbox,
    outbound: tokio::sync::mpsc::UnboundedSender<Outbound>,
    stop: Arc<AtomicBool>,
    mut settings: CoreSettings,
) -> Result<CoreLoop, JournalError> {
    let mut next_tick = Instant::now() + settings.tick;
    let mut next_control = Instant::now();
    let mut control = crate::run::control::ControlWatch::default();
    let mut stopping_until: Option<Instant> = None;
    let mut hard_stop: Option<Instant> = None;
    loop {
        if Instant::now() >= next_control {
            // Operator commands (halt, resume, ack) enter as journaled events.
            for ev in control.poll(&settings.journal) {
                step(&mut core, event_ns(), &ev, &outbound, &mut settings)?;
            }
            next_control = Instant::now() + CONTROL_POLL;
        }
        if stop.load(Ordering::Relaxed) && stopping_until.is_none() {
            // Stop new entries first; in-flight orders still get their acks and fills.
            let halt = Event::Operator(OperatorCommand::Shutdown);
            step(&mut core, event_ns(), &halt, &outbound, &mut settings)?;
            stopping_until = Some(Instant::now() + settings.grace);
            hard_stop = Some(Instant::now() + settings.grace * 3);
        }
        if let Some(deadline) = stopping_until
            && (core.reducer.orders().open.is_empty() || Instant::now() >= deadline)
        {
            break;
        }
        let wait = next_tick
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(50));
        match inbound.recv_timeout(wait) {
            Ok(inb) => {
                let sent = step(&mut core, inb.ts, &inb.event, &outbound, &mut settings)?;
                // An order sent while stopping (a second leg, an unwind) gets the time
                // to be answered, within a hard bound.
                if let (true, Some(until), Some(hard)) = (sent, stopping_until, hard_stop) {
                    stopping_until = Some(until.max(Instant::now() + ANSWER_WAIT).min(hard));
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if Instant::now() >= next_tick {
            step(
                &mut core,
                event_ns(),
                &Event::Tick,
                &outbound,
                &mut settings,
            )?;
            if let Some(p) = settings.probe.as_mut() {
                p.look(&core.reducer);
            }
            next_tick += settings.tick;
        }
    }
    core.writer.sync()?;
    // A clean stop: the next start restores this state and replays nothing.
    settings.snapshots.finish(&mut core)?;
    Ok(core)
}

/// The engine's mode and open and unknown orders, for `status.json`.
/// A halt decided in this step is published with the mode it led to (one lock), so that
/// a reader never sees a new reason beside the previous mode.
fn publish_status(
    core: &CoreLoop,
    status: &super::status::SharedEngineStatus,
    halt: Option<String>,
) {
    let r = &core.reducer;
    if let Ok(mut s) = status.lock() {
        s.mode = format!("{:?}", r.mode()).to_lowercase();
        if halt.is_some() {
            s.halt_reason = halt;
        }
        if r.mode() == crate::event::Mode::Normal {
            s.halt_reason = None;
        }
        s.open_orders = r.orders().open.len();
        s.unknown_orders = r.orders().open.values().filter(|o| o.unknown).count();
    }
}

fn step(
    core: &mut CoreLoop,
    ts: i64,
    event: &Event,
    outbound: &tokio::sync::mpsc::UnboundedSender<Outbound>,
    settings: &mut CoreSettings,
) -> Result<bool, JournalError> {
    // `step` returns only after the journal holds (durably, for orders) the decisions.
    let began = Instant::now();
    let mut sent = false;
    let mut differs = false;
    let mut decided = false;
    let mut halt = None;
    settings.ready.on_event(event);
    for d in core.step(ts, event)? {
        decided = true;
        differs |= matches!(d, Decision::Discrepancy(x) if !x.confirmed);
        match d {
            Decision::Discrepancy(x) => {
                tracing::warn!(discrepancy = ?x, "a venue's view differs from the engine's");
                if let Ok(mut s) = settings.status.lock() {
                    s.discrepancies += 1;
                    s.last_discrepancy = Some(format!("{x:?}"));
                }
            }
            Decision::Halt { reason } => {
                tracing::warn!(?reason, "new entries stopped");
                halt = Some(format!("{reason:?}"));
            }
            _ => {}
        }
        if d.goes_to_venue() {
            // The executor has gone only when shutting down; the journal has the intent.
            let _ = outbound.send(Outbound {
                decision: d.clone(),
                cause_ts: ts,
            });
            sent = true;
        }
    }
    settings.events.store(
        core.reducer.stats().events,
        std::sync::atomic::Ordering::Release,
    );
    if differs || matches!(event, Event::OrderUnknown(_)) {
        settings.reconcile_prompt.notify_one();
    }
    if decided || !event.is_market_data() {
        publish_status(core, &settings.status, halt);
    }
    settings.snapshots.after_step(core)?;
    settings.busy.add(began.elapsed());
    Ok(sent)
}
