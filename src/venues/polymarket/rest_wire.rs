//! Polymarket CLOB REST bodies, field for field as the venue and `py-clob-client-v2` spell them.
//!
//! Prices and sizes are decimal strings except where the venue sends numbers
//! (`minimum_tick_size`, market `price`); order amounts are integer strings of 1e-6 units;
//! token ids are decimal uint256 strings (never parsed as numbers here). Unknown fields
//! are ignored on read. Errors are `{"error": "<message>"}` with an HTTP status.

pub use super::wire::OrderSummary;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cursor of the first page.
pub const INITIAL_CURSOR: &str = "MA==";
/// The cursor that means "no more pages".
pub const END_CURSOR: &str = "LTE=";

/// `GET /book?token_id=`: one token's book. Bids ascending and asks descending by price
/// (the best level last). Field order is the order the book hash is computed in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBookSummary {
    /// Condition id.
    pub market: String,
    /// Token id.
    pub asset_id: String,
    /// Epoch milliseconds.
    #[serde(default)]
    pub timestamp: String,
    /// SHA-1 hex of the book (see [`book_hash`]).
    #[serde(default)]
    pub hash: String,
    pub bids: Vec<OrderSummary>,
    pub asks: Vec<OrderSummary>,
    #[serde(default)]
    pub min_order_size: String,
    #[serde(default)]
    pub tick_size: String,
    #[serde(default)]
    pub neg_risk: bool,
    /// `""` before the first trade.
    #[serde(default)]
    pub last_trade_price: String,
}

/// One element of the `POST /books` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookParams {
    pub token_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
}

/// The venue's book hash: SHA-1 (hex) of the compact JSON of the book with `hash` set
/// to `""`, keys in [`OrderBookSummary`]'s order (as `py-clob-client-v2`'s
/// `generate_orderbook_summary_hash` computes it).
pub fn book_hash(book: &OrderBookSummary) -> String {
    let blank = OrderBookSummary {
        hash: String::new(),
        ..book.clone()
    };
    // Serializing plain strings, bools and vectors of them cannot fail.
    let text = serde_json::to_string(&blank).unwrap_or_default();
    hex::encode(sha1(text.as_bytes()))
}

/// SHA-1 (FIPS 180-4). Only for the book hash, which is an identifier, not security.
fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, v) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// `GET /tick-size`: a JSON number (`0.01`). `py-clob-client-v2` looks up `str()` of it
/// in its rounding table, so it must not be a string like `"0.010"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TickSizeResponse {
    pub minimum_tick_size: f64,
}

/// `GET /neg-risk`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegRiskResponse {
    pub neg_risk: bool,
}

/// `GET /fee-rate`: the market's base fee in basis points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRateResponse {
    #[serde(default)]
    pub base_fee: u64,
}

/// `GET /version`: the order version the exchange takes (2 = CTF Exchange V2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionResponse {
    pub version: u32,
}

/// `GET /time` answers a bare integer (Unix seconds); some deployments wrap it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServerTime {
    Bare(i64),
    Time { time: i64 },
    Timestamp { timestamp: i64 },
}

impl ServerTime {
    pub fn seconds(&self) -> i64 {
        match self {
            ServerTime::Bare(t)
            | ServerTime::Time { time: t }
            | ServerTime::Timestamp { timestamp: t } => *t,
        }
    }
}

/// Every refusal: `{"error": "<message>"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}

/// `POST /auth/api-key`, `GET /auth/derive-api-key`: the L2 credentials. `secret` is
/// URL-safe base64.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreds {
    pub api_key: String,
    pub secret: String,
    pub passphrase: String,
}

impl std::fmt::Debug for ApiKeyCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyCreds")
            .field("api_key", &self.api_key)
            .field("secret", &crate::venues::credentials::REDACTED)
            .field("passphrase", &crate::venues::credentials::REDACTED)
            .finish()
    }
}

/// A signed CLOB V2 order as `POST /order` carries it (`order_to_json_v2`): amounts,
/// token id and timestamp (ms) are decimal strings, `salt` a JSON number, `side`
/// `BUY`/`SELL`, `signatureType` an integer, addresses EIP-55, `metadata` / `builder`
/// bytes32 hex. `expiration` is not signed in V2 (`"0"` = none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedOrder {
    #[serde(deserialize_with = "lenient_u64")]
    pub salt: u64,
    pub maker: String,
    pub signer: String,
    pub token_id: String,
    pub maker_amount: String,
    pub taker_amount: String,
    pub side: String,
    #[serde(default = "zero_string")]
    pub expiration: String,
    pub signature_type: u8,
    pub timestamp: String,
    pub metadata: String,
    pub builder: String,
    pub signature: String,
}

fn zero_string() -> String {
    "0".into()
}

