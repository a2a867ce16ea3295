//! Polymarket messages to events: each token is a market of its own (the book of its
//! YES outcome), linked to its complement token once both tokens of a condition are
//! seen; book snapshots, level totals, trades and tick size changes.
//!
//! Levels are kept in the order Polymarket sends them (the engine's book does not
//! depend on order). Polymarket has no sequence numbers: `venue_seq` is 0.

use super::wire;
use crate::core::{MarketId, Price, Venue};
use crate::event::{
    BookBatch, BookDelta, BookSide, BookSnapshot, Event, FeeModel, Level, LevelChange, MarketMeta,
    NoLeg, Trade,
};
use crate::venues::{MapError, Mapped, MarketInterner, Sign, parse_price, parse_qty};
use serde_json::Value;
use std::collections::BTreeMap;

/// Market-channel and user-channel message types that carry nothing the engine takes
/// from a recording (top-of-book summaries, lifecycle, the user's own orders/trades).
pub const UNSUPPORTED_TYPES: &[&str] = &[
    "best_bid_ask",
    "new_market",
    "market_resolved",
    "order",
    "trade",
];

/// Conservative default until Gamma metadata gives the market's real fee schedule.
pub const DEFAULT_FEES: FeeModel = FeeModel::Polymarket {
    rate_ppm: 40_000,
    exponent: 1,
    taker_only: true,
};

/// Default tick ($0.001) when a message does not say.
pub const DEFAULT_TICK: Price = Price(10);

/// The tokens seen per condition id, to link complements.
#[derive(Clone, Debug, Default)]
pub struct PolymarketState {
    by_condition: BTreeMap<String, Vec<MarketId>>,
}

impl PolymarketState {
    pub fn new() -> PolymarketState {
        PolymarketState::default()
    }

    /// Rebuilds the condition index from the markets an interner already knows (their
    /// `event_id` is the condition id), so a continued import links new tokens to known
    /// ones.
    pub fn from_interner(interner: &MarketInterner) -> PolymarketState {
        let mut state = PolymarketState::new();
        for m in interner
            .metas()
            .iter()
            .filter(|m| m.venue == Venue::Polymarket && !m.event_id.is_empty())
        {
            state
                .by_condition
                .entry(m.event_id.clone())
                .or_default()
                .push(m.id);
        }
        state
    }

    /// A token defined after the start (its condition's siblings follow it).
    pub fn add_market(&mut self, meta: &crate::event::MarketMeta) {
        if meta.venue == Venue::Polymarket && !meta.event_id.is_empty() {
            let tokens = self.by_condition.entry(meta.event_id.clone()).or_default();
            if !tokens.contains(&meta.id) {
                tokens.push(meta.id);
            }
        }
    }

    /// The tokens of a condition, in first-seen order.
    pub fn tokens(&self, condition: &str) -> &[MarketId] {
        self.by_condition.get(condition).map_or(&[], Vec::as_slice)
    }
}

/// Metadata for a newly seen token: `event_id` is its condition id; the title is the
/// token id (Gamma metadata supplies real titles later); `series_id` (the event slug)
/// is unknown here and left empty.
pub fn default_meta(
    id: MarketId,
    asset_id: &str,
    condition: &str,
    no_leg: NoLeg,
    tick: Price,
) -> MarketMeta {
    MarketMeta {
        id,
        venue: Venue::Polymarket,
        venue_id: asset_id.to_string(),
        title: asset_id.to_string(),
        event_id: condition.to_string(),
        series_id: String::new(),
        close_ts: None,
        no_leg,
        fees: DEFAULT_FEES,
        tick,
    }
}

