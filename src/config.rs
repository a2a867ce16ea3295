//! Engine configuration: the profile file a user writes (TOML, decimals as text) and
//! the validated fixed-point `EngineConfig` that is journaled and drives the reducer.

use crate::core::fixed::parse_decimal;
use crate::core::{Money, Qty};
use serde::{Deserialize, Serialize};
use std::path::Path;

mod exit;
pub use exit::ExitPolicy;

/// Everything the reducer's decisions depend on besides the events. Journaled in a
/// `ConfigLoaded` event so that a replay decides with the same settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineConfig {
    pub intra_venue: bool,
    pub cross_venue: bool,
    /// Minimum edge per contract after fees.
    pub min_edge: Money,
    /// Minimum expected profit of one opportunity at its sized quantity.
    pub min_profit: Money,
    /// Cap on contracts per opportunity (whole contracts).
    pub max_contracts: Qty,
    /// Cap on worst-case cash out per opportunity.
    pub max_notional: Money,
    /// Pairs below this mapping confidence (basis points) are not traded.
    pub min_pair_confidence_bp: u16,
    /// Seed of the reducer's own generator.
    pub seed: u64,
    /// Start with the kill switch engaged.
    pub kill_switch: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            intra_venue: true,
            cross_venue: true,
            min_edge: Money(5_000),
            min_profit: Money(50_000),
            max_contracts: Qty::contracts(100),
            max_notional: Money::dollars(100),
            min_pair_confidence_bp: 9_000,
            seed: 1,
            kill_switch: false,
        }
    }
}

/// How the legs of one opportunity are placed and, when they do not all fill, how the
/// exposure is closed. Journaled in a `LegPolicyLoaded` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegPolicy {
    /// Place the second leg only after the first is done (never both at once).
    pub sequential: bool,
    /// How much more than planned the second leg may cost per contract when it is
    /// placed after the first filled; beyond that the first is unwound instead.
    pub max_price_move: crate::core::Price,
    /// Largest loss per contract accepted to unwind an unhedged first leg by buying
    /// its other outcome on the same venue.
    pub unwind_max_loss: Money,
}

impl Default for LegPolicy {
    fn default() -> Self {
        LegPolicy {
            sequential: true,
            max_price_move: crate::core::Price(100),
            unwind_max_loss: Money(50_000),
        }
    }
}

/// How long a second leg may work at the venue, and what happens when it runs out of
/// time. Journaled in a `RestingPolicyLoaded` event (format version 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestingPolicy {
    /// With a value above zero the second leg rests at its limit for up to this long
    /// (event time) instead of being immediate-or-cancel; then it is canceled (on
    /// Kalshi it also carries this expiration) and what it did not cover is unwound.
    pub second_leg_rest_ms: u32,
    /// How many times a second leg that ran out of time is placed again (re-checked
    /// against its book and the price tolerance) before the first leg is unwound.
    pub resubmits: u8,
}

/// Limits that stop the engine losing money: checked by the reducer before every new
/// entry, each refusal journaled. Journaled in a `RiskLimitsLoaded` event (format
/// version 2). A journal without one (version 1) replays with no limits, as it ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskLimits {
    /// Loss in one UTC day (event time) the engine may reach: a new entry whose worst
    /// case (losing its dearer leg whole) would take the day's loss past it is refused
    /// and the engine halts. Zero: no cap.
    pub daily_loss_cap: Money,
    /// Rejected orders and unhedged episodes in a row before the engine halts; zero:
    /// no limit.
    pub max_consecutive_failures: u32,
    /// Cash in positions and open orders allowed per venue, per market and per event
    /// (a venue's event grouping); zero: no cap.
    pub max_exposure_per_venue: Money,
    pub max_exposure_per_market: Money,
    pub max_exposure_per_event: Money,
    /// A book older than this (event time) is not traded on; zero: any age.
    pub max_book_age_ms: u32,
    /// Canary mode for first live runs: at most `canary_max_contracts` an opportunity,
    /// and only the lanes in `canary_lanes` (by `Lane` index).
    pub canary: bool,
    pub canary_max_contracts: Qty,
    pub canary_lanes: [bool; 2],
}

