//! Polymarket CLOB auth: L2 HMAC headers, L1 `ClobAuth` headers, V2 order signing, verifiers.
//!
//! Taken from Polymarket's official clients (`Polymarket/clob-client-v2`,
//! `Polymarket/py-clob-client-v2`, `Polymarket/rs-clob-client-v2`):
//!
//! - **L2** (every trading request): `POLY_SIGNATURE` = urlsafe-base64 (with `=`
//!   padding) of HMAC-SHA256 keyed by the base64-decoded API secret over
//!   `timestamp + method + requestPath + body`; the timestamp is Unix **seconds**, the
//!   method and body are signed exactly as given, and the path is the request path
//!   without a query string (the clients sign the endpoint path and add parameters
//!   after signing).
//! - **L1** (creating or deriving API keys): an EIP-712 `ClobAuth` signature, domain
//!   `ClobAuthDomain` version `1` with no verifying contract.
//! - **Orders, CLOB V2**: EIP-712 domain `Polymarket CTF Exchange` version `2`, chain id
//!   137, verifying contract the V2 exchange (or the V2 neg-risk exchange); the `Order`
//!   struct is [`ORDER_V2_TYPE`]. V2 dropped V1's `taker`, `expiration`, `nonce` and
//!   `feeRateBps` from the signed struct and added `timestamp` (milliseconds),
//!   `metadata` and `builder` (`bytes32`). The order JSON still carries an
//!   `expiration`, outside the signature.

use super::eth::{
    Address, Eip712Domain, EthKey, RecoverableSignature, StructEncoder, U256, recover_signer,
};
use crate::venues::credentials::{
    AuthError, CredentialError, CredentialSource, REDACTED, Secret, SecretBytes,
};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

pub const HEADER_ADDRESS: &str = "POLY_ADDRESS";
pub const HEADER_SIGNATURE: &str = "POLY_SIGNATURE";
pub const HEADER_TIMESTAMP: &str = "POLY_TIMESTAMP";
pub const HEADER_API_KEY: &str = "POLY_API_KEY";
pub const HEADER_PASSPHRASE: &str = "POLY_PASSPHRASE";
pub const HEADER_NONCE: &str = "POLY_NONCE";

/// Polygon mainnet.
pub const POLYGON_CHAIN_ID: u64 = 137;
/// Polygon Amoy testnet (the official clients' test vectors use it).
pub const AMOY_CHAIN_ID: u64 = 80002;

/// CTF Exchange V2 (Polygon; the official clients configure the same address on Amoy).
pub const CTF_EXCHANGE_V2: Address =
    Address(hex_literal(b"e111180000d2663c0091e4f400237545b87b996b"));
/// Neg-risk CTF Exchange V2.
pub const NEG_RISK_CTF_EXCHANGE_V2: Address =
    Address(hex_literal(b"e2222d279d744050d28e00520010520000310f59"));

pub const EXCHANGE_DOMAIN_NAME: &str = "Polymarket CTF Exchange";
pub const EXCHANGE_V2_DOMAIN_VERSION: &str = "2";

/// The EIP-712 type of a CLOB V2 order, field for field as the exchange hashes it.
pub const ORDER_V2_TYPE: &str = "Order(uint256 salt,address maker,address signer,uint256 tokenId,\
uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,\
bytes32 metadata,bytes32 builder)";

pub const CLOB_AUTH_DOMAIN_NAME: &str = "ClobAuthDomain";
pub const CLOB_AUTH_DOMAIN_VERSION: &str = "1";
pub const CLOB_AUTH_TYPE: &str =
    "ClobAuth(address address,string timestamp,uint256 nonce,string message)";
/// The fixed text every L1 signature attests.
pub const CLOB_AUTH_MESSAGE: &str = "This message attests that I control the given wallet";

/// 40 hex digits to 20 bytes. Only called in `const` items, so a bad literal is a
/// compile error, never a run-time panic.
const fn hex_literal(digits: &[u8; 40]) -> [u8; 20] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lower-case hex digit"),
        }
    }
    let mut out = [0u8; 20];
    let mut i = 0;
    while i < 20 {
        out[i] = nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1]);
        i += 1;
    }
    out
}

