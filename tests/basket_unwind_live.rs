//! A basket whose legs fill unequally is unwound by the engine, not left to the
//! operator (issue 12, the engine closes positions): through `arb live` against a
//! standalone `arb sim`, a Kalshi bucket ladder whose asks sum below $1 is bought, one
//! bucket's orders are refused (a `reject_orders` fault on its market), and the legs
//! that filled (what the books held) are unwound by buying their NO within the loss
//! bound. The journal shows
//! the unwinds (leg `3 + i` for bucket `i`), no unhedged-exposure halt follows them, and
//! the engine's positions are the venue's.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::Outcome;
use arb::event::Decision;
use arb::journal::RecordBody;
use common::live::{Sim, assert_closed_by_the_engine, journal_records, live_cli, rate_bucket};

const BUCKETS: [&str; 3] = [
    "KXRATE-26DEC-B3.75",
    "KXRATE-26DEC-B4.00",
    "KXRATE-26DEC-B4.25",
];

fn scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let bucket = |name: &str, ticker: &str| rate_bucket(name, ticker, "");
    let text = format!(
        "name = \"unwind\"\nseed = 9\nstart_ms = 1795996800000\nduration_s = 600\nstep_ms = 250\ntick_ms = 1000\nexclusive_events = [\"KXRATE-26DEC\"]\n[cash]\nkalshi = \"2000.00\"\npolymarket = \"2000.00\"\n[[question]]\nname = \"untraded\"\nfair = 0.42\nvolatility = 0.002\nspread = 0.02\ndepth = 20\nlevels = 3\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"KXFEDDECISION-26DEC-C25\"\npolymarket_yes = \"71321045679252212594626385532706912750332728571942532289631379312455583992563\"\npolymarket_no = \"52114319501245915516055106046884209969926127482827954674443846427813813222426\"\npair_confidence = 0.5\n{}\n{}\n{}\n[[fault]]\nkind = \"reject_orders\"\nat_s = 0\nduration_s = 600\nmarket = \"{}\"\n",
        bucket("rate-low", BUCKETS[0]),
        bucket("rate-mid", BUCKETS[1]),
        bucket("rate-high", BUCKETS[2]),
        BUCKETS[2],
    );
    let p = dir.join("unwind.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_legs_a_refused_bucket_left_uncovered_are_unwound_by_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario(dir.path());
    let sim = Sim::start_with(Some(&scenario), "30");
    let cfg = sim.live_config(dir.path(), Some(&scenario), "reconcile_s = 1.0\n", None);
    let journal = dir.path().join("j");
    live_cli(&cfg, &journal, "6");
    let records = journal_records(&journal);
    let decisions: Vec<&Decision> = records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Decision(d) => Some(d),
            _ => None,
        })
        .collect();
    // The first basket: three legs, the refused one, then an unwind of each other leg.
    let first = decisions
        .iter()
        .find_map(|d| match d {
            Decision::PlaceOrder(p) => Some(p.id.opportunity),
            _ => None,
        })
        .expect("the ladder was traded");
    let orders: Vec<_> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::PlaceOrder(p) if p.id.opportunity == first => Some(*p),
            _ => None,
        })
        .collect();
    let unwinds: Vec<_> = orders.iter().filter(|p| p.id.leg >= 3).collect();
    // The refused bucket filled nothing: every leg that filled is over the complete
    // sets (none), and each such leg gets one unwind.
    assert!(
        orders.iter().filter(|p| p.id.leg < 3).count() == 3 && !unwinds.is_empty(),
        "3 legs and an unwind of each that filled: {orders:?}"
    );
    assert!(
        unwinds.iter().all(|u| u.outcome == Outcome::No
            && orders
                .iter()
                .any(|l| l.id.leg + 3 == u.id.leg && l.market == u.market)),
        "{orders:?}"
    );
    assert_closed_by_the_engine(
        &journal,
        &sim,
        decisions.iter().copied(),
        "unwound, not left to the operator",
    );
}
