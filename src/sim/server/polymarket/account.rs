//! Polymarket's account reads (an order, open orders, trades, balance) and their wire shapes.

use super::auth::PolymarketAccount;
use super::orders::is_order_id;
use super::{
    Refusal, Shared, base_fee_bps, condition, is_token, other_side, outcome_name, px, side_name,
    size, trade_uuid, tx_hash,
};
use crate::sim::exchange::{Exchange, FillRecord, OrderState, SimOrder, Tif};
use crate::sim::server::{SimAccount, SimState};
use crate::venues::polymarket::eth::{hex0x, keccak256};
use crate::venues::polymarket::rest_wire as w;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

fn api_key_of(a: &SimAccount) -> String {
    a.poly_creds
        .as_ref()
        .map(|c| c.api_key().expose().to_string())
        .unwrap_or_default()
}

fn address_of(a: &SimAccount) -> String {
    a.poly_address.map(|x| x.to_string()).unwrap_or_default()
}

pub(super) fn account_named<'a>(state: &'a SimState, name: &str) -> Option<&'a SimAccount> {
    state.accounts.iter().find(|a| a.name == name)
}

fn order_type_name(tif: Tif) -> &'static str {
    match tif {
        Tif::GoodTillCanceled => "GTC",
        Tif::FillOrKill => "FOK",
        Tif::ImmediateOrCancel => "FAK",
    }
}

/// An order as `/data/order` shows it.
pub(crate) fn open_order(state: &SimState, ex: &Exchange, o: &SimOrder) -> w::OpenOrder {
    let account = account_named(state, &o.order.account);
    w::OpenOrder {
        id: o.order.client_order_id.clone().unwrap_or_default(),
        status: match o.state {
            OrderState::Resting => "LIVE",
            OrderState::Executed => "MATCHED",
            OrderState::Canceled => "CANCELED",
        }
        .into(),
        owner: account.map(api_key_of).unwrap_or_default(),
        maker_address: account.map(address_of).unwrap_or_default(),
        market: condition(state, o.order.market),
        asset_id: state.metas[o.order.market].venue_id.clone(),
        side: side_name(o.order.action).into(),
        original_size: size(o.order.qty),
        size_matched: size(o.filled),
        price: px(o.order.price),
        outcome: outcome_name(state, o.order.market).into(),
        expiration: Some("0".into()),
        order_type: order_type_name(o.order.tif).into(),
        associate_trades: Some(
            ex.ledger
                .fills
                .iter()
                .filter(|f| f.order_id == o.id)
                .map(|f| trade_uuid(f.trade_id))
                .collect(),
        ),
        created_at: o.created_ns / 1_000_000_000,
    }
}

pub(super) async fn get_order(
    State(state): Shared,
    Path(order_id): Path<String>,
    PolymarketAccount(idx): PolymarketAccount,
) -> Response {
    if !is_order_id(&order_id) {
        return Refusal::bad("Invalid orderID").into_response();
    }
    let name = &state.accounts[idx].name;
    let ex = state.exchange();
    match ex.order_by_client_id(name, &order_id) {
        Some(o) => Json(open_order(&state, &ex, o)).into_response(),
        None => Refusal::new(StatusCode::NOT_FOUND, "order not found").into_response(),
    }
}

/// `GET /balance-allowance`: free collateral of the account (cash not locked by
/// resting buys), in USDC's 6-decimal units.
pub(super) async fn balance_allowance(
    State(state): Shared,
    PolymarketAccount(idx): PolymarketAccount,
) -> Response {
    let name = state.accounts[idx].name.clone();
    let a = state.exchange().account(&name).cloned().unwrap_or_default();
    Json(w::BalanceAllowance {
        balance: (a.cash.0 - a.locked.0).to_string(),
        allowances: serde_json::Map::new(),
    })
    .into_response()
}

pub(super) async fn open_orders(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
    PolymarketAccount(idx): PolymarketAccount,
) -> Response {
    let name = &state.accounts[idx].name;
    let ex = state.exchange();
    let data: Vec<w::OpenOrder> = ex
        .orders_of(name)
        .filter(|o| o.state == OrderState::Resting && is_token(&state, o.order.market))
        .map(|o| open_order(&state, &ex, o))
        .filter(|o| {
            q.get("id").is_none_or(|v| *v == o.id)
                && q.get("market").is_none_or(|v| *v == o.market)
                && q.get("asset_id").is_none_or(|v| *v == o.asset_id)
        })
        .collect();
    let n = data.len() as u64;
    Json(w::OrdersPage {
        data,
        next_cursor: w::END_CURSOR.into(),
        limit: n.max(1),
        count: n,
    })
    .into_response()
}