/// Base64 as the CLOB's secrets and signatures use it: the URL-safe alphabet, padding
/// optional. Standard-alphabet input is accepted too (mapped first).
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let mapped: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    LENIENT_URL_SAFE.decode(mapped).ok()
}

fn check_method(method: &str) -> Result<(), AuthError> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AuthError::bad_input(
            "method",
            format!("{:?} is empty or not printable ASCII", short(method)),
        ));
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), AuthError> {
    if !path.starts_with('/') {
        return Err(AuthError::bad_input(
            "path",
            format!("{:?} does not start with '/'", short(path)),
        ));
    }
    Ok(())
}

fn check_decimal(ts: &str, field: &'static str) -> Result<(), AuthError> {
    if ts.is_empty() || ts.len() > 19 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::bad_input(
            field,
            format!("{:?} is not a decimal number", short(ts)),
        ));
    }
    Ok(())
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// `path` without its query string.
pub fn strip_query(path_and_query: &str) -> &str {
    match path_and_query.find(['?', '#']) {
        Some(i) => &path_and_query[..i],
        None => path_and_query,
    }
}

/// The L2 HMAC key: the API secret, base64-decoded.
fn hmac_key(secret: &Secret) -> Result<SecretBytes, AuthError> {
    let key = decode_lenient(secret.expose())
        .ok_or(AuthError::InvalidSecret("the API secret is not base64"))?;
    if key.is_empty() {
        return Err(AuthError::InvalidSecret("the API secret is empty"));
    }
    Ok(SecretBytes::new(key))
}

fn hmac_over(
    key: &SecretBytes,
    ts: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Hmac<Sha256>, AuthError> {
    check_decimal(ts, "timestamp")?;
    check_method(method)?;
    check_path(path)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose())
        .map_err(|_| AuthError::InvalidSecret("unusable HMAC key"))?;
    mac.update(ts.as_bytes());
    mac.update(method.as_bytes());
    mac.update(path.as_bytes());
    if let Some(body) = body {
        mac.update(body.as_bytes());
    }
    Ok(mac)
}

/// The L2 `POLY_SIGNATURE`: urlsafe-base64(HMAC-SHA256(base64-decode(secret),
/// ts + method + path + body)). Everything is signed exactly as given (the official
/// clients pass the method as sent, e.g. `POST`, and the body as the exact JSON text
/// sent); `ts` is Unix seconds.
pub fn l2_signature(
    secret: &Secret,
    ts_secs: i64,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<String, AuthError> {
    let key = hmac_key(secret)?;
    l2_sign_with(&key, ts_secs, method, path, body)
}

fn l2_sign_with(
    key: &SecretBytes,
    ts_secs: i64,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<String, AuthError> {
    if ts_secs < 0 {
        return Err(AuthError::bad_input(
            "timestamp",
            format!("{ts_secs} is negative"),
        ));
    }
    let mac = hmac_over(key, &ts_secs.to_string(), method, path, body)?;
    Ok(URL_SAFE.encode(mac.finalize().into_bytes()))
}

/// CLOB API credentials (L2): key, secret and passphrase, as `/auth/derive-api-key`
/// returns them. All three are `Secret`s; `Debug` redacts them.
#[derive(Clone)]
pub struct ApiCreds {
    api_key: Secret,
    passphrase: Secret,
    hmac_key: SecretBytes,
}

impl fmt::Debug for ApiCreds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCreds")
            .field("api_key", &self.api_key)
            .field("secret", &REDACTED)
            .field("passphrase", &self.passphrase)
            .finish()
    }
}

