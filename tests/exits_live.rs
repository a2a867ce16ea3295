//! Unhedged positions are exited by policy (issue 12, the engine closes positions):
//! through `arb live` against a standalone `arb sim`, a cross-venue pair is traded while
//! the Polymarket tokens refuse every order and the Kalshi book is frozen. A Kalshi
//! first leg fills, its Polymarket second leg is refused, and the profile's legging
//! loss bound of $0 leaves the hedge (Kalshi NO, a spread above $1 − the YES paid)
//! unplaced: the position is unhedged. The exit policy then closes it: at once on an
//! EV stop below the spread, or after the hold time on a time stop (a second leg that
//! was never placed may first be tried again, `Complete`, and refused). The journal shows
//! each exit's reason before its order, no unhedged-exposure halt, the engine's
//! positions equal the venue's, and replay finds every decision again.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::event::{Decision, ExitReason};
use arb::journal::RecordBody;
use common::live::{
    FED_KALSHI, FED_POLY_NO, FED_POLY_YES, Sim, assert_closed_by_the_engine, journal_records,
    live_cli,
};

const KALSHI: &str = FED_KALSHI;
const POLY_YES: &str = FED_POLY_YES;
const POLY_NO: &str = FED_POLY_NO;

/// The pair's scenario: the books of `frozen` stop moving at 5 s (so that a held
/// position's loss stays the spread) and `refused` reject every order.
fn scenario(dir: &std::path::Path, frozen: &[&str], refused: &[&str]) -> std::path::PathBuf {
    let mut text = format!(
        "name = \"exits\"\nseed = 12\nstart_ms = 1795996800000\nduration_s = 900\nstep_ms = 200\ntick_ms = 1000\n[cash]\nkalshi = \"2000.00\"\npolymarket = \"2000.00\"\n[[question]]\nname = \"fed\"\nfair = 0.42\nvolatility = 0.002\nspread = 0.02\ndepth = 60\nlevels = 5\ndislocation = 0.3\ndislocation_size = 0.06\nkalshi = \"{KALSHI}\"\npolymarket_yes = \"{POLY_YES}\"\npolymarket_no = \"{POLY_NO}\"\npair_confidence = 0.98\n"
    );
    for m in frozen {
        text += &format!(
            "[[fault]]\nkind = \"freeze_book\"\nat_s = 5\nduration_s = 895\nmarket = \"{m}\"\n"
        );
    }
    for m in refused {
        text += &format!(
            "[[fault]]\nkind = \"reject_orders\"\nat_s = 0\nduration_s = 900\nmarket = \"{m}\"\n"
        );
    }
    let p = dir.join("exits.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Kalshi's book frozen and Polymarket refusing: Kalshi first legs are left unhedged.
const KALSHI_HELD: (&[&str], &[&str]) = (&[KALSHI], &[POLY_YES, POLY_NO]);
/// Polymarket's books frozen and Kalshi refusing: Polymarket first legs are left
/// unhedged, and are exited by selling the token.
const POLYMARKET_HELD: (&[&str], &[&str]) = (&[POLY_YES, POLY_NO], &[KALSHI]);

/// Runs `arb live` for 8 s with `exit` as the profile's `[exit]` section; returns the
/// journal's decisions after checking what every run must show.
/// Runs the pair for 8 s with the `[exit]` profile table `exit`; returns the decisions
/// and the directory holding the journal (`j`).
fn run(exit: &str) -> (Vec<Decision>, tempfile::TempDir) {
    run_with(exit, KALSHI_HELD)
}

fn run_with(
    exit: &str,
    (frozen, refused): (&[&str], &[&str]),
) -> (Vec<Decision>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario(dir.path(), frozen, refused);
    let sim = Sim::start_with(Some(&scenario), "45");
    let profile = format!(
        "[lanes]\nintra_venue = false\n[sizing]\nmax_contracts = 5\n[risk]\nmax_consecutive_failures = 0\n[legging]\nunwind_max_loss = 0\n[exit]\n{exit}"
    );
    let cfg = sim.live_config(dir.path(), Some(&scenario), "", Some(&profile));
    let journal = dir.path().join("j");
    live_cli(&cfg, &journal, "8");
    let decisions: Vec<Decision> = journal_records(&journal)
        .into_iter()
        .filter_map(|r| match r.body {
            RecordBody::Decision(d) => Some(d),
            _ => None,
        })
        .collect();
    if std::env::var_os("ARB_DEBUG_EXITS").is_some() {
        for d in &decisions {
            if !matches!(
                d,
                Decision::LaneCoverage { .. }
                    | Decision::LaneSkipped { .. }
                    | Decision::BookRejected { .. }
            ) {
                eprintln!("{d:?}");
            }
        }
    }
    // Each exit is followed by its order: on Kalshi the other outcome of the first leg
    // (bought), on Polymarket the first leg's own token (sold).
    let first_leg = |opp: u64| {
        decisions.iter().find_map(|d| match d {
            Decision::PlaceOrder(p) if p.id.opportunity == opp && p.id.leg == 0 => Some(*p),
            _ => None,
        })
    };
    for (i, d) in decisions.iter().enumerate() {
        if let Decision::Exit(e) = d {
            let first = first_leg(e.opportunity).expect("the exit's first leg");
            match decisions.get(i + 1) {
                // A completion places the planned second leg (refused here, as planned).
                Some(Decision::PlaceOrder(p)) if e.reason == ExitReason::Complete => assert!(
                    p.id.opportunity == e.opportunity && p.id.leg == 1 && p.qty == e.qty,
                    "{e:?} then {p:?}"
                ),
                // The other outcome bought: on the same Kalshi market, or the other
                // Polymarket token (its YES).
                Some(Decision::PlaceOrder(p)) => assert!(
                    p.id.opportunity == e.opportunity
                        && p.id.leg >= 2
                        && ((p.market, p.outcome) == (first.market, first.outcome.other())
                            || (p.market != first.market && p.outcome == first.outcome))
                        && p.qty == e.qty,
                    "{e:?} then {p:?}"
                ),
                Some(Decision::SellOrder(p)) => assert!(
                    p.id.opportunity == e.opportunity
                        && p.id.leg >= 2
                        && (p.market, p.outcome) == (first.market, first.outcome)
                        && p.qty == e.qty,
                    "{e:?} then {p:?}"
                ),
                other => panic!("{e:?} is followed by {other:?}"),
            }
        }
    }
    assert_closed_by_the_engine(
        &journal,
        &sim,
        &decisions,
        "exited by policy, not left to the operator",
    );
    // Sales and buys alike leave the engine holding what each venue holds.
    let (engine, venue) = common::live::positions_engine_and_venue(
        &journal,
        &sim.ledger(),
        "polymarket",
        "arb-polymarket",
    );
    assert_eq!(engine, venue, "Polymarket positions");
    (decisions, dir)
}

/// Checks that some unhedged leg was exited and that every exit that closed (not the
/// completions the fault refused) had reason `only`.
fn assert_exits_all(decisions: &[Decision], only: ExitReason, why: &str) {
    let reasons: Vec<ExitReason> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Exit(e) if e.reason != ExitReason::Complete => Some(e.reason),
            _ => None,
        })
        .collect();
    assert!(!reasons.is_empty(), "an unhedged leg was exited");
    assert!(reasons.iter().all(|r| *r == only), "{why}: {reasons:?}");
}

