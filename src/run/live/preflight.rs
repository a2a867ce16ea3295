//! `arb preflight`, and the gate `arb live` passes before it trades: a chain of checks
//! (configuration, credentials, each venue reachable and accepting the credentials,
//! each stream delivering a book snapshot, a dry-run decision cycle over those books),
//! each printed green or red; any red stops the start.

use super::sides::{KalshiSide, PolymarketSide};
use crate::config::Profile;
use crate::engine::Reducer;
use crate::event::{BalanceReport, Event};
use crate::venues::MarketInterner;
use crate::venues::kalshi::ws::KalshiWs;
use crate::venues::polymarket::ws::{PolymarketWs, split_frame};
use serde::Serialize;
use std::time::Duration;

/// How long a stream may take to send its first book.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// A report of one red check: what stopped the gate before it reached a venue (a
    /// configuration or a credential refused), for a reader of `--json`.
    pub fn refused(name: &str, detail: String) -> Report {
        Report {
            checks: vec![Check {
                name: name.to_string(),
                ok: false,
                detail,
            }],
        }
    }

    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// A venue's market definitions as a check (how many), kept for the dry run.
    fn add_markets(
        &mut self,
        name: &str,
        defs: Result<Vec<Event>, crate::venues::http::VenueError>,
        events: &mut Vec<Event>,
    ) {
        match defs {
            Ok(defs) => {
                self.add(name, Ok(format!("{} defined", defs.len())));
                events.extend(defs);
            }
            Err(e) => {
                self.add(name, Err(e.to_string()));
            }
        }
    }

    fn add(&mut self, name: impl Into<String>, result: Result<String, String>) -> bool {
        let ok = result.is_ok();
        let detail = result.unwrap_or_else(|e| e);
        self.checks.push(Check {
            name: name.into(),
            ok,
            detail,
        });
        ok
    }

    /// One line a check: `ok  name: detail` or `FAIL name: detail`.
    pub fn lines(&self) -> Vec<String> {
        self.checks
            .iter()
            .map(|c| {
                let mark = if c.ok { "ok  " } else { "FAIL" };
                format!("{mark} {}: {}", c.name, c.detail)
            })
            .collect()
    }

    /// The failed checks, for an error message.
    pub fn failures(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Runs the venue checks and the dry run. The configuration and credential checks
/// happened when the sides were built (a failure there is an error before this).
pub(super) async fn run(
    profile: &Profile,
    kalshi: Option<&KalshiSide>,
    poly: Option<&PolymarketSide>,
) -> Report {
    let mut r = Report::default();
    r.add("configuration", Ok("profile, pairs and venues read".into()));
    // Each venue reachable with these credentials, first: a venue that does not answer
    // is named at once, not after its metadata reads time out.
    let kalshi_reachable = match kalshi {
        Some(k) => Some(match k.rest.balance().await {
            Ok(b) => Ok(format!("balance {} cents; credentials accepted", b.balance)),
            Err(e) => Err(e.to_string()),
        }),
        None => None,
    };
    let poly_reachable = match poly {
        Some(p) => Some(match p.rest.collateral_balance().await {
            Ok(b) => Ok(format!("balance {b}; credentials accepted")),
            Err(e) => Err(e.to_string()),
        }),
        None => None,
    };
    // The reachable venues' market metadata at once, each within its own read budget,
    // into the sides' caches: the checks below and the journal's start-up read from
    // them. A read that fails here is made again below, where its error is reported.
    let started = std::time::Instant::now();
    let up = |reached: &Option<Result<String, String>>| reached.as_ref().is_some_and(Result::is_ok);
    tokio::join!(
        async {
            if let (Some(k), true) = (kalshi, up(&kalshi_reachable)) {
                let mut scratch = MarketInterner::new();
                let _ =
                    super::kalshi::market_metas(&k.rest, &k.meta, &k.tickers, &mut scratch).await;
            }
        },
        async {
            if let (Some(p), true) = (poly, up(&poly_reachable)) {
                let mut scratch = MarketInterner::new();
                let _ = super::polymarket::market_metas(&p.rest, &p.meta, &p.tokens, &mut scratch)
                    .await;
            }
        },
    );
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "market metadata read from the venues"
    );
    let mut interner = MarketInterner::new();
    let mut events = Vec::new();
    if let (Some(k), Some(reachable)) = (kalshi, kalshi_reachable)
        && r.add("kalshi reachable", reachable)
    {
        let defs = super::kalshi::market_metas(&k.rest, &k.meta, &k.tickers, &mut interner)
            .await
            .map(|m| m.definitions);
        r.add_markets("kalshi markets", defs, &mut events);
        let snapshot = kalshi_snapshot(k).await;
        r.add("kalshi stream", snapshot);
    }
    if let (Some(p), Some(reachable)) = (poly, poly_reachable)
        && r.add("polymarket reachable", reachable)
    {
        let defs = super::polymarket::market_metas(&p.rest, &p.meta, &p.tokens, &mut interner)
            .await
            .map(|(defs, _)| defs);
        r.add_markets("polymarket markets", defs, &mut events);
        let snapshot = polymarket_snapshot(p).await;
        r.add("polymarket stream", snapshot);
    }
    if r.passed() {
        r.add("dry run", dry_run(profile, &events));
    }
    r
}

