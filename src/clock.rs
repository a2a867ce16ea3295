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

/// A clock that runs `speed` times faster than the wall clock from `origin_ns` (a wall
/// time, ns since the epoch): at wall time `origin_ns` both read the same. `arb live`
/// and `arb sim` given the same origin and speed share one event time, so that a day
/// of trading passes in minutes against the simulator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventClock {
    pub origin_ns: i64,
    pub speed: f64,
}

impl EventClock {
    /// Event time at wall time `wall_ns`.
    pub fn at(&self, wall_ns: i64) -> i64 {
        let elapsed = (wall_ns - self.origin_ns) as f64 * self.speed;
        self.origin_ns.saturating_add(elapsed as i64)
    }
}

/// The process's event clock; `None`: the wall clock.
static EVENT_CLOCK: std::sync::RwLock<Option<EventClock>> = std::sync::RwLock::new(None);

/// Sets (or with `None` clears) the event clock of this process.
pub fn set_event_clock(clock: Option<EventClock>) {
    if let Ok(mut c) = EVENT_CLOCK.write() {
        *c = clock;
    }
}

/// The event clock in use, if not the wall clock.
pub fn event_clock() -> Option<EventClock> {
    EVENT_CLOCK.read().ok().and_then(|c| *c)
}

/// Event time at wall time `wall_ns`: itself unless an event clock is set.
pub fn event_at(wall_ns: i64) -> i64 {
    match event_clock() {
        Some(c) => c.at(wall_ns),
        None => wall_ns,
    }
}

/// Event time now: what journal records, venue messages and simulator timestamps are
/// stamped with (request signatures keep the wall clock: venues check it).
pub fn event_ns() -> i64 {
    event_at(wall_ns())
}

/// Event time now, in milliseconds.
pub fn event_ms() -> i64 {
    event_ns() / 1_000_000
}

/// `ns` (since the Unix epoch, UTC) as RFC 3339 with nanoseconds:
/// `2026-11-30T00:00:00.000000000Z`.
pub fn rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Parses an RFC 3339 time (`2026-11-30T00:00:00Z`, optional fraction of up to 9
/// digits, `Z` or a `+hh:mm`/`-hh:mm` offset; `t`/`z` and a space for `T` accepted)
/// into nanoseconds since the Unix epoch. None when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(start..i)? * 10i64.pow((9 - digits) as u32);
    }
    let offset_s = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset_s;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod event_clock_tests {
    use super::EventClock;

    #[test]
    fn an_event_clock_agrees_with_the_wall_at_its_origin_and_runs_speed_times_faster() {
        let c = EventClock {
            origin_ns: 1_000_000_000_000,
            speed: 20.0,
        };
        assert_eq!(c.at(c.origin_ns), c.origin_ns);
        assert_eq!(
            c.at(c.origin_ns + 1_000_000_000),
            c.origin_ns + 20_000_000_000
        );
        assert_eq!(
            c.at(c.origin_ns - 1_000),
            c.origin_ns - 20_000,
            "before it too"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_rejects_garbage() {
        let ns = 1_795_996_800_123_456_789; // 2026-11-30T00:00:00.123456789Z
        assert_eq!(rfc3339(ns), "2026-11-30T00:00:00.123456789Z");
        assert_eq!(parse_rfc3339(&rfc3339(ns)), Some(ns));
        assert_eq!(
            parse_rfc3339("2026-11-30T00:00:00Z"),
            Some(1_795_996_800_000_000_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-30T01:00:00+01:00"),
            Some(1_795_996_800_000_000_000)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00.5Z"),
            Some(1_709_164_800_500_000_000)
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        for bad in [
            "",
            "2026-11-30",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-30T00:00:00",
            "2026-11-30T00:00:00.Z",
            "2026-11-30T24:00:00Z",
            "12345",
            "2026-11-30T00:00:00Zjunk",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