/// The id of a token, defining it if new. A condition's second token is defined with
/// `NoLeg::Complement(first)` and the first is re-defined with `Complement(second)`.
/// A third token of one condition (not a binary market) stays `NoLeg::Unknown`.
fn intern_token(
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
    asset_id: &str,
    condition: &str,
    tick: Option<Price>,
    out: &mut Vec<Event>,
) -> Result<MarketId, MapError> {
    if let Some(id) = interner.get(Venue::Polymarket, asset_id) {
        return Ok(id);
    }
    let siblings: Vec<MarketId> = if condition.is_empty() {
        Vec::new()
    } else {
        state.tokens(condition).to_vec()
    };
    let complement = match siblings.as_slice() {
        [only] => Some(*only),
        _ => None,
    };
    let no_leg = complement.map_or(NoLeg::Unknown, NoLeg::Complement);
    let id = interner.intern(
        Venue::Polymarket,
        asset_id,
        |id| {
            default_meta(
                id,
                asset_id,
                condition,
                no_leg,
                tick.unwrap_or(DEFAULT_TICK),
            )
        },
        out,
    );
    if !condition.is_empty() {
        state
            .by_condition
            .entry(condition.to_string())
            .or_default()
            .push(id);
    }
    if let Some(other) = complement
        && let Some(meta) = interner.meta(other)
    {
        let mut meta = meta.clone();
        meta.no_leg = NoLeg::Complement(id);
        meta.event_id = condition.to_string();
        interner.redefine(meta, out)?;
    }
    Ok(id)
}

/// Re-defines a known market whose tick differs from `tick`.
fn update_tick(
    interner: &mut MarketInterner,
    id: MarketId,
    tick: Price,
    out: &mut Vec<Event>,
) -> Result<(), MapError> {
    if let Some(meta) = interner.meta(id)
        && meta.tick != tick
    {
        let mut meta = meta.clone();
        meta.tick = tick;
        interner.redefine(meta, out)?;
    }
    Ok(())
}

fn parse_tick(field: &str, text: &str) -> Result<Price, MapError> {
    let bad = |reason: String| MapError::BadTickSize {
        field: field.to_string(),
        reason,
    };
    match Price::from_decimal(text) {
        Ok(Price(0)) => Err(bad(format!("{text:?} is zero"))),
        Ok(p) => Ok(p),
        Err(e) => Err(bad(e.to_string())),
    }
}

fn parse_side(field: impl FnOnce() -> String, side: &str) -> Result<BookSide, MapError> {
    if side.eq_ignore_ascii_case("BUY") {
        Ok(BookSide::Bid)
    } else if side.eq_ignore_ascii_case("SELL") {
        Ok(BookSide::Ask)
    } else {
        Err(MapError::BadSide {
            field: field(),
            value: side.to_string(),
        })
    }
}

fn parse_levels(name: &str, levels: &[wire::OrderSummary]) -> Result<Vec<Level>, MapError> {
    levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(Level {
                price: parse_price(|| format!("{name}[{i}].price"), &l.price)?,
                qty: parse_qty(|| format!("{name}[{i}].size"), &l.size, Sign::NonNegative)?,
            })
        })
        .collect()
}

/// The message time: `timestamp`, a string of epoch milliseconds (a number is
/// accepted too).
fn message_time_ms(msg: &Value) -> Result<Option<i64>, MapError> {
    match msg.get("timestamp") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| MapError::BadTimestamp {
            field: "timestamp".into(),
            value: n.to_string(),
        }),
        Some(Value::String(s)) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| MapError::BadTimestamp {
                field: "timestamp".into(),
                value: s.clone(),
            }),
        Some(other) => Err(MapError::BadTimestamp {
            field: "timestamp".into(),
            value: other.to_string(),
        }),
    }
}

