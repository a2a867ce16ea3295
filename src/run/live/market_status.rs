//! Markets' lifecycle while `arb live` runs: every `market_status_s`, and at once when
//! a venue's stream says a market changed (Kalshi `market_lifecycle_v2`, Polymarket
//! `market_resolved`), the status of each market the engine knows and has not seen
//! settle is read from its venue (Kalshi `/markets?tickers=`, Polymarket
//! `/markets/{condition}`), and a close or a result is handed to the core (journaled as
//! `MarketClosed` / `Settled`). The stream only wakes the read: the venue's REST answer
//! is what is journaled. The reducer ignores a repeat, so a restart may report them
//! again.

use super::core::Inbound;
use crate::core::{MarketId, Price, Venue};
use crate::event::{Event, Settlement};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::kalshi::rest_wire as kw;
use crate::venues::polymarket::rest::PolymarketRest;
use crate::venues::polymarket::rest_wire as pw;
use crossbeam_channel::Sender;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Tickers per Kalshi `/markets` request.
const KALSHI_BATCH: usize = 100;

/// Reads markets' statuses from their venues.
pub struct StatusReader {
    pub kalshi: Option<KalshiRest>,
    pub polymarket: Option<PolymarketRest>,
    pub interner: MarketInterner,
}

/// Looks at every market not settled yet, every `every`, for as long as the run.
pub struct MarketWatch {
    pub reader: StatusReader,
    pub every: Duration,
    pub tx: Sender<Inbound>,
    /// Markets a stream's lifecycle message named (or the universe watch found gone
    /// from the listing): read now.
    pub wake: tokio::sync::mpsc::UnboundedReceiver<MarketId>,
    /// Markets listed while running.
    pub adds: Option<super::universe_watch::AddedRx>,
    /// Polymarket conditions a periodic look reads at most (one request each), in
    /// rotation; the markets a stream or the universe watch names are read at once.
    pub polymarket_per_look: usize,
    /// Under tiers: each market found closed, which then stops being watched.
    pub closed_to: Option<tokio::sync::mpsc::UnboundedSender<MarketId>>,
}

/// Polymarket conditions every periodic look may read whatever the share: a small
/// universe is read whole each time.
pub const MIN_CONDITIONS_PER_LOOK: usize = 50;

/// What one look found for one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
    Settled(Price),
}

/// A Kalshi market's status: `closed` and `determined` (result known, not paid) are
/// closed; `settled` / `finalized` with a `yes`/`no` result or a settlement value are
/// settled. Anything else (`active`, `initialized`, `inactive`) still trades or may.
pub fn kalshi_status(m: &kw::Market) -> Result<Status, String> {
    match m.status.as_str() {
        "settled" | "finalized" => {
            let value = match m.result.as_str() {
                "yes" => Price::ONE,
                "no" => Price(0),
                _ => {
                    let v = m.settlement_value_dollars.as_deref().ok_or_else(|| {
                        format!(
                            "{}: settled with result {:?} and no settlement value",
                            m.ticker, m.result
                        )
                    })?;
                    Price::from_decimal(v)
                        .ok()
                        .filter(|p| *p <= Price::ONE)
                        .ok_or_else(|| format!("{}: settlement value {v:?}", m.ticker))?
                }
            };
            Ok(Status::Settled(value))
        }
        "closed" | "determined" | "disputed" | "amended" => Ok(Status::Closed),
        _ => Ok(Status::Open),
    }
}

/// Each token of a Polymarket market: settled once a token is marked the winner
/// (that token pays $1, the others nothing), closed once it no longer takes orders.
pub fn polymarket_status(m: &pw::Market) -> Vec<(String, Status)> {
    let resolved = m.tokens.iter().any(|t| t.winner);
    m.tokens
        .iter()
        .map(|t| {
            let s = if resolved {
                Status::Settled(if t.winner { Price::ONE } else { Price(0) })
            } else if m.closed || !m.accepting_orders {
                Status::Closed
            } else {
                Status::Open
            };
            (t.token_id.clone(), s)
        })
        .collect()
}

impl MarketWatch {
    /// Looks every `every`, and at the markets a stream names, until the core is gone.
    pub async fn run(mut self) {
        let mut closed: BTreeSet<MarketId> = BTreeSet::new();
        let mut settled: BTreeSet<MarketId> = BTreeSet::new();
        let mut next = tokio::time::Instant::now() + self.every;
        let mut rotation = 0usize;
        loop {
            // `None`: every market (the poll); else the markets the streams named.
            let named: Option<BTreeSet<MarketId>> = tokio::select! {
                _ = tokio::time::sleep_until(next) => None,
                Some(first) = self.wake.recv() => {
                    let mut named = BTreeSet::from([first]);
                    while let Ok(m) = self.wake.try_recv() {
                        named.insert(m);
                    }
                    Some(named)
                }
            };
            if named.is_none() {
                next = tokio::time::Instant::now() + self.every;
            }
            super::universe_watch::drain(&mut self.adds, &mut self.reader.interner);
            let found = {
                let wanted = |m: MarketId| {
                    !settled.contains(&m) && named.as_ref().is_none_or(|n| n.contains(&m))
                };
                let cap = named
                    .is_none()
                    .then_some((self.polymarket_per_look, &mut rotation));
                self.reader.look_some(&wanted, cap).await
            };
            for event in news(found, &mut closed, &mut settled) {
                if let (Event::MarketClosed { market }, Some(tiers)) = (&event, &self.closed_to) {
                    let _ = tiers.send(*market);
                }
                if self.tx.send(Inbound::now(event)).is_err() {
                    return;
                }
            }
        }
    }
}