impl RiskLimits {
    /// No limit at all: how a journal that names none replays.
    pub const NONE: RiskLimits = RiskLimits {
        daily_loss_cap: Money::ZERO,
        max_consecutive_failures: 0,
        max_exposure_per_venue: Money::ZERO,
        max_exposure_per_market: Money::ZERO,
        max_exposure_per_event: Money::ZERO,
        max_book_age_ms: 0,
        canary: false,
        canary_max_contracts: Qty::ZERO,
        canary_lanes: [true, true],
    };
}

impl Default for RiskLimits {
    /// The limits a profile gets unless it says otherwise.
    fn default() -> Self {
        RiskLimits {
            daily_loss_cap: Money::dollars(100),
            max_consecutive_failures: 10,
            max_exposure_per_venue: Money::dollars(2_500),
            max_exposure_per_market: Money::dollars(1_000),
            max_exposure_per_event: Money::dollars(1_500),
            max_book_age_ms: 60_000,
            canary: false,
            canary_max_contracts: Qty::contracts(1),
            canary_lanes: [true, true],
        }
    }
}

/// The quote sanity firewall: books every lane must pass before it reads them, the
/// largest edge believed, and the bucket ladder's sanity bound. Journaled in a
/// `FirewallLoaded` event (format version 2). A journal without one replays with the
/// firewall off (`OFF`); a profile gets the safe values of `Default`. A bound of zero
/// is not checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallConfig {
    pub enabled: bool,
    /// Best bid and best ask must lie within [min_price, max_price].
    pub min_price: crate::core::Price,
    pub max_price: crate::core::Price,
    /// Largest believable size of a best level.
    pub max_level_qty: Qty,
    /// A best level of at most `micro_max_qty` more than `micro_gap` away from the
    /// next level of its side is an artifact.
    pub micro_max_qty: Qty,
    pub micro_gap: crate::core::Price,
    /// A book not updated for longer than this (event time) is not read.
    pub max_book_age_ms: u32,
    /// The mid may move at most this much between two updates with no trade between.
    pub max_jump: crate::core::Price,
    /// Edges per contract above this (every lane but intra-venue) are presumed a
    /// mapping error and not traded.
    pub max_edge: Money,
    /// A bucket ladder whose YES best bids sum below this is missing a bucket.
    pub min_ladder_bid_sum: crate::core::Price,
}

impl FirewallConfig {
    /// No checks: how a journal without a `FirewallLoaded` replays.
    pub const OFF: FirewallConfig = FirewallConfig {
        enabled: false,
        min_price: crate::core::Price(0),
        max_price: crate::core::Price(10_000),
        max_level_qty: Qty::ZERO,
        micro_max_qty: Qty::ZERO,
        micro_gap: crate::core::Price(0),
        max_book_age_ms: 0,
        max_jump: crate::core::Price(0),
        max_edge: Money::ZERO,
        min_ladder_bid_sum: crate::core::Price(0),
    };
}

impl Default for FirewallConfig {
    /// The bounds a profile gets unless it says otherwise.
    fn default() -> Self {
        FirewallConfig {
            enabled: true,
            min_price: crate::core::Price(100),
            max_price: crate::core::Price(9_900),
            max_level_qty: Qty::contracts(1_000_000),
            micro_max_qty: Qty::contracts(1),
            micro_gap: crate::core::Price(1_000),
            max_book_age_ms: 60_000,
            max_jump: crate::core::Price(2_500),
            max_edge: Money(300_000),
            min_ladder_bid_sum: crate::core::Price(7_000),
        }
    }
}

/// Entries stop this long before a market's close unless the profile says otherwise:
/// the last minutes before a close are when books thin out and resolution news lands.
pub const DEFAULT_CLOSE_MARGIN_S: u32 = 300;

