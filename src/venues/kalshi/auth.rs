//! Kalshi Trade API v2 request signing (RSA-PSS/SHA-256) and its verifier for the simulator.
//!
//! What is signed, per Kalshi's docs ("Quick start: authenticated requests") and its
//! starter code (`Kalshi/kalshi-starter-code-python`, `clients.py`): the UTF-8 text
//! `timestamp_ms + METHOD + path`, where `timestamp_ms` is the decimal Unix time in
//! milliseconds (also sent as `KALSHI-ACCESS-TIMESTAMP`) and `path` is the request path
//! *without* its query string (`/trade-api/v2/portfolio/orders`, even for
//! `/trade-api/v2/portfolio/orders?limit=5`; the WebSocket handshake signs
//! `/trade-api/ws/v2`). The signature is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a
//! salt as long as the digest (32 bytes), encoded in standard base64 with padding.
//! PSS is randomised: two signatures of the same message differ, so there is no fixed
//! test vector; the verifier is what proves a signature.

pub use crate::venues::credentials::check_timestamp;
use crate::venues::credentials::{AuthError, CredentialError, CredentialSource, Secret};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::pss::{BlindedSigningKey, Signature, VerifyingKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use std::fmt;

pub const HEADER_KEY: &str = "KALSHI-ACCESS-KEY";
pub const HEADER_TIMESTAMP: &str = "KALSHI-ACCESS-TIMESTAMP";
pub const HEADER_SIGNATURE: &str = "KALSHI-ACCESS-SIGNATURE";

/// The path a WebSocket connection signs (with method `GET`).
pub const WS_PATH: &str = "/trade-api/ws/v2";

/// Shortest RSA modulus accepted. Kalshi issues 2048-bit keys.
pub const MIN_KEY_BITS: usize = 2048;

/// The text Kalshi signs: `ts_ms + METHOD + path`, the method upper-cased and the query
/// string (anything from the first `?`) dropped from the path. The path must be
/// absolute (`/trade-api/...`), not a URL.
pub fn signing_message(
    ts_ms: &str,
    method: &str,
    path_and_query: &str,
) -> Result<String, AuthError> {
    if ts_ms.is_empty() || ts_ms.len() > 19 || !ts_ms.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::bad_input(
            "timestamp",
            format!("{:?} is not decimal milliseconds", truncate(ts_ms)),
        ));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(AuthError::bad_input(
            "method",
            format!("{:?} is not an HTTP method", truncate(method)),
        ));
    }
    let path = strip_query(path_and_query);
    if !path.starts_with('/') {
        return Err(AuthError::bad_input(
            "path",
            format!("{:?} does not start with '/'", truncate(path)),
        ));
    }
    let mut message = String::with_capacity(ts_ms.len() + method.len() + path.len());
    message.push_str(ts_ms);
    message.push_str(&method.to_ascii_uppercase());
    message.push_str(path);
    Ok(message)
}

/// `path` without its query string (and fragment).
pub fn strip_query(path_and_query: &str) -> &str {
    match path_and_query.find(['?', '#']) {
        Some(i) => &path_and_query[..i],
        None => path_and_query,
    }
}

/// Request data quoted in errors is cut short (it is public, but may be long).
fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Parses an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
/// (`BEGIN RSA PRIVATE KEY`). Encrypted keys are refused. Errors never quote the PEM.
pub fn parse_private_key_pem(pem: &Secret) -> Result<RsaPrivateKey, AuthError> {
    let text = pem.expose().trim();
    let key = if text.starts_with("-----BEGIN PRIVATE KEY-----") {
        RsaPrivateKey::from_pkcs8_pem(text).map_err(|_| {
            AuthError::InvalidKey("PKCS#8 PEM does not hold a valid RSA private key")
        })?
    } else if text.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        RsaPrivateKey::from_pkcs1_pem(text).map_err(|_| {
            AuthError::InvalidKey("PKCS#1 PEM does not hold a valid RSA private key")
        })?
    } else if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(AuthError::InvalidKey(
            "encrypted PEM keys are not supported: decrypt it (openssl pkey -in K -out K2)",
        ));
    } else {
        return Err(AuthError::InvalidKey(
            "not a PEM RSA private key (expected BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)",
        ));
    };
    key.validate()
        .map_err(|_| AuthError::InvalidKey("RSA private key is inconsistent"))?;
    check_size(key.size())?;
    Ok(key)
}

