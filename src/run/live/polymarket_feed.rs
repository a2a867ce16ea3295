//! Polymarket's market data in `arb live`: the market channel's side of the shared
//! ingress loop (`stream_loop.rs`): books and price changes -> events, and REST books
//! for a periodic resync, a bad book and poll-only mode.

use super::ingress::IngressCtx;
use super::stream_loop::{Frame, VenueFeed};
use super::universe_watch::{AddedRx, drain, stream_changes};
use crate::core::{Price, Qty, Venue};
use crate::event::Event;
use crate::venues::MarketInterner;
use crate::venues::governor::Governor;
use crate::venues::http::VenueError;
use crate::venues::polymarket::rest::PolymarketRest;
use crate::venues::polymarket::ws::{PolymarketWs, split_frame};
use crate::venues::polymarket::{PolymarketState, map_message};
use std::time::Duration;

/// Streams the tokens' books into the core until `stop` (see `stream_loop::run`).
pub async fn ingress(
    url: String,
    rest: PolymarketRest,
    tokens: Vec<String>,
    interner: MarketInterner,
    adds: Option<AddedRx>,
    ctx: IngressCtx,
) {
    let state = PolymarketState::from_interner(&interner);
    let feed = PolymarketFeed {
        url,
        rest,
        tokens,
        interner,
        adds,
        state,
    };
    super::stream_loop::run(feed, ctx).await;
}

struct PolymarketFeed {
    url: String,
    rest: PolymarketRest,
    tokens: Vec<String>,
    interner: MarketInterner,
    /// Markets listed while running.
    adds: Option<AddedRx>,
    /// The connection's books.
    state: PolymarketState,
}

impl VenueFeed for PolymarketFeed {
    const VENUE: Venue = Venue::Polymarket;
    type Ws = PolymarketWs;

    fn governor(&self) -> &Governor {
        self.rest.governor()
    }

    async fn connect(&mut self) -> Result<PolymarketWs, VenueError> {
        PolymarketWs::connect(&self.url).await
    }

    async fn subscribe(&mut self, ws: &mut PolymarketWs) -> Result<(), VenueError> {
        ws.subscribe_market(&self.tokens).await?;
        self.state = PolymarketState::from_interner(&self.interner);
        Ok(())
    }

    async fn resync(&mut self, _ws: &mut PolymarketWs, ctx: &mut IngressCtx) -> bool {
        // The REST books (levels are set, not added, so a resync cannot double-count
        // the stream's changes).
        rest_books(&self.rest, &self.tokens, &self.interner, ctx).await
    }

    async fn poll_books(&mut self, ctx: &mut IngressCtx) -> bool {
        rest_books(&self.rest, &self.tokens, &self.interner, ctx).await
    }

    async fn add_markets(&mut self, mut ws: Option<&mut PolymarketWs>) {
        let added = drain(&mut self.adds, &mut self.interner);
        for a in &added {
            for m in a.metas.iter().filter(|m| m.venue == Venue::Polymarket) {
                self.state.add_market(m);
            }
        }
        let (new, gone) = stream_changes(&added, Venue::Polymarket);
        if !gone.is_empty() {
            self.tokens.retain(|t| !gone.contains(t));
            if let Some(ws) = ws.as_deref_mut()
                && let Err(e) = ws.remove_assets(&gone).await
            {
                tracing::warn!(error = %e, tokens = gone.len(), "tokens not unsubscribed; the next connection leaves them out");
            }
        }
        if new.is_empty() {
            return;
        }
        self.tokens.extend(new.iter().cloned());
        if let Some(ws) = ws
            && let Err(e) = ws.add_assets(&new).await
        {
            tracing::warn!(error = %e, tokens = new.len(), "listed tokens not subscribed; the next connection does");
        }
    }

    fn streams(&self, market: crate::core::MarketId) -> bool {
        self.interner
            .meta(market)
            .is_some_and(|m| m.venue == Venue::Polymarket && self.tokens.contains(&m.venue_id))
    }

    async fn resubscribe(&mut self, ws: &mut PolymarketWs, markets: &[crate::core::MarketId]) {
        let tokens: Vec<String> = markets
            .iter()
            .filter_map(|&m| self.interner.meta(m).map(|meta| meta.venue_id.clone()))
            .collect();
        tracing::info!(tokens = tokens.len(), "probe: subscribing books again");
        // Out and in again: the venue sends each book on the way in.
        let again = async {
            ws.remove_assets(&tokens).await?;
            ws.add_assets(&tokens).await
        };
        if let Err(e) = again.await {
            tracing::warn!(error = %e, tokens = tokens.len(), "probe: books not subscribed again; the next look tries again");
        }
    }

