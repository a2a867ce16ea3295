//! The report as one self-contained HTML page: KPI tables and inline SVG plots
//! (opportunities over time, cumulative expected vs realized, skip reasons); no
//! scripts, fonts or images from anywhere else.

use super::svg::{self, esc};
use super::text::{lat_row, pct};
use super::{BTreeMapExt, Report};
use crate::run::export::columns::{date_string, day};
use std::fmt::Write;

/// `YYYY-MM-DD HH:MM:SS.mmm` UTC of a ns timestamp.
pub fn utc(ts: i64) -> String {
    let ns = ts.rem_euclid(86_400 * 1_000_000_000);
    let (s, ms) = (ns / 1_000_000_000, ns / 1_000_000 % 1000);
    format!(
        "{} {:02}:{:02}:{:02}.{ms:03}",
        date_string(day(ts)),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn table(h: &mut String, head: &[&str], rows: &[Vec<String>]) {
    h.push_str("<table><tr>");
    for c in head {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            let numeric = c == "-" || c.trim_end_matches('%').parse::<f64>().is_ok();
            let align = if numeric { "" } else { " class=\"t\"" };
            let _ = write!(h, "<td{align}>{}</td>", esc(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222;max-width:1150px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;\
text-align:right;font-size:13px}th{background:#f3f3f3}td:first-child,th:first-child,td.t{text-align:left}\
.plots{display:flex;flex-wrap:wrap;gap:12px}.kpi{display:flex;flex-wrap:wrap;gap:10px}\
.kpi div{border:1px solid #ddd;padding:8px 14px;border-radius:4px}.kpi b{display:block;font-size:20px}\
p.note{font-size:12px;color:#555;max-width:900px}";

/// The HTML document.
pub fn render(r: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>arb report</title><style>{STYLE}</style></head><body><h1>arb report</h1><p>{}</p>",
        esc(&r.journal.display().to_string())
    );
    let span = match (r.first_ts, r.last_ts) {
        (Some(a), Some(b)) => format!("{} to {} UTC ({:.1} s)", utc(a), utc(b), r.duration_s),
        _ => "empty journal".into(),
    };
    let _ = write!(
        h,
        "<section id=\"summary\"><h2>Summary</h2><p>{}</p><div class=\"kpi\">",
        esc(&span)
    );
    for (k, v) in [
        ("opportunities", r.opportunities.to_string()),
        ("intents", r.intents.to_string()),
        ("orders", r.orders.to_string()),
        ("fills", r.fill_quality.fills.to_string()),
        ("expected $", r.pnl.expected_profit.clone()),
        ("realized $", r.pnl.realized_pnl.clone()),
        ("conversion", pct(r.pnl.conversion)),
        ("halts", r.halts.len().to_string()),
    ] {
        let _ = write!(h, "<div>{}<b>{}</b></div>", esc(k), esc(&v));
    }
    let _ = write!(
        h,
        "</div><p class=\"note\">{} events ({} market-data rows), {} decisions; markets {}. Realized PnL = covered pairs × $1 − cash paid for every fill (fees included); contracts no other leg covers count as worth nothing. Conversion = realized / the intents' expected profit.</p></section>",
        r.events,
        r.market_data_rows,
        r.decisions,
        esc(&r.markets.describe())
    );

    h.push_str("<section id=\"lanes\"><h2>Opportunities per lane</h2>");
    let rows: Vec<Vec<String>> = r
        .lanes
        .iter()
        .map(|l| {
            vec![
                l.lane.into(),
                super::coverage_cell(l),
                l.opportunities.to_string(),
                l.intents.to_string(),
                l.skipped.to_string(),
                l.orders.to_string(),
                l.expected_profit.clone(),
                l.realized_pnl.clone(),
                pct(l.conversion),
            ]
        })
        .collect();
    table(
        &mut h,
        &[
            "lane",
            "fresh / rules",
            "opportunities",
            "intents",
            "skipped",
            "orders",
            "expected $",
            "realized $",
            "conversion",
        ],
        &rows,
    );
    let s = &r.series;
    h.push_str("<div class=\"plots\">");
    h.push_str(&svg::stacked(
        "Opportunities over time",
        "minutes since start",
        "opportunities per bucket",
        s.minutes,
        &[
            ("intra_venue", &s.opportunities[0]),
            ("cross_venue", &s.opportunities[1]),
        ],
    ));
    h.push_str(&svg::lines(
        "Cumulative expected vs realized",
        "minutes since start",
        "dollars",
        &[("expected", &s.cum_expected), ("realized", &s.cum_realized)],
    ));
    h.push_str("</div></section>");

    h.push_str("<section id=\"skips\"><h2>Skip reasons</h2>");
    let items: Vec<(String, u64)> = r
        .skip_reasons
        .iter()
        .map(|c| (c.name.clone(), c.count))
        .collect();
    h.push_str(&svg::hbars("Opportunities skipped, by reason", &items));
    h.push_str("</section>");

    h.push_str("<section id=\"fills\"><h2>Orders and fills</h2>");
    let _ = write!(
        h,
        "<p>{} orders; by status: {}</p>",
        r.orders,
        esc(&r.order_status.describe())
    );
    let rows: Vec<Vec<String>> = r
        .fill_rates
        .iter()
        .map(|f| {
            vec![
                f.role.into(),
                f.orders.to_string(),
                f.ordered.clone(),
                f.filled.clone(),
                pct(f.rate),
            ]
        })
        .collect();
    table(
        &mut h,
        &["leg", "orders", "contracts ordered", "filled", "fill rate"],
        &rows,
    );
    let q = &r.fill_quality;
    let imp = q
        .improvement_per_contract
        .map_or("-".into(), |v| format!("{v:.4}"));
    table(
        &mut h,
        &[
            "fills",
            "contracts",
            "fees $",
            "improvement $/contract",
            "at limit",
            "better",
            "maker",
            "reversed",
            "refused",
        ],
        &[vec![
            q.fills.to_string(),
            q.contracts.clone(),
            q.fees.clone(),
            imp,
            pct(q.at_limit_share),
            pct(q.better_share),
            pct(q.maker_share),
            q.reversed.to_string(),
            q.refused.to_string(),
        ]],
    );
    h.push_str("</section>");

    h.push_str("<section id=\"latency\"><h2>Latency</h2>");
    let l = &r.latency;
    let rows = vec![
        lat_row("order → ack", &l.order_to_ack_ms).to_vec(),
        lat_row("order → first fill", &l.order_to_first_fill_ms).to_vec(),
        lat_row("order → closed", &l.order_to_close_ms).to_vec(),
    ];
    table(
        &mut h,
        &["ms (event time)", "orders", "p50", "p90", "p99", "max"],
        &rows,
    );
    h.push_str("<p class=\"note\">From the PlaceOrder record's time to the receive time of the venue's answer. A decision record carries the time of the event that caused it, so the reducer's own tick-to-order time is not in the journal (see BENCHMARKS.md, tick_to_order); a paper run answers in the same instant.</p></section>");

    h.push_str("<section id=\"modes\"><h2>Mode changes and halts</h2>");
    let mut rows: Vec<Vec<String>> = r
        .mode_changes
        .iter()
        .map(|m| vec![utc(m.ts), "mode".into(), m.what.clone()])
        .chain(
            r.halts
                .iter()
                .map(|m| vec![utc(m.ts), "halt".into(), m.what.clone()]),
        )
        .collect();
    rows.sort();
    if rows.is_empty() {
        h.push_str("<p>none</p>");
    } else {
        table(&mut h, &["time (UTC)", "what", "detail"], &rows);
    }
    let _ = write!(
        h,
        "<p>refused inputs: {}</p><p>firewall and lane refusals: {}</p></section>",
        esc(&r.rejected_inputs.describe()),
        esc(&r.refusals.describe())
    );
    h.push_str("</body></html>\n");
    h
}

/// Writes the page to `path`.
pub fn write(r: &Report, path: &std::path::Path) -> Result<(), std::io::Error> {
    std::fs::write(path, render(r))
}