/// Maps one Polymarket message (a JSON object; the importer splits arrays). A message
/// with no `event_type` but `asset_id` and book sides is a book (captured and REST
/// books).
pub fn map_message(
    msg: Value,
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
) -> Mapped {
    let kind = match msg.get("event_type").and_then(Value::as_str) {
        Some(k) => k.to_string(),
        None if msg.get("asset_id").is_some()
            && ["bids", "asks", "buys", "sells"]
                .iter()
                .any(|k| msg.get(k).is_some()) =>
        {
            "book".to_string()
        }
        None => {
            return Mapped::from_result(
                Err(MapError::MissingType {
                    field: "event_type",
                }),
                None,
            );
        }
    };
    let supported = matches!(
        kind.as_str(),
        "book" | "price_change" | "last_trade_price" | "tick_size_change"
    );
    if !supported {
        let e = if UNSUPPORTED_TYPES.contains(&kind.as_str()) {
            MapError::Unsupported(kind)
        } else {
            MapError::UnknownType(kind)
        };
        return Mapped::from_result(Err(e), None);
    }
    let ts_ms = match message_time_ms(&msg) {
        Ok(ts) => ts,
        Err(e) => return Mapped::from_result(Err(e), None),
    };
    let malformed = |e: serde_json::Error| MapError::malformed(&kind, e);
    let result = match kind.as_str() {
        "book" => serde_json::from_value(msg)
            .map_err(malformed)
            .and_then(|m| map_book(&m, interner, state)),
        "price_change" if msg.get("price_changes").is_none() && msg.get("changes").is_some() => {
            serde_json::from_value(msg)
                .map_err(malformed)
                .and_then(|m| map_price_change_legacy(&m, interner, state))
        }
        "price_change" => serde_json::from_value(msg)
            .map_err(malformed)
            .and_then(|m| map_price_change(&m, interner, state)),
        "last_trade_price" => serde_json::from_value(msg)
            .map_err(malformed)
            .and_then(|m| map_last_trade_price(&m, interner, state)),
        _ => serde_json::from_value(msg)
            .map_err(malformed)
            .and_then(|m| map_tick_size_change(&m, interner, state)),
    };
    Mapped::from_result(result, ts_ms)
}

/// `book` -> (definitions) + `BookSnapshot`. A `tick_size` in the book sets the tick of
/// a new token, and re-defines a known one whose tick differs.
pub fn map_book(
    b: &wire::Book,
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
) -> Result<Vec<Event>, MapError> {
    let bids = parse_levels("bids", &b.bids)?;
    let asks = parse_levels("asks", &b.asks)?;
    let tick = b
        .tick_size
        .as_deref()
        .map(|t| parse_tick("tick_size", t))
        .transpose()?;
    let mut out = Vec::with_capacity(2);
    let known = interner.get(Venue::Polymarket, &b.asset_id).is_some();
    let market = intern_token(interner, state, &b.asset_id, &b.market, tick, &mut out)?;
    if let (true, Some(t)) = (known, tick) {
        update_tick(interner, market, t, &mut out)?;
    }
    out.push(Event::BookSnapshot(BookSnapshot {
        market,
        venue_seq: 0,
        bids,
        asks,
    }));
    Ok(out)
}

/// `price_change` -> one `BookDelta` (`LevelChange::Set`) per entry, in order: BUY sets
/// a bid level, SELL an ask level.
pub fn map_price_change(
    m: &wire::PriceChange,
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
) -> Result<Vec<Event>, MapError> {
    let parsed = m
        .price_changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok((
                c.asset_id.as_str(),
                parse_side(|| format!("price_changes[{i}].side"), &c.side)?,
                parse_price(|| format!("price_changes[{i}].price"), &c.price)?,
                parse_qty(
                    || format!("price_changes[{i}].size"),
                    &c.size,
                    Sign::NonNegative,
                )?,
            ))
        })
        .collect::<Result<Vec<_>, MapError>>()?;
    let mut out = Vec::with_capacity(parsed.len() + 1);
    let mut deltas = Vec::with_capacity(parsed.len());
    for (asset_id, side, price, qty) in parsed {
        let market = intern_token(interner, state, asset_id, &m.market, None, &mut out)?;
        deltas.push(BookDelta {
            market,
            venue_seq: 0,
            side,
            price,
            change: LevelChange::Set(qty),
        });
    }
    out.extend(one_message(deltas));
    Ok(out)
}

