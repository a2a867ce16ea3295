//! Venue credentials: the redacted `Secret`, loading from file/env, and auth error types.
//!
//! `Secret` never prints its value; `CredentialSource` reads a secret from a file or an
//! environment variable with the checks below; `CredentialError` and `AuthError` are the
//! typed errors of loading, signing and verifying.
//!
//! Nothing here ever formats a secret's bytes: `Secret` prints `<redacted>`, and every
//! error names where a credential came from (file path or variable name) and what is
//! wrong with it, with reasons chosen here rather than copied from a parser (a parser's
//! message could quote the input).
//!
//! File rule (unix): a credential file must be a regular file readable by its owner only,
//! as OpenSSH demands of private keys: any permission bit for group or others
//! (`mode & 0o077 != 0`, e.g. 0640 or 0644) is refused. A group-readable key is readable
//! by every member of the group, which on shared machines and in containers is rarely
//! what was meant; `chmod 600` (or 400) fixes it. On other platforms the mode is not
//! checked.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Read;
use std::path::PathBuf;

/// What `Secret`'s `Debug` and `Display` print instead of the value.
pub const REDACTED: &str = "<redacted>";

/// Largest credential file read (a 4096-bit PEM key is about 3.3 KiB).
pub const MAX_CREDENTIAL_BYTES: u64 = 64 * 1024;

/// A secret string (a PEM key, an API secret, a passphrase, a hex private key).
///
/// `Debug` and `Display` print `<redacted>`; the value is only reachable through
/// [`Secret::expose`]. There is deliberately no `PartialEq` (comparisons of secrets
/// should be constant-time; see [`Secret::ct_eq`]) and no `Serialize`. The bytes are
/// overwritten with zeros when the value is dropped (best effort: copies made by a
/// caller through `expose` are the caller's).
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself. Do not log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Equality in time independent of where the values first differ (their lengths
    /// may still be learned).
    pub fn ct_eq(&self, other: &str) -> bool {
        ct_eq(self.0.as_bytes(), other.as_bytes())
    }
}

/// Constant-time byte-slice equality (the length is not hidden).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Overwrites `bytes` with zeros in a way the optimiser is asked not to remove.
pub(crate) fn wipe(bytes: &mut [u8]) {
    for b in bytes.iter_mut() {
        *b = 0;
    }
    std::hint::black_box(bytes);
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        wipe(&mut bytes);
    }
}

impl Clone for Secret {
    fn clone(&self) -> Secret {
        Secret(self.0.clone())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Secret bytes (a decoded HMAC key): zeroed on drop, redacted in `Debug`.
#[derive(Clone)]
pub(crate) struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub(crate) fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(bytes)
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Where a credential is read from, as written in a config file:
/// `{ file = "/etc/arb/kalshi.pem" }` or `{ env = "ARB_KALSHI_KEY" }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialSource {
    /// A file readable by its owner only (see the module docs).
    File(PathBuf),
    /// An environment variable, named here (the config holds the name, never the value).
    Env(String),
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::File(path) => write!(f, "credential file {}", path.display()),
            CredentialSource::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// Why a credential could not be loaded. Every variant names the source; none holds
/// any of the credential's bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("{origin}: not found")]
    NotFound { origin: CredentialSource },
    #[error("{origin}: cannot be read: {reason}")]
    Unreadable {
        origin: CredentialSource,
        reason: String,
    },
    #[error("{origin}: not a regular file")]
    NotAFile { origin: CredentialSource },
    #[error(
        "{origin}: permissions {mode:04o} let group or others access it; \
         a credential file must be owner-only (chmod 600)"
    )]
    Permissions { origin: CredentialSource, mode: u32 },
    #[error("{origin}: larger than {MAX_CREDENTIAL_BYTES} bytes, not a credential")]
    TooLarge { origin: CredentialSource },
    #[error("{origin}: not valid UTF-8 text")]
    NotText { origin: CredentialSource },
    #[error("{origin}: empty")]
    Empty { origin: CredentialSource },
    #[error("{origin}: not a valid environment variable name")]
    BadName { origin: CredentialSource },
    #[error("{origin}: {reason}")]
    Invalid {
        origin: CredentialSource,
        reason: AuthError,
    },
}

