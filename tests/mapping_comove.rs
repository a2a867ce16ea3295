//! `arb mapping comove` over a synthetic journal: a true pair co-moves with a small gap,
//! a wrong pair does not, a wrongly oriented pair moves against; verdicts are left as
//! they were and the output is the same twice.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Price, Qty, Venue};
use arb::event::*;
use arb::journal::{JournalWriter, SyncMode, WriterOptions};
use arb::mapping::csv;
use std::path::{Path, PathBuf};
use std::process::Command;

fn meta(id: u32, venue: Venue, venue_id: &str, no_leg: NoLeg) -> Event {
    Event::MarketDefined(MarketMeta {
        id: MarketId(id),
        venue,
        venue_id: venue_id.into(),
        title: "t".into(),
        event_id: "E".into(),
        series_id: "S".into(),
        close_ts: None,
        no_leg,
        fees: FeeModel::Free,
        tick: Price(100),
    })
}

/// A one-level book around `cents` (bid a cent under, ask a cent over).
fn snap(id: u32, cents: i64) -> Event {
    let level = |c: i64| Level {
        price: Price((c * 100) as u16),
        qty: Qty::contracts(10),
    };
    Event::BookSnapshot(BookSnapshot {
        market: MarketId(id),
        venue_seq: 0,
        bids: vec![level(cents - 1)],
        asks: vec![level(cents + 1)],
    })
}

/// Seeded walks: Kalshi KX-TRUE, its Polymarket twin (YES and NO tokens) a cent or so
/// off, and an unrelated Polymarket market; one update each per second for 300 s.
fn journal(dir: &Path) -> PathBuf {
    let path = dir.join("j");
    let opts = WriterOptions {
        sync: SyncMode::OsBuffered,
        ..WriterOptions::default()
    };
    let mut w = JournalWriter::create(&path, opts).unwrap();
    let t0 = 1_767_999_600_000_000_000i64;
    let defs = [
        meta(0, Venue::Kalshi, "KX-TRUE", NoLeg::SameBook),
        meta(
            1,
            Venue::Polymarket,
            "TOK-TRUE-Y",
            NoLeg::Complement(MarketId(2)),
        ),
        meta(
            2,
            Venue::Polymarket,
            "TOK-TRUE-N",
            NoLeg::Complement(MarketId(1)),
        ),
        meta(
            3,
            Venue::Polymarket,
            "TOK-OTHER-Y",
            NoLeg::Complement(MarketId(4)),
        ),
        meta(
            4,
            Venue::Polymarket,
            "TOK-OTHER-N",
            NoLeg::Complement(MarketId(3)),
        ),
    ];
    for e in &defs {
        w.append_event(t0, e).unwrap();
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = |n: i64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as i64
    };
    let (mut x, mut y) = (50i64, 40i64);
    for i in 0..300i64 {
        x = (x + rnd(7) - 3).clamp(10, 90);
        y = (y + rnd(7) - 3).clamp(10, 90);
        let twin = x + rnd(3) - 1;
        let at = t0 + i * 1_000_000_000 + 7_000_000;
        w.append_event(at, &snap(0, x)).unwrap();
        w.append_event(at + 1_000_000, &snap(1, twin)).unwrap();
        w.append_event(at + 1_000_000, &snap(2, 100 - twin))
            .unwrap();
        w.append_event(at + 2_000_000, &snap(3, y)).unwrap();
        w.append_event(at + 2_000_000, &snap(4, 100 - y)).unwrap();
    }
    w.finish().unwrap();
    path
}

fn pairs(dir: &Path) -> PathBuf {
    let cols = [
        "kalshi_ticker",
        "polymarket_id",
        "polymarket_token",
        "verdict",
    ];
    let mut t = csv::Table::new("in.csv", cols.iter().map(|c| c.to_string()).collect());
    for row in [
        ["KX-TRUE", "0xtrue", "TOK-TRUE-Y", "same"],
        ["KX-TRUE", "0xother", "TOK-OTHER-Y", "same"],
        ["KX-TRUE", "0xtrue", "TOK-TRUE-N", "uncertain"],
        ["KX-MISSING", "0xtrue", "TOK-TRUE-Y", "different"],
        ["KX-TRUE", "TOK-TRUE-Y", "", "uncertain"],
    ] {
        t.push(row.iter().map(|s| s.to_string()).collect());
    }
    let p = dir.join("in.csv");
    std::fs::write(&p, csv::write(&t)).unwrap();
    p
}

