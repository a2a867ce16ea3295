//! What every venue's REST client shares: the HTTP client (rustls with the ring
//! provider), and a typed error that classifies failures the way callers act on them
//! (auth, rate limit with `Retry-After`, server error, venue refusal, transport).

use std::time::Duration;

/// A failed venue request. Messages name the endpoint, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum VenueError {
    #[error("{endpoint}: authentication refused (HTTP {status}): {message}")]
    Auth {
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("{endpoint}: rate limited (HTTP 429), retry after {retry_after:?}")]
    RateLimited {
        endpoint: String,
        retry_after: Option<Duration>,
    },
    #[error("{endpoint}: venue error HTTP {status}: {message}")]
    Server {
        endpoint: String,
        status: u16,
        message: String,
    },
    /// The venue understood and refused (4xx other than auth and rate limits).
    #[error("{endpoint}: refused (HTTP {status}, {code}): {message}")]
    Rejected {
        endpoint: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{endpoint}: not found")]
    NotFound { endpoint: String },
    /// The request may have reached the venue, but no answer came back (timed out,
    /// connection reset after it was written).
    #[error("{endpoint}: transport: {message}")]
    Transport { endpoint: String, message: String },
    /// No connection could be made: the request was never sent.
    #[error("{endpoint}: unreachable: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("{endpoint}: unexpected response body: {message}")]
    Decode { endpoint: String, message: String },
    #[error("{endpoint}: cannot sign request: {message}")]
    Signing { endpoint: String, message: String },
    /// Not sent: the rate governor's queue is full or the wait would be too long.
    #[error("{endpoint}: not sent: the rate limit leaves no room (request throttled here)")]
    Throttled { endpoint: String },
    /// Not sent: this kind of request failed repeatedly; the breaker is open.
    #[error("{endpoint}: not sent: circuit open after repeated failures")]
    CircuitOpen { endpoint: String },
}

impl VenueError {
    /// Worth retrying later (rate limits, server errors, transport failures).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            VenueError::RateLimited { .. }
                | VenueError::Server { .. }
                | VenueError::Transport { .. }
                | VenueError::Unreachable { .. }
                | VenueError::Throttled { .. }
                | VenueError::CircuitOpen { .. }
        )
    }
}

impl VenueError {
    /// For a request that changes state at the venue (an order, a cancel): true when
    /// the venue may have acted on it although no definite answer came back (a 5xx, a
    /// timeout or reset after the request was written, a body that does not parse).
    /// Such an outcome is unknown until the venue is asked; every other error is a
    /// definite "not done" (refused, rate limited, or never sent).
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            VenueError::Server { .. } | VenueError::Transport { .. } | VenueError::Decode { .. }
        )
    }

    /// The error a failed send stands for: `Unreachable` when no connection was made
    /// (nothing reached the venue), else `Transport` (it may have).
    pub fn from_send(endpoint: String, e: reqwest::Error) -> VenueError {
        let connect = e.is_connect();
        let mut message = if e.is_timeout() {
            "timed out".to_string()
        } else {
            String::new()
        };
        // The root cause ("connection closed before message completed", ...), which
        // reqwest's own text leaves out.
        let e = e.without_url();
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        for part in [e.to_string(), cause.to_string()] {
            if !part.is_empty() && !message.contains(&part) {
                message = if message.is_empty() {
                    part
                } else {
                    format!("{message}: {part}")
                };
            }
        }
        if connect {
            VenueError::Unreachable { endpoint, message }
        } else {
            VenueError::Transport { endpoint, message }
        }
    }

    /// The error a non-2xx answer stands for: 401/403 auth, 404, 429 with its
    /// `Retry-After`, 5xx, and any other refusal with the venue's own code and text.
    pub fn from_status(
        endpoint: String,
        status: u16,
        retry_after: Option<Duration>,
        code: String,
        message: String,
    ) -> VenueError {
        match status {
            401 | 403 => VenueError::Auth {
                endpoint,
                status,
                message,
            },
            404 => VenueError::NotFound { endpoint },
            429 => VenueError::RateLimited {
                endpoint,
                retry_after,
            },
            500..=599 => VenueError::Server {
                endpoint,
                status,
                message,
            },
            _ => VenueError::Rejected {
                endpoint,
                status,
                code,
                message,
            },
        }
    }
}

/// Builds the HTTP client every venue adapter uses. The first call installs rustls's
/// ring provider as the process default.
pub fn client(timeout: Duration) -> Result<reqwest::Client, VenueError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .build()
        .map_err(|e| VenueError::Transport {
            endpoint: "client".into(),
            message: e.to_string(),
        })
}

/// Parses `Retry-After` (seconds; HTTP dates are not used by these venues).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// The path part of a URL (what Kalshi signs), without scheme, host or query.
pub fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split('?').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_drops_scheme_host_and_query() {
        assert_eq!(
            url_path("https://api.elections.kalshi.com/trade-api/v2/portfolio/orders?limit=5"),
            "/trade-api/v2/portfolio/orders"
        );
        assert_eq!(url_path("http://127.0.0.1:9/x"), "/x");
        assert_eq!(url_path("http://127.0.0.1:9"), "/");
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
