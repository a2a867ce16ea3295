//! The operations files a deployment uses: the systemd unit starts `arb live` behind
//! `arb preflight`, restarts with back-off, detects crash loops, and gives a stop the
//! time the engine needs; the runbook covers the incidents the issue names.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// `key=value` of a unit file's section (later keys win, as in systemd).
fn setting<'a>(unit: &'a str, key: &str) -> Option<&'a str> {
    unit.lines()
        .rev()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim())
}

#[test]
fn the_systemd_unit_gates_restarts_and_stops_the_engine_as_intended() {
    let unit = read("tools/systemd/arb-live.service");
    let start = setting(&unit, "ExecStart").unwrap();
    assert!(
        start.contains("arb live") && start.contains("--journal"),
        "{start}"
    );
    assert!(
        setting(&unit, "ExecStartPre")
            .unwrap()
            .contains("arb preflight")
    );
    assert_eq!(setting(&unit, "Restart"), Some("on-failure"));
    assert!(
        setting(&unit, "RestartSec").is_some() && setting(&unit, "RestartMaxDelaySec").is_some()
    );
    let burst: u32 = setting(&unit, "StartLimitBurst").unwrap().parse().unwrap();
    let interval = setting(&unit, "StartLimitIntervalSec").unwrap();
    assert!(burst >= 3 && interval.trim_end_matches('s').parse::<u32>().unwrap() >= 60);
    assert_eq!(
        setting(&unit, "KillSignal"),
        Some("SIGTERM"),
        "a stop the engine handles"
    );
    let stop: u32 = setting(&unit, "TimeoutStopSec")
        .unwrap()
        .trim_end_matches('s')
        .parse()
        .unwrap();
    assert!(
        stop >= 30,
        "room for the grace period and a snapshot: {stop} s"
    );
}

#[test]
fn the_runbook_covers_each_incident_with_engine_and_operator_parts() {
    let book = read("docs/runbook.md");
    for section in [
        "## 429 storm",
        "## Stream disconnect loop",
        "## Venue outage",
    ] {
        let start = book
            .find(section)
            .unwrap_or_else(|| panic!("{section} missing"));
        let body = &book[start..];
        let end = body[3..].find("\n## ").map_or(body.len(), |e| e + 3);
        let body = &body[..end];
        assert!(body.contains("engine does by itself"), "{section}");
        assert!(body.contains("operator does"), "{section}");
    }
    for command in [
        "arb halt --venue",
        "arb resume",
        "arb lane",
        "arb ack",
        "arb preflight",
    ] {
        assert!(book.contains(command), "{command} not in the runbook");
    }
}

/// The README's profile example parses, and what it shows is the defaults (so a
/// newcomer copying it changes nothing until they edit it).
#[test]
fn the_readme_profile_example_is_the_defaults() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let at = readme.find("Profiles (`--profile`) are TOML").unwrap();
    let start = readme[at..].find("```toml\n").unwrap() + at + "```toml\n".len();
    let end = readme[start..].find("```").unwrap() + start;
    let profile = arb::config::Profile::from_toml(&readme[start..end], "README.md").unwrap();
    assert_eq!(profile, arb::config::Profile::default());
}
