//! Fixed-point price, quantity and money with explicit scales and checked arithmetic.
//!
//! Prices of binary contracts lie in [0, 1] dollar: `Price` counts ten-thousandths of a
//! dollar (Kalshi's sub-penny `*_dollars` and Polymarket's 0.0001 tick both fit).
//! `Qty` counts millionths of a contract (Kalshi `*_fp` has 2 decimals, Polymarket
//! sizes up to 6). `Money` counts micro-dollars (USDC's own unit).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Price in 1e-4 dollars; valid range 0..=10_000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Price(pub u16);

/// Quantity in 1e-6 contracts. Signed so that book deltas can carry a decrease.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Qty(pub i64);

/// Money in 1e-6 dollars.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Money(pub i64);

impl Price {
    pub const SCALE: i64 = 10_000;
    pub const ONE: Price = Price(10_000);
    pub const ZERO: Price = Price(0);

    /// The price of the other outcome: 1 − p.
    pub fn complement(self) -> Price {
        Price(10_000 - self.0)
    }

    pub fn from_decimal(s: &str) -> Result<Price, DecimalError> {
        let raw = parse_decimal(s, 4)?;
        if !(0..=Self::SCALE).contains(&raw) {
            return Err(DecimalError::OutOfRange(s.to_string()));
        }
        Ok(Price(raw as u16))
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }
}

impl Qty {
    pub const SCALE: i64 = 1_000_000;
    pub const ZERO: Qty = Qty(0);

    pub fn contracts(n: i64) -> Qty {
        Qty(n * Self::SCALE)
    }

    pub fn from_decimal(s: &str) -> Result<Qty, DecimalError> {
        parse_decimal(s, 6).map(Qty)
    }

    /// Whole contracts, rounded toward zero.
    pub fn whole(self) -> Qty {
        Qty(self.0 / Self::SCALE * Self::SCALE)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn min(self, other: Qty) -> Qty {
        if self <= other { self } else { other }
    }
}

impl Money {
    pub const SCALE: i64 = 1_000_000;
    pub const ZERO: Money = Money(0);

    pub fn dollars(n: i64) -> Money {
        Money(n * Self::SCALE)
    }

    pub fn from_decimal(s: &str) -> Result<Money, DecimalError> {
        parse_decimal(s, 6).map(Money)
    }

    pub fn checked_add(self, o: Money) -> Option<Money> {
        self.0.checked_add(o.0).map(Money)
    }

    pub fn checked_sub(self, o: Money) -> Option<Money> {
        self.0.checked_sub(o.0).map(Money)
    }
}

/// Cost of `qty` contracts at `price`, rounded up to the micro-dollar (a buyer's
/// conservative view). `None` on overflow.
pub fn notional_ceil(price: Price, qty: Qty) -> Option<Money> {
    let num = i128::from(price.0).checked_mul(i128::from(qty.0))?;
    let scale = i128::from(Price::SCALE);
    let q = num.div_euclid(scale) + i128::from(num.rem_euclid(scale) != 0);
    i64::try_from(q).ok().map(Money)
}

/// Value of `qty` contracts at `price`, rounded down to the micro-dollar.
pub fn notional_floor(price: Price, qty: Qty) -> Option<Money> {
    let num = i128::from(price.0).checked_mul(i128::from(qty.0))?;
    i64::try_from(num.div_euclid(i128::from(Price::SCALE)))
        .ok()
        .map(Money)
}

/// Why a decimal string could not become a fixed-point value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("not a decimal number: {0:?}")]
    Syntax(String),
    #[error("{0:?} has more than {1} decimal places")]
    Precision(String, u32),
    #[error("{0:?} is out of range")]
    OutOfRange(String),
}

/// Parses a plain decimal ("0.96", ".48", "-54.00", "1000") into an integer scaled by
/// 10^scale. Extra fractional digits are an error unless they are zeros: silently
/// rounding a price would change what the venue said.
pub fn parse_decimal(s: &str, scale: u32) -> Result<i64, DecimalError> {
    let syntax = || DecimalError::Syntax(s.to_string());
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(syntax());
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(syntax());
    }
    let range = || DecimalError::OutOfRange(s.to_string());
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(range)?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..scale as usize {
        let digit = frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit))
            .ok_or_else(range)?;
    }
    if frac.len() > scale as usize && frac[scale as usize..].iter().any(|&b| b != b'0') {
        return Err(DecimalError::Precision(s.to_string(), scale));
    }
    Ok(if neg { -value } else { value })
}

