//! Polymarket's CLOB WebSocket channels on the simulator: `/ws/market` and `/ws/user`.
//!
//! Market: a `book` per subscribed token, then `price_change` and `last_trade_price`;
//! with `custom_feature_enabled`, `new_market` when a market lists and
//! `market_resolved` when one of the subscribed markets settles.
//! User: API-key auth in the subscribe message, then the account's `order` and `trade`
//! events. Text `PING` is answered `PONG`.
//!
//! A subscription's snapshot records the exchange version it reflects; batches up to
//! that version are not published to it again.

use super::polymarket::{
    base_fee_bps, book_summary, condition, find_token, is_token, last_trade, now_ms, open_order,
    px, side_name, size, wire_trade,
};
use super::{Batch, SimState};
use crate::core::{Price, Qty};
use crate::event::BookSide;
use crate::sim::exchange::{Exchange, ExchangeEvent, OrderState, public_levels};
use crate::venues::polymarket::auth::ApiCreds;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// `GET /ws/market`: public market data.
pub async fn market(State(state): State<Arc<SimState>>, ws: WebSocketUpgrade) -> Response {
    if state.refuses_ws(crate::core::Venue::Polymarket) {
        return ws.on_upgrade(|mut socket| async move {
            let _ = socket.send(Message::Close(None)).await;
        });
    }
    ws.on_upgrade(move |socket| Session::new(state, Channel::Market).run(socket))
}

