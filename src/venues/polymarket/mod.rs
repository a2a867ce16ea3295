//! Polymarket: CLOB market-channel wire types and their mapping to events.

pub mod mapping;
pub mod wire;

pub use mapping::{PolymarketState, default_meta, map_message};
