//! `arb live`'s start-up, before any task runs: the journal created or continued (torn
//! tail cut, state replayed), the profile's events, market and pair definitions, the
//! exclusive ladders, reconciliation with the venues and the opening balances.

use super::core::event_ns;
use super::executor::Route;
use super::sides::{KalshiSide, PolymarketSide};
use super::{LiveError, groups, kalshi, polymarket, recovery};
use crate::core::{ClientOrderId, MarketId, Venue};
use crate::engine::Reducer;
use crate::event::Event;
use crate::journal::{JournalWriter, SyncMode, WriterOptions};
use crate::mapping::PairResolver;
use crate::run::CoreLoop;
use crate::venues::MarketInterner;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// What start-up hands the run.
pub(super) struct Started {
    pub core: CoreLoop,
    pub interner: MarketInterner,
    pub routes: BTreeMap<MarketId, Route>,
    /// The configured mapping's pairs: those still waiting for their markets.
    pub resolver: PairResolver,
    /// The digest of the mapping file in use, when one is configured.
    pub mapping_digest: Option<u64>,
    /// Set when the run continues an existing journal.
    pub recovered: Option<recovery::Recovered>,
}

/// Runs the start-up sequence against the connected venues.
pub(super) async fn start(
    journal: &Path,
    segment_bytes: u64,
    engine: &crate::config::Profile,
    pairs: Option<crate::mapping::reload::Loaded>,
    listed_rules: crate::mapping::drift::ListedRules,
    kalshi_side: Option<&KalshiSide>,
    poly_side: Option<&PolymarketSide>,
) -> Result<Started, LiveError> {
    let Opened {
        mut core,
        mut interner,
        mut recovered,
        decided_ms,
    } = open_journal(journal, segment_bytes, engine)?;
    for ev in engine.events() {
        core.step(event_ns(), &ev)?;
    }
    if recovered.is_some() {
        // A clean stop before left the engine halted for its shutdown: lift that.
        core.step(
            event_ns(),
            &Event::Operator(crate::event::OperatorCommand::Restarted),
        )?;
    }
    if kill_switch_from_env() {
        // The environment's kill switch: the run starts halted (journaled).
        let halt = Event::Operator(crate::event::OperatorCommand::KillSwitch { engaged: true });
        core.step(event_ns(), &halt)?;
    }
    let mapping_digest = pairs.as_ref().map(|l| l.info.digest);
    let mut resolver = match pairs {
        Some(l) => {
            crate::mapping::warn_shared_markets(&l.specs, &l.info.source);
            // The mapping in use, journaled before any pair it defines.
            core.step(event_ns(), &Event::MappingLoaded(l.info))?;
            if recovered.is_some() {
                // The journal's markets are known and its pairs held: the mapping now
                // adds, re-weighs or drops pairs among them as a reload would.
                // Weighed against the resolution texts listed now: a pair whose text
                // changed while the engine was down is lowered before anything trades.
                let (resolver, changes) = PairResolver::resume(
                    l.specs,
                    interner.metas(),
                    &core.reducer.markets().pairs,
                    listed_rules,
                );
                for ev in changes {
                    core.step(event_ns(), &ev)?;
                }
                resolver
            } else {
                let mut resolver = PairResolver::new(l.specs);
                // Nothing is defined yet: the texts weigh the pairs to come.
                for ev in resolver.on_listed_rules(listed_rules) {
                    core.step(event_ns(), &ev)?;
                }
                resolver
            }
        }
        None => PairResolver::default(),
    };
    let routes = define_markets(
        &mut core,
        &mut interner,
        &mut resolver,
        kalshi_side,
        poly_side,
    )
    .await?;
    if let Some(r) = recovered.as_mut() {
        reconcile(
            &mut core,
            r,
            &interner,
            &routes,
            &decided_ms,
            kalshi_side,
            poly_side,
        )
        .await?;
    }
    if let Some(k) = kalshi_side {
        core.step(event_ns(), &kalshi::balance(&k.rest).await?)?;
    }
    if let Some(p) = poly_side {
        core.step(event_ns(), &polymarket::balance(&p.rest).await?)?;
    }
    Ok(Started {
        core,
        interner,
        routes,
        resolver,
        mapping_digest,
        recovered,
    })
}

/// The journal opened and the engine's state as it left it.
struct Opened {
    core: CoreLoop,
    interner: MarketInterner,
    recovered: Option<recovery::Recovered>,
    /// When each order the journal left open was decided (ms).
    decided_ms: BTreeMap<ClientOrderId, i64>,
}

