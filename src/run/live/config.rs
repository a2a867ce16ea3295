//! `arb live` configuration (TOML): which venues, where, with which credentials and
//! markets; with no venue configured, the embedded loopback simulator.

use crate::venues::credentials::CredentialSource;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LiveConfigError {
    #[error("cannot read live config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("live config {path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveConfig {
    /// Engine profile (see README); defaults when absent.
    pub profile: Option<PathBuf>,
    /// Cross-venue mapping file.
    pub pairs: Option<PathBuf>,
    /// Seconds a market-data stream may say nothing at all (no data, no heartbeat)
    /// before it is dropped and reconnected; 0: never.
    #[serde(default = "default_stream_silent")]
    pub stream_silent_s: f64,
    /// When a feed goes hybrid or poll-only, and when it climbs back.
    #[serde(default)]
    pub feed: super::degrade::FeedPolicy,
    /// Milliseconds between status polls of each resting order.
    #[serde(default = "default_order_poll")]
    pub order_poll_ms: u64,
    /// Seconds a venue request may take before the client gives up on it. An order
    /// request given up on has an unknown outcome (journaled `OrderUnknown`).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_s: f64,
    /// Seconds an order of unknown outcome must stay absent at the venue (looked up at
    /// least three times) before that absence is taken as the venue's answer and the
    /// order rejected.
    #[serde(default = "default_unknown_settle")]
    pub unknown_settle_s: f64,
    /// Seconds between reconciliations with the venues while running (positions and
    /// free cash read and compared, every difference journaled); also soon after an
    /// order of unknown outcome or a difference. 0: off (balances are then refreshed
    /// every `balance_refresh_s` instead).
    #[serde(default = "default_reconcile")]
    pub reconcile_s: f64,
    /// Seconds between looks at the status of every market not settled yet (Kalshi
    /// `/markets?tickers=`, Polymarket `/markets/{condition}`): a close is journaled as
    /// `MarketClosed`, a result as `Settled`. 0: off (positions are then never paid
    /// out by the engine, and settled markets show as reconciliation differences).
    #[serde(default = "default_market_status")]
    pub market_status_s: f64,
    /// The share of a venue's read budget the periodic status looks take on Polymarket
    /// (one request per condition): at most this many conditions a second of
    /// `market_status_s`, in rotation, and never fewer than 50 a look. Markets a stream
    /// names, or that leave the listing, are read at once regardless.
    #[serde(default = "default_market_status_reads")]
    pub market_status_reads_per_s: f64,
    /// The share of rules (tradable pairs, group rules) that must have every book
    /// fresh; below it the streamed books they wait for are subscribed again.
    #[serde(default = "default_coverage_floor")]
    pub coverage_floor: f64,
    /// Seconds between looks at that figure. 0: off.
    #[serde(default = "default_coverage_probe")]
    pub coverage_probe_s: f64,
    /// Seconds between balance refreshes from the venues (journaled as `Balance`).
    #[serde(default = "default_balance_refresh")]
    pub balance_refresh_s: f64,
    /// Seconds between looks at the `pairs` file: a changed file is reloaded (and
    /// journaled as `MappingLoaded`); one that does not parse is logged and ignored.
    #[serde(default = "default_mapping_watch")]
    pub mapping_watch_s: f64,
    /// A reducer snapshot (`<journal>/snapshots/`) every this many events, and one at
    /// a clean stop, so a restart replays only the journal after it. 0: none.
    #[serde(default = "default_snapshot_every")]
    pub snapshot_every_events: u64,
    /// Items each venue's market-data queue to the core holds; past it, book updates
    /// are coalesced per market and trades dropped (counted; see the runbook).
    #[serde(default = "default_market_data_queue")]
    pub market_data_queue: usize,
    /// Seconds between rewrites of `<journal>/status.json` (the watchdog's live view).
    #[serde(default = "default_status_every")]
    pub status_every_s: f64,
    /// The rate governor's limits and the breakers' error pattern (both venues).
    #[serde(default)]
    pub limits: super::limits::LimitsConfig,
    /// Segment size and retention of the journal (`[journal]`).
    #[serde(default)]
    pub journal: JournalConfig,
    /// Whether the markets traded are discovered from the venues' listings
    /// (`[universe]`) rather than listed by hand.
    #[serde(default)]
    pub universe: super::universe::UniverseConfig,
    pub kalshi: Option<KalshiConfig>,
    pub polymarket: Option<PolymarketConfig>,
    /// The embedded simulator, used when no venue is configured.
    #[serde(default)]
    pub sim: SimConfig,
    /// The run's event time (`[clock]`).
    #[serde(default)]
    pub clock: ClockConfig,
}

