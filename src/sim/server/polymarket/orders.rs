//! Polymarket's order writes: signed V2 orders placed (`/order`, `/orders`) and cancels.

use super::auth::{PolymarketAuthed, PolymarketSigned};
use super::{
    CHAIN_IDS, MAX_BATCH, MIN_ORDER_SIZE, NEG_RISK, Refusal, Shared, find_token, is_token, now_ms,
    px, respond, size, trade_uuid, tx_hash, usdc,
};
use crate::core::{Outcome, Price, Qty};
use crate::sim::exchange::{
    Action, CancelError, FillRecord, NewOrder, OrderState, RejectReason, Tif, public_levels,
};
use crate::sim::server::SimState;
use crate::venues::polymarket::auth::{
    OrderV2, Side, SignatureType, exchange_v2_domain, verify_order,
};
use crate::venues::polymarket::eth::{RecoverableSignature, U256, hex0x, parse_hex_bytes};
use crate::venues::polymarket::rest_wire as w;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};

/// The wire order, parsed into what is signed.
fn parse_order(o: &w::SignedOrder) -> Result<(OrderV2, RecoverableSignature), String> {
    let side = match o.side.as_str() {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        other => return Err(format!("side {other:?}")),
    };
    let signature_type = match o.signature_type {
        0 => SignatureType::Eoa,
        1 => SignatureType::PolyProxy,
        2 => SignatureType::PolyGnosisSafe,
        3 => SignatureType::Poly1271,
        other => return Err(format!("signatureType {other}")),
    };
    let e = |e: crate::venues::credentials::AuthError| e.to_string();
    let order = OrderV2 {
        salt: U256::from(o.salt),
        maker: o.maker.parse().map_err(e)?,
        signer: o.signer.parse().map_err(e)?,
        token_id: U256::from_dec_str(&o.token_id).map_err(e)?,
        maker_amount: U256::from_dec_str(&o.maker_amount).map_err(e)?,
        taker_amount: U256::from_dec_str(&o.taker_amount).map_err(e)?,
        side,
        signature_type,
        timestamp: U256::from_dec_str(&o.timestamp).map_err(e)?,
        metadata: parse_hex_bytes::<32>(&o.metadata, "metadata").map_err(e)?,
        builder: parse_hex_bytes::<32>(&o.builder, "builder").map_err(e)?,
    };
    let signature = RecoverableSignature::from_hex(&o.signature).map_err(e)?;
    Ok((order, signature))
}

/// Price (USDC per token) and size (tokens) of signed amounts: a BUY gives
/// `makerAmount` USDC for `takerAmount` tokens, a SELL the reverse. A price that is
/// not a whole 0.0001 is rounded so that the order never trades worse than signed:
/// down for a buy, up for a sell.
fn price_and_size(side: Side, maker: &str, taker: &str) -> Option<(Price, Qty)> {
    let maker: u64 = maker.parse().ok()?;
    let taker: u64 = taker.parse().ok()?;
    if maker == 0 || taker == 0 {
        return None;
    }
    let (usdc, tokens) = match side {
        Side::Buy => (maker, taker),
        Side::Sell => (taker, maker),
    };
    let num = u128::from(usdc) * Price::SCALE as u128;
    let den = u128::from(tokens);
    let raw = match side {
        Side::Buy => num / den,
        Side::Sell => num.div_ceil(den),
    };
    let price = u16::try_from(raw)
        .ok()
        .filter(|&p| p > 0 && p < Price::SCALE as u16)?;
    Some((Price(price), Qty(i64::try_from(tokens).ok()?)))
}

pub(super) fn is_order_id(id: &str) -> bool {
    parse_hex_bytes::<32>(id, "orderID").is_ok() && id.starts_with("0x")
}

