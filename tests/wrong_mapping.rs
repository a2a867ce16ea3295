//! Issue 7's proof: a Kalshi market "Will Gavin Newsom run for president in 2028?"
//! wrongly paired with a Polymarket market on whether he wins, priced 65 cents apart, so
//! the cross-venue lane sees a 63-cent edge. Two defenses stop it:
//! (a) `arb mapping verify` calls the pair `different` (the rules by its predicate; the
//!     LLM, asked about a listing whose title hides the predicate, by its rules text), so
//!     the pairs file it writes trades nothing;
//! (b) forced into a pairs file anyway, a paper run finds the opportunity and the
//!     firewall's max-edge gate refuses it: the journal holds the `Skipped` decisions
//!     (reason `edge_too_large`) and no `Intent` or `PlaceOrder`. With the gate off the
//!     same books are traded, so it is the gate that stops it.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Money, Price, Qty, Venue};
use arb::event::*;
use arb::journal::{Journal, JournalWriter, RecordBody, SyncMode, WriterOptions};
use arb::mapping::csv;
use axum::Json;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const K: &str = "KXPRESRUN-28-GNEW";
const P_YES: &str = "TOK-NEWSOM-WIN-YES";
const P_NO: &str = "TOK-NEWSOM-WIN-NO";
const RUN: &str = "Will Gavin Newsom run for president in 2028?";
const WIN: &str = "Will Gavin Newsom win the presidency in 2028?";

fn arb(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_arb"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An OpenAI-compatible stub that calls every pair different; returns its base URL.
fn stub_saying_different() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let answer = |Json(_): Json<Value>| async {
                let content = json!({"verdict": "different",
                    "reason": "Kalshi pays if he runs; Polymarket pays only if he wins"});
                Json(json!({"choices": [{"message": {"role": "assistant", "content": content.to_string()}}]}))
            };
            let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(answer));
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}/v1", rx.recv().unwrap())
}

#[test]
fn verify_calls_the_wrong_pair_different_and_the_pairs_file_trades_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cols = [
        "kalshi_ticker",
        "kalshi_title",
        "polymarket_id",
        "polymarket_title",
        "polymarket_outcomes",
        "polymarket_description",
    ];
    let mut t = csv::Table::new("in.csv", cols.iter().map(|c| c.to_string()).collect());
    let outcomes = json!([["Yes", P_YES], ["No", P_NO]]).to_string();
    // As listed; and as a listing whose title hides the predicate in the rules text.
    t.push(vec![
        K.into(),
        RUN.into(),
        "0xwin".into(),
        WIN.into(),
        outcomes.clone(),
        String::new(),
    ]);
    t.push(vec![
        K.into(),
        RUN.into(),
        "0xwin-retitled".into(),
        "Will Gavin Newsom run for President in 2028?".into(),
        outcomes,
        "This market resolves to Yes only if Gavin Newsom wins the 2028 presidential election."
            .into(),
    ]);
    let (inp, out, toml, cfg) = (
        dir.path().join("in.csv"),
        dir.path().join("out.csv"),
        dir.path().join("pairs.toml"),
        dir.path().join("llm.toml"),
    );
    std::fs::write(&inp, csv::write(&t)).unwrap();
    std::fs::write(
        &cfg,
        format!(
            "[llm]\nendpoint = {:?}\nmodel = \"stub\"\nmin_interval_ms = 0\n",
            stub_saying_different()
        ),
    )
    .unwrap();
    let o = arb(
        &[
            "mapping",
            "verify",
            "--pairs",
            s(&inp),
            "--out",
            s(&out),
            "--to-pairs",
            s(&toml),
            "--llm",
            s(&cfg),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("2 rows: 0 same, 2 different"), "{stdout}");
    let v = csv::parse(&std::fs::read_to_string(&out).unwrap(), "out.csv").unwrap();
    // The rules: the predicate differs; the LLM is not asked.
    assert_eq!(v.get(1, "verdict"), "different");
    assert!(
        v.get(1, "reason")
            .starts_with("predicate: kalshi asks 'run', polymarket asks 'win'"),
        "{}",
        v.get(1, "reason")
    );
    assert_eq!(
        v.get(1, "llm_reason"),
        "not asked: the rules said different"
    );
    // The retitled listing passes the rules; the LLM reads the rules text and says no.
    assert!(
        v.get(2, "reason").starts_with("same predicate (run)"),
        "{}",
        v.get(2, "reason")
    );
    assert_eq!(
        (
            v.get(2, "verdict"),
            v.get(2, "llm_verdict"),
            v.get(2, "confirmed_by")
        ),
        ("different", "different", "rules+llm:stub")
    );
    assert!(v.get(2, "llm_reason").contains("only if he wins"));
    // Both stay in the pairs file as a record of the decision; neither is traded.
    let file = std::fs::read_to_string(&toml).unwrap();
    assert_eq!(file.matches("verdict = \"different\"").count(), 2, "{file}");
    assert!(arb::mapping::load(&toml).unwrap().is_empty());
}

fn meta(id: u32, venue: Venue, venue_id: &str, title: &str, no_leg: NoLeg) -> Event {
    Event::MarketDefined(MarketMeta {
        id: MarketId(id),
        venue,
        venue_id: venue_id.into(),
        title: title.into(),
        event_id: "E".into(),
        series_id: "S".into(),
        close_ts: None,
        no_leg,
        fees: FeeModel::Free,
        tick: Price(100),
    })
}

