//! `arb diff`, `montecarlo`, `bundle`, `replay`, `export`, `report`, `inspect`: the
//! commands that read recorded journals.

use super::Command;
use anyhow::{Context, Result};
use arb::config::Profile;
use arb::core::Money;
use arb::run::{inspect, montecarlo, replay};
use arb::sim::stochastic::ModelParams;
use std::path::Path;

pub(super) fn run(command: Command) -> Result<i32> {
    match command {
        Command::Diff {
            profiles,
            journal,
            pairs,
            cash,
            first,
            paths,
            seed,
            json,
        } => {
            let [pa, pb] = profiles.as_slice() else {
                anyhow::bail!(
                    "arb diff takes exactly two --profile files, got {}",
                    profiles.len()
                );
            };
            let specs = match &pairs {
                Some(p) => arb::mapping::load(p)?,
                None => Vec::new(),
            };
            let dollars = Money::from_decimal(&cash).with_context(|| format!("--cash {cash:?}"))?;
            let (profile_a, profile_b) = (Profile::load(pa)?, Profile::load(pb)?);
            let mut report = arb::run::diff::diff(
                &journal,
                (pa, profile_a.clone()),
                (pb, profile_b.clone()),
                specs.clone(),
                [dollars, dollars],
                first,
            )?;
            if let Some(paths) = paths {
                let (ma, mb) = (model(Some(pa))?, model(Some(pb))?);
                report.montecarlo = Some(arb::run::diff::diff_montecarlo(
                    &journal,
                    (&profile_a, &ma),
                    (&profile_b, &mb),
                    specs,
                    [dollars, dollars],
                    mc_options(paths, seed, 0, json),
                )?);
            }
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{:<34} {:>14} {:>14}", "", pa.display(), pb.display());
                let (a, b) = (&report.a.summary, &report.b.summary);
                let row = |name: &str, x: String, y: String| println!("{name:<34} {x:>14} {y:>14}");
                row(
                    "opportunities, intra-venue",
                    a.opportunities.intra_venue.to_string(),
                    b.opportunities.intra_venue.to_string(),
                );
                row(
                    "opportunities, cross-venue",
                    a.opportunities.cross_venue.to_string(),
                    b.opportunities.cross_venue.to_string(),
                );
                row("intents", a.intents.to_string(), b.intents.to_string());
                row("orders", a.orders.to_string(), b.orders.to_string());
                row("fills", a.fills.to_string(), b.fills.to_string());
                row(
                    "contracts filled",
                    a.filled_contracts.clone(),
                    b.filled_contracts.clone(),
                );
                row("fees $", a.fees.clone(), b.fees.clone());
                row(
                    "expected profit of intents $",
                    a.expected_profit.clone(),
                    b.expected_profit.clone(),
                );
                row(
                    "mode at end",
                    format!("{:?}", a.mode),
                    format!("{:?}", b.mode),
                );
                println!(
                    "source records after which they decided differently: {}",
                    report.differing_records
                );
                for d in &report.first_differences {
                    println!("  at source seq {}:", d.source_seq);
                    println!("    A: {}", serde_json::to_string(&d.a)?);
                    println!("    B: {}", serde_json::to_string(&d.b)?);
                }
                if let Some(mc) = &report.montecarlo {
                    print_mc_diff(mc, &row);
                }
            }
            Ok(0)
        }
        Command::Montecarlo {
            journal,
            paths,
            seed,
            profile,
            pairs,
            cash,
            threads,
            plot,
            json,
        } => {
            let config = match &profile {
                Some(p) => Profile::load(p)?,
                None => Profile::default(),
            };
            let params = model(profile.as_deref())?;
            let specs = match &pairs {
                Some(p) => arb::mapping::load(p)?,
                None => Vec::new(),
            };
            let dollars = Money::from_decimal(&cash).with_context(|| format!("--cash {cash:?}"))?;
            let data = montecarlo::MarketData::load(&journal, specs)?;
            let mut opts = mc_options(paths, seed, threads, json);
            opts.curves = if plot.is_some() { 5 } else { 0 };
            let report = montecarlo::run(&data, &config, &params, [dollars, dollars], opts)?;
            if let Some(p) = &plot {
                montecarlo::plot::write(&report, p).map_err(anyhow::Error::msg)?;
            }
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                montecarlo::report::print(&report);
                if let Some(p) = &plot {
                    println!("  plot: {}", p.display());
                }
            }
            Ok(0)
        }
        Command::Bundle {
            journal,
            out,
            from,
            to,
            config,
            json,
        } => {
            let made = arb::bundle::make(&arb::bundle::MakeOptions {
                journal,
                out,
                from,
                to,
                config,
            })?;
            if json {
                println!("{}", serde_json::to_string(&made)?);
            } else {
                let m = &made.manifest;
                println!(
                    "bundle {} ({} bytes): seqs {}..{} ({} .. {}), {} events, {} decisions",
                    made.bundle.display(),
                    made.bytes,
                    m.first_seq,
                    m.last_seq,
                    m.first_time,
                    m.last_time,
                    m.events,
                    m.decisions
                );
                println!(
                    "  config from {}, {} values redacted; {} log lines",
                    made.config_source
                        .as_deref()
                        .unwrap_or("nowhere (none recorded)"),
                    made.redacted,
                    made.log_lines
                );
                println!("replay it: arb replay {}", made.bundle.display());
            }
            Ok(0)
        }
        Command::Replay { journal, json } => {
            let s = if journal.is_dir() {
                replay::replay(&journal)?.0
            } else {
                arb::bundle::replay_bundle(&journal)?
            };
            let end_differs = s.bundle.as_ref().is_some_and(|b| !b.end_state_matches);
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!(
                    "replayed {}: {} events, {} decisions",
                    s.journal.display(),
                    s.events,
                    s.decisions
                );
                if let (Some(off), Some(seg)) = (s.torn_tail, &s.torn_tail_segment) {
                    println!("torn tail cut off at byte {off} of {}", seg.display());
                }
                if let (Some(first), Some(snap)) = (s.starts_at_seq, &s.from_snapshot) {
                    let before = first.saturating_sub(1);
                    let place = s
                        .archived_in
                        .as_ref()
                        .map_or("deleted by the retention policy".to_string(), |d| {
                            format!("archived (in {})", d.display())
                        });
                    println!(
                        "records 1..={before} {place}; replay starts from snapshot {before} ({})",
                        snap.display()
                    );
                }
                println!("state hash {}", s.state_hash);
                for m in &s.first_mismatches {
                    println!(
                        "MISMATCH at seq {}: recorded {} / computed {}",
                        m.seq,
                        m.recorded
                            .as_ref()
                            .map_or("nothing".into(), |v| v.to_string()),
                        m.computed
                            .as_ref()
                            .map_or("nothing".into(), |v| v.to_string())
                    );
                }
                if let Some(b) = &s.bundle {
                    println!(
                        "bundle window seqs {}..{}: end state {} the source journal's ({})",
                        b.first_seq,
                        b.last_seq,
                        if b.end_state_matches {
                            "matches"
                        } else {
                            "DIFFERS from"
                        },
                        b.expected_end_state_hash
                    );
                }
                println!("{} mismatches", s.mismatches);
            }
            Ok(if s.mismatches > 0 || end_differs {
                3
            } else {
                0
            })
        }
        Command::Export {
            journal,
            parquet,
            json,
        } => {
            let s = arb::run::export::export(&journal, &parquet)?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("exported {} to {}", s.journal.display(), s.out.display());
                for t in &s.tables {
                    println!(
                        "  {:<12} {:>9} rows  {} files",
                        t.table,
                        t.rows,
                        t.files.len()
                    );
                }
                if let Some(off) = s.torn_tail {
                    println!("torn tail cut off at byte {off} of the last segment (not exported)");
                }
            }
            Ok(0)
        }
        Command::Report {
            journal,
            html,
            json,
        } => {
            let r = arb::run::report::report(&journal)?;
            if let Some(p) = &html {
                arb::run::report::html::write(&r, p)
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                arb::run::report::print(&r);
                if let Some(p) = &html {
                    println!("\n  html: {}", p.display());
                }
            }
            Ok(0)
        }
        Command::Inspect {
            journal,
            books,
            json: _,
        } => {
            if books {
                println!("{}", serde_json::to_string(&inspect::books(&journal)?)?);
            } else {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                if let Some(off) = inspect::records(&journal, &mut out)? {
                    eprintln!("torn tail cut off at byte {off} of the last segment");
                }
            }
            Ok(0)
        }
        _ => anyhow::bail!("not a journal command"),
    }
}

