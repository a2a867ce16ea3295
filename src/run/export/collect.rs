//! One pass over a journal: market-data and decision rows are handed to a `Sink` as
//! they come (they can be many); orders, fills and opportunities are followed to
//! their end in memory (they are few) for the orders, fills and pnl tables and the
//! report.

pub use super::rows::*;
use crate::core::fixed::notional_ceil;
use crate::core::{ClientOrderId, MarketId, Money, Qty};
use crate::event::{
    BookDelta, BookSide, Decision, Event, HaltReason, LevelChange, Mode, OrderStatus,
};
use crate::journal::{Journal, JournalError, RecordKind, TornTail};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the streamed rows go.
pub trait Sink {
    type Error: From<JournalError>;
    fn market_data(&mut self, row: MdRow, markets: &[MarketInfo]) -> Result<(), Self::Error>;
    fn decision(&mut self, row: DecisionRow, markets: &[MarketInfo]) -> Result<(), Self::Error>;
}

/// A sink that drops the streamed rows (the report needs only the totals).
pub struct Discard;

impl Sink for Discard {
    type Error = JournalError;
    fn market_data(&mut self, _: MdRow, _: &[MarketInfo]) -> Result<(), JournalError> {
        Ok(())
    }
    fn decision(&mut self, _: DecisionRow, _: &[MarketInfo]) -> Result<(), JournalError> {
        Ok(())
    }
}

/// Everything kept in memory after the pass.
#[derive(Debug, Default)]
pub struct RunData {
    pub markets: Vec<MarketInfo>,
    pub orders: BTreeMap<ClientOrderId, OrderRow>,
    pub fills: Vec<FillRow>,
    pub opportunities: BTreeMap<u64, OppRow>,
    pub mode_changes: Vec<(i64, Mode, Mode)>,
    pub halts: Vec<(i64, HaltReason)>,
    /// `InputRejected` decisions by reason.
    pub rejected_inputs: BTreeMap<String, u64>,
    /// The quote firewall's and the lanes' refusals (`BookRejected`, `LaneSkipped`) by
    /// reason.
    pub refusals: BTreeMap<&'static str, u64>,
    /// Per lane (`Lane as usize`): the last journaled coverage, (rules, fresh).
    pub coverage: [Option<(u32, u32)>; crate::event::Lane::COUNT],
    pub events_by_kind: BTreeMap<&'static str, u64>,
    pub decisions_by_kind: BTreeMap<&'static str, u64>,
    pub market_data_rows: u64,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub torn_tail: Option<TornTail>,
}

impl RunData {
    pub fn market(&self, id: MarketId) -> Option<&MarketInfo> {
        self.markets.get(id.index())
    }
}

/// `CamelCase` Debug name (first word of it) as `snake_case`.
pub fn snake(debug: &str) -> String {
    let name = debug.split(['(', ' ', '{']).next().unwrap_or(debug);
    let mut s = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                s.push('_');
            }
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// Reads `dir` once, streaming rows into `sink`.
pub fn collect<S: Sink>(dir: &Path, sink: &mut S) -> Result<RunData, S::Error> {
    let journal = Journal::open(dir)?;
    let mut c = Collector::default();
    let summary = journal.scan(|rec| -> Result<(), S::Error> {
        c.data.first_ts.get_or_insert(rec.ts);
        c.data.last_ts = Some(rec.ts);
        match rec.kind {
            RecordKind::Event => c.event(rec.seq, rec.ts, rec.event()?, sink),
            RecordKind::Decision => c.decision(rec.seq, rec.ts, rec.decision()?, sink),
        }
    })?;
    c.commit_fill();
    c.data.torn_tail = summary.torn_tail;
    Ok(c.data)
}