/// Parses an RSA public key from PEM: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1
/// (`BEGIN RSA PUBLIC KEY`).
pub fn parse_public_key_pem(pem: &str) -> Result<RsaPublicKey, AuthError> {
    let text = pem.trim();
    let key = if text.starts_with("-----BEGIN PUBLIC KEY-----") {
        RsaPublicKey::from_public_key_pem(text)
            .map_err(|_| AuthError::InvalidKey("SPKI PEM does not hold a valid RSA public key"))?
    } else if text.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
        RsaPublicKey::from_pkcs1_pem(text)
            .map_err(|_| AuthError::InvalidKey("PKCS#1 PEM does not hold a valid RSA public key"))?
    } else {
        return Err(AuthError::InvalidKey(
            "not a PEM RSA public key (expected BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY)",
        ));
    };
    check_size(key.size())?;
    Ok(key)
}

fn check_size(modulus_bytes: usize) -> Result<(), AuthError> {
    if modulus_bytes * 8 < MIN_KEY_BITS {
        return Err(AuthError::InvalidKey("RSA key shorter than 2048 bits"));
    }
    Ok(())
}

/// Signs Kalshi requests with an API key: the key id and its RSA private key.
///
/// `Debug` shows the key id (it is sent in clear in every request) and redacts the key.
#[derive(Clone)]
pub struct KalshiSigner {
    key_id: String,
    key: BlindedSigningKey<Sha256>,
    public: RsaPublicKey,
}

impl fmt::Debug for KalshiSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KalshiSigner")
            .field("key_id", &self.key_id)
            .field("key", &crate::venues::credentials::REDACTED)
            .finish()
    }
}

impl KalshiSigner {
    /// A signer from the key id Kalshi shows and the private key PEM it downloads
    /// (PKCS#8 or PKCS#1).
    pub fn from_pem(key_id: impl Into<String>, pem: &Secret) -> Result<KalshiSigner, AuthError> {
        let key_id = key_id.into();
        if key_id.is_empty() || !key_id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AuthError::bad_input(
                "key id",
                "empty or not printable ASCII (it is sent as a header)",
            ));
        }
        let key = parse_private_key_pem(pem)?;
        let public = key.to_public_key();
        Ok(KalshiSigner {
            key_id,
            // Salt length = digest length (32), as Kalshi specifies.
            key: BlindedSigningKey::<Sha256>::new(key),
            public,
        })
    }

    /// Loads the private key from a credential source and checks that it parses.
    pub fn load(
        key_id: impl Into<String>,
        source: &CredentialSource,
    ) -> Result<KalshiSigner, CredentialError> {
        let key_id = key_id.into();
        source.load_with(|pem| KalshiSigner::from_pem(key_id, pem))
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The verifier of this key's signatures (for a simulator, or a self-check).
    pub fn verifier(&self) -> KalshiVerifier {
        KalshiVerifier {
            key_id: self.key_id.clone(),
            key: VerifyingKey::<Sha256>::new(self.public.clone()),
        }
    }

    /// The base64 signature of `ts_ms + METHOD + path` (query string dropped).
    pub fn sign(
        &self,
        ts_ms: i64,
        method: &str,
        path_and_query: &str,
    ) -> Result<String, AuthError> {
        if ts_ms < 0 {
            return Err(AuthError::bad_input(
                "timestamp",
                format!("{ts_ms} is negative"),
            ));
        }
        let message = signing_message(&ts_ms.to_string(), method, path_and_query)?;
        let signature = self
            .key
            .try_sign_with_rng(&mut rand_core::OsRng, message.as_bytes())
            .map_err(|_| AuthError::SigningFailed("RSA-PSS signing failed"))?;
        Ok(STANDARD.encode(signature.to_bytes()))
    }

    /// The three authentication headers of one request: `KALSHI-ACCESS-KEY`,
    /// `KALSHI-ACCESS-TIMESTAMP`, `KALSHI-ACCESS-SIGNATURE`. `path_and_query` is the
    /// request target as sent (`/trade-api/v2/portfolio/orders?limit=5`); the query is
    /// not signed. `ts_ms` is the current Unix time in milliseconds: the caller reads
    /// the clock.
    pub fn headers(
        &self,
        ts_ms: i64,
        method: &str,
        path_and_query: &str,
    ) -> Result<Vec<(&'static str, String)>, AuthError> {
        let signature = self.sign(ts_ms, method, path_and_query)?;
        Ok(vec![
            (HEADER_KEY, self.key_id.clone()),
            (HEADER_TIMESTAMP, ts_ms.to_string()),
            (HEADER_SIGNATURE, signature),
        ])
    }
}

/// Checks Kalshi request signatures against a registered public key (the simulator's
/// side of [`KalshiSigner`]).
#[derive(Clone, Debug)]
pub struct KalshiVerifier {
    key_id: String,
    key: VerifyingKey<Sha256>,
}