/// The level changes of one message: a single `BookDelta`, or a `BookBatch` so that
/// the engine applies them together before any lane looks.
fn one_message(mut deltas: Vec<BookDelta>) -> Option<Event> {
    match deltas.len() {
        0 => None,
        1 => deltas.pop().map(Event::BookDelta),
        _ => Some(Event::BookBatch(BookBatch { deltas })),
    }
}

/// Older `price_change` (top-level `asset_id`, `changes`): same mapping.
pub fn map_price_change_legacy(
    m: &wire::PriceChangeLegacy,
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
) -> Result<Vec<Event>, MapError> {
    let parsed = m
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok((
                parse_side(|| format!("changes[{i}].side"), &c.side)?,
                parse_price(|| format!("changes[{i}].price"), &c.price)?,
                parse_qty(|| format!("changes[{i}].size"), &c.size, Sign::NonNegative)?,
            ))
        })
        .collect::<Result<Vec<_>, MapError>>()?;
    let mut out = Vec::with_capacity(parsed.len() + 1);
    let market = intern_token(interner, state, &m.asset_id, &m.market, None, &mut out)?;
    let deltas = parsed
        .into_iter()
        .map(|(side, price, qty)| BookDelta {
            market,
            venue_seq: 0,
            side,
            price,
            change: LevelChange::Set(qty),
        })
        .collect();
    out.extend(one_message(deltas));
    Ok(out)
}

/// `last_trade_price` -> `Trade`. `side` is the taker's: BUY (the taker bought this
/// token, lifting asks) is `Bid`, SELL is `Ask`; absent is `None`.
pub fn map_last_trade_price(
    m: &wire::LastTradePrice,
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
) -> Result<Vec<Event>, MapError> {
    let price = parse_price(|| "price".into(), &m.price)?;
    let qty = parse_qty(|| "size".into(), &m.size, Sign::NonNegative)?;
    let taker_side = m
        .side
        .as_deref()
        .map(|s| parse_side(|| "side".into(), s))
        .transpose()?;
    let mut out = Vec::with_capacity(2);
    let market = intern_token(interner, state, &m.asset_id, &m.market, None, &mut out)?;
    out.push(Event::Trade(Trade {
        market,
        price,
        qty,
        taker_side,
    }));
    Ok(out)
}

