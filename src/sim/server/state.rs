//! The simulator's shared state: the exchange behind a lock, the feeds its mutations
//! are published on, and the scripted faults in force (activated, windowed, read per
//! request).

use super::SimAccount;
use crate::core::Venue;
use crate::event::MarketMeta;
use crate::sim::exchange::{Exchange, ExchangeEvent};
use crate::sim::faults::{Fault, FaultKind};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the exchange published in one mutation, numbered so that a subscriber can
/// skip what a snapshot it took already contains.
#[derive(Debug)]
pub struct Batch {
    pub version: u64,
    pub events: Vec<ExchangeEvent>,
}

/// The faults that shape how the venues answer orders, as one value.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderFaults {
    /// Orders are refused.
    pub reject: bool,
    /// Taker orders fill at most this share (bp).
    pub fill_cap_bp: Option<u16>,
    /// Order answers are this late.
    pub ack_delay: Option<std::time::Duration>,
    /// Trades fail to settle (Polymarket).
    pub settlement_failure: bool,
    /// What happens to the answer of an order the venue took.
    pub after_accept: Option<AfterAccept>,
}

/// How the answer to an order the venue has taken goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterAccept {
    /// Cut off: the connection closes before a usable answer.
    Lost,
    /// Sent this late.
    Late(std::time::Duration),
    /// A 5xx with this status instead of the answer.
    Error(u16),
}

/// One-shot faults every open WebSocket session acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Disconnect,
    /// One book message lost on every book subscription covering this market (every
    /// subscription: none).
    SequenceGap(Option<usize>),
    /// A crossed delta on this market's book stream (every subscribed market: none).
    CrossBook(Option<usize>),
}

/// A windowed fault in force until `until`.
#[derive(Clone, Debug)]
struct ActiveFault {
    kind: FaultKind,
    market: Option<usize>,
    until: tokio::time::Instant,
}

/// Everything the server shares between requests.
pub struct SimState {
    exchange: Mutex<Exchange>,
    feed: tokio::sync::broadcast::Sender<Arc<Batch>>,
    control: tokio::sync::broadcast::Sender<Control>,
    faults: Mutex<Vec<ActiveFault>>,
    /// When each venue HTTP request arrived (ns since the epoch), answered or not.
    pub(super) request_log: Mutex<Vec<i64>>,
    /// Venue HTTP requests per route (its pattern, e.g. `/trade-api/v2/markets/{ticker}`).
    pub(super) request_counts: Mutex<std::collections::BTreeMap<String, u64>>,
    /// Each open market-data WebSocket session, in opening order: its venue and how
    /// many markets it streams.
    streams: Mutex<std::collections::BTreeMap<u64, (crate::core::Venue, usize)>>,
    next_stream: std::sync::atomic::AtomicU64,
    /// Per exchange market index: the metadata the venues serve.
    pub metas: Vec<MarketMeta>,
    pub accounts: Vec<SimAccount>,
    /// Kalshi event tickers served as `mutually_exclusive`.
    pub exclusive_events: Vec<String>,
    /// Kalshi tickers' strikes, served with their markets.
    pub strikes: Vec<(String, crate::sim::scenario::KalshiStrike)>,
    /// The scenario's questions: each one's markets with the outcome that pays when
    /// the question's answer is YES (set once, by the scenario's driver or builder).
    pub questions: std::sync::OnceLock<Vec<Vec<(usize, crate::core::Outcome)>>>,
}

impl SimState {
    /// A server state with the given markets and funded accounts.
    pub fn new(metas: Vec<MarketMeta>, accounts: Vec<SimAccount>) -> SimState {
        let mut ex = Exchange::new();
        for m in &metas {
            ex.add_market(m.venue, &m.venue_id, m.fees);
        }
        for a in &accounts {
            ex.fund(&a.name, a.cash);
        }
        let (feed, _) = tokio::sync::broadcast::channel(4096);
        let (control, _) = tokio::sync::broadcast::channel(64);
        SimState {
            exchange: Mutex::new(ex),
            feed,
            control,
            faults: Mutex::new(Vec::new()),
            request_log: Mutex::new(Vec::new()),
            request_counts: Mutex::new(Default::default()),
            streams: Mutex::new(Default::default()),
            next_stream: std::sync::atomic::AtomicU64::new(0),
            metas,
            accounts,
            exclusive_events: Vec::new(),
            strikes: Vec::new(),
            questions: std::sync::OnceLock::new(),
        }
    }