/// `POST /order` body; `POST /orders` takes an array of these.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostOrderRequest {
    pub order: SignedOrder,
    /// The L2 API key the order belongs to.
    pub owner: String,
    /// `GTC`, `GTD`, `FOK` or `FAK`.
    pub order_type: String,
    #[serde(default)]
    pub defer_exec: bool,
    #[serde(default)]
    pub post_only: bool,
}

/// `POST /order` answer (200). `status` is `live` (resting), `matched` or `delayed`;
/// `makingAmount` / `takingAmount` are what matched at once, as decimal strings (a BUY
/// makes USDC and takes tokens, a SELL the reverse).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostOrderResponse {
    #[serde(default)]
    pub success: bool,
    #[serde(default, rename = "errorMsg")]
    pub error_msg: String,
    #[serde(default, rename = "orderID")]
    pub order_id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, rename = "makingAmount")]
    pub making_amount: String,
    #[serde(default, rename = "takingAmount")]
    pub taking_amount: String,
    #[serde(default, rename = "transactionsHashes")]
    pub transactions_hashes: Vec<String>,
    #[serde(default, rename = "tradeIDs", skip_serializing_if = "Vec::is_empty")]
    pub trade_ids: Vec<String>,
}

/// `DELETE /order` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrderRequest {
    #[serde(rename = "orderID")]
    pub order_id: String,
}

/// Answer of `DELETE /order`, `DELETE /orders` and `DELETE /cancel-all`: what was
/// canceled, and why the others were not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResponse {
    #[serde(default)]
    pub canceled: Vec<String>,
    #[serde(default)]
    pub not_canceled: BTreeMap<String, String>,
}

/// An order as `GET /data/order/{id}` and `GET /data/orders` show it. Sizes are
/// decimal token amounts; `status` is `LIVE`, `MATCHED` or `CANCELED`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrder {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub maker_address: String,
    pub market: String,
    pub asset_id: String,
    pub side: String,
    pub original_size: String,
    pub size_matched: String,
    pub price: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub expiration: Option<String>,
    #[serde(default)]
    pub order_type: String,
    #[serde(default)]
    pub associate_trades: Option<Vec<String>>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub created_at: i64,
}

/// A page of `GET /data/orders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersPage {
    pub data: Vec<OpenOrder>,
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub count: u64,
}

/// A maker order a trade matched.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakerOrder {
    pub order_id: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub maker_address: String,
    pub matched_amount: String,
    pub price: String,
    #[serde(default)]
    pub fee_rate_bps: String,
    pub asset_id: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub side: String,
}

/// A trade of `GET /data/trades`. `side` is the taker's; `trader_side` says whether
/// the account was the `TAKER` or a `MAKER`; `status` runs `MATCHED`, `MINED`,
/// `CONFIRMED` (or `RETRYING`, `FAILED`). Times are Unix seconds as strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub id: String,
    pub taker_order_id: String,
    pub market: String,
    pub asset_id: String,
    pub side: String,
    pub size: String,
    #[serde(default)]
    pub fee_rate_bps: String,
    pub price: String,
    pub status: String,
    #[serde(default)]
    pub match_time: String,
    #[serde(default)]
    pub last_update: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub bucket_index: u64,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub maker_address: String,
    #[serde(default)]
    pub maker_orders: Vec<MakerOrder>,
    #[serde(default)]
    pub transaction_hash: String,
    #[serde(default)]
    pub trader_side: String,
}

/// A page of `GET /data/trades`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradesPage {
    pub data: Vec<Trade>,
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub count: u64,
}

/// One outcome token of a market.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketToken {
    pub token_id: String,
    pub outcome: String,
    #[serde(default)]
    pub price: f64,
    #[serde(default)]
    pub winner: bool,
}

/// A market (condition) as `GET /markets` lists it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Market {
    pub condition_id: String,
    #[serde(default)]
    pub question_id: String,
    pub tokens: Vec<MarketToken>,
    #[serde(default)]
    pub minimum_order_size: f64,
    #[serde(default)]
    pub minimum_tick_size: f64,
    #[serde(default)]
    pub neg_risk: bool,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub closed: bool,
    #[serde(default)]
    pub accepting_orders: bool,
    #[serde(default)]
    pub enable_order_book: bool,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub market_slug: String,
    #[serde(default)]
    pub end_date_iso: Option<String>,
    #[serde(default)]
    pub maker_base_fee: u64,
    #[serde(default)]
    pub taker_base_fee: u64,
}

/// A page of `GET /markets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketsPage {
    pub data: Vec<Market>,
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub count: u64,
}

/// `GET /markets-by-token/{token_id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketByToken {
    pub condition_id: String,
    #[serde(default)]
    pub primary_token_id: String,
    #[serde(default)]
    pub secondary_token_id: String,
}

