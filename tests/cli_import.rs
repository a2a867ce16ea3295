//! `arb import` then `arb inspect --books --json` on the venues' own example payloads.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/venues")
        .join(rel);
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

fn arb(args: &[&str], paths: &[&Path]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_arb"));
    c.args(args);
    for p in paths {
        c.arg(p);
    }
    c.output().unwrap()
}

fn import(dir: &Path, venue: &str, lines: &[Value]) -> PathBuf {
    let input = dir.join(format!("{venue}.jsonl"));
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let journal = dir.join(format!("{venue}-journal"));
    let out = arb(
        &["import", "--json", "--venue", venue, "--journal"],
        &[&journal, &input],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    journal
}

fn books(journal: &Path) -> Value {
    let out = arb(&["inspect", "--books", "--json"], &[journal]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn kalshi_books_derive_asks_from_no_bids_in_both_wire_forms() {
    let dir = tempfile::tempdir().unwrap();
    let legacy_delta = json!({"type": "orderbook_delta", "sid": 2, "seq": 3,
        "msg": {"market_ticker": "FED-23DEC-T3.00", "price": 22, "delta": -33, "side": "yes"}});
    let fp_delta = json!({"recv_ms": 1669149842000i64, "frame": {"type": "orderbook_delta", "sid": 2, "seq": 4,
        "msg": {"market_ticker": "FED-23DEC-T3.00", "price_dollars": "0.5400", "delta_fp": "-20.00", "side": "no"}}});
    let journal = import(
        dir.path(),
        "kalshi",
        &[
            fixture("kalshi/ws_orderbook_snapshot.json"),
            legacy_delta,
            fp_delta,
        ],
    );
    assert_eq!(
        books(&journal),
        json!({"FED-23DEC-T3.00": {
            "bids": [["0.2200", "300.00"], ["0.0800", "300.00"]],
            "asks": [["0.4400", "146.00"]],
        }})
    );
    // The imported day replays cleanly and the lanes can run over it.
    let out = arb(&["replay", "--json"], &[&journal]);
    assert_eq!(out.status.code(), Some(0));
    let out = arb(
        &["paper", "--json", "--from-journal"],
        &[&journal, Path::new("--journal"), &dir.path().join("paper")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn polymarket_books_keep_each_token_and_best_levels_first() {
    let dir = tempfile::tempdir().unwrap();
    let journal = import(
        dir.path(),
        "polymarket",
        &[fixture("polymarket/ws_book_docs.json")],
    );
    let b = books(&journal);
    let token = "65818619657568813474341868652308942079804919287380422192892211131408793125422";
    assert_eq!(
        b[token]["bids"],
        json!([
            ["0.5000", "15.00"],
            ["0.4900", "20.00"],
            ["0.4800", "30.00"]
        ])
    );
    assert_eq!(
        b[token]["asks"],
        json!([
            ["0.5200", "25.00"],
            ["0.5300", "60.00"],
            ["0.5400", "10.00"]
        ])
    );
}

#[test]
fn bad_lines_are_counted_and_named_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("k.jsonl");
    let good = fixture("kalshi/ws_orderbook_snapshot.json");
    std::fs::write(
        &input,
        format!("{{not json\n{good}\n{{\"type\":\"mystery\",\"msg\":{{}}}}\n"),
    )
    .unwrap();
    let journal = dir.path().join("j");
    let out = arb(
        &["import", "--venue", "kalshi", "--journal"],
        &[&journal, &input],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("malformed_json") && text.contains("line 1"),
        "{text}"
    );
    assert!(
        text.contains("unknown_message_type:mystery") && text.contains("line 3"),
        "{text}"
    );
    assert_eq!(
        books(&journal)["FED-23DEC-T3.00"]["bids"][0],
        json!(["0.2200", "333.00"])
    );

    let out = arb(
        &["import", "--venue", "kalshi", "--journal"],
        &[&journal, &input],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "refuses to overwrite without --append"
    );
    let out = arb(
        &["import", "--venue", "nasdaq", "--journal"],
        &[&journal, &input],
    );
    assert_eq!(out.status.code(), Some(2), "unknown venue is a usage error");
}
