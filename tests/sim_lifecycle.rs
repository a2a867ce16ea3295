//! Markets that list, close and settle on a scenario's schedule, on a real simulator
//! over loopback: both venues' REST and WebSocket shapes, payouts to the micro-dollar,
//! planted positions, and the scenario keys (`[[rolling]]`, results, bad values).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{Money, Price, Qty};
use arb::sim::Scenario;
use arb::sim::server::{SimServer, SimState, driver, sim_accounts, sim_keys};
use arb::venues::credentials::Secret;
use arb::venues::kalshi::auth::KalshiSigner;
use arb::venues::kalshi::rest::KalshiRest;
use arb::venues::kalshi::rest_wire::CreateOrderRequest;
use arb::venues::kalshi::ws::KalshiWs;
use arb::venues::polymarket::auth::{ApiCreds, PolymarketSigner, Side};
use arb::venues::polymarket::rest::{LimitOrder, OrderType, PolymarketRest};
use arb::venues::polymarket::ws::market_url;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const YES_TOKEN: &str = "1111";
const NO_TOKEN: &str = "2222";

/// One question always open, one that lists at 10 s, closes at 20 s and settles YES at
/// 30 s (on both venues), and a three-bucket exclusive event closing at 20 s and
/// settling at 30 s on fair values. Played at speed 10: one second per phase.
const SCENARIO: &str = r#"
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

fn kalshi_signer() -> KalshiSigner {
    KalshiSigner::from_pem(
        sim_keys::KALSHI_KEY_ID,
        &Secret::new(sim_keys::KALSHI_KEY_PEM),
    )
    .unwrap()
}

fn poly_signer() -> PolymarketSigner {
    let creds = ApiCreds::new(
        Secret::new(sim_keys::POLY_API_KEY),
        Secret::new(sim_keys::POLY_API_SECRET),
        Secret::new(sim_keys::POLY_PASSPHRASE),
    )
    .unwrap();
    PolymarketSigner::new(&Secret::new(sim_keys::POLY_PRIVATE_KEY), creds).unwrap()
}