/// A profile file: the engine's settings, its legging policy, its risk limits, its
/// quote firewall and how often the lanes' coverage is journaled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub engine: EngineConfig,
    pub legging: LegPolicy,
    pub resting: RestingPolicy,
    pub risk: RiskLimits,
    pub firewall: FirewallConfig,
    /// `[lanes] coverage_every_s`: seconds of event time between looks at the lanes'
    /// coverage (0: not journaled).
    pub coverage_every_s: u32,
    /// `[risk] canary_lanes`, for every lane (`RiskLimits` holds the first two).
    pub canary_lanes: [bool; crate::event::Lane::COUNT],
    /// `[risk] close_margin_s`: no entry on a market that closes within this many
    /// seconds (by its listed close time).
    pub close_margin_s: u32,
    /// `[legging] unwind_baskets`: a basket's unequal fills are unwound (buying the
    /// other outcome of each over-filled leg within `unwind_max_loss`).
    pub unwind_baskets: bool,
    /// `[firewall] stream_vouches`: a quiet book on a healthy stream is current (its
    /// age counts from the venue's last sign of life, not its own last change).
    pub stream_vouches: bool,
    /// `[legging] sell_to_close`: a Polymarket position is closed (hedged, unwound,
    /// exited) by selling its token, not by buying the other one.
    pub sell_to_close: bool,
    /// `[exit]`: how an unhedged position is closed (`None`: `enabled = false`, the
    /// operator's).
    pub exit: Option<ExitPolicy>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            engine: EngineConfig::default(),
            legging: LegPolicy::default(),
            resting: RestingPolicy::default(),
            risk: RiskLimits::default(),
            firewall: FirewallConfig::default(),
            coverage_every_s: 10,
            canary_lanes: [true; crate::event::Lane::COUNT],
            close_margin_s: DEFAULT_CLOSE_MARGIN_S,
            unwind_baskets: true,
            stream_vouches: true,
            sell_to_close: true,
            exit: Some(ExitPolicy::default()),
        }
    }
}

impl Profile {
    /// The events that load this profile into a reducer, in the order every driver
    /// journals them (live, paper, Monte Carlo, preflight's dry run).
    pub fn events(&self) -> Vec<crate::event::Event> {
        use crate::event::Event;
        [
            Event::ConfigLoaded(self.engine.clone()),
            Event::LegPolicyLoaded(self.legging),
            Event::RestingPolicyLoaded(self.resting),
            Event::RiskLimitsLoaded(self.risk),
            Event::FirewallLoaded(self.firewall),
            Event::CoverageEvery {
                every_ms: self.coverage_every_s.saturating_mul(1_000),
            },
            Event::CanaryLanes {
                lanes: self.canary_lanes,
            },
            Event::SettlementPolicy {
                close_margin_ms: u64::from(self.close_margin_s) * 1_000,
            },
            Event::BasketUnwind {
                enabled: self.unwind_baskets,
            },
            Event::StreamVouches {
                enabled: self.stream_vouches,
            },
            Event::SellToClose {
                enabled: self.sell_to_close,
            },
        ]
        .into_iter()
        .chain(self.exit.map(Event::ExitPolicyLoaded))
        .collect()
    }
}

/// A problem in a profile file, naming the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("profile {path}: {message}")]
    Parse { path: String, message: String },
    #[error("profile {path}: field `{field}`: {message}")]
    Value {
        path: String,
        field: &'static str,
        message: String,
    },
}

/// A decimal written either as a TOML string ("0.005") or a number (0.005).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum Decimal {
    Text(String),
    Int(i64),
    Float(f64),
}

