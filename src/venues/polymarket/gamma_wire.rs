//! Polymarket's Gamma API (`https://gamma-api.polymarket.com`): the market catalogue
//! (`GET /markets`, `GET /events`, offset-paged), with each market's tokens, tick,
//! neg-risk flag, close time, rules text and fee schedule, in the venue's camelCase.

use serde::{Deserialize, Serialize};

/// One market (a condition) as Gamma lists it. `outcomes` and `clobTokenIds` are JSON
/// arrays encoded as strings, as the venue sends them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaMarket {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub question: String,
    pub condition_id: String,
    /// The rules text.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub slug: String,
    /// When trading ends (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default)]
    pub outcomes: String,
    #[serde(default)]
    pub clob_token_ids: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_price_min_tick_size: Option<f64>,
    #[serde(default)]
    pub neg_risk: bool,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub closed: bool,
    #[serde(default)]
    pub accepting_orders: bool,
    #[serde(default)]
    pub enable_order_book: bool,
    #[serde(default)]
    pub fees_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_schedule: Option<GammaFeeSchedule>,
    /// The events it belongs to (a neg-risk event's markets are its outcomes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<GammaEventRef>,
}

/// The fee schedule Gamma publishes per market (the CLOB's `fd`: rate, exponent,
/// taker only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaFeeSchedule {
    #[serde(default)]
    pub rate: f64,
    #[serde(default)]
    pub exponent: f64,
    #[serde(default)]
    pub taker_only: bool,
}

/// An event as a market names it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaEventRef {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub ticker: String,
    #[serde(default)]
    pub title: String,
}

/// One event of `GET /events`, with its markets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaEvent {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub ticker: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub neg_risk: bool,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub closed: bool,
    #[serde(default)]
    pub markets: Vec<GammaMarket>,
}

impl GammaMarket {
    /// (outcome, token id) pairs, from the two string-encoded arrays; what is wrong
    /// with them otherwise.
    pub fn tokens(&self) -> Result<Vec<(String, String)>, String> {
        let list = |field: &str, text: &str| -> Result<Vec<String>, String> {
            serde_json::from_str(text).map_err(|e| {
                format!(
                    "market {}: {field} {text:?} is not a JSON list of strings: {e}",
                    self.condition_id
                )
            })
        };
        let outcomes = list("outcomes", &self.outcomes)?;
        let ids = list("clobTokenIds", &self.clob_token_ids)?;
        if outcomes.len() != ids.len() {
            return Err(format!(
                "market {}: {} outcomes but {} token ids",
                self.condition_id,
                outcomes.len(),
                ids.len()
            ));
        }
        Ok(outcomes.into_iter().zip(ids).collect())
    }

    /// Open for orders now: listed, not closed, accepting orders on its book.
    pub fn tradable(&self) -> bool {
        self.active && !self.closed && self.accepting_orders && self.enable_order_book
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venues::fixture;

    #[test]
    fn a_live_gamma_market_gives_tokens_tick_fees_and_its_event() {
        let m: GammaMarket =
            serde_json::from_str(&fixture("venues/polymarket/gamma_market_live.json")).unwrap();
        assert_eq!(
            m.condition_id,
            "0x0f49db97f71c68b1e42a6d16e3de93d85dbf7d4148e3f018eb79e88554be9f75"
        );
        let tokens = m.tokens().unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0].0, "Yes");
        assert!(tokens[0].1.starts_with("5453304381994659"));
        assert_eq!(tokens[1].0, "No");
        assert_eq!(m.order_price_min_tick_size, Some(0.001));
        assert!(m.neg_risk && m.tradable() && m.fees_enabled);
        assert_eq!(
            m.fee_schedule,
            Some(GammaFeeSchedule {
                rate: 0.04,
                exponent: 1.0,
                taker_only: true
            })
        );
        assert_eq!(m.end_date.as_deref(), Some("2028-11-07T00:00:00Z"));
        assert_eq!(m.events[0].ticker, "democratic-presidential-nominee-2028");
        assert!(m.description.starts_with("This market will resolve"));
    }

    #[test]
    fn a_real_events_listing_parses_every_market() {
        let events: Vec<GammaEvent> =
            serde_json::from_str(&fixture("pairs/steffenmax_poly_nba_events.json")).unwrap();
        assert_eq!(events.len(), 50);
        let markets: Vec<&GammaMarket> = events.iter().flat_map(|e| &e.markets).collect();
        assert_eq!(markets.len(), 738);
        for m in &markets {
            let tokens = m.tokens().unwrap();
            assert_eq!(tokens.len(), 2, "{}", m.condition_id);
            assert!(m.condition_id.starts_with("0x"));
        }
    }

    #[test]
    fn token_lists_that_do_not_agree_are_named() {
        let m = GammaMarket {
            condition_id: "0xabc".into(),
            outcomes: r#"["Yes","No"]"#.into(),
            clob_token_ids: r#"["1"]"#.into(),
            ..GammaMarket::default()
        };
        assert_eq!(
            m.tokens().unwrap_err(),
            "market 0xabc: 2 outcomes but 1 token ids"
        );
        let bad = GammaMarket {
            clob_token_ids: "1,2".into(),
            ..m
        };
        assert!(bad.tokens().unwrap_err().contains("clobTokenIds \"1,2\""));
    }
}
