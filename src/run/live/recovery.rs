//! Restarting `arb live` on an existing journal: the torn tail is cut, the reducer is
//! rebuilt (from the newest snapshot and the events after it: `restart`), and before
//! any new order every order the journal left open is reconciled with the venue (and
//! the venue's balances and positions with the engine's), each difference journaled
//! as an event.

use super::core::event_ns;
use super::polymarket::TokenInfo;
use crate::core::{ClientOrderId, MarketId};
use crate::core::{Outcome, Price, Qty, Venue};
use crate::event::{Event, Fill, OrderAck, OrderCanceled, OrderReject};
use crate::run::CoreLoop;
use crate::venues::MarketInterner;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use std::collections::BTreeMap;

pub use super::restart::{Replayed, SnapshotUsed, replay_into};

/// What recovery found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Recovered {
    /// Events replayed from the journal: after the snapshot, if one was used.
    pub events_replayed: u64,
    /// The snapshot the state was restored from (null: the whole journal replayed).
    pub snapshot: Option<SnapshotUsed>,
    pub torn_tail: Option<u64>,
    pub open_orders_reconciled: usize,
    pub differences: usize,
}

/// Brings every open Polymarket order of the journal in line with the venue: the order
/// is rebuilt from its client order id and decision time, its id (hash) looked up,
/// and its fills and end journaled; an order the venue never saw is rejected.
pub async fn reconcile_polymarket(
    core: &mut CoreLoop,
    rest: &PolymarketRest,
    tokens: &BTreeMap<MarketId, TokenInfo>,
    decided_ms: &BTreeMap<ClientOrderId, i64>,
) -> Result<(usize, usize), super::LiveError> {
    let open: Vec<_> = core
        .reducer
        .orders()
        .open
        .values()
        .filter(|o| o.venue == Venue::Polymarket)
        .map(|o| (o.order, o.venue_order_id.clone(), o.filled))
        .collect();
    let mut differences = 0;
    for (order, acked, filled) in &open {
        let (Some(token), Some(ms)) = (tokens.get(&order.market), decided_ms.get(&order.id)) else {
            continue;
        };
        let lo = super::polymarket::limit_order(token, order);
        let hash = match acked {
            Some(h) => h.clone(),
            None => rest.order_id_with(
                &lo,
                super::polymarket::salt_of(order.id),
                (*ms).max(0) as u64,
            )?,
        };
        let mut events = Vec::new();
        match rest.order(&hash).await {
            Err(crate::venues::http::VenueError::NotFound { .. }) => {
                events.push(Event::OrderReject(OrderReject {
                    id: order.id,
                    reason: "not at the venue on recovery".into(),
                }));
            }
            Err(e) => return Err(e.into()),
            Ok(v) => {
                if acked.is_none() {
                    events.push(Event::OrderAck(OrderAck {
                        id: order.id,
                        venue_order_id: hash.clone(),
                    }));
                }
                let mut booked = filled.0;
                for trade_id in v.associate_trades.unwrap_or_default() {
                    let page = rest.trades(&[("id", trade_id.clone())]).await?;
                    for t in page
                        .data
                        .iter()
                        .filter(|t| t.id == trade_id && t.status != "FAILED")
                    {
                        let (Ok(price), Ok(qty)) =
                            (Price::from_decimal(&t.price), Qty::from_decimal(&t.size))
                        else {
                            continue;
                        };
                        let take = (qty.0 - booked.min(qty.0)).max(0);
                        booked = (booked - qty.0).max(0);
                        if take == 0 {
                            continue;
                        }
                        let fee = crate::engine::fees::fee(token.fees, price, Qty(take), false)
                            .unwrap_or_default();
                        events.push(Event::Fill(Fill {
                            id: order.id,
                            market: order.market,
                            outcome: Outcome::Yes,
                            price,
                            qty: Qty(take),
                            fee,
                            maker: false,
                        }));
                    }
                }
                let matched = Qty::from_decimal(&v.size_matched).unwrap_or(*filled);
                if v.status != "LIVE" && matched.0 < order.qty.0 {
                    events.push(Event::OrderCanceled(OrderCanceled {
                        id: order.id,
                        canceled_qty: Qty(order.qty.0 - matched.0),
                    }));
                }
            }
        }
        differences += events.len();
        for e in events {
            core.step(event_ns(), &e)?;
        }
    }
    Ok((open.len(), differences))
}

