//! The public view of a market's book: scenario liquidity plus resting orders, per level.

use super::Exchange;
use crate::event::BookSide;
use std::collections::BTreeMap;

/// (bids, asks) of a market as price -> total quantity (1e-6 contracts).
pub fn public_levels(ex: &Exchange, market: usize) -> (BTreeMap<u16, i64>, BTreeMap<u16, i64>) {
    let mut out = (BTreeMap::new(), BTreeMap::new());
    let Some(m) = ex.markets.get(market) else {
        return out;
    };
    for (side, map, resting) in [
        (BookSide::Bid, &mut out.0, &m.resting_bids),
        (BookSide::Ask, &mut out.1, &m.resting_asks),
    ] {
        for l in m.liquidity.levels(side) {
            *map.entry(l.price.0).or_insert(0) += l.qty.0;
        }
        for (&p, ids) in resting {
            let q: i64 = ids
                .iter()
                .filter_map(|i| ex.orders.get(i))
                .map(|o| o.remaining().0)
                .sum();
            if q > 0 {
                *map.entry(p).or_insert(0) += q;
            }
        }
    }
    out
}
