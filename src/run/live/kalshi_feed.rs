//! Kalshi's market data in `arb live`: the WebSocket side of the shared ingress loop
//! (`stream_loop.rs`): books and trades -> events, in-stream snapshots on a sequence
//! gap, a bad book or a periodic resync, and REST books in poll-only mode.

use super::ingress::IngressCtx;
use super::stream_loop::{Frame, VenueFeed};
use super::universe_watch::{AddedRx, drain, stream_changes};
use crate::core::{MarketId, Price, Qty, Venue};
use crate::event::Event;
use crate::venues::MarketInterner;
use crate::venues::governor::Governor;
use crate::venues::http::VenueError;
use crate::venues::kalshi::auth::KalshiSigner;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::ws::KalshiWs;
use crate::venues::kalshi::{KalshiState, map_message};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Streams books and trades of `tickers` into the core until `stop` (see
/// `stream_loop::run`); with `lifecycle`, the venue's lifecycle messages too (one
/// connection of a sharded stream carries them).
#[allow(clippy::too_many_arguments)] // the feed's parts, each from its own place
pub async fn ingress(
    url: String,
    signer: KalshiSigner,
    rest: KalshiRest,
    tickers: Vec<String>,
    interner: MarketInterner,
    adds: Option<AddedRx>,
    lifecycle: bool,
    ctx: IngressCtx,
) {
    let feed = KalshiFeed {
        lifecycle,
        url,
        signer,
        rest,
        tickers,
        interner,
        adds,
        state: KalshiState::default(),
        sids: BTreeSet::new(),
        channels: BTreeMap::new(),
    };
    super::stream_loop::run(feed, ctx).await;
}

struct KalshiFeed {
    /// Subscribes the lifecycle channel (every market's; one connection does).
    lifecycle: bool,
    url: String,
    signer: KalshiSigner,
    rest: KalshiRest,
    tickers: Vec<String>,
    interner: MarketInterner,
    /// Markets listed while running.
    adds: Option<AddedRx>,
    /// The connection's book sequences.
    state: KalshiState,
    /// The connection's book subscriptions (the sids its book messages carry).
    sids: BTreeSet<u64>,
    /// The connection's subscription per channel, as the venue confirmed it.
    channels: BTreeMap<String, u64>,
}

impl VenueFeed for KalshiFeed {
    const VENUE: Venue = Venue::Kalshi;
    type Ws = KalshiWs;

    fn governor(&self) -> &Governor {
        self.rest.governor()
    }

    async fn connect(&mut self) -> Result<KalshiWs, VenueError> {
        KalshiWs::connect(&self.url, Some(&self.signer)).await
    }

    async fn subscribe(&mut self, ws: &mut KalshiWs) -> Result<(), VenueError> {
        ws.subscribe(&["orderbook_delta", "trade"], &self.tickers)
            .await?;
        // Lifecycle messages come for every market (Kalshi filters none); those of the
        // markets traded wake the status watcher.
        if self.lifecycle {
            ws.subscribe(&["market_lifecycle_v2"], &[]).await?;
        }
        self.state = KalshiState::default();
        self.sids.clear();
        self.channels.clear();
        Ok(())
    }

    async fn resync(&mut self, ws: &mut KalshiWs, _ctx: &mut IngressCtx) -> bool {
        // In the stream's own sequence: a snapshot per subscription.
        for sid in &self.sids {
            let _ = ws.get_snapshot(*sid, &self.tickers).await;
        }
        true
    }

    async fn poll_books(&mut self, ctx: &mut IngressCtx) -> bool {
        for t in &self.tickers {
            let Some(market) = self.interner.get(Venue::Kalshi, t) else {
                continue;
            };
            if let Some(ev) = rest_book(&self.rest, t, market).await
                && !ctx.send(ev)
            {
                return false;
            }
        }
        true
    }

    async fn add_markets(&mut self, mut ws: Option<&mut KalshiWs>) {
        let added = drain(&mut self.adds, &mut self.interner);
        let (new, gone) = stream_changes(&added, Venue::Kalshi);
        if !gone.is_empty() {
            self.tickers.retain(|t| !gone.contains(t));
            if let Some(ws) = ws.as_deref_mut() {
                for channel in ["orderbook_delta", "trade"] {
                    if let Some(&sid) = self.channels.get(channel)
                        && let Err(e) = ws.delete_markets(sid, &gone).await
                    {
                        tracing::warn!(error = %e, channel, markets = gone.len(), "markets not unsubscribed; the next connection leaves them out");
                    }
                }
            }
        }
        if new.is_empty() {
            return;
        }
        self.tickers.extend(new.iter().cloned());
        let Some(ws) = ws else {
            return; // the next connection subscribes them with the rest
        };
        // Into the connection's subscriptions (the book one sends their snapshots), or,
        // before the venue confirmed one, a subscription of their own.
        for channel in ["orderbook_delta", "trade"] {
            let sent = match self.channels.get(channel) {
                Some(&sid) => ws.add_markets(sid, &new).await,
                None => ws.subscribe(&[channel], &new).await,
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, channel, markets = new.len(), "listed markets not subscribed; the next connection does");
            }
        }
    }

    fn streams(&self, market: MarketId) -> bool {
        self.interner
            .meta(market)
            .is_some_and(|m| m.venue == Venue::Kalshi && self.tickers.contains(&m.venue_id))
    }

    async fn resubscribe(&mut self, ws: &mut KalshiWs, markets: &[MarketId]) {
        let tickers: Vec<String> = markets
            .iter()
            .filter_map(|&m| self.interner.meta(m).map(|meta| meta.venue_id.clone()))
            .collect();
        let Some(&sid) = self.channels.get("orderbook_delta") else {
            return; // not confirmed yet: its snapshots are on their way
        };
        tracing::info!(markets = tickers.len(), "probe: subscribing books again");
        // Out and in again: the venue sends each book in full on the way in.
        let again = async {
            ws.delete_markets(sid, &tickers).await?;
            ws.add_markets(sid, &tickers).await
        };
        if let Err(e) = again.await {
            tracing::warn!(error = %e, markets = tickers.len(), "probe: books not subscribed again; the next look tries again");
        }
    }

    async fn on_frame(
        &mut self,
        ws: &mut KalshiWs,
        ts: i64,
        text: &str,
        ctx: &mut IngressCtx,
    ) -> Option<Frame> {
        let mut frame = Frame {
            book: false,
            gap: false,
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return Some(frame);
        };
        // Only the markets defined (at start or by the universe watch): an unknown
        // ticker must not mint an id here.
        let ticker = value
            .get("msg")
            .and_then(|m| m.get("market_ticker"))
            .and_then(|t| t.as_str());
        let market = ticker.and_then(|t| self.interner.get(Venue::Kalshi, t));
        if ticker.is_some() && market.is_none() {
            return Some(frame);
        }
        if value.get("type").and_then(|t| t.as_str()) == Some("market_lifecycle_v2") {
            // Anything but a listing may be a close or a result: the watcher reads it.
            let kind = value["msg"].get("event_type").and_then(|k| k.as_str());
            if let (Some(market), false) = (market, kind == Some("created")) {
                ctx.lifecycle_news(market);
            }
            return Some(frame);
        }
        let kind = value.get("type").and_then(|t| t.as_str());
        if kind == Some("subscribed")
            && let (Some(channel), Some(sid)) = (
                value["msg"].get("channel").and_then(|c| c.as_str()),
                value["msg"].get("sid").and_then(|s| s.as_u64()),
            )
        {
            self.channels.entry(channel.to_string()).or_insert(sid);
        }
        let sid = value.get("sid").and_then(|s| s.as_u64());
        if let (Some(sid), Some("orderbook_snapshot" | "orderbook_delta")) = (sid, kind) {
            self.sids.insert(sid);
        }
        let mapped = map_message(value, &mut self.interner, &mut self.state);
        frame.book = mapped
            .events
            .iter()
            .any(|e| matches!(e, Event::BookSnapshot(_)));
        let mut bad = Vec::new();
        for event in mapped.events {
            bad.extend(ctx.push(ts, event).ok()?);
        }
        if let (false, Some(sid)) = (bad.is_empty(), sid) {
            // A crossed or impossible book is not waited out: the same in-stream
            // snapshot a gap asks for, now.
            let _ = ws.get_snapshot(sid, &self.tickers).await;
        }
        if mapped.warnings.contains(&"sequence_gap")
            && let Some(sid) = sid
        {
            // The book is suspect until a fresh snapshot: ask for one.
            let _ = ws.get_snapshot(sid, &self.tickers).await;
            frame.gap = true;
        }
        Some(frame)
    }

    async fn next(ws: &mut KalshiWs) -> Option<Result<(i64, String), VenueError>> {
        ws.next().await
    }

    fn silent_for(ws: &KalshiWs) -> Duration {
        ws.silent_for()
    }

    async fn close(ws: KalshiWs) {
        ws.close().await
    }
}

/// One market's book over REST (poll-only mode), as a snapshot: YES bids are bids, NO
/// bids at q are asks at 1 − q. `None` when it cannot be read (the next poll retries).
pub(super) async fn rest_book(rest: &KalshiRest, ticker: &str, market: MarketId) -> Option<Event> {
    let ob = rest.orderbook(ticker).await.ok()?;
    let level = |(p, q): &(String, String)| {
        Some((Price::from_decimal(p).ok()?, Qty::from_decimal(q).ok()?))
    };
    let bids = ob
        .yes_dollars
        .iter()
        .map(level)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .map(|(price, qty)| crate::event::Level { price, qty })
        .collect();
    let asks = ob
        .no_dollars
        .iter()
        .map(level)
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .map(|(price, qty)| crate::event::Level {
            price: price.complement(),
            qty,
        })
        .collect();
    Some(Event::BookSnapshot(crate::event::BookSnapshot {
        market,
        venue_seq: 0,
        bids,
        asks,
    }))
}
