//! The `market_data` table: one row per book level of a snapshot, per level change
//! (deltas, and each delta of a batch) and per trade; partitioned by date and venue.

use super::collect::{MarketInfo, MdRow};
use super::columns::{self as c, field};
use super::writer::Table;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use std::sync::{Arc, LazyLock};

pub struct MarketData;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        field("seq", DataType::UInt64, false),
        field("idx", DataType::UInt32, false),
        field("ts", c::ts_type(), false),
        field("market", DataType::Utf8, false),
        field("event_id", DataType::Utf8, true),
        field("kind", DataType::Utf8, false),
        field("side", DataType::Utf8, true),
        field("price", c::PRICE, true),
        field("qty", c::QTY, true),
        field("venue_seq", DataType::UInt64, true),
    ]))
});

/// The market's venue id, or `#<id>` for a market the journal never defined.
pub fn market_name(markets: &[MarketInfo], id: crate::core::MarketId) -> String {
    markets
        .get(id.index())
        .map_or_else(|| format!("#{}", id.0), |m| m.venue_id.clone())
}

impl Table for MarketData {
    type Row = MdRow;
    const NAME: &'static str = "market_data";

    fn schema() -> SchemaRef {
        SCHEMA.clone()
    }

    fn batch(rows: &[MdRow], markets: &[MarketInfo]) -> Result<RecordBatch, ArrowError> {
        let info = |r: &MdRow| markets.get(r.market.index());
        let names: Vec<String> = rows
            .iter()
            .map(|r| market_name(markets, r.market))
            .collect();
        RecordBatch::try_new(
            SCHEMA.clone(),
            vec![
                c::u64s(rows.iter().map(|r| Some(r.seq))),
                c::u32s(rows.iter().map(|r| Some(r.idx))),
                c::ts(rows.iter().map(|r| Some(r.ts))),
                c::string(names.iter().map(|n| Some(n.as_str()))),
                c::string(rows.iter().map(|r| info(r).map(|m| m.event_id.as_str()))),
                c::string(rows.iter().map(|r| Some(r.kind))),
                c::string(rows.iter().map(|r| r.side.map(c::side))),
                c::price(rows.iter().map(|r| r.price))?,
                c::qty(rows.iter().map(|r| r.qty))?,
                c::u64s(rows.iter().map(|r| r.venue_seq)),
            ],
        )
    }
}
