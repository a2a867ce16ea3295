//! The simulator's Polymarket CLOB, driven by arb's own Polymarket REST and WebSocket
//! clients over loopback: books, markets, signed V2 orders, trades, cancels, L1/L2 auth,
//! the market and user channels, the price reads the official clients make, and arb's
//! mapping of what the simulator sends.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Money, Price, Qty, Venue};
use arb::event::{Event, FeeModel, Level, MarketMeta, NoLeg};
use arb::sim::server::{SimAccount, SimServer, SimState};
use arb::venues::credentials::Secret;
use arb::venues::http::VenueError;
use arb::venues::polymarket::auth::{ApiCreds, PolymarketSigner, Side};
use arb::venues::polymarket::rest::{LimitOrder, OrderType, PolymarketRest, build_signed_order};
use arb::venues::polymarket::rest_wire::{self as w, book_hash};
use arb::venues::polymarket::ws::{PolymarketWs, market_url, split_frame, user_url};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;

/// Hardhat's public test account #0 — TEST ONLY, never funded anywhere real.
const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Hardhat's public test account #1 — TEST ONLY.
const OTHER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SECRET: &str = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U=";
const CONDITION: &str = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1";
const YES: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const NO: &str = "52114319501245915516055106046884209969926127482827954674443846427813813222426";

fn creds() -> ApiCreds {
    ApiCreds::new(
        "sim-poly-key".into(),
        SECRET.into(),
        "sim-passphrase".into(),
    )
    .unwrap()
}

fn signer() -> PolymarketSigner {
    PolymarketSigner::new(&Secret::new(KEY), creds()).unwrap()
}

fn token(id: u32, venue_id: &str, complement: u32) -> MarketMeta {
    MarketMeta {
        id: MarketId(id),
        venue: Venue::Polymarket,
        venue_id: venue_id.into(),
        title: "Fed cuts in December?".into(),
        event_id: CONDITION.into(),
        series_id: "fed-december".into(),
        close_ts: None,
        no_leg: NoLeg::Complement(MarketId(complement)),
        fees: FeeModel::Polymarket {
            rate_ppm: 40_000,
            exponent: 1,
            taker_only: true,
        },
        tick: Price(100),
    }
}

