//! Polymarket in `arb live`: token metadata at start (condition, complement, tick, fee
//! schedule), balances, and the executor (signed V2 orders -> acks, fills, cancels).
//! Its market data is `polymarket_feed.rs`; its user channel `polymarket_user.rs`.

use crate::core::{Money, Outcome, Price, Qty, Venue};
use crate::engine::fees::fee;
use crate::event::{
    BalanceReport, Event, FeeModel, Fill, MarketMeta, NoLeg, OrderAck, OrderCanceled, OrderReject,
    PlaceOrder, TimeInForce,
};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::polymarket::auth::Side;
use crate::venues::polymarket::rest::{LimitOrder, OrderType, PolymarketRest};
use std::sync::Arc;

/// What the executor needs to know of a token to sign an order for it.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub token_id: String,
    pub tick: Price,
    pub neg_risk: bool,
    pub fees: FeeModel,
}

fn tick_of(mts: f64) -> Price {
    Price((mts * 10_000.0).round().clamp(1.0, 10_000.0) as u16)
}

/// Interns every configured token with its sibling (the other outcome of its
/// condition), tick and fee schedule, and returns the definitions with each token's
/// order parameters.
pub async fn market_metas(
    rest: &PolymarketRest,
    tokens: &[String],
    interner: &mut MarketInterner,
) -> Result<(Vec<Event>, Vec<(crate::core::MarketId, TokenInfo)>), VenueError> {
    let mut out = Vec::new();
    let mut infos = Vec::new();
    for token in tokens {
        if infos
            .iter()
            .any(|(_, i): &(crate::core::MarketId, TokenInfo)| &i.token_id == token)
        {
            continue; // done with its sibling already
        }
        let condition = rest.market_by_token(token).await?.condition_id;
        let m = rest.clob_market(&condition).await?;
        let fees = match &m.fd {
            Some(fd) => FeeModel::Polymarket {
                rate_ppm: (fd.r * 1e6).round().clamp(0.0, 1e9) as u32,
                exponent: fd.e.round().clamp(0.0, 8.0) as u8,
                taker_only: fd.to,
            },
            None => FeeModel::Free,
        };
        let tick = tick_of(m.mts);
        let base = interner.next_id();
        let pair = m.t.len() == 2;
        // Tokens a continued journal already defined keep their ids (and need no event).
        let known: Vec<Option<crate::core::MarketId>> =
            m.t.iter()
                .map(|t| interner.get(Venue::Polymarket, &t.t))
                .collect();
        for (i, t) in m.t.iter().enumerate() {
            if let Some(id) = known[i] {
                infos.push((
                    id,
                    TokenInfo {
                        token_id: t.t.clone(),
                        tick,
                        neg_risk: m.nr,
                        fees,
                    },
                ));
                continue;
            }
            let no_leg = if pair {
                NoLeg::Complement(crate::core::MarketId(base.0 + (1 - i as u32)))
            } else {
                NoLeg::Unknown
            };
            let id = interner.intern(
                Venue::Polymarket,
                &t.t,
                |id| MarketMeta {
                    id,
                    venue: Venue::Polymarket,
                    venue_id: t.t.clone(),
                    title: format!("{} ({})", condition, t.o),
                    event_id: condition.clone(),
                    series_id: String::new(),
                    close_ts: None,
                    no_leg,
                    fees,
                    tick,
                },
                &mut out,
            );
            infos.push((
                id,
                TokenInfo {
                    token_id: t.t.clone(),
                    tick,
                    neg_risk: m.nr,
                    fees,
                },
            ));
        }
    }
    Ok((out, infos))
}

pub async fn balance(rest: &PolymarketRest) -> Result<Event, VenueError> {
    Ok(Event::Balance(BalanceReport {
        venue: Venue::Polymarket,
        cash: rest.collateral_balance().await?,
    }))
}

/// The order's salt, derived from its client order id: with the decision's timestamp
/// it makes the signed order (and so the venue's order id) reproducible from the
/// journal, which is how recovery finds an order whose answer a crash lost.
pub fn salt_of(id: crate::core::ClientOrderId) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.to_string().as_bytes()) & ((1 << 53) - 1)
}

/// The limit order a `PlaceOrder` becomes on Polymarket.
pub fn limit_order(token: &TokenInfo, o: &PlaceOrder) -> LimitOrder {
    LimitOrder {
        token_id: token.token_id.clone(),
        side: Side::Buy,
        price: o.price,
        size: o.qty,
        tick: token.tick,
        neg_risk: token.neg_risk,
        // A resting leg is good-till-canceled and canceled by the engine at its
        // deadline: a GTD expiration would change the signed order (and so its hash,
        // which recovery rebuilds), and Polymarket wants GTD at least a minute out.
        order_type: match o.tif {
            TimeInForce::ImmediateOrCancel => OrderType::Fak,
            TimeInForce::GoodTillCanceled | TimeInForce::GoodTillTime { .. } => OrderType::Gtc,
        },
        expiration: 0,
        post_only: false,
    }
}