/// Places one signed order for account `idx`; the `POST /order` answer or refusal.
fn place(
    state: &SimState,
    idx: usize,
    req: &w::PostOrderRequest,
) -> Result<w::PostOrderResponse, Refusal> {
    let account = &state.accounts[idx];
    let creds = account
        .poly_creds
        .as_ref()
        .ok_or_else(Refusal::unauthorized)?;
    if !creds.api_key().ct_eq(&req.owner) {
        return Err(Refusal::bad(
            "the order owner has to be the owner of the API KEY",
        ));
    }
    let (order, signature) =
        parse_order(&req.order).map_err(|_| Refusal::bad("Invalid order payload"))?;
    if Some(order.signer) != account.poly_address {
        return Err(Refusal::bad(
            "the order signer address has to be the address of the API KEY",
        ));
    }
    if order.signature_type == SignatureType::Eoa && order.maker != order.signer {
        return Err(Refusal::bad(
            "the order owner has to be the owner of the API KEY",
        ));
    }
    let market = find_token(state, &req.order.token_id).ok_or_else(Refusal::market_not_found)?;
    let hash = CHAIN_IDS
        .iter()
        .find_map(|&chain| {
            verify_order(&order, &exchange_v2_domain(chain, NEG_RISK), &signature).ok()
        })
        .ok_or_else(|| Refusal::bad("invalid signature"))?;
    let id = hex0x(hash);
    if state
        .exchange()
        .order_by_client_id(&account.name, &id)
        .is_some()
    {
        return Err(Refusal::bad(format!("order {id} is invalid. Duplicated.")));
    }
    let (price, qty) = price_and_size(order.side, &req.order.maker_amount, &req.order.taker_amount)
        .ok_or_else(|| Refusal::bad("Invalid order payload"))?;
    let tick = state.metas[market].tick;
    if tick.0 == 0
        || !price.0.is_multiple_of(tick.0)
        || price.0 < tick.0
        || price.0 > Price::SCALE as u16 - tick.0
    {
        return Err(Refusal::bad(format!(
            "order {id} is invalid. Price ({}) breaks minimum tick size rule: {}",
            px(price),
            px(tick)
        )));
    }
    let tif = match req.order_type.as_str() {
        "GTC" | "GTD" => Tif::GoodTillCanceled,
        "FOK" => Tif::FillOrKill,
        "FAK" => Tif::ImmediateOrCancel,
        _ => return Err(Refusal::bad("Invalid order payload")),
    };
    if req.post_only && tif != Tif::GoodTillCanceled {
        return Err(Refusal::bad("Invalid order payload"));
    }
    if tif == Tif::GoodTillCanceled && qty < MIN_ORDER_SIZE {
        return Err(Refusal::bad(format!(
            "order {id} is invalid. Size ({}) lower than the minimum: {}",
            size(qty),
            size(MIN_ORDER_SIZE)
        )));
    }
    if req.order_type == "GTD" {
        let expiration: i64 = req.order.expiration.parse().unwrap_or(-1);
        // The venue's one-minute safety threshold.
        if expiration != 0 && expiration < now_ms() / 1000 + 60 {
            return Err(Refusal::bad("invalid expiration"));
        }
    }
    let action = match order.side {
        Side::Buy => Action::Buy,
        Side::Sell => Action::Sell,
    };
    if req.post_only {
        let (bids, asks) = public_levels(&state.exchange(), market);
        let crosses = match action {
            Action::Buy => asks.keys().next().is_some_and(|&a| a <= price.0),
            Action::Sell => bids.keys().next_back().is_some_and(|&b| b >= price.0),
        };
        if crosses {
            return Err(Refusal::bad("invalid post-only order: order crosses book"));
        }
    }
    let new = NewOrder {
        account: account.name.clone(),
        market,
        outcome: Outcome::Yes,
        action,
        price,
        qty,
        tif,
        client_order_id: Some(id.clone()),
    };
    let oid = state
        .submit(new, &state.order_faults(Some(market)))
        .map_err(|reason| match reason {
            RejectReason::InsufficientBalance | RejectReason::InsufficientPosition => {
                Refusal::bad("not enough balance / allowance")
            }
            RejectReason::DuplicateClientOrderId => {
                Refusal::bad(format!("order {id} is invalid. Duplicated."))
            }
            RejectReason::FillOrKillUnfilled => Refusal::bad(
                "order couldn't be fully filled. FOK orders are fully filled or killed.",
            ),
            RejectReason::UnknownMarket => Refusal::market_not_found(),
            // A closed or settled market (an unlisted one is not found above).
            RejectReason::MarketNotOpen => Refusal::bad(format!(
                "order {id} is invalid. The market is not accepting orders"
            )),
            RejectReason::BadPrice | RejectReason::BadQuantity => {
                Refusal::bad("Invalid order payload")
            }
        })?;
    let (o, fills) = {
        let ex = state.exchange();
        let fills: Vec<FillRecord> = ex
            .ledger
            .fills
            .iter()
            .filter(|f| f.order_id == oid)
            .cloned()
            .collect();
        (ex.orders.get(&oid).cloned(), fills)
    };
    let o =
        o.ok_or_else(|| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "could not insert order"))?;
    if tif == Tif::ImmediateOrCancel && o.filled == Qty::ZERO {
        return Err(Refusal::bad(
            "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
        ));
    }
    // What matched at once; nothing matched is `""`, as the venue answers a resting order.
    let (making, taking) = match action {
        _ if o.filled == Qty::ZERO => (String::new(), String::new()),
        Action::Buy => (usdc(o.fill_cost), size(o.filled)),
        Action::Sell => (size(o.filled), usdc(o.fill_cost)),
    };
    Ok(w::PostOrderResponse {
        success: true,
        error_msg: String::new(),
        order_id: id,
        status: if o.filled > Qty::ZERO {
            "matched"
        } else {
            "live"
        }
        .into(),
        making_amount: making,
        taking_amount: taking,
        transactions_hashes: fills.iter().map(|f| tx_hash(f.trade_id)).collect(),
        trade_ids: fills.iter().map(|f| trade_uuid(f.trade_id)).collect(),
    })
}

