//! Operator control of a running `arb live` through files in `<journal>/control/`:
//! `halt` present = kill switch engaged (its removal releases it); `halt-kalshi` /
//! `halt-polymarket` = that venue halted; `disable-intra_venue` / `disable-cross_venue`
//! = that lane off; `ack-*` files are one acknowledgement each of unhedged exposure.
//! The core thread turns what it finds into journaled operator events, so every
//! control decision replays.

use crate::core::Venue;
use crate::event::{Event, Lane, OperatorCommand};
use std::path::{Path, PathBuf};

pub const HALT_FILE: &str = "halt";
const ACK_PREFIX: &str = "ack-";

pub fn dir(journal: &Path) -> PathBuf {
    journal.join("control")
}

/// One standing switch the operator sets by creating a file and clears by removing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// The global kill switch.
    Halt,
    VenueHalt(Venue),
    LaneOff(Lane),
}

impl Switch {
    pub const ALL: [Switch; 5] = [
        Switch::Halt,
        Switch::VenueHalt(Venue::Kalshi),
        Switch::VenueHalt(Venue::Polymarket),
        Switch::LaneOff(Lane::IntraVenue),
        Switch::LaneOff(Lane::CrossVenue),
    ];

    pub fn file_name(self) -> String {
        match self {
            Switch::Halt => HALT_FILE.to_string(),
            Switch::VenueHalt(v) => format!("halt-{}", v.name()),
            Switch::LaneOff(l) => format!("disable-{}", l.name()),
        }
    }

    /// The operator event for the switch being set (`on`) or cleared.
    fn event(self, on: bool) -> Event {
        Event::Operator(match self {
            Switch::Halt => OperatorCommand::KillSwitch { engaged: on },
            Switch::VenueHalt(venue) => OperatorCommand::VenueHalt { venue, engaged: on },
            Switch::LaneOff(lane) => OperatorCommand::LaneEnabled { lane, enabled: !on },
        })
    }
}

/// Sets a switch (`arb halt`, `arb lane --disable`): creates its file with the reason.
pub fn set(journal: &Path, switch: Switch, reason: &str) -> std::io::Result<()> {
    let d = dir(journal);
    std::fs::create_dir_all(&d)?;
    write_atomic(&d, &switch.file_name(), reason)
}

/// Clears a switch (`arb resume`, `arb lane --enable`); absent is fine.
pub fn clear(journal: &Path, switch: Switch) -> std::io::Result<()> {
    match std::fs::remove_file(dir(journal).join(switch.file_name())) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `arb halt`: creates the halt file.
pub fn halt(journal: &Path, reason: &str) -> std::io::Result<()> {
    set(journal, Switch::Halt, reason)
}

/// `arb resume`: removes the halt file (absent is fine).
pub fn resume(journal: &Path) -> std::io::Result<()> {
    clear(journal, Switch::Halt)
}

/// `arb ack`: leaves one acknowledgement with the operator's note.
pub fn ack(journal: &Path, note: &str, stamp: i64) -> std::io::Result<()> {
    let d = dir(journal);
    std::fs::create_dir_all(&d)?;
    write_atomic(&d, &format!("{ACK_PREFIX}{stamp}"), note)
}

/// Written under a temporary name, then renamed: the core never reads half a file.
fn write_atomic(d: &Path, name: &str, text: &str) -> std::io::Result<()> {
    let tmp = d.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, d.join(name))
}

/// What the core last knew of the control directory.
#[derive(Debug, Default)]
pub struct ControlWatch {
    /// Per `Switch::ALL`: set when last looked.
    set: [bool; 5],
}

impl ControlWatch {
    /// The operator events the control directory asks for since the last poll. An
    /// unreadable directory is treated as unchanged (the journal is what matters).
    pub fn poll(&mut self, journal: &Path) -> Vec<Event> {
        let d = dir(journal);
        let mut out = Vec::new();
        for (i, switch) in Switch::ALL.into_iter().enumerate() {
            let on = d.join(switch.file_name()).exists();
            if on != self.set[i] {
                self.set[i] = on;
                out.push(switch.event(on));
            }
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            return out;
        };
        let mut acks: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(ACK_PREFIX))
            })
            .collect();
        acks.sort();
        for path in acks {
            let note = std::fs::read_to_string(&path).unwrap_or_default();
            if std::fs::remove_file(&path).is_ok() {
                out.push(Event::Operator(OperatorCommand::AckExposure {
                    note: note.chars().take(500).collect(),
                }));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halt_resume_and_ack_become_operator_events_once() {
        let j = tempfile::tempdir().unwrap();
        let mut w = ControlWatch::default();
        assert!(w.poll(j.path()).is_empty());
        halt(j.path(), "manual").unwrap();
        assert_eq!(
            w.poll(j.path()),
            vec![Event::Operator(OperatorCommand::KillSwitch {
                engaged: true
            })]
        );
        assert!(
            w.poll(j.path()).is_empty(),
            "a standing halt file is reported once"
        );
        ack(j.path(), "closed by hand", 1).unwrap();
        ack(j.path(), "second look", 2).unwrap();
        let got = w.poll(j.path());
        assert_eq!(
            got,
            vec![
                Event::Operator(OperatorCommand::AckExposure {
                    note: "closed by hand".into()
                }),
                Event::Operator(OperatorCommand::AckExposure {
                    note: "second look".into()
                }),
            ]
        );
        assert!(w.poll(j.path()).is_empty(), "each ack is consumed");
        resume(j.path()).unwrap();
        resume(j.path()).unwrap();
        assert_eq!(
            w.poll(j.path()),
            vec![Event::Operator(OperatorCommand::KillSwitch {
                engaged: false
            })]
        );
    }

    #[test]
    fn venue_halts_and_lane_switches_are_operator_events_too() {
        let j = tempfile::tempdir().unwrap();
        let mut w = ControlWatch::default();
        set(j.path(), Switch::VenueHalt(Venue::Polymarket), "outage").unwrap();
        set(
            j.path(),
            Switch::LaneOff(Lane::CrossVenue),
            "mapping review",
        )
        .unwrap();
        assert_eq!(
            w.poll(j.path()),
            vec![
                Event::Operator(OperatorCommand::VenueHalt {
                    venue: Venue::Polymarket,
                    engaged: true
                }),
                Event::Operator(OperatorCommand::LaneEnabled {
                    lane: Lane::CrossVenue,
                    enabled: false
                }),
            ]
        );
        assert!(w.poll(j.path()).is_empty());
        clear(j.path(), Switch::LaneOff(Lane::CrossVenue)).unwrap();
        assert_eq!(
            w.poll(j.path()),
            vec![Event::Operator(OperatorCommand::LaneEnabled {
                lane: Lane::CrossVenue,
                enabled: true
            })]
        );
    }
}