impl ApiCreds {
    /// Checks that the secret decodes (it is base64) and nothing is empty.
    pub fn new(api_key: Secret, secret: Secret, passphrase: Secret) -> Result<ApiCreds, AuthError> {
        if api_key.is_empty() || !api_key.expose().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AuthError::InvalidKey(
                "the API key is empty or not printable ASCII",
            ));
        }
        if passphrase.is_empty() || !passphrase.expose().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AuthError::InvalidKey(
                "the passphrase is empty or not printable ASCII",
            ));
        }
        let hmac_key = hmac_key(&secret)?;
        Ok(ApiCreds {
            api_key,
            passphrase,
            hmac_key,
        })
    }

    /// From the JSON object the CLOB returns, `{"apiKey": .., "secret": .., "passphrase": ..}`
    /// (the form to keep in a credential file or variable).
    pub fn from_json(json: &Secret) -> Result<ApiCreds, AuthError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            api_key: String,
            secret: String,
            passphrase: String,
        }
        // serde_json's error text can quote input, so it is not passed on.
        let raw: Raw = serde_json::from_str(json.expose()).map_err(|_| {
            AuthError::InvalidKey(
                "expected a JSON object with string fields apiKey, secret, passphrase",
            )
        })?;
        ApiCreds::new(
            Secret::new(raw.api_key),
            Secret::new(raw.secret),
            Secret::new(raw.passphrase),
        )
    }

    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }

    pub fn passphrase(&self) -> &Secret {
        &self.passphrase
    }

    /// The API secret as the CLOB hands it out (URL-safe base64 with padding) — what the
    /// user channel's subscribe message carries and what `/auth/api-key` returns. It
    /// decodes to the same HMAC key as the text it was made from.
    pub fn secret(&self) -> Secret {
        Secret::new(URL_SAFE.encode(self.hmac_key.expose()))
    }

    /// The L2 signature of one request (see [`l2_signature`]); `path` is signed as given.
    pub fn sign(
        &self,
        ts_secs: i64,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<String, AuthError> {
        l2_sign_with(&self.hmac_key, ts_secs, method, path, body)
    }

    /// Checks a `POLY_SIGNATURE` (constant-time). `path` may carry a query string, which
    /// is dropped as the signer drops it; `ts` is the `POLY_TIMESTAMP` header as received.
    pub fn verify_signature(
        &self,
        ts: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
        signature: &str,
    ) -> Result<(), AuthError> {
        let sig =
            decode_lenient(signature).ok_or(AuthError::MalformedSignature("not urlsafe base64"))?;
        if sig.len() != 32 {
            return Err(AuthError::MalformedSignature("not 32 bytes"));
        }
        hmac_over(&self.hmac_key, ts, method, strip_query(path), body)?
            .verify_slice(&sig)
            .map_err(|_| AuthError::BadSignature)
    }

    /// The simulator's check of a whole L2 request: API key and passphrase headers
    /// (constant-time), then the signature. The address header is not checked here
    /// (compare it with the key's owner separately).
    #[allow(clippy::too_many_arguments)]
    pub fn verify_request(
        &self,
        api_key: &str,
        passphrase: &str,
        ts: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
        signature: &str,
    ) -> Result<(), AuthError> {
        if !self.api_key.ct_eq(api_key) {
            return Err(AuthError::Mismatch(HEADER_API_KEY));
        }
        if !self.passphrase.ct_eq(passphrase) {
            return Err(AuthError::Mismatch(HEADER_PASSPHRASE));
        }
        self.verify_signature(ts, method, path, body, signature)
    }
}

/// Order side, as the exchange encodes it (`uint8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Buy = 0,
    Sell = 1,
}

/// Who signs for the maker (`uint8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureType {
    /// The maker is the signing key's own address.
    Eoa = 0,
    /// The maker is a Polymarket proxy wallet owned by the signer.
    PolyProxy = 1,
    /// The maker is a Gnosis Safe owned by the signer.
    PolyGnosisSafe = 2,
    /// The maker is a deposit wallet validating through ERC-1271 (ERC-7739-wrapped
    /// signatures; not produced here).
    Poly1271 = 3,
}

/// A CLOB V2 order as it is signed (the fields of [`ORDER_V2_TYPE`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderV2 {
    pub salt: U256,
    /// Funds the order: the signer (EOA) or its proxy/safe.
    pub maker: Address,
    /// The key that signs.
    pub signer: Address,
    pub token_id: U256,
    pub maker_amount: U256,
    pub taker_amount: U256,
    pub side: Side,
    pub signature_type: SignatureType,
    /// Milliseconds since the Unix epoch.
    pub timestamp: U256,
    pub metadata: [u8; 32],
    pub builder: [u8; 32],
}

