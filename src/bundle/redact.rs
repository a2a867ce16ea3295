//! Redaction of configs and log lines before they go into a bundle.
//!
//! Two rules, applied to every value of a JSON tree:
//! - under a key that names a credential (`private_key`, `secret`, `api_key`, `api_creds`,
//!   `passphrase`, `password`, `key_id`, `credential`, `auth`, `signature`, `token` in
//!   the singular; case, `_` and `-` ignored), a credential reference
//!   (`{ env = "NAME" }` or `{ file = "path" }`: where the secret is, not the secret)
//!   is kept and anything else is replaced by `"<redacted>"`;
//! - anywhere, a string that looks like key material (a PEM block, 32 or more hex
//!   digits with or without `0x`, or a long base64 run) is replaced.
//!
//! Market and token ids (`tokens`, `markets`) are decimal or ticker strings: kept.

use crate::venues::credentials::REDACTED;
use serde_json::Value;

const SECRET_KEYS: [&str; 11] = [
    "privatekey",
    "secret",
    "apikey",
    "apicreds",
    "passphrase",
    "password",
    "keyid",
    "credential",
    "auth",
    "signature",
    "token",
];

/// A key whose value is a credential (or a credential reference).
fn secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    // "tokens" is a list of Polymarket token ids, not a secret.
    k != "tokens" && SECRET_KEYS.iter().any(|s| k.contains(s))
}

/// `{ "env": "NAME" }` or `{ "file": "path" }`, nothing else.
fn is_reference(v: &Value) -> bool {
    match v {
        Value::Object(m) if m.len() == 1 => m
            .iter()
            .all(|(k, v)| (k == "env" || k == "file") && v.is_string()),
        _ => false,
    }
}

/// A string that looks like key material wherever it appears.
pub fn looks_secret(s: &str) -> bool {
    if s.contains("-----BEGIN") || s.contains("PRIVATE KEY") {
        return true;
    }
    let hex = s.strip_prefix("0x").unwrap_or(s);
    if hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && !hex.bytes().all(|b| b.is_ascii_digit())
    {
        return true;
    }
    // A long run of base64 with both letters and digits (an API secret).
    s.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-".contains(c)))
        .any(|w| {
            w.len() >= 32
                && w.bytes().any(|b| b.is_ascii_digit())
                && w.bytes().any(|b| b.is_ascii_lowercase())
                && w.bytes().any(|b| b.is_ascii_uppercase())
        })
}

/// Redacts `v` in place; returns how many values were replaced.
pub fn redact(v: &mut Value) -> usize {
    match v {
        Value::Object(map) => {
            let mut n = 0;
            for (k, child) in map.iter_mut() {
                if secret_key(k) && !is_reference(child) && !child.is_null() {
                    if child.as_str() != Some(REDACTED) {
                        *child = Value::String(REDACTED.into());
                        n += 1;
                    }
                } else {
                    n += redact(child);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(redact).sum(),
        Value::String(s) if looks_secret(s) => {
            *v = Value::String(REDACTED.into());
            1
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_go_references_stay() {
        let mut v = json!({
            "kalshi": {
                "key_id": "a952bcbe-ec3b-4b5b-b8f9-11dae589608c",
                "private_key": { "file": "/etc/arb/kalshi.pem" },
                "markets": ["KXFED-26DEC"],
            },
            "polymarket": {
                "private_key": "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
                "api_creds": { "apiKey": "k", "secret": "s", "passphrase": "p" },
                "tokens": ["71321045679252212594626385532706912750332728571942532289631379312455583992563"],
                "API-Secret": { "env": "POLY_SECRET" },
            },
            "note": "-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
            "free": "c2VjcmV0IGJ5dGVzIGhlcmUgdGhhdCBhcmUgbG9uZ0FCQ0RFRjEyMw",
        });
        assert_eq!(redact(&mut v), 5);
        let text = v.to_string();
        for gone in ["a952bcbe", "0x4c08", "\"s\"", "BEGIN", "c2VjcmV0"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        for kept in [
            "/etc/arb/kalshi.pem",
            "POLY_SECRET",
            "KXFED-26DEC",
            "7132104567925221",
        ] {
            assert!(text.contains(kept), "{kept} not in {text}");
        }
        assert_eq!(redact(&mut v), 0, "redaction is idempotent");
    }
}
