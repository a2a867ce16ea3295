//! `arb live`, `sim`, `record`, `preflight`, `halt`, `resume`, `lane`, `ack`, `orders`:
//! running and operating the engine against venues.

use super::{Command, secs};
use anyhow::{Context, Result};
use arb::run::control::{self, Switch};
use arb::run::live;

pub(super) fn run(command: Command) -> Result<i32> {
    match command {
        Command::Live {
            config,
            journal,
            duration,
            allow_real_venues,
            json,
        } => {
            let config = live_config(config.as_deref())?;
            let duration = duration.map(secs).transpose()?;
            let journal = journal.unwrap_or_else(live::default_journal);
            let s = live::run(live::LiveOptions {
                config,
                journal,
                duration,
                allow_real_venues,
                log_file: true,
            })?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("live run against {} -> {}", s.venue, s.journal.display());
                println!(
                    "  events {}, decisions {}, opportunities {}, intents {}, open orders at stop {}",
                    s.events, s.decisions, s.opportunities, s.intents, s.open_orders
                );
                if let (Some(p50), Some(p99)) = (s.tick_to_order_us_p50, s.tick_to_order_us_p99) {
                    println!("  tick-to-order p50 {p50:.0} µs, p99 {p99:.0} µs");
                }
                println!("  state hash {}", s.state_hash);
                println!("replay it: arb replay {}", s.journal.display());
            }
            Ok(0)
        }
        Command::Sim {
            scenario,
            listen,
            speed,
            duration,
            clock_origin_ms,
            pairs_out,
        } => {
            let duration = duration.map(secs).transpose()?;
            if let Some(out) = pairs_out {
                let loaded = arb::sim::Scenario::load_or_default(scenario.as_deref())?;
                std::fs::write(&out, loaded.pairs_mapping())
                    .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
                println!("pairs: {} -> {}", loaded.pairs.len(), out.display());
            }
            if let Some(origin_ms) = clock_origin_ms {
                anyhow::ensure!(
                    speed.is_finite() && speed >= 1.0,
                    "--clock-origin-ms needs a --speed of at least 1 (got {speed})"
                );
                arb::clock::set_event_clock(Some(arb::clock::EventClock {
                    origin_ns: origin_ms.saturating_mul(1_000_000),
                    speed,
                }));
            }
            arb::sim::server::serve_standalone(scenario.as_deref(), listen, speed, duration)
                .map_err(anyhow::Error::msg)?;
            Ok(0)
        }
        Command::Record {
            venue,
            config,
            out,
            duration,
            allow_real_venues,
        } => {
            let config = live::LiveConfig::load(&config)?;
            let duration = duration.map(secs).transpose()?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let frames = runtime.block_on(arb::run::record::record(
                venue,
                &config,
                &out,
                duration,
                allow_real_venues,
            ))?;
            println!(
                "recorded {frames} frames -> {} (arb import --venue {venue} {} --journal DIR)",
                out.display(),
                out.display()
            );
            Ok(0)
        }
        Command::Preflight {
            config,
            allow_real_venues,
            json,
        } => {
            let cfg = live_config(config.as_deref())?;
            let report = match live::preflight(&cfg, allow_real_venues) {
                Ok(r) => r,
                // A reader of the JSON gets the refusal as a red check, not only stderr.
                Err(e) if json => live::preflight::Report::refused("configuration", e.to_string()),
                Err(e) => return Err(e.into()),
            };
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                for line in report.lines() {
                    println!("{line}");
                }
            }
            Ok(if report.passed() { 0 } else { 1 })
        }
        Command::Universe {
            config,
            out,
            page_size,
            allow_real_venues,
            json,
        } => {
            let cfg = live_config(config.as_deref())?;
            let started = std::time::Instant::now();
            let u = live::universe(&cfg, allow_real_venues, page_size)?;
            let text = serde_json::to_string_pretty(&u)?;
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            let summary = serde_json::json!({
                "out": out.display().to_string(),
                "kalshi_markets": u.kalshi.len(),
                "kalshi_pages": u.pages[0],
                "polymarket_markets": u.polymarket.len(),
                "polymarket_events": u.polymarket_events.len(),
                "polymarket_pages": u.pages[1],
                "requests": u.requests,
                "left_out": u.left_out.len(),
                "seconds": started.elapsed().as_secs_f64(),
            });
            if json {
                println!("{summary}");
            } else {
                println!(
                    "universe: {} Kalshi markets ({} pages), {} Polymarket conditions ({} pages), {} requests, {} left out -> {} in {:.1} s",
                    u.kalshi.len(),
                    u.pages[0],
                    u.polymarket.len(),
                    u.pages[1],
                    u.requests[0] + u.requests[1],
                    u.left_out.len(),
                    out.display(),
                    started.elapsed().as_secs_f64()
                );
                for why in &u.left_out {
                    println!("  left out: {why}");
                }
            }
            Ok(0)
        }
        Command::Halt {
            journal,
            reason,
            venue,
        } => {
            let switch = venue.map_or(Switch::Halt, Switch::VenueHalt);
            control::set(&journal, switch, &reason)
                .with_context(|| format!("writing {}", control::dir(&journal).display()))?;
            let what = venue.map_or("new orders".to_string(), |v| format!("new orders on {v}"));
            println!(
                "halt requested: a running arb live on {} stops {what} within 200 ms",
                journal.display()
            );
            Ok(0)
        }
        Command::Resume { journal, venue } => {
            let switch = venue.map_or(Switch::Halt, Switch::VenueHalt);
            control::clear(&journal, switch)
                .with_context(|| format!("writing {}", control::dir(&journal).display()))?;
            println!("resume requested for {}", journal.display());
            Ok(0)
        }
        Command::Lane {
            lane,
            journal,
            disable,
        } => {
            let Some(l) = arb::event::Lane::ALL.into_iter().find(|l| l.name() == lane) else {
                anyhow::bail!("{lane:?} is not a lane (intra_venue, cross_venue)");
            };
            let switch = Switch::LaneOff(l);
            if disable {
                control::set(&journal, switch, "operator")
            } else {
                control::clear(&journal, switch)
            }
            .with_context(|| format!("writing {}", control::dir(&journal).display()))?;
            let state = if disable { "off" } else { "on" };
            println!("lane {lane} switched {state} for {}", journal.display());
            Ok(0)
        }
        Command::Ack { journal, note } => {
            let stamp = arb::clock::wall_ns();
            arb::run::control::ack(&journal, &note, stamp).with_context(|| {
                format!("writing {}", arb::run::control::dir(&journal).display())
            })?;
            println!("acknowledgement left for {}", journal.display());
            Ok(0)
        }
        Command::Orders { journal, json } => {
            let v = arb::run::orders::view(&journal)?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else {
                println!("mode: {}", v.mode);
                for (venue, cash) in &v.cash {
                    println!("free cash {venue}: ${cash}");
                }
                println!("open orders: {}", v.open_orders.len());
                for o in &v.open_orders {
                    println!(
                        "  {} {} {} {} {} @ {} filled {} ({})",
                        o.client_order_id,
                        o.venue,
                        o.market,
                        o.outcome,
                        o.qty,
                        o.price,
                        o.filled,
                        match (&o.venue_order_id, o.unknown) {
                            (_, true) => "outcome unknown: being looked up at the venue",
                            (Some(v), false) => v.as_str(),
                            (None, false) => "not acked",
                        }
                    );
                }
                println!("positions: {}", v.positions.len());
                for p in &v.positions {
                    println!(
                        "  {} {} {} {} (cost ${})",
                        p.venue, p.market, p.outcome, p.qty, p.cost
                    );
                }
                for e in &v.exposure {
                    let held = match (e.held_since_ms, e.given_up) {
                        (Some(_), true) => {
                            ", the operator's (a stop could not close it)".to_string()
                        }
                        (Some(since), false) => {
                            format!(", held by the exit policy since {since} ms")
                        }
                        (None, _) => String::new(),
                    };
                    println!(
                        "  opportunity {}: exposed {} contracts, {} legs open{held}",
                        e.opportunity, e.exposed, e.legs_open
                    );
                }
            }
            Ok(0)
        }
        _ => anyhow::bail!("not an operating command"),
    }
}

/// The live configuration at `path`, or the default (the embedded simulator).
fn live_config(path: Option<&std::path::Path>) -> Result<live::LiveConfig> {
    Ok(match path {
        Some(p) => live::LiveConfig::load(p)?,
        None => live::LiveConfig::default(),
    })
}
