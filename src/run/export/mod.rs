//! `arb export JOURNAL --parquet DIR`: a journal as Hive-partitioned Parquet tables
//! (market data, decisions, orders, fills, pnl) for DuckDB, pandas, polars. Schemas
//! and definitions: `docs/export.md`. The same journal gives the same files.

pub mod collect;
pub mod columns;
pub mod decisions;
pub mod fills;
pub mod market_data;
pub mod orders;
pub mod pnl;
pub mod rows;
pub mod writer;

use crate::journal::JournalError;
use collect::{DecisionRow, MarketInfo, MdRow, Sink};
use columns::day;
use serde::Serialize;
use std::path::{Path, PathBuf};
use writer::{PartitionedWriter, TableSummary, write_all};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "output directory {0} exists and is not empty: export writes into a new or empty directory"
    )]
    OutputNotEmpty(PathBuf),
    #[error("output {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("building the {table} table: {source}")]
    Arrow {
        table: &'static str,
        source: arrow_schema::ArrowError,
    },
}

impl ExportError {
    pub fn io(path: &Path, source: std::io::Error) -> ExportError {
        ExportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub fn parquet(path: &Path, source: parquet::errors::ParquetError) -> ExportError {
        ExportError::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What `export` wrote.
#[derive(Debug, Serialize)]
pub struct ExportSummary {
    pub journal: PathBuf,
    pub out: PathBuf,
    pub tables: Vec<TableSummary>,
    /// Byte offset of a torn tail cut off the last segment (not exported).
    pub torn_tail: Option<u64>,
}

impl ExportSummary {
    pub fn rows(&self, table: &str) -> Option<u64> {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.rows)
    }
}

/// Venue partition of a market (`unknown` for a market the journal never defined).
fn venue_of(markets: &[MarketInfo], m: crate::core::MarketId) -> &'static str {
    markets.get(m.index()).map_or("unknown", |i| i.venue.name())
}

/// Streams market data and decisions into their writers.
struct Streams {
    market_data: PartitionedWriter<market_data::MarketData>,
    decisions: PartitionedWriter<decisions::Decisions>,
}

impl Sink for Streams {
    type Error = ExportError;
    fn market_data(&mut self, row: MdRow, markets: &[MarketInfo]) -> Result<(), ExportError> {
        let key = (day(row.ts), Some(venue_of(markets, row.market)));
        self.market_data.push(key, row, markets)
    }
    fn decision(&mut self, row: DecisionRow, markets: &[MarketInfo]) -> Result<(), ExportError> {
        self.decisions.push((day(row.ts), None), row, markets)
    }
}

/// Refuses an output directory that holds anything; creates it if missing.
fn prepare(out: &Path) -> Result<(), ExportError> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ExportError::OutputNotEmpty(out.to_path_buf()));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(|e| ExportError::io(out, e))
        }
        Err(e) => Err(ExportError::io(out, e)),
    }
}

/// Exports `journal` into `out` (new or empty). On an error, what was written is
/// removed again (the directory held nothing before).
pub fn export(journal: &Path, out: &Path) -> Result<ExportSummary, ExportError> {
    crate::journal::Journal::open(journal)?;
    prepare(out)?;
    let result = write_tables(journal, out);
    if result.is_err()
        && let Ok(entries) = std::fs::read_dir(out)
    {
        for e in entries.flatten() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    result
}

fn write_tables(journal: &Path, out: &Path) -> Result<ExportSummary, ExportError> {
    let mut streams = Streams {
        market_data: PartitionedWriter::new(out)?,
        decisions: PartitionedWriter::new(out)?,
    };
    let data = collect::collect(journal, &mut streams)?;
    let m = &data.markets;
    let mut tables = vec![streams.market_data.finish(m)?, streams.decisions.finish(m)?];
    let orders = data.orders.values().map(|o| {
        let key = (day(o.placed_ts), Some(venue_of(m, o.place.market)));
        (key, o.clone())
    });
    tables.push(write_all::<orders::Orders>(out, orders, m)?);
    let fills = data.fills.iter().map(|f| {
        let key = (day(f.ts), Some(venue_of(m, f.fill.market)));
        (key, f.clone())
    });
    tables.push(write_all::<fills::Fills>(out, fills, m)?);
    let opps = data
        .opportunities
        .values()
        .map(|o| ((day(o.found_ts), None), o.clone()));
    tables.push(write_all::<pnl::Pnl>(out, opps, m)?);
    Ok(ExportSummary {
        journal: journal.to_path_buf(),
        out: out.to_path_buf(),
        tables,
        torn_tail: data.torn_tail.map(|t| t.offset),
    })
}
