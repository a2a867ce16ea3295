//! Kalshi's request signing on the simulator: the account a signed request acts for,
//! and the handler arguments that authenticate (and read the JSON body) first.

use super::{Refusal, error};
use crate::sim::server::SimState;
use crate::sim::server::auth::{SignedRequest, signed_path};
use crate::venues::kalshi::rest_wire as w;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The account a signed request acts for: `signed_path` is the full request path as
/// signed (`/trade-api/v2/portfolio/orders`), or the response Kalshi gives.
pub(in crate::sim::server) fn authenticate(
    state: &SimState,
    headers: &HeaderMap,
    method: &Method,
    signed_path: &str,
) -> Result<String, Refusal> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key), Some(ts), Some(sig)) = (
        header("KALSHI-ACCESS-KEY"),
        header("KALSHI-ACCESS-TIMESTAMP"),
        header("KALSHI-ACCESS-SIGNATURE"),
    ) else {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "missing authentication headers",
        ));
    };
    let Some(account) = state
        .accounts
        .iter()
        .find(|a| a.kalshi_key_id.as_deref() == Some(key))
    else {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "unknown API key",
        ));
    };
    if !crate::sim::server::auth::kalshi_signature_ok(
        account,
        ts,
        method.as_str(),
        signed_path,
        sig,
    ) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid signature",
        ));
    }
    Ok(account.name.clone())
}

/// The account of a signed request that has no body to read (GETs, cancels).
pub(super) struct KalshiAccount(pub String);

impl FromRequestParts<Arc<SimState>> for KalshiAccount {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<SimState>) -> Result<Self, Refusal> {
        authenticate(state, &parts.headers, &parts.method, signed_path(parts)).map(KalshiAccount)
    }
}

/// A JSON body a signed endpoint takes, and what its parse error calls it.
pub(super) trait KalshiBody: DeserializeOwned {
    const NAME: &'static str;
}

impl KalshiBody for w::CreateOrderRequest {
    const NAME: &'static str = "order";
}

impl KalshiBody for w::BatchCreateOrdersRequest {
    const NAME: &'static str = "batch";
}

/// The account of a signed request and its JSON body: refused as `authenticate`
/// refuses, then a body that does not parse is `400 invalid_parameters`.
pub(super) struct KalshiAuthed<T>(pub String, pub T);

impl<T: KalshiBody> FromRequest<Arc<SimState>> for KalshiAuthed<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<SimState>) -> Result<Self, Response> {
        let r = SignedRequest::from_request(req, state).await?;
        let account = authenticate(state, &r.headers, &r.method, &r.path)
            .map_err(IntoResponse::into_response)?;
        let body = serde_json::from_slice(&r.body).map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_parameters",
                &format!("bad {} body: {e}", T::NAME),
            )
        })?;
        Ok(KalshiAuthed(account, body))
    }
}
