//! `arb orders`: what a journal says is open right now — open orders, positions,
//! unhedged exposure and the engine's mode — rebuilt by replaying its events.

use crate::journal::{Journal, JournalError, RecordKind};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct OpenOrderView {
    pub client_order_id: String,
    pub venue: String,
    pub market: String,
    pub outcome: String,
    pub price: String,
    pub qty: String,
    pub filled: String,
    pub venue_order_id: Option<String>,
    /// Its request got no definite answer and the venue has not said yet what became
    /// of it (journaled `OrderUnknown`).
    pub unknown: bool,
}

#[derive(Debug, Serialize)]
pub struct PositionView {
    pub venue: String,
    pub market: String,
    pub outcome: String,
    pub qty: String,
    pub cost: String,
}

#[derive(Debug, Serialize)]
pub struct ExposureView {
    pub opportunity: u64,
    /// Contracts bought on some leg and not covered by the others.
    pub exposed: String,
    pub legs_open: usize,
    /// Held under the exit policy: event time (ms) it became unhedged, and whether a
    /// stop gave it up to the operator (safe mode). None: not (yet) held.
    pub held_since_ms: Option<i64>,
    pub given_up: bool,
}

#[derive(Debug, Serialize)]
pub struct OrdersView {
    pub mode: String,
    pub open_orders: Vec<OpenOrderView>,
    pub positions: Vec<PositionView>,
    pub exposure: Vec<ExposureView>,
    pub cash: Vec<(String, String)>,
    /// Realized PnL booked at settlements (and netted pairs), per lane, and for
    /// contracts no opportunity bought (`unattributed`).
    pub realized: Vec<(String, String)>,
}

/// Replays `dir` and reports its open state.
pub fn view(dir: &Path) -> Result<OrdersView, JournalError> {
    let journal = Journal::open(dir)?;
    let mut r = crate::run::live::restart::start_state(&journal)?;
    let mut scratch = Vec::new();
    journal.scan_kept(|rec| -> Result<(), JournalError> {
        if rec.kind == RecordKind::Event {
            scratch.clear();
            r.apply(rec.ts, &rec.event()?, &mut scratch);
        }
        Ok(())
    })?;
    let market = |id: crate::core::MarketId| {
        r.markets()
            .get(id)
            .map(|m| (m.meta.venue.to_string(), m.meta.venue_id.clone()))
            .unwrap_or_default()
    };
    let outcome = |o: crate::core::Outcome| format!("{o:?}").to_lowercase();
    let open_orders = r
        .orders()
        .open
        .values()
        .map(|o| {
            let (venue, m) = market(o.order.market);
            OpenOrderView {
                client_order_id: o.order.id.to_string(),
                venue,
                market: m,
                outcome: outcome(o.order.outcome),
                price: o.order.price.to_string(),
                qty: o.order.qty.to_string(),
                filled: o.filled.to_string(),
                venue_order_id: o.venue_order_id.clone(),
                unknown: o.unknown,
            }
        })
        .collect();
    let positions = r
        .portfolio()
        .positions
        .iter()
        .filter(|(_, p)| p.qty.0 != 0)
        .map(|((id, o), p)| {
            let (venue, m) = market(*id);
            PositionView {
                venue,
                market: m,
                outcome: outcome(*o),
                qty: p.qty.to_string(),
                cost: p.cost.to_string(),
            }
        })
        .collect();
    let exposure = r
        .orders()
        .episodes
        .iter()
        .map(|(opp, e)| ExposureView {
            opportunity: *opp,
            exposed: e.exposed().to_string(),
            legs_open: e.legs.iter().filter(|l| !l.2).count(),
            held_since_ms: e.unhedged.map(|u| u.since),
            given_up: e.unhedged.is_some_and(|u| u.given_up),
        })
        .collect();
    let cash = crate::core::Venue::ALL
        .iter()
        .map(|v| (v.to_string(), r.portfolio().available(*v).to_string()))
        .collect();
    let book = r.settlement();
    let mut realized: Vec<(String, String)> = crate::event::Lane::ALL
        .iter()
        .map(|l| {
            (
                l.name().to_string(),
                book.realized_by_lane[*l as usize].to_string(),
            )
        })
        .collect();
    realized.push((
        "unattributed".to_string(),
        book.realized_unattributed.to_string(),
    ));
    Ok(OrdersView {
        mode: format!("{:?}", r.mode()).to_lowercase(),
        open_orders,
        positions,
        exposure,
        cash,
        realized,
    })
}
