//! Discovery: every open market of each venue, listed from the venues' own paginated
//! endpoints (Kalshi `GET /markets` and `GET /events` by cursor, and its series; the
//! Polymarket Gamma catalogue's `GET /markets` and `GET /events` by offset, checked
//! against the CLOB's `GET /markets`): the universe file of `arb universe`, and the
//! markets of `arb live` under `[universe] discover`. No hand-written ticker list.

use crate::core::Venue;
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire as kw;
use crate::venues::polymarket::gamma_wire::{GammaFeeSchedule, GammaMarket};
use crate::venues::polymarket::rest::PolymarketRest;
use crate::venues::polymarket::rest_wire as pw;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// More pages than this from one listing is a venue (or a cursor) gone wrong.
const MAX_PAGES: u32 = 100_000;
/// The most each listing serves a page: Kalshi markets, Kalshi events, Gamma.
const KALSHI_EVENTS_MAX: u32 = 200;
const GAMMA_MAX: u32 = 500;

/// The live config's `[universe]` table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UniverseConfig {
    /// Trade every open market the venues list (written to `<journal>/universe.json`)
    /// instead of the configured `kalshi.markets` and `polymarket.tokens`.
    #[serde(default)]
    pub discover: bool,
    /// Markets a listing page asks for (Kalshi markets up to 1,000; Kalshi events and
    /// Gamma pages hold at most 200 and 500).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Seconds between listings while running (with `discover`): markets listed since
    /// are defined and streamed, markets gone are read for their close. 0: never.
    #[serde(default = "default_refresh")]
    pub refresh_s: f64,
    /// Watch the universe in tiers (`tiers.rs`): markets in a tradable pair or group
    /// rule, or held, are streamed; the others are read over REST every `warm_poll_s`
    /// as far as `warm_read_share` of the venue's read budget goes, and only listed
    /// beyond; a polled market whose book changes is promoted to the stream. Unset:
    /// on with `discover` (a listed universe is watched in tiers), off without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<bool>,
    /// Markets streamed at most, both venues together (the hot set's capacity).
    #[serde(default = "default_hot_max")]
    pub hot_max: usize,
    /// Seconds between reads of the polled (warm) markets.
    #[serde(default = "default_warm_poll")]
    pub warm_poll_s: f64,
    /// Seconds a market streamed for its activity stays streamed once its quote stops
    /// moving (then it is polled again).
    #[serde(default = "default_hot_idle")]
    pub hot_idle_s: f64,
    /// The share of a venue's read budget its warm reads may use; the rest stays for
    /// order lookups, reconciliation and discovery.
    #[serde(default = "default_warm_share")]
    pub warm_read_share: f64,
    /// The core thread's busy share (time in the reducer over wall time) above which
    /// fewer markets are streamed for their activity (`capacity.rs`).
    #[serde(default = "default_core_busy_max")]
    pub core_busy_max: f64,
}

fn default_core_busy_max() -> f64 {
    0.5
}

fn default_hot_max() -> usize {
    2000
}

fn default_warm_poll() -> f64 {
    60.0
}

fn default_hot_idle() -> f64 {
    900.0
}

fn default_warm_share() -> f64 {
    0.25
}

fn default_page_size() -> u32 {
    1000
}

fn default_refresh() -> f64 {
    300.0
}

impl Default for UniverseConfig {
    fn default() -> Self {
        UniverseConfig {
            discover: false,
            page_size: default_page_size(),
            refresh_s: default_refresh(),
            tiers: None,
            hot_max: default_hot_max(),
            warm_poll_s: default_warm_poll(),
            hot_idle_s: default_hot_idle(),
            warm_read_share: default_warm_share(),
            core_busy_max: default_core_busy_max(),
        }
    }
}

impl UniverseConfig {
    /// Whether the run watches in tiers: as configured, else whenever it discovers.
    pub fn tiered(&self) -> bool {
        self.tiers.unwrap_or(self.discover)
    }

