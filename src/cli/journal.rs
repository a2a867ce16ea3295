//! `arb journal archive`: a retention policy applied by hand to a stopped journal.

use super::JournalAction;
use anyhow::{Result, bail};
use arb::journal::retention::{self, Policy, Retention};

pub(super) fn run(action: JournalAction) -> Result<i32> {
    match action {
        JournalAction::Archive {
            journal,
            policy,
            keep_segments,
            archive_dir,
            json,
        } => {
            let policy = match Policy::parse(&policy) {
                Some(p @ (Policy::Archive | Policy::Delete)) => p,
                _ => bail!("--policy {policy:?}: choose archive or delete"),
            };
            arb::journal::Journal::open(&journal)?;
            let r = Retention {
                policy,
                archive_dir: archive_dir.unwrap_or_else(|| journal.join(retention::ARCHIVE_DIR)),
                keep_segments,
            };
            let applied = retention::apply(&journal, &r)?;
            if json {
                println!("{}", serde_json::to_string(&applied)?);
            } else if let (Some((index, seq)), false) =
                (applied.first_kept, applied.removed.is_empty())
            {
                let what = match policy {
                    Policy::Archive => format!("archived in {}", r.archive_dir.display()),
                    _ => "deleted".into(),
                };
                println!(
                    "{} segments ({} bytes) {what}: {:?}; the journal now starts at segment \
                     {index:08} (seq {seq}), from snapshot {}; {} snapshots pruned",
                    applied.removed.len(),
                    applied.bytes,
                    applied.removed,
                    seq - 1,
                    applied.snapshots_removed
                );
            } else {
                println!(
                    "nothing to remove: no sealed segment lies {keep_segments} or more segments \
                     before a base snapshot (snapshots/<segment's first seq - 1>.snap)"
                );
            }
            Ok(0)
        }
    }
}