async fn start(text: &str, speed: f64) -> SimServer {
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
fn http() -> reqwest::Client {
    arb::venues::http::client(Duration::from_secs(5)).unwrap()
}

async fn get(url: String) -> (u16, Value) {
    let r = http().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(url: String, body: Value) -> (u16, Value) {
    let r = http().post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls a Kalshi market until its status is `want` (panics after 5 s).
async fn wait_status(sim: &SimServer, ticker: &str, want: &str) -> Value {
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
async fn all_tickers(sim: &SimServer, query: &str, limit: usize) -> (Vec<String>, usize) {
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

async fn ledger(sim: &SimServer) -> Value {
    get(format!("http://{}/_sim/ledger", sim.addr)).await.1
}

fn cash(ledger: &Value, account: &str) -> Money {
    let a = ledger["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == account)
        .unwrap();
    Money::from_decimal(a["cash"].as_str().unwrap()).unwrap()
}

/// A signed Kalshi GET the client has no method for.
async fn kalshi_get(sim: &SimServer, path: &str) -> Value {
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

fn kalshi(sim: &SimServer) -> KalshiRest {
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    KalshiRest::new(http, sim.kalshi_base(), Some(kalshi_signer()))
}

fn poly(sim: &SimServer) -> PolymarketRest {
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    PolymarketRest::new(http, sim.polymarket_base(), Some(poly_signer()))
}

fn buy(ticker: &str, cents: i64, count: i64, tif: &str) -> CreateOrderRequest {
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

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Every JSON text frame of a socket until nothing comes for `quiet`.
async fn drain(ws: &mut Socket, quiet: Duration) -> Vec<Value> {
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

#[tokio::test]
async fn a_question_lists_closes_and_settles_on_both_venues() {
    let sim = start(SCENARIO, 10.0).await;
    let k = kalshi(&sim);
    let base = sim.kalshi_base();

    // Kalshi's lifecycle channel from the start; Polymarket's custom feature events.
    let mut kws = KalshiWs::connect(&sim.kalshi_ws(), Some(&kalshi_signer()))
        .await
        .unwrap();
    kws.subscribe(&["market_lifecycle_v2"], &[]).await.unwrap();
    let (mut pws, _) = tokio_tungstenite::connect_async(market_url(&sim.polymarket_ws()))
        .await
        .unwrap();
    let sub = json!({"assets_ids": [], "type": "market", "custom_feature_enabled": true});
    pws.send(sub.to_string().into()).await.unwrap();

    // Before 10 s: unknown on both venues and absent from every list.
    assert_eq!(get(format!("{base}/markets/KXSCHED-1")).await.0, 404);
    let (listed, pages) = all_tickers(&sim, "", 1).await;
    assert_eq!(
        (listed.clone(), pages),
        (
            vec![
                "KXALWAYS-1".to_string(),
                "KXBUCKET-A".into(),
                "KXBUCKET-B".into(),
                "KXBUCKET-C".into()
            ],
            4
        ),
        "one market per page with limit 1"
    );
    let (code, _) = get(format!("http://{}/markets/sched", sim.addr)).await;
    assert_eq!(code, 404);
    assert_eq!(
        get(format!("http://{}/book?token_id={YES_TOKEN}", sim.addr))
            .await
            .0,
        404
    );
    let unlisted = k
        .create_order(&buy("KXSCHED-1", 40, 1, "immediate_or_cancel"))
        .await;
    assert!(
        matches!(
            unlisted,
            Err(arb::venues::http::VenueError::NotFound { .. })
        ),
        "{unlisted:?}"
    );
    // A planted position on a market not listed yet is still planted.
    let (code, body) = post(
        format!("http://{}/_sim/position", sim.addr),
        json!({"venue": "kalshi", "market": "KXSCHED-1", "outcome": "yes", "qty": "10"}),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    // Listed: active, with its close time; the event shows it.
    let m = wait_status(&sim, "KXSCHED-1", "active").await;
    assert!(m["close_time"].as_str().unwrap().ends_with('Z'), "{m}");
    assert_eq!(m["result"], "");
    let (all, _) = all_tickers(&sim, "&status=open", 2).await;
    assert!(all.contains(&"KXSCHED-1".to_string()), "{all:?}");
    pws.send(
        json!({"assets_ids": [YES_TOKEN, NO_TOKEN], "operation": "subscribe"})
            .to_string()
            .into(),
    )
    .await
    .unwrap();
    let (code, pm) = get(format!("http://{}/markets/sched", sim.addr)).await;
    assert_eq!(code, 200);
    assert_eq!(
        (&pm["accepting_orders"], &pm["closed"]),
        (&json!(true), &json!(false))
    );

    // Positions planted behind the engine's back: Kalshi NO 4 (YES 10 from before),
    // Polymarket YES token 7 and NO token 3; none changes cash.
    let before = ledger(&sim).await;
    for (venue, market, outcome, qty) in [
        ("kalshi", "KXSCHED-1", "no", "4"),
        ("polymarket", YES_TOKEN, "yes", "7"),
        ("polymarket", YES_TOKEN, "no", "3"),
    ] {
        let (code, body) = post(
            format!("http://{}/_sim/position", sim.addr),
            json!({"venue": venue, "market": market, "outcome": outcome, "qty": qty}),
        )
        .await;
        assert_eq!(code, 200, "{body}");
    }
    let planted = ledger(&sim).await;
    assert_eq!(
        cash(&planted, "arb-kalshi"),
        cash(&before, "arb-kalshi"),
        "planting changes no cash"
    );
    let kalshi_positions = k.positions().await.unwrap().market_positions;
    let p = kalshi_positions
        .iter()
        .find(|p| p.ticker == "KXSCHED-1")
        .unwrap();
    assert_eq!(p.position_fp, "6.00", "YES 10 - NO 4");
    let address = poly_signer().address().to_string();
    let held = poly(&sim).data_positions(&address).await.unwrap();
    let mut sizes: Vec<(String, f64)> = held.iter().map(|p| (p.asset.clone(), p.size)).collect();
    sizes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sizes,
        vec![(YES_TOKEN.to_string(), 7.0), (NO_TOKEN.to_string(), 3.0)]
    );
    let positions = &planted["accounts"];
    assert!(positions.to_string().contains("KXSCHED-1"), "{positions}");

    // A resting order, canceled at close.
    let resting = k
        .create_order(&buy("KXSCHED-1", 1, 3, "good_till_canceled"))
        .await
        .unwrap();
    assert_eq!(resting.status, "resting");

    // Closed: the resting order is canceled, orders are refused with Kalshi's code and
    // Polymarket's message, and Polymarket stops accepting orders.
    let m = wait_status(&sim, "KXSCHED-1", "closed").await;
    assert_eq!(m["result"], "");
    assert_eq!(k.order(&resting.order_id).await.unwrap().status, "canceled");
    let after_close = ledger(&sim).await;
    assert!(
        after_close["cancels"]
            .as_array()
            .unwrap()
            .contains(&json!(arb_order_number(&resting.order_id)))
    );
    let refused = k
        .create_order(&buy("KXSCHED-1", 40, 1, "immediate_or_cancel"))
        .await;
    assert!(
        format!("{refused:?}").contains("market_closed"),
        "{refused:?}"
    );
    let order = LimitOrder {
        token_id: YES_TOKEN.into(),
        side: Side::Buy,
        price: Price::from_decimal("0.50").unwrap(),
        size: Qty::contracts(5),
        tick: Price(100),
        neg_risk: false,
        order_type: OrderType::Gtc,
        expiration: 0,
        post_only: false,
    };
    let refused = poly(&sim).place_order(&order).await;
    assert!(
        format!("{refused:?}").contains("not accepting orders"),
        "{refused:?}"
    );
    let (_, pm) = get(format!("http://{}/markets/sched", sim.addr)).await;
    assert_eq!(
        (&pm["accepting_orders"], &pm["closed"]),
        (&json!(false), &json!(false))
    );
    let (closed, _) = all_tickers(&sim, "&status=closed", 100).await;
    assert!(closed.contains(&"KXSCHED-1".to_string()), "{closed:?}");
    let kalshi_cash = cash(&after_close, "arb-kalshi");
    let poly_cash = cash(&after_close, "arb-polymarket");

    // Settled YES: finalized with its result; $1 per winning contract, to the
    // micro-dollar; positions gone; a settlement record; the winning token marked.
    let m = wait_status(&sim, "KXSCHED-1", "finalized").await;
    assert_eq!(
        (&m["result"], &m["settlement_value_dollars"]),
        (&json!("yes"), &json!("1.0000"))
    );
    assert!(m["settlement_ts"].as_str().unwrap().ends_with('Z'));
    let settled = ledger(&sim).await;
    assert_eq!(
        cash(&settled, "arb-kalshi"),
        Money(kalshi_cash.0 + 10_000_000),
        "10 YES pay $10, 4 NO nothing"
    );
    assert_eq!(
        cash(&settled, "arb-polymarket"),
        Money(poly_cash.0 + 7_000_000),
        "7 YES tokens pay $7, 3 NO tokens nothing"
    );
    assert!(
        !settled["accounts"].to_string().contains("KXSCHED-1"),
        "positions gone"
    );
    let records: Vec<(String, String, String, String)> = settled["settlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["market"].as_str().unwrap().to_string(),
                s["outcome"].as_str().unwrap().to_string(),
                s["qty"].as_str().unwrap().to_string(),
                s["payout"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("KXSCHED-1", "yes", "10.000000", "10.000000"),
        ("KXSCHED-1", "no", "4.000000", "0.000000"),
        (YES_TOKEN, "yes", "7.000000", "7.000000"),
        (NO_TOKEN, "yes", "3.000000", "0.000000"),
    ] {
        let want = (
            want.0.to_string(),
            want.1.to_string(),
            want.2.to_string(),
            want.3.to_string(),
        );
        assert!(records.contains(&want), "{want:?} in {records:?}");
    }
    assert!(
        !k.positions()
            .await
            .unwrap()
            .market_positions
            .iter()
            .any(|p| p.ticker == "KXSCHED-1")
    );
    assert!(
        poly(&sim)
            .data_positions(&address)
            .await
            .unwrap()
            .is_empty()
    );
    let s = kalshi_get(&sim, "/portfolio/settlements?ticker=KXSCHED-1").await;
    let rec = &s["settlements"][0];
    assert_eq!(
        (
            &rec["ticker"],
            &rec["market_result"],
            &rec["yes_count_fp"],
            &rec["no_count_fp"],
            &rec["revenue"],
            &rec["value"],
            &rec["fee_cost"]
        ),
        (
            &json!("KXSCHED-1"),
            &json!("yes"),
            &json!("10.00"),
            &json!("4.00"),
            &json!(1000),
            &json!(100),
            &json!("0.000000")
        ),
        "{s}"
    );
    assert!(rec["settled_time"].as_str().unwrap().ends_with('Z'));
    let (_, pm) = get(format!("http://{}/markets/sched", sim.addr)).await;
    assert_eq!(pm["closed"], true);
    let winners: Vec<(&str, bool)> = pm["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["token_id"].as_str().unwrap(),
                t["winner"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(winners, vec![(YES_TOKEN, true), (NO_TOKEN, false)]);
    let (settled_list, _) = all_tickers(&sim, "&status=settled", 100).await;
    assert_eq!(settled_list.len(), 4, "{settled_list:?}");

    // The exclusive event: exactly one bucket YES.
    let mut yes = 0;
    for t in ["KXBUCKET-A", "KXBUCKET-B", "KXBUCKET-C"] {
        let m = wait_status(&sim, t, "finalized").await;
        yes += usize::from(m["result"] == "yes");
    }
    assert_eq!(yes, 1);

    // The lifecycle messages, in order.
    let mut kalshi_events = Vec::new();
    while let Ok(Some(Ok((_, text)))) =
        tokio::time::timeout(Duration::from_millis(300), kws.next()).await
    {
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "market_lifecycle_v2" && v["msg"]["market_ticker"] == "KXSCHED-1" {
            kalshi_events.push(v["msg"].clone());
        }
    }
    let kinds: Vec<&str> = kalshi_events
        .iter()
        .map(|m| m["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["created", "determined", "settled"]);
    assert_eq!(kalshi_events[1]["result"], "yes");
    assert!(kalshi_events[0]["close_ts"].as_i64().unwrap() > 0);
    let poly_events: Vec<Value> = drain(&mut pws, Duration::from_millis(300))
        .await
        .into_iter()
        .filter(|v| v["event_type"] == "new_market" || v["event_type"] == "market_resolved")
        .collect();
    assert_eq!(poly_events.len(), 2, "{poly_events:?}");
    assert_eq!(
        (&poly_events[0]["event_type"], &poly_events[0]["market"]),
        (&json!("new_market"), &json!("sched"))
    );
    assert_eq!(
        (
            &poly_events[1]["event_type"],
            &poly_events[1]["winning_asset_id"],
            &poly_events[1]["winning_outcome"]
        ),
        (&json!("market_resolved"), &json!(YES_TOKEN), &json!("Yes"))
    );
    sim.stop().await;
}

/// The exchange's order number inside Kalshi's order UUID.
fn arb_order_number(uuid: &str) -> u64 {
    u64::from_str_radix(uuid.rsplit('-').next().unwrap(), 16).unwrap()
}

#[tokio::test]
async fn the_admin_calls_plant_and_settle_and_refuse_bad_input() {
    let sim = start(SCENARIO, 1.0).await;
    let url = |p: &str| format!("http://{}/_sim/{p}", sim.addr);
    for (body, status, says) in [
        (
            json!({"venue": "nyse", "market": "KXALWAYS-1", "outcome": "yes", "qty": "1"}),
            400,
            "venue",
        ),
        (
            json!({"venue": "kalshi", "market": "NOPE", "outcome": "yes", "qty": "1"}),
            404,
            "not found",
        ),
        (
            json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "maybe", "qty": "1"}),
            400,
            "outcome",
        ),
        (
            json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "yes", "qty": "-2"}),
            400,
            "qty",
        ),
        (
            json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "yes", "qty": "1", "account": "mallory"}),
            400,
            "account",
        ),
    ] {
        let (code, reply) = post(url("position"), body.clone()).await;
        assert_eq!(code, status, "{body} -> {reply}");
        assert!(reply["error"].as_str().unwrap().contains(says), "{reply}");
    }
    let (code, _) = post(
        url("position"),
        json!({"venue": "kalshi", "market": "KXALWAYS-1", "outcome": "no", "qty": "2.5", "account": "arb-kalshi"}),
    )
    .await;
    assert_eq!(code, 200);
    let before = cash(&ledger(&sim).await, "arb-kalshi");
    let (code, reply) = post(
        url("settle"),
        json!({"market": "KXALWAYS-1", "result": "no"}),
    )
    .await;
    assert_eq!(code, 200, "{reply}");
    let m = wait_status(&sim, "KXALWAYS-1", "finalized").await;
    assert_eq!(m["result"], "no");
    assert_eq!(
        cash(&ledger(&sim).await, "arb-kalshi"),
        Money(before.0 + 2_500_000)
    );
    let (code, _) = post(url("settle"), json!({"market": "NOPE", "result": "no"})).await;
    assert_eq!(code, 404);
    let (code, _) = post(
        url("settle"),
        json!({"market": "KXALWAYS-1", "result": "maybe"}),
    )
    .await;
    assert_eq!(code, 400);
    // Subscribing to the book of a market not listed yet is an error, not a crash.
    let mut ws = KalshiWs::connect(&sim.kalshi_ws(), Some(&kalshi_signer()))
        .await
        .unwrap();
    ws.subscribe(&["orderbook_delta"], &["KXSCHED-1".to_string()])
        .await
        .unwrap();
    let (_, text) = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(get(format!("{}/markets", sim.kalshi_base())).await.0, 200);
    sim.stop().await;
}

/// Ten rolling questions settled on fair values, played fast.
const ROLLING: &str = r#"
name = "rolling"
seed = 77
start_ms = 1795996800000
duration_s = 30
step_ms = 50
tick_ms = 1000

[cash]
kalshi = "10.00"
polymarket = "10.00"

[[rolling]]
name = "flip"
every_s = 1
count = 10
open_for_s = 2
settle_after_s = 0
fair = 0.5
volatility = 0.05
spread = 0.02
depth = 10
levels = 1
dislocation = 0.0
dislocation_size = 0.0
kalshi_prefix = "KXFLIP"
"#;

/// The results of the rolling questions once all have settled.
async fn rolling_results(text: &str) -> Vec<(String, String)> {
    let sim = start(text, 50.0).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = get(format!(
            "{}/markets?status=settled&limit=100",
            sim.kalshi_base()
        ))
        .await;
        let got: Vec<(String, String)> = body["markets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["ticker"].as_str().unwrap().to_string(),
                    m["result"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if got.len() == 10 {
            sim.stop().await;
            return got;
        }
        assert!(Instant::now() < deadline, "only {got:?} settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_seed_always_gives_the_same_results() {
    let first = rolling_results(ROLLING).await;
    assert_eq!(first, rolling_results(ROLLING).await);
    let yes = first.iter().filter(|(_, r)| r == "yes").count();
    assert!((1..10).contains(&yes), "{first:?}");
    let other = rolling_results(&ROLLING.replace("seed = 77", "seed = 78")).await;
    assert_ne!(first, other, "another seed, other results");
}
