//! The recorded market data of a journal, decoded once into memory and shared
//! read-only by every Monte Carlo path (no path reads or writes a journal).

use crate::core::Money;
use crate::event::{BookDelta, Event, MarketMeta, PairRule};
use crate::journal::{Journal, JournalError, RecordKind};
use crate::mapping::{PairResolver, PairSpec};
use crate::sim::stochastic::MidSeries;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum McError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("journal {0} holds no market data (no market definitions or book updates)")]
    NoMarketData(PathBuf),
    #[error("{0}")]
    Usage(String),
}

/// One recorded event, compact: book deltas (nearly all of a day) inline, the rest
/// boxed.
#[derive(Clone, Debug)]
pub enum Recorded {
    Delta(BookDelta),
    Tick,
    Other(Box<Event>),
}

impl Recorded {
    pub fn event(&self) -> Event {
        match self {
            Recorded::Delta(d) => Event::BookDelta(*d),
            Recorded::Tick => Event::Tick,
            Recorded::Other(e) => (**e).clone(),
        }
    }
}

/// The market data every path replays, in order, with the pairs of a mapping file
/// inserted where both of their markets are known (as `arb paper --from-journal`).
pub struct MarketData {
    pub source: PathBuf,
    pub events: Vec<(i64, Recorded)>,
    pub markets: Vec<MarketMeta>,
    pub pairs: Vec<PairRule>,
    pub unresolved_pairs: usize,
    pub mids: MidSeries,
    pub start_ts: i64,
    pub end_ts: i64,
}

fn is_market_data(ev: &Event) -> bool {
    matches!(
        ev,
        Event::MarketDefined(_)
            | Event::PairDefined(_)
            | Event::BookSnapshot(_)
            | Event::BookDelta(_)
            | Event::BookBatch(_)
            | Event::Trade(_)
            | Event::Tick
            | Event::Feed(_)
    )
}

impl MarketData {
    /// Reads the market data of the journal at `source` (an import, or any run: its
    /// orders, fills and decisions are left out; the book changes its own fills caused
    /// stay, as for `arb paper --from-journal`).
    pub fn load(source: &Path, pairs: Vec<PairSpec>) -> Result<MarketData, McError> {
        let journal = Journal::open(source)?;
        let mut resolver = PairResolver::new(pairs);
        let mut events = Vec::new();
        let mut ticks = crate::run::TickFill::default();
        journal.scan(|rec| -> Result<(), JournalError> {
            if rec.kind != RecordKind::Event {
                return Ok(());
            }
            let ev = rec.event()?;
            if !is_market_data(&ev) {
                return Ok(());
            }
            let ready = match &ev {
                Event::MarketDefined(m) => resolver.on_market(m.venue, &m.venue_id, m.id),
                _ => Vec::new(),
            };
            if ticks.before(rec.ts, &ev) {
                events.push((rec.ts, Event::Tick));
            }
            events.push((rec.ts, ev));
            for rule in ready {
                events.push((rec.ts, Event::PairDefined(rule)));
            }
            Ok(())
        })?;
        Self::from_events(source, events, resolver.unresolved().len())
    }

    /// Market data given as events (tests, benches).
    pub fn from_events(
        source: &Path,
        events: Vec<(i64, Event)>,
        unresolved_pairs: usize,
    ) -> Result<MarketData, McError> {
        let events: Vec<(i64, Event)> = events
            .into_iter()
            .filter(|(_, e)| is_market_data(e))
            .collect();
        let has_books = events.iter().any(|(_, e)| {
            matches!(
                e,
                Event::BookSnapshot(_) | Event::BookDelta(_) | Event::BookBatch(_)
            )
        });
        if !has_books {
            return Err(McError::NoMarketData(source.to_path_buf()));
        }
        let mids = MidSeries::build(events.iter().map(|(t, e)| (*t, e)));
        let mut markets = Vec::new();
        let mut pairs = Vec::new();
        for (_, e) in &events {
            match e {
                Event::MarketDefined(m) if m.id.index() == markets.len() => markets.push(m.clone()),
                Event::PairDefined(p) => pairs.push(p.clone()),
                _ => {}
            }
        }
        let start_ts = events.first().map_or(0, |e| e.0);
        let end_ts = events.iter().map(|e| e.0).max().unwrap_or(start_ts);
        let events = events
            .into_iter()
            .map(|(t, e)| {
                let r = match e {
                    Event::BookDelta(d) => Recorded::Delta(d),
                    Event::Tick => Recorded::Tick,
                    other => Recorded::Other(Box::new(other)),
                };
                (t, r)
            })
            .collect();
        Ok(MarketData {
            source: source.to_path_buf(),
            events,
            markets,
            pairs,
            unresolved_pairs,
            mids,
            start_ts,
            end_ts,
        })
    }
}

/// Starting cash per venue of every path.
pub type Cash = [Money; 2];
