//! Venue market listings (Kalshi `GET /events`, Polymarket Gamma events) as plain `Listing`s.
//!
//! Kalshi: `{"events": [...]}`; an event with nested `markets` (`with_nested_markets=true`)
//! gives one listing per market, an event without gives one event-level listing (its id is
//! the event ticker and no YES subject is known). A bare `{"markets": [...]}` page works too.
//! Polymarket: a JSON array of Gamma events (each with `markets`) or of Gamma markets; one
//! listing per market (condition id), outcomes paired with their CLOB token ids.
//! Both at once: a universe file (`arb universe`, `<journal>/universe.json`).

use crate::core::Venue;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("cannot read listing {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("listing {path}: {at}: {message}")]
    Invalid {
        path: String,
        at: String,
        message: String,
    },
}

/// One market (or, for a Kalshi page without nested markets, one event) of one venue.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    pub venue: Option<Venue>,
    /// Kalshi market ticker (event ticker for event-level listings); Polymarket condition id.
    pub id: String,
    /// Kalshi event ticker; Polymarket event slug (or id).
    pub event_id: String,
    /// The question as the venue words it (Kalshi market or event title; Polymarket question).
    pub title: String,
    /// More naming text used for matching but not the question itself: Kalshi event title and
    /// sub-title, series ticker; Polymarket event title and slug.
    pub context: String,
    /// Resolution text: Kalshi `rules_primary` + `rules_secondary`; Polymarket `description`.
    pub rules: String,
    /// RFC 3339 close time as the venue gives it (Kalshi `close_time`, Polymarket `endDate`).
    pub close: String,
    /// What a Kalshi YES refers to (`yes_sub_title`), when known.
    pub yes_subject: String,
    /// Polymarket outcomes with their token ids, in venue order.
    pub outcomes: Vec<(String, String)>,
    /// Whether this is a whole Kalshi event rather than one market.
    pub event_level: bool,
    /// The venue's own labels for the event: Kalshi `product_metadata.competition`;
    /// Polymarket event tag labels and series titles. Aliases are learned from them.
    pub tags: Vec<String>,
}

fn read(path: &Path) -> Result<Value, ListingError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ListingError::Read {
        path: p.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| ListingError::Invalid {
        path: p,
        at: format!("line {} column {}", e.line(), e.column()),
        message: format!("not JSON: {e}"),
    })
}

pub fn load_kalshi(path: &Path) -> Result<Vec<Listing>, ListingError> {
    parse_kalshi(&read(path)?, &path.display().to_string())
}

pub fn load_polymarket(path: &Path) -> Result<Vec<Listing>, ListingError> {
    parse_polymarket(&read(path)?, &path.display().to_string())
}

/// Both venues' listings from a universe file (`arb universe --out`, or the one `arb
/// live` keeps under `[universe] discover`).
pub fn load_universe(path: &Path) -> Result<(Vec<Listing>, Vec<Listing>), ListingError> {
    parse_universe(&read(path)?, &path.display().to_string())
}

pub fn parse_universe(
    doc: &Value,
    path: &str,
) -> Result<(Vec<Listing>, Vec<Listing>), ListingError> {
    let c = Ctx { path };
    let mut kalshi = Vec::new();
    for (i, m) in c.array(doc, "$", "kalshi")?.iter().enumerate() {
        let at = format!("kalshi[{i}]");
        kalshi.push(Listing {
            venue: Some(Venue::Kalshi),
            id: c.string(m, &at, "ticker")?,
            event_id: c.string(m, &at, "event_ticker")?,
            title: c.string(m, &at, "title")?,
            context: join(&[&opt(m, "event_ticker"), &opt(m, "series_ticker")]),
            rules: opt(m, "rules"),
            close: opt(m, "close_time"),
            yes_subject: opt(m, "yes_subtitle"),
            outcomes: Vec::new(),
            event_level: false,
            tags: Vec::new(),
        });
    }
    let mut poly = Vec::new();
    for (i, m) in c.array(doc, "$", "polymarket")?.iter().enumerate() {
        let at = format!("polymarket[{i}]");
        let mut outcomes = Vec::new();
        for (j, pair) in c.array(m, &at, "tokens")?.iter().enumerate() {
            let both = pair
                .as_array()
                .and_then(|p| Some((p.first()?.as_str()?, p.get(1)?.as_str()?)));
            let Some((label, token)) = both else {
                return Err(c.err(&format!("{at}.tokens[{j}]"), "expected [outcome, token id]"));
            };
            outcomes.push((label.to_string(), token.to_string()));
        }
        let event = opt(m, "event");
        poly.push(Listing {
            venue: Some(Venue::Polymarket),
            id: c.string(m, &at, "condition_id")?,
            context: event.replace('-', " "),
            event_id: event,
            title: c.string(m, &at, "question")?,
            rules: opt(m, "rules"),
            close: opt(m, "end_date"),
            yes_subject: String::new(),
            outcomes,
            event_level: false,
            tags: Vec::new(),
        });
    }
    Ok((kalshi, poly))
}

