//! Small hand-written SVG charts for the HTML report (no external assets): line
//! charts, stacked bars over time and horizontal bars, each with axes, ticks and a
//! legend.

use std::fmt::Write;

const W: f64 = 560.0;
const H: f64 = 300.0;
const L: f64 = 64.0;
const R: f64 = 16.0;
const T: f64 = 50.0;
const B: f64 = 44.0;

pub const COLOURS: [&str; 4] = ["#4c78a8", "#f58518", "#54a24b", "#e45756"];

/// `&`, `<`, `>` and quotes escaped for HTML and SVG text.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// About five round tick values covering [lo, hi], and the decimals their step needs.
fn ticks(lo: f64, hi: f64) -> (Vec<f64>, usize) {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let mut v = Vec::new();
    let mut x = (lo / step).ceil() * step;
    // A tick within 1% past the end still shows (59.99 minutes ends at "60").
    while x <= hi + span * 0.01 {
        v.push(if x.abs() < step * 1e-9 { 0.0 } else { x });
        x += step;
    }
    (v, decimals)
}

/// Frame, title, axis labels, ticks and grid; returns the x and y mappings.
fn frame(
    s: &mut String,
    title: &str,
    xl: &str,
    yl: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> (impl Fn(f64) -> f64 + use<>, impl Fn(f64) -> f64 + use<>) {
    let (pw, ph) = (W - L - R, H - T - B);
    let fx = move |x: f64| L + (x - x0) / (x1 - x0).max(1e-12) * pw;
    let fy = move |y: f64| T + ph - (y - y0) / (y1 - y0).max(1e-12) * ph;
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/><text x="{tx}" y="20" text-anchor="middle" font-size="14" font-weight="bold">{title}</text><text x="{tx}" y="{by}" text-anchor="middle">{xl}</text><text x="14" y="{ly}" text-anchor="middle" transform="rotate(-90 14 {ly})">{yl}</text>"##,
        tx = L + pw / 2.0,
        by = H - 8.0,
        ly = T + ph / 2.0,
        title = esc(title),
        xl = esc(xl),
        yl = esc(yl),
    );
    let (yt, yd) = ticks(y0, y1);
    for y in yt {
        let py = fy(y);
        let _ = write!(
            s,
            r##"<line x1="{L}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{y:.yd$}</text>"##,
            L + pw,
            L - 6.0,
            py + 4.0,
        );
    }
    let (xt, xd) = ticks(x0, x1);
    for x in xt {
        let px = fx(x);
        let _ = write!(
            s,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{:.1}" stroke="#999"/><text x="{px:.1}" y="{:.1}" text-anchor="middle">{x:.xd$}</text>"##,
            T + ph,
            T + ph + 4.0,
            T + ph + 16.0,
        );
    }
    let _ = write!(
        s,
        r##"<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##
    );
    (fx, fy)
}

/// One row of swatches between the title and the plot area.
fn legend(s: &mut String, names: &[(&str, &str)]) {
    let y = T - 12.0;
    let mut x = L;
    for (name, colour) in names {
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{y:.1}">{}</text>"##,
            y - 9.0,
            x + 14.0,
            esc(name)
        );
        x += 24.0 + 7.0 * name.len() as f64;
    }
}

fn range(v: impl Iterator<Item = f64>, with_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if with_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, lo + 1.0)
    } else {
        (lo, hi)
    }
}

/// Lines through (x, y) points: `(name, points)`, coloured in order.
pub fn lines(title: &str, xl: &str, yl: &str, series: &[(&str, &[(f64, f64)])]) -> String {
    let mut s = String::new();
    let all = || series.iter().flat_map(|(_, p)| p.iter());
    let xr = range(all().map(|p| p.0), true);
    let (lo, hi) = range(all().map(|p| p.1), true);
    // Room above and below so lines at the extremes do not run on the frame.
    let pad = (hi - lo) * 0.05;
    let yr = (
        if lo < 0.0 { lo - pad } else { lo },
        if hi > 0.0 { hi + pad } else { hi },
    );
    let (fx, fy) = frame(&mut s, title, xl, yl, xr, yr);
    for (i, (_, pts)) in series.iter().enumerate() {
        let p: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", fx(*x), fy(*y)))
            .collect();
        // The first line wide and solid, later ones narrower and dashed: lines that
        // coincide stay visible.
        let style = if i == 0 {
            r#"stroke-width="4" stroke-opacity="0.8""#
        } else {
            r#"stroke-width="2" stroke-dasharray="6 4""#
        };
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{}" {style} points="{}"/>"#,
            COLOURS[i % COLOURS.len()],
            p.join(" ")
        );
    }
    let names: Vec<(&str, &str)> = series
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (*n, COLOURS[i % COLOURS.len()]))
        .collect();
    legend(&mut s, &names);
    s.push_str("</svg>");
    s
}

/// Stacked bars of equal-width buckets spanning [0, x_max]: `(name, counts)`.
pub fn stacked(title: &str, xl: &str, yl: &str, x_max: f64, series: &[(&str, &[u64])]) -> String {
    let mut s = String::new();
    let n = series.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let totals: Vec<u64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|(_, c)| c.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let ymax = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let (fx, fy) = frame(&mut s, title, xl, yl, (0.0, x_max.max(1e-9)), (0.0, ymax));
    let bw = x_max.max(1e-9) / n.max(1) as f64;
    for i in 0..n {
        let mut base = 0u64;
        for (k, (_, c)) in series.iter().enumerate() {
            let v = c.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let (x, w) = (fx(i as f64 * bw), fx(bw) - fx(0.0));
            let (top, bottom) = (fy((base + v) as f64), fy(base as f64));
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"#,
                (w - 1.0).max(0.5),
                bottom - top,
                COLOURS[k % COLOURS.len()]
            );
            base += v;
        }
    }
    let names: Vec<(&str, &str)> = series
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (*n, COLOURS[i % COLOURS.len()]))
        .collect();
    legend(&mut s, &names);
    s.push_str("</svg>");
    s
}

/// Horizontal bars, one per `(label, count)`, largest first as given.
pub fn hbars(title: &str, items: &[(String, u64)]) -> String {
    let (lw, row) = (170.0, 22.0);
    let h = T + row * items.len().max(1) as f64 + 16.0;
    let max = items.iter().map(|i| i.1).max().unwrap_or(1).max(1) as f64;
    let bar_w = W - lw - 70.0;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/><text x="{}" y="20" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"##,
        W / 2.0,
        esc(title)
    );
    if items.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">none</text>"#,
            W / 2.0,
            T + 14.0
        );
    }
    for (i, (label, n)) in items.iter().enumerate() {
        let y = T + row * i as f64;
        let w = (*n as f64 / max * bar_w).max(1.0);
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{lw}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}">{n}</text>"##,
            lw - 6.0,
            y + 14.0,
            esc(label),
            y + 3.0,
            row - 6.0,
            COLOURS[0],
            lw + w + 4.0,
            y + 14.0
        );
    }
    s.push_str("</svg>");
    s
}
