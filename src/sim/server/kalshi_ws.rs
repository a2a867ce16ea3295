//! Kalshi's WebSocket API on the simulator (`/trade-api/ws/v2`): authenticated at the
//! handshake; `subscribe` / `unsubscribe` / `update_subscription` commands; the
//! `orderbook_delta` (snapshot, then deltas with a per-subscription `seq`), `trade`,
//! `fill`, `user_orders` and `market_lifecycle_v2` (`created` at listing, `determined`
//! then `settled` at settlement, for every market) channels; a ping every 10 s. A book change is sent as its
//! level decreases first, then its increases, so no prefix of it shows a crossed book
//! (a real venue's book never crosses).

use super::kalshi::{authenticate, count, money, order_uuid};
use super::{Batch, SimState};
use crate::core::{Outcome, Price, Qty, Venue};
use crate::event::BookSide;
use crate::sim::exchange::{Action, ExchangeEvent, OrderState, public_levels};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const HEARTBEAT: Duration = Duration::from_secs(10);

pub async fn upgrade(
    State(state): State<Arc<SimState>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // The handshake is signed like a REST call: GET /trade-api/ws/v2.
    let account = match authenticate(&state, &headers, &Method::GET, uri.path()) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    if state.refuses_ws(Venue::Kalshi) {
        return ws.on_upgrade(|mut socket| async move {
            let _ = socket.send(Message::Close(None)).await;
        });
    }
    ws.on_upgrade(move |socket| async move {
        Session {
            state,
            account,
            subs: Vec::new(),
            next_sid: 1,
        }
        .run(socket)
        .await;
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Channel {
    OrderbookDelta,
    Trade,
    Fill,
    UserOrders,
    MarketLifecycle,
}

impl Channel {
    fn parse(s: &str) -> Option<Channel> {
        match s {
            "orderbook_delta" => Some(Channel::OrderbookDelta),
            "trade" => Some(Channel::Trade),
            "fill" => Some(Channel::Fill),
            "user_orders" => Some(Channel::UserOrders),
            "market_lifecycle_v2" => Some(Channel::MarketLifecycle),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Channel::OrderbookDelta => "orderbook_delta",
            Channel::Trade => "trade",
            Channel::Fill => "fill",
            Channel::UserOrders => "user_orders",
            Channel::MarketLifecycle => "market_lifecycle_v2",
        }
    }
}

struct Sub {
    sid: u64,
    channel: Channel,
    /// Exchange market indexes; `None` = all markets.
    markets: Option<Vec<usize>>,
    seq: u64,
    /// Batches up to this version are already in the snapshot this sub sent.
    after_version: u64,
    /// A sequence-gap fault: the next book message is lost (its `seq` skipped).
    lose_next: bool,
}

impl Sub {
    fn covers(&self, market: usize) -> bool {
        self.markets.as_ref().is_none_or(|m| m.contains(&market))
    }
}

struct Session {
    state: Arc<SimState>,
    account: String,
    subs: Vec<Sub>,
    next_sid: u64,
}

type Out = Vec<Value>;

impl Session {
    async fn run(mut self, socket: WebSocket) {
        let stream = self.state.open_stream(Venue::Kalshi);
        let (mut tx, mut rx) = socket.split();
        let mut feed = self.state.subscribe();
        let mut control = self.state.control();
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        loop {
            let mut out: Out = Vec::new();
            tokio::select! {
                biased;
                msg = rx.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        self.command(&text, &mut out);
                        stream.set(self.streamed());
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                },
                batch = feed.recv() => match batch {
                    Ok(b) => self.publish(&b, &mut out),
                    // A subscriber that fell behind cannot be made whole: close, and let
                    // the client reconnect and resubscribe (it sees a fresh snapshot).
                    Err(_) => return,
                },
                c = control.recv() => match c {
                    Ok(super::Control::Disconnect) => return,
                    Ok(super::Control::SequenceGap(market)) => {
                        // The venue loses one message on every book subscription (that
                        // covers the fault's market, when it names one).
                        for s in self.subs.iter_mut().filter(|s| {
                            s.channel == Channel::OrderbookDelta && market.is_none_or(|m| s.covers(m))
                        }) {
                            s.lose_next = true;
                        }
                    }
                    Ok(super::Control::CrossBook(market)) => self.cross(market, &mut out),
                    Err(_) => {}
                },
                _ = heartbeat.tick() => {
                    if tx.send(Message::Ping(Vec::new().into())).await.is_err() {
                        return;
                    }
                }
            }
            for v in out {
                if tx.send(Message::Text(v.to_string().into())).await.is_err() {
                    return;
                }
            }
        }
    }

    /// The markets of a subscription the venue serves (an `ignore_subscribe` fault
    /// leaves its market out, answering as if it did not).
    fn served(&self, markets: Vec<usize>) -> Vec<usize> {
        markets
            .into_iter()
            .filter(|&m| !self.state.ignores_subscribe(m))
            .collect()
    }

    /// Markets this session streams books of (every listed one for a subscription
    /// without a market list).
    fn streamed(&self) -> usize {
        let mut markets = std::collections::BTreeSet::new();
        for s in self
            .subs
            .iter()
            .filter(|s| s.channel == Channel::OrderbookDelta)
        {
            match &s.markets {
                Some(m) => markets.extend(m.iter().copied()),
                None => return self.state.metas.len(),
            }
        }
        markets.len()
    }

    fn error(id: Option<u64>, code: u32, msg: &str, out: &mut Out) {
        out.push(json!({"id": id, "type": "error", "msg": {"code": code, "msg": msg}}));
    }

    /// Listed markets of these tickers; an unlisted one is as unknown as on the venue.
    fn markets_of(&self, tickers: &[String]) -> Result<Vec<usize>, String> {
        tickers
            .iter()
            .map(|t| {
                self.state
                    .meta_of(Venue::Kalshi, t)
                    .map(|(i, _)| i)
                    .filter(|&i| self.state.exchange().listed(i))
                    .ok_or_else(|| format!("unknown market ticker {t}"))
            })
            .collect()
    }

    fn command(&mut self, text: &str, out: &mut Out) {
        let Ok(cmd) = serde_json::from_str::<Value>(text) else {
            return Self::error(None, 1, "Unable to process message", out);
        };
        let id = cmd.get("id").and_then(Value::as_u64);
        let params = cmd.get("params").cloned().unwrap_or(Value::Null);
        let tickers: Vec<String> = params
            .get("market_tickers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .or_else(|| {
                params
                    .get("market_ticker")
                    .and_then(Value::as_str)
                    .map(|t| vec![t.to_string()])
            })
            .unwrap_or_default();
        match cmd.get("cmd").and_then(Value::as_str) {
            Some("subscribe") => {
                let channels: Vec<&str> = params
                    .get("channels")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if channels.is_empty() {
                    return Self::error(id, 5, "Params required", out);
                }
                let markets = if tickers.is_empty() {
                    None
                } else {
                    match self.markets_of(&tickers) {
                        Ok(m) => Some(self.served(m)),
                        Err(e) => return Self::error(id, 8, &e, out),
                    }
                };
                for name in channels {
                    let Some(channel) = Channel::parse(name) else {
                        Self::error(id, 7, &format!("Unknown channel name {name}"), out);
                        continue;
                    };
                    let sid = self.next_sid;
                    self.next_sid += 1;
                    out.push(json!({"id": id, "type": "subscribed", "msg": {"channel": channel.name(), "sid": sid}}));
                    let mut sub = Sub {
                        sid,
                        channel,
                        markets: markets.clone(),
                        seq: 0,
                        after_version: 0,
                        lose_next: false,
                    };
                    if channel == Channel::OrderbookDelta {
                        self.snapshots(&mut sub, None, out);
                    }
                    self.subs.push(sub);
                }
            }
            Some("unsubscribe") => {
                let sids: Vec<u64> = params
                    .get("sids")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default();
                for sid in sids {
                    if let Some(i) = self.subs.iter().position(|s| s.sid == sid) {
                        self.subs.remove(i);
                        out.push(json!({"id": id, "sid": sid, "type": "unsubscribed"}));
                    } else {
                        Self::error(id, 9, "Subscription not found", out);
                    }
                }
            }
            Some("update_subscription") => {
                let sid = params
                    .get("sids")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_u64)
                    .or_else(|| params.get("sid").and_then(Value::as_u64));
                let action = params.get("action").and_then(Value::as_str).unwrap_or("");
                let Some(pos) = sid.and_then(|s| self.subs.iter().position(|x| x.sid == s)) else {
                    return Self::error(id, 9, "Subscription not found", out);
                };
                let mut sub = self.subs.remove(pos);
                match action {
                    "get_snapshot" => {
                        let only = if tickers.is_empty() {
                            None
                        } else {
                            self.markets_of(&tickers).ok()
                        };
                        self.snapshots(&mut sub, only, out);
                        out.push(json!({"id": id, "sid": sub.sid, "seq": sub.seq, "type": "ok", "msg": {"market_tickers": tickers}}));
                    }
                    "add_markets" | "delete_markets" => match self.markets_of(&tickers) {
                        Ok(ms) => {
                            let ms = match action {
                                "add_markets" => self.served(ms),
                                _ => ms,
                            };
                            let mut current = sub.markets.clone().unwrap_or_default();
                            if action == "add_markets" {
                                current.extend(ms.iter().copied());
                                current.sort_unstable();
                                current.dedup();
                            } else {
                                current.retain(|m| !ms.contains(m));
                            }
                            sub.markets = Some(current);
                            if action == "add_markets" && sub.channel == Channel::OrderbookDelta {
                                self.snapshots(&mut sub, Some(ms), out);
                            }
                            out.push(json!({"id": id, "sid": sub.sid, "seq": sub.seq, "type": "ok", "msg": {"market_tickers": tickers}}));
                        }
                        Err(e) => Self::error(id, 8, &e, out),
                    },
                    _ => Self::error(id, 5, "Unknown action", out),
                }
                self.subs.push(sub);
            }
            _ => Self::error(id, 2, "Unknown command", out),
        }
    }

    /// Order book snapshots of a subscription's markets (or `only` these), recording the
    /// exchange version they reflect.
    fn snapshots(&self, sub: &mut Sub, only: Option<Vec<usize>>, out: &mut Out) {
        let ex = self.state.exchange();
        sub.after_version = ex.version;
        let markets: Vec<usize> = match (&only, &sub.markets) {
            (Some(o), _) => o.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => (0..self.state.metas.len())
                .filter(|&i| self.state.metas[i].venue == Venue::Kalshi && ex.listed(i))
                .collect(),
        };
        for m in markets {
            let (bids, asks) = public_levels(&ex, m);
            let yes: Vec<Value> = bids
                .iter()
                .map(|(&p, &q)| json!([Price(p).to_string(), count(Qty(q))]))
                .collect();
            let no: Vec<Value> = asks
                .iter()
                .rev()
                .map(|(&p, &q)| json!([Price(p).complement().to_string(), count(Qty(q))]))
                .collect();
            sub.seq += 1;
            let meta = &self.state.metas[m];
            out.push(json!({"type": "orderbook_snapshot", "sid": sub.sid, "seq": sub.seq,
                "msg": {"market_ticker": meta.venue_id, "yes_dollars_fp": yes, "no_dollars_fp": no}}));
        }
    }

    fn publish(&mut self, batch: &Batch, out: &mut Out) {
        let now_ms = crate::clock::event_ms();
        let increase = |ev: &ExchangeEvent| matches!(ev, ExchangeEvent::Level { old, new, .. } if new.0 > old.0);
        for sub in &mut self.subs {
            if batch.version <= sub.after_version {
                continue;
            }
            if sub.channel == Channel::MarketLifecycle {
                for ev in &batch.events {
                    out.extend(super::lifecycle_feeds::kalshi(&self.state, sub.sid, ev));
                }
                continue;
            }
            // Decreases (and everything else) first, then increases.
            let first = batch.events.iter().filter(|e| !increase(e));
            for ev in first.chain(batch.events.iter().filter(|e| increase(e))) {
                let Some(msg) = message(&self.state, &self.account, sub, ev, now_ms) else {
                    continue;
                };
                out.push(msg);
            }
        }
    }

    /// A crossed-book fault: on each book subscription covering `market` (or its first
    /// market), one delta adding a YES bid at the best ask (in sequence), which the
    /// exchange's book does not have.
    fn cross(&mut self, market: Option<usize>, out: &mut Out) {
        let now_ms = crate::clock::event_ms();
        for sub in self
            .subs
            .iter_mut()
            .filter(|s| s.channel == Channel::OrderbookDelta)
        {
            let target = market.or_else(|| sub.markets.as_ref().and_then(|m| m.first().copied()));
            let Some(m) = target.filter(|&m| sub.covers(m)) else {
                continue;
            };
            let Some(meta) = self.state.metas.get(m).filter(|x| x.venue == Venue::Kalshi) else {
                continue;
            };
            let best_ask = {
                let ex = self.state.exchange();
                public_levels(&ex, m)
                    .1
                    .keys()
                    .next()
                    .copied()
                    .unwrap_or(9_900)
            };
            sub.seq += 1;
            out.push(json!({"type": "orderbook_delta", "sid": sub.sid, "seq": sub.seq,
                "msg": {"market_ticker": meta.venue_id, "price_dollars": Price(best_ask).to_string(), "delta_fp": count(Qty::contracts(7)), "side": "yes", "ts_ms": now_ms}}));
        }
    }
}

