//! Polymarket: CLOB market-channel wire types and their mapping to events, and CLOB
//! authentication (L1/L2 headers, EIP-712 order signing).

pub mod auth;
pub mod eth;
pub mod mapping;
pub mod wire;

pub use mapping::{PolymarketState, default_meta, map_message};