/// One of an account's fills as a trade of `/data/trades` (and the user channel):
/// `side` is the taker's, `trader_side` the account's role.
pub(crate) fn wire_trade(
    state: &SimState,
    ex: &Exchange,
    f: &FillRecord,
    status: &str,
) -> w::Trade {
    let account = account_named(state, &f.account);
    let owner = account.map(api_key_of).unwrap_or_default();
    let address = account.map(address_of).unwrap_or_default();
    let our_id = ex
        .orders
        .get(&f.order_id)
        .and_then(|o| o.order.client_order_id.clone())
        .unwrap_or_default();
    let asset_id = state.metas[f.market].venue_id.clone();
    let outcome = outcome_name(state, f.market).to_string();
    let fee_rate_bps = base_fee_bps(state, f.market).to_string();
    let secs = (f.ts_ns / 1_000_000_000).to_string();
    let maker_orders = if f.is_taker {
        Vec::new()
    } else {
        vec![w::MakerOrder {
            order_id: our_id.clone(),
            owner: owner.clone(),
            maker_address: address.clone(),
            matched_amount: size(f.qty),
            price: px(f.price),
            fee_rate_bps: fee_rate_bps.clone(),
            asset_id: asset_id.clone(),
            outcome: outcome.clone(),
            side: side_name(f.action).into(),
        }]
    };
    w::Trade {
        id: trade_uuid(f.trade_id),
        taker_order_id: if f.is_taker {
            our_id
        } else {
            hex0x(keccak256(format!("arb-sim-taker-{}", f.trade_id)))
        },
        market: condition(state, f.market),
        asset_id,
        side: side_name(if f.is_taker {
            f.action
        } else {
            other_side(f.action)
        })
        .into(),
        size: size(f.qty),
        fee_rate_bps,
        price: px(f.price),
        status: status.into(),
        match_time: secs.clone(),
        last_update: secs,
        outcome,
        bucket_index: 0,
        owner,
        maker_address: address,
        maker_orders,
        transaction_hash: tx_hash(f.trade_id),
        trader_side: if f.is_taker { "TAKER" } else { "MAKER" }.into(),
    }
}

pub(super) async fn trades(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
    PolymarketAccount(idx): PolymarketAccount,
) -> Response {
    let secs = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let (before, after) = (secs("before"), secs("after"));
    let name = &state.accounts[idx].name;
    let ex = state.exchange();
    let data: Vec<w::Trade> = ex
        .ledger
        .fills
        .iter()
        .filter(|f| f.account == *name && is_token(&state, f.market))
        .filter(|f| {
            let t = f.ts_ns / 1_000_000_000;
            before.is_none_or(|b| t < b) && after.is_none_or(|a| t > a)
        })
        .map(|f| {
            wire_trade(
                &state,
                &ex,
                f,
                if ex.failed_trades.contains(&f.trade_id) {
                    "FAILED"
                } else {
                    "CONFIRMED"
                },
            )
        })
        .filter(|t| {
            q.get("id").is_none_or(|v| *v == t.id)
                && q.get("market").is_none_or(|v| *v == t.market)
                && q.get("asset_id").is_none_or(|v| *v == t.asset_id)
        })
        .collect();
    let n = data.len() as u64;
    Json(w::TradesPage {
        data,
        next_cursor: w::END_CURSOR.into(),
        limit: n.max(1),
        count: n,
    })
    .into_response()
}

/// `GET /positions?user=ADDRESS` (the Data API): the wallet's token positions, public
/// (no authentication), every size above `sizeThreshold` (default 1, as the venue).
///
/// A settled market's positions are gone: the simulator redeems them into cash at
/// settlement. On the real venue a winning position stays until its owner redeems it
/// on chain (the Data API marks it `redeemable`); the simulator skips that step.
pub(super) async fn positions(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(user) = q.get("user") else {
        return Refusal::bad("user is required").into_response();
    };
    let threshold = match q.get("sizeThreshold").map(|t| t.parse::<f64>()) {
        None => 1.0,
        Some(Ok(t)) if t >= 0.0 => t,
        Some(_) => return Refusal::bad("sizeThreshold is not a number >= 0").into_response(),
    };
    let Some(account) = state
        .accounts
        .iter()
        .find(|a| address_of(a).eq_ignore_ascii_case(user))
    else {
        return Json(Vec::<w::DataPosition>::new()).into_response();
    };
    let ex = state.exchange();
    let held = ex
        .account(&account.name)
        .map(|a| a.positions.clone())
        .unwrap_or_default();
    let data: Vec<w::DataPosition> = held
        .iter()
        .filter(|((m, _), q)| q.0 > 0 && is_token(&state, *m))
        .map(|(&(m, _), q)| w::DataPosition {
            proxy_wallet: address_of(account),
            asset: state.metas[m].venue_id.clone(),
            condition_id: condition(&state, m),
            size: q.0 as f64 / crate::core::Qty::SCALE as f64,
            avg_price: 0.0,
            outcome: outcome_name(&state, m).into(),
        })
        .filter(|p| p.size >= threshold)
        .collect();
    Json(data).into_response()
}