async fn start() -> SimServer {
    let account = SimAccount {
        name: "alice".into(),
        cash: Money::dollars(100),
        kalshi_key_id: None,
        kalshi: None,
        poly_address: Some(signer().address()),
        poly_creds: Some(creds()),
    };
    let state = SimState::new(vec![token(0, YES, 1), token(1, NO, 0)], vec![account]);
    let lvl = |p: u16, q: i64| Level {
        price: Price(p),
        qty: Qty::contracts(q),
    };
    state.mutate(|ex| {
        ex.set_liquidity(
            0,
            &[lvl(4000, 10), lvl(3900, 20)],
            &[lvl(4200, 5), lvl(4300, 10)],
        );
        ex.set_liquidity(1, &[lvl(5700, 10)], &[lvl(6000, 5)]);
    });
    SimServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client(sim: &SimServer, signer: Option<PolymarketSigner>) -> PolymarketRest {
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    PolymarketRest::new(http, sim.polymarket_base(), signer)
}

fn limit(side: Side, price: &str, size: i64, order_type: OrderType) -> LimitOrder {
    LimitOrder {
        token_id: YES.into(),
        side,
        price: Price::from_decimal(price).unwrap(),
        size: Qty::contracts(size),
        tick: Price(100),
        neg_risk: false,
        order_type,
        expiration: 0,
        post_only: false,
    }
}

fn levels(l: &[w::OrderSummary]) -> Vec<(&str, &str)> {
    l.iter()
        .map(|x| (x.price.as_str(), x.size.as_str()))
        .collect()
}

fn rejected_code(r: &Result<w::PostOrderResponse, VenueError>) -> Option<(u16, String)> {
    match r {
        Err(VenueError::Rejected { status, code, .. }) => Some((*status, code.clone())),
        _ => None,
    }
}

#[tokio::test]
async fn public_market_data_over_rest() {
    let sim = start().await;
    let p = client(&sim, None);
    let book = p.book(YES).await.unwrap();
    // Bids ascending and asks descending: the best level last, as the venue lists them.
    assert_eq!(levels(&book.bids), vec![("0.39", "20"), ("0.4", "10")]);
    assert_eq!(levels(&book.asks), vec![("0.43", "10"), ("0.42", "5")]);
    assert_eq!(
        (
            book.market.as_str(),
            book.asset_id.as_str(),
            book.tick_size.as_str(),
            book.min_order_size.as_str(),
            book.neg_risk,
            book.last_trade_price.as_str()
        ),
        (CONDITION, YES, "0.01", "5", false, "")
    );
    assert_eq!(
        book.hash,
        book_hash(&book),
        "the hash the official client checks"
    );
    let both = p.books(&[YES.to_string(), NO.to_string()]).await.unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(levels(&both[1].asks), vec![("0.6", "5")]);

    assert_eq!(p.tick_size(YES).await.unwrap(), Price(100));
    // The official client needs a number here, not a string.
    let raw = reqwest::get(format!(
        "{}/tick-size?token_id={YES}",
        sim.polymarket_base()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(raw, r#"{"minimum_tick_size":0.01}"#);
    assert!(!p.neg_risk(YES).await.unwrap());
    assert_eq!(p.fee_rate(YES).await.unwrap(), 400);
    assert_eq!(p.version().await.unwrap(), 2);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((p.server_time().await.unwrap() - now).abs() <= 5);

    let markets = p.markets(w::INITIAL_CURSOR).await.unwrap();
    assert_eq!(markets.next_cursor, w::END_CURSOR);
    assert_eq!(markets.data.len(), 1);
    let m = &markets.data[0];
    let toks: Vec<(&str, &str)> = m
        .tokens
        .iter()
        .map(|t| (t.token_id.as_str(), t.outcome.as_str()))
        .collect();
    assert_eq!(toks, vec![(YES, "Yes"), (NO, "No")]);
    assert_eq!((m.minimum_tick_size, m.accepting_orders), (0.01, true));
    let by_token = p.market_by_token(NO).await.unwrap();
    assert_eq!(
        (
            by_token.condition_id.as_str(),
            by_token.primary_token_id.as_str()
        ),
        (CONDITION, YES)
    );
    let info = p.clob_market(CONDITION).await.unwrap();
    assert_eq!((info.t.len(), info.mts, info.nr), (2, 0.01, false));
    assert_eq!(info.fd.unwrap().r, 0.04);

    assert!(matches!(
        p.book("123").await,
        Err(VenueError::NotFound { .. })
    ));
    assert!(matches!(
        p.neg_risk("not-a-token").await,
        Err(VenueError::Rejected { status: 400, message, .. }) if message == "Invalid token id"
    ));
    sim.stop().await;
}

#[tokio::test]
async fn signed_orders_match_rest_and_cancel() {
    let sim = start().await;
    let p = client(&sim, Some(signer()));

    // L1: the wallet derives the API credentials the simulator holds for it.
    let derived = p.derive_api_key().await.unwrap();
    assert_eq!(
        (derived.api_key.as_str(), derived.passphrase.as_str()),
        ("sim-poly-key", "sim-passphrase")
    );
    assert_eq!(derived.secret, SECRET);

    // A FAK buy of 7 at 0.43 takes 5 @ 0.42 and 2 @ 0.43.
    let r = p
        .place_order(&limit(Side::Buy, "0.43", 7, OrderType::Fak))
        .await
        .unwrap();
    assert!(
        r.order_id.starts_with("0x") && r.order_id.len() == 66,
        "{r:?}"
    );
    assert_eq!(
        (
            r.status.as_str(),
            r.making_amount.as_str(),
            r.taking_amount.as_str()
        ),
        ("matched", "2.96", "7")
    );
    assert_eq!((r.trade_ids.len(), r.transactions_hashes.len()), (2, 2));
    let trades = p.trades(&[]).await.unwrap();
    let got: Vec<(&str, &str, &str, &str)> = trades
        .data
        .iter()
        .map(|t| {
            (
                t.price.as_str(),
                t.size.as_str(),
                t.trader_side.as_str(),
                t.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("0.42", "5", "TAKER", "CONFIRMED"),
            ("0.43", "2", "TAKER", "CONFIRMED")
        ]
    );
    assert!(trades.data.iter().all(|t| t.taker_order_id == r.order_id
        && t.side == "BUY"
        && t.market == CONDITION
        && t.asset_id == YES
        && !t.transaction_hash.is_empty()));
    let one = p.trades(&[("id", r.trade_ids[1].clone())]).await.unwrap();
    assert_eq!(one.data.len(), 1);
    assert_eq!(one.data[0].price, "0.43");
    let o = p.order(&r.order_id).await.unwrap();
    assert_eq!(
        (
            o.status.as_str(),
            o.size_matched.as_str(),
            o.original_size.as_str(),
            o.order_type.as_str(),
            o.outcome.as_str()
        ),
        ("MATCHED", "7", "7", "FAK", "Yes")
    );
    let book = p.book(YES).await.unwrap();
    assert_eq!(levels(&book.asks), vec![("0.43", "8")]);
    assert_eq!(book.last_trade_price, "0.43");

    // Selling part of the position hits the 0.40 bid.
    let sold = p
        .place_order(&limit(Side::Sell, "0.40", 3, OrderType::Fak))
        .await
        .unwrap();
    assert_eq!(
        (sold.making_amount.as_str(), sold.taking_amount.as_str()),
        ("3", "1.2")
    );
    // More than is held is refused; so is a FOK the book cannot fill, and a FAK that
    // matches nothing.
    let over = p
        .place_order(&limit(Side::Sell, "0.39", 10, OrderType::Fok))
        .await;
    assert_eq!(
        rejected_code(&over),
        Some((400, "INVALID_ORDER_NOT_ENOUGH_BALANCE".into())),
        "{over:?}"
    );
    let fok = p
        .place_order(&limit(Side::Buy, "0.43", 100, OrderType::Fok))
        .await;
    assert_eq!(
        rejected_code(&fok),
        Some((400, "FOK_ORDER_NOT_FILLED_ERROR".into())),
        "{fok:?}"
    );
    let fak = p
        .place_order(&limit(Side::Buy, "0.30", 5, OrderType::Fak))
        .await;
    assert_eq!(
        rejected_code(&fak),
        Some((400, "FAK_ORDER_NOT_FILLED_ERROR".into())),
        "{fak:?}"
    );
    // A resting order below the minimum size, and one off the tick grid.
    let small = p
        .place_order(&limit(Side::Buy, "0.35", 2, OrderType::Gtc))
        .await;
    assert_eq!(
        rejected_code(&small),
        Some((400, "INVALID_ORDER_MIN_SIZE".into())),
        "{small:?}"
    );
    let mut fine = limit(Side::Buy, "0.355", 10, OrderType::Gtc);
    fine.tick = Price(10);
    let off_tick = p.place_order(&fine).await;
    assert_eq!(
        rejected_code(&off_tick),
        Some((400, "INVALID_ORDER_MIN_TICK_SIZE".into())),
        "{off_tick:?}"
    );

    // A resting bid, listed, then canceled; a second cancel says why not.
    let resting = p
        .place_order(&limit(Side::Buy, "0.35", 10, OrderType::Gtc))
        .await
        .unwrap();
    assert_eq!(
        (resting.status.as_str(), resting.making_amount.as_str()),
        ("live", "")
    );
    let open = p.open_orders(&[]).await.unwrap();
    assert_eq!(open.data.len(), 1);
    assert_eq!(
        (
            open.data[0].id.as_str(),
            open.data[0].status.as_str(),
            open.data[0].price.as_str()
        ),
        (resting.order_id.as_str(), "LIVE", "0.35")
    );
    assert_eq!(
        levels(&p.book(YES).await.unwrap().bids),
        vec![("0.35", "10"), ("0.39", "20"), ("0.4", "7")]
    );
    let c = p.cancel_order(&resting.order_id).await.unwrap();
    assert_eq!(c.canceled, vec![resting.order_id.clone()]);
    let again = p.cancel_order(&resting.order_id).await.unwrap();
    assert!(again.canceled.is_empty());
    assert_eq!(
        again
            .not_canceled
            .get(&resting.order_id)
            .map(String::as_str),
        Some("order already canceled")
    );
    assert_eq!(p.order(&resting.order_id).await.unwrap().status, "CANCELED");

    // The same signed order twice: the second is a duplicate (same hash).
    let signed = p
        .sign_order(&limit(Side::Buy, "0.30", 5, OrderType::Gtc))
        .await
        .unwrap();
    let first = p.post_order(&signed).await.unwrap();
    let dup = p.post_order(&signed).await;
    assert_eq!(
        rejected_code(&dup),
        Some((400, "INVALID_ORDER_DUPLICATED".into())),
        "{dup:?}"
    );
    let unknown = format!("0x{}", "ab".repeat(32));
    let many = p
        .cancel_orders(std::slice::from_ref(&unknown))
        .await
        .unwrap();
    assert_eq!(
        many.not_canceled.get(&unknown).map(String::as_str),
        Some("order not found")
    );
    let all = p.cancel_all().await.unwrap();
    assert_eq!(all.canceled, vec![first.order_id.clone()]);
    assert!(p.open_orders(&[]).await.unwrap().data.is_empty());

    // The ledger: every accepted order under its order hash, every refusal with why.
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
    assert_eq!(
        ids.len(),
        5,
        "buy, sell, FAK without a match, resting, first"
    );
    assert_eq!(ids[0], r.order_id);
    assert!(ids.iter().all(|i| i.starts_with("0x")));
    let reasons: Vec<&str> = ledger["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        vec![
            "insufficient position to sell",
            "fill-or-kill order could not be filled completely"
        ]
    );
    sim.stop().await;
}

#[tokio::test]
async fn bad_credentials_and_bad_orders_are_refused() {
    let sim = start().await;
    let anonymous = client(&sim, None);
    assert!(matches!(
        anonymous.trades(&[]).await,
        Err(VenueError::Signing { .. })
    ));

    // An HMAC that does not verify, and a valid one over another path.
    let http = reqwest::Client::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let s = signer();
    for (signed_path, forge) in [("/data/trades", true), ("/data/orders", false)] {
        let mut req = http.get(format!("{}/data/trades", sim.polymarket_base()));
        for (h, v) in s.l2_headers(now, "GET", signed_path, None).unwrap() {
            let v = if forge && h == "POLY_SIGNATURE" {
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string()
            } else {
                v
            };
            req = req.header(h, v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401);
        let body: w::ApiError = resp.json().await.unwrap();
        assert_eq!(body.error, "Unauthorized/Invalid api key");
    }
    // The right key with the wrong passphrase.
    let wrong = ApiCreds::new("sim-poly-key".into(), SECRET.into(), "nope".into()).unwrap();
    let wrong = PolymarketSigner::new(&Secret::new(KEY), wrong).unwrap();
    assert!(matches!(
        client(&sim, Some(wrong)).trades(&[]).await,
        Err(VenueError::Auth { status: 401, .. })
    ));

    let p = client(&sim, Some(signer()));
    let order = limit(Side::Buy, "0.40", 5, OrderType::Gtc);
    // Amounts changed after signing: the signature recovers someone else.
    let mut tampered = p.sign_order(&order).await.unwrap();
    tampered.order.maker_amount = "2050000".into();
    let r = p.post_order(&tampered).await;
    assert!(
        matches!(&r, Err(VenueError::Rejected { status: 400, message, .. }) if message == "invalid signature"),
        "{r:?}"
    );
    // Signed (validly) by a wallet that is not the API key's.
    let other = PolymarketSigner::new(&Secret::new(OTHER_KEY), creds()).unwrap();
    let foreign = build_signed_order(&other, &order, 7, 1_795_563_150_883).unwrap();
    let r = p.post_order(&foreign).await;
    assert!(
        matches!(&r, Err(VenueError::Rejected { status: 400, message, .. })
            if message == "the order signer address has to be the address of the API KEY"),
        "{r:?}"
    );
    // An order whose owner is not the API key.
    let mut owned = p.sign_order(&order).await.unwrap();
    owned.owner = "someone-else".into();
    let r = p.post_order(&owned).await;
    assert!(
        matches!(&r, Err(VenueError::Rejected { status: 400, message, .. })
            if message == "the order owner has to be the owner of the API KEY"),
        "{r:?}"
    );
    // L1 from a wallet the simulator does not know.
    assert!(matches!(
        client(&sim, Some(other)).derive_api_key().await,
        Err(VenueError::Auth { status: 401, .. })
    ));
    // Nothing reached the exchange.
    let ledger: Value = reqwest::get(format!("http://{}/_sim/ledger", sim.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ledger["orders"].as_array().unwrap().is_empty());
    sim.stop().await;
}

/// A venue that takes another order version is not sent V2 orders; one without
/// `/version` is assumed to take V2, as the official client assumes.
#[tokio::test]
async fn the_client_refuses_to_sign_for_another_order_version() {
    async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}")
    }
    let v3 = serve(axum::Router::new().route(
        "/version",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"version": 3})) }),
    ))
    .await;
    let http = arb::venues::http::client(Duration::from_secs(5)).unwrap();
    let p = PolymarketRest::new(http.clone(), v3, Some(signer()));
    let r = p
        .place_order(&limit(Side::Buy, "0.40", 5, OrderType::Gtc))
        .await;
    assert!(
        matches!(&r, Err(VenueError::Signing { message, .. }) if message.contains("order version 3")),
        "{r:?}"
    );
    let none = serve(axum::Router::new()).await;
    let p = PolymarketRest::new(http, none, Some(signer()));
    assert_eq!(p.version().await.unwrap(), 2);
}