    /// What is out of range, named as `universe.FIELD`.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=1000).contains(&self.page_size) {
            return Err(format!(
                "universe.page_size: {} is not between 1 and 1000",
                self.page_size
            ));
        }
        if !(self.refresh_s == 0.0 || (1.0..=86_400.0).contains(&self.refresh_s)) {
            return Err(format!(
                "universe.refresh_s: {} is not 0 (never) or between 1 and 86400",
                self.refresh_s
            ));
        }
        if self.tiers == Some(true) && !self.discover {
            return Err(
                "universe.tiers: needs universe.discover (the tiers sort the venues' listings)"
                    .into(),
            );
        }
        if !(self.core_busy_max > 0.0 && self.core_busy_max <= 1.0) {
            return Err(format!(
                "universe.core_busy_max: {} is not above 0 and at most 1",
                self.core_busy_max
            ));
        }
        if self.hot_max == 0 {
            return Err("universe.hot_max: 0 streams nothing; at least 1".into());
        }
        if !(0.1..=3_600.0).contains(&self.warm_poll_s) {
            return Err(format!(
                "universe.warm_poll_s: {} is not between 0.1 and 3600",
                self.warm_poll_s
            ));
        }
        if !(1.0..=86_400.0).contains(&self.hot_idle_s) {
            return Err(format!(
                "universe.hot_idle_s: {} is not between 1 and 86400",
                self.hot_idle_s
            ));
        }
        if !(self.warm_read_share > 0.0 && self.warm_read_share <= 0.9) {
            return Err(format!(
                "universe.warm_read_share: {} is not above 0 and at most 0.9 (orders and lookups need the rest)",
                self.warm_read_share
            ));
        }
        Ok(())
    }
}

/// Both venues' open markets at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Universe {
    /// When the listing began (ms since the epoch, wall clock).
    pub listed_ms: i64,
    pub kalshi: Vec<KalshiListing>,
    pub polymarket: Vec<PolymarketListing>,
    /// Polymarket's events (a neg-risk event's conditions are exclusive outcomes).
    pub polymarket_events: Vec<PolymarketEventListing>,
    /// Market listing pages read from each venue (Kalshi `/markets`, Gamma `/markets`).
    pub pages: [u32; 2],
    /// Every request the listing made of each venue (Kalshi, Polymarket).
    pub requests: [u32; 2],
    /// Listed markets left out, each with why (a Gamma market whose token lists do
    /// not read, or that the CLOB does not take orders for).
    pub left_out: Vec<String>,
}

impl Universe {
    /// Each listed market's resolution-text digest (a Polymarket condition's text for
    /// each of its tokens); markets listed with no text are left out.
    pub fn listed_rules(&self) -> crate::mapping::drift::ListedRules {
        use crate::mapping::drift::digest;
        let kalshi = self
            .kalshi
            .iter()
            .filter_map(|m| digest(&m.rules).map(|d| ((Venue::Kalshi, m.ticker.clone()), d)));
        let polymarket = self.polymarket.iter().flat_map(|c| {
            let d = digest(&c.rules);
            c.tokens
                .iter()
                .filter_map(move |(_, t)| d.map(|d| ((Venue::Polymarket, t.clone()), d)))
        });
        kalshi.chain(polymarket).collect()
    }
}

/// One open Kalshi market.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KalshiListing {
    pub ticker: String,
    /// Its event (the grouping of a ladder's strikes).
    pub event_ticker: String,
    /// Its series (empty when the events listing did not name the event).
    pub series_ticker: String,
    /// The event's markets are mutually exclusive (exactly one resolves YES).
    pub mutually_exclusive: bool,
    pub title: String,
    /// What YES refers to (`yes_sub_title`).
    pub yes_subtitle: String,
    pub rules: String,
    pub close_time: String,
    /// Price tick in cents, when the venue says.
    pub tick_cents: Option<i64>,
    /// The series' fee multiplier in basis points, when the series listing has it.
    pub fee_multiplier_bp: Option<u32>,
}

