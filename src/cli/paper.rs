//! `arb paper` and `arb import`: trading against the simulated venue (a scenario or a
//! recorded journal's market data), and turning recorded venue frames into a journal.

use super::{Command, fresh_run_dir};
use anyhow::{Context, Result};
use arb::config::Profile;
use arb::core::Money;
use arb::journal::{Journal, JournalWriter, SyncMode, WriterOptions};
use arb::run::paper;
use arb::sim::Scenario;
use arb::venues::{MarketInterner, import};

/// The scenario `arb paper` runs when given none.
const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/arb-rich.toml");

pub(super) fn run(command: Command) -> Result<i32> {
    match command {
        Command::Paper {
            scenario,
            from_journal,
            journal,
            profile,
            pairs,
            kalshi_events,
            polymarket_events,
            cash,
            fsync,
            json,
        } => {
            let config = match &profile {
                Some(p) => Profile::load(p)?,
                None => Profile::default(),
            };
            let sync = if fsync {
                SyncMode::Fsync
            } else {
                SyncMode::OsBuffered
            };
            let summary = if let Some(src) = from_journal {
                let specs = match &pairs {
                    Some(p) => arb::mapping::load(p)?,
                    None => Vec::new(),
                };
                let dollars =
                    Money::from_decimal(&cash).with_context(|| format!("--cash {cash:?}"))?;
                let out = journal.unwrap_or_else(|| fresh_run_dir("from-journal"));
                let groups = paper::GroupInputs {
                    kalshi_events: match &kalshi_events {
                        Some(p) => arb::mapping::groups::load_kalshi_events(p)?,
                        None => Vec::new(),
                    },
                    specs: {
                        let mut specs = match &polymarket_events {
                            Some(p) => arb::mapping::negrisk::load_polymarket_events(p)?,
                            None => Vec::new(),
                        };
                        // Trees and parity families from the listing's strike fields.
                        if let Some(p) = &kalshi_events {
                            specs.extend(arb::mapping::strikes::load_kalshi_strike_specs(p)?);
                        }
                        specs
                    },
                };
                paper::run_from_journal_grouped(
                    &src,
                    &config,
                    specs,
                    groups,
                    [dollars, dollars],
                    &out,
                    sync,
                )?
            } else {
                let scn = match &scenario {
                    Some(p) => Scenario::load(p)?,
                    None => Scenario::parse(DEFAULT_SCENARIO, "embedded arb-rich.toml")?,
                };
                let out = journal.unwrap_or_else(|| fresh_run_dir(&scn.name));
                let summary = paper::run_scenario(&scn, &config, &out, sync)?;
                let source = scenario.as_ref().map(|p| p.display().to_string());
                let effective = serde_json::json!({
                    "scenario": source.unwrap_or_else(|| "embedded arb-rich.toml".into()),
                    "profile_file": profile.as_ref().map(|p| p.display().to_string()),
                    "profile": &config,
                });
                arb::bundle::config::record(&out, "paper", None, effective)
                    .with_context(|| format!("writing {}", out.display()))?;
                summary
            };
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            } else {
                print_paper(&summary);
            }
            Ok(0)
        }
        Command::Import {
            venue,
            file,
            journal,
            append,
            json,
        } => {
            let opts = WriterOptions {
                sync: SyncMode::Fsync,
                ..WriterOptions::default()
            };
            let (mut writer, mut interner) = if append {
                let interner = match Journal::open(&journal) {
                    Ok(j) => MarketInterner::from_journal(&j)?,
                    Err(_) => MarketInterner::new(),
                };
                (JournalWriter::open(&journal, opts)?, interner)
            } else {
                (
                    JournalWriter::create(&journal, opts)?,
                    MarketInterner::new(),
                )
            };
            let summary = import::import_file(venue, &file, &mut writer, &mut interner)?;
            writer.finish()?;
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            } else {
                println!(
                    "imported {} ({} lines, {} messages) -> {}: {} events, {} markets, {} skipped",
                    file.display(),
                    summary.lines,
                    summary.messages,
                    journal.display(),
                    summary.events_written,
                    summary.markets_defined,
                    summary.skipped
                );
                for (reason, n) in &summary.skips {
                    println!("  skipped {n} x {reason}");
                }
                for (warning, n) in &summary.warnings {
                    println!("  warning {n} x {warning}");
                }
                for e in &summary.errors {
                    println!("  {e}");
                }
            }
            Ok(0)
        }
        _ => anyhow::bail!("not a paper or import command"),
    }
}

fn print_paper(s: &paper::PaperSummary) {
    println!("paper run of {} -> {}", s.source, s.journal.display());
    println!("  events {}, decisions {}", s.events, s.decisions);
    println!(
        "  opportunities: intra-venue {}, cross-venue {}",
        s.opportunities.intra_venue, s.opportunities.cross_venue
    );
    println!(
        "  intents {}, orders {}, fills {} ({} contracts), fees ${}",
        s.intents, s.orders, s.fills, s.filled_contracts, s.fees
    );
    println!(
        "  expected profit of intents ${} (not realized: settlement is not simulated here)",
        s.expected_profit
    );
    println!(
        "  cash: kalshi ${}, polymarket ${}; open positions {}; mode {:?}",
        s.cash.kalshi, s.cash.polymarket, s.open_positions, s.mode
    );
    if s.rejected_inputs + s.unusable_books > 0 {
        println!(
            "  inputs rejected {}, updates on crossed/suspect books {}",
            s.rejected_inputs, s.unusable_books
        );
    }
    if s.unresolved_pairs > 0 {
        println!(
            "  {} mapped pairs never appeared in the journal",
            s.unresolved_pairs
        );
    }
    if s.groups + s.unresolved_groups > 0 {
        println!(
            "  groups {} ({} never appeared in the journal)",
            s.groups, s.unresolved_groups
        );
    }
    if !s.firewall.is_empty() {
        let by: Vec<String> = s.firewall.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("  firewall rejected book updates: {}", by.join(", "));
    }
    for l in s.lanes.iter().filter(|l| l.evaluations + l.rules > 0) {
        let skips: Vec<String> = l.skips.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "  lane {}: {} rules ({} fresh), {} evaluations, {} opportunities, skips: {}",
            l.lane,
            l.rules,
            l.fresh,
            l.evaluations,
            l.opportunities,
            if skips.is_empty() {
                "none".to_string()
            } else {
                skips.join(", ")
            }
        );
    }
    println!("  state hash {}", s.state_hash);
    println!("replay it: arb replay {}", s.journal.display());
}
