//! Polymarket in `arb live`: token metadata at start (condition, complement, tick, fee
//! schedule), balances, and how an order decision is signed. Its market data is
//! `polymarket_feed.rs`; its orders `polymarket_orders.rs`; its user channel
//! `polymarket_user.rs`.

use crate::core::{Price, Venue};
use crate::event::{BalanceReport, Event, FeeModel, MarketMeta, NoLeg, PlaceOrder, TimeInForce};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::polymarket::auth::Side;
use crate::venues::polymarket::gamma_wire::GammaMarket;
use crate::venues::polymarket::rest::{LimitOrder, OrderType, PolymarketRest};
use crate::venues::polymarket::rest_wire::{ClobMarketInfo, ClobToken, FeeDetails};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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
    cache: &Mutex<PolymarketMetaCache>,
    tokens: &[String],
    interner: &mut MarketInterner,
) -> Result<(Vec<Event>, Vec<(crate::core::MarketId, TokenInfo)>), VenueError> {
    let mut out = Vec::new();
    let mut infos = Vec::new();
    let mut done: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for token in tokens {
        if done.contains(token) {
            continue; // done with its sibling already
        }
        let (condition, m, close_ts) = condition_of(rest, cache, token).await?;
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
                    close_ts,
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
        done.extend(m.t.iter().map(|t| t.t.clone()));
    }
    Ok((out, infos))
}

/// What start-up has read of the venue's tokens and conditions, kept for the run:
/// preflight reads them (both venues at once), the journal's start-up then reads none.
#[derive(Debug, Default)]
pub struct PolymarketMetaCache {
    /// Token id -> condition id.
    conditions: BTreeMap<String, String>,
    /// Condition id -> its CLOB parameters and listed close time.
    markets: BTreeMap<String, (ClobMarketInfo, Option<i64>)>,
}

impl PolymarketMetaCache {
    /// What the Gamma catalogue listed: each token's condition, the condition's CLOB
    /// parameters (tokens, tick, neg-risk, fee schedule) and close time, so that
    /// start-up reads none of them. A market without a tick is left for start-up to
    /// read from the CLOB.
    pub fn seed(&mut self, gamma: &[GammaMarket]) {
        for m in gamma {
            let (Ok(tokens), Some(mts)) = (m.tokens(), m.order_price_min_tick_size) else {
                continue;
            };
            let info = ClobMarketInfo {
                t: tokens
                    .iter()
                    .map(|(o, t)| ClobToken {
                        t: t.clone(),
                        o: o.clone(),
                    })
                    .collect(),
                mts,
                nr: m.neg_risk,
                fd: m
                    .fee_schedule
                    .filter(|_| m.fees_enabled)
                    .map(|f| FeeDetails {
                        r: f.rate,
                        e: f.exponent,
                        to: f.taker_only,
                    }),
                ..ClobMarketInfo::default()
            };
            for (_, t) in &tokens {
                self.conditions.insert(t.clone(), m.condition_id.clone());
            }
            let close = m.end_date.as_deref().and_then(crate::clock::parse_rfc3339);
            self.markets.insert(m.condition_id.clone(), (info, close));
        }
    }
}

/// A token's condition, the condition's CLOB parameters and its listed close time
/// (`end_date_iso`: entries stop a margin before it), from `cache` or the venue.
async fn condition_of(
    rest: &PolymarketRest,
    cache: &Mutex<PolymarketMetaCache>,
    token: &str,
) -> Result<(String, ClobMarketInfo, Option<i64>), VenueError> {
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    let known = lock().conditions.get(token).cloned();
    let condition = match known {
        Some(c) => c,
        None => {
            let c = rest.market_by_token(token).await?.condition_id;
            lock().conditions.insert(token.to_string(), c.clone());
            c
        }
    };
    if let Some((m, close)) = lock().markets.get(&condition).cloned() {
        return Ok((condition, m, close));
    }
    let m = rest.clob_market(&condition).await?;
    let close_ts = rest
        .market(&condition)
        .await?
        .end_date_iso
        .as_deref()
        .and_then(crate::clock::parse_rfc3339);
    lock()
        .markets
        .insert(condition.clone(), (m.clone(), close_ts));
    Ok((condition, m, close_ts))
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
        side: match o.side {
            crate::event::OrderSide::Buy => Side::Buy,
            crate::event::OrderSide::Sell => Side::Sell,
        },
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

/// Orders the executor placed on Polymarket, by the venue's order id (the order hash),
/// so that a trade reported on the user channel can be tied back to its order.
pub type PlacedOrders =
    Arc<std::sync::Mutex<std::collections::BTreeMap<String, (PlaceOrder, TokenInfo)>>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{ClientOrderId, MarketId, Qty};
    use crate::event::OrderSide;

    #[test]
    fn a_sell_signs_a_sell_of_the_token() {
        let token = TokenInfo {
            token_id: "111".into(),
            tick: Price(100),
            neg_risk: false,
            fees: FeeModel::Free,
        };
        let o = PlaceOrder {
            id: ClientOrderId {
                opportunity: 3,
                leg: 2,
                attempt: 0,
            },
            market: MarketId(1),
            outcome: crate::core::Outcome::Yes,
            price: Price(4500),
            qty: Qty::contracts(4),
            tif: TimeInForce::ImmediateOrCancel,
            side: OrderSide::Sell,
        };
        let sell = limit_order(&token, &o);
        let buy = limit_order(
            &token,
            &PlaceOrder {
                side: OrderSide::Buy,
                ..o
            },
        );
        assert_eq!((sell.side, buy.side), (Side::Sell, Side::Buy));
        assert_eq!(sell.order_type, OrderType::Fak);
        assert_eq!((sell.price, sell.size), (Price(4500), Qty::contracts(4)));
    }
}
