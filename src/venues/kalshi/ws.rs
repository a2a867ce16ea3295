//! Kalshi WebSocket client: a signed handshake, `subscribe` / `update_subscription`
//! commands, and the stream of text frames stamped with their receive time. Pings are
//! answered by the library; mapping frames to events is `mapping`'s job.

use super::auth::KalshiSigner;
use crate::venues::http::{VenueError, url_path};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One connection to Kalshi's WebSocket API.
pub struct KalshiWs {
    /// When anything (data, ping, pong) last came from the server.
    last_heard: std::time::Instant,
    stream: Stream,
    next_id: u64,
    url: String,
}

fn transport(url: &str, e: impl std::fmt::Display) -> VenueError {
    VenueError::Transport {
        endpoint: format!("websocket {url}"),
        message: e.to_string(),
    }
}

impl KalshiWs {
    /// Connects to `url` (e.g. `wss://api.elections.kalshi.com/trade-api/ws/v2`),
    /// signing the handshake as `GET` of its path when a signer is given.
    pub async fn connect(url: &str, signer: Option<&KalshiSigner>) -> Result<KalshiWs, VenueError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut request = url.into_client_request().map_err(|e| transport(url, e))?;
        if let Some(s) = signer {
            let ts = crate::clock::wall_ms();
            let headers = s
                .headers(ts, "GET", url_path(url))
                .map_err(|e| VenueError::Signing {
                    endpoint: format!("websocket {url}"),
                    message: e.to_string(),
                })?;
            for (name, value) in headers {
                let value = value.parse().map_err(|e| transport(url, e))?;
                request.headers_mut().insert(name, value);
            }
        }
        let (stream, response) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(r)
                    if r.status().as_u16() == 401 || r.status().as_u16() == 403 =>
                {
                    VenueError::Auth {
                        endpoint: format!("websocket {url}"),
                        status: r.status().as_u16(),
                        message: "handshake refused".into(),
                    }
                }
                other => transport(url, other),
            })?;
        let _ = response;
        Ok(KalshiWs {
            last_heard: std::time::Instant::now(),
            stream,
            next_id: 1,
            url: url.to_string(),
        })
    }

    async fn send(&mut self, cmd: Value) -> Result<u64, VenueError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut cmd = cmd;
        cmd["id"] = json!(id);
        self.stream
            .send(Message::Text(cmd.to_string().into()))
            .await
            .map_err(|e| transport(&self.url, e))?;
        Ok(id)
    }

    /// Subscribes `channels` for `tickers` (all markets if empty). Returns the command id.
    pub async fn subscribe(
        &mut self,
        channels: &[&str],
        tickers: &[String],
    ) -> Result<u64, VenueError> {
        let mut params = json!({"channels": channels});
        if !tickers.is_empty() {
            params["market_tickers"] = json!(tickers);
        }
        self.send(json!({"cmd": "subscribe", "params": params}))
            .await
    }

    /// Adds `tickers` to subscription `sid` (`update_subscription`, `add_markets`): an
    /// order book subscription sends their snapshots.
    pub async fn add_markets(&mut self, sid: u64, tickers: &[String]) -> Result<u64, VenueError> {
        self.send(json!({"cmd": "update_subscription", "params": {"sids": [sid], "market_tickers": tickers, "action": "add_markets"}})).await
    }

    /// Removes `tickers` from subscription `sid` (`update_subscription`, `delete_markets`).
    pub async fn delete_markets(
        &mut self,
        sid: u64,
        tickers: &[String],
    ) -> Result<u64, VenueError> {
        self.send(json!({"cmd": "update_subscription", "params": {"sids": [sid], "market_tickers": tickers, "action": "delete_markets"}})).await
    }

    /// Asks for fresh order book snapshots on subscription `sid` (after a gap).
    pub async fn get_snapshot(&mut self, sid: u64, tickers: &[String]) -> Result<u64, VenueError> {
        self.send(json!({"cmd": "update_subscription", "params": {"sids": [sid], "market_tickers": tickers, "action": "get_snapshot"}})).await
    }

    /// The next text frame and its receive time (ns). `None` when the server closed.
    pub async fn next(&mut self) -> Option<Result<(i64, String), VenueError>> {
        loop {
            let msg = self.stream.next().await?;
            self.last_heard = std::time::Instant::now();
            match msg {
                Ok(Message::Text(t)) => return Some(Ok((crate::clock::event_ns(), t.to_string()))),
                Ok(Message::Close(_)) => return None,
                Ok(_) => continue, // pings are answered by the library; pongs and binary are not data
                Err(e) => return Some(Err(transport(&self.url, e))),
            }
        }
    }

    /// How long the server has said nothing at all (no data, no ping).
    pub fn silent_for(&self) -> std::time::Duration {
        self.last_heard.elapsed()
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
