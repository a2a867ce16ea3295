//! arb: an event-sourced arbitrage engine for prediction markets.
//!
//! ingress (`venues`) -> `journal` -> reducer (`engine`) -> egress (`run` drivers).
//! Every input and decision is journaled; every driver feeds the same reducer.
// The determinism lists in clippy.toml bind the reducer only (`engine` denies them).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod bundle;
pub mod clock;
pub mod config;
pub mod core;
pub mod engine;
pub mod event;
pub mod journal;
pub mod mapping;
pub mod run;
pub mod sim;
pub mod venues;
