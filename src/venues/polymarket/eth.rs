//! Ethereum primitives for Polymarket signing: keccak, addresses, U256, EIP-712, secp256k1.
//!
//! Keccak-256, addresses (EIP-55 checksums), 256-bit integers, EIP-712 struct hashing,
//! and secp256k1 keys with recoverable signatures.
//!
//! Only what the CLOB's typed data uses: struct fields of static ABI types (`uint*`,
//! `address`, `bytes32`) and `string` (hashed), domains with or without a verifying
//! contract. Signatures are Ethereum's 65 bytes `r || s || v`, `v` = 27 or 28, with a
//! low `s` (k256 normalises when signing and refuses a high `s` when recovering, as
//! OpenZeppelin's `ECDSA.recover`, which the exchange contracts use, does).

use crate::venues::credentials::{AuthError, REDACTED, Secret};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::scalar::IsHigh;
use sha3::{Digest, Keccak256};
use std::fmt;
use std::str::FromStr;

/// Keccak-256 (Ethereum's hash, not NIST SHA3-256).
pub fn keccak256(bytes: impl AsRef<[u8]>) -> [u8; 32] {
    Keccak256::digest(bytes.as_ref()).into()
}

/// `0x` + lower-case hex.
pub fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes.as_ref()))
}

/// Bytes from hex with or without `0x`, of exactly `N` bytes.
pub fn parse_hex_bytes<const N: usize>(
    text: &str,
    field: &'static str,
) -> Result<[u8; N], AuthError> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out).map_err(|_| {
        AuthError::bad_input(
            field,
            format!("expected {N} bytes of hex, got {} characters", text.len()),
        )
    })?;
    Ok(out)
}

/// A 20-byte account or contract address. `Display` is the EIP-55 checksummed form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(pub [u8; 20]);

impl Address {
    pub const ZERO: Address = Address([0; 20]);

    /// The address of an uncompressed public key: the last 20 bytes of the keccak of
    /// its 64 coordinate bytes.
    pub fn from_verifying_key(key: &VerifyingKey) -> Address {
        let point = key.to_encoded_point(false);
        // Uncompressed SEC1: 0x04 || x || y.
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut a = [0u8; 20];
        a.copy_from_slice(&hash[12..]);
        Address(a)
    }

    /// `0x` + 40 lower-case hex digits.
    pub fn to_lower_hex(&self) -> String {
        hex0x(self.0)
    }

    /// EIP-55 mixed-case checksum form.
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The ABI word: 12 zero bytes then the address.
    pub fn word(&self) -> [u8; 32] {
        let mut w = [0u8; 32];
        w[12..].copy_from_slice(&self.0);
        w
    }
}

impl FromStr for Address {
    type Err = AuthError;

    /// `0x` + 40 hex digits. All-lower or all-upper case is taken as is; mixed case must
    /// be a correct EIP-55 checksum (a typo in a checksummed address is caught).
    fn from_str(s: &str) -> Result<Address, AuthError> {
        let digits = s.strip_prefix("0x").ok_or_else(|| {
            AuthError::bad_input("address", format!("{:?} does not start with 0x", short(s)))
        })?;
        if digits.len() != 40 {
            return Err(AuthError::bad_input(
                "address",
                format!("{:?} is not 40 hex digits", short(s)),
            ));
        }
        let bytes = parse_hex_bytes::<20>(digits, "address")?;
        let address = Address(bytes);
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && address.to_checksum() != s {
            return Err(AuthError::bad_input(
                "address",
                format!("{s:?} has a wrong EIP-55 checksum"),
            ));
        }
        Ok(address)
    }
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

/// An unsigned 256-bit integer, big-endian (token ids are 77-digit decimals).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct U256(pub [u8; 32]);

impl U256 {
    pub const ZERO: U256 = U256([0; 32]);

