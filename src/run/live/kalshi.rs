//! Kalshi in `arb live`: market metadata at start and balances. Its market data is
//! `kalshi_feed.rs`; its orders `kalshi_orders.rs`.

use crate::core::{Money, Price, Venue};
use crate::event::{BalanceReport, Event, FeeModel, MarketMeta, NoLeg};
use crate::mapping::groups::KalshiExclusiveEvent;
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire::Market;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// What the start of a Kalshi run learns of its markets: their definitions, and the
/// events the venue calls mutually exclusive, with every market each lists.
#[derive(Debug, Default)]
pub struct KalshiMetas {
    pub definitions: Vec<Event>,
    pub exclusive: Vec<KalshiExclusiveEvent>,
    /// The configured markets as the venue lists them (their strike fields relate
    /// markets of one event: `mapping::strikes`).
    pub markets: Vec<Market>,
}

/// Tickers per `GET /markets?tickers=` request at start-up.
const MARKETS_BATCH: usize = 100;

/// What start-up has read of the venue's markets, events and series, kept for the run:
/// preflight reads them (both venues at once), the journal's start-up then reads none.
#[derive(Debug, Default)]
pub struct KalshiMetaCache {
    markets: BTreeMap<String, Market>,
    /// Per event ticker: its series, and its markets if the venue calls it mutually
    /// exclusive.
    events: BTreeMap<String, (String, Option<Vec<String>>)>,
    /// Per series ticker: its fee multiplier (basis points).
    series: BTreeMap<String, u32>,
}

impl KalshiMetaCache {
    /// What a listing read (`universe`): markets, events (series, exclusivity) and
    /// series fees, so that start-up reads none of them again. An exclusive event's
    /// markets are those the listing holds (its open ones).
    pub fn seed(
        &mut self,
        markets: &[Market],
        events: &BTreeMap<String, (String, bool)>,
        series: &BTreeMap<String, u32>,
    ) {
        let mut members: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for m in markets {
            members
                .entry(m.event_ticker.as_str())
                .or_default()
                .push(m.ticker.clone());
            self.markets.insert(m.ticker.clone(), m.clone());
        }
        for (event, (series_ticker, exclusive)) in events {
            let listed =
                exclusive.then(|| members.get(event.as_str()).cloned().unwrap_or_default());
            self.events
                .insert(event.clone(), (series_ticker.clone(), listed));
        }
        self.series
            .extend(series.iter().map(|(s, bp)| (s.clone(), *bp)));
    }
}

/// Fetches each ticker's market (a hundred a request), event and series (once per
/// event and series, and not again once `cache` holds them), and interns it with its
/// fees.
pub async fn market_metas(
    rest: &KalshiRest,
    cache: &Mutex<KalshiMetaCache>,
    tickers: &[String],
    interner: &mut MarketInterner,
) -> Result<KalshiMetas, VenueError> {
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    let missing: Vec<String> = {
        let c = lock();
        tickers
            .iter()
            .filter(|t| !c.markets.contains_key(*t))
            .cloned()
            .collect()
    };
    for chunk in missing.chunks(MARKETS_BATCH) {
        let page = rest
            .markets(&[
                ("tickers", chunk.join(",")),
                ("limit", MARKETS_BATCH.to_string()),
            ])
            .await?;
        let mut c = lock();
        c.markets
            .extend(page.markets.into_iter().map(|m| (m.ticker.clone(), m)));
    }
    let mut out = KalshiMetas::default();
    let mut seen_events: BTreeSet<String> = BTreeSet::new();
    for t in tickers {
        let listed = lock().markets.get(t).cloned();
        let m = match listed {
            Some(m) => m,
            // Not in the listing: asked alone, so the venue's own answer (not found,
            // say) is the error.
            None => rest.market(t).await?,
        };
        let (series_ticker, exclusive) = event_info(rest, cache, &m.event_ticker).await?;
        if seen_events.insert(m.event_ticker.clone())
            && let Some(markets) = exclusive
        {
            out.exclusive.push(KalshiExclusiveEvent {
                event_ticker: m.event_ticker.clone(),
                markets: Some(markets),
            });
        }
        let multiplier_bp = series_multiplier(rest, cache, &series_ticker).await?;
        interner.intern(
            Venue::Kalshi,
            t,
            |id| MarketMeta {
                id,
                venue: Venue::Kalshi,
                venue_id: t.clone(),
                title: m.title.clone(),
                event_id: m.event_ticker.clone(),
                series_id: series_ticker.clone(),
                // When trading ends, as the venue lists it (absent or unreadable: not known).
                close_ts: crate::clock::parse_rfc3339(&m.close_time),
                no_leg: NoLeg::SameBook,
                fees: FeeModel::Kalshi { multiplier_bp },
                tick: Price(100),
            },
            &mut out.definitions,
        );
        out.markets.push(m);
    }
    Ok(out)
}

/// An event's series ticker (empty when the venue has no such event) and, if it is
/// mutually exclusive, its markets.
async fn event_info(
    rest: &KalshiRest,
    cache: &Mutex<KalshiMetaCache>,
    event_ticker: &str,
) -> Result<(String, Option<Vec<String>>), VenueError> {
    if let Some(info) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .events
        .get(event_ticker)
    {
        return Ok(info.clone());
    }
    let info = match rest.event(event_ticker).await {
        Ok(e) => (
            e.event.series_ticker,
            e.event
                .mutually_exclusive
                .then(|| e.markets.iter().map(|m| m.ticker.clone()).collect()),
        ),
        Err(VenueError::NotFound { .. }) => (String::new(), None),
        Err(e) => return Err(e),
    };
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .events
        .insert(event_ticker.to_string(), info.clone());
    Ok(info)
}

/// A series' fee multiplier in basis points ($1 = 10,000; no series: 10,000).
async fn series_multiplier(
    rest: &KalshiRest,
    cache: &Mutex<KalshiMetaCache>,
    series_ticker: &str,
) -> Result<u32, VenueError> {
    if series_ticker.is_empty() {
        return Ok(10_000);
    }
    if let Some(&bp) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .series
        .get(series_ticker)
    {
        return Ok(bp);
    }
    let s = rest.series(series_ticker).await?;
    let bp = super::universe::multiplier_bp(s.fee_multiplier);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .series
        .insert(series_ticker.to_string(), bp);
    Ok(bp)
}

pub async fn balance(rest: &KalshiRest) -> Result<Event, VenueError> {
    let b = rest.balance().await?;
    Ok(Event::Balance(BalanceReport {
        venue: Venue::Kalshi,
        cash: Money(b.balance * 10_000),
    }))
}
