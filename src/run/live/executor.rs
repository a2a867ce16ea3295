//! The executor of `arb live`: order decisions (durable in the journal already) go to
//! their venue, one task per order; an order not over at once (resting, fills still to
//! read, or an answer that never came) gets a tracker that polls the venue until it
//! is; a cancel decision reaches the order's tracker. What the venues answer goes back
//! to the core as events. No outcome is assumed: a request without a definite answer
//! is journaled `OrderUnknown` and its order looked up until the venue says.

use super::core::{Inbound, Outbound, event_ns};
use super::{kalshi_orders, polymarket, polymarket_orders};
use crate::core::{ClientOrderId, MarketId, Qty};
use crate::engine::orders::OpenOrder;
use crate::event::{Decision, Event, OrderReject, PlaceOrder};
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use crossbeam_channel::Sender;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// What placing an order came to: the events to journal now, and how the order is to
/// be followed if it is not over.
#[derive(Debug)]
pub struct Placed {
    pub events: Vec<Event>,
    pub follow: Option<Follow>,
}

/// An order to follow at the venue after it was placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Follow {
    /// The venue's id, when known (Kalshi: only once acked; Polymarket: the order
    /// hash, known before sending).
    pub venue_order_id: Option<String>,
    /// Contracts of it already booked.
    pub booked: Qty,
    /// The venue acknowledged it (false: its request got no definite answer).
    pub acked: bool,
}

impl Follow {
    /// An acknowledged order with `booked` contracts reported.
    pub fn acked(venue_order_id: String, booked: Qty) -> Follow {
        Follow {
            venue_order_id: Some(venue_order_id),
            booked,
            acked: true,
        }
    }

    /// An order whose request got no definite answer and whose venue id is not known.
    pub fn lookup() -> Follow {
        Follow {
            venue_order_id: None,
            booked: Qty::ZERO,
            acked: false,
        }
    }
}

/// The search for an order whose request got no definite answer. Only the venue
/// ends it: found, the order is followed as any other; still absent after
/// `MIN_MISSES` lookups spread over `settle` (time for a request in flight to have
/// arrived), the venue's "no such order" is its answer and the order is rejected.
#[derive(Clone, Debug)]
pub struct Lookup {
    settle: Duration,
    since: Instant,
    misses: u32,
}

impl Lookup {
    const MIN_MISSES: u32 = 3;

    pub fn new(settle: Duration) -> Lookup {
        Lookup {
            settle,
            since: Instant::now(),
            misses: 0,
        }
    }

    /// After a lookup that did not find order `id`: nothing yet and not over, or, once
    /// the absence is final, its reject (the venue has no such order) and over.
    pub fn not_found(&mut self, id: ClientOrderId) -> (Vec<Event>, bool) {
        self.misses += 1;
        if self.misses < Self::MIN_MISSES || self.since.elapsed() < self.settle {
            return (Vec::new(), false);
        }
        let reason = format!(
            "not at the venue: {} lookups over {:.1} s after the request got no answer",
            self.misses,
            self.since.elapsed().as_secs_f64()
        );
        (vec![Event::OrderReject(OrderReject { id, reason })], true)
    }
}

/// Where an order for a market goes.
#[derive(Clone)]
pub enum Route {
    Kalshi {
        rest: Arc<KalshiRest>,
        ticker: String,
    },
    Polymarket {
        rest: Arc<PolymarketRest>,
        token: polymarket::TokenInfo,
    },
}

/// Cancel requests to the trackers of resting orders, by client order id.
type Trackers = Arc<Mutex<BTreeMap<ClientOrderId, UnboundedSender<()>>>>;

/// Asks the tracker of order `id` to cancel it; false if no tracker follows it.
fn ask_cancel(trackers: &Trackers, id: ClientOrderId) -> bool {
    trackers
        .lock()
        .ok()
        .and_then(|t| t.get(&id).map(|c| c.send(()).is_ok()))
        == Some(true)
}

pub struct Executor {
    /// Where each market's orders go (markets listed while running join it).
    pub routes: std::sync::RwLock<BTreeMap<MarketId, Route>>,
    /// Markets listed while running (`universe_watch`).
    pub adds: Option<super::universe_watch::AddedRx>,
    pub placed: polymarket::PlacedOrders,
    pub tx: Sender<Inbound>,
    pub latency: Arc<Mutex<Vec<u64>>>,
    pub poll: Duration,
    /// How long an order of unknown outcome must stay absent at the venue before that
    /// absence is taken as the venue's answer.
    pub settle: Duration,
}