/// A journal that exists is continued: its torn tail cut, its state rebuilt.
fn open_journal(
    journal: &Path,
    segment_bytes: u64,
    engine: &crate::config::Profile,
) -> Result<Opened, LiveError> {
    let continuing = crate::journal::Journal::open(journal).is_ok();
    let mut decided_ms = BTreeMap::new();
    let opts_w = WriterOptions {
        sync: SyncMode::Fsync,
        segment_bytes,
        ..WriterOptions::default()
    };
    let (writer, reducer, interner, recovered) = if continuing {
        // Only the last segment is verified here: the replay reads what it needs.
        let writer = JournalWriter::open_at_end(journal, opts_w)?;
        let torn_tail = writer.recovered_tail().map(|t| t.offset);
        let mut reducer = Reducer::new(engine.engine.clone());
        let replayed = recovery::replay_into(journal, &mut reducer)?;
        decided_ms = replayed.decided_ms;
        (
            writer,
            reducer,
            replayed.interner,
            Some(recovery::Recovered {
                events_replayed: replayed.events,
                snapshot: replayed.snapshot,
                torn_tail,
                ..Default::default()
            }),
        )
    } else {
        (
            JournalWriter::create(journal, opts_w)?,
            Reducer::new(engine.engine.clone()),
            MarketInterner::new(),
            None,
        )
    };
    let mut core = CoreLoop::new(writer, reducer);
    // Orders decided before the executor runs (an unwind found by reconciliation, a
    // cancel of an overdue resting leg) are held and sent once it does.
    core.held_orders = Some(Vec::new());
    core.decided_ms = decided_ms.clone();
    Ok(Opened {
        core,
        interner,
        recovered,
        decided_ms,
    })
}

/// The venues' markets defined (and the pairs they complete), the exclusive ladders
/// among them; returns where each market's orders go.
async fn define_markets(
    core: &mut CoreLoop,
    interner: &mut MarketInterner,
    resolver: &mut PairResolver,
    kalshi_side: Option<&KalshiSide>,
    poly_side: Option<&PolymarketSide>,
) -> Result<BTreeMap<MarketId, Route>, LiveError> {
    let mut definitions = Vec::new();
    let mut exclusive = Vec::new();
    let mut kalshi_markets = Vec::new();
    let mut routes: BTreeMap<MarketId, Route> = BTreeMap::new();
    if let Some(k) = kalshi_side {
        let metas = kalshi::market_metas(&k.rest, &k.meta, &k.tickers, interner).await?;
        definitions.extend(metas.definitions);
        exclusive = metas.exclusive;
        kalshi_markets = metas.markets;
        for t in &k.tickers {
            if let Some(id) = interner.get(Venue::Kalshi, t) {
                routes.insert(
                    id,
                    Route::Kalshi {
                        rest: Arc::new(k.rest.clone()),
                        ticker: t.clone(),
                    },
                );
            }
        }
    }
    if let Some(p) = poly_side {
        let (events, infos) =
            polymarket::market_metas(&p.rest, &p.meta, &p.tokens, interner).await?;
        definitions.extend(events);
        for (id, token) in infos {
            routes.insert(
                id,
                Route::Polymarket {
                    rest: Arc::new(p.rest.clone()),
                    token,
                },
            );
        }
    }
    for ev in definitions {
        let ready = match &ev {
            Event::MarketDefined(m) => resolver.on_market(m.venue, &m.venue_id, m.id),
            _ => Vec::new(),
        };
        core.step(event_ns(), &ev)?;
        for rule in ready {
            core.step(event_ns(), &Event::PairDefined(rule))?;
        }
    }
    let (ladders, partial) = groups::to_define(
        &exclusive,
        &kalshi_markets,
        interner.metas(),
        &core.reducer.groups().rules,
    );
    groups::warn_partial(&partial, interner.metas());
    for ev in ladders {
        core.step(event_ns(), &ev)?;
    }
    Ok(routes)
}

/// Before any new order: what the journal left open, checked with the venues.
async fn reconcile(
    core: &mut CoreLoop,
    r: &mut recovery::Recovered,
    interner: &MarketInterner,
    routes: &BTreeMap<MarketId, Route>,
    decided_ms: &BTreeMap<ClientOrderId, i64>,
    kalshi_side: Option<&KalshiSide>,
    poly_side: Option<&PolymarketSide>,
) -> Result<(), LiveError> {
    if let Some(k) = kalshi_side {
        let (open, differences) = recovery::reconcile_kalshi(core, &k.rest).await?;
        r.open_orders_reconciled = open;
        r.differences = differences;
    }
    if let Some(p) = poly_side {
        let tokens: BTreeMap<MarketId, polymarket::TokenInfo> = routes
            .iter()
            .filter_map(|(id, route)| match route {
                Route::Polymarket { token, .. } => Some((*id, token.clone())),
                Route::Kalshi { .. } => None,
            })
            .collect();
        let (open, differences) =
            recovery::reconcile_polymarket(core, &p.rest, &tokens, decided_ms).await?;
        r.open_orders_reconciled += open;
        r.differences += differences;
    }
    let wallet = poly_side
        .and_then(|p| p.rest.signer())
        .map(|s| s.address().to_string());
    let polymarket = match (poly_side, &wallet) {
        (Some(p), Some(w)) => Some((&p.rest, &p.data, w.as_str())),
        _ => None,
    };
    r.differences +=
        recovery::reconcile_positions(core, kalshi_side.map(|k| &k.rest), polymarket, interner)
            .await?;
    Ok(())
}

/// `ARB_KILL_SWITCH` set to anything but empty or `0`: start with the kill switch on.
fn kill_switch_from_env() -> bool {
    std::env::var("ARB_KILL_SWITCH").is_ok_and(|v| !v.is_empty() && v != "0")
}
