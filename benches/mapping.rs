//! Mapping at universe scale (issue 13 item 4): `candidates` over a generated universe of
//! 10,000 Kalshi and 10,000 Polymarket titles (entities, thresholds and dates, worded
//! differently on each venue), blocked by the inverted index: no all-pairs scoring.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use arb::core::Venue;
use arb::mapping::candidates::{Options, candidates};
use arb::mapping::listings::Listing;
use criterion::{Criterion, criterion_group, criterion_main};

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "vin", "tar", "sel", "dro", "pim", "qua", "zen", "bor", "fal", "gri", "hes",
    "jun", "ner", "os", "plu", "ros", "tev",
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A deterministic pseudo-random stream (xorshift), the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A made-up name of two or three syllables: thousands of distinct entities.
fn name(i: usize) -> String {
    let s = |k: usize| SYLLABLES[k % SYLLABLES.len()];
    let mut n = format!("{}{}", s(i), s(i / 20));
    if i >= 400 {
        n += s(i / 400);
    }
    let mut c = n.chars();
    c.next()
        .map_or(n.clone(), |f| f.to_uppercase().chain(c).collect())
}

/// Question `q` of the universe as each venue words it.
fn question(q: usize, rng: &mut Rng) -> (Listing, Listing) {
    let who = name(q % 6000);
    let (month, day) = (MONTHS[rng.next(12)], 1 + rng.next(28));
    let threshold = 10 * (1 + rng.next(90));
    let (k, p) = match q % 3 {
        0 => (
            format!("Will {who} win the election on {month} {day}?"),
            format!("{who} wins election ({month} {day})"),
        ),
        1 => (
            format!("{who} price above {threshold} on {month} {day}?"),
            format!("Will {who} close above ${threshold} on {month} {day}?"),
        ),
        _ => (
            format!("Will {who} announce {threshold} layoffs before {month} {day}?"),
            format!("{who} to announce {threshold}+ layoffs by {month} {day}?"),
        ),
    };
    let kalshi = Listing {
        venue: Some(Venue::Kalshi),
        id: format!("KXGEN-{q}"),
        event_id: format!("KXGEN-{}", q / 4),
        title: k,
        ..Listing::default()
    };
    let poly = Listing {
        venue: Some(Venue::Polymarket),
        id: format!("0x{q:064x}"),
        event_id: format!("gen-{}", q / 4),
        title: p,
        ..Listing::default()
    };
    (kalshi, poly)
}

fn universe(n: usize) -> (Vec<Listing>, Vec<Listing>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut k, mut p): (Vec<_>, Vec<_>) = (0..n).map(|q| question(q, &mut rng)).unzip();
    // Each venue lists its questions in its own order.
    p.reverse();
    k.rotate_left(n / 3);
    (k, p)
}

fn mapping(c: &mut Criterion) {
    let mut g = c.benchmark_group("mapping");
    g.sample_size(10);
    for n in [1_000, 10_000] {
        let (k, p) = universe(n);
        let (found, stats) = candidates(&k, &p, &Options::default());
        // The bench is of the real job: most true pairs are among the top candidates.
        let true_pairs = found
            .iter()
            .filter(|c| {
                k[c.kalshi].id.trim_start_matches("KXGEN-") == {
                    let hex = p[c.polymarket].id.trim_start_matches("0x");
                    usize::from_str_radix(hex, 16).map_or(String::new(), |q| q.to_string())
                }
            })
            .count();
        eprintln!(
            "mapping {n} x {n}: scored {} of {} pairs, {} candidates, {true_pairs} true pairs among them",
            stats.scored,
            stats.cross,
            found.len()
        );
        g.bench_function(format!("candidates_{n}x{n}"), |b| {
            b.iter(|| candidates(&k, &p, &Options::default()).0.len())
        });
    }
    g.finish();
}

criterion_group!(benches, mapping);
criterion_main!(benches);
