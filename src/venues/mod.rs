//! Venue ingress: market interning, per-venue wire types and mappings to `Event`s, and
//! the importer of recorded WebSocket data.
//!
//! Each venue has the same file set: `wire.rs` (serde types field-for-field as the
//! venue sends them) and `mapping.rs` (pure functions from wire messages to events).
//! Mappings parse and validate everything in a message before they intern a market or
//! touch any state, so a message that fails leaves no trace (no market id is assigned
//! without its `MarketDefined` being returned).

pub mod credentials;
pub mod governor;
pub mod http;
pub mod import;
pub mod kalshi;
pub mod polymarket;

/// The shared real payloads (`../shared/fixtures/`), read by the venues' tests.
#[cfg(test)]
pub(crate) fn fixture(path: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

use crate::core::{DecimalError, MarketId, Price, Qty, Venue};
use crate::event::{Event, MarketMeta};
use std::collections::BTreeMap;

/// Assigns dense `MarketId`s (0, 1, 2, ... in first-seen order) to (venue, venue id)
/// and holds the latest `MarketMeta` of each, as the engine will know it.
#[derive(Clone, Debug, Default)]
pub struct MarketInterner {
    metas: Vec<MarketMeta>,
    /// Per venue (`Venue::index`): venue id -> market id.
    by_venue: [BTreeMap<String, MarketId>; Venue::ALL.len()],
}

/// A `MarketMeta` that cannot be the next definition of the journal being continued.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InternerError {
    #[error("market {got:?} defined out of order: the next id is {expected:?}")]
    OutOfOrder { got: MarketId, expected: MarketId },
    #[error(
        "market {id:?} redefined as {venue} {venue_id:?}, but it is {was_venue} {was_venue_id:?}"
    )]
    Redefined {
        id: MarketId,
        venue: Venue,
        venue_id: String,
        was_venue: Venue,
        was_venue_id: String,
    },
    #[error("{venue} {venue_id:?} defined as {got:?} but it is already {existing:?}")]
    Duplicate {
        venue: Venue,
        venue_id: String,
        existing: MarketId,
        got: MarketId,
    },
}

impl MarketInterner {
    pub fn new() -> MarketInterner {
        MarketInterner::default()
    }

    /// Seeds the interner with the markets of an existing journal, in journal order
    /// (every `MarketDefined`, re-definitions included), so that an import can continue
    /// that journal: new markets get the next ids, known ones keep theirs.
    pub fn from_metas(
        metas: impl IntoIterator<Item = MarketMeta>,
    ) -> Result<MarketInterner, InternerError> {
        let mut interner = MarketInterner::new();
        for meta in metas {
            interner.observe(meta)?;
        }
        Ok(interner)
    }

    /// Applies one `MarketDefined` by the engine's rule: the next dense id defines a new
    /// market; a known id with the same venue and venue id replaces its metadata.
    pub fn observe(&mut self, meta: MarketMeta) -> Result<(), InternerError> {
        let expected = self.next_id();
        if meta.id == expected {
            if let Some(existing) = self.get(meta.venue, &meta.venue_id) {
                return Err(InternerError::Duplicate {
                    venue: meta.venue,
                    venue_id: meta.venue_id,
                    existing,
                    got: meta.id,
                });
            }
            self.by_venue[meta.venue.index()].insert(meta.venue_id.clone(), meta.id);
            self.metas.push(meta);
            return Ok(());
        }
        let Some(existing) = self.metas.get_mut(meta.id.index()) else {
            return Err(InternerError::OutOfOrder {
                got: meta.id,
                expected,
            });
        };
        if existing.venue != meta.venue || existing.venue_id != meta.venue_id {
            return Err(InternerError::Redefined {
                id: meta.id,
                venue: meta.venue,
                venue_id: meta.venue_id,
                was_venue: existing.venue,
                was_venue_id: existing.venue_id.clone(),
            });
        }
        *existing = meta;
        Ok(())
    }

    /// The id of a known market.
    pub fn get(&self, venue: Venue, venue_id: &str) -> Option<MarketId> {
        self.by_venue[venue.index()].get(venue_id).copied()
    }

    pub fn meta(&self, id: MarketId) -> Option<&MarketMeta> {
        self.metas.get(id.index())
    }

    /// Every market, indexed by id.
    pub fn metas(&self) -> &[MarketMeta] {
        &self.metas
    }