fn comove(j: &Path, inp: &Path, out: &Path, extra: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_arb"))
        .args(["mapping", "comove", "--journal"])
        .arg(j)
        .arg("--pairs")
        .arg(inp)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into()
}

#[test]
fn a_true_pair_co_moves_and_a_wrong_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (j, inp) = (journal(dir.path()), pairs(dir.path()));
    let out = dir.path().join("out.csv");
    let stdout = comove(&j, &inp, &out, &[]);
    assert!(
        stdout.contains("5 rows, 4 with at least 30 samples"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let t = csv::parse(&text, "out.csv").unwrap();
    let f = |r: usize, c: &str| t.get(r, c).parse::<f64>().unwrap();
    // The true pair: changes correlated, mids a cent or so apart.
    assert!(f(1, "comove_corr") > 0.8, "{}", f(1, "comove_corr"));
    assert!(
        f(1, "comove_mean_gap") < 0.02,
        "{}",
        f(1, "comove_mean_gap")
    );
    assert!((298..=300).contains(&(f(1, "comove_samples") as i64)));
    assert_eq!(t.get(1, "comove_note"), "oriented by polymarket_token");
    // The wrong pair: no co-movement, a wide gap.
    assert!(f(2, "comove_corr").abs() < 0.3, "{}", f(2, "comove_corr"));
    assert!(
        f(2, "comove_mean_gap") > 0.05,
        "{}",
        f(2, "comove_mean_gap")
    );
    // The twin's other token: moves against, far apart.
    assert!(f(3, "comove_corr") < -0.8, "{}", f(3, "comove_corr"));
    assert!(f(3, "comove_mean_gap") > 0.05);
    // A market the journal never defined, and an unoriented row.
    assert!(
        t.get(4, "comove_note")
            .contains("kalshi KX-MISSING is not defined")
    );
    assert_eq!(t.get(4, "comove_corr"), "");
    assert!(t.get(5, "comove_note").contains("not oriented"));
    assert!(f(5, "comove_corr") > 0.8);
    // Evidence only: verdicts as they came in.
    let verdicts: Vec<&str> = (1..=5).map(|r| t.get(r, "verdict")).collect();
    assert_eq!(
        verdicts,
        ["same", "same", "uncertain", "different", "uncertain"]
    );

    // Deterministic: the same bytes twice.
    let again = dir.path().join("again.csv");
    comove(&j, &inp, &again, &[]);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);

    // Too few samples: no figures, the note says why.
    comove(&j, &inp, &again, &["--min-samples", "1000"]);
    let t = csv::parse(&std::fs::read_to_string(&again).unwrap(), "again.csv").unwrap();
    assert_eq!(
        (t.get(1, "comove_corr"), t.get(1, "comove_mean_gap")),
        ("", "")
    );
    assert!(t.get(1, "comove_note").contains("below --min-samples 1000"));
}

#[test]
fn bad_input_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in.csv");
    std::fs::write(&inp, "kalshi_ticker,polymarket_title\nK,x\n").unwrap();
    let run = |journal: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_arb"))
            .args(["mapping", "comove", "--journal"])
            .arg(journal)
            .arg("--pairs")
            .arg(&inp)
            .arg("--out")
            .arg(dir.path().join("o.csv"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let e = run(&journal(dir.path()));
    assert!(
        e.contains("in.csv") && e.contains("column polymarket_id"),
        "{e}"
    );
    std::fs::write(&inp, "kalshi_ticker,polymarket_id\nK,P\n").unwrap();
    let e = run(&dir.path().join("nope"));
    assert!(e.contains("journal") && e.contains("nope"), "{e}");
}