    pub fn from_u128(v: u128) -> U256 {
        let mut b = [0u8; 32];
        b[16..].copy_from_slice(&v.to_be_bytes());
        U256(b)
    }

    /// Parses decimal digits (no sign, no separators), refusing values ≥ 2^256.
    pub fn from_dec_str(s: &str) -> Result<U256, AuthError> {
        if s.is_empty() || s.len() > 78 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AuthError::bad_input(
                "uint256",
                format!("{:?} is not a decimal number", short(s)),
            ));
        }
        let mut b = [0u8; 32];
        for d in s.bytes() {
            // b = b * 10 + d, from the least significant byte up.
            let mut carry = u32::from(d - b'0');
            for byte in b.iter_mut().rev() {
                let v = u32::from(*byte) * 10 + carry;
                *byte = (v & 0xff) as u8;
                carry = v >> 8;
            }
            if carry != 0 {
                return Err(AuthError::bad_input(
                    "uint256",
                    format!("{:?} does not fit in 256 bits", short(s)),
                ));
            }
        }
        Ok(U256(b))
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&b| b == 0)
    }
}

impl From<u64> for U256 {
    fn from(v: u64) -> U256 {
        U256::from_u128(u128::from(v))
    }
}

impl From<u128> for U256 {
    fn from(v: u128) -> U256 {
        U256::from_u128(v)
    }
}

impl FromStr for U256 {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<U256, AuthError> {
        U256::from_dec_str(s)
    }
}

impl fmt::Display for U256 {
    /// Decimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut n = self.0;
        let mut digits = Vec::with_capacity(78);
        while n.iter().any(|&b| b != 0) {
            // n, r = n / 10, n % 10, from the most significant byte down.
            let mut rem = 0u32;
            for byte in n.iter_mut() {
                let v = (rem << 8) | u32::from(*byte);
                *byte = (v / 10) as u8;
                rem = v % 10;
            }
            digits.push(b'0' + rem as u8);
        }
        digits.reverse();
        f.write_str(&String::from_utf8_lossy(&digits))
    }
}

impl fmt::Debug for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// EIP-712 `hashStruct` of a struct whose fields are all static ABI types or strings:
/// `keccak256(typeHash || enc(field1) || ...)`, fields pushed in type-string order.
#[derive(Clone, Debug)]
pub struct StructEncoder {
    buf: Vec<u8>,
}

impl StructEncoder {
    /// Starts with `typeHash = keccak256(type_string)`; for nested types the type
    /// string is the primary type followed by the referenced types, as EIP-712 says.
    pub fn new(type_string: &str) -> StructEncoder {
        StructEncoder::with_type_hash(keccak256(type_string.as_bytes()))
    }

    pub fn with_type_hash(type_hash: [u8; 32]) -> StructEncoder {
        let mut buf = Vec::with_capacity(32 * 12);
        buf.extend_from_slice(&type_hash);
        StructEncoder { buf }
    }

    /// Any `uintN` (big-endian, left-padded to 32 bytes).
    pub fn uint(mut self, v: &U256) -> StructEncoder {
        self.buf.extend_from_slice(&v.0);
        self
    }

    pub fn uint64(self, v: u64) -> StructEncoder {
        self.uint(&U256::from(v))
    }

    pub fn address(mut self, a: &Address) -> StructEncoder {
        self.buf.extend_from_slice(&a.word());
        self
    }

    /// `bytes32`, or an already-hashed value (a nested struct's hash).
    pub fn bytes32(mut self, b: &[u8; 32]) -> StructEncoder {
        self.buf.extend_from_slice(b);
        self
    }

    /// `string`: encoded as the keccak of its UTF-8 bytes.
    pub fn string(self, s: &str) -> StructEncoder {
        self.bytes32(&keccak256(s.as_bytes()))
    }

    pub fn finish(self) -> [u8; 32] {
        keccak256(&self.buf)
    }
}