impl StatusReader {
    /// One look at the markets `wanted` picks, on every venue; a venue that cannot be
    /// read is logged and left for the next look.
    pub async fn look(
        &self,
        wanted: &(dyn Fn(MarketId) -> bool + Sync),
    ) -> Vec<(MarketId, Status)> {
        self.look_some(wanted, None).await
    }

    /// As `look`, reading at most `cap.0` Polymarket conditions, from where the rotation
    /// `cap.1` left off (and moving it on).
    pub async fn look_some(
        &self,
        wanted: &(dyn Fn(MarketId) -> bool + Sync),
        cap: Option<(usize, &mut usize)>,
    ) -> Vec<(MarketId, Status)> {
        let mut found: Vec<(MarketId, Status)> = Vec::new();
        if let Some(k) = &self.kalshi
            && let Err(e) = self.kalshi_look(k, wanted, &mut found).await
        {
            tracing::warn!(venue = "kalshi", error = %e, "market status read failed; the next look tries again");
        }
        if let Some(p) = &self.polymarket
            && let Err(e) = self.polymarket_look(p, wanted, cap, &mut found).await
        {
            tracing::warn!(venue = "polymarket", error = %e, "market status read failed; the next look tries again");
        }
        found
    }

    async fn kalshi_look(
        &self,
        rest: &KalshiRest,
        wanted: &(dyn Fn(MarketId) -> bool + Sync),
        found: &mut Vec<(MarketId, Status)>,
    ) -> Result<(), VenueError> {
        let tickers: Vec<(&str, MarketId)> = self
            .interner
            .metas()
            .iter()
            .filter(|m| m.venue == Venue::Kalshi && wanted(m.id))
            .map(|m| (m.venue_id.as_str(), m.id))
            .collect();
        for chunk in tickers.chunks(KALSHI_BATCH) {
            let list: Vec<&str> = chunk.iter().map(|(t, _)| *t).collect();
            let page = rest
                .markets(&[
                    ("tickers", list.join(",")),
                    ("limit", KALSHI_BATCH.to_string()),
                ])
                .await?;
            for m in &page.markets {
                let Some(&(_, id)) = chunk.iter().find(|(t, _)| *t == m.ticker) else {
                    continue;
                };
                match kalshi_status(m) {
                    Ok(s) => found.push((id, s)),
                    Err(e) => {
                        tracing::warn!(venue = "kalshi", error = %e, "market status not understood")
                    }
                }
            }
        }
        Ok(())
    }

    async fn polymarket_look(
        &self,
        rest: &PolymarketRest,
        wanted: &(dyn Fn(MarketId) -> bool + Sync),
        cap: Option<(usize, &mut usize)>,
        found: &mut Vec<(MarketId, Status)>,
    ) -> Result<(), VenueError> {
        // Tokens by condition, for the conditions with a token not settled yet.
        let mut conditions: BTreeMap<&str, Vec<(&str, MarketId)>> = BTreeMap::new();
        for m in self.interner.metas() {
            if m.venue == Venue::Polymarket {
                conditions
                    .entry(m.event_id.as_str())
                    .or_default()
                    .push((m.venue_id.as_str(), m.id));
            }
        }
        let eligible: Vec<(&str, Vec<(&str, MarketId)>)> = conditions
            .into_iter()
            .filter(|(_, tokens)| tokens.iter().any(|(_, id)| wanted(*id)))
            .collect();
        let n = eligible.len();
        let (take, mut rotation) = match cap {
            Some((most, rotation)) if n > most => (most, Some(rotation)),
            _ => (n, None),
        };
        let start = rotation.as_deref().map_or(0, |r| *r % n.max(1));
        for (k, (condition, tokens)) in eligible.iter().cycle().skip(start).take(take).enumerate() {
            let m = rest.market(condition).await?;
            for (token, status) in polymarket_status(&m) {
                if let Some(&(_, id)) = tokens.iter().find(|(t, _)| *t == token) {
                    found.push((id, status));
                }
            }
            // Moved on per condition read: one that failed is the next look's first.
            if let Some(r) = rotation.as_deref_mut() {
                *r = (start + k + 1) % n;
            }
        }
        Ok(())
    }
}