/// The venue model of a profile's `[montecarlo]` section (defaults without a profile).
fn model(profile: Option<&Path>) -> Result<ModelParams> {
    match profile {
        Some(p) => ModelParams::load(p).map_err(anyhow::Error::msg),
        None => Ok(ModelParams::default()),
    }
}

/// Monte Carlo options; a progress line only for long runs on a terminal.
fn mc_options(paths: u64, seed: u64, threads: usize, json: bool) -> montecarlo::McOptions {
    use std::io::IsTerminal;
    montecarlo::McOptions {
        paths,
        seed,
        threads,
        curves: 0,
        progress: !json && paths >= 200 && std::io::stderr().is_terminal(),
    }
}

fn print_mc_diff(mc: &arb::run::diff::McDiff, row: &dyn Fn(&str, String, String)) {
    let (a, b) = (&mc.a, &mc.b);
    println!("monte carlo, {} paths from seed {}:", a.paths, a.seed);
    let f = |x: f64| format!("{x:.2}");
    let pct = |x: Option<f64>| x.map_or("n/a".into(), |x| format!("{:.1}%", x * 100.0));
    row("  mean PnL $", f(a.pnl.mean), f(b.pnl.mean));
    row("  median PnL $", f(a.pnl.median), f(b.pnl.median));
    row(
        "  p5 / worst PnL $",
        format!("{} / {}", f(a.pnl.p5), f(a.pnl.worst)),
        format!("{} / {}", f(b.pnl.p5), f(b.pnl.worst)),
    );
    row(
        "  probability of loss",
        pct(Some(a.prob_loss)),
        pct(Some(b.prob_loss)),
    );
    row(
        "  expected $ (intents)",
        f(a.expected_mean),
        f(b.expected_mean),
    );
    row(
        "  conversion realized/expected",
        pct(a.conversion),
        pct(b.conversion),
    );
    row(
        "  fill rate, first legs",
        pct(a.fill_rates.first_leg.rate),
        pct(b.fill_rates.first_leg.rate),
    );
    row(
        "  fill rate, second legs",
        pct(a.fill_rates.second_leg.rate),
        pct(b.fill_rates.second_leg.rate),
    );
    row(
        "  fill rate, hedges",
        pct(a.fill_rates.hedge.rate),
        pct(b.fill_rates.hedge.rate),
    );
    for (la, lb) in a.lanes.iter().zip(&b.lanes) {
        row(
            &format!("  {} realized $", la.lane),
            f(la.pnl_mean),
            f(lb.pnl_mean),
        );
        row(
            &format!("  {} conversion", la.lane),
            pct(la.conversion),
            pct(lb.conversion),
        );
    }
}
