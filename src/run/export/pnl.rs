//! The `pnl` table: one row per opportunity, what was expected of it against what its
//! fills locked in (`realized_pnl` = covered contracts × $1 − cash paid including
//! fees; uncovered contracts count as worth nothing, as the engine's loss cap counts
//! them); partitioned by the date it was found.

use super::collect::{MarketInfo, OppRow, snake};
use super::columns::{self as c, field};
use super::writer::Table;
use crate::core::{Money, Qty};
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use std::sync::{Arc, LazyLock};

pub struct Pnl;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        field("opportunity", DataType::UInt64, false),
        field("lane", DataType::Utf8, false),
        field("found_ts", c::ts_type(), false),
        field("found_seq", DataType::UInt64, false),
        field("legs", DataType::UInt8, false),
        field("edge_per_contract", c::MONEY, false),
        field("sized_qty", c::QTY, false),
        field("found_expected_profit", c::MONEY, false),
        field("traded", DataType::Boolean, false),
        field("skip_reason", DataType::Utf8, true),
        field("intent_ts", c::ts_type(), true),
        field("intent_qty", c::QTY, true),
        field("max_cost", c::MONEY, true),
        field("expected_profit", c::MONEY, true),
        field("orders", DataType::UInt32, false),
        field("filled_first", c::QTY, false),
        field("filled_cover", c::QTY, false),
        field("covered_qty", c::QTY, false),
        field("unhedged_qty", c::QTY, false),
        field("cost", c::MONEY, false),
        field("fees", c::MONEY, false),
        field("realized_pnl", c::MONEY, false),
        field("conversion", DataType::Float64, true),
        field("last_fill_ts", c::ts_type(), true),
        field("settled_pnl", c::MONEY, true),
    ]))
});

/// Realized over expected profit, when something positive was expected.
pub fn conversion(o: &OppRow) -> Option<f64> {
    let e = o.intent?.expected_profit.0;
    (e > 0).then(|| o.realized() as f64 / e as f64)
}

impl Table for Pnl {
    type Row = OppRow;
    const NAME: &'static str = "pnl";

    fn schema() -> SchemaRef {
        SCHEMA.clone()
    }

    fn batch(rows: &[OppRow], _: &[MarketInfo]) -> Result<RecordBatch, ArrowError> {
        let skips: Vec<Option<String>> = rows
            .iter()
            .map(|r| r.skip.map(|s| snake(&format!("{s:?}"))))
            .collect();
        let q = |f: fn(&OppRow) -> i64| c::qty(rows.iter().map(move |r| Some(Qty(f(r)))));
        let m = |f: fn(&OppRow) -> i64| c::money(rows.iter().map(move |r| Some(Money(f(r)))));
        RecordBatch::try_new(
            SCHEMA.clone(),
            vec![
                c::u64s(rows.iter().map(|r| Some(r.id))),
                c::string(rows.iter().map(|r| Some(r.lane.name()))),
                c::ts(rows.iter().map(|r| Some(r.found_ts))),
                c::u64s(rows.iter().map(|r| Some(r.found_seq))),
                c::u8s(rows.iter().map(|r| Some(r.legs))),
                m(|r| r.edge_per_contract.0)?,
                q(|r| r.sized_qty.0)?,
                m(|r| r.found_expected_profit.0)?,
                c::bools(rows.iter().map(|r| Some(r.intent.is_some()))),
                c::string(skips.iter().map(|s| s.as_deref())),
                c::ts(rows.iter().map(|r| r.intent.map(|i| i.ts))),
                c::qty(rows.iter().map(|r| r.intent.map(|i| i.qty)))?,
                c::money(rows.iter().map(|r| r.intent.map(|i| i.max_cost)))?,
                c::money(rows.iter().map(|r| r.intent.map(|i| i.expected_profit)))?,
                c::u32s(rows.iter().map(|r| Some(r.orders))),
                q(|r| r.filled_first)?,
                q(|r| r.filled_cover)?,
                q(OppRow::covered)?,
                q(OppRow::unhedged)?,
                m(|r| r.spent)?,
                m(|r| r.fees)?,
                m(OppRow::realized)?,
                c::f64s(rows.iter().map(conversion)),
                c::ts(rows.iter().map(|r| r.last_fill_ts)),
                c::money(rows.iter().map(|r| r.settled_pnl.map(Money)))?,
            ],
        )
    }
}
