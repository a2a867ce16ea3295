//! The report as plain text on stdout.

use super::{BTreeMapExt, Percentiles, Report};

pub(super) fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

pub(super) fn ms(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.1}"))
}

pub(super) fn lat_row(name: &str, p: &Percentiles) -> [String; 6] {
    [
        name.to_string(),
        p.count.to_string(),
        ms(p.p50),
        ms(p.p90),
        ms(p.p99),
        ms(p.max),
    ]
}

pub fn print(r: &Report) {
    println!("report of {}", r.journal.display());
    println!(
        "  {} events ({} market-data rows), {} decisions over {:.1} s; markets: {}",
        r.events,
        r.market_data_rows,
        r.decisions,
        r.duration_s,
        r.markets.describe()
    );
    if let Some(off) = r.torn_tail {
        println!("  torn tail cut off at byte {off} of the last segment");
    }
    println!(
        "\n  {:<12} {:>11} {:>8} {:>8} {:>8} {:>7} {:>12} {:>12} {:>10}",
        "lane",
        "fresh/rules",
        "opps",
        "intents",
        "skipped",
        "orders",
        "expected $",
        "realized $",
        "conversion"
    );
    for l in &r.lanes {
        println!(
            "  {:<12} {:>11} {:>8} {:>8} {:>8} {:>7} {:>12} {:>12} {:>10}",
            l.lane,
            super::coverage_cell(l),
            l.opportunities,
            l.intents,
            l.skipped,
            l.orders,
            l.expected_profit,
            l.realized_pnl,
            pct(l.conversion)
        );
    }
    let p = &r.pnl;
    println!(
        "\n  pnl: expected {} realized {} (conversion {}); cost {} incl. fees; covered {} unhedged {} contracts",
        p.expected_profit,
        p.realized_pnl,
        pct(p.conversion),
        p.cost,
        p.covered_contracts,
        p.unhedged_contracts
    );
    println!("\n  skip reasons:");
    for s in &r.skip_reasons {
        println!("    {:<24} {:>8}", s.name, s.count);
    }
    println!(
        "\n  orders {}; by status: {}",
        r.orders,
        r.order_status.describe()
    );
    for f in &r.fill_rates {
        println!(
            "    {:<7} leg: {:>5} orders, {} of {} contracts filled ({})",
            f.role,
            f.orders,
            f.filled,
            f.ordered,
            pct(f.rate)
        );
    }
    let q = &r.fill_quality;
    println!(
        "  fills {} ({} contracts, fees {}): improvement {} $/contract vs limit, at limit {}, better {}, maker {}; reversed {}, refused {}",
        q.fills,
        q.contracts,
        q.fees,
        q.improvement_per_contract
            .map_or("-".into(), |v| format!("{v:.4}")),
        pct(q.at_limit_share),
        pct(q.better_share),
        pct(q.maker_share),
        q.reversed,
        q.refused
    );
    println!("\n  latency (ms)   count    p50    p90    p99    max");
    for (name, p) in [
        ("order->ack", &r.latency.order_to_ack_ms),
        ("order->fill", &r.latency.order_to_first_fill_ms),
        ("order->close", &r.latency.order_to_close_ms),
    ] {
        let row = lat_row(name, p);
        println!(
            "  {:<13} {:>6} {:>6} {:>6} {:>6} {:>6}",
            row[0], row[1], row[2], row[3], row[4], row[5]
        );
    }
    println!(
        "\n  mode changes {}, halts {}, refused inputs: {}",
        r.mode_changes.len(),
        r.halts.len(),
        r.rejected_inputs.describe()
    );
    println!("  firewall and lane refusals: {}", r.refusals.describe());
    for m in &r.mode_changes {
        println!("    {}  mode {}", super::html::utc(m.ts), m.what);
    }
    for h in &r.halts {
        println!("    {}  halt: {}", super::html::utc(h.ts), h.what);
    }
}
