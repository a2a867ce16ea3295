//! Open orders and the episodes (one per traded opportunity) they belong to.

use crate::core::{ClientOrderId, Money, Qty, Venue};
use crate::event::PlaceOrder;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenOrder {
    pub order: PlaceOrder,
    pub venue: Venue,
    pub venue_order_id: Option<String>,
    pub filled: Qty,
    /// Cash still reserved for the unfilled remainder.
    pub reserved: Money,
}

impl OpenOrder {
    pub fn remaining(&self) -> Qty {
        Qty(self.order.qty.0 - self.filled.0)
    }
}

/// The legs of one traded opportunity, tracked until every leg is terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Episode {
    /// Per leg: filled quantity and whether the order is terminal.
    pub legs: Vec<(ClientOrderId, Qty, bool)>,
}

impl Episode {
    pub fn is_done(&self) -> bool {
        self.legs.iter().all(|l| l.2)
    }

    /// Contracts bought on some leg but not covered by every other leg.
    pub fn exposed(&self) -> Qty {
        let max = self.legs.iter().map(|l| l.1.0).max().unwrap_or(0);
        let min = self.legs.iter().map(|l| l.1.0).min().unwrap_or(0);
        Qty(max - min)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Orders {
    pub open: BTreeMap<ClientOrderId, OpenOrder>,
    pub episodes: BTreeMap<u64, Episode>,
}
