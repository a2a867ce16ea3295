//! `arb export` Parquet read by DuckDB (its Python package), polars and pandas:
//! row counts equal what the journal holds, fills join their orders, Hive partitions
//! are seen, sums equal the paper run's and the report's (tests/python/
//! export_readers.py). The readers are installed from PyPI into a venv under the
//! target directory the first time (python3 with venv and network to PyPI needed).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use std::path::{Path, PathBuf};
use std::process::Command;

const READERS: [&str; 4] = [
    "duckdb==2.0.0",
    "polars==2.1.0",
    "pandas==3.1.1",
    "pyarrow==26.0.1",
];

fn venv() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("py-export-readers");
    let python = dir.join("bin/python");
    let stamp = dir.join("installed.txt");
    let want = READERS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return python;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .expect("python3 is needed for the Parquet readers test");
    assert!(status.success(), "python3 -m venv {} failed", dir.display());
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(READERS)
        .status()
        .expect("pip");
    assert!(
        status.success(),
        "pip install of {READERS:?} failed (network to PyPI needed)"
    );
    std::fs::write(&stamp, want).expect("stamp");
    python
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