/// One open Polymarket condition (a YES and a NO token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolymarketListing {
    pub condition_id: String,
    pub question: String,
    pub rules: String,
    pub end_date: Option<String>,
    pub tick: Option<f64>,
    pub neg_risk: bool,
    /// Token id per outcome (as the venue names them: "Yes", "No", or a team).
    pub tokens: Vec<(String, String)>,
    /// The Gamma event it belongs to (its ticker).
    pub event: Option<String>,
    pub fees: Option<GammaFeeSchedule>,
}

/// One Polymarket event and its open conditions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolymarketEventListing {
    pub ticker: String,
    pub title: String,
    pub neg_risk: bool,
    pub conditions: Vec<String>,
}

/// A listing with what start-up needs beyond the universe file: the venues' own
/// market objects, so that defining the markets reads nothing more.
#[derive(Debug, Default)]
pub struct Discovery {
    pub universe: Universe,
    pub kalshi_markets: Vec<kw::Market>,
    /// Event ticker -> (series ticker, mutually exclusive).
    pub kalshi_events: BTreeMap<String, (String, bool)>,
    /// Series ticker -> fee multiplier (basis points).
    pub kalshi_series: BTreeMap<String, u32>,
    pub gamma: Vec<GammaMarket>,
}

impl Discovery {
    /// The Kalshi tickers listed, in listing order.
    pub fn tickers(&self) -> Vec<String> {
        self.universe
            .kalshi
            .iter()
            .map(|m| m.ticker.clone())
            .collect()
    }

    /// The Polymarket tokens listed, each condition's in its outcome order.
    pub fn tokens(&self) -> Vec<String> {
        self.universe
            .polymarket
            .iter()
            .flat_map(|m| m.tokens.iter().map(|(_, t)| t.clone()))
            .collect()
    }
}

/// Lists every open market of the venues given (`gamma` with `polymarket`),
/// `page_size` markets a page (within each listing's own maximum).
pub async fn list(
    kalshi: Option<&KalshiRest>,
    polymarket: Option<(&PolymarketRest, &PolymarketRest)>,
    page_size: u32,
) -> Result<Discovery, VenueError> {
    let listed_ms = crate::clock::event_ns() / 1_000_000;
    // Both venues side by side (each within its own budget), each into a listing of its
    // own, then one.
    let kalshi = async {
        let mut d = Discovery::default();
        if let Some(rest) = kalshi {
            list_kalshi(rest, page_size, &mut d).await?;
        }
        Ok::<_, VenueError>(d)
    };
    let polymarket = async {
        let mut d = Discovery::default();
        if let Some((clob, gamma)) = polymarket {
            list_polymarket(clob, gamma, page_size, &mut d).await?;
        }
        Ok::<_, VenueError>(d)
    };
    let (k, p) = tokio::join!(kalshi, polymarket);
    let (k, p) = (k?, p?);
    let mut left_out = k.universe.left_out;
    left_out.extend(p.universe.left_out);
    Ok(Discovery {
        universe: Universe {
            listed_ms,
            kalshi: k.universe.kalshi,
            polymarket: p.universe.polymarket,
            polymarket_events: p.universe.polymarket_events,
            pages: [k.universe.pages[0], p.universe.pages[1]],
            requests: [k.universe.requests[0], p.universe.requests[1]],
            left_out,
        },
        kalshi_markets: k.kalshi_markets,
        kalshi_events: k.kalshi_events,
        kalshi_series: k.kalshi_series,
        gamma: p.gamma,
    })
}

