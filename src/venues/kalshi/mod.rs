//! Kalshi: WebSocket and REST wire types, their mapping to events, request signing, and
//! the REST and WebSocket clients.

pub mod auth;
pub mod mapping;
pub mod rest;
pub mod rest_wire;
pub mod wire;
pub mod ws;

pub use mapping::{KalshiState, default_meta, map_message};
