//! `arb export`: row counts equal what the journal holds; fill quantities and fees in
//! Parquet add up to the paper venue's; the same journal gives the same bytes; the
//! golden journal (every variant) exports; bad input is an error, not a panic.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod export_support;

use arb::event::{Decision, Event};
use arb::journal::{Journal, JournalError, RecordKind};
use arb::run::export::{self, ExportError};
use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rows each table must hold, counted straight from the journal's records.
fn journal_counts(dir: &Path) -> [(&'static str, u64); 5] {
    let (mut md, mut decisions, mut fills) = (0, 0, 0);
    let (mut orders, mut opps) = (BTreeSet::new(), 0);
    Journal::open(dir)
        .unwrap()
        .scan(|rec| -> Result<(), JournalError> {
            match rec.kind {
                RecordKind::Event => match rec.event()? {
                    Event::BookSnapshot(b) => md += (b.bids.len() + b.asks.len()).max(1) as u64,
                    Event::BookDelta(_) | Event::Trade(_) => md += 1,
                    Event::BookBatch(b) => md += b.deltas.len() as u64,
                    Event::Fill(_) | Event::FillReversed(_) => fills += 1,
                    _ => {}
                },
                RecordKind::Decision => {
                    decisions += 1;
                    match rec.decision()? {
                        Decision::PlaceOrder(p) => {
                            orders.insert(p.id);
                        }
                        Decision::OpportunityFound(_) => opps += 1,
                        _ => {}
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    [
        ("market_data", md),
        ("decisions", decisions),
        ("orders", orders.len() as u64),
        ("fills", fills),
        ("pnl", opps),
    ]
}

/// Sum of a decimal column over every file of a table (raw fixed-point integer).
fn sum_decimal(files: &[PathBuf], column: &str) -> i128 {
    let mut sum = 0;
    for f in files {
        let file = std::fs::File::open(f).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let col = batch.column_by_name(column).unwrap();
            sum += col
                .as_primitive::<Decimal128Type>()
                .iter()
                .flatten()
                .sum::<i128>();
        }
    }
    sum
}

#[test]
fn paper_export_holds_every_record_and_adds_up_to_the_paper_venue() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    let paper = export_support::paper(&j, 600);
    assert!(
        paper.fills > 0,
        "the scenario trades in its first 10 minutes"
    );
    let out = tmp.path().join("out");
    let s = export::export(&j, &out).unwrap();
    for (table, rows) in journal_counts(&j) {
        assert_eq!(s.rows(table), Some(rows), "{table}");
    }
    assert_eq!(s.rows("fills"), Some(paper.fills));
    assert_eq!(s.rows("orders"), Some(paper.orders));
    let fills = &s.tables.iter().find(|t| t.table == "fills").unwrap().files;
    let venues: BTreeSet<String> = fills
        .iter()
        .map(|f| {
            f.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into()
        })
        .collect();
    assert_eq!(
        venues,
        BTreeSet::from(["venue=kalshi".into(), "venue=polymarket".into()])
    );
    // Quantities at 1e-6 contracts, money at 1e-6 dollars: the paper summary's decimals.
    let qty = sum_decimal(fills, "qty");
    assert_eq!(
        format!("{}", arb::core::Qty(qty as i64)),
        paper.filled_contracts
    );
    let fees = sum_decimal(fills, "fee");
    assert_eq!(format!("{}", arb::core::Money(fees as i64)), paper.fees);
    let pnl = &s.tables.iter().find(|t| t.table == "pnl").unwrap().files;
    let expected = sum_decimal(pnl, "expected_profit");
    assert_eq!(
        format!("{}", arb::core::Money(expected as i64)),
        paper.expected_profit
    );
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_same_journal_gives_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    export_support::paper(&j, 300);
    export::export(&j, &tmp.path().join("a")).unwrap();
    export::export(&j, &tmp.path().join("b")).unwrap();
    let (a, b) = (tree(&tmp.path().join("a")), tree(&tmp.path().join("b")));
    assert!(
        a.len() >= 8,
        "{:?}",
        a.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(a == b, "exports of one journal differ");
}

#[test]
fn every_variant_of_the_golden_journal_exports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for v in ["v1", "v2"] {
        let j = root.join("journal_format/golden").join(v).join("journal");
        let out = tempfile::tempdir().unwrap();
        let s = export::export(&j, out.path()).unwrap();
        for (table, rows) in journal_counts(&j) {
            assert_eq!(s.rows(table), Some(rows), "{v} {table}");
        }
    }
}

#[test]
fn constructed_journal_marks_the_refused_fill() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    export_support::constructed(&j);
    let s = export::export(&j, &tmp.path().join("out")).unwrap();
    assert_eq!(s.rows("fills"), Some(5));
    assert_eq!(s.rows("orders"), Some(5));
    assert_eq!(s.rows("pnl"), Some(5));
    let pnl = &s.tables.iter().find(|t| t.table == "pnl").unwrap().files;
    // 0.28 − 2.48, in micro-dollars.
    assert_eq!(sum_decimal(pnl, "realized_pnl"), -2_200_000);
    let fills = &s.tables.iter().find(|t| t.table == "fills").unwrap().files;
    // The refused fill (1 contract) is exported, flagged; accepted fills hold 34.
    assert_eq!(sum_decimal(fills, "qty"), 35_000_000);
}

#[test]
fn bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-journal");
    let err = export::export(&missing, &tmp.path().join("out")).unwrap_err();
    assert!(matches!(err, ExportError::Journal(_)), "{err}");
    assert!(err.to_string().contains("no-such-journal"), "{err}");
    assert!(
        !tmp.path().join("out").exists(),
        "nothing written for a missing journal"
    );

    let j = tmp.path().join("j");
    export_support::constructed(&j);
    let busy = tmp.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), "mine").unwrap();
    let err = export::export(&j, &busy).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(
        std::fs::read_to_string(busy.join("keep.txt")).unwrap(),
        "mine"
    );

    // An existing empty directory is fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    export::export(&j, &empty).unwrap();

    // The CLI: exit 1 and the reason on stderr, never a panic.
    let bin = env!("CARGO_BIN_EXE_arb");
    for args in [
        vec![
            "export".into(),
            missing.clone(),
            "--parquet".into(),
            tmp.path().join("o2"),
        ],
        vec!["export".into(), j.clone(), "--parquet".into(), busy.clone()],
        vec!["report".into(), missing.clone()],
    ] {
        let out = Command::new(bin).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