impl OrderV2 {
    /// `hashStruct(Order)`.
    pub fn struct_hash(&self) -> [u8; 32] {
        StructEncoder::new(ORDER_V2_TYPE)
            .uint(&self.salt)
            .address(&self.maker)
            .address(&self.signer)
            .uint(&self.token_id)
            .uint(&self.maker_amount)
            .uint(&self.taker_amount)
            .uint64(self.side as u64)
            .uint64(self.signature_type as u64)
            .uint(&self.timestamp)
            .bytes32(&self.metadata)
            .bytes32(&self.builder)
            .finish()
    }
}

/// The domain of the CLOB V2 exchange an order is matched on: the neg-risk exchange for
/// neg-risk markets, the standard one otherwise.
pub fn exchange_v2_domain(chain_id: u64, neg_risk: bool) -> Eip712Domain {
    Eip712Domain {
        name: EXCHANGE_DOMAIN_NAME.to_string(),
        version: EXCHANGE_V2_DOMAIN_VERSION.to_string(),
        chain_id,
        verifying_contract: Some(if neg_risk {
            NEG_RISK_CTF_EXCHANGE_V2
        } else {
            CTF_EXCHANGE_V2
        }),
    }
}

/// The order hash (EIP-712 digest) the exchange computes and the signer signs.
pub fn order_digest(order: &OrderV2, domain: &Eip712Domain) -> [u8; 32] {
    domain.digest(&order.struct_hash())
}

/// The simulator's check of an order signature: it must recover `order.signer`, and
/// for `Eoa` orders the maker must be the signer. Returns the order hash. Proxy and
/// safe makers are not tied to the signer here (that needs the wallet factories);
/// `Poly1271` orders are refused (their signatures are ERC-7739 wrapped).
pub fn verify_order(
    order: &OrderV2,
    domain: &Eip712Domain,
    signature: &RecoverableSignature,
) -> Result<[u8; 32], AuthError> {
    if order.signature_type == SignatureType::Poly1271 {
        return Err(AuthError::bad_input(
            "signatureType",
            "POLY_1271 (deposit wallet) signatures are not supported",
        ));
    }
    if order.signature_type == SignatureType::Eoa && order.maker != order.signer {
        return Err(AuthError::Mismatch(
            "maker of an EOA order (it must be the signer)",
        ));
    }
    let digest = order_digest(order, domain);
    if recover_signer(&digest, signature)? != order.signer {
        return Err(AuthError::BadSignature);
    }
    Ok(digest)
}

/// `hashStruct(ClobAuth)` for L1 headers: `timestamp` is Unix seconds as decimal text.
pub fn clob_auth_struct_hash(address: &Address, ts_secs: &str, nonce: u64) -> [u8; 32] {
    StructEncoder::new(CLOB_AUTH_TYPE)
        .address(address)
        .string(ts_secs)
        .uint64(nonce)
        .string(CLOB_AUTH_MESSAGE)
        .finish()
}

pub fn clob_auth_domain(chain_id: u64) -> Eip712Domain {
    Eip712Domain {
        name: CLOB_AUTH_DOMAIN_NAME.to_string(),
        version: CLOB_AUTH_DOMAIN_VERSION.to_string(),
        chain_id,
        verifying_contract: None,
    }
}

/// The simulator's check of L1 headers: the signature over `ClobAuth` must recover the
/// `POLY_ADDRESS` given. Returns that address.
pub fn verify_l1(
    chain_id: u64,
    address: &str,
    ts_secs: &str,
    nonce: &str,
    signature: &str,
) -> Result<Address, AuthError> {
    let address: Address = address.parse()?;
    check_decimal(ts_secs, "timestamp")?;
    check_decimal(nonce, "nonce")?;
    let nonce: u64 = nonce
        .parse()
        .map_err(|_| AuthError::bad_input("nonce", "does not fit in 64 bits"))?;
    let digest =
        clob_auth_domain(chain_id).digest(&clob_auth_struct_hash(&address, ts_secs, nonce));
    let signature = RecoverableSignature::from_hex(signature)?;
    if recover_signer(&digest, &signature)? != address {
        return Err(AuthError::BadSignature);
    }
    Ok(address)
}

