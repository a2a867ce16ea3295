//! `arb export` Parquet read by DuckDB (its Python package), polars and pandas:
//! row counts equal what the journal holds, fills join their orders, Hive partitions
//! are seen, sums equal the paper run's and the report's (tests/python/
//! export_readers.py). The readers are installed from PyPI into a venv under the
//! target directory the first time (python3 with venv and network to PyPI needed).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

#[path = "common/python.rs"]
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

const READERS: [&str; 4] = [
    "duckdb==2.0.0",
    "polars==2.1.0",
    "pandas==3.1.1",
    "pyarrow==26.0.1",
];

fn venv() -> PathBuf {
    python::venv(
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("py-export-readers"),
        &READERS,
    )
}

#[test]
fn duckdb_polars_and_pandas_read_the_export() {
    let python = venv();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(python)
        .arg(root.join("tests/python/export_readers.py"))
        .arg(env!("CARGO_BIN_EXE_arb"))
        .arg(work.path())
        .output()
        .expect("run the python script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("duckdb fills rows = journal") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
}
