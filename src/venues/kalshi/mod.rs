//! Kalshi: WebSocket market-data wire types and their mapping to events.

pub mod mapping;
pub mod wire;

pub use mapping::{KalshiState, default_meta, map_message};