/// `tick_size_change` -> a re-definition of the token with the new tick (nothing if the
/// tick is already that; a new token is defined with it).
pub fn map_tick_size_change(
    m: &wire::TickSizeChange,
    interner: &mut MarketInterner,
    state: &mut PolymarketState,
) -> Result<Vec<Event>, MapError> {
    let tick = parse_tick("new_tick_size", &m.new_tick_size)?;
    let mut out = Vec::new();
    let known = interner.get(Venue::Polymarket, &m.asset_id).is_some();
    let market = intern_token(
        interner,
        state,
        &m.asset_id,
        &m.market,
        Some(tick),
        &mut out,
    )?;
    if known {
        update_tick(interner, market, tick, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Qty;
    use serde_json::json;

    const C: &str = "0xc0nd";

    fn run(msg: Value, interner: &mut MarketInterner, state: &mut PolymarketState) -> Mapped {
        map_message(msg, interner, state)
    }

    #[test]
    fn docs_book_parses_short_prices_and_keeps_order() {
        let mut interner = MarketInterner::new();
        let msg = json!({"event_type": "book", "asset_id": "111", "market": C, "timestamp": "123456789000",
            "bids": [{"price": ".48", "size": "30"}, {"price": "0.9", "size": "1.5"}],
            "asks": [{"price": ".52", "size": "25"}]});
        let m = run(msg, &mut interner, &mut PolymarketState::new());
        assert_eq!(m.ts_ms, Some(123_456_789_000));
        assert_eq!(
            m.events,
            vec![
                Event::MarketDefined(default_meta(
                    MarketId(0),
                    "111",
                    C,
                    NoLeg::Unknown,
                    DEFAULT_TICK
                )),
                Event::BookSnapshot(BookSnapshot {
                    market: MarketId(0),
                    venue_seq: 0,
                    bids: vec![
                        Level {
                            price: Price(4800),
                            qty: Qty(30_000_000)
                        },
                        Level {
                            price: Price(9000),
                            qty: Qty(1_500_000)
                        },
                    ],
                    asks: vec![Level {
                        price: Price(5200),
                        qty: Qty(25_000_000)
                    }],
                }),
            ]
        );
    }

    #[test]
    fn second_token_of_a_condition_links_both_complements() {
        let mut interner = MarketInterner::new();
        let mut state = PolymarketState::new();
        let book = |asset: &str, market: &str| json!({"asset_id": asset, "market": market, "bids": [], "asks": []});
        run(book("111", C), &mut interner, &mut state);
        run(book("999", "0xother"), &mut interner, &mut state);
        let m = run(book("222", C), &mut interner, &mut state);
        let linked = |id: u32, other: u32| {
            Event::MarketDefined(default_meta(
                MarketId(id),
                if id == 0 { "111" } else { "222" },
                C,
                NoLeg::Complement(MarketId(other)),
                DEFAULT_TICK,
            ))
        };
        assert_eq!(m.events[0], linked(2, 0));
        assert_eq!(m.events[1], linked(0, 2));
        assert!(matches!(
            m.events[2],
            Event::BookSnapshot(BookSnapshot {
                market: MarketId(2),
                ..
            })
        ));
        assert_eq!(
            interner.meta(MarketId(1)).map(|m| m.no_leg),
            Some(NoLeg::Unknown)
        );
        // A third token of the condition is not a binary complement.
        let third = run(book("333", C), &mut interner, &mut state);
        assert!(matches!(&third.events[0], Event::MarketDefined(m) if m.no_leg == NoLeg::Unknown));
        assert_eq!(third.events.len(), 2);
        // A continued import rebuilds the links from the interner.
        let again = PolymarketState::from_interner(&interner);
        assert_eq!(again.tokens(C), &[MarketId(0), MarketId(2), MarketId(3)]);
    }

    #[test]
    fn price_changes_set_levels_per_asset_and_legacy_shape_matches() {
        let mut interner = MarketInterner::new();
        let mut state = PolymarketState::new();
        let new = json!({"event_type": "price_change", "market": C, "timestamp": "7", "price_changes": [
            {"asset_id": "111", "price": "0.301", "size": "1000", "side": "BUY"},
            {"asset_id": "111", "price": "0.5", "size": "0", "side": "SELL"}]});
        let old = json!({"event_type": "price_change", "market": C, "asset_id": "111", "timestamp": "8",
            "changes": [{"price": "0.301", "size": "1000", "side": "BUY"}, {"price": "0.5", "size": "0", "side": "SELL"}]});
        let a = run(new, &mut interner, &mut state);
        let b = run(old, &mut interner, &mut state);
        // Both levels of one message travel together, applied before any lane looks.
        let batch = vec![Event::BookBatch(BookBatch {
            deltas: vec![
                BookDelta {
                    market: MarketId(0),
                    venue_seq: 0,
                    side: BookSide::Bid,
                    price: Price(3010),
                    change: LevelChange::Set(Qty(1_000_000_000)),
                },
                BookDelta {
                    market: MarketId(0),
                    venue_seq: 0,
                    side: BookSide::Ask,
                    price: Price(5000),
                    change: LevelChange::Set(Qty(0)),
                },
            ],
        })];
        assert_eq!(a.events[1..], batch[..]);
        assert!(matches!(a.events[0], Event::MarketDefined(_)));
        assert_eq!(b.events, batch);
        assert_eq!((a.ts_ms, b.ts_ms), (Some(7), Some(8)));
    }

    #[test]
    fn a_bad_entry_rejects_the_whole_message_before_any_market_is_defined() {
        let mut interner = MarketInterner::new();
        let mut state = PolymarketState::new();
        let msg = json!({"event_type": "price_change", "market": C, "price_changes": [
            {"asset_id": "111", "price": "0.3", "size": "1", "side": "BUY"},
            {"asset_id": "222", "price": "0.3", "size": "-1", "side": "BUY"}]});
        let m = run(msg, &mut interner, &mut state);
        assert_eq!(
            m.skipped.as_ref().map(MapError::reason).as_deref(),
            Some("bad_quantity")
        );
        assert!(m.events.is_empty());
        assert!(interner.is_empty());
        assert!(state.tokens(C).is_empty());
    }

    #[test]
    fn trades_and_tick_sizes() {
        let mut interner = MarketInterner::new();
        let mut state = PolymarketState::new();
        let trade = json!({"event_type": "last_trade_price", "asset_id": "111", "market": C, "price": "0.456",
            "side": "SELL", "size": "219.217767", "fee_rate_bps": "0", "timestamp": "1750428146322"});
        let t = run(trade, &mut interner, &mut state);
        assert_eq!(
            t.events[1],
            Event::Trade(Trade {
                market: MarketId(0),
                price: Price(4560),
                qty: Qty(219_217_767),
                taker_side: Some(BookSide::Ask)
            })
        );
        let tick = |new: &str| {
            json!({"event_type": "tick_size_change", "asset_id": "111", "market": C,
                   "old_tick_size": "0.01", "new_tick_size": new, "timestamp": "100000000"})
        };
        let changed = run(tick("0.01"), &mut interner, &mut state);
        assert_eq!(
            changed.events,
            vec![Event::MarketDefined(default_meta(
                MarketId(0),
                "111",
                C,
                NoLeg::Unknown,
                Price(100)
            ))]
        );
        assert!(
            run(tick("0.01"), &mut interner, &mut state)
                .events
                .is_empty(),
            "unchanged tick: nothing"
        );
        let bad = run(tick("0"), &mut interner, &mut state);
        assert_eq!(
            bad.skipped.map(|e| e.reason()).as_deref(),
            Some("bad_tick_size")
        );
        // A book's tick_size updates the tick too.
        let book =
            json!({"asset_id": "111", "market": C, "bids": [], "asks": [], "tick_size": "0.001"});
        let b = run(book, &mut interner, &mut state);
        assert!(matches!(&b.events[0], Event::MarketDefined(m) if m.tick == Price(10)));
    }

    #[test]
    fn skips_name_their_reason() {
        let mut interner = MarketInterner::new();
        let mut state = PolymarketState::new();
        let mut reason = |v: Value| {
            run(v, &mut interner, &mut state)
                .skipped
                .map(|e| e.reason())
        };
        assert_eq!(
            reason(json!({"event_type": "best_bid_ask"})).as_deref(),
            Some("unsupported:best_bid_ask")
        );
        assert_eq!(
            reason(json!({"event_type": "nope"})).as_deref(),
            Some("unknown_message_type:nope")
        );
        assert_eq!(
            reason(json!({"market": C})).as_deref(),
            Some("missing_message_type")
        );
        let ts = json!({"event_type": "book", "asset_id": "1", "market": C, "bids": [], "asks": [], "timestamp": "soon"});
        assert_eq!(reason(ts).as_deref(), Some("bad_timestamp"));
        let side = json!({"event_type": "price_change", "market": C,
            "price_changes": [{"asset_id": "1", "price": "0.3", "size": "1", "side": "HOLD"}]});
        assert_eq!(reason(side).as_deref(), Some("bad_side"));
        let no_market = json!({"event_type": "book", "asset_id": "1", "bids": [], "asks": []});
        assert_eq!(reason(no_market).as_deref(), Some("malformed_message:book"));
        let big = json!({"event_type": "book", "asset_id": "1", "market": C, "bids": [{"price": "1.2", "size": "1"}], "asks": []});
        assert_eq!(reason(big).as_deref(), Some("bad_price"));
    }
}