    pub fn len(&self) -> usize {
        self.metas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    /// The id the next new market will get.
    pub fn next_id(&self) -> MarketId {
        MarketId(self.metas.len() as u32)
    }

    /// The id of (venue, venue_id), defining it first if it is new: `make` builds its
    /// metadata (its `id`, `venue` and `venue_id` are overwritten with the right ones)
    /// and the `MarketDefined` event is pushed to `out`.
    pub fn intern(
        &mut self,
        venue: Venue,
        venue_id: &str,
        make: impl FnOnce(MarketId) -> MarketMeta,
        out: &mut Vec<Event>,
    ) -> MarketId {
        if let Some(id) = self.get(venue, venue_id) {
            return id;
        }
        let id = self.next_id();
        let mut meta = make(id);
        meta.id = id;
        meta.venue = venue;
        meta.venue_id = venue_id.to_string();
        self.by_venue[venue.index()].insert(meta.venue_id.clone(), id);
        self.metas.push(meta.clone());
        out.push(Event::MarketDefined(meta));
        id
    }

    /// Replaces the metadata of a known market and pushes the re-definition to `out`
    /// (the engine accepts a `MarketDefined` for a known id with the same venue and
    /// venue id).
    pub fn redefine(
        &mut self,
        meta: MarketMeta,
        out: &mut Vec<Event>,
    ) -> Result<(), InternerError> {
        if meta.id.index() >= self.metas.len() {
            return Err(InternerError::OutOfOrder {
                got: meta.id,
                expected: self.next_id(),
            });
        }
        self.observe(meta.clone())?;
        out.push(Event::MarketDefined(meta));
        Ok(())
    }
}

/// What a venue mapping made of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapped {
    /// In order; every market an event names is defined by an earlier event (or was
    /// already known to the interner).
    pub events: Vec<Event>,
    /// The message's own time, epoch milliseconds, if it carries a readable one.
    pub ts_ms: Option<i64>,
    /// Why the message itself was not imported. `events` may still hold something
    /// (a `Feed` gap: a book message that cannot be applied leaves the book wrong).
    pub skipped: Option<MapError>,
    /// Things worth counting that are not skips, e.g. `sequence_gap`.
    pub warnings: Vec<&'static str>,
}

impl Mapped {
    pub(crate) fn from_result(result: Result<Vec<Event>, MapError>, ts_ms: Option<i64>) -> Mapped {
        match result {
            Ok(events) => Mapped {
                events,
                ts_ms,
                ..Mapped::default()
            },
            Err(e) => Mapped {
                ts_ms,
                skipped: Some(e),
                ..Mapped::default()
            },
        }
    }
}

