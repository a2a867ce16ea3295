//! What the simulator lifecycle tests share: a scenario with scheduled questions, a
//! server playing it, and small HTTP, ledger and WebSocket helpers.
#![allow(dead_code)]

use arb::core::Money;
use arb::sim::Scenario;
use arb::sim::server::{SimServer, SimState, driver, sim_accounts, sim_keys};
use arb::venues::credentials::Secret;
use arb::venues::kalshi::auth::KalshiSigner;
use arb::venues::kalshi::rest::KalshiRest;
use arb::venues::kalshi::rest_wire::CreateOrderRequest;
use arb::venues::polymarket::auth::{ApiCreds, PolymarketSigner};
use arb::venues::polymarket::rest::PolymarketRest;
use futures_util::StreamExt;
use serde_json::Value;
use std::time::{Duration, Instant};

pub const YES_TOKEN: &str = "1111";
pub const NO_TOKEN: &str = "2222";

/// One question always open, one that lists at 10 s, closes at 20 s and settles YES at
/// 30 s (on both venues), and a three-bucket exclusive event closing at 20 s and
/// settling at 30 s on fair values. Played at speed 10: one second per phase.
pub const SCENARIO: &str = r#"
name = "lifecycle"
seed = 11
start_ms = 1795996800000
duration_s = 60
step_ms = 200
tick_ms = 1000
exclusive_events = ["KXBUCKET"]

[cash]
kalshi = "100.00"
polymarket = "100.00"

[[question]]
name = "always"
fair = 0.5
volatility = 0.001
spread = 0.02
depth = 10
levels = 2
dislocation = 0.0
dislocation_size = 0.0
kalshi = "KXALWAYS-1"

[[question]]
name = "sched"
fair = 0.4
volatility = 0.001
spread = 0.02
depth = 10
levels = 2
dislocation = 0.0
dislocation_size = 0.0
kalshi = "KXSCHED-1"
polymarket_yes = "1111"
polymarket_no = "2222"
list_at_s = 10
close_at_s = 20
settle_at_s = 30
result = "yes"

[[question]]
name = "bucket-a"
event = "KXBUCKET"
fair = 0.3
volatility = 0.001
spread = 0.02
depth = 10
levels = 2
dislocation = 0.0
dislocation_size = 0.0
kalshi = "KXBUCKET-A"
close_at_s = 20
settle_at_s = 30

[[question]]
name = "bucket-b"
event = "KXBUCKET"
fair = 0.3
volatility = 0.001
spread = 0.02
depth = 10
levels = 2
dislocation = 0.0
dislocation_size = 0.0
kalshi = "KXBUCKET-B"
close_at_s = 20
settle_at_s = 30

[[question]]
name = "bucket-c"
event = "KXBUCKET"
fair = 0.4
volatility = 0.001
spread = 0.02
depth = 10
levels = 2
dislocation = 0.0
dislocation_size = 0.0
kalshi = "KXBUCKET-C"
close_at_s = 20
settle_at_s = 30
"#;

pub fn kalshi_signer() -> KalshiSigner {
    KalshiSigner::from_pem(
        sim_keys::KALSHI_KEY_ID,
        &Secret::new(sim_keys::KALSHI_KEY_PEM),
    )
    .unwrap()
}

pub fn poly_signer() -> PolymarketSigner {
    let creds = ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .unwrap();
    PolymarketSigner::new(&Secret::new(sim_keys::POLY_PRIVATE_KEY), creds).unwrap()
}

pub async fn start(text: &str, speed: f64) -> SimServer {
    let scenario = Scenario::parse(text, "test.toml").unwrap();
    let accounts = sim_accounts(scenario.cash).unwrap();
    let state = SimState::new(scenario.markets.clone(), accounts).with_scenario(&scenario);
    let sim = SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    tokio::spawn(driver::play(sim.state.clone(), scenario, speed));
    sim
}

/// A plain HTTP client (arb's, which installs the TLS provider reqwest needs).
pub fn http() -> reqwest::Client {
    arb::venues::http::client(Duration::from_secs(5)).unwrap()
}

pub async fn get(url: String) -> (u16, Value) {
    let r = http().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn post(url: String, body: Value) -> (u16, Value) {
    let r = http().post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls a Kalshi market until its status is `want` (panics after 5 s).
pub async fn wait_status(sim: &SimServer, ticker: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (code, body) = get(format!("{}/markets/{ticker}", sim.kalshi_base())).await;
        if code == 200 && body["market"]["status"] == want {
            return body["market"].clone();
        }
        assert!(Instant::now() < deadline, "{ticker} never became {want}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every Kalshi ticker of `GET /markets` (with `query`), read a page of `limit` at a time.
pub async fn all_tickers(sim: &SimServer, query: &str, limit: usize) -> (Vec<String>, usize) {
    let (mut tickers, mut pages, mut cursor) = (Vec::new(), 0, String::new());
    loop {
        let url = format!(
            "{}/markets?limit={limit}&cursor={cursor}{query}",
            sim.kalshi_base()
        );
        let (code, body) = get(url).await;
        assert_eq!(code, 200, "{body}");
        pages += 1;
        for m in body["markets"].as_array().unwrap() {
            tickers.push(m["ticker"].as_str().unwrap().to_string());
        }
        cursor = body["cursor"].as_str().unwrap().to_string();
        if cursor.is_empty() {
            return (tickers, pages);
        }
    }
}

pub async fn ledger(sim: &SimServer) -> Value {
    get(format!("http://{}/_sim/ledger", sim.addr)).await.1
}

pub fn cash(ledger: &Value, account: &str) -> Money {
    let a = ledger["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == account)
        .unwrap();
    Money::from_decimal(a["cash"].as_str().unwrap()).unwrap()
}

/// A signed Kalshi GET the client has no method for.
pub async fn kalshi_get(sim: &SimServer, path: &str) -> Value {
    let full = format!("/trade-api/v2{path}");
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut req = http().get(format!("http://{}{full}", sim.addr));
    for (k, v) in kalshi_signer().headers(ts, "GET", &full).unwrap() {
        req = req.header(k, v);
    }
    req.send().await.unwrap().json().await.unwrap()
}

pub fn kalshi(sim: &SimServer) -> KalshiRest {
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    KalshiRest::new(http, sim.kalshi_base(), Some(kalshi_signer()))
}

pub fn poly(sim: &SimServer) -> PolymarketRest {
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    PolymarketRest::new(http, sim.polymarket_base(), Some(poly_signer()))
}

pub fn buy(ticker: &str, cents: i64, count: i64, tif: &str) -> CreateOrderRequest {
    CreateOrderRequest {
        ticker: ticker.into(),
        side: "yes".into(),
        action: "buy".into(),
        count: Some(count),
        yes_price: Some(cents),
        time_in_force: Some(tif.into()),
        ..CreateOrderRequest::default()
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Every JSON text frame of a socket until nothing comes for `quiet`.
pub async fn drain(ws: &mut Socket, quiet: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(quiet, ws.next()).await {
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            match serde_json::from_str::<Value>(&t) {
                Ok(Value::Array(items)) => out.extend(items),
                Ok(v) => out.push(v),
                Err(_) => {}
            }
        }
    }
    out
}
