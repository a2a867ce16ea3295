//! Reconciliation while `arb live` runs: every `reconcile_s`, soon after an order of
//! unknown outcome, and soon after a difference (to confirm or clear it), each venue's
//! positions and free cash are read and handed to the core as a `VenueState`. The
//! reducer compares them with its own (`engine::reconcile`) and journals every
//! difference; this task only reads.

use super::core::Inbound;
use crate::core::{Money, Outcome, Qty, Venue};
use crate::event::{Event, PositionReport, VenueState};
use crate::venues::MarketInterner;
use crate::venues::http::VenueError;
use crate::venues::kalshi::rest::KalshiRest;
use crate::venues::polymarket::rest::PolymarketRest;
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How long after a prompt (an unknown outcome, a difference) the next read waits, so
/// that what is in flight has landed.
const SETTLE_BEFORE_RECHECK: Duration = Duration::from_secs(1);

pub struct Reconciler {
    pub kalshi: Option<KalshiRest>,
    /// The CLOB client (cash) and the Data API client (positions) with the wallet.
    pub polymarket: Option<(PolymarketRest, PolymarketRest, String)>,
    pub interner: MarketInterner,
    /// Markets listed while running.
    pub adds: Option<super::universe_watch::AddedRx>,
    /// The reducer's event count, as the core publishes it after each step.
    pub events: Arc<AtomicU64>,
    pub every: Duration,
    /// Rung to ask for a read soon.
    pub prompt: Arc<Notify>,
    pub tx: Sender<Inbound>,
}

impl Reconciler {
    /// Reads and reports each venue every `every` (or soon after a prompt) until the
    /// core is gone.
    pub async fn run(mut self) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.every) => {}
                _ = self.prompt.notified() => tokio::time::sleep(SETTLE_BEFORE_RECHECK).await,
            }
            super::universe_watch::drain(&mut self.adds, &mut self.interner);
            for venue in Venue::ALL {
                let as_of = self.events.load(Ordering::Acquire);
                let read = match venue {
                    Venue::Kalshi => match &self.kalshi {
                        Some(k) => Some(kalshi_state(k, &self.interner, as_of).await),
                        None => None,
                    },
                    Venue::Polymarket => match &self.polymarket {
                        Some((clob, data, wallet)) => {
                            Some(polymarket_state(clob, data, wallet, &self.interner, as_of).await)
                        }
                        None => None,
                    },
                };
                match read {
                    Some(Ok(state)) => {
                        let sent = self.tx.send(Inbound::now(Event::VenueState(state)));
                        if sent.is_err() {
                            return;
                        }
                    }
                    Some(Err(e)) => {
                        tracing::warn!(%venue, error = %e, "reconciliation read failed; the next one tries again")
                    }
                    None => {}
                }
            }
        }
    }
}

/// Kalshi's positions (by ticker, on the markets `interner` knows) and free cash.
pub async fn kalshi_state(
    rest: &KalshiRest,
    interner: &MarketInterner,
    as_of: u64,
) -> Result<VenueState, VenueError> {
    let held = rest.positions().await?;
    let mut positions = Vec::new();
    for p in held.market_positions {
        let (Some(market), Ok(net)) = (
            interner.get(Venue::Kalshi, &p.ticker),
            Qty::from_decimal(&p.position_fp),
        ) else {
            continue;
        };
        if net.0 != 0 {
            positions.push(PositionReport {
                market,
                outcome: if net.0 > 0 { Outcome::Yes } else { Outcome::No },
                qty: Qty(net.0.abs()),
            });
        }
    }
    let cash = Money(rest.balance().await?.balance * 10_000);
    Ok(VenueState {
        venue: Venue::Kalshi,
        as_of_events: as_of,
        positions,
        cash,
    })
}

/// The wallet's token positions (the Data API) and free collateral (the CLOB).
pub async fn polymarket_state(
    clob: &PolymarketRest,
    data: &PolymarketRest,
    wallet: &str,
    interner: &MarketInterner,
    as_of: u64,
) -> Result<VenueState, VenueError> {
    let held = data.data_positions(wallet).await?;
    let mut positions = Vec::new();
    for p in held {
        let Some(market) = interner.get(Venue::Polymarket, &p.asset) else {
            continue;
        };
        let qty = (p.size * Qty::SCALE as f64).round() as i64;
        if qty != 0 {
            positions.push(PositionReport {
                market,
                outcome: Outcome::Yes,
                qty: Qty(qty),
            });
        }
    }
    let cash = clob.collateral_balance().await?;
    Ok(VenueState {
        venue: Venue::Polymarket,
        as_of_events: as_of,
        positions,
        cash,
    })
}