pub(super) async fn post_order(
    State(state): Shared,
    PolymarketAuthed(idx, req): PolymarketAuthed<w::PostOrderRequest>,
) -> Response {
    let market = state
        .meta_of(crate::core::Venue::Polymarket, &req.order.token_id)
        .map(|(i, _)| i);
    let faults = state.order_faults(market);
    if faults.reject {
        return Refusal::bad("the exchange is not accepting orders (trading paused)")
            .into_response();
    }
    let fills_before = state.exchange().ledger.fills.len();
    let placed = place(&state, idx, &req);
    if let Some(d) = faults.ack_delay {
        tokio::time::sleep(d).await;
    }
    if placed.is_ok()
        && let Some(r) = crate::sim::server::after_accept(&faults, |status| {
            Refusal::new(status, "internal server error").into_response()
        })
        .await
    {
        return r;
    }
    if placed.is_ok() && faults.settlement_failure {
        // The trades settle badly a moment later: the venue reports them FAILED and
        // undoes them, after the order itself was answered as matched.
        let trades: Vec<u64> = state.exchange().ledger.fills[fills_before..]
            .iter()
            .map(|f| f.trade_id)
            .collect();
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            state.mutate(|ex| {
                for t in trades {
                    ex.reverse_fill(t);
                }
            });
        });
    }
    respond(placed)
}