/// A signed order: its hash and the 65-byte signature (`0x...` via `to_hex`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderSignature {
    pub order_hash: [u8; 32],
    pub signature: RecoverableSignature,
}

/// Everything needed to trade on the CLOB: the wallet key (orders, L1) and the API
/// credentials (L2). `Debug` shows the address and chain only.
#[derive(Clone)]
pub struct PolymarketSigner {
    key: EthKey,
    creds: ApiCreds,
    chain_id: u64,
}

impl fmt::Debug for PolymarketSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolymarketSigner")
            .field("address", &self.key.address())
            .field("chain_id", &self.chain_id)
            .field("key", &REDACTED)
            .field("creds", &self.creds)
            .finish()
    }
}

impl PolymarketSigner {
    /// A signer for Polygon mainnet from the wallet's private key (64 hex digits) and
    /// API credentials.
    pub fn new(private_key: &Secret, creds: ApiCreds) -> Result<PolymarketSigner, AuthError> {
        Ok(PolymarketSigner {
            key: EthKey::from_hex(private_key)?,
            creds,
            chain_id: POLYGON_CHAIN_ID,
        })
    }

    /// Loads the private key and the API credentials JSON (see [`ApiCreds::from_json`])
    /// from their sources, checking that both parse.
    pub fn load(
        private_key: &CredentialSource,
        api_creds: &CredentialSource,
    ) -> Result<PolymarketSigner, CredentialError> {
        let key = private_key.load_with(EthKey::from_hex)?;
        let creds = api_creds.load_with(ApiCreds::from_json)?;
        Ok(PolymarketSigner {
            key,
            creds,
            chain_id: POLYGON_CHAIN_ID,
        })
    }

