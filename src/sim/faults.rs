//! Scripted venue faults for scenarios: what goes wrong, when (scenario time), for how
//! long, and on which market. The simulator server applies them; paper runs ignore them.

use serde::Deserialize;

/// One kind of misbehaviour a venue shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Every REST request answers 429 with `Retry-After`.
    RateLimit { retry_after_s: u32 },
    /// Every REST request answers this 5xx status.
    ServerError { status: u16 },
    /// Open WebSockets are closed (once, at `at`).
    WsDisconnect,
    /// One book message is lost on every order book subscription (once): its sequence
    /// number is skipped and the book the client builds is wrong until a resync.
    SequenceGap,
    /// One crossed delta on the market's book stream (once): a YES bid at the best ask,
    /// which the exchange's book does not have (a REST or snapshot read shows the true
    /// book).
    CrossBook,
    /// The market's book stops moving and its feed goes quiet.
    FreezeBook,
    /// Subscriptions to the market (every market: none) are answered as usual but not
    /// served: no book and no update comes for it, as when a venue silently thins a
    /// subscription. One made after the window is served.
    IgnoreSubscribe,
    /// Orders are refused.
    RejectOrders,
    /// Taker orders fill at most this share (basis points) of their size.
    PartialFill { ratio_bp: u16 },
    /// Order requests are answered this late.
    SlowAck { delay_ms: u32 },
    /// Trades matched now fail to settle shortly after (Polymarket: RETRYING, then
    /// FAILED); the venue undoes their fills.
    SettlementFailure,
    /// The venue's WebSockets (every venue's when `None`) are refused: each is accepted
    /// and closed at once, before any message, so a client that takes the handshake
    /// for success and reconnects fast meets a connect storm.
    RefuseWs { venue: Option<crate::core::Venue> },
    /// The venue takes each order, then closes the connection without a usable answer
    /// (the answer is cut off mid-way): the client cannot tell what became of it.
    LostAck { venue: Option<crate::core::Venue> },
    /// The venue takes each order and answers it this late, after a client with a
    /// shorter timeout has given up (`slow_ack` with a long delay).
    TimeoutAfterAccept {
        delay_ms: u32,
        venue: Option<crate::core::Venue>,
    },
    /// The venue takes each order, then answers with this 5xx.
    ErrorAfterAccept {
        status: u16,
        venue: Option<crate::core::Venue>,
    },
}

impl FaultKind {
    /// Faults that happen at an instant rather than over a window.
    pub fn is_instant(self) -> bool {
        matches!(
            self,
            FaultKind::WsDisconnect | FaultKind::SequenceGap | FaultKind::CrossBook
        )
    }
}

/// A fault at `at_ns` (after the scenario start, event time) for `duration_ns`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub at_ns: i64,
    pub duration_ns: i64,
    pub kind: FaultKind,
    /// Venue id of the one market affected (a frozen book, or the orders on it that an
    /// order-path fault touches); all markets when absent.
    pub market: Option<String>,
}

/// A `[[fault]]` table as written in a scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultFile {
    pub at_s: f64,
    #[serde(default)]
    pub duration_s: f64,
    pub kind: String,
    pub market: Option<String>,
    pub retry_after_s: Option<u32>,
    pub status: Option<u16>,
    pub fill_ratio: Option<f64>,
    pub delay_ms: Option<u32>,
    /// The venue a `refuse_ws`, `lost_ack`, `timeout_after_accept` or
    /// `error_after_accept` fault applies to (all when absent).
    pub venue: Option<String>,
}

impl FaultFile {
    fn venue(&self) -> Result<Option<crate::core::Venue>, String> {
        self.venue.as_deref().map(str::parse).transpose()
    }

    /// The validated fault, or what is wrong with it (the caller names the file).
    pub fn parse(&self) -> Result<Fault, String> {
        if !(self.at_s.is_finite() && self.at_s >= 0.0) {
            return Err(format!("at_s {} is not a time after the start", self.at_s));
        }
        if !(self.duration_s.is_finite() && self.duration_s >= 0.0) {
            return Err(format!("duration_s {} is negative", self.duration_s));
        }
        let kind = match self.kind.as_str() {
            "rate_limit" => FaultKind::RateLimit {
                retry_after_s: self.retry_after_s.unwrap_or(1),
            },
            "server_error" => {
                let status = self.status.unwrap_or(503);
                if !(500..600).contains(&status) {
                    return Err(format!("status {status} is not a 5xx"));
                }
                FaultKind::ServerError { status }
            }
            "ws_disconnect" => FaultKind::WsDisconnect,
            "sequence_gap" => FaultKind::SequenceGap,
            "cross_book" => FaultKind::CrossBook,
            "freeze_book" => FaultKind::FreezeBook,
            "ignore_subscribe" => FaultKind::IgnoreSubscribe,
            "reject_orders" => FaultKind::RejectOrders,
            "partial_fill" => {
                let r = self.fill_ratio.unwrap_or(0.5);
                if !(0.0..1.0).contains(&r) {
                    return Err(format!("fill_ratio {r} is not in [0, 1)"));
                }
                FaultKind::PartialFill {
                    ratio_bp: (r * 10_000.0).round() as u16,
                }
            }
            "slow_ack" => FaultKind::SlowAck {
                delay_ms: self.delay_ms.unwrap_or(500),
            },
            "settlement_failure" => FaultKind::SettlementFailure,
            "refuse_ws" => FaultKind::RefuseWs {
                venue: self.venue()?,
            },
            "lost_ack" => FaultKind::LostAck {
                venue: self.venue()?,
            },
            "timeout_after_accept" => FaultKind::TimeoutAfterAccept {
                delay_ms: self.delay_ms.unwrap_or(15_000),
                venue: self.venue()?,
            },
            "error_after_accept" => {
                let status = self.status.unwrap_or(500);
                if !(500..600).contains(&status) {
                    return Err(format!("status {status} is not a 5xx"));
                }
                FaultKind::ErrorAfterAccept {
                    status,
                    venue: self.venue()?,
                }
            }
            other => {
                return Err(format!(
                    "unknown kind {other:?} (rate_limit, server_error, ws_disconnect, sequence_gap, cross_book, freeze_book, ignore_subscribe, reject_orders, partial_fill, slow_ack, settlement_failure, refuse_ws, lost_ack, timeout_after_accept, error_after_accept)"
                ));
            }
        };
        if !kind.is_instant() && self.duration_s == 0.0 {
            return Err(format!("{} needs duration_s", self.kind));
        }
        Ok(Fault {
            at_ns: (self.at_s * 1e9) as i64,
            duration_ns: (self.duration_s * 1e9) as i64,
            kind,
            market: self.market.clone(),
        })
    }
}