/// An EIP-712 domain of the fields the CLOB uses: `name`, `version`, `chainId` and
/// optionally `verifyingContract` (the exchanges have one; `ClobAuthDomain` has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eip712Domain {
    pub name: String,
    pub version: String,
    pub chain_id: u64,
    pub verifying_contract: Option<Address>,
}

impl Eip712Domain {
    /// `hashStruct(EIP712Domain)`.
    pub fn separator(&self) -> [u8; 32] {
        match &self.verifying_contract {
            Some(contract) => StructEncoder::new(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
            )
            .string(&self.name)
            .string(&self.version)
            .uint64(self.chain_id)
            .address(contract)
            .finish(),
            None => StructEncoder::new("EIP712Domain(string name,string version,uint256 chainId)")
                .string(&self.name)
                .string(&self.version)
                .uint64(self.chain_id)
                .finish(),
        }
    }

    /// The digest a signer signs: `keccak256(0x19 0x01 || domainSeparator || structHash)`.
    pub fn digest(&self, struct_hash: &[u8; 32]) -> [u8; 32] {
        eip712_digest(&self.separator(), struct_hash)
    }
}

/// `keccak256(0x19 0x01 || domain_separator || struct_hash)`.
pub fn eip712_digest(domain_separator: &[u8; 32], struct_hash: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain_separator);
    buf[34..].copy_from_slice(struct_hash);
    keccak256(buf)
}

/// A 65-byte Ethereum signature `r || s || v`, `v` = 27 or 28.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecoverableSignature(pub [u8; 65]);

impl RecoverableSignature {
    /// From `0x` + 130 hex digits (the form the CLOB sends). `v` may be 27/28 or 0/1
    /// (normalised to 27/28).
    pub fn from_hex(text: &str) -> Result<RecoverableSignature, AuthError> {
        let digits = text.strip_prefix("0x").unwrap_or(text);
        let mut bytes = [0u8; 65];
        hex::decode_to_slice(digits, &mut bytes)
            .map_err(|_| AuthError::MalformedSignature("expected 0x and 130 hex digits"))?;
        bytes[64] = match bytes[64] {
            0 | 27 => 27,
            1 | 28 => 28,
            _ => return Err(AuthError::MalformedSignature("v is not 27 or 28")),
        };
        Ok(RecoverableSignature(bytes))
    }

    /// `0x` + 130 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex0x(self.0)
    }

    pub fn v(&self) -> u8 {
        self.0[64]
    }
}

impl fmt::Display for RecoverableSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for RecoverableSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The address whose key made `signature` over the 32-byte `digest` (a prehash: no
/// further hashing). Refuses a high `s` and a `v` other than 27/28.
pub fn recover_signer(
    digest: &[u8; 32],
    signature: &RecoverableSignature,
) -> Result<Address, AuthError> {
    let sig = Signature::from_slice(&signature.0[..64])
        .map_err(|_| AuthError::MalformedSignature("r or s out of range"))?;
    if bool::from(sig.s().is_high()) {
        return Err(AuthError::MalformedSignature(
            "s is in the upper half of the curve order",
        ));
    }
    let recid = match signature.0[64] {
        27 => RecoveryId::new(false, false),
        28 => RecoveryId::new(true, false),
        _ => return Err(AuthError::MalformedSignature("v is not 27 or 28")),
    };
    let key = VerifyingKey::recover_from_prehash(digest, &sig, recid)
        .map_err(|_| AuthError::BadSignature)?;
    Ok(Address::from_verifying_key(&key))
}

/// A secp256k1 private key (an Ethereum account). `Debug` shows the address only.
#[derive(Clone)]
pub struct EthKey {
    key: SigningKey,
    address: Address,
}

impl fmt::Debug for EthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EthKey")
            .field("address", &self.address)
            .field("key", &REDACTED)
            .finish()
    }
}