impl Decimal {
    fn text(&self) -> String {
        match self {
            Decimal::Text(s) => s.clone(),
            Decimal::Int(i) => i.to_string(),
            Decimal::Float(f) => f.to_string(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default)]
    lanes: LanesSection,
    #[serde(default)]
    thresholds: ThresholdsSection,
    #[serde(default)]
    sizing: SizingSection,
    #[serde(default)]
    engine: EngineSection,
    #[serde(default)]
    legging: LeggingSection,
    /// The Monte Carlo venue model: read by `sim::stochastic::ModelParams`, not here.
    #[allow(dead_code)]
    #[serde(default)]
    montecarlo: Option<toml::Table>,
    #[serde(default)]
    risk: RiskSection,
    #[serde(default)]
    firewall: FirewallSection,
    #[serde(default)]
    exit: exit::ExitSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FirewallSection {
    enabled: Option<bool>,
    min_price: Option<Decimal>,
    max_price: Option<Decimal>,
    max_level_qty: Option<i64>,
    micro_max_qty: Option<i64>,
    micro_gap: Option<Decimal>,
    max_book_age_ms: Option<u32>,
    stream_vouches: Option<bool>,
    max_jump: Option<Decimal>,
    max_edge: Option<Decimal>,
    min_ladder_bid_sum: Option<Decimal>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskSection {
    daily_loss_cap: Option<Decimal>,
    max_consecutive_failures: Option<u32>,
    max_exposure_per_venue: Option<Decimal>,
    max_exposure_per_market: Option<Decimal>,
    max_exposure_per_event: Option<Decimal>,
    max_book_age_ms: Option<u32>,
    canary: Option<bool>,
    canary_max_contracts: Option<i64>,
    canary_lanes: Option<Vec<String>>,
    close_margin_s: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeggingSection {
    sequential: Option<bool>,
    max_price_move: Option<Decimal>,
    unwind_max_loss: Option<Decimal>,
    unwind_baskets: Option<bool>,
    sell_to_close: Option<bool>,
    second_leg_rest_ms: Option<u32>,
    resubmits: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanesSection {
    intra_venue: Option<bool>,
    cross_venue: Option<bool>,
    coverage_every_s: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsSection {
    min_edge: Option<Decimal>,
    min_profit: Option<Decimal>,
    min_pair_confidence: Option<Decimal>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SizingSection {
    max_contracts: Option<i64>,
    max_notional: Option<Decimal>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EngineSection {
    seed: Option<u64>,
    kill_switch: Option<bool>,
}

impl Profile {
    /// Reads a profile file; fields it does not set keep their defaults.
    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Profile::from_toml(&text, &path.display().to_string())
    }

    /// Parses profile text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile, ConfigError> {
        let engine = EngineConfig::from_toml(text, origin)?;
        let file: ProfileFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        let bad = |field: &'static str, message: String| ConfigError::Value {
            path: origin.to_string(),
            field,
            message,
        };
        let mut legging = LegPolicy::default();
        let l = &file.legging;
        if let Some(s) = l.sequential {
            legging.sequential = s;
        }
        if let Some(d) = &l.max_price_move {
            let raw = parse_decimal(&d.text(), 4)
                .map_err(|e| bad("legging.max_price_move", e.to_string()))?;
            if !(0..=2_000).contains(&raw) {
                return Err(bad(
                    "legging.max_price_move",
                    format!("{} is not between 0 and 0.20", d.text()),
                ));
            }
            legging.max_price_move = crate::core::Price(raw as u16);
        }
        if let Some(d) = &l.unwind_max_loss {
            let raw = parse_decimal(&d.text(), 6)
                .map_err(|e| bad("legging.unwind_max_loss", e.to_string()))?;
            if !(0..=500_000).contains(&raw) {
                return Err(bad(
                    "legging.unwind_max_loss",
                    format!("{} is not between 0 and 0.50", d.text()),
                ));
            }
            legging.unwind_max_loss = Money(raw);
        }
        let mut resting = RestingPolicy::default();
        if let Some(ms) = l.second_leg_rest_ms {
            if ms > 600_000 {
                return Err(bad(
                    "legging.second_leg_rest_ms",
                    format!("{ms} is more than 600000 (ten minutes)"),
                ));
            }
            resting.second_leg_rest_ms = ms;
        }
        if let Some(n) = l.resubmits {
            if n > 10 {
                return Err(bad("legging.resubmits", format!("{n} is more than 10")));
            }
            resting.resubmits = n;
        }
        let risk = risk_limits(&file.risk, origin)?;
        let canary_lanes = canary_lanes(&file.risk, origin)?;
        let firewall = firewall(&file.firewall, origin)?;
        let coverage_every_s = file.lanes.coverage_every_s.unwrap_or(10);
        if coverage_every_s > 86_400 {
            return Err(bad(
                "lanes.coverage_every_s",
                format!("{coverage_every_s} is more than a day"),
            ));
        }
        let close_margin_s = file.risk.close_margin_s.unwrap_or(DEFAULT_CLOSE_MARGIN_S);
        if close_margin_s > 7 * 86_400 {
            return Err(bad(
                "risk.close_margin_s",
                format!("{close_margin_s} is more than a week"),
            ));
        }
        Ok(Profile {
            engine,
            legging,
            resting,
            risk,
            firewall,
            coverage_every_s,
            canary_lanes,
            close_margin_s,
            unwind_baskets: l.unwind_baskets.unwrap_or(true),
            stream_vouches: file.firewall.stream_vouches.unwrap_or(true),
            sell_to_close: l.sell_to_close.unwrap_or(true),
            exit: file.exit.policy(legging.unwind_max_loss, origin)?,
        })
    }
}

fn firewall(f: &FirewallSection, origin: &str) -> Result<FirewallConfig, ConfigError> {
    let bad = |field: &'static str, message: String| ConfigError::Value {
        path: origin.to_string(),
        field,
        message,
    };
    // A price in [0, 1] (or up to `max` dollars), to 1e-4.
    let price = |field: &'static str, d: &Decimal, max: i64| {
        let raw = parse_decimal(&d.text(), 4).map_err(|e| bad(field, e.to_string()))?;
        if !(0..=max).contains(&raw) {
            return Err(bad(field, format!("{} is not between 0 and 1", d.text())));
        }
        Ok(crate::core::Price(raw as u16))
    };
    let contracts = |field: &'static str, n: i64| {
        if !(0..=1_000_000_000).contains(&n) {
            return Err(bad(field, format!("{n} is not between 0 and 1000000000")));
        }
        Ok(Qty::contracts(n))
    };
    let mut c = FirewallConfig::default();
    if let Some(e) = f.enabled {
        c.enabled = e;
    }
    for (field, value, slot) in [
        ("firewall.min_price", &f.min_price, &mut c.min_price),
        ("firewall.max_price", &f.max_price, &mut c.max_price),
        ("firewall.micro_gap", &f.micro_gap, &mut c.micro_gap),
        ("firewall.max_jump", &f.max_jump, &mut c.max_jump),
        (
            "firewall.min_ladder_bid_sum",
            &f.min_ladder_bid_sum,
            &mut c.min_ladder_bid_sum,
        ),
    ] {
        if let Some(d) = value {
            *slot = price(field, d, 10_000)?;
        }
    }
    if c.min_price > c.max_price {
        return Err(bad(
            "firewall.min_price",
            "is above firewall.max_price".to_string(),
        ));
    }
    if let Some(n) = f.max_level_qty {
        c.max_level_qty = contracts("firewall.max_level_qty", n)?;
    }
    if let Some(n) = f.micro_max_qty {
        c.micro_max_qty = contracts("firewall.micro_max_qty", n)?;
    }
    if let Some(ms) = f.max_book_age_ms {
        c.max_book_age_ms = ms;
    }
    if let Some(d) = &f.max_edge {
        let p = price("firewall.max_edge", d, 10_000)?;
        c.max_edge = Money(i64::from(p.0) * 100);
    }
    Ok(c)
}

fn risk_limits(r: &RiskSection, origin: &str) -> Result<RiskLimits, ConfigError> {
    let bad = |field: &'static str, message: String| ConfigError::Value {
        path: origin.to_string(),
        field,
        message,
    };
    let money = |field: &'static str, d: &Decimal| -> Result<Money, ConfigError> {
        let raw = parse_decimal(&d.text(), 6).map_err(|e| bad(field, e.to_string()))?;
        if raw < 0 {
            return Err(bad(field, format!("{} is negative", d.text())));
        }
        Ok(Money(raw))
    };
    let mut l = RiskLimits::default();
    for (field, value, slot) in [
        (
            "risk.daily_loss_cap",
            &r.daily_loss_cap,
            &mut l.daily_loss_cap,
        ),
        (
            "risk.max_exposure_per_venue",
            &r.max_exposure_per_venue,
            &mut l.max_exposure_per_venue,
        ),
        (
            "risk.max_exposure_per_market",
            &r.max_exposure_per_market,
            &mut l.max_exposure_per_market,
        ),
        (
            "risk.max_exposure_per_event",
            &r.max_exposure_per_event,
            &mut l.max_exposure_per_event,
        ),
    ] {
        if let Some(d) = value {
            *slot = money(field, d)?;
        }
    }
    if let Some(n) = r.max_consecutive_failures {
        l.max_consecutive_failures = n;
    }
    if let Some(ms) = r.max_book_age_ms {
        l.max_book_age_ms = ms;
    }
    if let Some(c) = r.canary {
        l.canary = c;
    }
    if let Some(n) = r.canary_max_contracts {
        if !(1..=1_000).contains(&n) {
            return Err(bad(
                "risk.canary_max_contracts",
                format!("{n} is not between 1 and 1000"),
            ));
        }
        l.canary_max_contracts = Qty::contracts(n);
    }
    if r.canary_lanes.is_some() {
        let all = canary_lanes(r, origin)?;
        // The version 1 list has the first two lanes' slots; `CanaryLanes` has all.
        l.canary_lanes = [all[0], all[1]];
    }
    Ok(l)
}

