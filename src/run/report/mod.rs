//! `arb report JOURNAL`: the run's KPIs from one pass over its journal (the export's
//! collector): opportunities per lane, conversion, fill rates and quality, skip
//! reasons, order latencies, mode changes and halts. Printed, as JSON, or as a
//! self-contained HTML page with SVG plots (`html`). Definitions: `docs/export.md`.

pub mod html;
mod series;
pub mod svg;
mod text;

use crate::core::{Money, Qty};
use crate::event::Lane;
use crate::journal::JournalError;
use crate::run::export::collect::{self, Discard, RunData, snake};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use series::Series;
pub use text::print;

#[derive(Clone, Debug, Serialize)]
pub struct LaneKpi {
    pub lane: &'static str,
    pub opportunities: u64,
    pub intents: u64,
    pub skipped: u64,
    pub orders: u64,
    /// Sum of the intents' expected profit, and of their realized PnL.
    pub expected_profit: String,
    pub realized_pnl: String,
    /// realized / expected (`None` when nothing positive was expected).
    pub conversion: Option<f64>,
    /// The last journaled coverage: rules watched, and how many had fresh books.
    pub rules: Option<u32>,
    pub fresh: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Count {
    pub name: String,
    pub count: u64,
}

/// Contracts ordered and filled for one leg role: `first` (leg 0), `second` (leg 1),
/// `hedge` (legs 2 and up, which buy the first leg's other outcome).
#[derive(Clone, Debug, Serialize)]
pub struct LegFill {
    pub role: &'static str,
    pub orders: u64,
    pub ordered: String,
    pub filled: String,
    pub rate: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FillQuality {
    /// Accepted fills (reversed and refused ones are counted apart).
    pub fills: u64,
    pub contracts: String,
    /// Contract-weighted mean of (limit − fill price), dollars per contract: what the
    /// fills saved against the price the engine was prepared to pay.
    pub improvement_per_contract: Option<f64>,
    /// Share of contracts filled exactly at their limit, and better than it.
    pub at_limit_share: Option<f64>,
    pub better_share: Option<f64>,
    pub maker_share: Option<f64>,
    pub fees: String,
    pub reversed: u64,
    pub refused: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PnlKpi {
    pub expected_profit: String,
    /// Cash paid for every fill, fees included.
    pub cost: String,
    pub covered_contracts: String,
    pub unhedged_contracts: String,
    /// covered × $1 − cost.
    pub realized_pnl: String,
    pub conversion: Option<f64>,
}

/// Milliseconds, nearest-rank percentiles.
#[derive(Clone, Debug, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub order_to_ack_ms: Percentiles,
    pub order_to_first_fill_ms: Percentiles,
    pub order_to_close_ms: Percentiles,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModeEvent {
    pub ts: i64,
    pub what: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub journal: PathBuf,
    pub events: u64,
    pub decisions: u64,
    pub market_data_rows: u64,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub duration_s: f64,
    pub markets: BTreeMap<&'static str, u64>,
    pub opportunities: u64,
    pub intents: u64,
    pub lanes: Vec<LaneKpi>,
    pub skip_reasons: Vec<Count>,
    pub orders: u64,
    pub order_status: BTreeMap<&'static str, u64>,
    pub fill_rates: Vec<LegFill>,
    pub fill_quality: FillQuality,
    pub pnl: PnlKpi,
    pub latency: Latency,
    pub mode_changes: Vec<ModeEvent>,
    pub halts: Vec<ModeEvent>,
    pub rejected_inputs: BTreeMap<String, u64>,
    /// Quote firewall and lane refusals (books and rules refused), by reason.
    pub refusals: BTreeMap<String, u64>,
    pub torn_tail: Option<u64>,
    /// Plot data (HTML only).
    #[serde(skip)]
    pub series: Series,
}

/// A lane's last journaled coverage as `fresh/rules` (`-` when none was journaled).
fn coverage_cell(l: &LaneKpi) -> String {
    match (l.fresh, l.rules) {
        (Some(f), Some(r)) => format!("{f}/{r}"),
        _ => "-".into(),
    }
}

/// `key value, key value` (or `none`) for small count maps.
pub trait BTreeMapExt {
    fn describe(&self) -> String;
}

impl<K: std::fmt::Display, V: std::fmt::Display> BTreeMapExt for BTreeMap<K, V> {
    fn describe(&self) -> String {
        if self.is_empty() {
            return "none".into();
        }
        let parts: Vec<String> = self.iter().map(|(k, v)| format!("{k} {v}")).collect();
        parts.join(", ")
    }
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

pub fn percentiles(mut v: Vec<f64>) -> Percentiles {
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| -> Option<f64> {
        let n = v.len();
        (n > 0).then(|| v[((p * n as f64).ceil() as usize).clamp(1, n) - 1])
    };
    Percentiles {
        count: v.len(),
        p50: rank(0.50),
        p90: rank(0.90),
        p99: rank(0.99),
        max: v.last().copied(),
    }
}

/// Reads `journal` and computes the report.
pub fn report(journal: &Path) -> Result<Report, JournalError> {
    let data = collect::collect(journal, &mut Discard)?;
    Ok(build(journal, &data))
}

fn build(journal: &Path, d: &RunData) -> Report {
    let m = |raw: i64| Money(raw).to_string();
    let q = |raw: i64| Qty(raw).to_string();
    let opps = || d.opportunities.values();
    let traded = || opps().filter(|o| o.intent.is_some());
    let expected = |o: &collect::OppRow| o.intent.map_or(0, |i| i.expected_profit.0);
    let lanes = Lane::ALL
        .iter()
        .map(|&lane| {
            let of = || opps().filter(move |o| o.lane == lane);
            let exp: i64 = of().map(expected).sum();
            let real: i64 = of()
                .filter(|o| o.intent.is_some())
                .map(|o| o.realized())
                .sum();
            LaneKpi {
                lane: lane.name(),
                opportunities: of().count() as u64,
                intents: of().filter(|o| o.intent.is_some()).count() as u64,
                skipped: of().filter(|o| o.skip.is_some()).count() as u64,
                orders: of().map(|o| u64::from(o.orders)).sum(),
                expected_profit: m(exp),
                realized_pnl: m(real),
                conversion: ratio(real, exp),
                rules: d.coverage[lane as usize].map(|c| c.0),
                fresh: d.coverage[lane as usize].map(|c| c.1),
            }
        })
        .collect();
    let mut skips: BTreeMap<String, u64> = BTreeMap::new();
    for s in opps().filter_map(|o| o.skip) {
        *skips.entry(snake(&format!("{s:?}"))).or_default() += 1;
    }
    let mut skip_reasons: Vec<Count> = skips
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    skip_reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));

    let mut order_status = BTreeMap::new();
    for o in d.orders.values() {
        *order_status.entry(o.status).or_default() += 1;
    }
    type Role = (&'static str, fn(u8) -> bool);
    let roles: [Role; 3] = [
        ("first", |l| l == 0),
        ("second", |l| l == 1),
        ("hedge", |l| l >= 2),
    ];
    let fill_rates = roles
        .iter()
        .map(|(role, is)| {
            let os = || d.orders.values().filter(|o| is(o.place.id.leg));
            let ordered: i64 = os().map(|o| o.place.qty.0).sum();
            let filled: i64 = os().map(|o| o.filled.0).sum();
            LegFill {
                role,
                orders: os().count() as u64,
                ordered: q(ordered),
                filled: q(filled),
                rate: ratio(filled, ordered),
            }
        })
        .collect();

    let good = || d.fills.iter().filter(|f| !f.reversed && !f.rejected);
    let contracts: i64 = good().map(|f| f.fill.qty.0).sum();
    let with_limit = || good().filter_map(|f| f.limit.map(|l| (f, l)));
    let limited: i64 = with_limit().map(|(f, _)| f.fill.qty.0).sum();
    // (limit − price) in 1e-4 $ × qty in 1e-6 contracts = 1e-10 $·contracts.
    let saved: i128 = with_limit()
        .map(|(f, l)| (i128::from(l.0) - i128::from(f.fill.price.0)) * i128::from(f.fill.qty.0))
        .sum();
    let share = |pred: &dyn Fn(&collect::FillRow, crate::core::Price) -> bool| {
        let n: i64 = with_limit()
            .filter(|(f, l)| pred(f, *l))
            .map(|(f, _)| f.fill.qty.0)
            .sum();
        ratio(n, limited)
    };
    let fill_quality = FillQuality {
        fills: good().count() as u64,
        contracts: q(contracts),
        improvement_per_contract: (limited > 0).then(|| saved as f64 / limited as f64 / 1e4),
        at_limit_share: share(&|f, l| f.fill.price == l),
        better_share: share(&|f, l| f.fill.price < l),
        maker_share: ratio(
            good().filter(|f| f.fill.maker).map(|f| f.fill.qty.0).sum(),
            contracts,
        ),
        fees: m(good().map(|f| f.fill.fee.0).sum::<i64>()
            - d.fills
                .iter()
                .filter(|f| f.reversed && !f.rejected)
                .map(|f| f.fill.fee.0)
                .sum::<i64>()),
        reversed: d.fills.iter().filter(|f| f.reversed).count() as u64,
        refused: d.fills.iter().filter(|f| f.rejected).count() as u64,
    };

    let exp: i64 = traded().map(expected).sum();
    let real: i64 = traded().map(|o| o.realized()).sum();
    let pnl = PnlKpi {
        expected_profit: m(exp),
        cost: m(opps().map(|o| o.spent).sum()),
        covered_contracts: q(opps().map(|o| o.covered()).sum()),
        unhedged_contracts: q(opps().map(|o| o.unhedged()).sum()),
        realized_pnl: m(real),
        conversion: ratio(real, exp),
    };

    let ms = |a: i64, b: i64| (b - a) as f64 / 1e6;
    let lat = |f: &dyn Fn(&collect::OrderRow) -> Option<i64>| {
        percentiles(
            d.orders
                .values()
                .filter_map(|o| f(o).map(|t| ms(o.placed_ts, t)))
                .collect(),
        )
    };
    let latency = Latency {
        order_to_ack_ms: lat(&|o| o.acked_ts),
        order_to_first_fill_ms: lat(&|o| o.first_fill_ts),
        order_to_close_ms: lat(&|o| o.closed_ts),
    };
    let mut markets = BTreeMap::new();
    for mk in &d.markets {
        *markets.entry(mk.venue.name()).or_default() += 1;
    }
    let (first, last) = (d.first_ts, d.last_ts);
    Report {
        journal: journal.to_path_buf(),
        events: d.events_by_kind.values().sum(),
        decisions: d.decisions_by_kind.values().sum(),
        market_data_rows: d.market_data_rows,
        first_ts: first,
        last_ts: last,
        duration_s: first.zip(last).map_or(0.0, |(a, b)| (b - a) as f64 / 1e9),
        markets,
        opportunities: d.opportunities.len() as u64,
        intents: traded().count() as u64,
        lanes,
        skip_reasons,
        orders: d.orders.len() as u64,
        order_status,
        fill_rates,
        fill_quality,
        pnl,
        latency,
        mode_changes: d
            .mode_changes
            .iter()
            .map(|(ts, a, b)| ModeEvent {
                ts: *ts,
                what: format!(
                    "{} -> {}",
                    snake(&format!("{a:?}")),
                    snake(&format!("{b:?}"))
                ),
            })
            .collect(),
        halts: d
            .halts
            .iter()
            .map(|(ts, r)| ModeEvent {
                ts: *ts,
                what: snake(&format!("{r:?}")),
            })
            .collect(),
        rejected_inputs: d.rejected_inputs.clone(),
        refusals: d
            .refusals
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        torn_tail: d.torn_tail.as_ref().map(|t| t.offset),
        series: Series::new(d),
    }
}