impl CredentialError {
    /// The source the error is about.
    pub fn origin(&self) -> &CredentialSource {
        match self {
            CredentialError::NotFound { origin }
            | CredentialError::Unreadable { origin, .. }
            | CredentialError::NotAFile { origin }
            | CredentialError::Permissions { origin, .. }
            | CredentialError::TooLarge { origin }
            | CredentialError::NotText { origin }
            | CredentialError::Empty { origin }
            | CredentialError::BadName { origin }
            | CredentialError::Invalid { origin, .. } => origin,
        }
    }
}

/// A failure to sign or verify, or to parse key material. Reasons are fixed texts or
/// describe public request data (method, path, timestamp); never secret bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Key material that does not parse or is unusable.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// An API secret (e.g. Polymarket's HMAC secret) that does not decode.
    #[error("invalid API secret: {0}")]
    InvalidSecret(&'static str),
    /// A request part that cannot be signed or checked (not secret, so it is quoted).
    #[error("bad {field}: {reason}")]
    BadInput { field: &'static str, reason: String },
    /// A signature that is not even well-formed (bad encoding, wrong length).
    #[error("malformed signature: {0}")]
    MalformedSignature(&'static str),
    /// A well-formed signature that does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// A credential other than the signature that does not match (API key, passphrase,
    /// signer address).
    #[error("{0} does not match")]
    Mismatch(&'static str),
    /// The signing primitive itself failed (e.g. the random generator).
    #[error("signing failed: {0}")]
    SigningFailed(&'static str),
}

impl AuthError {
    pub(crate) fn bad_input(field: &'static str, reason: impl Into<String>) -> AuthError {
        AuthError::BadInput {
            field,
            reason: reason.into(),
        }
    }
}

/// Parses a request timestamp header (decimal digits only) and checks it is within
/// `window` of `now`, either way. Units are the caller's: milliseconds for
/// `KALSHI-ACCESS-TIMESTAMP`, seconds for Polymarket's `POLY_TIMESTAMP`. Returns the
/// timestamp. (Signature checks do not look at the clock; a simulator calls this.)
pub fn check_timestamp(ts: &str, now: i64, window: i64) -> Result<i64, AuthError> {
    let parsed = if !ts.is_empty() && ts.len() <= 19 && ts.bytes().all(|b| b.is_ascii_digit()) {
        ts.parse::<i64>().ok()
    } else {
        None
    };
    let Some(value) = parsed else {
        return Err(AuthError::bad_input(
            "timestamp",
            format!(
                "{:?} is not a decimal timestamp",
                ts.chars().take(80).collect::<String>()
            ),
        ));
    };
    let skew = value.abs_diff(now);
    if skew > window.unsigned_abs() {
        return Err(AuthError::bad_input(
            "timestamp",
            format!("{value} is {skew} from now ({now}), outside the window of {window}"),
        ));
    }
    Ok(value)
}

impl CredentialSource {
    /// Reads the credential (checked as the module docs say), trims surrounding
    /// whitespace, and refuses an empty value. No parsing: see [`CredentialSource::load_with`].
    pub fn load(&self) -> Result<Secret, CredentialError> {
        let text = match self {
            CredentialSource::File(path) => self.read_file(path)?,
            CredentialSource::Env(name) => self.read_env(name)?,
        };
        let trimmed = text.expose().trim();
        if trimmed.is_empty() {
            return Err(CredentialError::Empty {
                origin: self.clone(),
            });
        }
        if trimmed.len() == text.len() {
            return Ok(text);
        }
        Ok(Secret::new(trimmed))
    }

    /// Loads the credential and parses it with a venue loader (e.g.
    /// `KalshiSigner::from_pem`), so that a key that does not parse is a load error
    /// naming this source.
    pub fn load_with<T>(
        &self,
        parse: impl FnOnce(&Secret) -> Result<T, AuthError>,
    ) -> Result<T, CredentialError> {
        let secret = self.load()?;
        parse(&secret).map_err(|reason| CredentialError::Invalid {
            origin: self.clone(),
            reason,
        })
    }

    fn read_env(&self, name: &str) -> Result<Secret, CredentialError> {
        if name.is_empty() || name.contains(['=', '\0']) {
            return Err(CredentialError::BadName {
                origin: self.clone(),
            });
        }
        match std::env::var_os(name) {
            None => Err(CredentialError::NotFound {
                origin: self.clone(),
            }),
            Some(value) => match value.into_string() {
                Ok(text) => Ok(Secret::new(text)),
                Err(raw) => {
                    let mut bytes = raw.into_encoded_bytes();
                    wipe(&mut bytes);
                    Err(CredentialError::NotText {
                        origin: self.clone(),
                    })
                }
            },
        }
    }

    fn read_file(&self, path: &std::path::Path) -> Result<Secret, CredentialError> {
        let io_error = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => CredentialError::NotFound {
                origin: self.clone(),
            },
            // The io error's text names the OS error only, never file content.
            _ => CredentialError::Unreadable {
                origin: self.clone(),
                reason: e.to_string(),
            },
        };
        // Open first and check the opened file's metadata, so the file checked is the
        // file read.
        let file = std::fs::File::open(path).map_err(io_error)?;
        let meta = file.metadata().map_err(io_error)?;
        if !meta.is_file() {
            return Err(CredentialError::NotAFile {
                origin: self.clone(),
            });
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o7777;
            if mode & 0o077 != 0 {
                return Err(CredentialError::Permissions {
                    origin: self.clone(),
                    mode,
                });
            }
        }
        if meta.len() > MAX_CREDENTIAL_BYTES {
            return Err(CredentialError::TooLarge {
                origin: self.clone(),
            });
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_CREDENTIAL_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() as u64 > MAX_CREDENTIAL_BYTES {
            wipe(&mut bytes);
            return Err(CredentialError::TooLarge {
                origin: self.clone(),
            });
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Secret::new(text)),
            Err(e) => {
                let mut bytes = e.into_bytes();
                wipe(&mut bytes);
                Err(CredentialError::NotText {
                    origin: self.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats_its_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(
            format!("{:?}", Some(s.clone())),
            format!("Some({REDACTED})")
        );
        assert_eq!(s.expose(), "hunter2-very-secret");
        assert!(s.ct_eq("hunter2-very-secret"));
        assert!(!s.ct_eq("hunter2-very-secreT"));
        assert!(!s.ct_eq("hunter2"));
    }

    #[test]
    fn source_parses_from_config_and_names_itself() {
        let f: CredentialSource = toml::from_str::<toml::Value>("s = { file = \"/k.pem\" }")
            .unwrap()["s"]
            .clone()
            .try_into()
            .unwrap();
        assert_eq!(f, CredentialSource::File("/k.pem".into()));
        assert_eq!(f.to_string(), "credential file /k.pem");
        let e: CredentialSource = serde_json::from_str(r#"{"env":"ARB_KEY"}"#).unwrap();
        assert_eq!(e, CredentialSource::Env("ARB_KEY".into()));
        assert_eq!(e.to_string(), "environment variable ARB_KEY");
    }

    #[test]
    fn timestamps_are_checked_for_freshness() {
        assert_eq!(check_timestamp("1000", 1500, 500), Ok(1000));
        assert_eq!(check_timestamp("2000", 1500, 500), Ok(2000));
        assert!(check_timestamp("999", 1500, 500).is_err());
        assert!(check_timestamp("+1000", 1500, 500).is_err());
        assert!(check_timestamp("-1", 1500, 5000).is_err());
        assert!(check_timestamp("x", 1500, 500).is_err());
        assert!(check_timestamp("99999999999999999999", 1500, 500).is_err());
    }

    #[test]
    fn bad_env_names_are_refused_before_lookup() {
        for name in ["", "A=B", "A\0B"] {
            let src = CredentialSource::Env(name.into());
            assert!(matches!(src.load(), Err(CredentialError::BadName { .. })));
        }
    }
}
