//! Identifiers: venues, interned markets, outcomes and deterministic client order ids.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A trading venue. New venues are appended (the journal stores the variant index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Venue {
    Kalshi,
    Polymarket,
}

impl Venue {
    pub const ALL: [Venue; 2] = [Venue::Kalshi, Venue::Polymarket];

    pub fn name(self) -> &'static str {
        match self {
            Venue::Kalshi => "kalshi",
            Venue::Polymarket => "polymarket",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Venue {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "kalshi" => Ok(Venue::Kalshi),
            "polymarket" => Ok(Venue::Polymarket),
            other => Err(format!(
                "unknown venue {other:?} (expected kalshi or polymarket)"
            )),
        }
    }
}

/// A market interned by the journal: a `MarketDefined` event binds the index to a
/// venue and the venue's own id (Kalshi ticker, Polymarket token id). Indexes are dense
/// and assigned in order, so the reducer can keep markets in a `Vec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MarketId(pub u32);

impl MarketId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The two outcomes of a binary contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Yes,
    No,
}

impl Outcome {
    pub fn other(self) -> Outcome {
        match self {
            Outcome::Yes => Outcome::No,
            Outcome::No => Outcome::Yes,
        }
    }
}

/// Client order id derived from the opportunity, the leg and the attempt, so that a
/// retried or recovered order carries the same id and is never placed twice.
/// Rendered at the venue boundary as `arb-<opportunity>-<leg>-<attempt>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClientOrderId {
    pub opportunity: u64,
    pub leg: u8,
    pub attempt: u8,
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arb-{}-{}-{}", self.opportunity, self.leg, self.attempt)
    }
}

impl FromStr for ClientOrderId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("not an arb client order id: {s:?}");
        let rest = s.strip_prefix("arb-").ok_or_else(bad)?;
        let mut parts = rest.split('-');
        let (Some(o), Some(l), Some(a), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(ClientOrderId {
            opportunity: o.parse().map_err(|_| bad())?,
            leg: l.parse().map_err(|_| bad())?,
            attempt: a.parse().map_err(|_| bad())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_order_id_round_trips_and_rejects_foreign_ids() {
        let id = ClientOrderId {
            opportunity: 42,
            leg: 1,
            attempt: 0,
        };
        assert_eq!(id.to_string(), "arb-42-1-0");
        assert_eq!("arb-42-1-0".parse::<ClientOrderId>(), Ok(id));
        for bad in [
            "my-order-1",
            "arb-1-2",
            "arb-1-2-3-4",
            "arb-x-1-0",
            "arb-1-300-0",
        ] {
            assert!(bad.parse::<ClientOrderId>().is_err(), "{bad}");
        }
    }
}
