//! The `orders` table: one row per client order id, from its `PlaceOrder` to its last
//! known state (acks, fills, cancels, rejects, status reports); partitioned by the
//! date it was placed and its venue.

use super::collect::{MarketInfo, OrderRow};
use super::columns::{self as c, field};
use super::market_data::market_name;
use super::writer::Table;
use crate::event::TimeInForce;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use std::sync::{Arc, LazyLock};

pub struct Orders;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        field("client_order_id", DataType::Utf8, false),
        field("opportunity", DataType::UInt64, false),
        field("leg", DataType::UInt8, false),
        field("attempt", DataType::UInt8, false),
        field("lane", DataType::Utf8, true),
        field("market", DataType::Utf8, false),
        field("event_id", DataType::Utf8, true),
        field("outcome", DataType::Utf8, false),
        field("side", DataType::Utf8, false),
        field("price", c::PRICE, false),
        field("qty", c::QTY, false),
        field("tif", DataType::Utf8, false),
        field("expires_ts", c::ts_type(), true),
        field("placed_ts", c::ts_type(), false),
        field("placed_seq", DataType::UInt64, false),
        field("acked_ts", c::ts_type(), true),
        field("venue_order_id", DataType::Utf8, true),
        field("status", DataType::Utf8, false),
        field("filled_qty", c::QTY, false),
        field("filled_cost", c::MONEY, false),
        field("fees", c::MONEY, false),
        field("first_fill_ts", c::ts_type(), true),
        field("closed_ts", c::ts_type(), true),
        field("canceled_qty", c::QTY, true),
        field("reject_reason", DataType::Utf8, true),
    ]))
});

fn tif(t: TimeInForce) -> (&'static str, Option<i64>) {
    match t {
        TimeInForce::ImmediateOrCancel => ("ioc", None),
        TimeInForce::GoodTillCanceled => ("gtc", None),
        TimeInForce::GoodTillTime { expires_ns } => ("gtt", Some(expires_ns)),
    }
}

impl Table for Orders {
    type Row = OrderRow;
    const NAME: &'static str = "orders";

    fn schema() -> SchemaRef {
        SCHEMA.clone()
    }

    fn batch(rows: &[OrderRow], markets: &[MarketInfo]) -> Result<RecordBatch, ArrowError> {
        let ids: Vec<String> = rows.iter().map(|r| r.place.id.to_string()).collect();
        let names: Vec<String> = rows
            .iter()
            .map(|r| market_name(markets, r.place.market))
            .collect();
        let event = |r: &OrderRow| {
            markets
                .get(r.place.market.index())
                .map(|m| m.event_id.as_str())
        };
        RecordBatch::try_new(
            SCHEMA.clone(),
            vec![
                c::string(ids.iter().map(|s| Some(s.as_str()))),
                c::u64s(rows.iter().map(|r| Some(r.place.id.opportunity))),
                c::u8s(rows.iter().map(|r| Some(r.place.id.leg))),
                c::u8s(rows.iter().map(|r| Some(r.place.id.attempt))),
                c::string(rows.iter().map(|r| r.lane.map(|l| l.name()))),
                c::string(names.iter().map(|s| Some(s.as_str()))),
                c::string(rows.iter().map(event)),
                c::string(rows.iter().map(|r| Some(c::outcome(r.place.outcome)))),
                c::string(rows.iter().map(|r| Some(c::order_side(r.place.side)))),
                c::price(rows.iter().map(|r| Some(r.place.price)))?,
                c::qty(rows.iter().map(|r| Some(r.place.qty)))?,
                c::string(rows.iter().map(|r| Some(tif(r.place.tif).0))),
                c::ts(rows.iter().map(|r| tif(r.place.tif).1)),
                c::ts(rows.iter().map(|r| Some(r.placed_ts))),
                c::u64s(rows.iter().map(|r| Some(r.placed_seq))),
                c::ts(rows.iter().map(|r| r.acked_ts)),
                c::string(rows.iter().map(|r| r.venue_order_id.as_deref())),
                c::string(rows.iter().map(|r| Some(r.status))),
                c::qty(rows.iter().map(|r| Some(r.filled)))?,
                c::money(rows.iter().map(|r| Some(r.filled_cost)))?,
                c::money(rows.iter().map(|r| Some(r.fees)))?,
                c::ts(rows.iter().map(|r| r.first_fill_ts)),
                c::ts(rows.iter().map(|r| r.closed_ts)),
                c::qty(rows.iter().map(|r| r.canceled_qty))?,
                c::string(rows.iter().map(|r| r.reject_reason.as_deref())),
            ],
        )
    }
}
