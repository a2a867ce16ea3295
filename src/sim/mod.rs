//! The simulated venue and the scenario generator. Paper runs trade against it; its
//! fills come only from displayed depth, and everything it does is a function of the
//! scenario and its seed.

pub mod exchange;
pub mod faults;
mod generator;
pub mod lifecycle;
mod rolling;
pub mod scenario;
pub mod server;
pub mod stochastic;
pub mod venue;

pub use scenario::{Scenario, ScenarioError};
pub use venue::SimVenue;