/// The message `ev` becomes on `sub`, if any (advancing its `seq`).
fn message(
    state: &SimState,
    account: &str,
    sub: &mut Sub,
    ev: &ExchangeEvent,
    now_ms: i64,
) -> Option<Value> {
    let ticker = |m: usize| {
        state
            .metas
            .get(m)
            .filter(|x| x.venue == Venue::Kalshi)
            .map(|x| x.venue_id.clone())
    };
    match (sub.channel, ev) {
        (
            Channel::OrderbookDelta,
            ExchangeEvent::Level {
                market,
                side,
                price,
                old,
                new,
            },
        ) if sub.covers(*market) => {
            let t = ticker(*market)?;
            sub.seq += 1;
            if std::mem::take(&mut sub.lose_next) {
                return None; // lost: the client sees the sequence jump
            }
            let (side, price) = match side {
                BookSide::Bid => ("yes", *price),
                BookSide::Ask => ("no", price.complement()),
            };
            Some(
                json!({"type": "orderbook_delta", "sid": sub.sid, "seq": sub.seq,
                "msg": {"market_ticker": t, "price_dollars": price.to_string(), "delta_fp": crate::core::fixed::format_decimal(new.0 - old.0, 6, 2), "side": side, "ts_ms": now_ms}}),
            )
        }
        (
            Channel::Trade,
            ExchangeEvent::Trade {
                market,
                yes_price,
                qty,
                taker_side,
            },
        ) if sub.covers(*market) => {
            let t = ticker(*market)?;
            sub.seq += 1;
            let taker = if *taker_side == BookSide::Bid {
                "yes"
            } else {
                "no"
            };
            Some(json!({"type": "trade", "sid": sub.sid, "seq": sub.seq,
                "msg": {"market_ticker": t, "yes_price_dollars": yes_price.to_string(), "no_price_dollars": yes_price.complement().to_string(),
                        "count_fp": count(*qty), "taker_side": taker, "ts": now_ms / 1000, "ts_ms": now_ms}}))
        }
        (Channel::Fill, ExchangeEvent::Fill(f)) if f.account == account && sub.covers(f.market) => {
            let t = ticker(f.market)?;
            let yes = if f.outcome == Outcome::Yes {
                f.price
            } else {
                f.price.complement()
            };
            sub.seq += 1;
            Some(json!({"type": "fill", "sid": sub.sid, "seq": sub.seq,
                "msg": {"trade_id": format!("trade-{}", f.trade_id), "order_id": order_uuid(f.order_id), "client_order_id": f.client_order_id,
                        "market_ticker": t, "is_taker": f.is_taker, "side": if f.outcome == Outcome::Yes { "yes" } else { "no" },
                        "yes_price_dollars": yes.to_string(), "count_fp": count(f.qty), "fee_cost": money(f.fee),
                        "action": if f.action == Action::Buy { "buy" } else { "sell" }, "ts": f.ts_ns / 1_000_000_000, "ts_ms": f.ts_ns / 1_000_000}}))
        }
        (Channel::UserOrders, ExchangeEvent::OrderUpdate(id)) => {
            let o = state.exchange().orders.get(id).cloned()?;
            if o.order.account != account || !sub.covers(o.order.market) {
                return None;
            }
            let t = ticker(o.order.market)?;
            sub.seq += 1;
            let status = match o.state {
                OrderState::Resting => "resting",
                OrderState::Executed => "executed",
                OrderState::Canceled => "canceled",
            };
            Some(json!({"type": "user_order", "sid": sub.sid, "seq": sub.seq,
                "msg": {"order_id": order_uuid(o.id), "ticker": t, "status": status, "side": if o.order.outcome == Outcome::Yes { "yes" } else { "no" },
                        "yes_price_dollars": o.order.book_price().to_string(), "fill_count_fp": count(o.filled),
                        "remaining_count_fp": count(if o.state == OrderState::Resting { o.remaining() } else { Qty::ZERO }),
                        "initial_count_fp": count(o.order.qty), "client_order_id": o.order.client_order_id}}))
        }
        _ => None,
    }
}
