//! One chat-completions request to an OpenAI-compatible endpoint, and the errors it can
//! end in (transport, timeout, HTTP status, an answer not in the shape asked for). The
//! API key goes in the `Authorization` header only; `redact` keeps it out of everything
//! recorded.

use super::LlmConfig;
use serde_json::{Value, json};
use std::time::Duration;

/// Longest piece of a response body kept in an error or a record.
const MAX_BODY: usize = 2_000;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LlmError {
    #[error("timeout after {0}s")]
    Timeout(f64),
    #[error("transport: {0}")]
    Transport(String),
    #[error("HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("malformed response: {0}")]
    Malformed(String),
}

/// The model's message and the raw response body.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub content: String,
    pub raw: String,
}

pub struct Client {
    http: reqwest::Client,
    url: String,
    config: LlmConfig,
    key: Option<String>,
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_BODY) {
        Some((i, _)) => format!("{} [cut]", &s[..i]),
        None => s.to_string(),
    }
}

/// Replaces every occurrence of the key in `s` (a server may echo what it was sent).
pub fn redact(s: &str, key: Option<&str>) -> String {
    match key {
        Some(k) if !k.is_empty() => s.replace(k, "[redacted]"),
        _ => s.to_string(),
    }
}

impl Client {
    pub fn new(config: &LlmConfig, key: Option<String>) -> Result<Client, LlmError> {
        let http = crate::venues::http::client(Duration::from_secs_f64(config.timeout_s))
            .map_err(|e| LlmError::Transport(e.to_string()))?;
        Ok(Client {
            http,
            url: format!(
                "{}/chat/completions",
                config.endpoint.trim().trim_end_matches('/')
            ),
            config: config.clone(),
            key,
        })
    }

    /// The request body for a system and a user message.
    pub fn body(&self, system: &str, user: &str) -> Value {
        json!({
            "model": self.config.model,
            "temperature": self.config.temperature,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        })
    }

    pub async fn ask(&self, body: &Value) -> Result<Reply, LlmError> {
        let mut req = self.http.post(&self.url).json(body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let timeout = self.config.timeout_s;
        let fail = |e: reqwest::Error| {
            if e.is_timeout() {
                LlmError::Timeout(timeout)
            } else {
                LlmError::Transport(e.without_url().to_string())
            }
        };
        let resp = req.send().await.map_err(fail)?;
        let status = resp.status();
        let raw = resp.text().await.map_err(fail)?;
        let key = self.key.as_deref();
        if !status.is_success() {
            return Err(LlmError::Status {
                status: status.as_u16(),
                body: redact(&clip(raw.trim()), key),
            });
        }
        let content = serde_json::from_str::<Value>(&raw)
            .ok()
            .and_then(|v| {
                v.pointer("/choices/0/message/content")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                LlmError::Malformed(format!(
                    "no choices[0].message.content in {}",
                    redact(&clip(raw.trim()), key)
                ))
            })?;
        Ok(Reply {
            content: redact(&content, key),
            raw: redact(&clip(&raw), key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_the_key_and_clip_bounds_bodies() {
        assert_eq!(
            redact("Bearer sk-abc and sk-abc", Some("sk-abc")),
            "Bearer [redacted] and [redacted]"
        );
        assert_eq!(redact("x", Some("")), "x");
        assert_eq!(redact("x", None), "x");
        assert!(clip(&"a".repeat(MAX_BODY + 1)).ends_with("[cut]"));
    }
}