/// `[clock]`: the run's event time, what every journal record is stamped with. Against
/// the simulator it may run `speed` times faster than the wall clock from `origin_ms` (a
/// wall time, ms since the epoch; default the run's start), as `arb sim --speed S
/// --clock-origin-ms T` does with the same values, so that both keep one event time and
/// a day of trading passes in minutes. Never faster against a real venue. Timers set in
/// seconds elsewhere in this file (`reconcile_s`, `market_status_s`, ...) stay wall time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    #[serde(default = "default_clock_speed")]
    pub speed: f64,
    #[serde(default)]
    pub origin_ms: Option<i64>,
}

impl Default for ClockConfig {
    fn default() -> Self {
        ClockConfig {
            speed: default_clock_speed(),
            origin_ms: None,
        }
    }
}

fn default_clock_speed() -> f64 {
    1.0
}

/// `[journal]`: how big a segment grows, and what happens to sealed segments once a
/// base snapshot (the state at a later segment boundary) makes them unneeded.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    /// `keep` (nothing removed), `archive` (gzip into `archive_dir`) or `delete`.
    #[serde(default)]
    pub retention: crate::journal::retention::Policy,
    /// Where `archive` puts segments; `<journal>/archive/` when absent.
    pub archive_dir: Option<PathBuf>,
    /// Sealed segments always kept before the newest base snapshot's segment.
    #[serde(default = "default_keep_segments")]
    pub keep_segments: u32,
    /// Segment size in MiB (fractions allowed, at least 1/64: 16 KiB).
    #[serde(default = "default_segment_mib")]
    pub segment_mib: f64,
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            retention: crate::journal::retention::Policy::Keep,
            archive_dir: None,
            keep_segments: default_keep_segments(),
            segment_mib: default_segment_mib(),
        }
    }
}

fn default_keep_segments() -> u32 {
    1
}

fn default_segment_mib() -> f64 {
    64.0
}

impl JournalConfig {
    /// The segment size in bytes.
    pub fn segment_bytes(&self) -> u64 {
        (self.segment_mib * 1024.0 * 1024.0) as u64
    }

    /// The policy as applied to the journal at `journal`.
    pub fn retention(&self, journal: &Path) -> crate::journal::retention::Retention {
        crate::journal::retention::Retention {
            policy: self.retention,
            archive_dir: self
                .archive_dir
                .clone()
                .unwrap_or_else(|| journal.join(crate::journal::retention::ARCHIVE_DIR)),
            keep_segments: self.keep_segments,
        }
    }

