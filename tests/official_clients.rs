//! The venues' official Python clients (`kalshi-python-sync`, `py-clob-client-v2`,
//! pinned below) list markets, read books, and place and cancel orders against
//! `arb sim`. The clients are installed from PyPI into `target/py-official-clients`
//! the first time (a fresh machine needs python3 with venv and network to PyPI).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

#[path = "common/python.rs"]
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

const CLIENTS: [&str; 2] = ["kalshi-python-sync==3.2.0", "py-clob-client-v2==1.2.1"];

fn venv() -> PathBuf {
    python::venv(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("target/py-official-clients"),
        &CLIENTS,
    )
}

#[test]
fn official_python_clients_trade_against_the_simulator() {
    let python = venv();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python)
        .arg(root.join("tests/python/official_clients.py"))
        .arg(env!("CARGO_BIN_EXE_arb"))
        .arg(root)
        .output()
        .expect("run the python script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("kalshi: place and cancel a resting order") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
}
