//! Kalshi: WebSocket market-data wire types and their mapping to events, and request
//! signing.

pub mod auth;
pub mod mapping;
pub mod wire;

pub use mapping::{KalshiState, default_meta, map_message};
