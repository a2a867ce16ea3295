//! The `decisions` table: one row per decision record, with the event record it
//! followed, the common fields pulled out as columns and the whole decision as JSON
//! (`details`, the body `arb inspect` prints); partitioned by date.

use super::collect::{DecisionRow, MarketInfo, snake};
use super::columns::{self as c, field};
use super::market_data::market_name;
use super::writer::Table;
use crate::core::{Money, Price, Qty};
use crate::event::Decision;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use std::sync::{Arc, LazyLock};

pub struct Decisions;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        field("seq", DataType::UInt64, false),
        field("ts", c::ts_type(), false),
        field("kind", DataType::Utf8, false),
        field("cause_seq", DataType::UInt64, false),
        field("cause_kind", DataType::Utf8, false),
        field("opportunity", DataType::UInt64, true),
        field("lane", DataType::Utf8, true),
        field("reason", DataType::Utf8, true),
        field("client_order_id", DataType::Utf8, true),
        field("venue", DataType::Utf8, true),
        field("market", DataType::Utf8, true),
        field("outcome", DataType::Utf8, true),
        field("price", c::PRICE, true),
        field("qty", c::QTY, true),
        field("edge_per_contract", c::MONEY, true),
        field("expected_profit", c::MONEY, true),
        field("max_cost", c::MONEY, true),
        field("details", DataType::Utf8, false),
    ]))
});

/// The columns of one decision that are not the same for every kind.
#[derive(Default)]
struct Cols {
    opportunity: Option<u64>,
    reason: Option<String>,
    coid: Option<String>,
    venue: Option<&'static str>,
    market: Option<String>,
    outcome: Option<&'static str>,
    price: Option<Price>,
    qty: Option<Qty>,
    edge: Option<Money>,
    expected: Option<Money>,
    max_cost: Option<Money>,
}

fn cols(d: &Decision, markets: &[MarketInfo]) -> Cols {
    match d {
        Decision::OpportunityFound(o) => Cols {
            opportunity: Some(o.id),
            qty: Some(o.qty),
            edge: Some(o.edge_per_contract),
            expected: Some(o.expected_profit),
            ..Cols::default()
        },
        Decision::Intent(i) => Cols {
            opportunity: Some(i.opportunity),
            qty: Some(i.qty),
            expected: Some(i.expected_profit),
            max_cost: Some(i.max_cost),
            ..Cols::default()
        },
        Decision::Skipped {
            opportunity,
            reason,
        } => Cols {
            opportunity: Some(*opportunity),
            reason: Some(snake(&format!("{reason:?}"))),
            ..Cols::default()
        },
        Decision::PlaceOrder(p) | Decision::SellOrder(p) => Cols {
            opportunity: Some(p.id.opportunity),
            coid: Some(p.id.to_string()),
            venue: markets.get(p.market.index()).map(|m| m.venue.name()),
            market: Some(market_name(markets, p.market)),
            outcome: Some(c::outcome(p.outcome)),
            price: Some(p.price),
            qty: Some(p.qty),
            ..Cols::default()
        },
        Decision::CancelOrder { id } => Cols {
            opportunity: Some(id.opportunity),
            coid: Some(id.to_string()),
            ..Cols::default()
        },
        Decision::Halt { reason } => Cols {
            reason: Some(snake(&format!("{reason:?}"))),
            ..Cols::default()
        },
        Decision::InputRejected { reason } => Cols {
            reason: Some(snake(&format!("{reason:?}"))),
            ..Cols::default()
        },
        Decision::ModeChange { .. } => Cols::default(),
        Decision::BookRejected { market, reason } => Cols {
            market: Some(market_name(markets, *market)),
            reason: Some(reason.name().to_string()),
            ..Cols::default()
        },
        Decision::LaneSkipped { reason, .. } => Cols {
            reason: Some(reason.name().to_string()),
            ..Cols::default()
        },
        Decision::LaneCoverage { rules, fresh, .. } => Cols {
            reason: Some(format!("rules {rules} fresh {fresh}")),
            ..Cols::default()
        },
        Decision::Discrepancy(d) => Cols {
            venue: Some(d.venue.name()),
            market: match d.what {
                crate::event::DiscrepancyKind::Position { market, .. } => {
                    Some(market_name(markets, market))
                }
                crate::event::DiscrepancyKind::Cash => None,
            },
            reason: Some(format!(
                "{} engine {} venue {}{}",
                match d.what {
                    crate::event::DiscrepancyKind::Position { .. } => "position",
                    crate::event::DiscrepancyKind::Cash => "cash",
                },
                d.engine,
                d.venue_value,
                if d.confirmed { " confirmed" } else { "" }
            )),
            ..Cols::default()
        },
        Decision::Realized(r) => Cols {
            opportunity: r.opportunity,
            market: Some(market_name(markets, r.market)),
            outcome: Some(c::outcome(r.outcome)),
            qty: Some(r.qty),
            reason: Some(format!("payout {} pnl {}", r.payout, r.pnl)),
            ..Cols::default()
        },
        Decision::Exit(e) => Cols {
            opportunity: Some(e.opportunity),
            qty: Some(e.qty),
            reason: Some(format!("{} loss {}", e.reason.name(), e.loss)),
            ..Cols::default()
        },
    }
}

impl Table for Decisions {
    type Row = DecisionRow;
    const NAME: &'static str = "decisions";

    fn schema() -> SchemaRef {
        SCHEMA.clone()
    }

    fn batch(rows: &[DecisionRow], markets: &[MarketInfo]) -> Result<RecordBatch, ArrowError> {
        let cs: Vec<Cols> = rows.iter().map(|r| cols(&r.decision, markets)).collect();
        let details: Vec<String> = rows
            .iter()
            .map(|r| serde_json::to_string(&r.decision).unwrap_or_default())
            .collect();
        RecordBatch::try_new(
            SCHEMA.clone(),
            vec![
                c::u64s(rows.iter().map(|r| Some(r.seq))),
                c::ts(rows.iter().map(|r| Some(r.ts))),
                c::string(rows.iter().map(|r| Some(r.decision.kind()))),
                c::u64s(rows.iter().map(|r| Some(r.cause_seq))),
                c::string(rows.iter().map(|r| Some(r.cause_kind))),
                c::u64s(cs.iter().map(|c| c.opportunity)),
                c::string(rows.iter().map(|r| r.lane.map(|l| l.name()))),
                c::string(cs.iter().map(|c| c.reason.as_deref())),
                c::string(cs.iter().map(|c| c.coid.as_deref())),
                c::string(cs.iter().map(|c| c.venue)),
                c::string(cs.iter().map(|c| c.market.as_deref())),
                c::string(cs.iter().map(|c| c.outcome)),
                c::price(cs.iter().map(|c| c.price))?,
                c::qty(cs.iter().map(|c| c.qty))?,
                c::money(cs.iter().map(|c| c.edge))?,
                c::money(cs.iter().map(|c| c.expected))?,
                c::money(cs.iter().map(|c| c.max_cost))?,
                c::string(details.iter().map(|d| Some(d.as_str()))),
            ],
        )
    }
}