#[derive(Default)]
struct Collector {
    data: RunData,
    cause: (u64, &'static str),
    /// A fill applied to its order once the next record shows it was not refused.
    pending_fill: Option<FillRow>,
}

impl Collector {
    fn event<S: Sink>(
        &mut self,
        seq: u64,
        ts: i64,
        ev: Event,
        sink: &mut S,
    ) -> Result<(), S::Error> {
        self.commit_fill();
        self.cause = (seq, ev.kind());
        *self.data.events_by_kind.entry(ev.kind()).or_default() += 1;
        let md = |idx: u32, market, kind, side, price, qty, venue_seq| MdRow {
            seq,
            idx,
            ts,
            market,
            kind,
            side,
            price,
            qty,
            venue_seq,
        };
        let mut rows = Vec::new();
        match ev {
            // A redefinition or an id out of order is refused by the reducer.
            Event::MarketDefined(m) if m.id.index() == self.data.markets.len() => {
                self.data.markets.push(MarketInfo {
                    venue: m.venue,
                    venue_id: m.venue_id,
                    event_id: m.event_id,
                });
            }
            Event::BookSnapshot(b) => {
                let levels = b.bids.iter().map(|l| (BookSide::Bid, l));
                let levels = levels.chain(b.asks.iter().map(|l| (BookSide::Ask, l)));
                for (i, (side, l)) in levels.enumerate() {
                    let (p, q) = (Some(l.price), Some(l.qty));
                    rows.push(md(
                        i as u32,
                        b.market,
                        "snapshot",
                        Some(side),
                        p,
                        q,
                        Some(b.venue_seq),
                    ));
                }
                if rows.is_empty() {
                    rows.push(md(
                        0,
                        b.market,
                        "snapshot",
                        None,
                        None,
                        None,
                        Some(b.venue_seq),
                    ));
                }
            }
            Event::BookDelta(d) => rows.push(delta_row(seq, ts, 0, &d)),
            Event::BookBatch(b) => {
                rows.extend(
                    b.deltas
                        .iter()
                        .enumerate()
                        .map(|(i, d)| delta_row(seq, ts, i as u32, d)),
                );
            }
            Event::Trade(t) => {
                rows.push(md(
                    0,
                    t.market,
                    "trade",
                    t.taker_side,
                    Some(t.price),
                    Some(t.qty),
                    None,
                ));
            }
            Event::OrderAck(a) => {
                if let Some(o) = self.data.orders.get_mut(&a.id) {
                    o.acked_ts.get_or_insert(ts);
                    o.venue_order_id = Some(a.venue_order_id);
                    if o.status == "pending" {
                        o.status = "open";
                    }
                }
            }
            Event::OrderReject(r) => {
                if let Some(o) = self.data.orders.get_mut(&r.id) {
                    o.status = "rejected";
                    o.reject_reason = Some(r.reason);
                    o.closed_ts.get_or_insert(ts);
                }
            }
            Event::OrderCanceled(c) => {
                if let Some(o) = self.data.orders.get_mut(&c.id) {
                    o.status = "canceled";
                    o.canceled_qty = Some(c.canceled_qty);
                    o.closed_ts.get_or_insert(ts);
                }
            }
            Event::OrderStatus(s) => {
                if let Some(o) = self.data.orders.get_mut(&s.id) {
                    o.status = match s.status {
                        OrderStatus::Resting => "open",
                        OrderStatus::Filled => "filled",
                        OrderStatus::Canceled => "canceled",
                        OrderStatus::Rejected => "rejected",
                        OrderStatus::Expired => "expired",
                    };
                    if s.status != OrderStatus::Resting {
                        o.closed_ts.get_or_insert(ts);
                    }
                }
            }
            Event::Fill(f) | Event::FillReversed(f) => {
                let reversed = self.cause.1 == "fill_reversed";
                let limit = self.data.orders.get(&f.id).map(|o| o.place.price);
                self.pending_fill = Some(FillRow {
                    seq,
                    ts,
                    fill: f,
                    limit,
                    reversed,
                    rejected: false,
                });
            }
            _ => {}
        }
        for row in rows {
            self.data.market_data_rows += 1;
            sink.market_data(row, &self.data.markets)?;
        }
        Ok(())
    }

