//! `arb report`: on a hand-built journal every KPI equals what the journal holds; on
//! a paper journal the totals equal the paper run's; the HTML page is self-contained
//! and has its sections and plots.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod export_support;

use arb::run::report::{self, Report};
use std::process::Command;

fn constructed() -> (tempfile::TempDir, Report) {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    export_support::constructed(&j);
    let r = report::report(&j).unwrap();
    (tmp, r)
}

#[test]
fn kpis_of_a_constructed_journal() {
    let (_tmp, r) = constructed();
    assert_eq!(r.opportunities, 5);
    assert_eq!(r.intents, 2);
    let lane = |name: &str| r.lanes.iter().find(|l| l.lane == name).unwrap().clone();
    let (intra, cross) = (lane("intra_venue"), lane("cross_venue"));
    assert_eq!(
        (
            intra.opportunities,
            intra.intents,
            intra.skipped,
            intra.orders
        ),
        (2, 1, 1, 2)
    );
    assert_eq!(
        (
            cross.opportunities,
            cross.intents,
            cross.skipped,
            cross.orders
        ),
        (3, 1, 2, 3)
    );
    assert_eq!(
        (intra.expected_profit.as_str(), intra.realized_pnl.as_str()),
        ("0.20", "0.28")
    );
    assert_eq!(
        (cross.expected_profit.as_str(), cross.realized_pnl.as_str()),
        ("0.30", "-2.48")
    );
    assert!((intra.conversion.unwrap() - 1.4).abs() < 1e-12);
    let skips: Vec<(&str, u64)> = r
        .skip_reasons
        .iter()
        .map(|s| (s.name.as_str(), s.count))
        .collect();
    assert_eq!(skips, [("exposure_cap", 2), ("stale_book", 1)]);

    assert_eq!(r.orders, 5);
    let status: Vec<(&str, u64)> = r.order_status.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(status, [("canceled", 1), ("filled", 3), ("rejected", 1)]);
    let rates: Vec<(&str, u64, &str, &str)> = r
        .fill_rates
        .iter()
        .map(|f| (f.role, f.orders, f.ordered.as_str(), f.filled.as_str()))
        .collect();
    assert_eq!(
        rates,
        [
            ("first", 2, "20.00", "20.00"),
            ("second", 2, "20.00", "10.00"),
            ("hedge", 1, "10.00", "4.00")
        ]
    );
    let q = &r.fill_quality;
    assert_eq!(
        (q.fills, q.contracts.as_str(), q.refused, q.reversed),
        (4, "34.00", 1, 0)
    );
    // (0.01 × 10 + 0.03 × 4) / 34 dollars per contract saved against the limit.
    assert!((q.improvement_per_contract.unwrap() - 0.22 / 34.0).abs() < 1e-12);
    assert!((q.at_limit_share.unwrap() - 20.0 / 34.0).abs() < 1e-12);
    assert!((q.better_share.unwrap() - 14.0 / 34.0).abs() < 1e-12);
    assert_eq!(q.fees, "0.02");

    let p = &r.pnl;
    assert_eq!(p.expected_profit, "0.50");
    assert_eq!(p.realized_pnl, "-2.20");
    assert_eq!(p.cost, "16.20"); // 9.72 + 4.00 + 2.48
    assert_eq!(
        (p.covered_contracts.as_str(), p.unhedged_contracts.as_str()),
        ("14.00", "6.00")
    );
    assert!((p.conversion.unwrap() + 4.4).abs() < 1e-12);

    // Acks after 5, 3, 2 and 1 ms (the rejected order has none): nearest rank.
    let ack = &r.latency.order_to_ack_ms;
    assert_eq!(
        (ack.count, ack.p50, ack.p90, ack.max),
        (4, Some(2.0), Some(5.0), Some(5.0))
    );
    let fill = &r.latency.order_to_first_fill_ms;
    // First fills after 8, 7, 3 and 2 ms.
    assert_eq!((fill.count, fill.p50, fill.max), (4, Some(3.0), Some(8.0)));

    assert_eq!(r.mode_changes.len(), 1);
    assert_eq!(r.mode_changes[0].what, "normal -> safe");
    assert_eq!(r.halts[0].what, "unhedged_exposure");
    assert_eq!(r.rejected_inputs.get("unknown_order"), Some(&1));
    assert_eq!(r.markets.get("polymarket"), Some(&2));
}

#[test]
fn html_is_self_contained_with_sections_and_plots() {
    let (_tmp, r) = constructed();
    let h = report::html::render(&r);
    for id in ["summary", "lanes", "skips", "fills", "latency", "modes"] {
        assert!(
            h.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    for title in [
        "Opportunities over time",
        "Cumulative expected vs realized",
        "Opportunities skipped, by reason",
    ] {
        assert!(h.contains(title), "{title}");
    }
    assert_eq!(h.matches("<svg ").count(), 3);
    assert_eq!(h.matches("<svg ").count(), h.matches("</svg>").count());
    assert!(h.contains("unhedged_exposure") && h.contains("stale_book"));
    // Nothing loaded from elsewhere: no scripts, links or sources; the only URL is
    // SVG's namespace.
    for bad in ["<script", "<link", "src=", "url("] {
        assert!(!h.contains(bad), "{bad}");
    }
    let urls = h.matches("http").count();
    assert_eq!(urls, h.matches("http://www.w3.org/2000/svg").count());
}

#[test]
fn paper_report_matches_the_paper_run_and_the_cli_writes_html() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j");
    let paper = export_support::paper(&j, 600);
    let html = tmp.path().join("r.html");
    let out = Command::new(env!("CARGO_BIN_EXE_arb"))
        .arg("report")
        .arg(&j)
        .arg("--json")
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lane = |i: usize| v["lanes"][i]["opportunities"].as_u64().unwrap();
    assert_eq!(lane(0), paper.opportunities.intra_venue);
    assert_eq!(lane(1), paper.opportunities.cross_venue);
    // The lanes' coverage, as last journaled: the rules the paper run watched.
    assert_eq!(v["lanes"][0]["rules"].as_u64(), Some(paper.lanes[0].rules));
    assert_eq!(v["lanes"][1]["rules"].as_u64(), Some(paper.lanes[1].rules));
    assert_eq!(v["intents"].as_u64(), Some(paper.intents));
    assert_eq!(v["orders"].as_u64(), Some(paper.orders));
    assert_eq!(v["fill_quality"]["fills"].as_u64(), Some(paper.fills));
    assert_eq!(
        v["fill_quality"]["contracts"],
        paper.filled_contracts.as_str()
    );
    assert_eq!(v["fill_quality"]["fees"], paper.fees.as_str());
    assert_eq!(v["pnl"]["expected_profit"], paper.expected_profit.as_str());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("</html>"));
}
