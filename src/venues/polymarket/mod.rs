//! Polymarket: CLOB market-channel wire types and their mapping to events, CLOB
//! authentication (L1/L2 headers, EIP-712 order signing), and the CLOB REST and
//! WebSocket clients.

pub mod auth;
pub mod eth;
pub mod mapping;
pub mod rest;
pub mod rest_wire;
pub mod wire;
pub mod ws;

pub use mapping::{PolymarketState, default_meta, map_message};