async fn kalshi_snapshot(k: &KalshiSide) -> Result<String, String> {
    let mut ws = KalshiWs::connect(&k.ws_url, Some(&k.signer))
        .await
        .map_err(|e| e.to_string())?;
    ws.subscribe(&["orderbook_delta"], &k.tickers)
        .await
        .map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + SNAPSHOT_WAIT;
    let found = loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => break Err(no_snapshot()),
            Ok(frame) => match seen(frame, |v| v["type"] == "orderbook_snapshot") {
                Some(result) => break result,
                None => continue,
            },
        }
    };
    ws.close().await;
    found
}

async fn polymarket_snapshot(p: &PolymarketSide) -> Result<String, String> {
    let mut ws = PolymarketWs::connect(&p.ws_url)
        .await
        .map_err(|e| e.to_string())?;
    ws.subscribe_market(&p.tokens)
        .await
        .map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + SNAPSHOT_WAIT;
    let found = loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => break Err(no_snapshot()),
            Ok(frame) => match seen(frame, |v| v["event_type"] == "book") {
                Some(result) => break result,
                None => continue,
            },
        }
    };
    ws.close().await;
    found
}

fn no_snapshot() -> String {
    format!("no book snapshot within {} s", SNAPSHOT_WAIT.as_secs())
}

/// What one stream frame says: a snapshot (`Some(Ok)`), the end of the stream
/// (`Some(Err)`), or nothing yet (`None`).
fn seen(
    frame: Option<Result<(i64, String), crate::venues::http::VenueError>>,
    want: impl Fn(&serde_json::Value) -> bool,
) -> Option<Result<String, String>> {
    match frame {
        Some(Ok((_, text))) => split_frame(&text)
            .iter()
            .any(want)
            .then(|| Ok("a book snapshot arrived".into())),
        Some(Err(e)) => Some(Err(e.to_string())),
        None => Some(Err("the stream closed before a snapshot".into())),
    }
}

/// The reducer over the markets with the profile's settings and some cash: it must
/// take every event without refusing one. No journal, no order leaves.
fn dry_run(profile: &Profile, definitions: &[Event]) -> Result<String, String> {
    let mut r = Reducer::new(profile.engine.clone());
    let mut out = Vec::new();
    let mut setup = profile.events().to_vec();
    for venue in crate::core::Venue::ALL {
        setup.push(Event::Balance(BalanceReport {
            venue,
            cash: crate::core::Money::dollars(1),
        }));
    }
    for (i, e) in setup
        .iter()
        .chain(definitions)
        .chain([&Event::Tick])
        .enumerate()
    {
        r.apply(i as i64, e, &mut out);
    }
    let refused = r.stats().rejected_inputs;
    if refused > 0 {
        return Err(format!(
            "the reducer refused {refused} of the start events: {out:?}"
        ));
    }
    Ok(format!(
        "{} markets, {} events applied, {} decisions",
        r.markets().list.len(),
        r.stats().events,
        out.len()
    ))
}
