//! Markets that list, close and settle on a scenario's schedule, on a real simulator
//! over loopback: both venues' REST and WebSocket shapes, refusals after close, cancels
//! at close, payouts to the micro-dollar, settlement records, planted positions.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod lifecycle_support;

use arb::core::{Money, Price, Qty};
use arb::venues::kalshi::ws::KalshiWs;
use arb::venues::polymarket::auth::Side;
use arb::venues::polymarket::rest::{LimitOrder, OrderType};
use arb::venues::polymarket::ws::market_url;
use futures_util::SinkExt;
use lifecycle_support::*;
use serde_json::{Value, json};
use std::time::Duration;

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
    let (_, page) = get(format!("http://{}/markets", sim.addr)).await;
    assert_eq!(
        (&page["data"], &page["next_cursor"]),
        (&json!([]), &json!("LTE="))
    );
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
    let (_, page) = get(format!("http://{}/markets", sim.addr)).await;
    assert_eq!(page["data"][0]["condition_id"], "sched", "{page}");
    assert_eq!(page["next_cursor"], "LTE=");
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
