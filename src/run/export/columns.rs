//! Arrow field and column helpers shared by the tables: timestamps (ns, UTC), prices
//! as `Decimal128(9, 4)`, quantities and money as `Decimal128(18, 6)` (the engine's
//! fixed-point integers, exactly), strings, integers, booleans.

use crate::core::{Money, Price, Qty};
use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, StringArray, TimestampNanosecondArray,
    UInt8Array, UInt32Array, UInt64Array,
};
use arrow_schema::{ArrowError, DataType, Field, TimeUnit};
use std::sync::Arc;

pub const PRICE: DataType = DataType::Decimal128(9, 4);
pub const QTY: DataType = DataType::Decimal128(18, 6);
pub const MONEY: DataType = DataType::Decimal128(18, 6);

pub fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// A field; `null` says whether it may be empty.
pub fn field(name: &str, ty: DataType, null: bool) -> Field {
    Field::new(name, ty, null)
}

pub fn ts(v: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(TimestampNanosecondArray::from_iter(v).with_timezone("UTC"))
}

fn decimal(
    v: impl IntoIterator<Item = Option<i64>>,
    ty: &DataType,
) -> Result<ArrayRef, ArrowError> {
    let DataType::Decimal128(p, s) = ty else {
        unreachable!("decimal columns are Decimal128")
    };
    let a = Decimal128Array::from_iter(v.into_iter().map(|x| x.map(i128::from)))
        .with_precision_and_scale(*p, *s)?;
    Ok(Arc::new(a))
}

pub fn price(v: impl IntoIterator<Item = Option<Price>>) -> Result<ArrayRef, ArrowError> {
    decimal(v.into_iter().map(|p| p.map(|p| i64::from(p.0))), &PRICE)
}

pub fn qty(v: impl IntoIterator<Item = Option<Qty>>) -> Result<ArrayRef, ArrowError> {
    decimal(v.into_iter().map(|q| q.map(|q| q.0)), &QTY)
}

pub fn money(v: impl IntoIterator<Item = Option<Money>>) -> Result<ArrayRef, ArrowError> {
    decimal(v.into_iter().map(|m| m.map(|m| m.0)), &MONEY)
}

pub fn string<'a>(v: impl IntoIterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(v))
}

pub fn u64s(v: impl IntoIterator<Item = Option<u64>>) -> ArrayRef {
    Arc::new(UInt64Array::from_iter(v))
}

pub fn u32s(v: impl IntoIterator<Item = Option<u32>>) -> ArrayRef {
    Arc::new(UInt32Array::from_iter(v))
}

pub fn u8s(v: impl IntoIterator<Item = Option<u8>>) -> ArrayRef {
    Arc::new(UInt8Array::from_iter(v))
}

pub fn bools(v: impl IntoIterator<Item = Option<bool>>) -> ArrayRef {
    Arc::new(BooleanArray::from_iter(v))
}

pub fn f64s(v: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(v))
}

/// `yes` / `no`.
pub fn order_side(s: crate::event::OrderSide) -> &'static str {
    match s {
        crate::event::OrderSide::Buy => "buy",
        crate::event::OrderSide::Sell => "sell",
    }
}

pub fn outcome(o: crate::core::Outcome) -> &'static str {
    match o {
        crate::core::Outcome::Yes => "yes",
        crate::core::Outcome::No => "no",
    }
}

/// `bid` / `ask`.
pub fn side(s: crate::event::BookSide) -> &'static str {
    match s {
        crate::event::BookSide::Bid => "bid",
        crate::event::BookSide::Ask => "ask",
    }
}

/// Days since 1970-01-01 of a ns timestamp (UTC), and that day as `YYYY-MM-DD`.
pub fn day(ts_ns: i64) -> i64 {
    ts_ns.div_euclid(86_400 * 1_000_000_000)
}

pub fn date_string(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc_days() {
        assert_eq!(date_string(0), "1970-01-01");
        assert_eq!(date_string(day(1_764_000_000_000_000_000)), "2025-11-24");
        assert_eq!(date_string(day(-1)), "1969-12-31");
        assert_eq!(date_string(day(951_782_400 * 1_000_000_000)), "2000-02-29");
    }
}
