//! `arb mapping comove`: how a candidate pair's two YES mid-prices moved together over a
//! recorded journal, as evidence beside the verifier's verdict, never as proof and never
//! changing it (two different questions on one subject co-move too; a quiet market
//! shows nothing).
//!
//! Markets are bound by venue id through the journal's `MarketDefined` events; the
//! Polymarket side is the token in `polymarket_token` (the one paying when Kalshi YES
//! pays, so both mids should agree), or `polymarket_id` read as a token when there is no
//! token (not oriented: the note says so). Each book's mid ((best bid + best ask) / 2, the
//! last one carried while a side is empty) is sampled on a grid of event time (`step`,
//! last value carried) from the first grid point where both are known to the journal's
//! last event. Adds `comove_samples`, `comove_corr` (Pearson correlation of the changes
//! between consecutive samples), `comove_mean_gap` (mean |mid_k - mid_p|, dollars) and
//! `comove_note`.

use super::csv::{self, Table};
use crate::core::{MarketId, Venue};
use crate::engine::book::Book;
use crate::event::{Event, LevelChange};
use crate::journal::{Journal, JournalError, RecordKind};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Grid step, nanoseconds of event time.
    pub step_ns: i64,
    /// Below this many samples no correlation or gap is reported.
    pub min_samples: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            step_ns: 1_000_000_000,
            min_samples: 30,
        }
    }
}

/// Running sums of one pair's samples.
#[derive(Clone, Debug, Default)]
struct Sampler {
    last: Option<(f64, f64)>,
    samples: u64,
    gap_sum: f64,
    changes: u64,
    sx: f64,
    sy: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

impl Sampler {
    /// `count` grid points at which the mids are (k, p).
    fn sample(&mut self, k: f64, p: f64, count: u64) {
        if count == 0 {
            return;
        }
        if let Some((lk, lp)) = self.last {
            let (dx, dy) = (k - lk, p - lp);
            self.changes += 1;
            self.sx += dx;
            self.sy += dy;
            self.sxx += dx * dx;
            self.syy += dy * dy;
            self.sxy += dx * dy;
        }
        // The other count - 1 points repeat the sample: changes of zero.
        self.changes += count - 1;
        self.samples += count;
        self.gap_sum += (k - p).abs() * count as f64;
        self.last = Some((k, p));
    }

    fn corr(&self) -> Option<f64> {
        let n = self.changes as f64;
        if self.changes < 2 {
            return None;
        }
        let vx = self.sxx - self.sx * self.sx / n;
        let vy = self.syy - self.sy * self.sy / n;
        let cov = self.sxy - self.sx * self.sy / n;
        (vx > 1e-12 && vy > 1e-12).then(|| (cov / (vx * vy).sqrt()).clamp(-1.0, 1.0))
    }
}

/// One row's binding: the venue ids it wants, what it found, its sampler.
struct Row {
    kalshi: String,
    poly: String,
    note: String,
    ids: [Option<MarketId>; 2],
    sampler: Sampler,
}

fn mid(b: &Book) -> Option<f64> {
    let (bid, ask) = (b.best_bid()?, b.best_ask()?);
    Some((f64::from(bid.price.0) + f64::from(ask.price.0)) / 20_000.0)
}

/// Books and carried mids of the markets some row wants.
#[derive(Default)]
struct Books {
    books: BTreeMap<MarketId, Book>,
    mids: BTreeMap<MarketId, f64>,
}

impl Books {
    /// Applies a book event to a watched market; a level the reducer would refuse is
    /// left out here too.
    fn apply(&mut self, ev: &Event) {
        let deltas = match ev {
            Event::BookSnapshot(s) => {
                if let Some(b) = self.books.get_mut(&s.market) {
                    let _ = b.replace(&s.bids, &s.asks);
                    self.remid(s.market);
                }
                return;
            }
            Event::BookDelta(d) => std::slice::from_ref(d),
            Event::BookBatch(batch) => batch.deltas.as_slice(),
            _ => return,
        };
        for d in deltas {
            if let Some(b) = self.books.get_mut(&d.market) {
                let _ = match d.change {
                    LevelChange::Add(q) => b.add(d.side, d.price, q),
                    LevelChange::Set(q) => b.set(d.side, d.price, q),
                };
                self.remid(d.market);
            }
        }
    }

