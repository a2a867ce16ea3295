//! The window's summary (section `summary.json`): events and decisions by kind, skip
//! reasons, and each order placed or answered in the window with what became of it.

use crate::core::ClientOrderId;
use crate::event::{Decision, Event, OrderStatus};
use serde::Serialize;
use std::collections::BTreeMap;

/// Orders listed in full; the rest are only counted.
pub const MAX_ORDERS_LISTED: usize = 1000;

#[derive(Clone, Debug, Default, Serialize)]
pub struct OrderLine {
    pub client_order_id: String,
    /// Seq and RFC 3339 time of the `PlaceOrder`; None when it was placed before the
    /// window (only its answers are in it).
    pub placed_seq: Option<u64>,
    pub placed_time: Option<String>,
    pub market: Option<u32>,
    pub outcome: Option<String>,
    /// "Buy" or "Sell".
    pub side: Option<String>,
    pub price: Option<String>,
    pub qty: Option<String>,
    pub tif: Option<String>,
    pub venue_order_id: Option<String>,
    pub rejected: Option<String>,
    pub fills: u32,
    /// Contracts filled in the window (net of reversed fills), and their fees.
    pub filled: String,
    pub fees: String,
    pub canceled: bool,
    /// Last status the venue reported in the window.
    pub status: Option<String>,
    filled_raw: i64,
    fees_raw: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct WindowSummary {
    pub events: u64,
    pub decisions: u64,
    pub events_by_kind: BTreeMap<&'static str, u64>,
    pub decisions_by_kind: BTreeMap<&'static str, u64>,
    pub skip_reasons: BTreeMap<String, u64>,
    pub halts: Vec<String>,
    pub mode_changes: Vec<String>,
    pub orders_placed: u64,
    pub fills: u64,
    pub contracts_filled: String,
    pub fees: String,
    /// Orders placed or answered in the window, by client order id (at most
    /// `MAX_ORDERS_LISTED`; `orders_total` counts them all).
    pub orders_total: u64,
    pub orders: Vec<OrderLine>,
    #[serde(skip)]
    by_id: BTreeMap<ClientOrderId, OrderLine>,
    #[serde(skip)]
    filled_raw: i64,
    #[serde(skip)]
    fees_raw: i64,
}

fn money(micro: i64) -> String {
    crate::core::Money(micro).to_string()
}

fn qty(micro: i64) -> String {
    crate::core::Qty(micro).to_string()
}

impl WindowSummary {
    fn order(&mut self, id: ClientOrderId) -> &mut OrderLine {
        self.by_id.entry(id).or_insert_with(|| OrderLine {
            client_order_id: id.to_string(),
            ..OrderLine::default()
        })
    }

    pub fn event(&mut self, ev: &Event) {
        self.events += 1;
        *self.events_by_kind.entry(ev.kind()).or_default() += 1;
        match ev {
            Event::OrderAck(a) => self.order(a.id).venue_order_id = Some(a.venue_order_id.clone()),
            Event::OrderReject(r) => self.order(r.id).rejected = Some(r.reason.clone()),
            Event::Fill(f) | Event::FillReversed(f) => {
                let sign = if matches!(ev, Event::Fill(_)) { 1 } else { -1 };
                self.fills += 1;
                self.filled_raw += sign * f.qty.0;
                self.fees_raw += sign * f.fee.0;
                let o = self.order(f.id);
                o.fills += 1;
                o.filled_raw += sign * f.qty.0;
                o.fees_raw += sign * f.fee.0;
            }
            Event::OrderCanceled(c) => self.order(c.id).canceled = true,
            Event::OrderStatus(s) => {
                let name = match s.status {
                    OrderStatus::Resting => "resting",
                    OrderStatus::Filled => "filled",
                    OrderStatus::Canceled => "canceled",
                    OrderStatus::Rejected => "rejected",
                    OrderStatus::Expired => "expired",
                };
                self.order(s.id).status = Some(name.into());
            }
            _ => {}
        }
    }

    pub fn decision(&mut self, seq: u64, ts: i64, d: &Decision) {
        self.decisions += 1;
        *self.decisions_by_kind.entry(d.kind()).or_default() += 1;
        match d {
            Decision::Skipped { reason, .. } => {
                *self.skip_reasons.entry(format!("{reason:?}")).or_default() += 1;
            }
            Decision::Halt { reason } => {
                self.halts.push(format!("seq {seq}: {reason:?}"));
            }
            Decision::ModeChange { from, to } => {
                self.mode_changes
                    .push(format!("seq {seq}: {from:?} -> {to:?}"));
            }
            Decision::PlaceOrder(p) | Decision::SellOrder(p) => {
                self.orders_placed += 1;
                let o = self.order(p.id);
                o.placed_seq = Some(seq);
                o.placed_time = Some(crate::clock::rfc3339(ts));
                o.market = Some(p.market.0);
                o.outcome = Some(format!("{:?}", p.outcome));
                o.side = Some(format!("{:?}", p.side));
                o.price = Some(p.price.to_string());
                o.qty = Some(p.qty.to_string());
                o.tif = Some(format!("{:?}", p.tif));
            }
            _ => {}
        }
    }

    /// Fills in the totals and the order list.
    pub fn finish(mut self) -> WindowSummary {
        self.contracts_filled = qty(self.filled_raw);
        self.fees = money(self.fees_raw);
        self.orders_total = self.by_id.len() as u64;
        let by_id = std::mem::take(&mut self.by_id);
        self.orders = by_id
            .into_values()
            .take(MAX_ORDERS_LISTED)
            .map(|mut o| {
                o.filled = qty(o.filled_raw);
                o.fees = money(o.fees_raw);
                o
            })
            .collect();
        self
    }
}
