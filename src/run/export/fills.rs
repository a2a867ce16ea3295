//! The `fills` table: one row per `Fill` and `FillReversed` event (a reversal has
//! `reversed = true` and the quantity it takes back), with the order's limit price and
//! whether the reducer refused the fill; partitioned by date and venue.

use super::collect::{FillRow, MarketInfo};
use super::columns::{self as c, field};
use super::market_data::market_name;
use super::writer::Table;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use std::sync::{Arc, LazyLock};

pub struct Fills;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        field("seq", DataType::UInt64, false),
        field("ts", c::ts_type(), false),
        field("client_order_id", DataType::Utf8, false),
        field("opportunity", DataType::UInt64, false),
        field("leg", DataType::UInt8, false),
        field("market", DataType::Utf8, false),
        field("event_id", DataType::Utf8, true),
        field("outcome", DataType::Utf8, false),
        field("price", c::PRICE, false),
        field("qty", c::QTY, false),
        field("fee", c::MONEY, false),
        field("maker", DataType::Boolean, false),
        field("limit_price", c::PRICE, true),
        field("reversed", DataType::Boolean, false),
        field("rejected", DataType::Boolean, false),
    ]))
});

impl Table for Fills {
    type Row = FillRow;
    const NAME: &'static str = "fills";

    fn schema() -> SchemaRef {
        SCHEMA.clone()
    }

    fn batch(rows: &[FillRow], markets: &[MarketInfo]) -> Result<RecordBatch, ArrowError> {
        let ids: Vec<String> = rows.iter().map(|r| r.fill.id.to_string()).collect();
        let names: Vec<String> = rows
            .iter()
            .map(|r| market_name(markets, r.fill.market))
            .collect();
        let event = |r: &FillRow| {
            markets
                .get(r.fill.market.index())
                .map(|m| m.event_id.as_str())
        };
        RecordBatch::try_new(
            SCHEMA.clone(),
            vec![
                c::u64s(rows.iter().map(|r| Some(r.seq))),
                c::ts(rows.iter().map(|r| Some(r.ts))),
                c::string(ids.iter().map(|s| Some(s.as_str()))),
                c::u64s(rows.iter().map(|r| Some(r.fill.id.opportunity))),
                c::u8s(rows.iter().map(|r| Some(r.fill.id.leg))),
                c::string(names.iter().map(|s| Some(s.as_str()))),
                c::string(rows.iter().map(event)),
                c::string(rows.iter().map(|r| Some(c::outcome(r.fill.outcome)))),
                c::price(rows.iter().map(|r| Some(r.fill.price)))?,
                c::qty(rows.iter().map(|r| Some(r.fill.qty)))?,
                c::money(rows.iter().map(|r| Some(r.fill.fee)))?,
                c::bools(rows.iter().map(|r| Some(r.fill.maker))),
                c::price(rows.iter().map(|r| r.limit))?,
                c::bools(rows.iter().map(|r| Some(r.reversed))),
                c::bools(rows.iter().map(|r| Some(r.rejected))),
            ],
        )
    }
}