impl Executor {
    /// Runs until the core stops sending decisions. `resting` are the orders a
    /// recovered journal left open at the venue: they are tracked from the start.
    pub async fn run(mut self, resting: Vec<OpenOrder>, mut rx: UnboundedReceiver<Outbound>) {
        let mut adds = self.adds.take();
        let me = Arc::new(self);
        let trackers: Trackers = Arc::default();
        for o in resting {
            if let Some(vid) = o.venue_order_id.clone() {
                me.spawn_tracker(&trackers, o.order, Follow::acked(vid, o.filled));
                if o.cancel_sent {
                    // The cancel was decided before the stop, and whether it reached the
                    // venue is not known: ask again (a second cancel is harmless), or
                    // the order would rest there, and fill, unseen.
                    tracing::info!(order = %o.order.id, "a cancel decided before the restart is sent again");
                    ask_cancel(&trackers, o.order.id);
                }
            }
        }
        loop {
            // Routes first: a market's route is known before any order on it can be.
            let out = tokio::select! {
                biased;
                Some(added) = async { adds.as_mut()?.recv().await }, if adds.is_some() => {
                    me.route(&added);
                    continue;
                }
                out = rx.recv() => out,
            };
            let Some(out) = out else { break };
            match out.decision {
                Decision::PlaceOrder(order) | Decision::SellOrder(order) => {
                    let (me, trackers) = (me.clone(), trackers.clone());
                    tokio::spawn(async move { me.place(&trackers, order, out.cause_ts).await });
                }
                Decision::CancelOrder { id } => {
                    let followed = ask_cancel(&trackers, id);
                    if !followed {
                        // Not followed here (over already): its answer ends it.
                        tracing::info!(order = %id, "cancel for an order that is not followed");
                    }
                }
                _ => {}
            }
        }
    }

    /// Routes the markets listed while running.
    fn route(&self, added: &super::universe_watch::Added) {
        let mut routes = self.routes.write().unwrap_or_else(|e| e.into_inner());
        for (id, route) in &added.routes {
            routes.insert(*id, route.clone());
        }
    }

    fn route_of(&self, market: MarketId) -> Option<Route> {
        self.routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&market)
            .cloned()
    }

    async fn place(&self, trackers: &Trackers, order: PlaceOrder, cause_ts: i64) {
        let Some(route) = self.route_of(order.market) else {
            let reject = OrderReject {
                id: order.id,
                reason: "no venue route for this market".into(),
            };
            self.send(Event::OrderReject(reject));
            return;
        };
        if let Ok(mut l) = self.latency.lock() {
            l.push((event_ns() - cause_ts).max(0) as u64);
        }
        let placed = match &route {
            Route::Kalshi { rest, ticker } => kalshi_orders::place(rest, ticker, &order).await,
            Route::Polymarket { rest, token } => {
                let decided_ms = cause_ts / 1_000_000;
                polymarket_orders::place(rest, token, &order, decided_ms, &self.placed).await
            }
        };
        // Register the tracker before the core hears of the ack, so that a cancel
        // decided on it finds it.
        if let Some(follow) = placed.follow {
            self.spawn_tracker(trackers, order, follow);
        }
        for event in placed.events {
            self.send(event);
        }
    }

    fn spawn_tracker(self: &Executor, trackers: &Trackers, order: PlaceOrder, follow: Follow) {
        let Some(route) = self.route_of(order.market) else {
            return;
        };
        let (cancel_tx, cancel_rx) = unbounded_channel();
        if let Ok(mut t) = trackers.lock() {
            t.insert(order.id, cancel_tx);
        }
        let (tx, poll, trackers) = (self.tx.clone(), self.poll, trackers.clone());
        let lookup = Lookup::new(self.settle);
        tokio::spawn(async move {
            match route {
                Route::Kalshi { rest, ticker } => {
                    let followed = kalshi_orders::KalshiResting {
                        rest,
                        ticker,
                        order,
                        venue_order_id: follow.venue_order_id,
                        booked: follow.booked,
                        lookup,
                        cancel_wanted: false,
                    };
                    track(followed, poll, cancel_rx, tx).await
                }
                Route::Polymarket { rest, token } => {
                    let Some(order_hash) = follow.venue_order_id else {
                        tracing::error!(order = %order.id, "a Polymarket order to follow without its hash");
                        return;
                    };
                    let followed = polymarket_orders::PolymarketResting {
                        rest,
                        token,
                        order,
                        order_hash,
                        acked: follow.acked,
                        booked: follow.booked,
                        booked_trades: Default::default(),
                        lookup,
                        cancel_wanted: false,
                    };
                    track(followed, poll, cancel_rx, tx).await
                }
            }
            if let Ok(mut t) = trackers.lock() {
                t.remove(&order.id);
            }
        });
    }

    fn send(&self, event: Event) {
        // The core has gone only when shutting down; recovery reconciles the rest.
        let _ = self.tx.send(Inbound::now(event));
    }
}

/// One venue's view of an order resting there.
pub(crate) trait RestingOrder {
    /// Asks the venue to cancel the order.
    async fn cancel(&mut self);
    /// Reads the order: the events since the last read (fills, and the cancel of the
    /// rest once it is over) and whether it is over; `None` if it could not be read.
    async fn poll(&mut self) -> Option<(Vec<Event>, bool)>;
}

/// Follows a resting order until it is over: reads it every `poll`, and at once after
/// asking the venue to cancel it when the core decided so.
async fn track(
    mut order: impl RestingOrder,
    poll: Duration,
    mut cancel: UnboundedReceiver<()>,
    tx: Sender<Inbound>,
) {
    let mut cancel_open = true;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            req = cancel.recv(), if cancel_open => match req {
                Some(()) => order.cancel().await,
                None => cancel_open = false,
            },
        }
        let Some((events, over)) = order.poll().await else {
            continue;
        };
        for event in events {
            if tx.send(Inbound::now(event)).is_err() {
                return;
            }
        }
        if over {
            return;
        }
    }
}
