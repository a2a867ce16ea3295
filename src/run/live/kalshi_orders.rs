//! Kalshi's half of the executor: an order decision becomes a REST order, and what the
//! venue answers becomes events (ack, fills, the cancel of a remainder, a reject). An
//! answer that is not definite (a timeout, a 5xx, a body that does not parse) is
//! `OrderUnknown`, and the order is then looked up by its client order id until the
//! venue says what became of it; nothing is assumed.

use super::executor::{Follow, Lookup, Placed, RestingOrder};
use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Price, Qty};
use crate::event::{
    Event, Fill, OrderAck, OrderCanceled, OrderReject, OrderSide, OrderUnknown, PlaceOrder,
    TimeInForce,
};
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire::{CreateOrderRequest, Order};
use std::sync::Arc;

/// The REST request a `PlaceOrder` becomes.
fn create_request(ticker: &str, o: &PlaceOrder) -> CreateOrderRequest {
    let (side, price_field) = match o.outcome {
        Outcome::Yes => ("yes", (Some(o.price.to_string()), None)),
        Outcome::No => ("no", (None, Some(o.price.to_string()))),
    };
    CreateOrderRequest {
        ticker: ticker.to_string(),
        client_order_id: Some(o.id.to_string()),
        side: side.into(),
        action: match o.side {
            OrderSide::Buy => "buy",
            OrderSide::Sell => "sell",
        }
        .into(),
        count_fp: Some(format_decimal(o.qty.0, 6, 2)),
        order_type: Some("limit".into()),
        yes_price_dollars: price_field.0,
        no_price_dollars: price_field.1,
        time_in_force: Some(
            match o.tif {
                TimeInForce::ImmediateOrCancel => "immediate_or_cancel",
                TimeInForce::GoodTillCanceled | TimeInForce::GoodTillTime { .. } => {
                    "good_till_canceled"
                }
            }
            .into(),
        ),
        // The venue expires the order itself (whole seconds, rounded up), so a resting
        // leg ends on time even if this process does not live to cancel it.
        expiration_ts: match o.tif {
            TimeInForce::GoodTillTime { expires_ns } => {
                Some((expires_ns + 999_999_999) / 1_000_000_000)
            }
            _ => None,
        },
        ..CreateOrderRequest::default()
    }
}

/// Places one order and reports what happened: an ack, its fills and the cancel of an
/// immediate-or-cancel remainder; a reject; or, without a definite answer,
/// `OrderUnknown` and a lookup to follow. An order whose fills could not all be read
/// is followed too, never booked as unfilled.
pub async fn place(rest: &KalshiRest, ticker: &str, o: &PlaceOrder) -> Placed {
    let order = match rest.create_order(&create_request(ticker, o)).await {
        Ok(order) => order,
        Err(e) if e.outcome_unknown() => {
            return Placed {
                events: vec![Event::OrderUnknown(OrderUnknown {
                    id: o.id,
                    reason: e.to_string(),
                })],
                follow: Some(Follow::lookup()),
            };
        }
        Err(e) => {
            return Placed {
                events: vec![Event::OrderReject(OrderReject {
                    id: o.id,
                    reason: e.to_string(),
                })],
                follow: None,
            };
        }
    };
    let mut events = vec![Event::OrderAck(OrderAck {
        id: o.id,
        venue_order_id: order.order_id.clone(),
    })];
    let (booked, complete) = book_fills(rest, o, &order, Qty::ZERO, &mut events).await;
    let over = order.status != "resting" && complete;
    if over && order.status == "canceled" && booked < o.qty {
        events.push(Event::OrderCanceled(OrderCanceled {
            id: o.id,
            canceled_qty: Qty(o.qty.0 - booked.0),
        }));
    }
    let follow = (!over).then(|| Follow::acked(order.order_id.clone(), booked));
    Placed { events, follow }
}

/// Books the venue's fills of `order` beyond the first `booked` contracts into
/// `events`. Returns the contracts booked in all and whether they are every one the
/// venue counts as filled (false when the fills could not be read, or lag its count).
async fn book_fills(
    rest: &KalshiRest,
    o: &PlaceOrder,
    order: &Order,
    booked: Qty,
    events: &mut Vec<Event>,
) -> (Qty, bool) {
    let venue_filled = Qty::from_decimal(&order.fill_count_fp).unwrap_or(booked);
    if venue_filled <= booked {
        return (booked, true);
    }
    match new_fills(rest, o, &order.order_id, booked).await {
        Ok((fills, _)) => {
            let mut now = booked;
            for f in fills {
                if let Event::Fill(fill) = &f {
                    now = Qty(now.0 + fill.qty.0);
                }
                events.push(f);
            }
            (now, now >= venue_filled)
        }
        Err(e) => {
            tracing::warn!(order = %o.id, error = %e, "fills not read; the order is followed until they are");
            (booked, false)
        }
    }
}

