//! The scenario's market schedule without a server: `[[rolling]]` expansion, seeded
//! results (exclusive events settle one bucket YES), and bad values named by field.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::sim::Scenario;
use arb::sim::lifecycle::{Phase, Resolver, steps};

const BASE: &str = r#"
name = "t"
seed = 5
start_ms = 0
duration_s = 600
step_ms = 1000
tick_ms = 1000

[cash]
kalshi = "1.00"
polymarket = "1.00"
"#;

const QUESTION: &str = r#"
[[question]]
name = "q"
fair = 0.5
volatility = 0.01
spread = 0.02
depth = 10
levels = 1
dislocation = 0.0
dislocation_size = 0.0
kalshi = "KXQ"
"#;

#[test]
fn a_rolling_template_expands_into_scheduled_questions() {
    let text = format!(
        "{BASE}\n[[rolling]]\nname = \"roll\"\nevery_s = 60\ncount = 3\nopen_for_s = 300\nsettle_after_s = 30\nfair = 0.5\nvolatility = 0.01\nspread = 0.02\ndepth = 10\nlevels = 2\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi_prefix = \"KXROLL\"\npolymarket = true\n"
    );
    let s = Scenario::parse(&text, "t.toml").unwrap();
    assert_eq!(s.questions.len(), 3);
    let names: Vec<&str> = s.questions.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, vec!["roll-0", "roll-1", "roll-2"]);
    let tickers: Vec<&str> = s
        .markets
        .iter()
        .filter(|m| m.venue == arb::core::Venue::Kalshi)
        .map(|m| m.venue_id.as_str())
        .collect();
    assert_eq!(tickers, vec!["KXROLL-0", "KXROLL-1", "KXROLL-2"]);
    let s_ns = 1_000_000_000i64;
    for (i, q) in s.questions.iter().enumerate() {
        let list = i as i64 * 60 * s_ns;
        assert_eq!(q.schedule.list_ns, list);
        assert_eq!(q.schedule.close_ns, Some(list + 300 * s_ns));
        assert_eq!(q.schedule.settle_ns, Some(list + 330 * s_ns));
        assert_eq!(q.markets.len(), 3, "a Kalshi market and a token pair");
    }
    // Token ids: decimal 256-bit numbers, distinct, the same on every parse.
    let tokens: Vec<String> = s
        .markets
        .iter()
        .filter(|m| m.venue == arb::core::Venue::Polymarket)
        .map(|m| m.venue_id.clone())
        .collect();
    assert_eq!(tokens.len(), 6);
    assert!(
        tokens
            .iter()
            .all(|t| t.len() > 30 && t.bytes().all(|b| b.is_ascii_digit()))
    );
    let mut unique = tokens.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6);
    let again = Scenario::parse(&text, "t.toml").unwrap();
    let again_tokens: Vec<&str> = again
        .markets
        .iter()
        .filter(|m| m.venue == arb::core::Venue::Polymarket)
        .map(|m| m.venue_id.as_str())
        .collect();
    assert_eq!(
        again_tokens,
        tokens.iter().map(|t| t.as_str()).collect::<Vec<_>>()
    );
    // The first one lists from the start: no List step for it.
    let phases: Vec<(i64, Phase, usize)> = steps(&s.questions)
        .iter()
        .map(|st| (st.at_ns / s_ns, st.phase, st.question))
        .collect();
    assert_eq!(
        &phases[..4],
        &[
            (60, Phase::List, 1),
            (120, Phase::List, 2),
            (300, Phase::Close, 0),
            (330, Phase::Settle, 0)
        ]
    );
}

#[test]
fn the_same_seed_gives_the_same_results_and_buckets_settle_one_yes() {
    let mut text = BASE.replace("[cash]", "exclusive_events = [\"EV\"]\n\n[cash]");
    for i in 0..12 {
        text.push_str(&format!(
            "\n[[question]]\nname = \"q{i}\"\nfair = 0.5\nvolatility = 0.01\nspread = 0.02\ndepth = 10\nlevels = 1\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"KXQ-{i}\"\nclose_at_s = 10\n"
        ));
    }
    for b in 0..4 {
        text.push_str(&format!(
            "\n[[question]]\nname = \"b{b}\"\nevent = \"EV\"\nfair = 0.25\nvolatility = 0.01\nspread = 0.02\ndepth = 10\nlevels = 1\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"EV-{b}\"\nclose_at_s = 10\n"
        ));
    }
    let results = |text: &str| {
        let s = Scenario::parse(text, "t.toml").unwrap();
        let fair: Vec<f64> = s.questions.iter().map(|q| q.fair).collect();
        let mut r = Resolver::new(&s);
        (0..s.questions.len())
            .map(|q| r.result(&s, q, &fair))
            .collect::<Vec<bool>>()
    };
    let first = results(&text);
    assert_eq!(first, results(&text), "same seed, same results");
    assert_eq!(first[12..].iter().filter(|&&y| y).count(), 1, "{first:?}");
    assert!(first[..12].iter().any(|&y| y) && first[..12].iter().any(|&y| !y));
    let other = results(&text.replace("seed = 5", "seed = 6"));
    assert_ne!(first, other, "another seed, other results");
    // An explicit YES bucket wins.
    let forced = text.replacen("name = \"b2\"\n", "name = \"b2\"\nresult = \"yes\"\n", 1);
    let r = results(&forced);
    assert_eq!(
        r[12..].to_vec(),
        vec![false, false, true, false],
        "the explicit yes"
    );
}

