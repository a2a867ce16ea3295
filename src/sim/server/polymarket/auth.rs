//! Polymarket's auth: L2 (HMAC) request checks and the handler arguments that make
//! them, L1 (`ClobAuth`) and the API-key endpoints.

use super::{CHAIN_IDS, Refusal, Shared, TIMESTAMP_WINDOW_S, now_ms};
use crate::sim::server::auth::{SignedRequest, signed_path};
use crate::sim::server::{SimAccount, SimState};
use crate::venues::credentials::check_timestamp;
use crate::venues::polymarket::auth::verify_l1;
use crate::venues::polymarket::eth::Address;
use crate::venues::polymarket::rest_wire as w;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::de::DeserializeOwned;
use std::sync::Arc;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    // Header names are case-insensitive; the CLOB's contain underscores.
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The account an L2 (HMAC) request acts for: API key and passphrase headers, a fresh
/// `POLY_TIMESTAMP`, the HMAC over `ts + METHOD + path + body`, and `POLY_ADDRESS`
/// the key's owner. `path` is the request path (no query).
fn authenticate_l2(
    state: &SimState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<usize, Refusal> {
    let (Some(address), Some(signature), Some(ts), Some(key), Some(passphrase)) = (
        header(headers, "POLY_ADDRESS"),
        header(headers, "POLY_SIGNATURE"),
        header(headers, "POLY_TIMESTAMP"),
        header(headers, "POLY_API_KEY"),
        header(headers, "POLY_PASSPHRASE"),
    ) else {
        return Err(Refusal::unauthorized());
    };
    let body = if body.is_empty() {
        None
    } else {
        Some(std::str::from_utf8(body).map_err(|_| Refusal::unauthorized())?)
    };
    let Some(idx) = state.accounts.iter().position(|a| {
        a.poly_creds
            .as_ref()
            .is_some_and(|c| c.api_key().ct_eq(key))
    }) else {
        return Err(Refusal::unauthorized());
    };
    let account = &state.accounts[idx];
    let creds = account
        .poly_creds
        .as_ref()
        .ok_or_else(Refusal::unauthorized)?;
    check_timestamp(ts, now_ms() / 1000, TIMESTAMP_WINDOW_S)
        .map_err(|_| Refusal::unauthorized())?;
    creds
        .verify_request(key, passphrase, ts, method.as_str(), path, body, signature)
        .map_err(|_| Refusal::unauthorized())?;
    let claimed: Address = address.parse().map_err(|_| Refusal::unauthorized())?;
    if account.poly_address != Some(claimed) {
        return Err(Refusal::unauthorized());
    }
    Ok(idx)
}

/// The account of an L2 request signed without a body (the account reads).
pub(super) struct PolymarketAccount(pub usize);

impl FromRequestParts<Arc<SimState>> for PolymarketAccount {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<SimState>) -> Result<Self, Refusal> {
        authenticate_l2(
            state,
            &parts.headers,
            &parts.method,
            signed_path(parts),
            &[],
        )
        .map(PolymarketAccount)
    }
}

/// The account of an L2 request whose body is signed too, and that body.
async fn signed_l2(req: Request, state: &Arc<SimState>) -> Result<(usize, Bytes), Response> {
    let r = SignedRequest::from_request(req, state).await?;
    let idx = authenticate_l2(state, &r.headers, &r.method, &r.path, &r.body)
        .map_err(IntoResponse::into_response)?;
    Ok((idx, r.body))
}

/// The account of an L2 request with a signed body that is not read (`/cancel-all`).
pub(super) struct PolymarketSigned(pub usize);

impl FromRequest<Arc<SimState>> for PolymarketSigned {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<SimState>) -> Result<Self, Response> {
        signed_l2(req, state)
            .await
            .map(|(idx, _)| PolymarketSigned(idx))
    }
}

/// The account of an L2 request with a signed JSON body, and the body: a body that
/// does not parse is the venue's "Invalid order payload".
pub(super) struct PolymarketAuthed<T>(pub usize, pub T);

impl<T: DeserializeOwned> FromRequest<Arc<SimState>> for PolymarketAuthed<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<SimState>) -> Result<Self, Response> {
        let (idx, body) = signed_l2(req, state).await?;
        let body = serde_json::from_slice(&body)
            .map_err(|_| Refusal::bad("Invalid order payload").into_response())?;
        Ok(PolymarketAuthed(idx, body))
    }
}

/// The account an L1 (`ClobAuth` EIP-712) request proves it owns.
fn authenticate_l1(state: &SimState, headers: &HeaderMap) -> Result<usize, Refusal> {
    let refused = || Refusal::new(StatusCode::UNAUTHORIZED, "Invalid L1 Request headers");
    let (Some(address), Some(signature), Some(ts)) = (
        header(headers, "POLY_ADDRESS"),
        header(headers, "POLY_SIGNATURE"),
        header(headers, "POLY_TIMESTAMP"),
    ) else {
        return Err(refused());
    };
    let nonce = header(headers, "POLY_NONCE").unwrap_or("0");
    check_timestamp(ts, now_ms() / 1000, TIMESTAMP_WINDOW_S).map_err(|_| refused())?;
    let signer = CHAIN_IDS
        .iter()
        .find_map(|&chain| verify_l1(chain, address, ts, nonce, signature).ok())
        .ok_or_else(refused)?;
    state
        .accounts
        .iter()
        .position(|a| a.poly_address == Some(signer))
        .ok_or_else(refused)
}

fn api_key_response(account: &SimAccount, failure: &str) -> Response {
    match &account.poly_creds {
        Some(c) => Json(w::ApiKeyCreds {
            api_key: c.api_key().expose().to_string(),
            secret: c.secret().expose().to_string(),
            passphrase: c.passphrase().expose().to_string(),
        })
        .into_response(),
        None => Refusal::bad(failure).into_response(),
    }
}

/// `POST /auth/api-key`: the simulator's accounts have one key each; "creating" one
/// hands out that key.
pub(super) async fn create_api_key(State(state): Shared, headers: HeaderMap) -> Response {
    match authenticate_l1(&state, &headers) {
        Ok(i) => api_key_response(&state.accounts[i], "Could not create api key"),
        Err(r) => r.into_response(),
    }
}

pub(super) async fn derive_api_key(State(state): Shared, headers: HeaderMap) -> Response {
    match authenticate_l1(&state, &headers) {
        Ok(i) => api_key_response(&state.accounts[i], "Could not derive api key!"),
        Err(r) => r.into_response(),
    }
}
