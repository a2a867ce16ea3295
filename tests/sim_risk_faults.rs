//! What the engine's risk controls do against the simulator, through `arb live` and its
//! journal: a trade that fails to settle (reversed, safe mode), and the daily loss cap
//! (a halt before an entry could cross it).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::event::{Decision, Event, HaltReason, Mode, SkipReason};
use common::faults::{LAST_DECISIONS, LAST_MODE, live_with_faults, live_with_faults_and};

#[test]
fn a_trade_that_fails_to_settle_is_reversed_and_holds_the_engine_in_safe_mode() {
    let events = live_with_faults(
        "[[fault]]\nat_s = 0\nduration_s = 3600\nkind = \"settlement_failure\"\n",
        4.0,
    );
    let fills = events
        .iter()
        .filter(|e| matches!(e, Event::Fill(_)))
        .count();
    let reversed: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::FillReversed(_)))
        .collect();
    assert!(fills > 0, "orders traded");
    assert!(
        !reversed.is_empty(),
        "the user channel's FAILED trades came back as reversals"
    );
    // Reversals leave one-legged positions: no new entries (safe, then halted at stop).
    let mode = LAST_MODE.with(|m| m.get());
    assert!(
        matches!(
            mode,
            Some(arb::event::Mode::Safe | arb::event::Mode::Halted)
        ),
        "{mode:?}"
    );
    // Every reversal names an order that had a fill of the same size at the same price.
    for r in &reversed {
        let Event::FillReversed(rf) = r else {
            unreachable!()
        };
        assert!(
            events.iter().any(|e| matches!(e, Event::Fill(f) if f.id == rf.id && f.qty == rf.qty && f.price == rf.price)),
            "{rf:?} matches no fill"
        );
    }
}

#[test]
fn the_loss_cap_halts_against_the_simulator_before_an_entry_could_cross_it() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    // $2: less than one leg of most entries of the scenario costs.
    std::fs::write(&profile, "[risk]\ndaily_loss_cap = \"2.00\"\n").unwrap();
    let journal_events = live_with_faults_and("", 2.5, |c| c.profile = Some(profile.clone()));
    let _ = journal_events;
    let decisions = LAST_DECISIONS.with(|d| d.take());
    let cap = decisions
        .iter()
        .position(|d| {
            matches!(
                d,
                Decision::Halt {
                    reason: HaltReason::LossCap
                }
            )
        })
        .expect("the loss cap halted the engine");
    assert!(
        matches!(
            decisions[..cap].last(),
            Some(Decision::ModeChange {
                to: Mode::Halted,
                ..
            })
        ),
        "{:?}",
        &decisions[cap.saturating_sub(3)..=cap]
    );
    assert!(
        decisions[..cap].iter().rev().any(|d| matches!(
            d,
            Decision::Skipped {
                reason: SkipReason::LossCap,
                ..
            }
        )),
        "the entry that would have crossed the cap was refused"
    );
    // Every entry made stays inside the cap: no intent whose dearer leg costs more.
    assert!(
        !decisions[cap..]
            .iter()
            .any(|d| matches!(d, Decision::Intent(_))),
        "no entry after the halt"
    );
}
