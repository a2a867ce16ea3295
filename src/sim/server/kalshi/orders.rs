//! Kalshi's orders: create (one or a batch), get, list, cancel, and the order wire shape.

use super::auth::{KalshiAccount, KalshiAuthed};
use super::{
    Refusal, Shared, count, dollars, error, find, money, not_found, order_uuid, parse_order_uuid,
    rfc3339,
};
use crate::core::{Money, Outcome, Price, Qty};
use crate::sim::exchange::{
    Action, CancelError, NewOrder, OrderState, RejectReason, SimOrder, Tif,
};
use crate::sim::server::SimState;
use crate::venues::kalshi::rest_wire as w;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use std::collections::BTreeMap;

pub(super) fn wire_order(state: &SimState, o: &SimOrder) -> w::Order {
    let book_price = o.order.book_price();
    let (taker_cost, maker_cost, taker_fees, maker_fees) = {
        let ex = state.exchange();
        let mut t = (0i64, 0i64, 0i64, 0i64);
        for f in ex.ledger.fills.iter().filter(|f| f.order_id == o.id) {
            let cost = crate::core::fixed::notional_ceil(f.price, f.qty).map_or(0, |m| m.0);
            if f.is_taker {
                t.0 += cost;
                t.2 += f.fee.0;
            } else {
                t.1 += cost;
                t.3 += f.fee.0;
            }
        }
        t
    };
    w::Order {
        order_id: order_uuid(o.id),
        user_id: o.order.account.clone(),
        client_order_id: o.order.client_order_id.clone().unwrap_or_default(),
        ticker: state
            .metas
            .get(o.order.market)
            .map(|m| m.venue_id.clone())
            .unwrap_or_default(),
        side: if o.order.outcome == Outcome::Yes {
            "yes"
        } else {
            "no"
        }
        .into(),
        action: if o.order.action == Action::Buy {
            "buy"
        } else {
            "sell"
        }
        .into(),
        order_type: "limit".into(),
        status: match o.state {
            OrderState::Resting => "resting",
            OrderState::Executed => "executed",
            OrderState::Canceled => "canceled",
        }
        .into(),
        yes_price_dollars: dollars(book_price),
        no_price_dollars: dollars(book_price.complement()),
        fill_count_fp: count(o.filled),
        remaining_count_fp: count(if o.state == OrderState::Resting {
            o.remaining()
        } else {
            Qty::ZERO
        }),
        initial_count_fp: count(o.order.qty),
        taker_fill_cost_dollars: money(Money(taker_cost)),
        maker_fill_cost_dollars: money(Money(maker_cost)),
        taker_fees_dollars: money(Money(taker_fees)),
        maker_fees_dollars: money(Money(maker_fees)),
        created_time: rfc3339(o.created_ns),
        last_update_time: rfc3339(o.created_ns),
        yes_price: i64::from(book_price.0) / 100,
        no_price: i64::from(book_price.complement().0) / 100,
        fill_count: o.filled.0 / Qty::SCALE,
        remaining_count: if o.state == OrderState::Resting {
            o.remaining().0 / Qty::SCALE
        } else {
            0
        },
        initial_count: o.order.qty.0 / Qty::SCALE,
        taker_fees: taker_fees / 10_000,
        maker_fees: maker_fees / 10_000,
        taker_fill_cost: taker_cost / 10_000,
        maker_fill_cost: maker_cost / 10_000,
        queue_position: 0,
    }
}

/// Reads a `CreateOrderRequest` into the exchange's terms, or says what is wrong.
fn new_order(
    state: &SimState,
    account: &str,
    r: &w::CreateOrderRequest,
) -> Result<NewOrder, Refusal> {
    let bad = |msg: &str| Refusal::new(StatusCode::BAD_REQUEST, "invalid_parameters", msg);
    let Some(market) = find(state, &r.ticker) else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "market not found",
        ));
    };
    let outcome = match r.side.as_str() {
        "yes" => Outcome::Yes,
        "no" => Outcome::No,
        _ => return Err(bad("side must be yes or no")),
    };
    let action = match r.action.as_str() {
        "buy" => Action::Buy,
        "sell" => Action::Sell,
        _ => return Err(bad("action must be buy or sell")),
    };
    let qty = match (&r.count_fp, r.count) {
        (Some(fp), _) => Qty::from_decimal(fp).map_err(|_| bad("count_fp is not a decimal"))?,
        (None, Some(c)) => Qty::contracts(c),
        (None, None) => return Err(bad("count or count_fp is required")),
    };
    let parse =
        |s: &str| Price::from_decimal(s).map_err(|_| bad("price is not a dollar amount in [0, 1]"));
    let cents = |c: i64| {
        u16::try_from(c * 100)
            .ok()
            .filter(|&p| p <= 10_000)
            .map(Price)
            .ok_or_else(|| bad("price in cents must be 1..99"))
    };
    let yes_price = match (
        &r.yes_price_dollars,
        &r.no_price_dollars,
        r.yes_price,
        r.no_price,
    ) {
        (Some(y), _, _, _) => parse(y)?,
        (None, Some(n), _, _) => parse(n)?.complement(),
        (None, None, Some(y), _) => cents(y)?,
        (None, None, None, Some(n)) => cents(n)?.complement(),
        _ => {
            return Err(bad(
                "a price (yes_price_dollars, no_price_dollars, yes_price or no_price) is required",
            ));
        }
    };
    let price = if outcome == Outcome::Yes {
        yes_price
    } else {
        yes_price.complement()
    };
    let tif = match r.time_in_force.as_deref() {
        None | Some("good_till_canceled") | Some("gtc") => Tif::GoodTillCanceled,
        Some("immediate_or_cancel") | Some("ioc") => Tif::ImmediateOrCancel,
        Some("fill_or_kill") | Some("fok") => Tif::FillOrKill,
        Some(_) => return Err(bad("unknown time_in_force")),
    };
    Ok(NewOrder {
        account: account.into(),
        market,
        outcome,
        action,
        price,
        qty,
        tif,
        client_order_id: r.client_order_id.clone(),
    })
}

