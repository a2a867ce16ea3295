//! Kalshi messages to events: the YES book (NO bids at q become YES asks at 1 − q),
//! per-subscription sequence checking, and trades.
//!
//! Levels are kept in the order Kalshi sends them (the engine's book does not depend
//! on order); NO levels are converted one by one, so Kalshi's ascending NO bids become
//! YES asks in descending price.

use super::wire::{self, Count};
use crate::core::{MarketId, Price, Venue};
use crate::event::{
    BookDelta, BookSide, BookSnapshot, Event, FeeModel, FeedState, FeedStatus, Level, LevelChange,
    MarketMeta, NoLeg, Trade,
};
use crate::venues::{
    MapError, Mapped, MarketInterner, Sign, parse_cents, parse_price, parse_qty, whole_qty,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// Message types Kalshi documents that carry no public market data the engine uses
/// (tickers, the user's own orders and fills, lifecycle, command responses).
pub const UNSUPPORTED_TYPES: &[&str] = &[
    "ticker",
    "ticker_v2",
    "fill",
    "user_order",
    "market_position",
    "market_lifecycle_v2",
    "event_lifecycle",
    "multivariate_lookup",
    "order_group_updates",
    "subscribed",
    "unsubscribed",
    "ok",
    "error",
];

/// Sequence state per subscription (`sid`). Sequence numbers count all messages of a
/// subscription, across its markets.
#[derive(Clone, Debug, Default)]
pub struct KalshiState {
    sids: BTreeMap<u64, SidState>,
}

#[derive(Clone, Copy, Debug)]
struct SidState {
    last_seq: u64,
    /// The subscription has carried order book messages, so a gap in it is a book gap.
    book: bool,
}

impl KalshiState {
    pub fn new() -> KalshiState {
        KalshiState::default()
    }

    /// The last sequence number seen on a subscription.
    pub fn last_seq(&self, sid: u64) -> Option<u64> {
        self.sids.get(&sid).map(|s| s.last_seq)
    }
}

/// Metadata for a newly seen ticker: `FED-23DEC-T3.00` is in event `FED-23DEC` of
/// series `FED`. Standard fees (multiplier 1.0) and a one-cent tick until the REST
/// metadata says otherwise.
pub fn default_meta(id: MarketId, ticker: &str) -> MarketMeta {
    let event_id = ticker.rsplit_once('-').map_or(ticker, |(e, _)| e);
    let series_id = ticker.split_once('-').map_or(ticker, |(s, _)| s);
    MarketMeta {
        id,
        venue: Venue::Kalshi,
        venue_id: ticker.to_string(),
        title: ticker.to_string(),
        event_id: event_id.to_string(),
        series_id: series_id.to_string(),
        close_ts: None,
        no_leg: NoLeg::SameBook,
        fees: FeeModel::Kalshi {
            multiplier_bp: 10_000,
        },
        tick: Price(100),
    }
}

fn intern(interner: &mut MarketInterner, ticker: &str, out: &mut Vec<Event>) -> MarketId {
    interner.intern(Venue::Kalshi, ticker, |id| default_meta(id, ticker), out)
}

fn gap() -> Event {
    Event::Feed(FeedStatus {
        venue: Venue::Kalshi,
        state: FeedState::Gap,
    })
}

/// The message time: `msg.ts_ms`, else `msg.ts` when it is epoch seconds.
fn message_time_ms(msg: &Value) -> Option<i64> {
    let body = msg.get("msg")?;
    if let Some(ms) = body.get("ts_ms").and_then(Value::as_i64) {
        return Some(ms);
    }
    body.get("ts")
        .and_then(Value::as_i64)
        .and_then(|s| s.checked_mul(1000))
}

/// Maps one Kalshi message (a JSON object). Order book messages go through sequence
/// checking per `sid`: a `Feed` gap is emitted before a book message whose `seq` is not
/// the subscription's last + 1 (a delta on a subscription never seen before counts as a
/// gap: its book has no baseline), and in place of a book message that cannot be
/// mapped (the book would be wrong without it). A snapshot resets its subscription's
/// sequence. Other messages that carry a `seq` advance it too (Kalshi numbers its `ok`
/// responses in the subscription's sequence).
pub fn map_message(msg: Value, interner: &mut MarketInterner, state: &mut KalshiState) -> Mapped {
    let ts_ms = message_time_ms(&msg);
    let Some(kind) = msg.get("type").and_then(Value::as_str).map(str::to_string) else {
        return Mapped {
            ts_ms,
            skipped: Some(MapError::MissingType { field: "type" }),
            ..Mapped::default()
        };
    };
    let sid = msg.get("sid").and_then(Value::as_u64);
    let seq = msg.get("seq").and_then(Value::as_u64);
    let is_book = matches!(kind.as_str(), "orderbook_snapshot" | "orderbook_delta");

    let result = match kind.as_str() {
        "orderbook_snapshot" => serde_json::from_value::<wire::OrderbookSnapshot>(msg)
            .map_err(|e| MapError::malformed(&kind, e))
            .and_then(|m| map_snapshot(&m, interner)),
        "orderbook_delta" => serde_json::from_value::<wire::OrderbookDelta>(msg)
            .map_err(|e| MapError::malformed(&kind, e))
            .and_then(|m| map_delta(&m, interner)),
        "trade" => serde_json::from_value::<wire::Trade>(msg)
            .map_err(|e| MapError::malformed(&kind, e))
            .and_then(|m| map_trade(&m, interner)),
        t if UNSUPPORTED_TYPES.contains(&t) => Err(MapError::Unsupported(kind.clone())),
        _ => Err(MapError::UnknownType(kind.clone())),
    };
    let mut mapped = Mapped::from_result(result, ts_ms);

    // Sequence checking.
    let mut gap_warning = None;
    if let (Some(sid), Some(seq)) = (sid, seq) {
        let known = state.sids.get(&sid).copied();
        let jumped = known.is_some_and(|s| seq != s.last_seq.wrapping_add(1));
        // A command's answer (`ok`) repeats the sequence number the subscription is at:
        // only a number past the next one is a gap there.
        let skipped_ahead = known.is_some_and(|s| seq > s.last_seq.wrapping_add(1));
        let book_gap = if is_book {
            jumped || (known.is_none() && kind == "orderbook_delta")
        } else {
            skipped_ahead && known.is_some_and(|s| s.book)
        };
        if book_gap {
            gap_warning = Some("sequence_gap");
        }
        if is_book || known.is_none_or(|s| seq > s.last_seq) {
            state.sids.insert(
                sid,
                SidState {
                    last_seq: seq,
                    book: is_book || known.is_some_and(|s| s.book),
                },
            );
        }
    }
    if is_book && mapped.skipped.is_some() {
        gap_warning = Some("book_message_lost");
    }
    if let Some(w) = gap_warning {
        mapped.events.insert(0, gap());
        mapped.warnings.push(w);
    }
    mapped
}

/// One side's levels, from whichever spelling the message uses (fixed-point first).
fn side_levels(
    side: &str,
    fp: &Option<Vec<(String, String)>>,
    dollars: &Option<Vec<(String, Count)>>,
    cents: &Option<Vec<(i64, i64)>>,
) -> Result<Vec<(Price, crate::core::Qty)>, MapError> {
    if let Some(levels) = fp {
        let name = format!("{side}_dollars_fp");
        return levels
            .iter()
            .enumerate()
            .map(|(i, (p, q))| {
                Ok((
                    parse_price(|| format!("msg.{name}[{i}][0]"), p)?,
                    parse_qty(|| format!("msg.{name}[{i}][1]"), q, Sign::NonNegative)?,
                ))
            })
            .collect();
    }
    if let Some(levels) = dollars {
        let name = format!("{side}_dollars");
        return levels
            .iter()
            .enumerate()
            .map(|(i, (p, q))| {
                let field = || format!("msg.{name}[{i}][1]");
                let qty = match q {
                    Count::Text(t) => parse_qty(field, t, Sign::NonNegative)?,
                    Count::Whole(n) => whole_qty(field, *n, Sign::NonNegative)?,
                };
                Ok((parse_price(|| format!("msg.{name}[{i}][0]"), p)?, qty))
            })
            .collect();
    }
    if let Some(levels) = cents {
        return levels
            .iter()
            .enumerate()
            .map(|(i, &(p, q))| {
                Ok((
                    parse_cents(|| format!("msg.{side}[{i}][0]"), p)?,
                    whole_qty(|| format!("msg.{side}[{i}][1]"), q, Sign::NonNegative)?,
                ))
            })
            .collect();
    }
    Ok(Vec::new())
}

/// `orderbook_snapshot` -> (the market's definition if new) + `BookSnapshot`: YES bids
/// at p are bids at p, NO bids at q are asks at 1 − q.
pub fn map_snapshot(
    m: &wire::OrderbookSnapshot,
    interner: &mut MarketInterner,
) -> Result<Vec<Event>, MapError> {
    let msg = &m.msg;
    let yes = side_levels("yes", &msg.yes_dollars_fp, &msg.yes_dollars, &msg.yes)?;
    let no = side_levels("no", &msg.no_dollars_fp, &msg.no_dollars, &msg.no)?;
    let mut out = Vec::with_capacity(2);
    let market = intern(interner, &msg.market_ticker, &mut out);
    out.push(Event::BookSnapshot(BookSnapshot {
        market,
        venue_seq: m.seq.unwrap_or(0),
        bids: yes
            .into_iter()
            .map(|(price, qty)| Level { price, qty })
            .collect(),
        asks: no
            .into_iter()
            .map(|(q, qty)| Level {
                price: q.complement(),
                qty,
            })
            .collect(),
    }));
    Ok(out)
}

/// `orderbook_delta` -> (definition if new) + `BookDelta` with `LevelChange::Add`:
/// side `yes` changes the bid at p, `no` the ask at 1 − p.
pub fn map_delta(
    m: &wire::OrderbookDelta,
    interner: &mut MarketInterner,
) -> Result<Vec<Event>, MapError> {
    let msg = &m.msg;
    let price = match (&msg.price_dollars, msg.price) {
        (Some(p), _) => parse_price(|| "msg.price_dollars".into(), p)?,
        (None, Some(c)) => parse_cents(|| "msg.price".into(), c)?,
        (None, None) => return Err(MapError::malformed(&m.kind, "no price_dollars or price")),
    };
    let delta = match (&msg.delta_fp, msg.delta) {
        (Some(d), _) => parse_qty(|| "msg.delta_fp".into(), d, Sign::Any)?,
        (None, Some(n)) => whole_qty(|| "msg.delta".into(), n, Sign::Any)?,
        (None, None) => return Err(MapError::malformed(&m.kind, "no delta_fp or delta")),
    };
    let (side, price) = match msg.side.as_str() {
        "yes" => (BookSide::Bid, price),
        "no" => (BookSide::Ask, price.complement()),
        other => {
            return Err(MapError::BadSide {
                field: "msg.side".into(),
                value: other.to_string(),
            });
        }
    };
    let mut out = Vec::with_capacity(2);
    let market = intern(interner, &msg.market_ticker, &mut out);
    out.push(Event::BookDelta(BookDelta {
        market,
        venue_seq: m.seq.unwrap_or(0),
        side,
        price,
        change: LevelChange::Add(delta),
    }));
    Ok(out)
}

/// The taker's side of the YES book. A taker who bought YES placed a bid (it lifted
/// asks); one who bought NO sold YES, an ask (it hit bids). `taker_side` names the
/// outcome bought; `taker_book_side` (newer messages) names the book side directly.
pub fn taker_book_side(msg: &wire::TradeMsg) -> Result<Option<BookSide>, MapError> {
    if let Some(s) = &msg.taker_side {
        return match s.as_str() {
            "yes" => Ok(Some(BookSide::Bid)),
            "no" => Ok(Some(BookSide::Ask)),
            other => Err(MapError::BadSide {
                field: "msg.taker_side".into(),
                value: other.to_string(),
            }),
        };
    }
    match msg.taker_book_side.as_deref() {
        None => Ok(None),
        Some("bid") => Ok(Some(BookSide::Bid)),
        Some("ask") => Ok(Some(BookSide::Ask)),
        Some(other) => Err(MapError::BadSide {
            field: "msg.taker_book_side".into(),
            value: other.to_string(),
        }),
    }
}

/// `trade` -> (definition if new) + `Trade` at the YES price (from `no_price*` as
/// 1 − p when only that is given).
pub fn map_trade(m: &wire::Trade, interner: &mut MarketInterner) -> Result<Vec<Event>, MapError> {
    let msg = &m.msg;
    let price = if let Some(p) = &msg.yes_price_dollars {
        parse_price(|| "msg.yes_price_dollars".into(), p)?
    } else if let Some(c) = msg.yes_price {
        parse_cents(|| "msg.yes_price".into(), c)?
    } else if let Some(p) = &msg.no_price_dollars {
        parse_price(|| "msg.no_price_dollars".into(), p)?.complement()
    } else if let Some(c) = msg.no_price {
        parse_cents(|| "msg.no_price".into(), c)?.complement()
    } else {
        return Err(MapError::malformed(
            &m.kind,
            "no yes_price_dollars, yes_price or no price",
        ));
    };
    let qty = match (&msg.count_fp, msg.count) {
        (Some(q), _) => parse_qty(|| "msg.count_fp".into(), q, Sign::NonNegative)?,
        (None, Some(n)) => whole_qty(|| "msg.count".into(), n, Sign::NonNegative)?,
        (None, None) => return Err(MapError::malformed(&m.kind, "no count_fp or count")),
    };
    let taker_side = taker_book_side(msg)?;
    let mut out = Vec::with_capacity(2);
    let market = intern(interner, &msg.market_ticker, &mut out);
    out.push(Event::Trade(Trade {
        market,
        price,
        qty,
        taker_side,
    }));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Qty;
    use serde_json::json;

    /// A command's `ok` answer repeats the subscription's sequence number (as the
    /// venue's documented example does): not a gap; a number past the next one is.
    #[test]
    fn an_ok_answer_repeating_the_sequence_is_not_a_gap() {
        let mut interner = MarketInterner::new();
        let mut state = KalshiState::default();
        let snap = json!({"type": "orderbook_snapshot", "sid": 1, "seq": 5,
            "msg": {"market_ticker": "T", "yes_dollars_fp": [["0.40", "10.00"]], "no_dollars_fp": []}});
        assert!(
            map_message(snap, &mut interner, &mut state)
                .warnings
                .is_empty()
        );
        let ok =
            json!({"id": 3, "sid": 1, "seq": 5, "type": "ok", "msg": {"market_tickers": ["T"]}});
        assert!(
            map_message(ok, &mut interner, &mut state)
                .warnings
                .is_empty()
        );
        let delta = json!({"type": "orderbook_delta", "sid": 1, "seq": 6,
            "msg": {"market_ticker": "T", "price_dollars": "0.40", "delta_fp": "1.00", "side": "yes"}});
        assert!(
            map_message(delta, &mut interner, &mut state)
                .warnings
                .is_empty()
        );
        let ahead = json!({"id": 4, "sid": 1, "seq": 9, "type": "ok", "msg": {}});
        assert_eq!(
            map_message(ahead, &mut interner, &mut state).warnings,
            ["sequence_gap"]
        );
    }

    fn lvl(p: u16, q: i64) -> Level {
        Level {
            price: Price(p),
            qty: Qty(q * 1_000_000),
        }
    }

    fn meta(id: u32, ticker: &str) -> Event {
        Event::MarketDefined(default_meta(MarketId(id), ticker))
    }

    #[test]
    fn tickers_split_into_event_and_series() {
        let m = default_meta(MarketId(3), "FED-23DEC-T3.00");
        assert_eq!(
            (m.event_id.as_str(), m.series_id.as_str()),
            ("FED-23DEC", "FED")
        );
        assert_eq!(m.no_leg, NoLeg::SameBook);
        assert_eq!(
            m.fees,
            FeeModel::Kalshi {
                multiplier_bp: 10_000
            }
        );
        assert_eq!(m.tick, Price(100));
        let bare = default_meta(MarketId(0), "NODASH");
        assert_eq!(
            (bare.event_id.as_str(), bare.series_id.as_str()),
            ("NODASH", "NODASH")
        );
    }

    #[test]
    fn snapshot_turns_no_bids_into_yes_asks_and_legacy_cents_match() {
        let fp = json!({"type": "orderbook_snapshot", "sid": 2, "seq": 2, "msg": {
            "market_ticker": "FED-23DEC-T3.00",
            "yes_dollars_fp": [["0.0800", "300.00"], ["0.2200", "333.00"]],
            "no_dollars_fp": [["0.5400", "20.00"], ["0.5600", "146.00"]]}});
        let cents = json!({"type": "orderbook_snapshot", "sid": 2, "seq": 2, "msg": {
            "market_ticker": "FED-23DEC-T3.00",
            "yes": [[8, 300], [22, 333]], "no": [[54, 20], [56, 146]]}});
        let want = vec![
            meta(0, "FED-23DEC-T3.00"),
            Event::BookSnapshot(BookSnapshot {
                market: MarketId(0),
                venue_seq: 2,
                bids: vec![lvl(800, 300), lvl(2200, 333)],
                asks: vec![lvl(4600, 20), lvl(4400, 146)],
            }),
        ];
        for msg in [fp, cents] {
            let mut interner = MarketInterner::new();
            let mapped = map_message(msg, &mut interner, &mut KalshiState::new());
            assert_eq!(mapped.skipped, None);
            assert_eq!(mapped.events, want);
        }
    }

    #[test]
    fn delta_sides_and_spellings() {
        let mut interner = MarketInterner::new();
        let mut state = KalshiState::new();
        let snap = json!({"type": "orderbook_snapshot", "sid": 2, "seq": 2, "msg": {"market_ticker": "M-1"}});
        assert!(
            map_message(snap, &mut interner, &mut state)
                .skipped
                .is_none()
        );
        let yes = json!({"type": "orderbook_delta", "sid": 2, "seq": 3, "msg": {
            "market_ticker": "M-1", "price_dollars": "0.9600", "delta_fp": "-54.00", "side": "yes", "ts_ms": 5}});
        let no = json!({"type": "orderbook_delta", "sid": 2, "seq": 4, "msg": {
            "market_ticker": "M-1", "price": 30, "delta": 7, "side": "no"}});
        let a = map_message(yes, &mut interner, &mut state);
        assert_eq!(a.ts_ms, Some(5));
        assert_eq!(
            a.events,
            vec![Event::BookDelta(BookDelta {
                market: MarketId(0),
                venue_seq: 3,
                side: BookSide::Bid,
                price: Price(9600),
                change: LevelChange::Add(Qty(-54_000_000)),
            })]
        );
        let b = map_message(no, &mut interner, &mut state);
        assert_eq!(
            b.events,
            vec![Event::BookDelta(BookDelta {
                market: MarketId(0),
                venue_seq: 4,
                side: BookSide::Ask,
                price: Price(7000),
                change: LevelChange::Add(Qty(7_000_000)),
            })]
        );
    }

    #[test]
    fn sequence_gaps_per_subscription() {
        let mut interner = MarketInterner::new();
        let mut state = KalshiState::new();
        let delta = |sid: u64, seq: u64, t: &str| {
            json!({"type": "orderbook_delta", "sid": sid, "seq": seq,
                   "msg": {"market_ticker": t, "price_dollars": "0.5", "delta_fp": "1", "side": "yes"}})
        };
        let snap = |sid: u64, seq: u64, t: &str| json!({"type": "orderbook_snapshot", "sid": sid, "seq": seq, "msg": {"market_ticker": t}});
        let gaps = |m: &Mapped| {
            m.events
                .iter()
                .filter(|e| matches!(e, Event::Feed(_)))
                .count()
        };
        let mut run = |v: Value| map_message(v, &mut interner, &mut state);
        assert_eq!(gaps(&run(snap(1, 1, "A-1"))), 0);
        assert_eq!(gaps(&run(snap(1, 2, "B-1"))), 0);
        // Markets of one sid share its sequence.
        assert_eq!(gaps(&run(delta(1, 3, "A-1"))), 0);
        assert_eq!(gaps(&run(delta(1, 4, "B-1"))), 0);
        let g = run(delta(1, 6, "A-1"));
        assert_eq!(g.events[0], gap());
        assert_eq!(g.warnings, vec!["sequence_gap"]);
        assert_eq!(gaps(&run(delta(1, 7, "A-1"))), 0);
        // A delta on a subscription never seen has no baseline.
        assert_eq!(gaps(&run(delta(9, 50, "A-1"))), 1);
        // A snapshot resets its sid; one that skips ahead still reports the gap (the
        // missing message may have been another market's delta).
        assert_eq!(gaps(&run(snap(9, 60, "A-1"))), 1);
        assert_eq!(gaps(&run(delta(9, 61, "A-1"))), 0);
        assert_eq!(gaps(&run(snap(5, 100, "C-1"))), 0);
        // An `ok` response takes a number in the sequence without a gap.
        let ok = json!({"id": 123, "sid": 9, "seq": 62, "type": "ok", "msg": {"market_tickers": ["A-1"]}});
        let okm = run(ok);
        assert_eq!(okm.skipped, Some(MapError::Unsupported("ok".into())));
        assert!(okm.events.is_empty());
        assert_eq!(gaps(&run(delta(9, 63, "A-1"))), 0);
        assert_eq!(state.last_seq(9), Some(63));
    }

    #[test]
    fn a_book_message_that_cannot_be_mapped_is_a_gap_and_defines_nothing() {
        let mut interner = MarketInterner::new();
        let mut state = KalshiState::new();
        let snap = json!({"type": "orderbook_snapshot", "sid": 1, "seq": 1, "msg": {"market_ticker": "A-1"}});
        map_message(snap, &mut interner, &mut state);
        let bad = json!({"type": "orderbook_delta", "sid": 1, "seq": 2,
            "msg": {"market_ticker": "NEW-1", "price_dollars": "1.5", "delta_fp": "1", "side": "yes"}});
        let m = map_message(bad, &mut interner, &mut state);
        assert!(matches!(m.skipped, Some(MapError::BadPrice { .. })));
        assert_eq!(m.events, vec![gap()]);
        assert_eq!(m.warnings, vec!["book_message_lost"]);
        assert_eq!(
            interner.len(),
            1,
            "the failed message's market was not interned"
        );
    }

    #[test]
    fn trades_take_the_yes_price_and_the_takers_book_side() {
        let mut interner = MarketInterner::new();
        let t = |extra: Value| {
            let mut msg = json!({"market_ticker": "HIGHNY-22DEC23-B53.5", "ts": 1669149841});
            for (k, v) in extra.as_object().into_iter().flatten() {
                msg[k] = v.clone();
            }
            json!({"type": "trade", "sid": 11, "msg": msg})
        };
        let trade = |m: &Mapped| match m.events.last() {
            Some(Event::Trade(t)) => *t,
            other => panic!("not a trade: {other:?} ({:?})", m.skipped),
        };
        let mut state = KalshiState::new();
        let a = map_message(
            t(json!({"yes_price_dollars": "0.3600", "count_fp": "136.00", "taker_side": "no"})),
            &mut interner,
            &mut state,
        );
        assert_eq!(a.ts_ms, Some(1_669_149_841_000));
        assert_eq!(
            trade(&a),
            Trade {
                market: MarketId(0),
                price: Price(3600),
                qty: Qty(136_000_000),
                taker_side: Some(BookSide::Ask)
            }
        );
        let b = map_message(
            t(json!({"yes_price": 36, "count": 136, "taker_side": "yes"})),
            &mut interner,
            &mut state,
        );
        assert_eq!(trade(&b).taker_side, Some(BookSide::Bid));
        assert_eq!(
            (trade(&b).price, trade(&b).qty),
            (Price(3600), Qty(136_000_000))
        );
        let c = map_message(
            t(json!({"no_price_dollars": "0.6400", "count_fp": "1"})),
            &mut interner,
            &mut state,
        );
        assert_eq!((trade(&c).price, trade(&c).taker_side), (Price(3600), None));
        let d = map_message(
            t(json!({"yes_price": 36, "count": 1, "taker_book_side": "bid"})),
            &mut interner,
            &mut state,
        );
        assert_eq!(trade(&d).taker_side, Some(BookSide::Bid));
        let e = map_message(
            t(json!({"yes_price": 36, "count": 1, "taker_side": "up"})),
            &mut interner,
            &mut state,
        );
        assert!(matches!(e.skipped, Some(MapError::BadSide { .. })));
        assert!(e.events.is_empty(), "trades are not book messages: no gap");
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let mut interner = MarketInterner::new();
        let mut state = KalshiState::new();
        let mut reason = |msg: Value| {
            map_message(msg, &mut interner, &mut state)
                .skipped
                .map(|e| e.reason())
        };
        let delta = |price: Value, delta: Value| json!({"type": "orderbook_delta", "msg": {"market_ticker": "A-1", "price_dollars": price, "delta_fp": delta, "side": "yes"}});
        assert_eq!(
            reason(delta(json!("-0.10"), json!("1"))).as_deref(),
            Some("bad_price")
        );
        assert_eq!(
            reason(delta(json!("1.01"), json!("1"))).as_deref(),
            Some("bad_price")
        );
        assert_eq!(
            reason(delta(json!("0.5"), json!("lots"))).as_deref(),
            Some("bad_quantity")
        );
        assert_eq!(
            reason(delta(json!(0.5), json!("1"))).as_deref(),
            Some("malformed_message:orderbook_delta")
        );
        let legacy = json!({"type": "orderbook_snapshot", "msg": {"market_ticker": "A-1", "yes": [[101, 5]]}});
        assert_eq!(reason(legacy).as_deref(), Some("bad_price"));
        let negative = json!({"type": "orderbook_snapshot", "msg": {"market_ticker": "A-1", "no_dollars_fp": [["0.5", "-3"]]}});
        assert_eq!(reason(negative).as_deref(), Some("bad_quantity"));
        assert_eq!(
            reason(json!({"type": "ticker", "msg": {}})).as_deref(),
            Some("unsupported:ticker")
        );
        assert_eq!(
            reason(json!({"type": "weird"})).as_deref(),
            Some("unknown_message_type:weird")
        );
        assert_eq!(
            reason(json!({"msg": {}})).as_deref(),
            Some("missing_message_type")
        );
        assert_eq!(
            reason(json!([1, 2])).as_deref(),
            Some("missing_message_type")
        );
    }

    #[test]
    fn transitional_dollar_snapshot_with_whole_counts() {
        let mut interner = MarketInterner::new();
        let msg = json!({"type": "orderbook_snapshot", "msg": {"market_ticker": "A-1",
            "yes_dollars": [["0.0800", 300]], "no_dollars": [["0.5600", "146.00"]]}});
        let m = map_message(msg, &mut interner, &mut KalshiState::new());
        assert_eq!(
            m.events[1],
            Event::BookSnapshot(BookSnapshot {
                market: MarketId(0),
                venue_seq: 0,
                bids: vec![lvl(800, 300)],
                asks: vec![lvl(4400, 146)],
            })
        );
    }
}
