//! The venues' official Python clients (`kalshi-python-sync`, `py-clob-client-v2`,
//! pinned below) list markets, read books, and place and cancel orders against
//! `arb sim`. The clients are installed from PyPI into `target/py-official-clients`
//! the first time (a fresh machine needs python3 with venv and network to PyPI).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use std::path::{Path, PathBuf};
use std::process::Command;

const CLIENTS: [&str; 2] = ["kalshi-python-sync==3.2.0", "py-clob-client-v2==1.2.1"];

fn venv() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/py-official-clients");
    let python = dir.join("bin/python");
    let stamp = dir.join("installed.txt");
    let want = CLIENTS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return python;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .expect("python3 is needed for the official-clients test");
    assert!(status.success(), "python3 -m venv {} failed", dir.display());
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(CLIENTS)
        .status()
        .expect("pip");
    assert!(
        status.success(),
        "pip install of {CLIENTS:?} failed (network to PyPI needed)"
    );
    std::fs::write(&stamp, want).expect("stamp");
    python
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
