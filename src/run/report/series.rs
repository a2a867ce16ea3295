//! Time series for the report's plots: opportunities per time bucket and lane, and
//! cumulative expected profit against realized PnL, over minutes since the first
//! record.

use crate::run::export::collect::RunData;

/// Buckets of the opportunities-over-time plot.
pub const BUCKETS: usize = 60;

#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Minutes from the first to the last record.
    pub minutes: f64,
    /// Opportunities found per bucket, per lane (index `Lane as usize`).
    pub opportunities: [Vec<u64>; 2],
    /// Step curves (minutes, dollars): expected at each intent, realized when the
    /// opportunity's last fill came (at its intent if nothing filled).
    pub cum_expected: Vec<(f64, f64)>,
    pub cum_realized: Vec<(f64, f64)>,
}

fn steps(mut points: Vec<(i64, i64)>, start: i64) -> Vec<(f64, f64)> {
    points.sort();
    let mut out = vec![(0.0, 0.0)];
    let mut sum = 0i64;
    for (ts, v) in points {
        let x = (ts - start) as f64 / 60e9;
        out.push((x, sum as f64 / 1e6));
        sum += v;
        out.push((x, sum as f64 / 1e6));
    }
    out
}

impl Series {
    pub fn new(d: &RunData) -> Series {
        let (Some(start), Some(end)) = (d.first_ts, d.last_ts) else {
            return Series::default();
        };
        let span = (end - start).max(1);
        let mut opportunities = [vec![0; BUCKETS], vec![0; BUCKETS]];
        for o in d.opportunities.values() {
            let b = ((o.found_ts - start) as i128 * BUCKETS as i128 / span as i128) as usize;
            opportunities[o.lane as usize][b.min(BUCKETS - 1)] += 1;
        }
        let traded = || {
            d.opportunities
                .values()
                .filter_map(|o| o.intent.map(|i| (o, i)))
        };
        let mut cum_realized = steps(
            traded()
                .map(|(o, i)| (o.last_fill_ts.unwrap_or(i.ts), o.realized()))
                .collect(),
            start,
        );
        let mut cum_expected = steps(
            traded().map(|(_, i)| (i.ts, i.expected_profit.0)).collect(),
            start,
        );
        let minutes = span as f64 / 60e9;
        for c in [&mut cum_expected, &mut cum_realized] {
            let last = c.last().map_or(0.0, |p| p.1);
            c.push((minutes, last));
        }
        Series {
            minutes,
            opportunities,
            cum_expected,
            cum_realized,
        }
    }
}
