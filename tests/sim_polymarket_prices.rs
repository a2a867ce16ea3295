//! The simulator's Polymarket price reads, in the shapes the official clients read
//! (`get_ok`, `get_midpoint(s)`, `get_price(s)`, `get_spread(s)`,
//! `get_last_trade_price(s)`): each from the same public book `GET /book` shows.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

use arb::core::{MarketId, Price, Qty, Venue};
use arb::event::{FeeModel, Level, MarketMeta, NoLeg};
use arb::sim::server::{SimServer, SimState};
use serde_json::{Value, json};

const YES: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const NO: &str = "52114319501245915516055106046884209969926127482827954674443846427813813222426";

fn token(id: u32, venue_id: &str, complement: u32) -> MarketMeta {
    MarketMeta {
        id: MarketId(id),
        venue: Venue::Polymarket,
        venue_id: venue_id.into(),
        title: "Fed cuts in December?".into(),
        event_id: "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1".into(),
        series_id: String::new(),
        close_ts: None,
        no_leg: NoLeg::Complement(MarketId(complement)),
        fees: FeeModel::Free,
        tick: Price(100),
    }
}

/// YES: bids 0.40 and 0.39, asks 0.42 and 0.43; NO: a bid at 0.57, an ask at 0.60.
async fn start() -> SimServer {
    let state = SimState::new(vec![token(0, YES, 1), token(1, NO, 0)], Vec::new());
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
