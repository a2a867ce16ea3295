//! Polymarket CLOB WebSocket client: the market and user channels, as receive-stamped frames.
//!
//! The market channel (`/ws/market`) is subscribed by token id, the user channel
//! (`/ws/user`) with the API key in the subscribe message; a text `PING` goes out every
//! 10 s.
//!
//! Mapping frames to events is `mapping`'s job. A frame may hold one message or a JSON
//! array of them ([`split_frame`]).

use super::auth::ApiCreds;
use crate::venues::http::VenueError;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How often the client sends `PING` (Polymarket drops connections that stay quiet).
pub const PING_INTERVAL: Duration = Duration::from_secs(10);

/// The market channel under a WebSocket host (`wss://ws-subscriptions-clob.polymarket.com`).
pub fn market_url(host: &str) -> String {
    format!("{}/ws/market", host.trim_end_matches('/'))
}

/// The user channel under a WebSocket host.
pub fn user_url(host: &str) -> String {
    format!("{}/ws/user", host.trim_end_matches('/'))
}

/// The messages of one frame: the elements of a JSON array, or the one object. Not
/// JSON (e.g. `PONG`): none.
pub fn split_frame(text: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// One connection to a Polymarket CLOB WebSocket channel.
pub struct PolymarketWs {
    /// When anything (data, ping, pong) last came from the server.
    last_heard: std::time::Instant,
    stream: Stream,
    url: String,
    ping: tokio::time::Interval,
}

fn transport(url: &str, e: impl std::fmt::Display) -> VenueError {
    VenueError::Transport {
        endpoint: format!("websocket {url}"),
        message: e.to_string(),
    }
}

impl PolymarketWs {
    /// Connects to a channel URL (see [`market_url`], [`user_url`]).
    pub async fn connect(url: &str) -> Result<PolymarketWs, VenueError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| transport(url, e))?;
        let start = tokio::time::Instant::now() + PING_INTERVAL;
        Ok(PolymarketWs {
            last_heard: std::time::Instant::now(),
            stream,
            url: url.to_string(),
            ping: tokio::time::interval_at(start, PING_INTERVAL),
        })
    }

    async fn send_json(&mut self, v: Value) -> Result<(), VenueError> {
        self.stream
            .send(Message::Text(v.to_string().into()))
            .await
            .map_err(|e| transport(&self.url, e))
    }

    /// Market channel: the first subscription, `{"assets_ids": [...], "type": "market"}`.
    /// The venue answers with a `book` per token, then updates.
    pub async fn subscribe_market(&mut self, token_ids: &[String]) -> Result<(), VenueError> {
        // `custom_feature_enabled` adds `market_resolved` (and `new_market`,
        // `best_bid_ask`, which the engine ignores) to the channel.
        self.send_json(
            json!({"assets_ids": token_ids, "type": "market", "custom_feature_enabled": true}),
        )
        .await
    }

    /// Market channel, later: more tokens on the open connection.
    pub async fn add_assets(&mut self, token_ids: &[String]) -> Result<(), VenueError> {
        self.send_json(json!({"assets_ids": token_ids, "operation": "subscribe"}))
            .await
    }

    /// Market channel: stop receiving these tokens.
    pub async fn remove_assets(&mut self, token_ids: &[String]) -> Result<(), VenueError> {
        self.send_json(json!({"assets_ids": token_ids, "operation": "unsubscribe"}))
            .await
    }

    /// User channel: `{"auth": {"apiKey", "secret", "passphrase"}, "markets": [...],
    /// "type": "user"}`; `markets` are condition ids (empty: all).
    pub async fn subscribe_user(
        &mut self,
        creds: &ApiCreds,
        condition_ids: &[String],
    ) -> Result<(), VenueError> {
        let msg = json!({
            "auth": {
                "apiKey": creds.api_key().expose(),
                "secret": creds.secret().expose(),
                "passphrase": creds.passphrase().expose(),
            },
            "markets": condition_ids,
            "type": "user",
        });
        self.send_json(msg).await
    }

    /// The next text frame and its receive time (ns). Sends `PING` when due; skips
    /// `PONG`, control and binary frames. `None` when the server closed.
    pub async fn next(&mut self) -> Option<Result<(i64, String), VenueError>> {
        loop {
            tokio::select! {
                msg = self.stream.next() => {
                    let msg = msg?;
                    self.last_heard = std::time::Instant::now();
                    match msg {
                        Ok(Message::Text(t)) if t.as_str() == "PONG" => continue,
                        Ok(Message::Text(t)) => {
                            return Some(Ok((crate::clock::event_ns(), t.to_string())));
                        }
                        Ok(Message::Close(_)) => return None,
                        Ok(_) => continue,
                        Err(e) => return Some(Err(transport(&self.url, e))),
                    }
                }
                _ = self.ping.tick() => {
                    if let Err(e) = self.stream.send(Message::Text("PING".into())).await {
                        return Some(Err(transport(&self.url, e)));
                    }
                }
            }
        }
    }

    /// How long the server has said nothing at all (no data, no PONG).
    pub fn silent_for(&self) -> std::time::Duration {
        self.last_heard.elapsed()
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_into_messages() {
        assert_eq!(split_frame(r#"[{"a":1},{"b":2}]"#).len(), 2);
        assert_eq!(split_frame(r#"{"a":1}"#).len(), 1);
        assert!(split_frame("PONG").is_empty());
    }

    #[test]
    fn channel_urls_hang_off_the_host() {
        assert_eq!(
            market_url("wss://ws-subscriptions-clob.polymarket.com/"),
            "wss://ws-subscriptions-clob.polymarket.com/ws/market"
        );
        assert_eq!(user_url("ws://127.0.0.1:9"), "ws://127.0.0.1:9/ws/user");
    }
}