/// The events a look's findings make: a market's close once, its result once.
pub fn news(
    found: Vec<(MarketId, Status)>,
    closed: &mut BTreeSet<MarketId>,
    settled: &mut BTreeSet<MarketId>,
) -> Vec<Event> {
    let mut events = Vec::new();
    for (market, status) in found {
        if status != Status::Open && closed.insert(market) {
            events.push(Event::MarketClosed { market });
        }
        if let Status::Settled(yes_value) = status
            && settled.insert(market)
        {
            tracing::info!(market = market.0, yes_value = %yes_value, "market settled");
            events.push(Event::Settled(Settlement { market, yes_value }));
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A capped look reads that many conditions, each once, from where the last one
    /// stopped, and counts round the list; an uncapped look reads them all.
    #[tokio::test]
    async fn a_capped_look_reads_the_conditions_in_rotation() {
        use crate::event::{FeeModel, MarketMeta, NoLeg};
        use crate::sim::server::{SimServer, SimState, sim_accounts};
        let metas: Vec<MarketMeta> = (0..12u32)
            .map(|i| MarketMeta {
                id: MarketId(i),
                venue: Venue::Polymarket,
                venue_id: format!("{}", 7000 + i),
                title: format!("q{}", i / 2),
                event_id: format!("c{}", i / 2),
                series_id: String::new(),
                close_ts: None,
                no_leg: NoLeg::Complement(MarketId(i ^ 1)),
                fees: FeeModel::Free,
                tick: Price(100),
            })
            .collect();
        let accounts = sim_accounts([crate::core::Money::dollars(100); 2]).unwrap();
        let sim = SimServer::start(
            SimState::new(metas.clone(), accounts),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let http = crate::venues::http::client(Duration::from_secs(5)).unwrap();
        let reader = StatusReader {
            kalshi: None,
            polymarket: Some(PolymarketRest::new(http, sim.polymarket_base(), None)),
            interner: MarketInterner::from_metas(metas).unwrap(),
        };
        let conditions = |found: &[(MarketId, Status)]| -> Vec<u32> {
            let mut c: Vec<u32> = found.iter().map(|(m, _)| m.0 / 2).collect();
            c.dedup();
            c
        };
        let every = |_: MarketId| true;
        let mut rotation = 0;
        let first = reader.look_some(&every, Some((4, &mut rotation))).await;
        assert_eq!(conditions(&first), [0, 1, 2, 3]);
        assert_eq!(first.len(), 8, "both tokens of each");
        assert!(first.iter().all(|(_, s)| *s == Status::Open));
        assert_eq!(rotation, 4);
        let second = reader.look_some(&every, Some((4, &mut rotation))).await;
        assert_eq!(conditions(&second), [4, 5, 0, 1]);
        assert_eq!(rotation, 2);
        let all = reader.look(&every).await;
        assert_eq!(conditions(&all), [0, 1, 2, 3, 4, 5]);
        let reads = sim.state.request_counts()["GET /markets/{condition_id}"];
        assert_eq!(reads, 4 + 4 + 6, "one request per condition read");
        sim.stop().await;
    }

    fn kalshi(status: &str, result: &str, value: Option<&str>) -> kw::Market {
        kw::Market {
            ticker: "KXT".into(),
            status: status.into(),
            result: result.into(),
            settlement_value_dollars: value.map(str::to_string),
            ..kw::Market::default()
        }
    }

    #[test]
    fn kalshi_statuses_map_to_open_closed_and_settled() {
        assert_eq!(kalshi_status(&kalshi("active", "", None)), Ok(Status::Open));
        assert_eq!(
            kalshi_status(&kalshi("closed", "", None)),
            Ok(Status::Closed)
        );
        assert_eq!(
            kalshi_status(&kalshi("determined", "yes", None)),
            Ok(Status::Closed),
            "determined: the result is known but not paid yet"
        );
        assert_eq!(
            kalshi_status(&kalshi("finalized", "yes", Some("1"))),
            Ok(Status::Settled(Price::ONE))
        );
        assert_eq!(
            kalshi_status(&kalshi("settled", "no", None)),
            Ok(Status::Settled(Price(0)))
        );
        assert_eq!(
            kalshi_status(&kalshi("finalized", "scalar", Some("0.3700"))),
            Ok(Status::Settled(Price(3_700)))
        );
        let err = kalshi_status(&kalshi("finalized", "", None)).unwrap_err();
        assert!(
            err.contains("KXT") && err.contains("no settlement value"),
            "{err}"
        );
        assert!(kalshi_status(&kalshi("finalized", "", Some("1.5"))).is_err());
    }

    #[test]
    fn a_polymarket_market_settles_on_its_winning_token() {
        let token = |id: &str, winner: bool| pw::MarketToken {
            token_id: id.into(),
            outcome: id.into(),
            price: 0.0,
            winner,
        };
        let mut m = pw::Market {
            condition_id: "0xc".into(),
            tokens: vec![token("Y", false), token("N", false)],
            accepting_orders: true,
            ..pw::Market::default()
        };
        assert!(
            polymarket_status(&m)
                .iter()
                .all(|(_, s)| *s == Status::Open)
        );
        m.accepting_orders = false;
        assert!(
            polymarket_status(&m)
                .iter()
                .all(|(_, s)| *s == Status::Closed)
        );
        m.closed = true;
        m.tokens[1].winner = true;
        assert_eq!(
            polymarket_status(&m),
            vec![
                ("Y".to_string(), Status::Settled(Price(0))),
                ("N".to_string(), Status::Settled(Price::ONE)),
            ]
        );
    }
}
