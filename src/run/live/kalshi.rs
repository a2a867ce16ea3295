//! Kalshi in `arb live`: market metadata at start, balances, and the executor (orders
//! -> REST -> acks, fills, cancels as events). Its market data is `kalshi_feed.rs`.

use crate::core::fixed::format_decimal;
use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::event::{
    BalanceReport, Event, FeeModel, Fill, MarketMeta, NoLeg, OrderAck, OrderCanceled, OrderReject,
    PlaceOrder, TimeInForce,
};
use crate::mapping::groups::KalshiExclusiveEvent;
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire::CreateOrderRequest;
use std::sync::Arc;

/// What the start of a Kalshi run learns of its markets: their definitions, and the
/// events the venue calls mutually exclusive, with every market each lists.
#[derive(Debug, Default)]
pub struct KalshiMetas {
    pub definitions: Vec<Event>,
    pub exclusive: Vec<KalshiExclusiveEvent>,
    /// The configured markets as the venue lists them (their strike fields relate
    /// markets of one event: `mapping::strikes`).
    pub markets: Vec<crate::venues::kalshi::rest_wire::Market>,
}

/// Fetches each ticker's market, event and series, and interns it with its fees.
pub async fn market_metas(
    rest: &KalshiRest,
    tickers: &[String],
    interner: &mut MarketInterner,
) -> Result<KalshiMetas, VenueError> {
    let mut out = KalshiMetas::default();
    // Per event ticker: its series and fee multiplier, fetched once for all its markets.
    let mut events: std::collections::BTreeMap<String, (String, u32)> = Default::default();
    for t in tickers {
        let m = rest.market(t).await?;
        if !events.contains_key(&m.event_ticker) {
            let series_ticker = match rest.event(&m.event_ticker).await {
                Ok(e) => {
                    if e.event.mutually_exclusive {
                        out.exclusive.push(KalshiExclusiveEvent {
                            event_ticker: e.event.event_ticker.clone(),
                            markets: Some(e.markets.iter().map(|m| m.ticker.clone()).collect()),
                        });
                    }
                    e.event.series_ticker
                }
                Err(VenueError::NotFound { .. }) => String::new(),
                Err(e) => return Err(e),
            };
            let multiplier_bp = if series_ticker.is_empty() {
                10_000
            } else {
                let s = rest.series(&series_ticker).await?;
                (s.fee_multiplier * 10_000.0).round().clamp(0.0, 1e9) as u32
            };
            events.insert(m.event_ticker.clone(), (series_ticker, multiplier_bp));
        }
        let (series_ticker, multiplier_bp) = events
            .get(&m.event_ticker)
            .cloned()
            .unwrap_or_else(|| (String::new(), 10_000));
        interner.intern(
            Venue::Kalshi,
            t,
            |id| MarketMeta {
                id,
                venue: Venue::Kalshi,
                venue_id: t.clone(),
                title: m.title.clone(),
                event_id: m.event_ticker.clone(),
                series_id: series_ticker.clone(),
                close_ts: None,
                no_leg: NoLeg::SameBook,
                fees: FeeModel::Kalshi { multiplier_bp },
                tick: Price(100),
            },
            &mut out.definitions,
        );
        out.markets.push(m);
    }
    Ok(out)
}

pub async fn balance(rest: &KalshiRest) -> Result<Event, VenueError> {
    let b = rest.balance().await?;
    Ok(Event::Balance(BalanceReport {
        venue: Venue::Kalshi,
        cash: Money(b.balance * 10_000),
    }))
}

/// Places one order and reports what happened as events: an ack, its fills, and the
/// cancel of an immediate-or-cancel remainder (or a reject).
pub async fn place(rest: &KalshiRest, ticker: &str, o: &PlaceOrder) -> Vec<Event> {
    let (side, price_field) = match o.outcome {
        Outcome::Yes => ("yes", (Some(o.price.to_string()), None)),
        Outcome::No => ("no", (None, Some(o.price.to_string()))),
    };
    let req = CreateOrderRequest {
        ticker: ticker.to_string(),
        client_order_id: Some(o.id.to_string()),
        side: side.into(),
        action: "buy".into(),
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
    };
    let order = match rest.create_order(&req).await {
        Ok(order) => order,
        Err(e) => {
            return vec![Event::OrderReject(OrderReject {
                id: o.id,
                reason: e.to_string(),
            })];
        }
    };
    let mut out = vec![Event::OrderAck(OrderAck {
        id: o.id,
        venue_order_id: order.order_id.clone(),
    })];
    let filled = match new_fills(rest, o, &order.order_id, Qty::ZERO).await {
        Ok((fills, filled)) => {
            out.extend(fills);
            filled
        }
        Err(e) => {
            tracing::warn!(order = %o.id, error = %e, "fills of an acked order could not be read; reconciliation will find them");
            Qty::ZERO
        }
    };
    if order.status == "canceled" {
        let remaining = Qty(o.qty.0 - filled.0);
        if remaining.0 > 0 {
            out.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: remaining,
            }));
        }
    }
    out
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

/// A Kalshi order resting at the venue, as the executor's tracker follows it.
pub struct KalshiResting {
    pub rest: Arc<KalshiRest>,
    pub order: PlaceOrder,
    pub venue_order_id: String,
    /// Contracts of it the engine has been told of.
    pub booked: Qty,
}

impl super::executor::RestingOrder for KalshiResting {
    async fn cancel(&self) {
        if let Err(e) = self.rest.cancel_order(&self.venue_order_id).await {
            // Already over at the venue, or not reachable: the next poll tells.
            tracing::info!(order = %self.order.id, error = %e, "cancel not taken");
        }
    }

    async fn poll(&mut self) -> Option<(Vec<Event>, bool)> {
        let o = self.order;
        let v = match self.rest.order(&self.venue_order_id).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "order status not read; will retry");
                return None;
            }
        };
        let venue_filled = Qty::from_decimal(&v.fill_count_fp).unwrap_or(self.booked);
        let mut events = Vec::new();
        if venue_filled > self.booked {
            match new_fills(&self.rest, &o, &self.venue_order_id, self.booked).await {
                Ok((fills, _)) => {
                    for f in fills {
                        if let Event::Fill(fill) = &f {
                            self.booked = Qty(self.booked.0 + fill.qty.0);
                        }
                        events.push(f);
                    }
                }
                Err(e) => tracing::warn!(order = %o.id, error = %e, "fills not read; will retry"),
            }
        }
        // Over once the venue says so and every fill it counts is booked.
        let over = v.status != "resting" && self.booked >= venue_filled;
        if over && v.status == "canceled" && self.booked < o.qty {
            events.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: Qty(o.qty.0 - self.booked.0),
            }));
        }
        Some((events, over))
    }
}