async fn next_text(ws: &mut PolymarketWs) -> String {
    let (_, text) = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("a frame in time")
        .expect("open")
        .expect("ok");
    text
}

#[tokio::test]
async fn market_channel_book_then_trades_and_price_changes() {
    let sim = start().await;
    let mut ws = PolymarketWs::connect(&market_url(&sim.polymarket_ws()))
        .await
        .unwrap();
    ws.subscribe_market(&[YES.to_string()]).await.unwrap();
    let first = next_text(&mut ws).await;
    let books = split_frame(&first);
    assert!(first.starts_with('['), "the initial dump is an array");
    assert_eq!(books.len(), 1);
    let b = &books[0];
    assert_eq!(
        (
            b["event_type"].as_str(),
            b["asset_id"].as_str(),
            b["market"].as_str()
        ),
        (Some("book"), Some(YES), Some(CONDITION))
    );
    let summary: w::OrderBookSummary = serde_json::from_value(b.clone()).unwrap();
    assert_eq!(levels(&summary.bids), vec![("0.39", "20"), ("0.4", "10")]);
    assert_eq!(levels(&summary.asks), vec![("0.43", "10"), ("0.42", "5")]);
    assert_eq!(summary.hash, book_hash(&summary));

    // A taker order through REST: a trade and an emptied level at 0.42, then at 0.43.
    let p = client(&sim, Some(signer()));
    p.place_order(&limit(Side::Buy, "0.43", 7, OrderType::Fak))
        .await
        .unwrap();
    let mut frames = Vec::new();
    for _ in 0..4 {
        frames.push(next_text(&mut ws).await);
    }
    let msgs: Vec<Value> = frames.iter().flat_map(|f| split_frame(f)).collect();
    let kinds: Vec<&str> = msgs
        .iter()
        .map(|m| m["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "last_trade_price",
            "price_change",
            "last_trade_price",
            "price_change"
        ]
    );
    assert_eq!(
        (
            msgs[0]["price"].as_str(),
            msgs[0]["size"].as_str(),
            msgs[0]["side"].as_str()
        ),
        (Some("0.42"), Some("5"), Some("BUY"))
    );
    let change = &msgs[1]["price_changes"][0];
    assert_eq!(msgs[1]["market"], CONDITION);
    assert_eq!(
        (
            change["asset_id"].as_str(),
            change["price"].as_str(),
            change["size"].as_str(),
            change["side"].as_str(),
            change["best_bid"].as_str(),
            change["best_ask"].as_str()
        ),
        (
            Some(YES),
            Some("0.42"),
            Some("0"),
            Some("SELL"),
            Some("0.4"),
            Some("0.43")
        )
    );
    assert_eq!(msgs[3]["price_changes"][0]["size"], "8");

    // arb's own mapping reads every message the simulator sent, skipping none.
    let mut interner = arb::venues::MarketInterner::new();
    let mut state = arb::venues::polymarket::PolymarketState::new();
    let mut events = Vec::new();
    for m in books.into_iter().chain(msgs) {
        let mapped = arb::venues::polymarket::map_message(m, &mut interner, &mut state);
        assert!(mapped.skipped.is_none(), "{:?}", mapped.skipped);
        events.extend(mapped.events);
    }
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::BookSnapshot(s) if s.bids.len() == 2))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::BookDelta(_)))
            .count(),
        2
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Trade(_)))
            .count(),
        2
    );
    ws.close().await;

    // The heartbeat: text PING is answered with text PONG.
    let (mut raw, _) = tokio_tungstenite::connect_async(market_url(&sim.polymarket_ws()))
        .await
        .unwrap();
    raw.send(tokio_tungstenite::tungstenite::Message::Text("PING".into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(5), raw.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(pong.into_text().unwrap().as_str(), "PONG");
    sim.stop().await;
}

#[tokio::test]
async fn user_channel_orders_and_trades_of_the_account() {
    let sim = start().await;
    let mut ws = PolymarketWs::connect(&user_url(&sim.polymarket_ws()))
        .await
        .unwrap();
    ws.subscribe_user(&creds(), &[CONDITION.to_string()])
        .await
        .unwrap();
    let p = client(&sim, Some(signer()));
    // Give the subscription a moment to land before trading.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resting = p
        .place_order(&limit(Side::Buy, "0.35", 10, OrderType::Gtc))
        .await
        .unwrap();
    let placed: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(
        (
            placed["event_type"].as_str(),
            placed["type"].as_str(),
            placed["id"].as_str(),
            placed["size_matched"].as_str(),
            placed["owner"].as_str()
        ),
        (
            Some("order"),
            Some("PLACEMENT"),
            Some(resting.order_id.as_str()),
            Some("0"),
            Some("sim-poly-key")
        )
    );

    let taken = p
        .place_order(&limit(Side::Buy, "0.42", 5, OrderType::Fak))
        .await
        .unwrap();
    let mut msgs = Vec::new();
    for _ in 0..5 {
        msgs.push(serde_json::from_str::<Value>(&next_text(&mut ws).await).unwrap());
    }
    let seen: Vec<(&str, &str)> = msgs
        .iter()
        .map(|m| {
            (
                m["event_type"].as_str().unwrap(),
                m["type"]
                    .as_str()
                    .filter(|t| *t != "TRADE")
                    .or(m["status"].as_str())
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("order", "PLACEMENT"),
            ("trade", "MATCHED"),
            ("trade", "MINED"),
            ("trade", "CONFIRMED"),
            ("order", "UPDATE"),
        ]
    );
    let trade = &msgs[1];
    assert_eq!(
        (
            trade["taker_order_id"].as_str(),
            trade["price"].as_str(),
            trade["size"].as_str(),
            trade["side"].as_str(),
            trade["market"].as_str()
        ),
        (
            Some(taken.order_id.as_str()),
            Some("0.42"),
            Some("5"),
            Some("BUY"),
            Some(CONDITION)
        )
    );
    assert_eq!(msgs[4]["size_matched"], "5");

    p.cancel_order(&resting.order_id).await.unwrap();
    let canceled: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(
        (canceled["type"].as_str(), canceled["id"].as_str()),
        (Some("CANCELLATION"), Some(resting.order_id.as_str()))
    );
    ws.close().await;

    // A subscribe with the wrong secret is closed.
    let mut bad = PolymarketWs::connect(&user_url(&sim.polymarket_ws()))
        .await
        .unwrap();
    let wrong = ApiCreds::new(
        "sim-poly-key".into(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        "sim-passphrase".into(),
    )
    .unwrap();
    bad.subscribe_user(&wrong, &[]).await.unwrap();
    let end = tokio::time::timeout(Duration::from_secs(5), bad.next())
        .await
        .expect("closed in time");
    assert!(end.is_none(), "{end:?}");
    sim.stop().await;
}

// The price reads the official clients make (`get_ok`, `get_midpoint(s)`,
// `get_price(s)`, `get_spread(s)`, `get_last_trade_price(s)`), each from the same
// public book `GET /book` shows.

fn http() -> reqwest::Client {
    arb::venues::http::client(std::time::Duration::from_secs(5)).unwrap()
}

async fn get(sim: &SimServer, path: &str) -> (u16, Value) {
    let r = http()
        .get(format!("{}{path}", sim.polymarket_base()))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

async fn post(sim: &SimServer, path: &str, body: Value) -> (u16, Value) {
    let r = http()
        .post(format!("{}{path}", sim.polymarket_base()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

#[tokio::test]
async fn prices_midpoints_and_spreads_are_read_from_the_book() {
    let sim = start().await;
    assert_eq!(get(&sim, "/").await, (200, json!("OK")));
    assert_eq!(
        get(&sim, &format!("/midpoint?token_id={YES}")).await,
        (200, json!({"mid": "0.41"}))
    );
    assert_eq!(
        get(&sim, &format!("/midpoint?token_id={NO}")).await,
        (200, json!({"mid": "0.585"}))
    );
    // As the venue documents: BUY is the best bid, SELL the best ask.
    assert_eq!(
        get(&sim, &format!("/price?token_id={YES}&side=BUY")).await,
        (200, json!({"price": "0.4"}))
    );
    assert_eq!(
        get(&sim, &format!("/price?token_id={YES}&side=sell")).await,
        (200, json!({"price": "0.42"}))
    );
    assert_eq!(
        get(&sim, &format!("/spread?token_id={NO}")).await,
        (200, json!({"spread": "0.03"}))
    );
    assert_eq!(
        get(&sim, &format!("/last-trade-price?token_id={YES}")).await,
        (200, json!({"price": "", "side": ""})),
        "no trade yet"
    );
    // What is not there says so.
    assert_eq!(
        get(&sim, &format!("/price?token_id={YES}&side=UP")).await.0,
        400
    );
    assert_eq!(get(&sim, "/midpoint?token_id=123").await.0, 404);
    assert_eq!(get(&sim, "/spread").await.0, 400);

    let both = json!([{"token_id": YES}, {"token_id": NO}, {"token_id": "123"}]);
    assert_eq!(
        post(&sim, "/midpoints", both.clone()).await,
        (200, json!({YES: "0.41", NO: "0.585"}))
    );
    assert_eq!(
        post(&sim, "/spreads", both.clone()).await,
        (200, json!({YES: "0.02", NO: "0.03"}))
    );
    assert_eq!(
        post(
            &sim,
            "/prices",
            json!([{"token_id": YES, "side": "BUY"}, {"token_id": YES, "side": "SELL"}, {"token_id": NO, "side": "BUY"}])
        )
        .await,
        (200, json!({YES: {"BUY": "0.4", "SELL": "0.42"}, NO: {"BUY": "0.57"}}))
    );
    assert_eq!(
        post(&sim, "/last-trades-prices", both).await,
        (
            200,
            json!([{"token_id": YES, "price": "", "side": ""}, {"token_id": NO, "price": "", "side": ""}])
        )
    );
    assert_eq!(
        post(&sim, "/midpoints", json!({"token_id": YES})).await.0,
        400
    );
}
