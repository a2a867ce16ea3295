//! The executor of `arb live`: order decisions (durable in the journal already) go to
//! their venue, one task per order; a resting order gets a tracker that polls its
//! status until it is over; a cancel decision reaches the order's tracker. What the
//! venues answer goes back to the core as events.

use super::core::{Inbound, Outbound, wall_ns};
use super::{kalshi, polymarket};
use crate::core::{ClientOrderId, MarketId, Qty};
use crate::engine::orders::OpenOrder;
use crate::event::{Decision, Event, OrderReject, PlaceOrder};
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use crossbeam_channel::Sender;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

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

pub struct Executor {
    pub routes: BTreeMap<MarketId, Route>,
    pub placed: polymarket::PlacedOrders,
    pub tx: Sender<Inbound>,
    pub latency: Arc<Mutex<Vec<u64>>>,
    pub poll: Duration,
}

impl Executor {
    /// Runs until the core stops sending decisions. `resting` are the orders a
    /// recovered journal left open at the venue: they are tracked from the start.
    pub async fn run(self, resting: Vec<OpenOrder>, mut rx: UnboundedReceiver<Outbound>) {
        let me = Arc::new(self);
        let trackers: Trackers = Arc::default();
        for o in resting {
            if let Some(vid) = o.venue_order_id.clone() {
                me.spawn_tracker(&trackers, o.order, vid, o.filled);
            }
        }
        while let Some(out) = rx.recv().await {
            match out.decision {
                Decision::PlaceOrder(order) => {
                    let (me, trackers) = (me.clone(), trackers.clone());
                    tokio::spawn(async move { me.place(&trackers, order, out.cause_ts).await });
                }
                Decision::CancelOrder { id } => {
                    let sent = trackers
                        .lock()
                        .ok()
                        .and_then(|t| t.get(&id).map(|c| c.send(()).is_ok()));
                    if sent != Some(true) {
                        // Not resting here (over already, or never acked): the
                        // order's own answer or the recovery check ends it.
                        tracing::info!(order = %id, "cancel for an order that is not resting");
                    }
                }
                _ => {}
            }
        }
    }

    async fn place(&self, trackers: &Trackers, order: PlaceOrder, cause_ts: i64) {
        let Some(route) = self.routes.get(&order.market) else {
            let reject = OrderReject {
                id: order.id,
                reason: "no venue route for this market".into(),
            };
            self.send(Event::OrderReject(reject));
            return;
        };
        if let Ok(mut l) = self.latency.lock() {
            l.push((wall_ns() - cause_ts).max(0) as u64);
        }
        let events = match route {
            Route::Kalshi { rest, ticker } => kalshi::place(rest, ticker, &order).await,
            Route::Polymarket { rest, token } => {
                let events = polymarket::place(rest, token, &order, cause_ts / 1_000_000).await;
                // Remember the order hash: the user channel reports trades by it.
                if let Some(Event::OrderAck(ack)) = events.first()
                    && let Ok(mut m) = self.placed.lock()
                {
                    m.insert(ack.venue_order_id.clone(), (order, token.clone()));
                }
                events
            }
        };
        let acked = events.iter().find_map(|e| match e {
            Event::OrderAck(a) => Some(a.venue_order_id.clone()),
            _ => None,
        });
        let filled = Qty(events
            .iter()
            .map(|e| match e {
                Event::Fill(f) => f.qty.0,
                _ => 0,
            })
            .sum());
        let ended = filled >= order.qty
            || events
                .iter()
                .any(|e| matches!(e, Event::OrderCanceled(_) | Event::OrderReject(_)));
        // Register the tracker before the core hears of the ack, so that a cancel
        // decided on the ack finds it.
        if let (Some(vid), false) = (acked, ended) {
            self.spawn_tracker(trackers, order, vid, filled);
        }
        for event in events {
            self.send(event);
        }
    }

    fn spawn_tracker(
        self: &Executor,
        trackers: &Trackers,
        order: PlaceOrder,
        venue_order_id: String,
        booked: Qty,
    ) {
        let Some(route) = self.routes.get(&order.market).cloned() else {
            return;
        };
        let (cancel_tx, cancel_rx) = unbounded_channel();
        if let Ok(mut t) = trackers.lock() {
            t.insert(order.id, cancel_tx);
        }
        let (tx, poll, trackers) = (self.tx.clone(), self.poll, trackers.clone());
        tokio::spawn(async move {
            match route {
                Route::Kalshi { rest, .. } => {
                    let resting = kalshi::KalshiResting {
                        rest,
                        order,
                        venue_order_id,
                        booked,
                    };
                    track(resting, poll, cancel_rx, tx).await
                }
                Route::Polymarket { rest, token } => {
                    let resting = polymarket::PolymarketResting {
                        rest,
                        token,
                        order,
                        order_hash: venue_order_id,
                        booked,
                    };
                    track(resting, poll, cancel_rx, tx).await
                }
            }
            if let Ok(mut t) = trackers.lock() {
                t.remove(&order.id);
            }
        });
    }

    fn send(&self, event: Event) {
        // The core has gone only when shutting down; recovery reconciles the rest.
        let _ = self.tx.send(Inbound {
            ts: wall_ns(),
            event,
        });
    }
}

/// One venue's view of an order resting there.
pub(crate) trait RestingOrder {
    /// Asks the venue to cancel the order.
    async fn cancel(&self);
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
            if tx
                .send(Inbound {
                    ts: wall_ns(),
                    event,
                })
                .is_err()
            {
                return;
            }
        }
        if over {
            return;
        }
    }
}