/// Places one immediate-or-cancel (FAK) buy, signed with the salt of its client order
/// id and the time it was decided (ms), and reports an ack, its fills and the cancel of
/// the remainder, or a reject.
pub async fn place(
    rest: &PolymarketRest,
    token: &TokenInfo,
    o: &PlaceOrder,
    decided_ms: i64,
) -> Vec<Event> {
    if o.outcome != Outcome::Yes {
        return vec![Event::OrderReject(OrderReject {
            id: o.id,
            reason: "Polymarket orders buy a token (its YES)".into(),
        })];
    }
    let order = limit_order(token, o);
    let resp = match rest
        .place_order_with(&order, salt_of(o.id), decided_ms.max(0) as u64)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return vec![Event::OrderReject(OrderReject {
                id: o.id,
                reason: e.to_string(),
            })];
        }
    };
    let mut out = vec![Event::OrderAck(OrderAck {
        id: o.id,
        venue_order_id: resp.order_id.clone(),
    })];
    let mut filled = Qty::ZERO;
    for trade_id in &resp.trade_ids {
        match rest.trades(&[("id", trade_id.clone())]).await {
            Ok(page) => {
                for t in page.data.iter().filter(|t| &t.id == trade_id) {
                    let (Ok(price), Ok(qty)) =
                        (Price::from_decimal(&t.price), Qty::from_decimal(&t.size))
                    else {
                        continue;
                    };
                    let qty = qty.min(Qty(o.qty.0 - filled.0));
                    if qty.0 <= 0 {
                        continue;
                    }
                    filled = Qty(filled.0 + qty.0);
                    let paid = fee(token.fees, price, qty, false).unwrap_or(Money::ZERO);
                    out.push(Event::Fill(Fill {
                        id: o.id,
                        market: o.market,
                        outcome: Outcome::Yes,
                        price,
                        qty,
                        fee: paid,
                        maker: false,
                    }));
                }
            }
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "a trade of an acked order could not be read; reconciliation will find it")
            }
        }
    }
    let remaining = Qty(o.qty.0 - filled.0);
    if remaining.0 > 0 && o.tif == TimeInForce::ImmediateOrCancel {
        out.push(Event::OrderCanceled(OrderCanceled {
            id: o.id,
            canceled_qty: remaining,
        }));
    }
    out
}

/// A Polymarket order resting at the venue, as the executor's tracker follows it.
pub struct PolymarketResting {
    pub rest: Arc<PolymarketRest>,
    pub token: TokenInfo,
    pub order: PlaceOrder,
    pub order_hash: String,
    /// Contracts of it the engine has been told of.
    pub booked: Qty,
}

impl super::executor::RestingOrder for PolymarketResting {
    async fn cancel(&self) {
        if let Err(e) = self.rest.cancel_order(&self.order_hash).await {
            tracing::info!(order = %self.order.id, error = %e, "cancel not taken");
        }
    }

    async fn poll(&mut self) -> Option<(Vec<Event>, bool)> {
        let o = self.order;
        let v = match self.rest.order(&self.order_hash).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(order = %o.id, error = %e, "order status not read; will retry");
                return None;
            }
        };
        let matched = Qty::from_decimal(&v.size_matched)
            .unwrap_or(self.booked)
            .min(o.qty);
        let mut events = Vec::new();
        if matched > self.booked {
            // A resting order is the maker: it trades at its own price.
            let qty = Qty(matched.0 - self.booked.0);
            events.push(Event::Fill(Fill {
                id: o.id,
                market: o.market,
                outcome: o.outcome,
                price: o.price,
                qty,
                fee: fee(self.token.fees, o.price, qty, true).unwrap_or(Money::ZERO),
                maker: true,
            }));
            self.booked = matched;
        }
        let over = v.status != "LIVE";
        if over && self.booked < o.qty {
            events.push(Event::OrderCanceled(OrderCanceled {
                id: o.id,
                canceled_qty: Qty(o.qty.0 - self.booked.0),
            }));
        }
        Some((events, over))
    }
}

/// Orders the executor placed on Polymarket, by the venue's order id (the order hash),
/// so that a trade reported on the user channel can be tied back to its order.
pub type PlacedOrders =
    Arc<std::sync::Mutex<std::collections::BTreeMap<String, (PlaceOrder, TokenInfo)>>>;