    /// The same state, serving the scenario's Kalshi metadata: its exclusive events and
    /// its markets' strikes.
    pub fn with_kalshi_metadata(mut self, scenario: &crate::sim::scenario::Scenario) -> SimState {
        self.exclusive_events = scenario.exclusive_events.clone();
        self.strikes = scenario.strikes.clone();
        self
    }

    /// The same state, knowing the scenario's questions, with the markets of those that
    /// list later unlisted until then (its driver, `driver::play`, lists them).
    pub fn with_scenario(self, scenario: &crate::sim::scenario::Scenario) -> SimState {
        let state = self.with_kalshi_metadata(scenario);
        super::lifecycle::install(&state, scenario);
        state
    }

    /// A market-data session of `venue` opened: counted (with what it streams) until
    /// the guard is dropped.
    pub fn open_stream(self: &Arc<Self>, venue: crate::core::Venue) -> StreamGuard {
        let id = self
            .next_stream
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock_streams().insert(id, (venue, 0));
        StreamGuard {
            state: self.clone(),
            id,
        }
    }

    fn lock_streams(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<u64, (crate::core::Venue, usize)>>
    {
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Markets streamed per open market-data session, per venue, in opening order.
    pub fn stream_counts(&self, venue: crate::core::Venue) -> Vec<usize> {
        self.lock_streams()
            .values()
            .filter(|(v, _)| *v == venue)
            .map(|(_, n)| *n)
            .collect()
    }

    /// The exchange index of the one market a fault names, if it names one.
    fn fault_market(&self, fault: &Fault) -> Option<usize> {
        let m = fault.market.as_ref()?;
        self.metas.iter().position(|x| &x.venue_id == m)
    }

    /// Puts a scripted fault in force now (for `window`, if it is not instant).
    pub fn activate(&self, fault: &Fault, window: std::time::Duration) {
        match fault.kind {
            FaultKind::WsDisconnect => {
                let _ = self.control.send(Control::Disconnect);
            }
            FaultKind::SequenceGap => {
                let _ = self
                    .control
                    .send(Control::SequenceGap(self.fault_market(fault)));
            }
            FaultKind::CrossBook => {
                let _ = self
                    .control
                    .send(Control::CrossBook(self.fault_market(fault)));
            }
            kind => {
                let market = fault
                    .market
                    .as_ref()
                    .and_then(|m| self.metas.iter().position(|x| &x.venue_id == m));
                let mut f = self.faults.lock().unwrap_or_else(|p| p.into_inner());
                f.push(ActiveFault {
                    kind,
                    market,
                    until: tokio::time::Instant::now() + window,
                });
            }
        }
    }

    /// Windowed faults in force now, with the market each names.
    pub fn active_faults(&self) -> Vec<(FaultKind, Option<usize>)> {
        let now = tokio::time::Instant::now();
        let mut f = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        f.retain(|a| a.until > now);
        f.iter().map(|a| (a.kind, a.market)).collect()
    }

    /// The order-path faults in force now for an order on `market` (a fault naming
    /// another market does not apply), read once per request.
    pub fn order_faults(&self, market: Option<usize>) -> OrderFaults {
        let mut f = OrderFaults::default();
        let venue = market.and_then(|m| self.metas.get(m)).map(|m| m.venue);
        let on_venue = |v: Option<Venue>| v.is_none() || v == venue;
        for (kind, on) in self.active_faults() {
            if on.is_some_and(|m| Some(m) != market) {
                continue;
            }
            match kind {
                FaultKind::RejectOrders => f.reject = true,
                FaultKind::PartialFill { ratio_bp } => f.fill_cap_bp = Some(ratio_bp),
                FaultKind::SlowAck { delay_ms } => {
                    f.ack_delay = Some(std::time::Duration::from_millis(u64::from(delay_ms)))
                }
                FaultKind::SettlementFailure => f.settlement_failure = true,
                FaultKind::LostAck { venue: v } if on_venue(v) => {
                    f.after_accept = Some(AfterAccept::Lost)
                }
                FaultKind::TimeoutAfterAccept { delay_ms, venue: v } if on_venue(v) => {
                    f.after_accept = Some(AfterAccept::Late(std::time::Duration::from_millis(
                        u64::from(delay_ms),
                    )))
                }
                FaultKind::ErrorAfterAccept { status, venue: v } if on_venue(v) => {
                    f.after_accept = Some(AfterAccept::Error(status))
                }
                _ => {}
            }
        }
        f
    }

    /// Submits an order under the order faults in force (a partial-fill fault caps
    /// what it may take), publishing what changed.
    pub fn submit(
        &self,
        order: crate::sim::exchange::NewOrder,
        faults: &OrderFaults,
    ) -> Result<crate::sim::exchange::OrderId, crate::sim::exchange::RejectReason> {
        self.mutate(|ex| {
            ex.fill_cap_bp = faults.fill_cap_bp;
            let r = ex.submit(order);
            ex.fill_cap_bp = None;
            r
        })
    }

    /// Arrival times (ns since the epoch) of every venue HTTP request so far.
    pub fn request_times(&self) -> Vec<i64> {
        self.request_log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Venue HTTP requests so far, per route pattern.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.request_counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Ends every windowed fault now.
    pub fn clear_faults(&self) {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// True while a `FreezeBook` fault holds `market` (or every market).
    pub fn frozen(&self, market: usize) -> bool {
        self.active_faults()
            .iter()
            .any(|(k, m)| *k == FaultKind::FreezeBook && m.is_none_or(|m| m == market))
    }

    /// True while an `IgnoreSubscribe` fault holds `market` (or every market).
    pub fn ignores_subscribe(&self, market: usize) -> bool {
        self.active_faults()
            .iter()
            .any(|(k, m)| *k == FaultKind::IgnoreSubscribe && m.is_none_or(|m| m == market))
    }

    /// True while a `RefuseWs` fault holds `venue`'s WebSockets.
    pub fn refuses_ws(&self, venue: Venue) -> bool {
        self.active_faults().iter().any(
            |(k, _)| matches!(k, FaultKind::RefuseWs { venue: v } if v.is_none_or(|v| v == venue)),
        )
    }

    /// A receiver of one-shot WebSocket faults.
    pub fn control(&self) -> tokio::sync::broadcast::Receiver<Control> {
        self.control.subscribe()
    }

    /// Runs `f` on the exchange and publishes what it changed to the feeds.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        let mut ex = self.exchange();
        ex.now_ns = crate::clock::event_ns();
        let r = f(&mut ex);
        if !ex.outbox.is_empty() {
            ex.version += 1;
            let batch = Batch {
                version: ex.version,
                events: std::mem::take(&mut ex.outbox),
            };
            // No subscriber is fine: nobody is listening yet.
            let _ = self.feed.send(Arc::new(batch));
        }
        r
    }

    /// A receiver of every batch published from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Batch>> {
        self.feed.subscribe()
    }

    /// The exchange, even if a handler panicked while holding it (its state is plain
    /// data; the ledger says what happened).
    pub fn exchange(&self) -> MutexGuard<'_, Exchange> {
        let mut ex = self.exchange.lock().unwrap_or_else(|p| p.into_inner());
        // Whoever looks next sees orders whose time ran out as over.
        if !ex.expiries.is_empty() {
            ex.expire_due(crate::clock::event_ns());
        }
        ex
    }

    pub fn meta_of(&self, venue: Venue, venue_id: &str) -> Option<(usize, &MarketMeta)> {
        self.metas
            .iter()
            .enumerate()
            .find(|(_, m)| m.venue == venue && m.venue_id == venue_id)
    }
}

/// An open market-data session, counted in the ledger's `streams` while it lives.
pub struct StreamGuard {
    state: Arc<SimState>,
    id: u64,
}

impl StreamGuard {
    /// The session streams `markets` markets now.
    pub fn set(&self, markets: usize) {
        if let Some(s) = self.state.lock_streams().get_mut(&self.id) {
            s.1 = markets;
        }
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.state.lock_streams().remove(&self.id);
    }
}
