//! The wall clock, for the I/O layers only (receive stamps, request signatures,
//! simulator time). The reducer never reads it: its time is the event's timestamp
//! (tools/check-determinism.sh rejects `clock::` under src/engine).

/// Nanoseconds since the Unix epoch (0 if the system clock is before it).
pub fn wall_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Milliseconds since the Unix epoch.
pub fn wall_ms() -> i64 {
    wall_ns() / 1_000_000
}