#[test]
fn an_ev_stop_below_the_spread_closes_each_unhedged_leg_at_once() {
    let (decisions, _dir) = run("ev_stop = 0.01\nstop_max_loss = 0.10\nmax_hold_s = 600\n");
    assert_exits_all(
        &decisions,
        ExitReason::EvStop,
        "a frozen book: the loss stays the spread, so every exit is the EV stop",
    );
}

#[test]
fn a_time_stop_closes_each_unhedged_leg_after_the_hold_time() {
    let (decisions, _dir) = run("ev_stop = 0\nstop_max_loss = 0.10\nmax_hold_s = 0.5\n");
    assert_exits_all(
        &decisions,
        ExitReason::TimeStop,
        "no EV stop: every exit is the time stop",
    );
}

#[test]
fn a_position_inside_its_hold_time_is_held_and_shown_as_held() {
    let (decisions, dir) = run("ev_stop = 0\nstop_max_loss = 0.10\nmax_hold_s = 600\n");
    assert!(
        !decisions
            .iter()
            .any(|d| matches!(d, Decision::Exit(e) if e.reason != ExitReason::Complete)),
        "no stop is due within the hold time and the loss is above the legging bound"
    );
    let out = common::live::arb()
        .arg("orders")
        .arg(dir.path().join("j"))
        .arg("--json")
        .output()
        .unwrap();
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exposure = view["exposure"].as_array().unwrap();
    assert!(
        !exposure.is_empty(),
        "the unhedged leg is still open: {view}"
    );
    for e in exposure {
        assert!(
            e["held_since_ms"].as_i64().is_some_and(|t| t > 0) && e["given_up"] == false,
            "held by the exit policy, not the operator's: {e}"
        );
    }
    assert_ne!(view["mode"], "safe", "held, not safe mode: {view}");
}

/// A Polymarket first leg left uncovered (Kalshi refuses the second) is closed the
/// cheaper way, by the legging hedge or later by the exit policy: sold at its bid, or
/// the other token bought (the simulator's two token books do not mirror each other,
/// so which one varies from run to run; a sale is booked at once).
#[test]
fn a_polymarket_position_is_closed_by_its_cheaper_close() {
    let (decisions, dir) = run_with(
        "ev_stop = 0.01\nstop_max_loss = 0.10\nmax_hold_s = 600\n",
        POLYMARKET_HELD,
    );
    let firsts: Vec<u64> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::PlaceOrder(p) if p.id.leg == 0 => Some(p.id.opportunity),
            _ => None,
        })
        .collect();
    let closed: std::collections::BTreeSet<u64> = decisions
        .iter()
        .filter_map(|d| d.as_order())
        .filter(|p| p.id.leg >= 2)
        .map(|p| p.id.opportunity)
        .collect();
    assert!(
        !closed.is_empty(),
        "some Polymarket first leg was closed: {firsts:?}"
    );
    let sold = decisions
        .iter()
        .filter(|d| matches!(d, Decision::SellOrder(_)))
        .count();
    let realized = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Realized(r) if r.opportunity.is_some()))
        .count();
    assert!(
        sold == 0 || realized > 0,
        "each sale booked its realized PnL"
    );
    eprintln!(
        "Polymarket closes: {} of {} first legs, {sold} by sales",
        closed.len(),
        firsts.len()
    );
    let view = common::live::orders_json(&dir.path().join("j"));
    assert!(
        view["exposure"].as_array().unwrap().is_empty(),
        "every uncovered token was closed: {view}"
    );
}
