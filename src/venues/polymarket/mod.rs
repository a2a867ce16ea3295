//! Polymarket: CLOB and Gamma wire types and their mapping to events, auth, REST and WebSocket clients.
//!
//! Authentication is L1/L2 headers and EIP-712 order signing.

pub mod auth;
pub mod eth;
pub mod gamma_wire;
pub mod mapping;
pub mod rest;
pub mod rest_wire;
pub mod wire;
pub mod ws;

pub use mapping::{PolymarketState, default_meta, map_message};
