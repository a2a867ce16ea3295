//! Fuzzes the journal reader: any bytes as a segment (header, frames, payloads) and any
//! bytes as an event or decision payload. It must return errors, never panic.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run journal_decode` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = arb::journal::verify_segment_bytes(data);
    let _ = arb::journal::decode_event(data);
    let _ = arb::journal::decode_decision(data);
    // Also as frames after a valid header, so the fuzzer reaches the frame checks.
    let mut seg = arb::journal::valid_segment_header(1).to_vec();
    seg.extend_from_slice(data);
    let _ = arb::journal::verify_segment_bytes(&seg);
});