impl KalshiVerifier {
    /// A verifier for `key_id` from its public key PEM (SPKI or PKCS#1).
    pub fn from_public_pem(
        key_id: impl Into<String>,
        pem: &str,
    ) -> Result<KalshiVerifier, AuthError> {
        let key = parse_public_key_pem(pem)?;
        Ok(KalshiVerifier {
            key_id: key_id.into(),
            key: VerifyingKey::<Sha256>::new(key),
        })
    }

    /// A verifier from a private key PEM (its public half).
    pub fn from_private_pem(
        key_id: impl Into<String>,
        pem: &Secret,
    ) -> Result<KalshiVerifier, AuthError> {
        let key = parse_private_key_pem(pem)?;
        Ok(KalshiVerifier {
            key_id: key_id.into(),
            key: VerifyingKey::<Sha256>::new(key.to_public_key()),
        })
    }

    /// The key id this verifier's key is registered under (compare it with the
    /// `KALSHI-ACCESS-KEY` header).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Checks `signature_b64` (the `KALSHI-ACCESS-SIGNATURE` header) over
    /// `ts_ms + METHOD + path`. `ts_ms` is the `KALSHI-ACCESS-TIMESTAMP` header as
    /// received; `path` may carry a query string, which is dropped as the signer drops
    /// it. Freshness of the timestamp is the caller's check (see [`check_timestamp`]).
    pub fn verify(
        &self,
        ts_ms: &str,
        method: &str,
        path: &str,
        signature_b64: &str,
    ) -> Result<(), AuthError> {
        let message = signing_message(ts_ms, method, path)?;
        let bytes = STANDARD
            .decode(signature_b64.trim())
            .map_err(|_| AuthError::MalformedSignature("not standard base64"))?;
        let signature = Signature::try_from(bytes.as_slice())
            .map_err(|_| AuthError::MalformedSignature("not an RSA signature"))?;
        self.key
            .verify(message.as_bytes(), &signature)
            .map_err(|_| AuthError::BadSignature)
    }

    /// Checks the key id header too, then the signature.
    pub fn verify_request(
        &self,
        key_id: &str,
        ts_ms: &str,
        method: &str,
        path: &str,
        signature_b64: &str,
    ) -> Result<(), AuthError> {
        if key_id != self.key_id {
            return Err(AuthError::Mismatch("KALSHI-ACCESS-KEY"));
        }
        self.verify(ts_ms, method, path, signature_b64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_ts_method_path_without_query() {
        assert_eq!(
            signing_message(
                "1703123456789",
                "get",
                "/trade-api/v2/portfolio/orders?limit=5"
            )
            .unwrap(),
            "1703123456789GET/trade-api/v2/portfolio/orders"
        );
        assert_eq!(
            signing_message("1", "POST", "/trade-api/v2/portfolio/orders").unwrap(),
            "1POST/trade-api/v2/portfolio/orders"
        );
        assert_eq!(
            signing_message("1", "GET", WS_PATH).unwrap(),
            "1GET/trade-api/ws/v2"
        );
    }

    #[test]
    fn message_refuses_what_cannot_be_signed() {
        for (ts, m, p, field) in [
            ("", "GET", "/a", "timestamp"),
            ("-5", "GET", "/a", "timestamp"),
            ("12a", "GET", "/a", "timestamp"),
            ("1", "", "/a", "method"),
            ("1", "G T", "/a", "method"),
            (
                "1",
                "GET",
                "https://api.elections.kalshi.com/trade-api/v2",
                "path",
            ),
            ("1", "GET", "?x=1", "path"),
        ] {
            match signing_message(ts, m, p) {
                Err(AuthError::BadInput { field: f, .. }) => assert_eq!(f, field, "{ts} {m} {p}"),
                other => panic!("{ts} {m} {p}: {other:?}"),
            }
        }
    }

    #[test]
    fn non_keys_are_refused_without_quoting_them() {
        let junk = Secret::new(
            "-----BEGIN PRIVATE KEY-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END PRIVATE KEY-----\n",
        );
        let err = parse_private_key_pem(&junk).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("QUJDREVG"));
        assert!(parse_private_key_pem(&Secret::new("hello")).is_err());
        assert!(matches!(
            parse_private_key_pem(&Secret::new("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n")),
            Err(AuthError::InvalidKey(m)) if m.contains("encrypted")
        ));
        assert!(parse_public_key_pem("-----BEGIN CERTIFICATE-----").is_err());
    }
}
