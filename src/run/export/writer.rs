//! Hive-partitioned Parquet output of one table: `DIR/<table>/date=YYYY-MM-DD/
//! [venue=V/]part-0.parquet`, one file per partition, rows in journal order, written
//! in batches of `BATCH_ROWS` (so memory stays bounded) with fixed writer properties:
//! the same journal gives the same bytes.

use super::ExportError;
use super::collect::MarketInfo;
use super::columns::date_string;
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows buffered per partition before they become a record batch.
pub const BATCH_ROWS: usize = 65_536;

/// A table: its name, Arrow schema and how rows become a batch.
pub trait Table {
    type Row;
    const NAME: &'static str;
    fn schema() -> SchemaRef;
    fn batch(rows: &[Self::Row], markets: &[MarketInfo]) -> Result<RecordBatch, ArrowError>;
}

/// A partition: days since the epoch (UTC) and, for per-venue tables, the venue.
pub type PartKey = (i64, Option<&'static str>);

struct Part<R> {
    path: PathBuf,
    writer: ArrowWriter<File>,
    rows: Vec<R>,
}

pub struct PartitionedWriter<T: Table> {
    root: PathBuf,
    parts: BTreeMap<PartKey, Part<T::Row>>,
    pub rows: u64,
}

/// What one table wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TableSummary {
    pub table: &'static str,
    pub rows: u64,
    pub files: Vec<PathBuf>,
}

fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("arb {} (parquet-rs)", env!("CARGO_PKG_VERSION")))
        .build()
}

impl<T: Table> PartitionedWriter<T> {
    pub fn new(out: &Path) -> Result<Self, ExportError> {
        let root = out.join(T::NAME);
        std::fs::create_dir_all(&root).map_err(|e| ExportError::io(&root, e))?;
        Ok(PartitionedWriter {
            root,
            parts: BTreeMap::new(),
            rows: 0,
        })
    }

    pub fn push(
        &mut self,
        key: PartKey,
        row: T::Row,
        markets: &[MarketInfo],
    ) -> Result<(), ExportError> {
        let part = match self.parts.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let part = open_part::<T>(&self.root, e.key())?;
                e.insert(part)
            }
        };
        part.rows.push(row);
        self.rows += 1;
        if part.rows.len() >= BATCH_ROWS {
            flush::<T>(part, markets)?;
        }
        Ok(())
    }

    /// Writes what is buffered and closes every file.
    pub fn finish(self, markets: &[MarketInfo]) -> Result<TableSummary, ExportError> {
        let mut files = Vec::new();
        for (_, mut part) in self.parts {
            flush::<T>(&mut part, markets)?;
            part.writer
                .close()
                .map_err(|e| ExportError::parquet(&part.path, e))?;
            files.push(part.path);
        }
        Ok(TableSummary {
            table: T::NAME,
            rows: self.rows,
            files,
        })
    }
}

fn flush<T: Table>(part: &mut Part<T::Row>, markets: &[MarketInfo]) -> Result<(), ExportError> {
    if part.rows.is_empty() {
        return Ok(());
    }
    let batch = T::batch(&part.rows, markets).map_err(|source| ExportError::Arrow {
        table: T::NAME,
        source,
    })?;
    part.writer
        .write(&batch)
        .map_err(|e| ExportError::parquet(&part.path, e))?;
    part.rows.clear();
    Ok(())
}

/// Writes all `rows` of a table kept in memory.
pub fn write_all<T: Table>(
    out: &Path,
    rows: impl IntoIterator<Item = (PartKey, T::Row)>,
    markets: &[MarketInfo],
) -> Result<TableSummary, ExportError> {
    let mut w = PartitionedWriter::<T>::new(out)?;
    for (key, row) in rows {
        w.push(key, row, markets)?;
    }
    w.finish(markets)
}

/// Creates a partition's directory and Parquet file.
fn open_part<T: Table>(root: &std::path::Path, key: &PartKey) -> Result<Part<T::Row>, ExportError> {
    let mut dir = root.join(format!("date={}", date_string(key.0)));
    if let Some(v) = key.1 {
        dir = dir.join(format!("venue={v}"));
    }
    std::fs::create_dir_all(&dir).map_err(|e| ExportError::io(&dir, e))?;
    let path = dir.join("part-0.parquet");
    let file = File::create(&path).map_err(|e| ExportError::io(&path, e))?;
    let writer = ArrowWriter::try_new(file, T::schema(), Some(props()))
        .map_err(|e| ExportError::parquet(&path, e))?;
    Ok(Part {
        path,
        writer,
        rows: Vec::new(),
    })
}