    /// Another chain (Amoy testnet, a simulator's).
    pub fn with_chain_id(mut self, chain_id: u64) -> PolymarketSigner {
        self.chain_id = chain_id;
        self
    }

    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The wallet address (EIP-55 in `Display`); `POLY_ADDRESS` and an EOA order's
    /// `signer`.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    pub fn creds(&self) -> &ApiCreds {
        &self.creds
    }

    /// L2 headers of one request: `POLY_ADDRESS`, `POLY_SIGNATURE`, `POLY_TIMESTAMP`,
    /// `POLY_API_KEY`, `POLY_PASSPHRASE`. `path_and_query` is the request target; the
    /// query is not signed. `body` is the exact text sent, if any. `ts_secs` is the
    /// current Unix time in seconds.
    pub fn l2_headers(
        &self,
        ts_secs: i64,
        method: &str,
        path_and_query: &str,
        body: Option<&str>,
    ) -> Result<Vec<(&'static str, String)>, AuthError> {
        let signature = self
            .creds
            .sign(ts_secs, method, strip_query(path_and_query), body)?;
        Ok(vec![
            (HEADER_ADDRESS, self.address().to_string()),
            (HEADER_SIGNATURE, signature),
            (HEADER_TIMESTAMP, ts_secs.to_string()),
            (HEADER_API_KEY, self.creds.api_key.expose().to_string()),
            (
                HEADER_PASSPHRASE,
                self.creds.passphrase.expose().to_string(),
            ),
        ])
    }

    /// The `ClobAuth` signature of L1 headers.
    pub fn l1_signature(
        &self,
        ts_secs: i64,
        nonce: u64,
    ) -> Result<RecoverableSignature, AuthError> {
        if ts_secs < 0 {
            return Err(AuthError::bad_input(
                "timestamp",
                format!("{ts_secs} is negative"),
            ));
        }
        let hash = clob_auth_struct_hash(&self.address(), &ts_secs.to_string(), nonce);
        self.key
            .sign_digest(&clob_auth_domain(self.chain_id).digest(&hash))
    }

    /// L1 headers (creating or deriving API credentials): `POLY_ADDRESS`,
    /// `POLY_SIGNATURE`, `POLY_TIMESTAMP`, `POLY_NONCE`.
    pub fn l1_headers(
        &self,
        ts_secs: i64,
        nonce: u64,
    ) -> Result<Vec<(&'static str, String)>, AuthError> {
        let signature = self.l1_signature(ts_secs, nonce)?;
        Ok(vec![
            (HEADER_ADDRESS, self.address().to_string()),
            (HEADER_SIGNATURE, signature.to_hex()),
            (HEADER_TIMESTAMP, ts_secs.to_string()),
            (HEADER_NONCE, nonce.to_string()),
        ])
    }

    /// Signs a V2 order for the exchange of its market (`neg_risk` picks the neg-risk
    /// exchange) on this signer's chain. The order's `signer` must be this wallet.
    pub fn sign_order(&self, order: &OrderV2, neg_risk: bool) -> Result<OrderSignature, AuthError> {
        self.sign_order_in(order, &exchange_v2_domain(self.chain_id, neg_risk))
    }

    /// Signs a V2 order in an explicit domain (another exchange deployment).
    pub fn sign_order_in(
        &self,
        order: &OrderV2,
        domain: &Eip712Domain,
    ) -> Result<OrderSignature, AuthError> {
        if order.signer != self.address() {
            return Err(AuthError::Mismatch(
                "order signer (it must be this wallet's address)",
            ));
        }
        if order.signature_type == SignatureType::Poly1271 {
            return Err(AuthError::bad_input(
                "signatureType",
                "POLY_1271 (deposit wallet) signatures are not supported",
            ));
        }
        let order_hash = order_digest(order, domain);
        let signature = self.key.sign_digest(&order_hash)?;
        Ok(OrderSignature {
            order_hash,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published L2 vector: Polymarket/clob-client-v2 `tests/signing/hmac.test.ts`
    /// (commit e4bdef890c10322bd059b42314a634beed6d4ac4); the same values are in
    /// Polymarket/py-clob-client-v2 `tests/signing/test_hmac.py` (commit
    /// 3a1d78743554bf957efbe1c2f6aad9261c277d67). An empty body signs as no body, as there.
    #[test]
    fn hmac_matches_the_official_vector() {
        let secret = Secret::new("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        let sig = l2_signature(
            &secret,
            1_000_000,
            "test-sign",
            "/orders",
            Some(r#"{"hash": "0x123"}"#),
        )
        .unwrap();
        assert_eq!(sig, "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc=");
        assert_eq!(
            l2_signature(&secret, 1_000_000, "test-sign", "/orders", Some("")).unwrap(),
            l2_signature(&secret, 1_000_000, "test-sign", "/orders", None).unwrap()
        );
    }

    #[test]
    fn exchange_addresses_are_the_published_ones() {
        assert_eq!(
            CTF_EXCHANGE_V2.to_string(),
            "0xE111180000d2663C0091e4f400237545B87B996B"
        );
        assert_eq!(
            NEG_RISK_CTF_EXCHANGE_V2.to_string(),
            "0xe2222d279d744050d28e00520010520000310F59"
        );
    }

    #[test]
    fn the_secret_text_signs_like_the_secret_it_came_from() {
        let std_alphabet = Secret::new("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U");
        let creds = ApiCreds::new("k".into(), std_alphabet, "p".into()).unwrap();
        let again = ApiCreds::new("k".into(), creds.secret(), "p".into()).unwrap();
        assert_eq!(
            creds.secret().expose(),
            "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U="
        );
        assert_eq!(
            creds.sign(1, "GET", "/x", None).unwrap(),
            again.sign(1, "GET", "/x", None).unwrap()
        );
    }

    #[test]
    fn secrets_in_either_base64_alphabet_and_padding_decode_alike() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        let url = URL_SAFE.encode(&bytes);
        let std = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
        assert_eq!(decode_lenient(&url).unwrap(), bytes);
        assert_eq!(decode_lenient(&std).unwrap(), bytes);
        assert!(decode_lenient("not base64!").is_none());
    }
}