/// The venue's fills of order `venue_order_id` beyond the first `booked` contracts
/// (those the engine has already), as events; and the total the venue has filled.
pub async fn new_fills(
    rest: &KalshiRest,
    o: &PlaceOrder,
    venue_order_id: &str,
    booked: Qty,
) -> Result<(Vec<Event>, Qty), VenueError> {
    let fills = rest
        .fills(&[("order_id", venue_order_id.to_string())])
        .await?
        .fills;
    let (mut out, mut total, mut skip) = (Vec::new(), 0i64, booked.0);
    for f in fills {
        let (Ok(q), Ok(yes)) = (
            Qty::from_decimal(&f.count_fp),
            Price::from_decimal(&f.yes_price_dollars),
        ) else {
            continue;
        };
        total += q.0;
        // The part of the venue's fills the engine already booked is skipped.
        let take = q.0 - skip.min(q.0);
        skip -= q.0 - take;
        if take == 0 {
            continue;
        }
        let price = if o.outcome == Outcome::Yes {
            yes
        } else {
            yes.complement()
        };
        out.push(Event::Fill(Fill {
            id: o.id,
            market: o.market,
            outcome: o.outcome,
            price,
            qty: Qty(take),
            fee: Money::from_decimal(&f.fee_cost).unwrap_or_default(),
            maker: !f.is_taker,
        }));
    }
    Ok((out, Qty(total)))
}

/// The account's order on `ticker` with this client order id, if the venue has one
/// (every page of the ticker's orders is read).
pub async fn find_by_client_id(
    rest: &KalshiRest,
    ticker: &str,
    client_order_id: &str,
) -> Result<Option<Order>, VenueError> {
    let mut cursor = String::new();
    for _ in 0..50 {
        let mut query = vec![("ticker", ticker.to_string()), ("limit", "200".into())];
        if !cursor.is_empty() {
            query.push(("cursor", cursor.clone()));
        }
        let page = rest.orders(&query).await?;
        if let Some(o) = page
            .orders
            .into_iter()
            .find(|o| o.client_order_id == client_order_id)
        {
            return Ok(Some(o));
        }
        if page.cursor.is_empty() {
            return Ok(None);
        }
        cursor = page.cursor;
    }
    Ok(None)
}

/// A Kalshi order the executor follows until it is over: resting, with fills still to
/// read, or not yet found (its request got no definite answer).
pub struct KalshiResting {
    pub rest: Arc<KalshiRest>,
    pub ticker: String,
    pub order: PlaceOrder,
    /// The venue's id, once known.
    pub venue_order_id: Option<String>,
    /// Contracts of it the engine has been told of.
    pub booked: Qty,
    pub lookup: Lookup,
    /// A cancel decided before the order was found: sent once it is.
    pub cancel_wanted: bool,
}

impl KalshiResting {
    /// Looks the order up by its client order id: the venue's order, `Ok(None)` while
    /// it is not there.
    async fn find(&mut self, events: &mut Vec<Event>) -> Result<Option<Order>, VenueError> {
        let coid = self.order.id.to_string();
        let found = find_by_client_id(&self.rest, &self.ticker, &coid).await?;
        if let Some(v) = &found {
            tracing::info!(order = %self.order.id, venue_order_id = %v.order_id, "order of an unknown outcome found at the venue");
            self.venue_order_id = Some(v.order_id.clone());
            events.push(Event::OrderAck(OrderAck {
                id: self.order.id,
                venue_order_id: v.order_id.clone(),
            }));
            if self.cancel_wanted && v.status == "resting" {
                self.cancel().await;
            }
        }
        Ok(found)
    }
}

impl RestingOrder for KalshiResting {
    async fn cancel(&mut self) {
        let Some(vid) = &self.venue_order_id else {
            self.cancel_wanted = true;
            return;
        };
        if let Err(e) = self.rest.cancel_order(vid).await {
            // Already over at the venue, not reachable, or no answer: the next poll tells.
            tracing::info!(order = %self.order.id, error = %e, "cancel not taken");
        }
    }

    async fn poll(&mut self) -> Option<(Vec<Event>, bool)> {
        let o = self.order;
        let mut events = Vec::new();
        let v = match &self.venue_order_id {
            None => match self.find(&mut events).await {
                Ok(Some(v)) => v,
                Ok(None) => {
                    return Some(self.lookup.not_found(o.id));
                }
                Err(e) => {
                    tracing::warn!(order = %o.id, error = %e, "order lookup failed; will retry");
                    return None;
                }
            },
            Some(vid) => match self.rest.order(vid).await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(order = %o.id, error = %e, "order status not read; will retry");
                    return None;
                }
            },
        };
        let (booked, complete) = book_fills(&self.rest, &o, &v, self.booked, &mut events).await;
        self.booked = booked;
        // Over once the venue says so and every fill it counts is booked.
        let over = v.status != "resting" && complete;
        if over && v.status == "canceled" && self.booked < o.qty {
            events.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: Qty(o.qty.0 - self.booked.0),
            }));
        }
        Some((events, over))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{ClientOrderId, MarketId, Price, Qty};

    #[test]
    fn a_sell_is_sent_as_kalshis_sell_action_with_its_floor_as_the_price() {
        let o = PlaceOrder {
            id: ClientOrderId {
                opportunity: 3,
                leg: 2,
                attempt: 0,
            },
            market: MarketId(0),
            outcome: Outcome::No,
            price: Price(4500),
            qty: Qty::contracts(4),
            tif: TimeInForce::ImmediateOrCancel,
            side: OrderSide::Sell,
        };
        let r = create_request("KX-T", &o);
        assert_eq!(
            (
                r.action.as_str(),
                r.side.as_str(),
                r.no_price_dollars.as_deref()
            ),
            ("sell", "no", Some("0.4500"))
        );
        let buy = create_request(
            "KX-T",
            &PlaceOrder {
                side: OrderSide::Buy,
                ..o
            },
        );
        assert_eq!(buy.action, "buy");
    }
}