    fn decision<S: Sink>(
        &mut self,
        seq: u64,
        ts: i64,
        d: Decision,
        sink: &mut S,
    ) -> Result<(), S::Error> {
        *self.data.decisions_by_kind.entry(d.kind()).or_default() += 1;
        let data = &mut self.data;
        let lane_of = |opps: &BTreeMap<u64, OppRow>, id: u64| opps.get(&id).map(|o| o.lane);
        let lane = match &d {
            Decision::OpportunityFound(o) => {
                data.opportunities.insert(
                    o.id,
                    OppRow {
                        id: o.id,
                        lane: o.lane,
                        found_ts: ts,
                        found_seq: seq,
                        legs: o.legs.len() as u8,
                        edge_per_contract: o.edge_per_contract,
                        sized_qty: o.qty,
                        found_expected_profit: o.expected_profit,
                        intent: None,
                        skip: None,
                        orders: 0,
                        filled_first: 0,
                        filled_cover: 0,
                        spent: 0,
                        fees: 0,
                        last_fill_ts: None,
                        settled_pnl: None,
                    },
                );
                Some(o.lane)
            }
            Decision::Intent(i) => {
                if let Some(o) = data.opportunities.get_mut(&i.opportunity) {
                    o.intent = Some(Intent {
                        ts,
                        qty: i.qty,
                        max_cost: i.max_cost,
                        expected_profit: i.expected_profit,
                    });
                }
                lane_of(&data.opportunities, i.opportunity)
            }
            Decision::Skipped {
                opportunity,
                reason,
            } => {
                if let Some(o) = data.opportunities.get_mut(opportunity) {
                    o.skip = Some(*reason);
                }
                lane_of(&data.opportunities, *opportunity)
            }
            Decision::PlaceOrder(p) | Decision::SellOrder(p) => {
                let lane = lane_of(&data.opportunities, p.id.opportunity);
                if let Some(o) = data.opportunities.get_mut(&p.id.opportunity) {
                    o.orders += 1;
                }
                data.orders.entry(p.id).or_insert(OrderRow {
                    place: *p,
                    lane,
                    placed_ts: ts,
                    placed_seq: seq,
                    acked_ts: None,
                    venue_order_id: None,
                    status: "pending",
                    filled: Qty::ZERO,
                    filled_cost: Money::ZERO,
                    fees: Money::ZERO,
                    first_fill_ts: None,
                    closed_ts: None,
                    canceled_qty: None,
                    reject_reason: None,
                });
                lane
            }
            Decision::CancelOrder { id } => lane_of(&data.opportunities, id.opportunity),
            Decision::Halt { reason } => {
                data.halts.push((ts, *reason));
                None
            }
            Decision::ModeChange { from, to } => {
                data.mode_changes.push((ts, *from, *to));
                None
            }
            Decision::InputRejected { reason } => {
                *data
                    .rejected_inputs
                    .entry(snake(&format!("{reason:?}")))
                    .or_default() += 1;
                if let Some(f) = self.pending_fill.as_mut()
                    && f.seq == self.cause.0
                {
                    f.rejected = true;
                }
                None
            }
            // The firewall's refusals: counted with the skip reasons they carry.
            Decision::BookRejected { reason, .. } => {
                *data.refusals.entry(reason.name()).or_default() += 1;
                None
            }
            Decision::LaneSkipped { lane, reason, .. } => {
                *data.refusals.entry(reason.name()).or_default() += 1;
                Some(*lane)
            }
            Decision::LaneCoverage { lane, rules, fresh } => {
                data.coverage[*lane as usize] = Some((*rules, *fresh));
                Some(*lane)
            }
            Decision::Discrepancy(_) => None,
            Decision::Realized(r) => {
                if let Some(o) = r.opportunity.and_then(|id| data.opportunities.get_mut(&id)) {
                    *o.settled_pnl.get_or_insert(0) += r.pnl.0;
                }
                r.lane
            }
            Decision::Exit(e) => lane_of(&data.opportunities, e.opportunity),
        };
        let (cause_seq, cause_kind) = self.cause;
        let row = DecisionRow {
            seq,
            ts,
            cause_seq,
            cause_kind,
            lane,
            decision: d,
        };
        sink.decision(row, &self.data.markets)
    }

    /// Books the pending fill on its order and opportunity (unless refused).
    fn commit_fill(&mut self) {
        let Some(f) = self.pending_fill.take() else {
            return;
        };
        if !f.rejected {
            let sign = if f.reversed { -1 } else { 1 };
            let id = f.fill.id;
            let sell = self
                .data
                .orders
                .get(&id)
                .is_some_and(|o| o.place.side == crate::event::OrderSide::Sell);
            // A sell's cost is its proceeds, paid to the opportunity (rounded as the
            // venue pays them: down).
            let notional = if sell {
                crate::core::fixed::notional_floor(f.fill.price, f.fill.qty).unwrap_or(Money::ZERO)
            } else {
                notional_ceil(f.fill.price, f.fill.qty).unwrap_or(Money::ZERO)
            };
            if let Some(o) = self.data.orders.get_mut(&id) {
                o.filled = Qty(o.filled.0 + sign * f.fill.qty.0);
                o.filled_cost = Money(o.filled_cost.0 + sign * notional.0);
                o.fees = Money(o.fees.0 + sign * f.fill.fee.0);
                o.first_fill_ts.get_or_insert(f.ts);
                if o.filled.0 >= o.place.qty.0 {
                    o.status = "filled";
                    o.closed_ts.get_or_insert(f.ts);
                } else if f.reversed && o.status == "filled" {
                    o.status = "open";
                    o.closed_ts = None;
                }
            }
            if let Some(op) = self.data.opportunities.get_mut(&id.opportunity) {
                let q = sign * f.fill.qty.0;
                if id.leg == 0 {
                    op.filled_first += q;
                } else {
                    op.filled_cover += q;
                }
                let paid = if sell { -notional.0 } else { notional.0 };
                op.spent += sign * (paid + f.fill.fee.0);
                op.fees += sign * f.fill.fee.0;
                op.last_fill_ts = Some(f.ts);
            }
        }
        self.data.fills.push(f);
    }
}

fn delta_row(seq: u64, ts: i64, idx: u32, d: &BookDelta) -> MdRow {
    let (kind, qty) = match d.change {
        LevelChange::Add(q) => ("delta_add", q),
        LevelChange::Set(q) => ("delta_set", q),
    };
    MdRow {
        seq,
        idx,
        ts,
        market: d.market,
        kind,
        side: Some(d.side),
        price: Some(d.price),
        qty: Some(qty),
        venue_seq: Some(d.venue_seq),
    }
}