    async fn on_frame(
        &mut self,
        _ws: &mut PolymarketWs,
        ts: i64,
        text: &str,
        ctx: &mut IngressCtx,
    ) -> Option<Frame> {
        let mut frame = Frame {
            book: false,
            gap: false,
        };
        let mut bad = Vec::new();
        for value in split_frame(text) {
            if value.get("event_type").and_then(|t| t.as_str()) == Some("market_resolved") {
                // Every known token of the resolved market: the watcher reads its result.
                for asset in value["assets_ids"].as_array().into_iter().flatten() {
                    if let Some(m) = asset
                        .as_str()
                        .and_then(|a| self.interner.get(Venue::Polymarket, a))
                    {
                        ctx.lifecycle_news(m);
                    }
                }
                continue;
            }
            // Only tokens interned at start: an unknown asset must not mint an id here.
            let interner = &self.interner;
            let known = |v: &serde_json::Value| {
                v.as_str()
                    .is_some_and(|a| interner.get(Venue::Polymarket, a).is_some())
            };
            let direct = value.get("asset_id").map(known);
            let changes = value
                .get("price_changes")
                .and_then(|c| c.as_array())
                .map(|c| c.iter().all(|x| x.get("asset_id").is_some_and(known)));
            if direct == Some(false) || changes == Some(false) {
                continue;
            }
            let events = map_message(value, &mut self.interner, &mut self.state).events;
            frame.book |= events.iter().any(|e| matches!(e, Event::BookSnapshot(_)));
            for event in events {
                bad.extend(ctx.push(ts, event).ok()?);
            }
        }
        if !bad.is_empty() {
            // A crossed or impossible book is not waited out: those books over REST
            // now, as the periodic resync reads them.
            let resync: Vec<String> = bad
                .iter()
                .filter_map(|(m, _)| self.interner.meta(*m).map(|x| x.venue_id.clone()))
                .collect();
            if !rest_books(&self.rest, &resync, &self.interner, ctx).await {
                return None;
            }
        }
        Some(frame)
    }

    async fn next(ws: &mut PolymarketWs) -> Option<Result<(i64, String), VenueError>> {
        ws.next().await
    }

    fn silent_for(ws: &PolymarketWs) -> Duration {
        ws.silent_for()
    }

    async fn close(ws: PolymarketWs) {
        ws.close().await
    }
}

/// Tokens per `POST /books` request (the venue takes up to 500).
pub(super) const BOOKS_BATCH: usize = 100;

/// Every token's book over REST (`POST /books`, a hundred tokens a request), as
/// snapshots to the core; false once the core is gone. A batch or a book that cannot be
/// read is skipped (the next poll retries): one request per token would hold the stream
/// unread for minutes at thousands of tokens.
async fn rest_books(
    rest: &PolymarketRest,
    tokens: &[String],
    interner: &MarketInterner,
    ctx: &mut IngressCtx,
) -> bool {
    let known: Vec<String> = tokens
        .iter()
        .filter(|t| interner.get(Venue::Polymarket, t).is_some())
        .cloned()
        .collect();
    for chunk in known.chunks(BOOKS_BATCH) {
        let Ok(books) = rest.books(chunk).await else {
            continue;
        };
        for book in &books {
            let Some(event) = interner
                .get(Venue::Polymarket, &book.asset_id)
                .and_then(|market| book_snapshot(book, market))
            else {
                continue;
            };
            if !ctx.send(event) {
                return false;
            }
        }
    }
    true
}

/// A token's REST book as a snapshot of `market`; `None` for a level that does not
/// parse (the next read retries).
pub(super) fn book_snapshot(
    book: &crate::venues::polymarket::rest_wire::OrderBookSummary,
    market: crate::core::MarketId,
) -> Option<Event> {
    let levels = |side: &[crate::venues::polymarket::wire::OrderSummary]| {
        side.iter()
            .map(|l| {
                Some(crate::event::Level {
                    price: Price::from_decimal(&l.price).ok()?,
                    qty: Qty::from_decimal(&l.size).ok()?,
                })
            })
            .collect::<Option<Vec<_>>>()
    };
    Some(Event::BookSnapshot(crate::event::BookSnapshot {
        market,
        venue_seq: 0,
        bids: levels(&book.bids)?,
        asks: levels(&book.asks)?,
    }))
}