/// Why one venue message produced no events. The importer counts these by `reason()`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("message has no {field:?} field naming its type")]
    MissingType { field: &'static str },
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    #[error("message type {0:?} is not imported")]
    Unsupported(String),
    #[error("{kind} message does not match the venue's schema: {reason}")]
    Malformed { kind: String, reason: String },
    #[error("bad price at {field}: {reason}")]
    BadPrice { field: String, reason: String },
    #[error("bad quantity at {field}: {reason}")]
    BadQuantity { field: String, reason: String },
    #[error("bad side at {field}: {value:?}")]
    BadSide { field: String, value: String },
    #[error("bad timestamp at {field}: {value:?}")]
    BadTimestamp { field: String, value: String },
    #[error("bad tick size at {field}: {reason}")]
    BadTickSize { field: String, reason: String },
    #[error("market conflict: {0}")]
    Market(#[from] InternerError),
}

/// Longest message type name kept in a skip reason (venue data is untrusted).
const MAX_TYPE_IN_REASON: usize = 40;

fn clean_type(t: &str) -> String {
    t.chars()
        .take(MAX_TYPE_IN_REASON)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

impl MapError {
    /// The skip reason this error is counted under, e.g. `bad_price` or
    /// `unknown_message_type:foo`.
    pub fn reason(&self) -> String {
        match self {
            MapError::MissingType { .. } => "missing_message_type".into(),
            MapError::UnknownType(t) => format!("unknown_message_type:{}", clean_type(t)),
            MapError::Unsupported(t) => format!("unsupported:{}", clean_type(t)),
            MapError::Malformed { kind, .. } => format!("malformed_message:{}", clean_type(kind)),
            MapError::BadPrice { .. } => "bad_price".into(),
            MapError::BadQuantity { .. } => "bad_quantity".into(),
            MapError::BadSide { .. } => "bad_side".into(),
            MapError::BadTimestamp { .. } => "bad_timestamp".into(),
            MapError::BadTickSize { .. } => "bad_tick_size".into(),
            MapError::Market(_) => "market_conflict".into(),
        }
    }

    pub(crate) fn malformed(kind: &str, e: impl std::fmt::Display) -> MapError {
        MapError::Malformed {
            kind: kind.to_string(),
            reason: e.to_string(),
        }
    }
}

/// A dollar price from decimal text, 0 ≤ p ≤ 1.
pub(crate) fn parse_price(field: impl FnOnce() -> String, text: &str) -> Result<Price, MapError> {
    Price::from_decimal(text).map_err(|e| MapError::BadPrice {
        field: field(),
        reason: e.to_string(),
    })
}

/// A price in whole cents (Kalshi's legacy integer form), 0 ≤ c ≤ 100.
pub(crate) fn parse_cents(field: impl FnOnce() -> String, cents: i64) -> Result<Price, MapError> {
    if !(0..=100).contains(&cents) {
        return Err(MapError::BadPrice {
            field: field(),
            reason: DecimalError::OutOfRange(format!("{cents} cents")).to_string(),
        });
    }
    Ok(Price(cents as u16 * 100))
}

/// Whether a quantity may be negative: only additive deltas may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sign {
    NonNegative,
    Any,
}

/// A contract quantity from decimal text.
pub(crate) fn parse_qty(
    field: impl FnOnce() -> String,
    text: &str,
    sign: Sign,
) -> Result<Qty, MapError> {
    match Qty::from_decimal(text) {
        Err(e) => Err(MapError::BadQuantity {
            field: field(),
            reason: e.to_string(),
        }),
        Ok(q) if sign == Sign::NonNegative && q.0 < 0 => Err(MapError::BadQuantity {
            field: field(),
            reason: format!("{text:?} is negative"),
        }),
        Ok(q) => Ok(q),
    }
}

/// Whole contracts (Kalshi's legacy integer counts).
pub(crate) fn whole_qty(
    field: impl FnOnce() -> String,
    n: i64,
    sign: Sign,
) -> Result<Qty, MapError> {
    if sign == Sign::NonNegative && n < 0 {
        return Err(MapError::BadQuantity {
            field: field(),
            reason: format!("{n} is negative"),
        });
    }
    n.checked_mul(Qty::SCALE)
        .map(Qty)
        .ok_or_else(|| MapError::BadQuantity {
            field: field(),
            reason: format!("{n} contracts is out of range"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{FeeModel, NoLeg};

    fn meta(id: u32, venue: Venue, venue_id: &str) -> MarketMeta {
        MarketMeta {
            id: MarketId(id),
            venue,
            venue_id: venue_id.into(),
            title: venue_id.into(),
            event_id: String::new(),
            series_id: String::new(),
            close_ts: None,
            no_leg: NoLeg::Unknown,
            fees: FeeModel::Free,
            tick: Price(100),
        }
    }

    #[test]
    fn ids_are_dense_in_first_seen_order_and_defined_once() {
        let mut i = MarketInterner::new();
        let mut out = Vec::new();
        let a = i.intern(
            Venue::Kalshi,
            "A",
            |_| meta(99, Venue::Polymarket, "wrong"),
            &mut out,
        );
        let b = i.intern(
            Venue::Polymarket,
            "A",
            |id| meta(id.0, Venue::Polymarket, "A"),
            &mut out,
        );
        let a2 = i.intern(
            Venue::Kalshi,
            "A",
            |_| unreachable!("known markets are not rebuilt"),
            &mut out,
        );
        assert_eq!((a, b, a2), (MarketId(0), MarketId(1), MarketId(0)));
        // The interner, not the closure, decides id, venue and venue id.
        assert_eq!(
            out[0],
            Event::MarketDefined(MarketMeta {
                title: "wrong".into(),
                ..meta(0, Venue::Kalshi, "A")
            })
        );
        assert_eq!(out.len(), 2);
        assert_eq!(i.get(Venue::Polymarket, "A"), Some(MarketId(1)));
        assert_eq!(i.get(Venue::Kalshi, "B"), None);
    }

    #[test]
    fn seeding_continues_a_journal_and_refuses_what_the_engine_would() {
        let mut i = MarketInterner::from_metas([
            meta(0, Venue::Kalshi, "A"),
            meta(1, Venue::Polymarket, "T"),
            MarketMeta {
                title: "renamed".into(),
                ..meta(0, Venue::Kalshi, "A")
            },
        ])
        .unwrap();
        assert_eq!(
            i.meta(MarketId(0)).map(|m| m.title.as_str()),
            Some("renamed")
        );
        let mut out = Vec::new();
        assert_eq!(
            i.intern(Venue::Kalshi, "A", |_| unreachable!(), &mut out),
            MarketId(0)
        );
        assert_eq!(
            i.intern(
                Venue::Kalshi,
                "B",
                |id| meta(id.0, Venue::Kalshi, "B"),
                &mut out
            ),
            MarketId(2)
        );

        let gap = MarketInterner::from_metas([meta(1, Venue::Kalshi, "A")]).unwrap_err();
        assert_eq!(
            gap,
            InternerError::OutOfOrder {
                got: MarketId(1),
                expected: MarketId(0)
            }
        );
        let clash =
            MarketInterner::from_metas([meta(0, Venue::Kalshi, "A"), meta(0, Venue::Kalshi, "B")]);
        assert!(matches!(clash, Err(InternerError::Redefined { .. })));
        let dup =
            MarketInterner::from_metas([meta(0, Venue::Kalshi, "A"), meta(1, Venue::Kalshi, "A")]);
        assert!(matches!(
            dup,
            Err(InternerError::Duplicate {
                existing: MarketId(0),
                ..
            })
        ));
        assert!(i.redefine(meta(7, Venue::Kalshi, "Z"), &mut out).is_err());
    }
}
