//! Kalshi fees: taker 0.07·C·P·(1−P), maker 0.0175·C·P·(1−P), scaled by the series fee
//! multiplier, rounded up to $0.0001 (the venue's current rounding; the older schedule
//! rounded up to the cent).

use super::div_ceil_i128;
use crate::core::{Money, Price, Qty};

/// Rates in basis points of a dollar-fraction: 0.07 and 0.0175.
const TAKER_RATE_BP: i128 = 700;
const MAKER_RATE_BP: i128 = 175;
/// The rounding unit, $0.0001, in micro-dollars.
const ROUNDING_MICROS: i128 = 100;

pub fn kalshi_fee(price: Price, qty: Qty, multiplier_bp: u32, maker: bool) -> Option<Money> {
    let rate = if maker { MAKER_RATE_BP } else { TAKER_RATE_BP };
    let p = i128::from(price.0);
    let one = i128::from(Price::SCALE);
    // Dollars = rate/1e4 · q/1e6 · p/1e4 · (1e4−p)/1e4 · mult/1e4: a 1e22 denominator.
    // In $0.0001 units the denominator is 1e18.
    let n = rate
        .checked_mul(i128::from(qty.0))?
        .checked_mul(p)?
        .checked_mul(one - p)?
        .checked_mul(i128::from(multiplier_bp))?;
    let units = div_ceil_i128(n, 1_000_000_000_000_000_000);
    i64::try_from(units * ROUNDING_MICROS).ok().map(Money)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(p: &str, c: i64, mult_bp: u32, maker: bool) -> Money {
        kalshi_fee(
            Price::from_decimal(p).unwrap(),
            Qty::contracts(c),
            mult_bp,
            maker,
        )
        .unwrap()
    }

    #[test]
    fn taker_fee_rounds_up_to_a_hundredth_of_a_cent() {
        // 0.07 · 100 · 0.5 · 0.5 = 1.75 exactly.
        assert_eq!(
            fee("0.50", 100, 10_000, false),
            Money::from_decimal("1.75").unwrap()
        );
        // 0.07 · 84 · 0.49 · 0.51 = 1.469412 -> 1.4695.
        assert_eq!(
            fee("0.49", 84, 10_000, false),
            Money::from_decimal("1.4695").unwrap()
        );
        // 0.07 · 1 · 0.01 · 0.99 = 0.000693 -> 0.0007.
        assert_eq!(
            fee("0.01", 1, 10_000, false),
            Money::from_decimal("0.0007").unwrap()
        );
    }

    #[test]
    fn maker_rate_and_multiplier_scale_it() {
        // 0.0175 · 100 · 0.25 = 0.4375.
        assert_eq!(
            fee("0.50", 100, 10_000, true),
            Money::from_decimal("0.4375").unwrap()
        );
        // Half multiplier: 0.875.
        assert_eq!(
            fee("0.50", 100, 5_000, false),
            Money::from_decimal("0.875").unwrap()
        );
        assert_eq!(fee("0.50", 100, 0, false), Money::ZERO);
    }

    #[test]
    fn no_fee_at_the_price_bounds_and_none_on_overflow() {
        assert_eq!(fee("1", 10, 10_000, false), Money::ZERO);
        assert_eq!(fee("0", 10, 10_000, false), Money::ZERO);
        assert_eq!(
            kalshi_fee(Price(5000), Qty(i64::MAX), u32::MAX, false),
            None
        );
    }
}
