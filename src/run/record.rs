//! `arb record`: raw venue WebSocket frames to JSON Lines (`{"recv_ms", "frame"}`), the
//! format `arb import` reads, so a real (or simulated) day can be replayed later.

use crate::run::live::LiveConfig;
use crate::venues::http::VenueError;
use crate::venues::kalshi::auth::KalshiSigner;
use crate::venues::kalshi::ws::KalshiWs;
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

/// Records Kalshi's `orderbook_delta` and `trade` channels for the configured markets
/// into `out` for `duration` (or until SIGINT). Returns the number of frames written.
pub async fn record_kalshi(
    config: &LiveConfig,
    out: &Path,
    duration: Option<Duration>,
    allow_real_venues: bool,
) -> Result<u64, RecordError> {
    let Some(k) = &config.kalshi else {
        return Err(RecordError::Refused(
            "arb record --venue kalshi needs a [kalshi] section in --config (URL, key, markets)"
                .into(),
        ));
    };
    if !crate::run::live::is_loopback(&k.ws_url) && !allow_real_venues {
        return Err(RecordError::Refused(format!(
            "{} is a real venue endpoint: recording from it needs --allow-real-venues",
            k.ws_url
        )));
    }
    let signer = KalshiSigner::load(k.key_id.clone(), &k.private_key)?;
    let file = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(out)
        .map_err(|source| RecordError::Write {
            path: out.display().to_string(),
            source,
        })?;
    let mut w = std::io::BufWriter::new(file);
    let mut ws = KalshiWs::connect(&k.ws_url, Some(&signer)).await?;
    ws.subscribe(&["orderbook_delta", "trade"], &k.markets)
        .await?;
    let deadline = duration.map(|d| tokio::time::Instant::now() + d);
    let mut frames = 0u64;
    loop {
        let next = async {
            match deadline {
                Some(d) => tokio::time::timeout_at(d, ws.next()).await.ok().flatten(),
                None => tokio::select! {
                    biased;
                    _ = tokio::signal::ctrl_c() => None,
                    f = ws.next() => f,
                },
            }
        };
        let Some(frame) = next.await else { break };
        let (ts, text) = frame?;
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        let line = serde_json::json!({"recv_ms": ts / 1_000_000, "frame": value});
        writeln!(w, "{line}").map_err(|source| RecordError::Write {
            path: out.display().to_string(),
            source,
        })?;
        frames += 1;
    }
    w.flush().map_err(|source| RecordError::Write {
        path: out.display().to_string(),
        source,
    })?;
    ws.close().await;
    Ok(frames)
}