/// `GET /clob-markets/{condition_id}`: the CLOB parameters in short keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClobMarketInfo {
    /// Tokens: `{"t": token id, "o": outcome}`.
    pub t: Vec<ClobToken>,
    /// Minimum tick size.
    pub mts: f64,
    /// Minimum order size.
    #[serde(default)]
    pub mos: f64,
    /// Neg risk.
    #[serde(default)]
    pub nr: bool,
    /// Fee details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<FeeDetails>,
    /// Maker / taker base fee (bps).
    #[serde(default)]
    pub mbf: u64,
    #[serde(default)]
    pub tbf: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClobToken {
    pub t: String,
    pub o: String,
}

/// Fee schedule: `C · r · (p(1−p))^e`, takers only if `to`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FeeDetails {
    pub r: f64,
    pub e: f64,
    pub to: bool,
}

/// One position of the Data API's `GET /positions?user=` (its host is not the CLOB's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataPosition {
    #[serde(default)]
    pub proxy_wallet: String,
    /// The token id.
    pub asset: String,
    #[serde(default)]
    pub condition_id: String,
    /// Tokens held.
    pub size: f64,
    #[serde(default)]
    pub avg_price: f64,
    #[serde(default)]
    pub outcome: String,
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| de::Error::custom("expected a non-negative integer")),
        serde_json::Value::String(s) => s.parse().map_err(de::Error::custom),
        other => Err(de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(0),
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| de::Error::custom("expected an integer")),
        serde_json::Value::String(s) if s.is_empty() => Ok(0),
        serde_json::Value::String(s) => s.parse().map_err(de::Error::custom),
        other => Err(de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        crate::venues::fixture(&format!("venues/polymarket/{name}"))
    }

    #[test]
    fn parses_the_captured_book_and_reproduces_its_hash() {
        let book: OrderBookSummary =
            serde_json::from_str(&fixture("rest_book_captured.json")).unwrap();
        assert_eq!(book.tick_size, "0.001");
        assert!(book.neg_risk);
        assert_eq!(book.bids.len(), 2);
        assert_eq!(book.bids[1].price, "0.002");
        assert!(book.asks.is_empty());
        assert_eq!(book.last_trade_price, "");
        assert_eq!(book_hash(&book), book.hash);
        assert_eq!(book.hash, "d7df883ae546b09533a4f485bfae0810da1af04e");
    }

    #[test]
    fn sha1_matches_the_standard_vectors() {
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex::encode(sha1(b"")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            hex::encode(sha1(long)),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    /// The body `py-clob-client-v2` 1.2.1 sent (shared notes, section 2.4), with a
    /// signature filled in: it parses and serializes back byte for byte.
    #[test]
    fn a_post_order_body_round_trips_in_the_official_key_order() {
        let sig = format!("0x{}1b", "ab".repeat(64));
        let zero = format!("0x{}", "0".repeat(64));
        let body = format!(
            concat!(
                r#"{{"order":{{"salt":1065429026540,"maker":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","#,
                r#""signer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","#,
                r#""tokenId":"71321045679252212594626385532706912750332728571942532289631379312455583992563","#,
                r#""makerAmount":"5000000","takerAmount":"10000000","side":"BUY","expiration":"0","#,
                r#""signatureType":0,"timestamp":"1795563150883","metadata":"{z}","builder":"{z}","#,
                r#""signature":"{s}"}},"owner":"api-key","orderType":"GTC","deferExec":false,"postOnly":false}}"#
            ),
            z = zero,
            s = sig
        );
        let req: PostOrderRequest = serde_json::from_str(&body).unwrap();
        assert_eq!(req.order.salt, 1_065_429_026_540);
        assert_eq!(req.order.maker_amount, "5000000");
        assert_eq!(req.order_type, "GTC");
        assert_eq!(serde_json::to_string(&req).unwrap(), body);
    }

    #[test]
    fn server_time_takes_each_shape() {
        for text in [
            "1700000000",
            r#"{"time":1700000000}"#,
            r#"{"timestamp":1700000000}"#,
        ] {
            let t: ServerTime = serde_json::from_str(text).unwrap();
            assert_eq!(t.seconds(), 1_700_000_000);
        }
    }

    #[test]
    fn an_open_order_parses_with_null_expiration_and_numeric_created_at() {
        let o: OpenOrder = serde_json::from_str(
            r#"{"associate_trades":["0xabc001"],"id":"0x12","status":"LIVE","market":"0xdd",
                "original_size":"100.0000","outcome":"Yes","maker_address":"0xf3","owner":"o",
                "price":"0.5000","side":"BUY","size_matched":"25.0000","asset_id":"7132",
                "expiration":null,"order_type":"GTC","created_at":1703875200}"#,
        )
        .unwrap();
        assert_eq!((o.status.as_str(), o.created_at), ("LIVE", 1_703_875_200));
        assert_eq!(o.expiration, None);
    }
}

/// `GET /balance-allowance`: the account's collateral, in 6-decimal units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceAllowance {
    pub balance: String,
    #[serde(default)]
    pub allowances: serde_json::Map<String, serde_json::Value>,
}