/// `POST /orders`: up to 15 orders; each answer in the array, refusals as
/// `success: false` with the refusal text.
pub(super) async fn post_orders(
    State(state): Shared,
    PolymarketAuthed(idx, reqs): PolymarketAuthed<Vec<w::PostOrderRequest>>,
) -> Response {
    if reqs.is_empty() || reqs.len() > MAX_BATCH {
        return Refusal::bad(format!(
            "Too many orders in payload: {}, max allowed: {MAX_BATCH}",
            reqs.len()
        ))
        .into_response();
    }
    let out: Vec<w::PostOrderResponse> = reqs
        .iter()
        .map(|r| {
            place(&state, idx, r).unwrap_or_else(|e| w::PostOrderResponse {
                success: false,
                error_msg: e.message,
                ..w::PostOrderResponse::default()
            })
        })
        .collect();
    Json(out).into_response()
}

/// Cancels the account's orders with these ids, in one exchange mutation.
fn cancel_ids(state: &SimState, account: &str, ids: &[String]) -> w::CancelResponse {
    state.mutate(|ex| {
        let mut out = w::CancelResponse::default();
        for id in ids {
            if out.canceled.contains(id) {
                continue;
            }
            let Some(oid) = ex.order_by_client_id(account, id).map(|o| o.id) else {
                out.not_canceled
                    .insert(id.clone(), "order not found".into());
                continue;
            };
            match ex.cancel(account, oid) {
                Ok(_) => out.canceled.push(id.clone()),
                Err(CancelError::NotFound) => {
                    out.not_canceled
                        .insert(id.clone(), "order not found".into());
                }
                Err(CancelError::NotResting) => {
                    let why = match ex.orders.get(&oid).map(|o| o.state) {
                        Some(OrderState::Executed) => "order already matched",
                        _ => "order already canceled",
                    };
                    out.not_canceled.insert(id.clone(), why.into());
                }
            }
        }
        out
    })
}

pub(super) async fn cancel_order(
    State(state): Shared,
    PolymarketAuthed(idx, req): PolymarketAuthed<w::CancelOrderRequest>,
) -> Response {
    if !is_order_id(&req.order_id) {
        return Refusal::bad("Invalid orderID").into_response();
    }
    let name = state.accounts[idx].name.clone();
    Json(cancel_ids(&state, &name, &[req.order_id])).into_response()
}

pub(super) async fn cancel_orders(
    State(state): Shared,
    PolymarketAuthed(idx, ids): PolymarketAuthed<Vec<String>>,
) -> Response {
    if ids.len() > 3000 {
        return Refusal::bad("Too many orders in payload, max allowed: 3000").into_response();
    }
    if !ids.iter().all(|i| is_order_id(i)) {
        return Refusal::bad("Invalid orderID").into_response();
    }
    let name = state.accounts[idx].name.clone();
    Json(cancel_ids(&state, &name, &ids)).into_response()
}

pub(super) async fn cancel_all(
    State(state): Shared,
    PolymarketSigned(idx): PolymarketSigned,
) -> Response {
    let name = state.accounts[idx].name.clone();
    let ids: Vec<String> = state
        .exchange()
        .orders_of(&name)
        .filter(|o| o.state == OrderState::Resting && is_token(&state, o.order.market))
        .filter_map(|o| o.order.client_order_id.clone())
        .collect();
    Json(cancel_ids(&state, &name, &ids)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_price_and_size_never_worse_than_signed() {
        assert_eq!(
            price_and_size(Side::Buy, "5000000", "10000000"),
            Some((Price(5000), Qty(10_000_000)))
        );
        assert_eq!(
            price_and_size(Side::Sell, "5000000", "2250000"),
            Some((Price(4500), Qty(5_000_000)))
        );
        // A market BUY of $10 at 0.51 (older builder): 0.510000.. rounds down.
        assert_eq!(
            price_and_size(Side::Buy, "10000000", "19607800"),
            Some((Price(5100), Qty(19_607_800)))
        );
        assert_eq!(price_and_size(Side::Buy, "0", "1"), None);
        assert_eq!(price_and_size(Side::Buy, "2", "1"), None, "price above 1");
        assert_eq!(price_and_size(Side::Buy, "x", "1"), None);
    }
}