struct Ctx<'a> {
    path: &'a str,
}

impl Ctx<'_> {
    fn err(&self, at: &str, message: impl Into<String>) -> ListingError {
        ListingError::Invalid {
            path: self.path.to_string(),
            at: at.to_string(),
            message: message.into(),
        }
    }
    /// A required string field.
    fn string(&self, v: &Value, at: &str, field: &str) -> Result<String, ListingError> {
        match v.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(other) => Err(self.err(
                &format!("{at}.{field}"),
                format!("expected a non-empty string, found {other}"),
            )),
            None => Err(self.err(&format!("{at}.{field}"), "missing")),
        }
    }
    fn array<'v>(&self, v: &'v Value, at: &str, field: &str) -> Result<&'v [Value], ListingError> {
        match v.get(field) {
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.err(
                &format!("{at}.{field}"),
                format!("expected an array, found {}", kind(other)),
            )),
            None => Err(self.err(&format!("{at}.{field}"), "missing")),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional string field ("" when absent or not a string).
fn opt(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

pub fn parse_kalshi(doc: &Value, path: &str) -> Result<Vec<Listing>, ListingError> {
    let c = Ctx { path };
    let mut out = Vec::new();
    if doc.get("events").is_none() && doc.get("markets").is_some() {
        for (i, m) in c.array(doc, "$", "markets")?.iter().enumerate() {
            out.push(kalshi_market(&c, m, &format!("markets[{i}]"), None)?);
        }
        return Ok(out);
    }
    for (i, e) in c.array(doc, "$", "events")?.iter().enumerate() {
        let at = format!("events[{i}]");
        let ticker = c.string(e, &at, "event_ticker")?;
        let title = c.string(e, &at, "title")?;
        let context = join(&[&title, &opt(e, "sub_title"), &opt(e, "series_ticker")]);
        let tags: Vec<String> = e
            .get("product_metadata")
            .map(|m| opt(m, "competition"))
            .filter(|t| !t.trim().is_empty())
            .into_iter()
            .collect();
        match e.get("markets") {
            Some(Value::Array(ms)) if !ms.is_empty() => {
                for (j, m) in ms.iter().enumerate() {
                    let mut l =
                        kalshi_market(&c, m, &format!("{at}.markets[{j}]"), Some(&context))?;
                    l.tags = tags.clone();
                    out.push(l);
                }
            }
            Some(Value::Array(_)) | Some(Value::Null) | None => out.push(Listing {
                venue: Some(Venue::Kalshi),
                id: ticker.clone(),
                event_id: ticker,
                title,
                context,
                event_level: true,
                tags,
                ..Listing::default()
            }),
            Some(other) => {
                return Err(c.err(
                    &format!("{at}.markets"),
                    format!("expected an array, found {}", kind(other)),
                ));
            }
        }
    }
    Ok(out)
}

fn kalshi_market(
    c: &Ctx,
    m: &Value,
    at: &str,
    event_context: Option<&str>,
) -> Result<Listing, ListingError> {
    let ticker = c.string(m, at, "ticker")?;
    let title = c.string(m, at, "title")?;
    let event_id = match m.get("event_ticker").and_then(Value::as_str) {
        Some(s) => s.to_string(),
        None => ticker
            .rsplit_once('-')
            .map_or(&*ticker, |t| t.0)
            .to_string(),
    };
    Ok(Listing {
        venue: Some(Venue::Kalshi),
        id: ticker,
        event_id,
        title,
        context: join(&[event_context.unwrap_or(""), &opt(m, "subtitle")]),
        rules: super::drift::kalshi_rules(&opt(m, "rules_primary"), &opt(m, "rules_secondary")),
        close: opt(m, "close_time"),
        yes_subject: opt(m, "yes_sub_title"),
        outcomes: Vec::new(),
        event_level: false,
        tags: Vec::new(),
    })
}

pub fn parse_polymarket(doc: &Value, path: &str) -> Result<Vec<Listing>, ListingError> {
    let c = Ctx { path };
    let items = match doc {
        Value::Array(a) => a.as_slice(),
        Value::Object(_) => c.array(doc, "$", "events")?,
        other => return Err(c.err("$", format!("expected an array, found {}", kind(other)))),
    };
    let mut out = Vec::new();
    for (i, e) in items.iter().enumerate() {
        let at = format!("[{i}]");
        if e.get("markets").is_none() && e.get("question").is_some() {
            out.push(poly_market(&c, e, &at, "", &opt(e, "slug"))?);
            continue;
        }
        let slug = match opt(e, "slug") {
            s if s.is_empty() => c.string(e, &at, "id")?,
            s => s,
        };
        let context = join(&[&opt(e, "title"), &slug.replace('-', " ")]);
        let tags = poly_tags(e);
        for (j, m) in c.array(e, &at, "markets")?.iter().enumerate() {
            let mut l = poly_market(&c, m, &format!("{at}.markets[{j}]"), &context, &slug)?;
            l.tags = tags.clone();
            out.push(l);
        }
    }
    Ok(out)
}

/// A Gamma event's tag labels and series titles ("NBA", "Basketball", "NBA 2026").
fn poly_tags(e: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (field, key) in [("tags", "label"), ("series", "title")] {
        for t in e.get(field).and_then(Value::as_array).into_iter().flatten() {
            let v = opt(t, key);
            if !v.trim().is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// Gamma sends `outcomes` and `clobTokenIds` as JSON-encoded strings (arrays accepted too).
fn string_list(c: &Ctx, v: &Value, at: &str, field: &str) -> Result<Vec<String>, ListingError> {
    let at_f = format!("{at}.{field}");
    let parsed: Value = match v.get(field) {
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|e| c.err(&at_f, format!("not a JSON list of strings: {e}")))?,
        Some(a @ Value::Array(_)) => a.clone(),
        Some(other) => return Err(c.err(&at_f, format!("expected a list, found {}", kind(other)))),
        None => return Err(c.err(&at_f, "missing")),
    };
    let list = parsed
        .as_array()
        .ok_or_else(|| c.err(&at_f, "not a list"))?;
    list.iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| c.err(&at_f, format!("element {x} is not a string")))
        })
        .collect()
}

fn poly_market(
    c: &Ctx,
    m: &Value,
    at: &str,
    context: &str,
    slug: &str,
) -> Result<Listing, ListingError> {
    let id = c.string(m, at, "conditionId")?;
    let title = c.string(m, at, "question")?;
    let labels = string_list(c, m, at, "outcomes")?;
    let tokens = match m.get("clobTokenIds") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => string_list(c, m, at, "clobTokenIds")?,
    };
    if !tokens.is_empty() && tokens.len() != labels.len() {
        return Err(c.err(
            &format!("{at}.clobTokenIds"),
            format!("{} token ids for {} outcomes", tokens.len(), labels.len()),
        ));
    }
    let outcomes = labels
        .into_iter()
        .enumerate()
        .map(|(k, l)| (l, tokens.get(k).cloned().unwrap_or_default()))
        .collect();
    Ok(Listing {
        venue: Some(Venue::Polymarket),
        id,
        event_id: slug.to_string(),
        title,
        context: join(&[context, &opt(m, "groupItemTitle")]),
        rules: opt(m, "description"),
        close: opt(m, "endDate"),
        yes_subject: String::new(),
        outcomes,
        event_level: false,
        tags: Vec::new(),
    })
}
