//! Start-up reads the configured Kalshi markets a hundred a request; a ticker the venue
//! does not list is still refused by name (asked alone, the venue's not-found answer
//! is the error), and `arb live` does not start.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use common::live::{Sim, arb};

#[test]
fn a_ticker_the_venue_does_not_list_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start_with(None, "30");
    let cfg = sim.live_config(dir.path(), None, "", None);
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("markets = [\""), "{text}");
    std::fs::write(
        &cfg,
        text.replacen("markets = [\"", "markets = [\"KXNOSUCH-26DEC-X1\", \"", 1),
    )
    .unwrap();
    let out = arb()
        .args(["live", "--duration", "3", "--config"])
        .arg(&cfg)
        .arg("--journal")
        .arg(dir.path().join("j"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("KXNOSUCH-26DEC-X1"), "{stderr}");
}