    /// The market's mid, or the last one while a side is empty.
    fn remid(&mut self, id: MarketId) {
        if let Some(m) = self.books.get(&id).and_then(mid) {
            self.mids.insert(id, m);
        }
    }
}

/// Adds the co-movement columns to every row of `t` from the journal at `journal`.
pub fn comove_table(journal: &Path, t: &mut Table, o: &Options) -> anyhow::Result<()> {
    t.require(&["kalshi_ticker", "polymarket_id"])?;
    if o.step_ns <= 0 {
        anyhow::bail!("--step-ms must be positive");
    }
    let mut rows = Vec::new();
    for r in 1..=t.rows.len() {
        let kalshi = t.need(r, "kalshi_ticker")?.to_string();
        let (poly, note) = match t.get(r, "polymarket_token").trim() {
            "" => (
                t.need(r, "polymarket_id")?.to_string(),
                "no polymarket_token: polymarket_id read as the token, sides not oriented",
            ),
            tok => (tok.to_string(), "oriented by polymarket_token"),
        };
        rows.push(Row {
            kalshi,
            poly,
            note: note.into(),
            ids: [None, None],
            sampler: Sampler::default(),
        });
    }
    let mut books = Books::default();
    let mut grid: Option<i64> = None;
    let mut last_ts = 0i64;
    let journal_err = |e: JournalError| anyhow::anyhow!("journal {}: {e}", journal.display());
    let reader = Journal::open(journal).map_err(journal_err)?;
    reader
        .scan(|rec| -> Result<(), JournalError> {
            if rec.kind != RecordKind::Event {
                return Ok(());
            }
            let ev = rec.event()?;
            let ts = rec.ts;
            if let Event::MarketDefined(m) = &ev {
                for row in rows.iter_mut() {
                    let (slot, want) = match m.venue {
                        Venue::Kalshi => (0, &row.kalshi),
                        Venue::Polymarket => (1, &row.poly),
                    };
                    if *want == m.venue_id && row.ids[slot].is_none() {
                        row.ids[slot] = Some(m.id);
                        books.books.entry(m.id).or_default();
                    }
                }
                return Ok(());
            }
            if !matches!(
                ev,
                Event::BookSnapshot(_) | Event::BookDelta(_) | Event::BookBatch(_)
            ) {
                return Ok(());
            }
            let g = grid.get_or_insert(ts.div_euclid(o.step_ns) * o.step_ns);
            if ts > *g {
                let count = (ts - *g + o.step_ns - 1) / o.step_ns;
                sample_all(&mut rows, &books, count as u64);
                *g += count * o.step_ns;
            }
            last_ts = ts;
            books.apply(&ev);
            Ok(())
        })
        .map_err(journal_err)?;
    if let Some(g) = grid
        && last_ts >= g
    {
        sample_all(&mut rows, &books, ((last_ts - g) / o.step_ns + 1) as u64);
    }
    for (i, row) in rows.iter().enumerate() {
        write_row(t, i + 1, row, o);
    }
    Ok(())
}

fn sample_all(rows: &mut [Row], books: &Books, count: u64) {
    for row in rows.iter_mut() {
        if let [Some(k), Some(p)] = row.ids
            && let (Some(&mk), Some(&mp)) = (books.mids.get(&k), books.mids.get(&p))
        {
            row.sampler.sample(mk, mp, count);
        }
    }
}

fn write_row(t: &mut Table, r: usize, row: &Row, o: &Options) {
    let s = &row.sampler;
    let mut note = row.note.clone();
    let (mut corr, mut gap) = (String::new(), String::new());
    match row.ids {
        [None, _] => note = format!("kalshi {} is not defined in the journal", row.kalshi),
        [_, None] => note = format!("polymarket {} is not defined in the journal", row.poly),
        _ if s.samples < o.min_samples => {
            note = format!(
                "{note}; {} samples, below --min-samples {}",
                s.samples, o.min_samples
            )
        }
        _ => {
            gap = format!("{:.4}", s.gap_sum / s.samples as f64);
            match s.corr() {
                Some(c) => corr = format!("{c:.4}"),
                None => note = format!("{note}; a mid never moved: no correlation"),
            }
        }
    }
    t.set(r, "comove_samples", s.samples.to_string());
    t.set(r, "comove_corr", corr);
    t.set(r, "comove_mean_gap", gap);
    t.set(r, "comove_note", note);
}

/// `arb mapping comove`: reads the pairs CSV and the journal, writes the CSV with the
/// co-movement columns added (every other column, `verdict` included, as it was).
pub fn run_comove(journal: &Path, input: &Path, out: &Path, o: &Options) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(input)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", input.display()))?;
    let mut t = csv::parse(&text, &input.display().to_string())?;
    comove_table(journal, &mut t, o)?;
    std::fs::write(out, csv::write(&t))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    let reported = (1..=t.rows.len())
        .filter(|&r| !t.get(r, "comove_mean_gap").is_empty())
        .count();
    Ok(format!(
        "comove: {} rows, {reported} with at least {} samples (step {} ms) -> {}",
        t.rows.len(),
        o.min_samples,
        o.step_ns / 1_000_000,
        out.display()
    ))
}
