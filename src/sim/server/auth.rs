//! Request authentication on the simulator, checked the way the venues check it: a
//! request with a bad signature, an unknown key or a stale timestamp is refused.

use super::SimAccount;
use axum::body::Bytes;
use axum::extract::{FromRequest, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};

/// How far a Kalshi request timestamp may be from the simulator's clock.
const KALSHI_TIMESTAMP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// True if `signature` is the account's RSA-PSS signature over `ts + METHOD + path`
/// and `ts` is fresh.
pub fn kalshi_signature_ok(
    account: &SimAccount,
    ts: &str,
    method: &str,
    path: &str,
    signature: &str,
) -> bool {
    let Some(verifier) = &account.kalshi else {
        return false;
    };
    crate::venues::kalshi::auth::check_timestamp(
        ts,
        crate::clock::wall_ms(),
        KALSHI_TIMESTAMP_WINDOW_MS,
    )
    .is_ok()
        && verifier.verify(ts, method, path, signature).is_ok()
}

/// The request path as the client sent (and signed) it, before the router stripped a
/// nest prefix: what the `OriginalUri` extractor gives.
pub fn signed_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or(parts.uri.path(), |u| u.0.path())
}

/// What a signed request's check reads: method, signed path, headers and the body.
/// The body is buffered first, as a `Bytes` handler argument is, so a body that
/// cannot be read is refused (with axum's answer) before authentication.
pub struct SignedRequest {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for SignedRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let method = parts.method.clone();
        let path = signed_path(&parts).to_string();
        let headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(SignedRequest {
            method,
            path,
            headers,
            body,
        })
    }
}
