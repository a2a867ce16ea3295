//! Polymarket's half of the executor: an order decision becomes a signed V2 order, and
//! what the venue answers becomes events. The order's id (its EIP-712 hash) is known
//! before it is sent, so an answer that is not definite (a timeout, a 5xx, a body that
//! does not parse) is `OrderUnknown` and the order is looked up by that hash until the
//! venue says what became of it; nothing is assumed.

use super::executor::{Follow, Lookup, Placed, RestingOrder};
use super::polymarket::{PlacedOrders, TokenInfo, limit_order, salt_of};
use crate::core::{Money, Outcome, Price, Qty};
use crate::engine::fees::fee;
use crate::event::{
    Event, Fill, OrderAck, OrderCanceled, OrderReject, OrderUnknown, PlaceOrder, TimeInForce,
};
use crate::venues::http::VenueError;
use crate::venues::polymarket::rest::PolymarketRest;
use crate::venues::polymarket::rest_wire::OpenOrder;
use std::collections::BTreeMap;
use std::sync::Arc;

fn reject(o: &PlaceOrder, reason: String) -> Placed {
    Placed {
        events: vec![Event::OrderReject(OrderReject { id: o.id, reason })],
        follow: None,
    }
}

/// Places one buy, signed with the salt of its client order id and the time it was
/// decided (ms), and reports an ack, its fills and the cancel of an immediate-or-cancel
/// remainder; a reject; or, without a definite answer, `OrderUnknown` and a lookup of
/// its hash to follow. An order whose trades could not all be read is followed too.
/// `placed` learns the order's hash before it is sent (the user channel reports trades
/// by it).
pub async fn place(
    rest: &PolymarketRest,
    token: &TokenInfo,
    o: &PlaceOrder,
    decided_ms: i64,
    placed: &PlacedOrders,
) -> Placed {
    if o.outcome != Outcome::Yes {
        return reject(o, "Polymarket orders buy a token (its YES)".into());
    }
    let order = limit_order(token, o);
    let (salt, ts) = (salt_of(o.id), decided_ms.max(0) as u64);
    // Signing fails before anything is sent: a definite "not placed".
    let signed = match rest.sign_order_with(&order, salt, ts).await {
        Ok(s) => s,
        Err(e) => return reject(o, e.to_string()),
    };
    let hash = match rest.order_id_with(&order, salt, ts) {
        Ok(h) => h,
        Err(e) => return reject(o, e.to_string()),
    };
    if let Ok(mut m) = placed.lock() {
        m.insert(hash.clone(), (*o, token.clone()));
    }
    let resp = match rest.post_order(&signed).await {
        Ok(r) => r,
        Err(e) if e.outcome_unknown() => {
            return Placed {
                events: vec![Event::OrderUnknown(OrderUnknown {
                    id: o.id,
                    reason: e.to_string(),
                })],
                follow: Some(Follow {
                    venue_order_id: Some(hash),
                    booked: Qty::ZERO,
                    acked: false,
                }),
            };
        }
        Err(e) => return reject(o, e.to_string()),
    };
    let mut events = vec![Event::OrderAck(OrderAck {
        id: o.id,
        venue_order_id: resp.order_id.clone(),
    })];
    let mut booked_trades = BTreeMap::new();
    let (booked, complete) = book_trades(
        rest,
        token,
        o,
        &resp.order_id,
        &resp.trade_ids,
        Qty::ZERO,
        &mut booked_trades,
        &mut events,
    )
    .await;
    let remaining = Qty(o.qty.0 - booked.0);
    let over = complete && (remaining.0 == 0 || o.tif == TimeInForce::ImmediateOrCancel);
    if over && remaining.0 > 0 {
        events.push(Event::OrderCanceled(OrderCanceled {
            id: o.id,
            canceled_qty: remaining,
        }));
    }
    let follow = (!over).then(|| Follow::acked(resp.order_id.clone(), booked));
    Placed { events, follow }
}

