//! The simulator's Kalshi API, driven by arb's own Kalshi REST and WebSocket clients
//! over loopback: markets, books, orders, fills, positions, signatures, the ledger.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Money, Price, Qty, Venue};
use arb::event::{FeeModel, Level, MarketMeta, NoLeg};
use arb::sim::server::{SimAccount, SimServer, SimState};
use arb::venues::credentials::Secret;
use arb::venues::http::VenueError;
use arb::venues::kalshi::auth::{KalshiSigner, KalshiVerifier};
use arb::venues::kalshi::rest::KalshiRest;
use arb::venues::kalshi::rest_wire::CreateOrderRequest;
use arb::venues::kalshi::ws::KalshiWs;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const TICKER: &str = "KXFED-26DEC-T4.00";

fn test_key() -> Secret {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kalshi_test_only_rsa2048_pkcs8.pem");
    Secret::new(std::fs::read_to_string(p).unwrap())
}

fn signer() -> KalshiSigner {
    KalshiSigner::from_pem("sim-key", &test_key()).unwrap()
}

async fn start() -> SimServer {
    let meta = MarketMeta {
        id: MarketId(0),
        venue: Venue::Kalshi,
        venue_id: TICKER.into(),
        title: "Fed above 4.00%?".into(),
        event_id: "KXFED-26DEC".into(),
        series_id: "KXFED".into(),
        close_ts: None,
        no_leg: NoLeg::SameBook,
        fees: FeeModel::Kalshi {
            multiplier_bp: 10_000,
        },
        tick: Price(100),
    };
    let account = SimAccount {
        name: "alice".into(),
        cash: Money::dollars(100),
        kalshi_key_id: Some("sim-key".into()),
        kalshi: Some(KalshiVerifier::from_private_pem("sim-key", &test_key()).unwrap()),
        poly_address: None,
        poly_creds: None,
    };
    let state = SimState::new(vec![meta], vec![account]);
    let lvl = |p: u16, q: i64| Level {
        price: Price(p),
        qty: Qty::contracts(q),
    };
    state.mutate(|ex| {
        ex.set_liquidity(
            0,
            &[lvl(4000, 10), lvl(3900, 20)],
            &[lvl(4200, 5), lvl(4300, 10)],
        )
    });
    SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client(sim: &SimServer, signer: Option<KalshiSigner>) -> KalshiRest {
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    KalshiRest::new(http, sim.kalshi_base(), signer)
}

#[tokio::test]
async fn markets_books_orders_and_fills_over_rest() {
    let sim = start().await;
    let k = client(&sim, Some(signer()));
    let markets = k.markets(&[]).await.unwrap();
    assert_eq!(markets.markets.len(), 1);
    let m = &markets.markets[0];
    assert_eq!(
        (
            m.ticker.as_str(),
            m.yes_bid_dollars.as_str(),
            m.yes_ask_dollars.as_str(),
            m.yes_bid,
            m.yes_ask
        ),
        (TICKER, "0.4000", "0.4200", 40, 42)
    );
    let book = k.orderbook(TICKER).await.unwrap();
    // Ascending, best last; NO bids are the YES asks from the other side.
    assert_eq!(
        book.yes_dollars,
        vec![
            ("0.3900".to_string(), "20.00".to_string()),
            ("0.4000".into(), "10.00".into())
        ]
    );
    assert_eq!(
        book.no_dollars,
        vec![
            ("0.5700".to_string(), "10.00".to_string()),
            ("0.5800".into(), "5.00".into())
        ]
    );
    let series = k.series("KXFED").await.unwrap();
    assert_eq!(
        (series.fee_type.as_str(), series.fee_multiplier),
        ("quadratic", 1.0)
    );

    // An IOC buy of 7 YES at 0.43 takes 5 @ 0.42 and 2 @ 0.43.
    let order = k
        .create_order(&CreateOrderRequest {
            ticker: TICKER.into(),
            client_order_id: Some("arb-1-0-0".into()),
            side: "yes".into(),
            action: "buy".into(),
            count_fp: Some("7.00".into()),
            yes_price_dollars: Some("0.4300".into()),
            time_in_force: Some("immediate_or_cancel".into()),
            ..CreateOrderRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (
            order.status.as_str(),
            order.fill_count_fp.as_str(),
            order.fill_count
        ),
        ("executed", "7.00", 7)
    );
    let fills = k
        .fills(&[("order_id", order.order_id.clone())])
        .await
        .unwrap()
        .fills;
    let got: Vec<_> = fills
        .iter()
        .map(|f| {
            (
                f.yes_price_dollars.as_str(),
                f.count_fp.as_str(),
                f.is_taker,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("0.4200", "5.00", true), ("0.4300", "2.00", true)]
    );
    // Taker fees: ceil(0.07·5·0.42·0.58) = 0.0853, ceil(0.07·2·0.43·0.57) = 0.0344.
    assert_eq!(fills[0].fee_cost, "0.085300");
    assert_eq!(fills[1].fee_cost, "0.034400");
    let pos = k.positions().await.unwrap();
    assert_eq!(pos.market_positions[0].position_fp, "7.00");
    // $100 − 5·0.42 − 2·0.43 − fees 0.1197 = $96.9203 -> 9692 cents free.
    assert_eq!(k.balance().await.unwrap().balance, 9692);

    // A resting NO bid, then its cancel.
    let resting = k
        .create_order(&CreateOrderRequest {
            ticker: TICKER.into(),
            client_order_id: Some("arb-2-0-0".into()),
            side: "no".into(),
            action: "buy".into(),
            count: Some(3),
            no_price: Some(50),
            ..CreateOrderRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (resting.status.as_str(), resting.remaining_count),
        ("resting", 3)
    );
    assert_eq!(k.order(&resting.order_id).await.unwrap().status, "resting");
    let canceled = k.cancel_order(&resting.order_id).await.unwrap();
    assert_eq!(
        (canceled.order.status.as_str(), canceled.reduced_by),
        ("canceled", 3)
    );
    assert!(matches!(
        k.cancel_order(&resting.order_id).await,
        Err(VenueError::Rejected { status: 400, .. })
    ));

    // The same client order id again is refused: a retried order is never placed twice.
    let dup = k
        .create_order(&CreateOrderRequest {
            ticker: TICKER.into(),
            client_order_id: Some("arb-1-0-0".into()),
            side: "yes".into(),
            action: "buy".into(),
            count: Some(1),
            yes_price: Some(43),
            ..CreateOrderRequest::default()
        })
        .await;
    assert!(
        matches!(&dup, Err(VenueError::Rejected { code, .. }) if code == "order_already_exists"),
        "{dup:?}"
    );

    // The ledger lists what the venue received, with client order ids.
    let ledger: Value = reqwest::get(format!("http://{}/_sim/ledger", sim.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = ledger["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["client_order_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["arb-1-0-0", "arb-2-0-0"]);
    assert_eq!(ledger["fills"].as_array().unwrap().len(), 2);
    assert_eq!(ledger["rejects"][0]["reason"], "duplicate client_order_id");
    sim.stop().await;
}

#[tokio::test]
async fn unsigned_or_badly_signed_requests_are_refused() {
    let sim = start().await;
    let anonymous = client(&sim, None);
    assert!(
        anonymous.markets(&[]).await.is_ok(),
        "market data is public"
    );
    assert!(matches!(
        anonymous.balance().await,
        Err(VenueError::Signing { .. })
    ));
    // A signature that does not verify.
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/portfolio/balance", sim.kalshi_base()))
        .header("KALSHI-ACCESS-KEY", "sim-key")
        .header("KALSHI-ACCESS-TIMESTAMP", "1700000000000")
        .header("KALSHI-ACCESS-SIGNATURE", "AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "authentication_error");
    // A valid signature over a different path is refused too.
    let s = signer();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut req = http.get(format!("{}/portfolio/balance", sim.kalshi_base()));
    for (h, v) in s
        .headers(now, "GET", "/trade-api/v2/portfolio/positions")
        .unwrap()
    {
        req = req.header(h, v);
    }
    assert_eq!(req.send().await.unwrap().status().as_u16(), 401);
    let wrong_key = KalshiSigner::from_pem("unknown-key", &test_key()).unwrap();
    assert!(matches!(
        client(&sim, Some(wrong_key)).balance().await,
        Err(VenueError::Auth { status: 401, .. })
    ));
    sim.stop().await;
}

async fn next_json(ws: &mut KalshiWs) -> Value {
    let (_, text) = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("a frame in time")
        .expect("open")
        .expect("ok");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn websocket_snapshot_then_sequenced_deltas_trades_and_fills() {
    let sim = start().await;
    let s = signer();
    let mut ws = KalshiWs::connect(&sim.kalshi_ws(), Some(&s)).await.unwrap();
    ws.subscribe(&["orderbook_delta", "trade", "fill"], &[TICKER.to_string()])
        .await
        .unwrap();
    let sub = next_json(&mut ws).await;
    assert_eq!(
        (sub["type"].as_str(), sub["msg"]["channel"].as_str()),
        (Some("subscribed"), Some("orderbook_delta"))
    );
    let book_sid = sub["msg"]["sid"].as_u64().unwrap();
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "orderbook_snapshot");
    assert_eq!(snap["seq"], 1);
    assert_eq!(
        snap["msg"]["yes_dollars_fp"],
        serde_json::json!([["0.3900", "20.00"], ["0.4000", "10.00"]])
    );
    assert_eq!(
        snap["msg"]["no_dollars_fp"],
        serde_json::json!([["0.5700", "10.00"], ["0.5800", "5.00"]])
    );
    assert_eq!(next_json(&mut ws).await["msg"]["channel"], "trade");
    assert_eq!(next_json(&mut ws).await["msg"]["channel"], "fill");

    // A taker order through REST shows up as a delta, a trade and our fill.
    let k = client(&sim, Some(signer()));
    k.create_order(&CreateOrderRequest {
        ticker: TICKER.into(),
        side: "yes".into(),
        action: "buy".into(),
        count: Some(2),
        yes_price: Some(42),
        time_in_force: Some("immediate_or_cancel".into()),
        ..CreateOrderRequest::default()
    })
    .await
    .unwrap();
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let m = next_json(&mut ws).await;
        if m["type"] == "orderbook_delta" {
            assert_eq!(m["sid"].as_u64(), Some(book_sid));
            assert_eq!(m["seq"], 2, "the delta follows the snapshot's seq");
            assert_eq!(
                (
                    m["msg"]["side"].as_str(),
                    m["msg"]["price_dollars"].as_str(),
                    m["msg"]["delta_fp"].as_str()
                ),
                (Some("no"), Some("0.5800"), Some("-2.00"))
            );
        }
        kinds.push(m["type"].as_str().unwrap().to_string());
    }
    kinds.sort();
    assert_eq!(kinds, vec!["fill", "orderbook_delta", "trade"]);

    // The engine's own mapping reads what the simulator sends.
    let mut interner = arb::venues::MarketInterner::new();
    let mut state = arb::venues::kalshi::KalshiState::default();
    let mapped = arb::venues::kalshi::map_message(snap, &mut interner, &mut state);
    assert!(mapped.skipped.is_none(), "{:?}", mapped.skipped);
    assert!(
        mapped
            .events
            .iter()
            .any(|e| matches!(e, arb::event::Event::BookSnapshot(_)))
    );
    ws.close().await;

    // A handshake without a valid signature is refused.
    let refused = KalshiWs::connect(&sim.kalshi_ws(), None).await;
    assert!(
        matches!(refused, Err(VenueError::Auth { status: 401, .. })),
        "{:?}",
        refused.err()
    );
    sim.stop().await;
}

#[tokio::test]
async fn the_live_executor_turns_an_order_into_ack_fills_and_cancel_events() {
    use arb::core::ClientOrderId;
    use arb::event::{Event, PlaceOrder, TimeInForce};
    let sim = start().await;
    let k = client(&sim, Some(signer()));
    let id = ClientOrderId {
        opportunity: 9,
        leg: 0,
        attempt: 0,
    };
    // Buy 12 NO at up to 0.61: the YES bids at 0.40 (10) and 0.39 (... only 2 needed).
    let order = PlaceOrder {
        side: arb::event::OrderSide::Buy,
        id,
        market: MarketId(0),
        outcome: arb::core::Outcome::No,
        price: Price(6100),
        qty: Qty::contracts(12),
        tif: TimeInForce::ImmediateOrCancel,
    };
    let events = arb::run::live::kalshi_orders::place(&k, TICKER, &order)
        .await
        .events;
    let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    assert_eq!(kinds, vec!["order_ack", "fill", "fill"], "{events:?}");
    let fills: Vec<(u16, i64)> = events
        .iter()
        .filter_map(|e| {
            if let Event::Fill(f) = e {
                Some((f.price.0, f.qty.0 / 1_000_000))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(fills, vec![(6000, 10), (6100, 2)]);
    // The 0.40 bids are gone: nothing crosses 0.60 NO now and all 40 are canceled.
    let id2 = ClientOrderId {
        opportunity: 10,
        leg: 0,
        attempt: 0,
    };
    let events = arb::run::live::kalshi_orders::place(
        &k,
        TICKER,
        &PlaceOrder {
            side: arb::event::OrderSide::Buy,
            id: id2,
            price: Price(6000),
            qty: Qty::contracts(40),
            ..order
        },
    )
    .await
    .events;
    assert!(
        matches!(events.last(), Some(Event::OrderCanceled(c)) if c.canceled_qty == Qty::contracts(40)),
        "{events:?}"
    );
    // The same client order id again: the venue refuses, the executor reports a reject.
    let events = arb::run::live::kalshi_orders::place(&k, TICKER, &order)
        .await
        .events;
    assert!(
        matches!(&events[..], [Event::OrderReject(r)] if r.reason.contains("order_already_exists")),
        "{events:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_resting_order_with_an_expiration_is_canceled_by_the_venue_when_it_passes() {
    let sim = start().await;
    let k = client(&sim, Some(signer()));
    let now_s = arb::clock::wall_ns() / 1_000_000_000;
    let order = |id: &str, expiration_ts| CreateOrderRequest {
        ticker: TICKER.into(),
        client_order_id: Some(id.into()),
        side: "yes".into(),
        action: "buy".into(),
        count: Some(2),
        yes_price: Some(30),
        expiration_ts: Some(expiration_ts),
        ..CreateOrderRequest::default()
    };
    let past = k.create_order(&order("arb-9-1-0", now_s - 1)).await;
    assert!(
        matches!(&past, Err(VenueError::Rejected { status: 400, .. })),
        "{past:?}"
    );
    let resting = k
        .create_order(&order("arb-9-1-1", now_s + 2))
        .await
        .unwrap();
    assert_eq!(resting.status, "resting");
    let locked_balance = k.balance().await.unwrap().balance;
    assert!(locked_balance < 10_000, "the bid's cash is locked");
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let after = k.order(&resting.order_id).await.unwrap();
    assert_eq!(
        (after.status.as_str(), after.fill_count_fp.as_str()),
        ("canceled", "0.00")
    );
    assert_eq!(k.balance().await.unwrap().balance, 10_000, "released");
    sim.stop().await;
}

/// The public reads the official client makes beside the market data: the exchange's
/// status, and every trade matched (newest first), by ticker and page.
#[tokio::test]
async fn exchange_status_and_public_trades() {
    let sim = start().await;
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    let get = |path: &str| {
        let req = http.get(format!("{}{path}", sim.kalshi_base()));
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (code, status) = get("/exchange/status").await;
    assert_eq!(code, 200);
    assert_eq!(
        (&status["exchange_active"], &status["trading_active"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    assert_eq!(
        get("/markets/trades").await.1["trades"],
        serde_json::json!([])
    );

    // Two IOC buys: 5 YES at 0.42, then 3 NO at 0.60 (the YES bid at 0.40 taken).
    let k = client(&sim, Some(signer()));
    for (n, side, price) in [(5, "yes", "0.4200"), (3, "no", "0.6000")] {
        let yes = (side == "yes").then(|| price.to_string());
        let no = (side == "no").then(|| price.to_string());
        k.create_order(&CreateOrderRequest {
            ticker: TICKER.into(),
            client_order_id: Some(format!("arb-{n}-0-0")),
            side: side.into(),
            action: "buy".into(),
            count_fp: Some(format!("{n}.00")),
            yes_price_dollars: yes,
            no_price_dollars: no,
            time_in_force: Some("immediate_or_cancel".into()),
            ..CreateOrderRequest::default()
        })
        .await
        .unwrap();
    }
    let (_, page) = get(&format!("/markets/trades?ticker={TICKER}&limit=1")).await;
    let t = &page["trades"][0];
    assert_eq!(
        (
            t["ticker"].as_str(),
            t["count_fp"].as_str(),
            t["yes_price_dollars"].as_str(),
            t["no_price_dollars"].as_str(),
            t["taker_side"].as_str()
        ),
        (
            Some(TICKER),
            Some("3.00"),
            Some("0.4000"),
            Some("0.6000"),
            Some("no")
        ),
        "the newest first: {page}"
    );
    assert_eq!(page["cursor"], "1", "one more page");
    let (_, rest) = get(&format!("/markets/trades?ticker={TICKER}&cursor=1")).await;
    let t = &rest["trades"][0];
    assert_eq!(
        (
            t["count_fp"].as_str(),
            t["yes_price_dollars"].as_str(),
            t["taker_side"].as_str()
        ),
        (Some("5.00"), Some("0.4200"), Some("yes"))
    );
    assert_eq!(rest["cursor"], "", "the last page");
    assert_eq!(
        get("/markets/trades?ticker=KXNONE").await.1["trades"],
        serde_json::json!([])
    );
    assert_eq!(get("/markets/trades?min_ts=soon").await.0, 400);
}
