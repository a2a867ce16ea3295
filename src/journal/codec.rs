//! Payload encoding: bincode 1.3.3, fixed-width little-endian integers, no trailing
//! bytes allowed. Changing these options is a journal format change.

use crate::event::{Decision, Event};
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
    options().serialize_into(out, event).map_err(|e| e.to_string())
}

pub fn encode_decision(decision: &Decision, out: &mut Vec<u8>) -> Result<(), String> {
    options().serialize_into(out, decision).map_err(|e| e.to_string())
}

pub fn decode_event(payload: &[u8]) -> Result<Event, String> {
    options().deserialize(payload).map_err(|e| e.to_string())
}

pub fn decode_decision(payload: &[u8]) -> Result<Decision, String> {
    options().deserialize(payload).map_err(|e| e.to_string())
}
