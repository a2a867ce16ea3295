//! The quote sanity firewall: before any lane reads a book, the book must pass. A book
//! update is judged once, when it arrives: crossed or locked, a best price outside the
//! configured range, a best size out of range, a micro-price artifact (a lone best
//! level of tiny size far from the next level of its side), or a mid that jumped
//! beyond the bound since the previous update with no trade on the market in between
//! (a snapshot re-bases the mid: after a reconnect the book may have moved). A lane
//! then checks every book it reads: the last verdict, and the book's age in event
//! time. Each refusal is counted; `BookRejected` is journaled when a market's verdict
//! turns to a reason, and the lane's `LaneSkipped` likewise. With the firewall off (a
//! journal that loads none) nothing is checked and nothing is journaled.

use super::markets::{MarketState, Markets};
use crate::config::FirewallConfig;
use crate::core::MarketId;
use crate::event::{BookSide, SkipReason};
use serde::{Deserialize, Serialize};

/// What the firewall remembers about one market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The mid (1e-4 dollars, doubled to stay whole) at the last update judged.
    pub mid2: Option<u32>,
    /// A trade on the market since the last update judged.
    pub traded: bool,
    /// The last update's refusal, if it was refused.
    pub verdict: Option<SkipReason>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallState {
    pub config: FirewallConfig,
    /// Per market, by id.
    pub marks: Vec<Mark>,
}

impl Default for FirewallState {
    fn default() -> Self {
        FirewallState {
            config: FirewallConfig::OFF,
            marks: Vec::new(),
        }
    }
}

fn mid2(m: &MarketState) -> Option<u32> {
    let (b, a) = (m.book.best_bid()?, m.book.best_ask()?);
    Some(u32::from(b.price.0) + u32::from(a.price.0))
}

impl FirewallState {
    pub fn on_market(&mut self, count: usize) {
        if self.marks.len() < count {
            self.marks.resize(count, Mark::default());
        }
    }

    pub fn on_trade(&mut self, market: MarketId) {
        if let Some(m) = self.marks.get_mut(market.index()) {
            m.traded = true;
        }
    }

    /// Judges a market's book after an update (`snapshot`: a full book). Returns the
    /// verdict and the one before it.
    pub fn judge(
        &mut self,
        id: MarketId,
        m: &MarketState,
        snapshot: bool,
    ) -> (Option<SkipReason>, Option<SkipReason>) {
        let c = self.config;
        let Some(mark) = self.marks.get_mut(id.index()) else {
            return (None, None);
        };
        let before = mark.verdict;
        if !c.enabled {
            return (None, before);
        }
        let verdict = static_check(&c, m).or_else(|| {
            let now = mid2(m);
            let jumped = match (mark.mid2, now) {
                (Some(a), Some(b)) if !snapshot && !mark.traded && c.max_jump.0 > 0 => {
                    a.abs_diff(b) > 2 * u32::from(c.max_jump.0)
                }
                _ => false,
            };
            mark.mid2 = now;
            mark.traded = false;
            jumped.then_some(SkipReason::JumpWithoutTrade)
        });
        mark.verdict = verdict;
        (verdict, before)
    }

    /// Why a lane may not read market `id` at event time `now`, if it may not.
    pub fn check(&self, markets: &Markets, id: MarketId, now: i64) -> Result<(), SkipReason> {
        if !self.config.enabled {
            return Ok(());
        }
        if let Some(r) = self.marks.get(id.index()).and_then(|m| m.verdict) {
            return Err(r);
        }
        let max_age = i64::from(self.config.max_book_age_ms) * 1_000_000;
        match markets.get(id) {
            Some(m) if max_age > 0 && m.updated_ts > 0 && now - markets.vouched_ts(m) > max_age => {
                Err(SkipReason::StaleBook)
            }
            _ => Ok(()),
        }
    }
}

/// The checks that look at the book alone.
fn static_check(c: &FirewallConfig, m: &MarketState) -> Option<SkipReason> {
    if m.book.is_crossed() {
        return Some(SkipReason::CrossedBook);
    }
    for side in [BookSide::Bid, BookSide::Ask] {
        let mut levels = m.book.levels(side);
        let Some(best) = levels.next() else {
            continue;
        };
        if best.price < c.min_price || best.price > c.max_price {
            return Some(SkipReason::PriceOutOfRange);
        }
        if best.qty.0 <= 0 || (c.max_level_qty.0 > 0 && best.qty > c.max_level_qty) {
            return Some(SkipReason::SizeOutOfRange);
        }
        if c.micro_gap.0 > 0
            && best.qty <= c.micro_max_qty
            && levels
                .next()
                .is_some_and(|next| best.price.0.abs_diff(next.price.0) > c.micro_gap.0)
        {
            return Some(SkipReason::MicroPrice);
        }
    }
    None
}