async fn list_kalshi(
    rest: &KalshiRest,
    page_size: u32,
    d: &mut Discovery,
) -> Result<(), VenueError> {
    let u = &mut d.universe;
    let mut markets = Vec::new();
    u.pages[0] = by_cursor(
        "Kalshi GET /markets",
        |cursor| async move {
            let mut query = vec![
                ("status", "open".to_string()),
                ("limit", page_size.to_string()),
            ];
            if !cursor.is_empty() {
                query.push(("cursor", cursor));
            }
            rest.markets(&query).await.map(|p| (p.markets, p.cursor))
        },
        &mut markets,
    )
    .await?;
    let mut events = Vec::new();
    let event_pages = by_cursor(
        "Kalshi GET /events",
        |cursor| async move {
            let limit = page_size.min(KALSHI_EVENTS_MAX);
            let mut query = vec![("status", "open".to_string()), ("limit", limit.to_string())];
            if !cursor.is_empty() {
                query.push(("cursor", cursor));
            }
            rest.events(&query).await.map(|p| (p.events, p.cursor))
        },
        &mut events,
    )
    .await?;
    let series = rest.series_list().await?;
    u.requests[0] += u.pages[0] + event_pages + 1;
    d.kalshi_events = events
        .into_iter()
        .map(|e| (e.event_ticker, (e.series_ticker, e.mutually_exclusive)))
        .collect();
    d.kalshi_series = series
        .into_iter()
        .map(|s| (s.ticker, multiplier_bp(s.fee_multiplier)))
        .collect();
    for m in &markets {
        let (series_ticker, exclusive) = d
            .kalshi_events
            .get(&m.event_ticker)
            .cloned()
            .unwrap_or_default();
        u.kalshi.push(KalshiListing {
            ticker: m.ticker.clone(),
            event_ticker: m.event_ticker.clone(),
            fee_multiplier_bp: d.kalshi_series.get(&series_ticker).copied(),
            series_ticker,
            mutually_exclusive: exclusive,
            title: m.title.clone(),
            yes_subtitle: m.yes_sub_title.clone(),
            rules: crate::mapping::drift::kalshi_rules(&m.rules_primary, &m.rules_secondary),
            close_time: m.close_time.clone(),
            tick_cents: m.tick_size,
        });
    }
    d.kalshi_markets = markets;
    Ok(())
}

/// A series' fee multiplier ($1 = 10,000 basis points).
pub fn multiplier_bp(fee_multiplier: f64) -> u32 {
    (fee_multiplier * 10_000.0).round().clamp(0.0, 1e9) as u32
}

async fn list_polymarket(
    clob: &PolymarketRest,
    gamma: &PolymarketRest,
    page_size: u32,
    d: &mut Discovery,
) -> Result<(), VenueError> {
    let limit = page_size.min(GAMMA_MAX);
    let mut markets = Vec::new();
    let market_pages = by_offset(
        "Polymarket Gamma GET /markets",
        limit,
        |offset| async move { gamma.gamma_markets(&gamma_query(limit, offset)).await },
        &mut markets,
    )
    .await?;
    let mut events = Vec::new();
    let event_pages = by_offset(
        "Polymarket Gamma GET /events",
        limit,
        |offset| async move { gamma.gamma_events(&gamma_query(limit, offset)).await },
        &mut events,
    )
    .await?;
    let (accepting, clob_pages) = clob_accepting(clob).await?;
    let u = &mut d.universe;
    u.pages[1] = market_pages;
    u.requests[1] += market_pages + event_pages + clob_pages;
    for m in markets.into_iter().filter(GammaMarket::tradable) {
        let tokens = match m.tokens() {
            Ok(t) => t,
            Err(why) => {
                u.left_out.push(format!("Polymarket {why}"));
                continue;
            }
        };
        if !accepting.contains(&m.condition_id) {
            u.left_out.push(format!(
                "Polymarket market {}: the CLOB does not list it as taking orders",
                m.condition_id
            ));
            continue;
        }
        u.polymarket.push(PolymarketListing {
            condition_id: m.condition_id.clone(),
            question: m.question.clone(),
            rules: m.description.clone(),
            end_date: m.end_date.clone(),
            tick: m.order_price_min_tick_size,
            neg_risk: m.neg_risk,
            tokens,
            event: m.events.first().map(|e| e.ticker.clone()),
            fees: m.fee_schedule.filter(|_| m.fees_enabled),
        });
        d.gamma.push(m);
    }
    let listed: BTreeSet<&str> = u
        .polymarket
        .iter()
        .map(|m| m.condition_id.as_str())
        .collect();
    u.polymarket_events = events
        .into_iter()
        .map(|e| PolymarketEventListing {
            conditions: e
                .markets
                .iter()
                .map(|m| m.condition_id.clone())
                .filter(|c| listed.contains(c.as_str()))
                .collect(),
            ticker: e.ticker,
            title: e.title,
            neg_risk: e.neg_risk,
        })
        .filter(|e| !e.conditions.is_empty())
        .collect();
    Ok(())
}