#[test]
fn bad_schedule_values_name_the_file_and_field() {
    let q = |extra: &str| format!("{BASE}{QUESTION}{extra}\n");
    for (extra, field) in [
        (
            "list_at_s = 20\nclose_at_s = 10",
            "question[0] (q).close_at_s",
        ),
        (
            "close_at_s = 10\nsettle_at_s = 5",
            "question[0] (q).settle_at_s",
        ),
        ("settle_at_s = 5", "question[0] (q).settle_at_s"),
        ("result = \"maybe\"", "question[0] (q).result"),
        ("list_at_s = -1", "question[0] (q).list_at_s"),
    ] {
        let e = Scenario::parse(&q(extra), "bad.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.toml") && e.contains(field), "{extra}: {e}");
    }
    let two_yes = format!(
        "{}{}{}",
        BASE.replace("[cash]", "exclusive_events = [\"EV\"]\n\n[cash]"),
        QUESTION.replace(
            "name = \"q\"",
            "name = \"a\"\nevent = \"EV\"\nresult = \"yes\""
        ),
        QUESTION
            .replace(
                "name = \"q\"",
                "name = \"b\"\nevent = \"EV\"\nresult = \"yes\""
            )
            .replace("KXQ", "KXQ2")
    );
    let e = Scenario::parse(&two_yes, "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("question[1] (b).result"), "{e}");
    let rolling = format!(
        "{BASE}\n[[rolling]]\nname = \"r\"\nevery_s = 0\ncount = 2\nopen_for_s = 5\nfair = 0.5\nvolatility = 0.01\nspread = 0.02\ndepth = 10\nlevels = 1\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi_prefix = \"KXR\"\n"
    );
    let e = Scenario::parse(&rolling, "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("rolling[0] (r).every_s"), "{e}");
    let nowhere = rolling
        .replace("every_s = 0", "every_s = 5")
        .replace("kalshi_prefix = \"KXR\"\n", "");
    let e = Scenario::parse(&nowhere, "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("rolling[0] (r).kalshi_prefix"), "{e}");
}

#[test]
fn the_market_lifecycle_scenario_parses_with_its_schedule() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/market-lifecycle.toml");
    let s = Scenario::load(&path).unwrap();
    assert_eq!(s.questions.len(), 5 + 6);
    let scheduled = steps(&s.questions);
    assert!(scheduled.iter().any(|st| st.phase == Phase::Settle));
    assert_eq!(
        s.questions
            .iter()
            .filter(|q| q.schedule.close_ns.is_none())
            .count(),
        1,
        "only fed-cut-dec trades all hour"
    );
}

#[test]
fn the_embedded_scenarios_have_no_schedule() {
    for name in ["arb-rich", "quiet-day"] {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
        let s = Scenario::load(&path).unwrap();
        assert!(steps(&s.questions).is_empty(), "{name}");
        assert!(s.markets.iter().all(|m| m.close_ts.is_none()), "{name}");
    }
}

#[test]
fn a_bucket_an_operator_settled_yes_keeps_the_others_no() {
    let mut text = BASE.replace("[cash]", "exclusive_events = [\"EV\"]\n\n[cash]");
    for b in 0..3 {
        text.push_str(&format!(
            "\n[[question]]\nname = \"b{b}\"\nevent = \"EV\"\nfair = 0.33\nvolatility = 0.01\nspread = 0.02\ndepth = 10\nlevels = 1\ndislocation = 0.0\ndislocation_size = 0.0\nkalshi = \"EV-{b}\"\nclose_at_s = 10\n"
        ));
    }
    let s = Scenario::parse(&text, "t.toml").unwrap();
    let fair: Vec<f64> = s.questions.iter().map(|q| q.fair).collect();
    for seed in 0..20 {
        let mut s = s.clone();
        s.seed = seed;
        let mut r = Resolver::new(&s);
        r.decide(1, true);
        let got: Vec<bool> = (0..3).map(|q| r.result(&s, q, &fair)).collect();
        assert_eq!(got, vec![false, true, false], "seed {seed}");
    }
}
