//! The Monte Carlo plot, as a hand-written SVG: a histogram of path PnL on the left,
//! equity curves of the first paths over event time on the right.

use super::report::McReport;
use std::fmt::Write;

const W: f64 = 460.0;
const H: f64 = 300.0;
const PAD: f64 = 40.0;
const BINS: usize = 30;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
];

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    }
}

fn axes(s: &mut String, x0: f64, title: &str, xlabel: &str, ylabel: &str) {
    let _ = write!(
        s,
        r##"<g><rect x="{x0}" y="{PAD}" width="{w}" height="{h}" fill="none" stroke="#999"/><text x="{tx}" y="24" text-anchor="middle" font-size="14">{title}</text><text x="{tx}" y="{by}" text-anchor="middle" font-size="11">{xlabel}</text><text x="{lx}" y="{ly}" font-size="11" transform="rotate(-90 {lx} {ly})" text-anchor="middle">{ylabel}</text></g>"##,
        w = W - 2.0 * PAD,
        h = H - 2.0 * PAD,
        tx = x0 + (W - 2.0 * PAD) / 2.0,
        by = H - 8.0,
        lx = x0 - 26.0,
        ly = H / 2.0,
    );
}

fn label(s: &mut String, x: f64, y: f64, anchor: &str, text: &str) {
    let _ = write!(
        s,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="10">{text}</text>"#
    );
}

/// The SVG document.
pub fn svg(r: &McReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#,
        2.0 * W
    );
    // Histogram.
    let (lo, hi) = bounds(r.path_pnl.iter().copied());
    let mut counts = [0u64; BINS];
    for &x in &r.path_pnl {
        let b = (((x - lo) / (hi - lo)) * BINS as f64).floor() as usize;
        counts[b.min(BINS - 1)] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (pw, ph) = (W - 2.0 * PAD, H - 2.0 * PAD);
    axes(
        &mut s,
        PAD,
        &format!("PnL of {} paths", r.paths),
        "path PnL ($)",
        "paths",
    );
    let bw = pw / BINS as f64;
    for (i, &c) in counts.iter().enumerate() {
        let h = c as f64 / max * ph;
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#4c78a8"/>"##,
            PAD + i as f64 * bw,
            PAD + ph - h,
            (bw - 1.0).max(0.5)
        );
    }
    label(&mut s, PAD, H - PAD + 14.0, "start", &format!("{lo:.2}"));
    label(&mut s, PAD + pw, H - PAD + 14.0, "end", &format!("{hi:.2}"));
    label(&mut s, PAD - 4.0, PAD + 4.0, "end", &format!("{max}"));
    if lo < 0.0 && hi > 0.0 {
        let x = PAD + (-lo) / (hi - lo) * pw;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{PAD}" x2="{x:.1}" y2="{:.1}" stroke="#d62728" stroke-dasharray="4 3"/>"##,
            PAD + ph
        );
    }
    // Equity curves.
    let x0 = W + PAD;
    axes(
        &mut s,
        x0,
        "equity of sample paths",
        "event time (start to end)",
        "equity ($)",
    );
    let (elo, ehi) = bounds(r.curves.iter().flatten().copied().chain([0.0]));
    let y = |v: f64| PAD + ph - (v - elo) / (ehi - elo) * ph;
    for (k, c) in r.curves.iter().enumerate() {
        let n = c.len().max(2) - 1;
        let pts: Vec<String> = c
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x0 + i as f64 / n as f64 * pw, y(v)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>"#,
            COLOURS[k % COLOURS.len()],
            pts.join(" ")
        );
    }
    label(&mut s, x0 - 4.0, PAD + 4.0, "end", &format!("{ehi:.2}"));
    label(&mut s, x0 - 4.0, PAD + ph, "end", &format!("{elo:.2}"));
    s.push_str("</svg>\n");
    s
}

/// Writes the plot; an SVG file (other extensions are refused).
pub fn write(r: &McReport, path: &std::path::Path) -> Result<(), String> {
    let svg_ext = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if !svg_ext {
        return Err(format!(
            "--plot {}: only SVG is written (name the file *.svg)",
            path.display()
        ));
    }
    std::fs::write(path, svg(r)).map_err(|e| format!("writing plot {}: {e}", path.display()))
}
