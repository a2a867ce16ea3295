//! The warm tier's reads (`tiers.rs`), in a task of their own: each round reads every
//! book it is given over REST (Kalshi one market a request, Polymarket a hundred tokens a
//! `POST /books`), both venues side by side, paced after the first round so that the
//! reads stay within their share of each venue's budget, and hands each book to the core.

use super::ingress::IngressCtx;
use super::polymarket_feed::{BOOKS_BATCH, book_snapshot};
use crate::core::{MarketId, Venue};
use crate::event::Event;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use std::collections::BTreeMap;

/// The warm reads of both venues (a task of its own): their REST clients and market
/// data queues.
pub struct Reader {
    pub kalshi: Option<(KalshiRest, IngressCtx)>,
    pub polymarket: Option<(PolymarketRest, IngressCtx)>,
    /// Per venue, the gap between two reads after the first round (which goes as fast
    /// as the governor allows, to have every book at start): the read budget's share
    /// spread over the poll period instead of one burst that holds the venue's other
    /// reads behind it.
    pub pace: [std::time::Duration; 2],
}

impl Reader {
    /// One round: every book of `list`, the two venues side by side, each handed to the
    /// core as it comes, paced after the first round; `None` once the core or the run
    /// is gone.
    pub async fn read(
        &mut self,
        list: [Vec<(MarketId, String)>; 2],
        first: bool,
    ) -> Option<Vec<Event>> {
        let pace = |v: Venue| (!first).then_some(self.pace[v.index()]);
        let (kalshi_pace, poly_pace) = (pace(Venue::Kalshi), pace(Venue::Polymarket));
        let [kalshi_read, poly_read] = list;
        let (kalshi, polymarket) = (&mut self.kalshi, &mut self.polymarket);
        let kalshi_books = async {
            let mut books = Vec::new();
            let Some((rest, ctx)) = kalshi else {
                return Some(books);
            };
            for (market, ticker) in kalshi_read {
                if ctx.stopped() {
                    return None;
                }
                if let Some(gap) = kalshi_pace {
                    tokio::time::sleep(gap).await;
                }
                if let Some(ev) = super::kalshi_feed::rest_book(rest, &ticker, market).await {
                    if !ctx.send(ev.clone()) {
                        return None;
                    }
                    books.push(ev);
                }
            }
            Some(books)
        };
        let poly_books = async {
            let mut books = Vec::new();
            let Some((rest, ctx)) = polymarket else {
                return Some(books);
            };
            let by_token: BTreeMap<&str, MarketId> =
                poly_read.iter().map(|(m, t)| (t.as_str(), *m)).collect();
            let tokens: Vec<String> = by_token.keys().map(|t| t.to_string()).collect();
            for chunk in tokens.chunks(BOOKS_BATCH) {
                if ctx.stopped() {
                    return None;
                }
                if let Some(gap) = poly_pace {
                    tokio::time::sleep(gap).await;
                }
                let Ok(read) = rest.books(chunk).await else {
                    continue; // the next round retries
                };
                for book in &read {
                    let Some(ev) = by_token
                        .get(book.asset_id.as_str())
                        .and_then(|&m| book_snapshot(book, m))
                    else {
                        continue;
                    };
                    if !ctx.send(ev.clone()) {
                        return None;
                    }
                    books.push(ev);
                }
            }
            Some(books)
        };
        let (k, p) = tokio::join!(kalshi_books, poly_books);
        let mut books = k?;
        books.extend(p?);
        Some(books)
    }
}