impl EthKey {
    /// From 64 hex digits, with or without `0x` (surrounding whitespace ignored).
    pub fn from_hex(secret: &Secret) -> Result<EthKey, AuthError> {
        let text = secret.expose().trim();
        let digits = text.strip_prefix("0x").unwrap_or(text);
        if digits.len() != 64 {
            return Err(AuthError::InvalidKey(
                "a secp256k1 private key is 64 hex digits (optionally 0x-prefixed)",
            ));
        }
        let mut bytes = [0u8; 32];
        let parsed = hex::decode_to_slice(digits, &mut bytes)
            .map_err(|_| AuthError::InvalidKey("private key is not hex"))
            .and_then(|()| {
                SigningKey::from_slice(&bytes).map_err(|_| {
                    AuthError::InvalidKey("private key is zero or not below the curve order")
                })
            });
        crate::venues::credentials::wipe(&mut bytes);
        let key = parsed?;
        let address = Address::from_verifying_key(key.verifying_key());
        Ok(EthKey { key, address })
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest as is (RFC 6979 deterministic nonce, low `s`).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<RecoverableSignature, AuthError> {
        let (sig, recid) = self
            .key
            .sign_prehash_recoverable(digest)
            .map_err(|_| AuthError::SigningFailed("secp256k1 signing failed"))?;
        if recid.is_x_reduced() {
            // Probability about 2^-128; Ethereum's v cannot express it.
            return Err(AuthError::SigningFailed(
                "signature r overflowed the curve order",
            ));
        }
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + u8::from(recid.is_y_odd());
        Ok(RecoverableSignature(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_of_empty_is_the_known_constant() {
        assert_eq!(
            hex::encode(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn eip55_examples_from_the_eip() {
        // EIP-55's own test cases.
        for s in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let a: Address = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
            assert_eq!(s.to_lowercase().parse::<Address>().unwrap(), a);
        }
        // One flipped case is a checksum error.
        assert!(
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
                .parse::<Address>()
                .is_err()
        );
        assert!(
            "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
                .parse::<Address>()
                .is_err()
        );
        assert!("0x5aAeb6".parse::<Address>().is_err());
    }

    #[test]
    fn u256_decimal_round_trips_and_bounds() {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        let v = U256::from_dec_str(max).unwrap();
        assert_eq!(v.0, [0xff; 32]);
        assert_eq!(v.to_string(), max);
        assert!(
            U256::from_dec_str(
                "115792089237316195423570985008687907853269984665640564039457584007913129639936"
            )
            .is_err()
        );
        let token = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
        assert_eq!(U256::from_dec_str(token).unwrap().to_string(), token);
        assert_eq!(U256::from(1234u64).to_string(), "1234");
        assert_eq!(U256::ZERO.to_string(), "0");
        assert_eq!(U256::from(0x0102u64).0[30..], [1, 2]);
        for bad in ["", "-1", "1.5", "0x10", " 1"] {
            assert!(U256::from_dec_str(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn signature_hex_parsing() {
        let hex = format!("0x{}{}", "11".repeat(64), "1c");
        let s = RecoverableSignature::from_hex(&hex).unwrap();
        assert_eq!(s.v(), 28);
        assert_eq!(s.to_hex(), hex);
        let zero_one = format!("0x{}{}", "11".repeat(64), "00");
        assert_eq!(RecoverableSignature::from_hex(&zero_one).unwrap().v(), 27);
        assert!(RecoverableSignature::from_hex(&format!("0x{}{}", "11".repeat(64), "1d")).is_err());
        assert!(RecoverableSignature::from_hex("0x1234").is_err());
    }

    #[test]
    fn bad_private_keys_are_refused_without_quoting_them() {
        for bad in [
            "",
            "0x12",
            &"zz".repeat(32),
            &"00".repeat(32),
            &"ff".repeat(32),
        ] {
            let err = EthKey::from_hex(&Secret::new(bad)).unwrap_err();
            assert!(matches!(err, AuthError::InvalidKey(_)), "{bad}: {err}");
        }
    }
}
