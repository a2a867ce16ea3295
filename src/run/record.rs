//! `arb record`: raw venue WebSocket frames to JSON Lines (`{"recv_ms", "frame"}`), the
//! format `arb import` reads, so a real (or simulated) day can be replayed later.

use crate::core::Venue;
use crate::run::live::{LiveConfig, is_loopback};
use crate::venues::http::VenueError;
use crate::venues::kalshi::auth::KalshiSigner;
use crate::venues::kalshi::ws::KalshiWs;
use crate::venues::polymarket::ws::PolymarketWs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Venue(#[from] VenueError),
    #[error(transparent)]
    Credential(#[from] crate::venues::credentials::CredentialError),
    #[error("{0}")]
    Refused(String),
}

/// A subscribed market-data stream of one venue.
enum Source {
    Kalshi(Box<KalshiWs>),
    Polymarket(Box<PolymarketWs>),
}

impl Source {
    async fn next(&mut self) -> Option<Result<(i64, String), VenueError>> {
        match self {
            Source::Kalshi(ws) => ws.next().await,
            Source::Polymarket(ws) => ws.next().await,
        }
    }

    async fn close(self) {
        match self {
            Source::Kalshi(ws) => ws.close().await,
            Source::Polymarket(ws) => ws.close().await,
        }
    }
}

fn refuse_real(url: &str, allow_real_venues: bool) -> Result<(), RecordError> {
    if is_loopback(url) || allow_real_venues {
        Ok(())
    } else {
        Err(RecordError::Refused(format!(
            "{url} is a real venue endpoint: recording from it needs --allow-real-venues"
        )))
    }
}

/// Connects and subscribes to the configured markets of `venue` (Kalshi:
/// `orderbook_delta` and `trade`; Polymarket: the market channel).
async fn open(
    venue: Venue,
    config: &LiveConfig,
    allow_real_venues: bool,
) -> Result<Source, RecordError> {
    match venue {
        Venue::Kalshi => {
            let Some(k) = &config.kalshi else {
                return Err(RecordError::Refused("arb record --venue kalshi needs a [kalshi] section in --config (URL, key, markets)".into()));
            };
            refuse_real(&k.ws_url, allow_real_venues)?;
            let signer = KalshiSigner::load(k.key_id.clone(), &k.private_key)?;
            let mut ws = KalshiWs::connect(&k.ws_url, Some(&signer)).await?;
            ws.subscribe(&["orderbook_delta", "trade"], &k.markets)
                .await?;
            Ok(Source::Kalshi(Box::new(ws)))
        }
        Venue::Polymarket => {
            let Some(p) = &config.polymarket else {
                return Err(RecordError::Refused("arb record --venue polymarket needs a [polymarket] section in --config (URLs, tokens)".into()));
            };
            refuse_real(&p.ws_url, allow_real_venues)?;
            let mut ws = PolymarketWs::connect(&p.ws_url).await?;
            ws.subscribe_market(&p.tokens).await?;
            Ok(Source::Polymarket(Box::new(ws)))
        }
    }
}

/// Records `venue`'s market data into `out` (which must not exist) for `duration`, or
/// until SIGINT. Returns the number of frames written.
pub async fn record(
    venue: Venue,
    config: &LiveConfig,
    out: &Path,
    duration: Option<Duration>,
    allow_real_venues: bool,
) -> Result<u64, RecordError> {
    let write_err = |source| RecordError::Write {
        path: out.display().to_string(),
        source,
    };
    let mut source = open(venue, config, allow_real_venues).await?;
    let file = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(out)
        .map_err(write_err)?;
    let mut w = std::io::BufWriter::new(file);
    let deadline = duration.map(|d| tokio::time::Instant::now() + d);
    let mut frames = 0u64;
    loop {
        let frame = match deadline {
            Some(d) => tokio::time::timeout_at(d, source.next())
                .await
                .ok()
                .flatten(),
            None => tokio::select! {
                biased;
                _ = tokio::signal::ctrl_c() => None,
                f = source.next() => f,
            },
        };
        let Some(frame) = frame else { break };
        let (ts, text) = frame?;
        if text.trim().eq_ignore_ascii_case("PONG") {
            continue; // keepalive, not data
        }
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        writeln!(
            w,
            "{}",
            serde_json::json!({"recv_ms": ts / 1_000_000, "frame": value})
        )
        .map_err(write_err)?;
        frames += 1;
    }
    w.flush().map_err(write_err)?;
    source.close().await;
    Ok(frames)
}
