//! Kalshi in `arb live`: market metadata at start and balances. Its market data is
//! `kalshi_feed.rs`; its orders `kalshi_orders.rs`.

use crate::core::{Money, Price, Venue};
use crate::event::{BalanceReport, Event, FeeModel, MarketMeta, NoLeg};
use crate::mapping::groups::KalshiExclusiveEvent;
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;

/// What the start of a Kalshi run learns of its markets: their definitions, and the
/// events the venue calls mutually exclusive, with every market each lists.
#[derive(Debug, Default)]
pub struct KalshiMetas {
    pub definitions: Vec<Event>,
    pub exclusive: Vec<KalshiExclusiveEvent>,
    /// The configured markets as the venue lists them (their strike fields relate
    /// markets of one event: `mapping::strikes`).
    pub markets: Vec<crate::venues::kalshi::rest_wire::Market>,
}

/// Tickers per `GET /markets?tickers=` request at start-up.
const MARKETS_BATCH: usize = 100;

/// Fetches each ticker's market (a hundred a request), event and series (once per
/// event and series), and interns it with its fees.
pub async fn market_metas(
    rest: &KalshiRest,
    tickers: &[String],
    interner: &mut MarketInterner,
) -> Result<KalshiMetas, VenueError> {
    let mut out = KalshiMetas::default();
    let mut listed: std::collections::BTreeMap<String, crate::venues::kalshi::rest_wire::Market> =
        Default::default();
    for chunk in tickers.chunks(MARKETS_BATCH) {
        let page = rest
            .markets(&[
                ("tickers", chunk.join(",")),
                ("limit", MARKETS_BATCH.to_string()),
            ])
            .await?;
        listed.extend(page.markets.into_iter().map(|m| (m.ticker.clone(), m)));
    }
    // Per event ticker: its series and fee multiplier, fetched once for all its markets.
    let mut events: std::collections::BTreeMap<String, (String, u32)> = Default::default();
    // Per series ticker: its fee multiplier.
    let mut series: std::collections::BTreeMap<String, u32> = Default::default();
    for t in tickers {
        let m = match listed.remove(t) {
            Some(m) => m,
            // Not in the listing: asked alone, so the venue's own answer (not found,
            // say) is the error.
            None => rest.market(t).await?,
        };
        if !events.contains_key(&m.event_ticker) {
            let series_ticker = match rest.event(&m.event_ticker).await {
                Ok(e) => {
                    if e.event.mutually_exclusive {
                        out.exclusive.push(KalshiExclusiveEvent {
                            event_ticker: e.event.event_ticker.clone(),
                            markets: Some(e.markets.iter().map(|m| m.ticker.clone()).collect()),
                        });
                    }
                    e.event.series_ticker
                }
                Err(VenueError::NotFound { .. }) => String::new(),
                Err(e) => return Err(e),
            };
            let multiplier_bp = if series_ticker.is_empty() {
                10_000
            } else if let Some(&bp) = series.get(&series_ticker) {
                bp
            } else {
                let s = rest.series(&series_ticker).await?;
                let bp = (s.fee_multiplier * 10_000.0).round().clamp(0.0, 1e9) as u32;
                series.insert(series_ticker.clone(), bp);
                bp
            };
            events.insert(m.event_ticker.clone(), (series_ticker, multiplier_bp));
        }
        let (series_ticker, multiplier_bp) = events
            .get(&m.event_ticker)
            .cloned()
            .unwrap_or_else(|| (String::new(), 10_000));
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

pub async fn balance(rest: &KalshiRest) -> Result<Event, VenueError> {
    let b = rest.balance().await?;
    Ok(Event::Balance(BalanceReport {
        venue: Venue::Kalshi,
        cash: Money(b.balance * 10_000),
    }))
}