/// `risk.canary_lanes`: the lanes canary mode lets run (all when absent).
fn canary_lanes(
    r: &RiskSection,
    origin: &str,
) -> Result<[bool; crate::event::Lane::COUNT], ConfigError> {
    let Some(names) = &r.canary_lanes else {
        return Ok([true; crate::event::Lane::COUNT]);
    };
    let mut lanes = [false; crate::event::Lane::COUNT];
    for name in names {
        let Some(lane) = crate::event::Lane::ALL.iter().find(|l| l.name() == name) else {
            let known: Vec<&str> = crate::event::Lane::ALL.iter().map(|l| l.name()).collect();
            return Err(ConfigError::Value {
                path: origin.to_string(),
                field: "risk.canary_lanes",
                message: format!("{name:?} is not a lane ({})", known.join(", ")),
            });
        };
        lanes[*lane as usize] = true;
    }
    Ok(lanes)
}

impl EngineConfig {
    /// Reads a profile file's engine settings; fields it does not set keep their
    /// defaults.
    pub fn load(path: &Path) -> Result<EngineConfig, ConfigError> {
        Profile::load(path).map(|p| p.engine)
    }

    /// Parses profile text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<EngineConfig, ConfigError> {
        let file: ProfileFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        let bad = |field: &'static str, message: String| ConfigError::Value {
            path: origin.to_string(),
            field,
            message,
        };
        let money = |field: &'static str, d: &Decimal| -> Result<Money, ConfigError> {
            let text = d.text();
            let raw = parse_decimal(&text, 6).map_err(|e| bad(field, e.to_string()))?;
            if raw < 0 {
                return Err(bad(field, format!("{text} is negative")));
            }
            Ok(Money(raw))
        };
        let mut c = EngineConfig::default();
        if let Some(v) = file.lanes.intra_venue {
            c.intra_venue = v;
        }
        if let Some(v) = file.lanes.cross_venue {
            c.cross_venue = v;
        }
        if let Some(d) = &file.thresholds.min_edge {
            c.min_edge = money("thresholds.min_edge", d)?;
        }
        if let Some(d) = &file.thresholds.min_profit {
            c.min_profit = money("thresholds.min_profit", d)?;
        }
        if let Some(d) = &file.thresholds.min_pair_confidence {
            let field = "thresholds.min_pair_confidence";
            let raw = parse_decimal(&d.text(), 4).map_err(|e| bad(field, e.to_string()))?;
            if !(0..=10_000).contains(&raw) {
                return Err(bad(field, format!("{} is not between 0 and 1", d.text())));
            }
            c.min_pair_confidence_bp = raw as u16;
        }
        if let Some(n) = file.sizing.max_contracts {
            if !(1..=1_000_000).contains(&n) {
                return Err(bad(
                    "sizing.max_contracts",
                    format!("{n} is not between 1 and 1000000"),
                ));
            }
            c.max_contracts = Qty::contracts(n);
        }
        if let Some(d) = &file.sizing.max_notional {
            c.max_notional = money("sizing.max_notional", d)?;
            if c.max_notional == Money::ZERO {
                return Err(bad("sizing.max_notional", "must be above zero".into()));
            }
        }
        if let Some(seed) = file.engine.seed {
            c.seed = seed;
        }
        if let Some(k) = file.engine.kill_switch {
            c.kill_switch = k;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_lanes_name_any_lane_and_a_wrong_name_is_an_error() {
        let p = Profile::from_toml(
            "[risk]\ncanary = true\ncanary_lanes = [\"cross_venue\", \"bucket\"]\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.canary_lanes, [false, true, true, false, false]);
        assert_eq!(p.risk.canary_lanes, [false, true]);
        assert_eq!(Profile::default().canary_lanes, [true; 5]);
        let e = Profile::from_toml("[risk]\ncanary_lanes = [\"buckets\"]\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("risk.canary_lanes") && e.contains("\"buckets\" is not a lane"),
            "{e}"
        );
    }

    #[test]
    fn legging_policy_reads_and_checks_its_fields() {
        let p = Profile::from_toml(
            "[legging]\nsequential = false\nmax_price_move = \"0.02\"\nunwind_max_loss = 0.1\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            p.legging,
            LegPolicy {
                sequential: false,
                max_price_move: crate::core::Price(200),
                unwind_max_loss: Money(100_000)
            }
        );
        let e = Profile::from_toml("[legging]\nmax_price_move = 0.5\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.toml") && e.contains("legging.max_price_move"),
            "{e}"
        );
        assert_eq!(
            Profile::from_toml("", "t").unwrap().legging,
            LegPolicy::default()
        );
    }

    #[test]
    fn resting_second_legs_are_read_and_bounded() {
        let p = Profile::from_toml("[legging]\nsecond_leg_rest_ms = 1500\nresubmits = 2\n", "t")
            .unwrap();
        assert_eq!(
            p.resting,
            RestingPolicy {
                second_leg_rest_ms: 1500,
                resubmits: 2
            }
        );
        assert_eq!(
            Profile::from_toml("", "t").unwrap().resting,
            RestingPolicy::default()
        );
        for (text, field) in [
            ("second_leg_rest_ms = 700000", "legging.second_leg_rest_ms"),
            ("resubmits = 11", "legging.resubmits"),
        ] {
            let e = Profile::from_toml(&format!("[legging]\n{text}\n"), "p.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("p.toml") && e.contains(field), "{e}");
        }
    }

    #[test]
    fn empty_profile_is_the_default() {
        assert_eq!(
            EngineConfig::from_toml("", "t").unwrap(),
            EngineConfig::default()
        );
    }

    #[test]
    fn reads_strings_and_numbers() {
        let c = EngineConfig::from_toml(
            "[thresholds]\nmin_edge = \"0.01\"\nmin_profit = 0.25\nmin_pair_confidence = 0.95\n\
             [sizing]\nmax_contracts = 7\nmax_notional = 20\n[lanes]\nintra_venue = false\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.min_edge, Money(10_000));
        assert_eq!(c.min_profit, Money(250_000));
        assert_eq!(c.min_pair_confidence_bp, 9_500);
        assert_eq!(c.max_contracts, Qty::contracts(7));
        assert_eq!(c.max_notional, Money::dollars(20));
        assert!(!c.intra_venue);
    }

    #[test]
    fn bad_values_name_file_and_field() {
        let cases = [
            ("[thresholds]\nmin_edge = \"-0.01\"", "thresholds.min_edge"),
            ("[thresholds]\nmin_edge = \"abc\"", "thresholds.min_edge"),
            (
                "[thresholds]\nmin_pair_confidence = 1.5",
                "thresholds.min_pair_confidence",
            ),
            ("[sizing]\nmax_contracts = 0", "sizing.max_contracts"),
            ("[sizing]\nmax_notional = \"0\"", "sizing.max_notional"),
        ];
        for (text, field) in cases {
            let err = EngineConfig::from_toml(text, "p.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains("p.toml") && err.contains(field), "{err}");
        }
        let err = EngineConfig::from_toml("[sizing]\nmax_contrcts = 3", "p.toml").unwrap_err();
        assert!(err.to_string().contains("max_contrcts"), "{err}");
    }
}
