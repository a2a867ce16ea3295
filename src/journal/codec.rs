//! Payload encoding: bincode 1.3.3, fixed-width little-endian integers, no trailing
//! bytes allowed. Changing these options is a journal format change.

use crate::core::{MarketId, Price, Qty};
use crate::event::{BookDelta, BookSide, Decision, Event, LevelChange};
use bincode::Options;

use super::format::MAX_PAYLOAD_LEN;

fn options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(u64::from(MAX_PAYLOAD_LEN))
}

pub fn encode_event(event: &Event, out: &mut Vec<u8>) -> Result<(), String> {
    options()
        .serialize_into(out, event)
        .map_err(|e| e.to_string())
}

pub fn encode_decision(decision: &Decision, out: &mut Vec<u8>) -> Result<(), String> {
    // The side is the variant in the journal: a variant that contradicts its order's
    // side would be journaled as the other side.
    match decision {
        Decision::PlaceOrder(o) if o.side != crate::event::OrderSide::Buy => {
            return Err(format!("order {} is a sell under PlaceOrder", o.id));
        }
        Decision::SellOrder(o) if o.side != crate::event::OrderSide::Sell => {
            return Err(format!("order {} is a buy under SellOrder", o.id));
        }
        _ => {}
    }
    options()
        .serialize_into(out, decision)
        .map_err(|e| e.to_string())
}

pub fn decode_event(payload: &[u8]) -> Result<Event, String> {
    if let Some(delta) = decode_book_delta(payload) {
        return Ok(delta);
    }
    options().deserialize(payload).map_err(|e| e.to_string())
}

/// Encoded size of `Event::BookDelta`: tag u32, market u32, venue_seq u64, side u32,
/// price u16, change tag u32, quantity i64.
const BOOK_DELTA_LEN: usize = 34;
const BOOK_DELTA_TAG: u32 = 3;

/// Fast path for the most frequent record (most of a recorded day), decoding exactly
/// the bytes bincode would. Anything unexpected returns `None` and takes the general
/// path, which reports the error.
fn decode_book_delta(p: &[u8]) -> Option<Event> {
    let p: &[u8; BOOK_DELTA_LEN] = p.try_into().ok()?;
    let u32_at = |i: usize| u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
    let u64_at = |i: usize| {
        u64::from_le_bytes([
            p[i],
            p[i + 1],
            p[i + 2],
            p[i + 3],
            p[i + 4],
            p[i + 5],
            p[i + 6],
            p[i + 7],
        ])
    };
    if u32_at(0) != BOOK_DELTA_TAG {
        return None;
    }
    let side = match u32_at(16) {
        0 => BookSide::Bid,
        1 => BookSide::Ask,
        _ => return None,
    };
    let qty = Qty(u64_at(26) as i64);
    let change = match u32_at(22) {
        0 => LevelChange::Add(qty),
        1 => LevelChange::Set(qty),
        _ => return None,
    };
    Some(Event::BookDelta(BookDelta {
        market: MarketId(u32_at(4)),
        venue_seq: u64_at(8),
        side,
        price: Price(u16::from_le_bytes([p[20], p[21]])),
        change,
    }))
}

pub fn decode_decision(payload: &[u8]) -> Result<Decision, String> {
    options().deserialize(payload).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn book_delta_fast_path_matches_bincode(market: u32, seq: u64, bid: bool, price: u16, q: i64, add: bool) {
            let ev = Event::BookDelta(BookDelta {
                market: MarketId(market),
                venue_seq: seq,
                side: if bid { BookSide::Bid } else { BookSide::Ask },
                price: Price(price),
                change: if add { LevelChange::Add(Qty(q)) } else { LevelChange::Set(Qty(q)) },
            });
            let mut bytes = Vec::new();
            encode_event(&ev, &mut bytes).unwrap();
            prop_assert_eq!(bytes.len(), BOOK_DELTA_LEN);
            prop_assert_eq!(decode_book_delta(&bytes), Some(ev.clone()));
            prop_assert_eq!(options().deserialize::<Event>(&bytes).unwrap(), ev);
        }

        #[test]
        fn fast_path_and_bincode_agree_on_any_34_bytes(mut bytes in proptest::collection::vec(any::<u8>(), BOOK_DELTA_LEN), tag_is_delta: bool) {
            if tag_is_delta {
                bytes[..4].copy_from_slice(&BOOK_DELTA_TAG.to_le_bytes());
            }
            let general: Result<Event, _> = options().deserialize(&bytes);
            match decode_book_delta(&bytes) {
                Some(fast) => prop_assert_eq!(Ok(fast), general.map_err(|e| e.to_string())),
                None => prop_assert!(general.is_err() || !matches!(general, Ok(Event::BookDelta(_)))),
            }
        }
    }
}
