//! Trading fees per venue, in integers, rounded up (a cost is never underestimated).

mod kalshi;
mod polymarket;

pub use kalshi::kalshi_fee;
pub use polymarket::polymarket_fee;

use crate::core::{Money, Price, Qty};
use crate::event::FeeModel;

/// Fee for buying `qty` at `price` under `model`, as taker or maker. `None` if the
/// arithmetic overflows (treated as untradeable by callers).
pub fn fee(model: FeeModel, price: Price, qty: Qty, maker: bool) -> Option<Money> {
    match model {
        FeeModel::Kalshi { multiplier_bp } => kalshi_fee(price, qty, multiplier_bp, maker),
        FeeModel::Polymarket {
            rate_ppm,
            exponent,
            taker_only,
        } => {
            if maker && taker_only {
                Some(Money::ZERO)
            } else {
                polymarket_fee(price, qty, rate_ppm, exponent)
            }
        }
        FeeModel::Free => Some(Money::ZERO),
    }
}

/// ceil(n / d) for positive d.
pub(crate) fn div_ceil_i128(n: i128, d: i128) -> i128 {
    n.div_euclid(d) + i128::from(n.rem_euclid(d) != 0)
}
