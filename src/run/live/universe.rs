//! `arb universe`: every open market of each venue, listed from the venues' own
//! paginated endpoints (Kalshi `GET /markets?status=open` by cursor, Polymarket CLOB
//! `GET /markets` by `next_cursor`), as a universe file: no hand-written ticker list.

use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use crate::venues::polymarket::rest_wire as pw;
use serde::{Deserialize, Serialize};

/// More pages than this from one listing is a venue (or a cursor) gone wrong.
const MAX_PAGES: u32 = 100_000;

/// Both venues' open markets at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Universe {
    /// When the listing began (ms since the epoch, wall clock).
    pub listed_ms: i64,
    pub kalshi: Vec<KalshiListing>,
    pub polymarket: Vec<PolymarketListing>,
    /// Pages read from each venue (Kalshi, Polymarket).
    pub pages: [u32; 2],
}

/// One open Kalshi market.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KalshiListing {
    pub ticker: String,
    /// Its event (the grouping of a ladder's strikes).
    pub event_ticker: String,
    pub title: String,
    pub rules: String,
    pub close_time: String,
    /// Price tick in cents, when the venue says.
    pub tick_cents: Option<i64>,
}

/// One open Polymarket condition (a YES and a NO token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolymarketListing {
    pub condition_id: String,
    pub question: String,
    pub rules: String,
    pub end_date: Option<String>,
    pub tick: f64,
    pub neg_risk: bool,
    /// Token id per outcome (as the venue names them: "Yes", "No", or a team).
    pub tokens: Vec<(String, String)>,
}

/// Lists every open market of the venues given, `page_size` a Kalshi page.
pub async fn list(
    kalshi: Option<&KalshiRest>,
    polymarket: Option<&PolymarketRest>,
    page_size: u32,
) -> Result<Universe, VenueError> {
    let mut u = Universe {
        listed_ms: crate::clock::event_ns() / 1_000_000,
        ..Universe::default()
    };
    if let Some(rest) = kalshi {
        let (markets, pages) = kalshi_open(rest, page_size).await?;
        u.kalshi = markets;
        u.pages[0] = pages;
    }
    if let Some(rest) = polymarket {
        let (markets, pages) = polymarket_open(rest).await?;
        u.polymarket = markets;
        u.pages[1] = pages;
    }
    Ok(u)
}

async fn kalshi_open(
    rest: &KalshiRest,
    page_size: u32,
) -> Result<(Vec<KalshiListing>, u32), VenueError> {
    let (mut out, mut cursor, mut pages) = (Vec::new(), String::new(), 0u32);
    loop {
        let mut query = vec![
            ("status", "open".to_string()),
            ("limit", page_size.to_string()),
        ];
        if !cursor.is_empty() {
            query.push(("cursor", cursor.clone()));
        }
        let page = rest.markets(&query).await?;
        pages += 1;
        out.extend(page.markets.into_iter().map(|m| KalshiListing {
            ticker: m.ticker,
            event_ticker: m.event_ticker,
            title: m.title,
            rules: m.rules_primary,
            close_time: m.close_time,
            tick_cents: m.tick_size,
        }));
        if page.cursor.is_empty() {
            return Ok((out, pages));
        }
        if page.cursor == cursor || pages >= MAX_PAGES {
            return Err(VenueError::Decode {
                endpoint: "Kalshi GET /markets".into(),
                message: format!("the cursor does not move on after {pages} pages ({cursor:?})"),
            });
        }
        cursor = page.cursor;
    }
}

async fn polymarket_open(
    rest: &PolymarketRest,
) -> Result<(Vec<PolymarketListing>, u32), VenueError> {
    let (mut out, mut cursor, mut pages) = (Vec::new(), pw::INITIAL_CURSOR.to_string(), 0u32);
    loop {
        let page = rest.markets(&cursor).await?;
        pages += 1;
        out.extend(
            page.data
                .into_iter()
                .filter(|m| m.active && !m.closed && m.accepting_orders)
                .map(|m| PolymarketListing {
                    condition_id: m.condition_id,
                    question: m.question,
                    rules: m.description,
                    end_date: m.end_date_iso,
                    tick: m.minimum_tick_size,
                    neg_risk: m.neg_risk,
                    tokens: m
                        .tokens
                        .into_iter()
                        .map(|t| (t.outcome, t.token_id))
                        .collect(),
                }),
        );
        if page.next_cursor.is_empty() || page.next_cursor == pw::END_CURSOR {
            return Ok((out, pages));
        }
        if page.next_cursor == cursor || pages >= MAX_PAGES {
            return Err(VenueError::Decode {
                endpoint: "Polymarket GET /markets".into(),
                message: format!("the cursor does not move on after {pages} pages ({cursor:?})"),
            });
        }
        cursor = page.next_cursor;
    }
}