/// `GET /ws/user`: the account's orders and trades, after an authenticated subscribe.
pub async fn user(State(state): State<Arc<SimState>>, ws: WebSocketUpgrade) -> Response {
    if state.refuses_ws(crate::core::Venue::Polymarket) {
        return ws.on_upgrade(|mut socket| async move {
            let _ = socket.send(Message::Close(None)).await;
        });
    }
    ws.on_upgrade(move |socket| Session::new(state, Channel::User).run(socket))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Channel {
    Market,
    User,
}

/// A subscribed token: the book this session has published, and the exchange version
/// its snapshot reflects.
struct Asset {
    after_version: u64,
    bids: BTreeMap<u16, i64>,
    asks: BTreeMap<u16, i64>,
}

/// The authenticated account of a user-channel session.
struct UserSub {
    account: usize,
    /// Condition ids; empty = all.
    markets: Vec<String>,
    after_version: u64,
    /// Orders with ids up to this existed before the subscription (never "placed" here).
    known_orders: u64,
    placed: BTreeSet<u64>,
}

struct Session {
    state: Arc<SimState>,
    channel: Channel,
    assets: BTreeMap<usize, Asset>,
    user: Option<UserSub>,
    /// The subscription asked for the custom feature events (`new_market`, ...).
    custom: bool,
}

/// What a command asks the session to do besides sending frames.
#[derive(PartialEq, Eq)]
enum After {
    Continue,
    Close,
}

impl Session {
    fn new(state: Arc<SimState>, channel: Channel) -> Session {
        Session {
            state,
            channel,
            assets: BTreeMap::new(),
            user: None,
            custom: false,
        }
    }

    async fn run(mut self, socket: WebSocket) {
        let stream = (self.channel == Channel::Market)
            .then(|| self.state.open_stream(crate::core::Venue::Polymarket));
        let (mut tx, mut rx) = socket.split();
        let mut feed = self.state.subscribe();
        let mut control = self.state.control();
        loop {
            let mut out: Vec<String> = Vec::new();
            let mut after = After::Continue;
            tokio::select! {
                biased;
                // A scripted disconnect drops the connection; Polymarket has no sequence
                // numbers, so a sequence-gap fault has nothing to skip here.
                c = control.recv() => match c {
                    Ok(super::Control::Disconnect) => return,
                    Ok(super::Control::CrossBook(m)) => self.cross(m, &mut out),
                    _ => {}
                },
                msg = rx.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        after = self.command(&text, &mut out);
                        if let Some(s) = &stream {
                            s.set(self.assets.len());
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                },
                batch = feed.recv() => match batch {
                    Ok(b) => self.publish(&b, &mut out),
                    // A subscriber that fell behind cannot be made whole: close, and let
                    // the client reconnect and resubscribe (it gets fresh books).
                    Err(_) => return,
                },
            }
            for text in out {
                if tx.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            if after == After::Close {
                let frame = CloseFrame {
                    code: close_code::POLICY,
                    reason: "Unauthorized".into(),
                };
                let _ = tx.send(Message::Close(Some(frame))).await;
                return;
            }
        }
    }

    fn command(&mut self, text: &str, out: &mut Vec<String>) -> After {
        if text.trim().eq_ignore_ascii_case("PING") {
            out.push("PONG".into());
            return After::Continue;
        }
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return After::Continue;
        };
        let strings = |key: &str| -> Vec<String> {
            msg.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let operation = msg
            .get("operation")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        match self.channel {
            Channel::Market => {
                if let Some(c) = msg.get("custom_feature_enabled").and_then(Value::as_bool) {
                    self.custom = c;
                }
                let tokens = strings("assets_ids");
                if operation.as_deref() == Some("unsubscribe") {
                    for t in &tokens {
                        if let Some(m) = find_token(&self.state, t) {
                            self.assets.remove(&m);
                        }
                    }
                } else {
                    let dump = msg
                        .get("initial_dump")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    self.subscribe_assets(&tokens, dump, out);
                }
                After::Continue
            }
            Channel::User => {
                let markets = strings("markets");
                if let Some(user) = &mut self.user {
                    match operation.as_deref() {
                        Some("unsubscribe") => user.markets.retain(|m| !markets.contains(m)),
                        _ => {
                            for m in markets {
                                if !user.markets.contains(&m) {
                                    user.markets.push(m);
                                }
                            }
                        }
                    }
                    return After::Continue;
                }
                match self.authenticate(msg.get("auth")) {
                    Some(account) => {
                        let ex = self.state.exchange();
                        self.user = Some(UserSub {
                            account,
                            markets,
                            after_version: ex.version,
                            known_orders: ex.orders.keys().next_back().copied().unwrap_or(0),
                            placed: BTreeSet::new(),
                        });
                        After::Continue
                    }
                    None => After::Close,
                }
            }
        }
    }

    /// The account whose API key, secret and passphrase the subscribe message carries.
    fn authenticate(&self, auth: Option<&Value>) -> Option<usize> {
        let field = |k: &str| auth?.get(k)?.as_str().map(str::to_string);
        let (key, secret, passphrase) = (field("apiKey")?, field("secret")?, field("passphrase")?);
        let idx = self.state.accounts.iter().position(|a| {
            a.poly_creds
                .as_ref()
                .is_some_and(|c| c.api_key().ct_eq(&key))
        })?;
        let creds = self.state.accounts[idx].poly_creds.as_ref()?;
        // Same secret iff a probe signed with the offered one verifies with the
        // account's (the HMAC check is constant-time).
        let offered =
            ApiCreds::new(key.clone().into(), secret.into(), passphrase.clone().into()).ok()?;
        let probe = offered.sign(0, "GET", "/ws/user", None).ok()?;
        creds
            .verify_request(&key, &passphrase, "0", "GET", "/ws/user", None, &probe)
            .ok()?;
        Some(idx)
    }

    /// Subscribes tokens (unknown ids are ignored, as the venue does) and, if `dump`,
    /// sends their books as one JSON array frame.
    fn subscribe_assets(&mut self, tokens: &[String], dump: bool, out: &mut Vec<String>) {
        // An `ignore_subscribe` fault leaves its tokens out, silently.
        let markets: Vec<usize> = tokens
            .iter()
            .filter_map(|t| find_token(&self.state, t))
            .filter(|&m| !self.state.ignores_subscribe(m))
            .collect();
        if markets.is_empty() {
            return;
        }
        let snapshots: Vec<(usize, Asset, String)> = {
            let ex = self.state.exchange();
            markets
                .iter()
                .map(|&m| {
                    let (bids, asks) = public_levels(&ex, m);
                    let asset = Asset {
                        after_version: ex.version,
                        bids,
                        asks,
                    };
                    (m, asset, last_trade(&ex, m))
                })
                .collect()
        };
        let ts = now_ms();
        let mut books = Vec::new();
        for (m, asset, last) in snapshots {
            let summary = book_summary(&self.state, m, &asset.bids, &asset.asks, last, ts);
            if let Ok(mut v) = serde_json::to_value(&summary) {
                v["event_type"] = json!("book");
                books.push(v);
            }
            self.assets.insert(m, asset);
        }
        if dump {
            out.push(Value::Array(books).to_string());
        }
    }

    /// A crossed-book fault: a `price_change` setting a bid at the best ask of `market`
    /// (or the first subscribed token), which the exchange's book does not have.
    fn cross(&mut self, market: Option<usize>, out: &mut Vec<String>) {
        let Some(m) = market.or_else(|| self.assets.keys().next().copied()) else {
            return;
        };
        let Some(asset) = self.assets.get(&m) else {
            return;
        };
        let ask = asset.asks.keys().next().copied().unwrap_or(9_900);
        let entry = json!({
            "asset_id": self.state.metas[m].venue_id,
            "price": px(Price(ask)),
            "size": size(Qty::contracts(7)),
            "side": "BUY",
        });
        out.push(
            json!({"market": condition(&self.state, m), "price_changes": [entry],
                "timestamp": now_ms().to_string(), "event_type": "price_change"})
            .to_string(),
        );
    }

    fn publish(&mut self, batch: &Batch, out: &mut Vec<String>) {
        match self.channel {
            Channel::Market => self.publish_market(batch, out),
            Channel::User => self.publish_user(batch, out),
        }
    }

    fn publish_market(&mut self, batch: &Batch, out: &mut Vec<String>) {
        let ts = now_ms().to_string();
        // Level changes of one condition, in order, sent as one `price_change`.
        let mut pending: Option<(String, Vec<Value>)> = None;
        let flush = |pending: &mut Option<(String, Vec<Value>)>, out: &mut Vec<String>| {
            if let Some((market, changes)) = pending.take() {
                out.push(
                    json!({"market": market, "price_changes": changes, "timestamp": ts, "event_type": "price_change"})
                        .to_string(),
                );
            }
        };
        for ev in &batch.events {
            match ev {
                ExchangeEvent::Level {
                    market,
                    side,
                    price,
                    new,
                    ..
                } => {
                    let Some(asset) = self.assets.get_mut(market) else {
                        continue;
                    };
                    if batch.version <= asset.after_version {
                        continue;
                    }
                    let book = match side {
                        BookSide::Bid => &mut asset.bids,
                        BookSide::Ask => &mut asset.asks,
                    };
                    if new.0 > 0 {
                        book.insert(price.0, new.0);
                    } else {
                        book.remove(&price.0);
                    }
                    let best_bid = asset
                        .bids
                        .keys()
                        .next_back()
                        .map_or_else(|| "0".to_string(), |&p| px(Price(p)));
                    let best_ask = asset
                        .asks
                        .keys()
                        .next()
                        .map_or_else(|| "1".to_string(), |&p| px(Price(p)));
                    let hash = book_summary(
                        &self.state,
                        *market,
                        &asset.bids,
                        &asset.asks,
                        String::new(),
                        0,
                    )
                    .hash;
                    let cond = condition(&self.state, *market);
                    let entry = json!({
                        "asset_id": self.state.metas[*market].venue_id,
                        "price": px(*price),
                        "size": size(*new),
                        "side": if *side == BookSide::Bid { "BUY" } else { "SELL" },
                        "hash": hash,
                        "best_bid": best_bid,
                        "best_ask": best_ask,
                    });
                    if pending.as_ref().is_some_and(|(c, _)| *c != cond) {
                        flush(&mut pending, out);
                    }
                    pending
                        .get_or_insert_with(|| (cond, Vec::new()))
                        .1
                        .push(entry);
                }
                ExchangeEvent::Trade {
                    market,
                    yes_price,
                    qty,
                    taker_side,
                } => {
                    if self
                        .assets
                        .get(market)
                        .is_none_or(|a| batch.version <= a.after_version)
                    {
                        continue;
                    }
                    flush(&mut pending, out);
                    out.push(
                        json!({
                            "asset_id": self.state.metas[*market].venue_id,
                            "event_type": "last_trade_price",
                            "fee_rate_bps": base_fee_bps(&self.state, *market).to_string(),
                            "market": condition(&self.state, *market),
                            "price": px(*yes_price),
                            "side": if *taker_side == BookSide::Bid { "BUY" } else { "SELL" },
                            "size": size(*qty),
                            "timestamp": ts,
                        })
                        .to_string(),
                    );
                }
                ExchangeEvent::Listed(m) | ExchangeEvent::Settled { market: m, .. }
                    if self.custom =>
                {
                    flush(&mut pending, out);
                    out.extend(super::lifecycle_feeds::polymarket(
                        &self.state,
                        ev,
                        *m,
                        |t| self.assets.contains_key(&t),
                    ));
                }
                _ => {}
            }
        }
        flush(&mut pending, out);
    }

    fn publish_user(&mut self, batch: &Batch, out: &mut Vec<String>) {
        let Some(user) = &mut self.user else {
            return;
        };
        if batch.version <= user.after_version {
            return;
        }
        let state = &self.state;
        let Some(account) = state.accounts.get(user.account) else {
            return;
        };
        let wanted = |market: usize| {
            is_token(state, market)
                && (user.markets.is_empty() || user.markets.contains(&condition(state, market)))
        };
        let ex = state.exchange();
        // Placements first: an order that matched on arrival is announced before its
        // trades.
        let mut placed_now = BTreeSet::new();
        for ev in &batch.events {
            if let ExchangeEvent::OrderUpdate(id) = ev
                && *id > user.known_orders
                && !user.placed.contains(id)
                && let Some(o) = ex.orders.get(id)
                && o.order.account == account.name
                && wanted(o.order.market)
            {
                user.placed.insert(*id);
                placed_now.insert(*id);
                out.push(order_message(state, &ex, *id, "PLACEMENT"));
            }
        }
        for ev in &batch.events {
            match ev {
                ExchangeEvent::FillFailed(f) if f.account == account.name && wanted(f.market) => {
                    for status in ["RETRYING", "FAILED"] {
                        let trade = wire_trade(state, &ex, f, status);
                        if let Ok(mut v) = serde_json::to_value(&trade) {
                            v["event_type"] = json!("trade");
                            v["type"] = json!("TRADE");
                            v["matchtime"] = json!(trade.match_time);
                            v["timestamp"] = json!(trade.last_update);
                            v["trade_owner"] = json!(trade.owner);
                            out.push(v.to_string());
                        }
                    }
                }
                ExchangeEvent::Fill(f) if f.account == account.name && wanted(f.market) => {
                    let settles = ["MATCHED", "MINED", "CONFIRMED"];
                    let settling_badly = ["MATCHED"];
                    let failing = state.order_faults(Some(f.market)).settlement_failure;
                    for status in if failing {
                        &settling_badly[..]
                    } else {
                        &settles[..]
                    } {
                        let trade = wire_trade(state, &ex, f, status);
                        if let Ok(mut v) = serde_json::to_value(&trade) {
                            v["event_type"] = json!("trade");
                            v["type"] = json!("TRADE");
                            v["matchtime"] = json!(trade.match_time);
                            v["timestamp"] = json!(trade.last_update);
                            v["trade_owner"] = json!(trade.owner);
                            out.push(v.to_string());
                        }
                    }
                }
                ExchangeEvent::OrderUpdate(id) => {
                    let Some(o) = ex.orders.get(id) else { continue };
                    if o.order.account != account.name || !wanted(o.order.market) {
                        continue;
                    }
                    let kind = match o.state {
                        OrderState::Canceled => "CANCELLATION",
                        _ if placed_now.contains(id) && o.filled == Qty::ZERO => continue,
                        _ => "UPDATE",
                    };
                    out.push(order_message(state, &ex, *id, kind));
                }
                _ => {}
            }
        }
    }
}

/// An `order` event (`PLACEMENT`, `UPDATE`, `CANCELLATION`) of the user channel.
fn order_message(state: &SimState, ex: &Exchange, id: u64, kind: &str) -> String {
    let Some(o) = ex.orders.get(&id) else {
        return String::new();
    };
    let wire = open_order(state, ex, o);
    json!({
        "asset_id": wire.asset_id,
        "associate_trades": wire.associate_trades,
        "event_type": "order",
        "id": wire.id,
        "market": wire.market,
        "order_owner": wire.owner,
        "original_size": wire.original_size,
        "outcome": wire.outcome,
        "owner": wire.owner,
        "price": wire.price,
        "side": side_name(o.order.action),
        "size_matched": wire.size_matched,
        "timestamp": (now_ms() / 1000).to_string(),
        "type": kind,
    })
    .to_string()
}