/// Books the trades of order `hash` not booked yet (`booked_trades`, with what each
/// took) as fills into `events`, at most up to the order's size: the order's side of
/// each trade (taker: the trade's price; maker: its own matched amount at its price).
/// Contracts in `booked` that no known trade accounts for (an order the engine
/// followed before this run) are the first ones skipped. Returns the contracts booked
/// in all and whether every trade could be read.
#[allow(clippy::too_many_arguments)]
async fn book_trades(
    rest: &PolymarketRest,
    token: &TokenInfo,
    o: &PlaceOrder,
    hash: &str,
    trade_ids: &[String],
    booked: Qty,
    booked_trades: &mut BTreeMap<String, Qty>,
    events: &mut Vec<Event>,
) -> (Qty, bool) {
    let mut now = booked;
    let mut complete = true;
    let mut skip = booked.0 - booked_trades.values().map(|q| q.0).sum::<i64>();
    for trade_id in trade_ids {
        if booked_trades.contains_key(trade_id) {
            continue;
        }
        let page = match rest.trades(&[("id", trade_id.clone())]).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "a trade not read; the order is followed until it is");
                complete = false;
                continue;
            }
        };
        let Some(t) = page.data.iter().find(|t| &t.id == trade_id) else {
            complete = false;
            continue;
        };
        // Every trade is booked, whatever its settlement status: one that FAILED is
        // undone by the `FillReversed` the user channel reports for it.
        let ours = if t.taker_order_id == hash {
            Some((t.price.as_str(), t.size.as_str(), false))
        } else {
            t.maker_orders
                .iter()
                .find(|m| m.order_id == hash)
                .map(|m| (m.price.as_str(), m.matched_amount.as_str(), true))
        };
        let Some((Ok(price), Ok(qty), maker)) =
            ours.map(|(p, q, m)| (Price::from_decimal(p), Qty::from_decimal(q), m))
        else {
            booked_trades.insert(trade_id.clone(), Qty::ZERO);
            continue;
        };
        booked_trades.insert(trade_id.clone(), qty);
        let skipped = skip.clamp(0, qty.0);
        skip -= skipped;
        let qty = Qty(qty.0 - skipped).min(Qty(o.qty.0 - now.0));
        if qty.0 <= 0 {
            continue;
        }
        now = Qty(now.0 + qty.0);
        events.push(Event::Fill(Fill {
            id: o.id,
            market: o.market,
            outcome: Outcome::Yes,
            price,
            qty,
            fee: fee(token.fees, price, qty, maker).unwrap_or(Money::ZERO),
            maker,
        }));
    }
    (now, complete)
}

/// A Polymarket order the executor follows until it is over: resting, with trades
/// still to read, or not yet found (its request got no definite answer).
pub struct PolymarketResting {
    pub rest: Arc<PolymarketRest>,
    pub token: TokenInfo,
    pub order: PlaceOrder,
    pub order_hash: String,
    /// The venue has acknowledged it (or the engine was told it exists).
    pub acked: bool,
    /// Contracts of it the engine has been told of.
    pub booked: Qty,
    /// Trades of it already booked, with the contracts each took.
    pub booked_trades: BTreeMap<String, Qty>,
    pub lookup: Lookup,
    /// A cancel decided before the order was found: sent once it is.
    pub cancel_wanted: bool,
}

impl PolymarketResting {
    /// The order as the venue shows it; `Ok(None)` while it does not have it.
    async fn read(&self) -> Result<Option<OpenOrder>, VenueError> {
        match self.rest.order(&self.order_hash).await {
            Ok(v) => Ok(Some(v)),
            Err(VenueError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl RestingOrder for PolymarketResting {
    async fn cancel(&mut self) {
        if !self.acked {
            self.cancel_wanted = true;
            return;
        }
        if let Err(e) = self.rest.cancel_order(&self.order_hash).await {
            tracing::info!(order = %self.order.id, error = %e, "cancel not taken");
        }
    }

    async fn poll(&mut self) -> Option<(Vec<Event>, bool)> {
        let o = self.order;
        let mut events = Vec::new();
        let v = match self.read().await {
            Ok(Some(v)) => v,
            Ok(None) if !self.acked => {
                return Some(self.lookup.not_found(o.id));
            }
            Ok(None) => {
                tracing::warn!(order = %o.id, "an acknowledged order is not found; will retry");
                return None;
            }
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "order status not read; will retry");
                return None;
            }
        };
        if !self.acked {
            tracing::info!(order = %o.id, "order of an unknown outcome found at the venue");
            self.acked = true;
            events.push(Event::OrderAck(OrderAck {
                id: o.id,
                venue_order_id: self.order_hash.clone(),
            }));
            if self.cancel_wanted && v.status == "LIVE" {
                self.cancel().await;
            }
        }
        let trades = v.associate_trades.clone().unwrap_or_default();
        let (booked, complete) = book_trades(
            &self.rest,
            &self.token,
            &o,
            &self.order_hash,
            &trades,
            self.booked,
            &mut self.booked_trades,
            &mut events,
        )
        .await;
        self.booked = booked;
        let matched = Qty::from_decimal(&v.size_matched)
            .unwrap_or(self.booked)
            .min(o.qty);
        // Over once the venue says so and every contract it matched is booked.
        let over = v.status != "LIVE" && complete && self.booked >= matched;
        if over && self.booked < o.qty {
            events.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: Qty(o.qty.0 - self.booked.0),
            }));
        }
        Some((events, over))
    }
}
