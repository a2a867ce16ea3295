//! Polymarket fees, per market from its fee schedule: C·rate·(p(1−p))^exponent,
//! rounded up to $0.0001.

use super::div_ceil_i128;
use crate::core::{Money, Price, Qty};

const ROUNDING_MICROS: i128 = 100;

pub fn polymarket_fee(price: Price, qty: Qty, rate_ppm: u32, exponent: u8) -> Option<Money> {
    let p = i128::from(price.0);
    let pq = p * (i128::from(Price::SCALE) - p); // p(1−p) in 1e-8
    let mut n = i128::from(qty.0).checked_mul(i128::from(rate_ppm))?; // 1e-12 dollars
    // n / (1e12·1e8^e) dollars; in $0.0001 units the denominator is 1e8·1e8^e.
    let mut denom: i128 = 100_000_000;
    for _ in 0..exponent {
        n = n.checked_mul(pq)?;
        denom = denom.checked_mul(100_000_000)?;
    }
    let units = div_ceil_i128(n, denom);
    i64::try_from(units.checked_mul(ROUNDING_MICROS)?)
        .ok()
        .map(Money)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_schedule_formula() {
        // Gamma fixture: rate 0.04, exponent 1. 100 · 0.04 · 0.25 = 1.00.
        let f = polymarket_fee(Price(5000), Qty::contracts(100), 40_000, 1).unwrap();
        assert_eq!(f, Money::dollars(1));
        // Exponent 2: 100 · 0.04 · 0.0625 = 0.25.
        let f = polymarket_fee(Price(5000), Qty::contracts(100), 40_000, 2).unwrap();
        assert_eq!(f, Money::from_decimal("0.25").unwrap());
        // 10 · 0.04 · 0.1·0.9 = 0.036, exactly.
        let f = polymarket_fee(Price(1000), Qty::contracts(10), 40_000, 1).unwrap();
        assert_eq!(f, Money::from_decimal("0.036").unwrap());
        // 1 · 0.04 · 0.001·0.999 = 0.00003996 -> 0.0001.
        let f = polymarket_fee(Price(10), Qty::contracts(1), 40_000, 1).unwrap();
        assert_eq!(f, Money::from_decimal("0.0001").unwrap());
    }

    #[test]
    fn zero_rate_is_free_and_overflow_is_none() {
        assert_eq!(
            polymarket_fee(Price(5000), Qty::contracts(100), 0, 1),
            Some(Money::ZERO)
        );
        assert_eq!(
            polymarket_fee(Price(5000), Qty(i64::MAX), u32::MAX, 9),
            None
        );
    }
}