    fn check(&self) -> Result<(), String> {
        if !(1.0 / 64.0..=4096.0).contains(&self.segment_mib) {
            return Err(format!(
                "journal.segment_mib: {} is not between 0.015625 (16 KiB) and 4096",
                self.segment_mib
            ));
        }
        if self.keep_segments > 1_000_000 {
            return Err(format!(
                "journal.keep_segments: {} is more than 1000000",
                self.keep_segments
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KalshiConfig {
    pub rest_url: String,
    pub ws_url: String,
    pub key_id: String,
    pub private_key: CredentialSource,
    /// Tickers to trade (none under `[universe] discover`: the listing is the list).
    #[serde(default)]
    pub markets: Vec<String>,
    /// Markets one WebSocket connection streams at most; more open more connections.
    /// 0 (the default): one connection for all (Kalshi documents no limit).
    #[serde(default)]
    pub markets_per_connection: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolymarketConfig {
    /// CLOB REST root, e.g. `https://clob.polymarket.com`.
    pub rest_url: String,
    /// Market channel, e.g. `wss://ws-subscriptions-clob.polymarket.com/ws/market`.
    pub ws_url: String,
    /// The wallet's private key (hex).
    pub private_key: CredentialSource,
    /// CLOB API credentials as JSON: `{"apiKey", "secret", "passphrase"}`.
    pub api_creds: CredentialSource,
    /// Token ids to trade (each is traded with its sibling outcome; none under
    /// `[universe] discover`).
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Tokens one market-channel connection streams at most; more open more
    /// connections. 0 (the default): one connection for all (Polymarket documents no
    /// limit).
    #[serde(default)]
    pub tokens_per_connection: usize,
    /// The Data API (positions), a host of its own.
    #[serde(default = "default_data_url")]
    pub data_url: String,
    /// The Gamma catalogue (`https://gamma-api.polymarket.com`), which discovery and
    /// `arb universe` read; not set: neither can list Polymarket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma_url: Option<String>,
}

fn default_data_url() -> String {
    "https://data-api.polymarket.com".into()
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Scenario file; the embedded arb-rich scenario when absent.
    pub scenario: Option<PathBuf>,
    /// Event-time speed-up of the scenario's book process.
    #[serde(default = "default_speed")]
    pub speed: f64,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            profile: None,
            pairs: None,
            order_poll_ms: default_order_poll(),
            request_timeout_s: default_request_timeout(),
            unknown_settle_s: default_unknown_settle(),
            reconcile_s: default_reconcile(),
            market_status_s: default_market_status(),
            market_status_reads_per_s: default_market_status_reads(),
            coverage_floor: default_coverage_floor(),
            coverage_probe_s: default_coverage_probe(),
            stream_silent_s: default_stream_silent(),
            feed: super::degrade::FeedPolicy::default(),
            balance_refresh_s: default_balance_refresh(),
            mapping_watch_s: default_mapping_watch(),
            snapshot_every_events: default_snapshot_every(),
            market_data_queue: default_market_data_queue(),
            status_every_s: default_status_every(),
            limits: super::limits::LimitsConfig::default(),
            journal: JournalConfig::default(),
            universe: super::universe::UniverseConfig::default(),
            kalshi: None,
            polymarket: None,
            sim: SimConfig::default(),
            clock: ClockConfig::default(),
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            scenario: None,
            speed: default_speed(),
        }
    }
}

fn default_stream_silent() -> f64 {
    30.0
}

fn default_order_poll() -> u64 {
    500
}

fn default_request_timeout() -> f64 {
    10.0
}

fn default_unknown_settle() -> f64 {
    5.0
}

fn default_reconcile() -> f64 {
    30.0
}

fn default_market_status() -> f64 {
    30.0
}

fn default_market_status_reads() -> f64 {
    4.0
}

fn default_coverage_floor() -> f64 {
    0.9
}

fn default_coverage_probe() -> f64 {
    10.0
}

fn default_mapping_watch() -> f64 {
    2.0
}

fn default_balance_refresh() -> f64 {
    60.0
}

fn default_snapshot_every() -> u64 {
    1_000_000
}

fn default_market_data_queue() -> usize {
    4_096
}

fn default_status_every() -> f64 {
    5.0
}

fn default_speed() -> f64 {
    20.0
}

impl LiveConfig {
    pub fn load(path: &Path) -> Result<LiveConfig, LiveConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| LiveConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        LiveConfig::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<LiveConfig, LiveConfigError> {
        let invalid = |message: String| LiveConfigError::Invalid {
            path: origin.to_string(),
            message,
        };
        let cfg: LiveConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let discover = cfg.universe.discover;
        cfg.universe.check().map_err(&invalid)?;
        if let Some(k) = &cfg.kalshi {
            market_list("kalshi.markets", "ticker", k.markets.is_empty(), discover)
                .map_err(&invalid)?;
            for (field, url) in [
                ("kalshi.rest_url", &k.rest_url),
                ("kalshi.ws_url", &k.ws_url),
            ] {
                if !(url.starts_with("http://")
                    || url.starts_with("https://")
                    || url.starts_with("ws://")
                    || url.starts_with("wss://"))
                {
                    return Err(invalid(format!(
                        "{field}: {url:?} is not an http(s) or ws(s) URL"
                    )));
                }
            }
        }
        if let Some(p) = &cfg.polymarket {
            market_list(
                "polymarket.tokens",
                "token id",
                p.tokens.is_empty(),
                discover,
            )
            .map_err(&invalid)?;
            if discover && p.gamma_url.is_none() {
                return Err(invalid(
                    "polymarket.gamma_url: discovery lists Polymarket from its Gamma catalogue (https://gamma-api.polymarket.com); set it".into(),
                ));
            }
            let gamma = p.gamma_url.iter().map(|u| ("polymarket.gamma_url", u));
            for (field, url) in [
                ("polymarket.rest_url", &p.rest_url),
                ("polymarket.ws_url", &p.ws_url),
            ]
            .into_iter()
            .chain(gamma)
            {
                if !(url.starts_with("http://")
                    || url.starts_with("https://")
                    || url.starts_with("ws://")
                    || url.starts_with("wss://"))
                {
                    return Err(invalid(format!(
                        "{field}: {url:?} is not an http(s) or ws(s) URL"
                    )));
                }
            }
        }
        if !(cfg.balance_refresh_s >= 1.0 && cfg.balance_refresh_s <= 86_400.0) {
            return Err(invalid(format!(
                "balance_refresh_s: {} is not between 1 and 86400",
                cfg.balance_refresh_s
            )));
        }
        if !(0.2..=3_600.0).contains(&cfg.mapping_watch_s) {
            return Err(invalid(format!(
                "mapping_watch_s: {} is not between 0.2 and 3600",
                cfg.mapping_watch_s
            )));
        }
        if !(cfg.stream_silent_s == 0.0 || (0.5..=3_600.0).contains(&cfg.stream_silent_s)) {
            return Err(invalid(format!(
                "stream_silent_s: {} is not 0 (never) or between 0.5 and 3600",
                cfg.stream_silent_s
            )));
        }
        cfg.feed.check().map_err(&invalid)?;
        cfg.journal.check().map_err(&invalid)?;
        cfg.limits.limits().map_err(&invalid)?;
        if !(1..=1_000_000).contains(&cfg.market_data_queue) {
            return Err(invalid(format!(
                "market_data_queue: {} is not between 1 and 1000000",
                cfg.market_data_queue
            )));
        }
        if !(0.1..=3_600.0).contains(&cfg.status_every_s) {
            return Err(invalid(format!(
                "status_every_s: {} is not between 0.1 and 3600",
                cfg.status_every_s
            )));
        }
        if !(50..=60_000).contains(&cfg.order_poll_ms) {
            return Err(invalid(format!(
                "order_poll_ms: {} is not between 50 and 60000",
                cfg.order_poll_ms
            )));
        }
        if !(0.1..=120.0).contains(&cfg.request_timeout_s) {
            return Err(invalid(format!(
                "request_timeout_s: {} is not between 0.1 and 120",
                cfg.request_timeout_s
            )));
        }
        if !(cfg.reconcile_s == 0.0 || (0.2..=86_400.0).contains(&cfg.reconcile_s)) {
            return Err(invalid(format!(
                "reconcile_s: {} is not 0 (off) or between 0.2 and 86400",
                cfg.reconcile_s
            )));
        }
        if !(cfg.market_status_s == 0.0 || (0.2..=86_400.0).contains(&cfg.market_status_s)) {
            return Err(invalid(format!(
                "market_status_s: {} is not 0 (off) or between 0.2 and 86400",
                cfg.market_status_s
            )));
        }
        if !(0.0..=1.0).contains(&cfg.coverage_floor) {
            return Err(invalid(format!(
                "coverage_floor: {} is not between 0 and 1",
                cfg.coverage_floor
            )));
        }
        if !(cfg.coverage_probe_s == 0.0 || (0.2..=86_400.0).contains(&cfg.coverage_probe_s)) {
            return Err(invalid(format!(
                "coverage_probe_s: {} is not 0 (off) or between 0.2 and 86400",
                cfg.coverage_probe_s
            )));
        }
        if !(0.1..=1_000.0).contains(&cfg.market_status_reads_per_s) {
            return Err(invalid(format!(
                "market_status_reads_per_s: {} is not between 0.1 and 1000",
                cfg.market_status_reads_per_s
            )));
        }
        if !(0.0..=3_600.0).contains(&cfg.unknown_settle_s) {
            return Err(invalid(format!(
                "unknown_settle_s: {} is not between 0 and 3600",
                cfg.unknown_settle_s
            )));
        }
        if !(cfg.clock.speed >= 1.0 && cfg.clock.speed <= 10_000.0) {
            return Err(invalid(format!(
                "clock.speed: {} is not between 1 and 10000",
                cfg.clock.speed
            )));
        }
        if !(cfg.sim.speed > 0.0 && cfg.sim.speed <= 10_000.0) {
            return Err(invalid(format!(
                "sim.speed: {} is not in (0, 10000]",
                cfg.sim.speed
            )));
        }
        Ok(cfg)
    }

    /// Every venue endpoint configured, for the loopback check.
    pub fn endpoints(&self) -> Vec<&str> {
        let kalshi = self
            .kalshi
            .iter()
            .flat_map(|k| [k.rest_url.as_str(), k.ws_url.as_str()]);
        let polymarket = self.polymarket.iter().flat_map(|p| {
            [p.rest_url.as_str(), p.ws_url.as_str(), p.data_url.as_str()]
                .into_iter()
                .chain(p.gamma_url.as_deref())
        });
        kalshi.chain(polymarket).collect()
    }
}

/// A venue's hand-written market list: needed unless discovery lists the markets, and
/// refused alongside it (one source of truth for what is traded).
fn market_list(field: &str, item: &str, empty: bool, discover: bool) -> Result<(), String> {
    match (empty, discover) {
        (true, false) => Err(format!(
            "{field}: list at least one {item} (or discover them: [universe] discover = true)"
        )),
        (false, true) => Err(format!(
            "{field}: leave it out with [universe] discover = true (the venue's listing is the list)"
        )),
        _ => Ok(()),
    }
}

/// True when `url`'s host is a loopback address (the simulator), not a real venue.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_told_from_real_hosts() {
        for u in [
            "http://127.0.0.1:8080/trade-api/v2",
            "ws://localhost/x",
            "http://[::1]:9/",
            "http://127.3.4.5",
        ] {
            assert!(is_loopback(u), "{u}");
        }
        for u in [
            "https://api.elections.kalshi.com/trade-api/v2",
            "wss://ws-subscriptions-clob.polymarket.com/ws/market",
            "http://10.0.0.1:80",
            "http://127.0.0.1.evil.com/",
        ] {
            assert!(!is_loopback(u), "{u}");
        }
    }

    #[test]
    fn bad_configs_say_which_field() {
        let e = LiveConfig::parse("[kalshi]\nrest_url = \"ftp://x\"\nws_url = \"wss://x\"\nkey_id = \"k\"\nprivate_key = { file = \"k.pem\" }\nmarkets = [\"T\"]\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("kalshi.rest_url"), "{e}");
        let e = LiveConfig::parse("[kalshi]\nrest_url = \"https://x\"\nws_url = \"wss://x\"\nkey_id = \"k\"\nprivate_key = { env = \"K\" }\nmarkets = []\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("kalshi.markets"), "{e}");
        let e = LiveConfig::parse("[sim]\nspeed = 0\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("sim.speed"), "{e}");
        assert!(LiveConfig::parse("", "c.toml").unwrap().kalshi.is_none());
        let e = LiveConfig::parse("[journal]\nsegment_mib = 0\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("journal.segment_mib"), "{e}");
        let e = LiveConfig::parse("[journal]\nretention = \"shred\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("retention"), "{e}");
    }

    #[test]
    fn journal_retention_defaults_and_keys() {
        let c = LiveConfig::parse("", "c.toml").unwrap().journal;
        assert_eq!(c, JournalConfig::default());
        assert_eq!(c.segment_bytes(), 64 << 20);
        let r = c.retention(Path::new("/j"));
        assert_eq!(r.policy, crate::journal::retention::Policy::Keep);
        assert_eq!(r.archive_dir, Path::new("/j/archive"));
        let c = LiveConfig::parse(
            "[journal]\nretention = \"archive\"\narchive_dir = \"/cold\"\nkeep_segments = 3\nsegment_mib = 0.25\n",
            "c.toml",
        )
        .unwrap()
        .journal;
        assert_eq!(c.segment_bytes(), 256 << 10);
        let r = c.retention(Path::new("/j"));
        assert_eq!(
            (r.policy, r.archive_dir.as_path(), r.keep_segments),
            (
                crate::journal::retention::Policy::Archive,
                Path::new("/cold"),
                3
            )
        );
    }

    /// The loopback guard sees every endpoint: a real Polymarket host (CLOB, stream or
    /// Data API) counts as much as a real Kalshi one.
    #[test]
    fn every_venue_endpoint_is_listed_for_the_loopback_check() {
        let c = LiveConfig::parse(
            "[polymarket]\nrest_url = \"http://127.0.0.1:9\"\nws_url = \"ws://127.0.0.1:9/ws/market\"\nprivate_key = { env = \"K\" }\napi_creds = { env = \"C\" }\ntokens = [\"1\"]\n",
            "c.toml",
        )
        .unwrap();
        let e = c.endpoints();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e.contains(&"https://data-api.polymarket.com"),
            "the default Data API is a real host: {e:?}"
        );
        assert!(!e.iter().all(|u| is_loopback(u)));
        let with_gamma = LiveConfig::parse(
            "[polymarket]\nrest_url = \"http://127.0.0.1:9\"\nws_url = \"ws://127.0.0.1:9/ws/market\"\nprivate_key = { env = \"K\" }\napi_creds = { env = \"C\" }\ntokens = [\"1\"]\ngamma_url = \"https://gamma-api.polymarket.com\"\n",
            "c.toml",
        )
        .unwrap();
        assert!(
            with_gamma
                .endpoints()
                .contains(&"https://gamma-api.polymarket.com"),
            "the catalogue is an endpoint too"
        );
    }

    /// Discovery replaces the hand-written lists: both at once, or Polymarket without
    /// its catalogue, is refused with the field named.
    #[test]
    fn discovery_wants_no_market_list_and_a_catalogue() {
        let kalshi = |markets: &str| {
            format!(
                "[universe]\ndiscover = true\n[kalshi]\nrest_url = \"https://x\"\nws_url = \"wss://x\"\nkey_id = \"k\"\nprivate_key = {{ env = \"K\" }}\n{markets}"
            )
        };
        let e = LiveConfig::parse(&kalshi("markets = [\"T\"]\n"), "c.toml").unwrap_err();
        assert!(
            e.to_string().contains("kalshi.markets: leave it out"),
            "{e}"
        );
        let c = LiveConfig::parse(&kalshi(""), "c.toml").unwrap();
        assert!(c.universe.discover && c.kalshi.unwrap().markets.is_empty());
        let poly = "[universe]\ndiscover = true\n[polymarket]\nrest_url = \"https://x\"\nws_url = \"wss://x\"\nprivate_key = { env = \"K\" }\napi_creds = { env = \"C\" }\n";
        let e = LiveConfig::parse(poly, "c.toml").unwrap_err();
        assert!(e.to_string().contains("polymarket.gamma_url"), "{e}");
        let ok = format!("{poly}gamma_url = \"https://gamma-api.polymarket.com\"\n");
        assert!(LiveConfig::parse(&ok, "c.toml").is_ok());
        let e = LiveConfig::parse("[universe]\npage_size = 0\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("universe.page_size"), "{e}");
    }
}