/// After the orders are reconciled, what each venue holds is compared with the journal
/// as while running (`engine::reconcile`: journaled as `VenueState`, each difference as
/// a `Discrepancy`), except that the two reads that confirm a difference come one after
/// the other, nothing being in flight between them. A position the journal cannot
/// explain is adopted with safe mode (`Halt UnexplainedPosition`), never silently.
/// Markets the engine holds that settled while it was away are looked up first, so that
/// a payout is not taken for a surprise. Returns the discrepancies journaled.
pub async fn reconcile_positions(
    core: &mut CoreLoop,
    kalshi: Option<&KalshiRest>,
    polymarket: Option<(&PolymarketRest, &PolymarketRest, &str)>,
    interner: &MarketInterner,
) -> Result<usize, super::LiveError> {
    let held: std::collections::BTreeSet<MarketId> = core
        .reducer
        .portfolio()
        .positions
        .iter()
        .filter(|(_, p)| p.qty.0 != 0)
        .map(|((m, _), _)| *m)
        .collect();
    if !held.is_empty() {
        let reader = super::market_status::StatusReader {
            kalshi: kalshi.cloned(),
            polymarket: polymarket.map(|(clob, _, _)| clob.clone()),
            interner: interner.clone(),
        };
        let wanted = |m: MarketId| held.contains(&m);
        let found = reader.look(&wanted).await;
        let (mut closed, mut settled) = Default::default();
        for e in super::market_status::news(found, &mut closed, &mut settled) {
            core.step(event_ns(), &e)?;
        }
    }
    let mut discrepancies = 0;
    for _read in 0..2 {
        let mut states = Vec::new();
        if let Some(rest) = kalshi {
            let as_of = core.reducer.stats().events;
            states.push(super::reconciler::kalshi_state(rest, interner, as_of).await?);
        }
        if let Some((clob, data, wallet)) = polymarket {
            let as_of = core.reducer.stats().events;
            states.push(
                super::reconciler::polymarket_state(clob, data, wallet, interner, as_of).await?,
            );
        }
        for state in states {
            let decided = core.step(event_ns(), &Event::VenueState(state))?;
            discrepancies += decided
                .iter()
                .filter(|d| matches!(d, crate::event::Decision::Discrepancy(_)))
                .count();
        }
    }
    Ok(discrepancies)
}

/// Brings every open Kalshi order of the journal in line with what Kalshi says about
/// it, by journaling events through `core` (positions follow: `reconcile_positions`).
pub async fn reconcile_kalshi(
    core: &mut CoreLoop,
    rest: &KalshiRest,
) -> Result<(usize, usize), super::LiveError> {
    let open: Vec<_> = core
        .reducer
        .orders()
        .open
        .values()
        .filter(|o| o.venue == Venue::Kalshi)
        .map(|o| (o.order, o.venue_order_id.clone(), o.filled))
        .collect();
    let mut differences = 0;
    let venue_orders = if open.is_empty() {
        Vec::new()
    } else {
        rest.orders(&[]).await?.orders
    };
    for (order, acked, filled) in &open {
        let coid = order.id.to_string();
        let found = venue_orders.iter().find(|o| o.client_order_id == coid);
        let mut events = Vec::new();
        match found {
            None => {
                // Never reached the venue (the crash came between journaling and sending).
                events.push(Event::OrderReject(OrderReject {
                    id: order.id,
                    reason: "not at the venue on recovery".into(),
                }));
            }
            Some(v) => {
                if acked.is_none() {
                    events.push(Event::OrderAck(OrderAck {
                        id: order.id,
                        venue_order_id: v.order_id.clone(),
                    }));
                }
                let venue_filled = Qty::from_decimal(&v.fill_count_fp).unwrap_or(*filled);
                if venue_filled.0 > filled.0 {
                    // Fills the engine never heard of: book them at the venue's prices.
                    let (fills, _) =
                        super::kalshi_orders::new_fills(rest, order, &v.order_id, *filled).await?;
                    events.extend(fills);
                }
                if v.status == "canceled" {
                    let rest_qty = Qty(order.qty.0 - venue_filled.0);
                    if rest_qty.0 > 0 {
                        events.push(Event::OrderCanceled(OrderCanceled {
                            id: order.id,
                            canceled_qty: rest_qty,
                        }));
                    }
                }
            }
        }
        differences += events.len();
        for e in events {
            core.step(event_ns(), &e)?;
        }
    }
    Ok((open.len(), differences))
}