pub(super) async fn create_order(
    State(state): Shared,
    KalshiAuthed(account, req): KalshiAuthed<w::CreateOrderRequest>,
) -> Response {
    let order = match new_order(&state, &account, &req) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let faults = state.order_faults(Some(order.market));
    if faults.reject {
        return error(
            StatusCode::BAD_REQUEST,
            "trading_is_paused",
            "the exchange is not accepting orders",
        );
    }
    let expires_ns = match req.expiration_ts {
        Some(s) if s.saturating_mul(1_000_000_000) <= crate::clock::event_ns() => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_parameters",
                "expiration_ts is in the past",
            );
        }
        Some(s) => Some(s.saturating_mul(1_000_000_000)),
        None => None,
    };
    let result = state.submit(order, &faults);
    if let (Ok(id), Some(at)) = (&result, expires_ns) {
        state.mutate(|ex| {
            if ex
                .orders
                .get(id)
                .is_some_and(|o| o.state == OrderState::Resting)
            {
                ex.expiries.insert(*id, at);
            }
        });
    }
    if let Some(d) = faults.ack_delay {
        tokio::time::sleep(d).await;
    }
    if result.is_ok()
        && let Some(r) = crate::sim::server::after_accept(&faults, |status| {
            error(status, "internal_server_error", "internal server error")
        })
        .await
    {
        return r;
    }
    match result {
        Ok(id) => {
            let o = state.exchange().orders.get(&id).cloned();
            match o {
                Some(o) => (
                    StatusCode::CREATED,
                    Json(w::OrderResponse {
                        order: wire_order(&state, &o),
                    }),
                )
                    .into_response(),
                None => not_found("order"),
            }
        }
        Err(reason) => {
            let code = match reason {
                crate::sim::exchange::RejectReason::InsufficientBalance => "insufficient_balance",
                crate::sim::exchange::RejectReason::DuplicateClientOrderId => {
                    "order_already_exists"
                }
                crate::sim::exchange::RejectReason::MarketNotOpen => "market_closed",
                _ => "invalid_order",
            };
            error(StatusCode::BAD_REQUEST, code, &reason.to_string())
        }
    }
}

pub(super) async fn batch_create_orders(
    State(state): Shared,
    KalshiAuthed(account, req): KalshiAuthed<w::BatchCreateOrdersRequest>,
) -> Response {
    let mut results = Vec::with_capacity(req.orders.len());
    for r in &req.orders {
        let submitted = new_order(&state, &account, r)
            .map_err(|_| "invalid order".to_string())
            .and_then(|o| state.mutate(|ex| ex.submit(o)).map_err(|e| e.to_string()));
        let result = match submitted {
            Ok(id) => match state.exchange().orders.get(&id).cloned() {
                Some(o) => w::BatchOrderResult {
                    order: Some(wire_order(&state, &o)),
                    error: None,
                },
                None => w::BatchOrderResult {
                    order: None,
                    error: Some(w::ApiErrorBody {
                        code: "not_found".into(),
                        message: "order vanished".into(),
                        details: None,
                    }),
                },
            },
            Err(message) => w::BatchOrderResult {
                order: None,
                error: Some(w::ApiErrorBody {
                    code: if message == RejectReason::MarketNotOpen.to_string() {
                        "market_closed"
                    } else {
                        "invalid_order"
                    }
                    .into(),
                    message,
                    details: None,
                }),
            },
        };
        results.push(result);
    }
    (
        StatusCode::CREATED,
        Json(w::BatchCreateOrdersResponse { orders: results }),
    )
        .into_response()
}

pub(super) async fn get_order(
    State(state): Shared,
    Path(order_id): Path<String>,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let o = parse_order_uuid(&order_id)
        .and_then(|id| state.exchange().orders.get(&id).cloned())
        .filter(|o| o.order.account == account);
    match o {
        Some(o) => Json(w::OrderResponse {
            order: wire_order(&state, &o),
        })
        .into_response(),
        None => not_found("order"),
    }
}

pub(super) async fn list_orders(
    State(state): Shared,
    Query(q): Query<BTreeMap<String, String>>,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let ticker = q.get("ticker");
    let status = q.get("status");
    let orders: Vec<SimOrder> = state.exchange().orders_of(&account).cloned().collect();
    let list = orders
        .iter()
        .map(|o| wire_order(&state, o))
        .filter(|o| ticker.is_none_or(|t| *t == o.ticker) && status.is_none_or(|s| *s == o.status))
        .collect();
    Json(w::OrdersResponse {
        orders: list,
        cursor: String::new(),
    })
    .into_response()
}

pub(super) async fn cancel_order(
    State(state): Shared,
    Path(order_id): Path<String>,
    KalshiAccount(account): KalshiAccount,
) -> Response {
    let Some(id) = parse_order_uuid(&order_id) else {
        return not_found("order");
    };
    let result = state.mutate(|ex| ex.cancel(&account, id).map(|o| (o.clone(), o.remaining())));
    match result {
        Ok((o, reduced)) => Json(w::CancelOrderResponse {
            order: wire_order(&state, &o),
            reduced_by_fp: count(reduced),
            reduced_by: reduced.0 / Qty::SCALE,
        })
        .into_response(),
        Err(CancelError::NotFound) => not_found("order"),
        Err(CancelError::NotResting) => error(
            StatusCode::BAD_REQUEST,
            "order_not_resting",
            "order is not resting",
        ),
    }
}
