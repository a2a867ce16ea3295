//! Plain value types every layer shares: fixed-point money, prices and quantities,
//! venue and market identifiers, event time, and the seeded random generator.

pub mod fixed;
pub mod ids;
pub mod rng;

pub use fixed::{DecimalError, Money, Price, Qty};
pub use ids::{ClientOrderId, MarketId, Outcome, Venue};
pub use rng::Rng;

/// Event time: nanoseconds since the Unix epoch, as stamped on receipt (or by a
/// simulator's clock). The reducer never reads a clock; it only sees these.
pub type TsNanos = i64;

pub const NANOS_PER_MS: i64 = 1_000_000;
pub const NANOS_PER_SEC: i64 = 1_000_000_000;