fn gamma_query(limit: u32, offset: u32) -> Vec<(&'static str, String)> {
    vec![
        ("limit", limit.to_string()),
        ("offset", offset.to_string()),
        ("active", "true".into()),
        ("closed", "false".into()),
    ]
}

/// Conditions the CLOB lists as active, open and taking orders; and the pages read.
async fn clob_accepting(rest: &PolymarketRest) -> Result<(BTreeSet<String>, u32), VenueError> {
    let (mut out, mut cursor, mut pages) = (BTreeSet::new(), pw::INITIAL_CURSOR.to_string(), 0u32);
    loop {
        let page = rest.markets(&cursor).await?;
        pages += 1;
        out.extend(
            page.data
                .into_iter()
                .filter(|m| m.active && !m.closed && m.accepting_orders)
                .map(|m| m.condition_id),
        );
        if page.next_cursor.is_empty() || page.next_cursor == pw::END_CURSOR {
            return Ok((out, pages));
        }
        if page.next_cursor == cursor || pages >= MAX_PAGES {
            return Err(stuck("Polymarket GET /markets", pages, &cursor));
        }
        cursor = page.next_cursor;
    }
}

fn stuck(endpoint: &str, pages: u32, cursor: &str) -> VenueError {
    VenueError::Decode {
        endpoint: endpoint.into(),
        message: format!("the cursor does not move on after {pages} pages ({cursor:?})"),
    }
}

/// Reads a cursor-paged listing to its end (an empty cursor) into `out`; the pages.
async fn by_cursor<T, F, Fut>(
    endpoint: &str,
    mut page: F,
    out: &mut Vec<T>,
) -> Result<u32, VenueError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), VenueError>>,
{
    let (mut cursor, mut pages) = (String::new(), 0u32);
    loop {
        let (items, next) = page(cursor.clone()).await?;
        pages += 1;
        out.extend(items);
        if next.is_empty() {
            return Ok(pages);
        }
        if next == cursor || pages >= MAX_PAGES {
            return Err(stuck(endpoint, pages, &cursor));
        }
        cursor = next;
    }
}

/// Reads an offset-paged listing until a page comes back short; the pages.
async fn by_offset<T, F, Fut>(
    endpoint: &str,
    limit: u32,
    mut page: F,
    out: &mut Vec<T>,
) -> Result<u32, VenueError>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, VenueError>>,
{
    let mut pages = 0u32;
    loop {
        let items = page(pages.saturating_mul(limit)).await?;
        pages += 1;
        let full = items.len() >= limit as usize;
        out.extend(items);
        if !full {
            return Ok(pages);
        }
        if pages >= MAX_PAGES {
            return Err(stuck(endpoint, pages, &format!("offset {}", pages * limit)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discovered_universe_is_watched_in_tiers_unless_told_otherwise() {
        let parse = |t: &str| toml::from_str::<UniverseConfig>(t).unwrap();
        assert!(!parse("").tiered(), "hand-listed markets: all streamed");
        assert!(parse("discover = true").tiered());
        assert!(!parse("discover = true\ntiers = false").tiered());
        assert!(parse("discover = true").check().is_ok());
        assert!(parse("").check().is_ok(), "the default needs no discovery");
        let e = parse("tiers = true").check().unwrap_err();
        assert!(
            e.contains("universe.tiers") && e.contains("discover"),
            "{e}"
        );
    }
}