/// Formats `raw / 10^scale` with at least `min_frac` and at most `scale` fractional
/// digits (trailing zeros beyond `min_frac` trimmed).
pub fn format_decimal(raw: i64, scale: u32, min_frac: u32) -> String {
    let unit = 10_i64.pow(scale);
    let sign = if raw < 0 { "-" } else { "" };
    let abs = raw.unsigned_abs();
    let int = abs / unit as u64;
    let frac = abs % unit as u64;
    let mut frac_s = format!("{frac:0width$}", width = scale as usize);
    while frac_s.len() > min_frac as usize && frac_s.ends_with('0') {
        frac_s.pop();
    }
    if frac_s.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac_s}")
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_decimal(i64::from(self.0), 4, 4))
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_decimal(self.0, 6, 2))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_decimal(self.0, 6, 2))
    }
}

/// Plain arithmetic for tests' expected values; product code uses the checked forms.
#[cfg(test)]
mod test_ops {
    use super::Money;

    impl std::ops::Add for Money {
        type Output = Money;
        fn add(self, o: Money) -> Money {
            Money(self.0 + o.0)
        }
    }

    impl std::ops::Sub for Money {
        type Output = Money;
        fn sub(self, o: Money) -> Money {
            Money(self.0 - o.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_venue_spellings() {
        assert_eq!(Price::from_decimal("0.9600"), Ok(Price(9600)));
        assert_eq!(Price::from_decimal(".48"), Ok(Price(4800)));
        assert_eq!(Price::from_decimal("1"), Ok(Price(10_000)));
        assert_eq!(Qty::from_decimal("-54.00"), Ok(Qty(-54_000_000)));
        assert_eq!(Qty::from_decimal("3149725.72"), Ok(Qty(3_149_725_720_000)));
        assert_eq!(Money::from_decimal("0.010000"), Ok(Money(10_000)));
    }

    #[test]
    fn rejects_bad_decimals_with_the_text() {
        assert!(
            matches!(Price::from_decimal("1.5"), Err(DecimalError::OutOfRange(s)) if s == "1.5")
        );
        assert!(matches!(
            Price::from_decimal("-0.1"),
            Err(DecimalError::OutOfRange(_))
        ));
        assert!(matches!(
            Price::from_decimal("0.12345"),
            Err(DecimalError::Precision(_, 4))
        ));
        assert_eq!(Price::from_decimal("0.12340"), Ok(Price(1234)));
        for bad in ["", ".", "abc", "1.2.3", "1e5", " 1", "--1", "0x10"] {
            assert!(
                matches!(Price::from_decimal(bad), Err(DecimalError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Qty::from_decimal("99999999999999999999"),
            Err(DecimalError::OutOfRange(_))
        ));
    }

    #[test]
    fn notional_rounds_in_the_stated_direction() {
        // 3 micro-contracts at 0.3333 = 0.9999 micro-dollars.
        assert_eq!(notional_ceil(Price(3333), Qty(3)), Some(Money(1)));
        assert_eq!(notional_floor(Price(3333), Qty(3)), Some(Money(0)));
        assert_eq!(
            notional_ceil(Price(4200), Qty::contracts(10)),
            Some(Money(4_200_000))
        );
    }

    #[test]
    fn formats_like_the_venues() {
        assert_eq!(Price(9600).to_string(), "0.9600");
        assert_eq!(Qty(300_000_000).to_string(), "300.00");
        assert_eq!(Qty(219_217_767).to_string(), "219.217767");
        assert_eq!(Money(-1_500_000).to_string(), "-1.50");
    }

    proptest! {
        #[test]
        fn decimal_round_trip(raw in -1_000_000_000_000i64..1_000_000_000_000) {
            let s = format_decimal(raw, 6, 0);
            prop_assert_eq!(parse_decimal(&s, 6), Ok(raw));
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,24}") {
            let _ = parse_decimal(&s, 4);
        }
    }
}