fn snap(id: u32, bid: u16, ask: u16) -> Event {
    let l = |p: u16| {
        vec![Level {
            price: Price(p),
            qty: Qty::contracts(50),
        }]
    };
    Event::BookSnapshot(BookSnapshot {
        market: MarketId(id),
        venue_seq: 0,
        bids: l(bid),
        asks: l(ask),
    })
}

/// Kalshi "run" YES at 0.89/0.91, Polymarket "win" YES at 0.24/0.26 (NO 0.74/0.76):
/// 65 cents apart, every second for 20 s.
fn source(dir: &Path) -> PathBuf {
    let path = dir.join("src");
    let opts = WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    };
    let mut w = JournalWriter::create(&path, opts).unwrap();
    let t0 = 1_767_999_600_000_000_000i64;
    for e in [
        meta(0, Venue::Kalshi, K, RUN, NoLeg::SameBook),
        meta(
            1,
            Venue::Polymarket,
            P_YES,
            WIN,
            NoLeg::Complement(MarketId(2)),
        ),
        meta(
            2,
            Venue::Polymarket,
            P_NO,
            WIN,
            NoLeg::Complement(MarketId(1)),
        ),
    ] {
        w.append_event(t0, &e).unwrap();
    }
    for i in 0..20i64 {
        let at = t0 + i * 1_000_000_000;
        w.append_event(at + 1, &snap(1, 2400, 2600)).unwrap();
        w.append_event(at + 2, &snap(2, 7400, 7600)).unwrap();
        w.append_event(at + 3, &snap(0, 8900, 9100)).unwrap();
    }
    w.finish().unwrap();
    path
}

const FORCED: &str = r#"version = 2
[[pair]]
kalshi = "KXPRESRUN-28-GNEW"
polymarket = "TOK-NEWSOM-WIN-YES"
polymarket_outcome_for_kalshi_yes = "yes"
confidence = 0.99
verdict = "same"
reason = "forced by hand for the test"
confirmed_by = "person:test"
kalshi_title = "Will Gavin Newsom run for president in 2028?"
polymarket_title = "Will Gavin Newsom win the presidency in 2028?"
"#;

/// Runs `arb paper` over the source with the forced pair; returns the output journal's
/// decisions.
fn paper(dir: &Path, name: &str, profile: Option<&str>) -> Vec<Decision> {
    let src = source(&dir.join(name));
    let pairs = dir.join(format!("{name}.toml"));
    std::fs::write(&pairs, FORCED).unwrap();
    let out = dir.join(name).join("paper");
    let mut args = vec![
        "paper",
        "--from-journal",
        s(&src),
        "--pairs",
        s(&pairs),
        "--journal",
        s(&out),
    ];
    let prof = dir.join(format!("{name}-profile.toml"));
    if let Some(text) = profile {
        std::fs::write(&prof, text).unwrap();
        args.extend(["--profile", s(&prof)]);
    }
    let o = arb(&args, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (records, _) = Journal::open(&out).unwrap().read_all().unwrap();
    assert!(
        records.iter().any(
            |r| matches!(&r.body, RecordBody::Event(Event::PairDefined(p))
            if p.a == MarketId(0) && p.b == MarketId(1))
        ),
        "the forced pair is defined"
    );
    records
        .into_iter()
        .filter_map(|r| match r.body {
            RecordBody::Decision(d) => Some(d),
            RecordBody::Event(_) => None,
        })
        .collect()
}

#[test]
fn forced_into_the_pairs_file_the_firewall_refuses_the_edge_and_nothing_is_ordered() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("guarded")).unwrap();
    let decisions = paper(dir.path(), "guarded", None);
    let found: Vec<&Opportunity> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::OpportunityFound(o) if o.lane == Lane::CrossVenue => Some(o),
            _ => None,
        })
        .collect();
    assert!(
        !found.is_empty(),
        "the lane sees the wrong pair's edge: {decisions:?}"
    );
    for o in &found {
        let markets: Vec<MarketId> = o.legs.iter().map(|l| l.market).collect();
        assert!(markets.contains(&MarketId(0)), "{o:?}");
        assert!(
            o.edge_per_contract >= Money(600_000),
            "a 60-cent edge or more: {o:?}"
        );
    }
    let skipped: Vec<(u64, SkipReason)> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Skipped {
                opportunity,
                reason,
            } => Some((*opportunity, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped.len(),
        found.len(),
        "every opportunity is skipped: {skipped:?}"
    );
    for o in &found {
        assert!(
            skipped.contains(&(o.id, SkipReason::EdgeTooLarge)),
            "{o:?} {skipped:?}"
        );
    }
    assert_eq!(SkipReason::EdgeTooLarge.name(), "edge_too_large");
    let kinds: Vec<&str> = decisions.iter().map(Decision::kind).collect();
    assert!(
        !kinds.contains(&"intent") && !kinds.contains(&"place_order"),
        "nothing is entered or ordered: {kinds:?}"
    );

    // The gate is what stops it: with max_edge unchecked, the same books are traded.
    std::fs::create_dir_all(dir.path().join("open")).unwrap();
    let open = paper(dir.path(), "open", Some("[firewall]\nmax_edge = 0\n"));
    assert!(
        open.iter()
            .any(|d| matches!(d, Decision::PlaceOrder(p) if p.market == MarketId(0))),
        "without the gate the wrong pair is ordered"
    );
}
