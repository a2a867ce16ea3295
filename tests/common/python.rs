//! A Python venv under the target directory with pinned packages from PyPI, made once
//! and reused while the pins are unchanged (a fresh machine needs python3 with venv
//! and network to PyPI). Shared by the tests that prove other tools read our output.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's python, with `packages` installed in `dir`.
pub fn venv(dir: &Path, packages: &[&str]) -> PathBuf {
    let python = dir.join("bin/python");
    let stamp = dir.join("installed.txt");
    let want = packages.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return python;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .status()
        .expect("python3 (with venv) is needed for this test");
    assert!(status.success(), "python3 -m venv {} failed", dir.display());
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages)
        .status()
        .expect("pip");
    assert!(
        status.success(),
        "pip install of {packages:?} failed (network to PyPI needed)"
    );
    std::fs::write(&stamp, want).expect("stamp");
    python
}
