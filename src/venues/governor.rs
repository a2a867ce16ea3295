//! The rate governor and circuit breakers of one venue: a token bucket per request
//! class sized from the venue's published limits, AIMD back-off on 429, `Retry-After`
//! honoured for every class, order requests ahead of reads and the engine's reads ahead
//! of background reads (warm polls, listing refreshes: at most a share of the read rate,
//! so that what the engine needs now always finds room), a bounded wait (a request
//! that would wait too long, or find too many ahead of it, is refused at once), and a
//! breaker per endpoint (REST endpoint groups and each WebSocket) that opens after
//! failures in a row, lets one probe through after a jittered, doubling cool-down, and
//! closes when the probe succeeds.

use super::http::VenueError;
pub use crate::event::Endpoint;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What a request is, for its bucket, its breaker and its priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Placing and canceling orders (a venue's write tier); goes ahead of reads.
    Order,
    /// What the engine needs now: order status and fills, positions and cash, the books
    /// it trades. Goes ahead of background reads.
    Read,
    /// Reads nothing waits on (the warm tier's polls, listing refreshes): at most
    /// `background_share` of the read rate, taken from the same read budget, and only
    /// while no order or engine read waits.
    Background,
}

impl Class {
    fn index(self) -> usize {
        self as usize
    }

    /// The class of a request named `"METHOD /path"`: writes to an order path are
    /// orders (placing, canceling), the rest are reads.
    pub fn of(endpoint: &str) -> Class {
        let (method, path) = endpoint.split_once(' ').unwrap_or(("GET", endpoint));
        if method != "GET" && (path.contains("order") || path.contains("cancel")) {
            Class::Order
        } else {
            Class::Read
        }
    }
}

/// Limits of one venue. Kalshi's basic tier is 20 reads and 10 writes a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub read_per_s: f64,
    pub write_per_s: f64,
    /// The longest a read may wait for its turn before it is refused.
    pub read_max_wait: Duration,
    /// The longest an order request may wait.
    pub order_max_wait: Duration,
    /// Requests waiting at most, per class: the queue is bounded.
    pub max_waiting: u32,
    /// The share of `read_per_s` background reads may use at most.
    pub background_share: f64,
    /// Failures in a row (429, 5xx, transport) that open a breaker.
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
    pub breaker_max_cooldown: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            read_per_s: 20.0,
            write_per_s: 10.0,
            read_max_wait: Duration::from_secs(10),
            order_max_wait: Duration::from_secs(2),
            max_waiting: 64,
            background_share: 0.5,
            breaker_failures: 5,
            breaker_cooldown: Duration::from_secs(1),
            breaker_max_cooldown: Duration::from_secs(30),
        }
    }
}

/// A breaker's state, reported to the engine when it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    /// One probe request is allowed through.
    HalfOpen,
}

/// Why the governor refused a request without sending it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The endpoint's breaker is open (or its one probe is out).
    CircuitOpen,
    /// The request would wait longer than allowed, or too many are waiting.
    Saturated,
}

/// What came of a request that was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// HTTP 429, with the venue's `Retry-After`.
    RateLimited(Option<Duration>),
    /// 5xx or a transport failure.
    Failed,
    /// The venue answered and refused (4xx other than 429): the path works.
    Refused,
}

/// A request class's token bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
    /// AIMD factor on the rate: halved on 429, raised back on success.
    factor: f64,
    waiting: u32,
}

/// An endpoint's breaker.
#[derive(Debug)]
struct Breaker {
    state: BreakerState,
    open_until: Instant,
    failures: u32,
    cooldown: Duration,
    /// Half-open: the one probe is out.
    probing: bool,
}

#[derive(Debug)]
struct State {
    buckets: [Bucket; 3],
    breakers: [Breaker; Endpoint::COUNT],
    /// Set by `Retry-After`: nobody sends before.
    blocked_until: Instant,
    changes: Vec<(Endpoint, BreakerState)>,
    jitter: u64,
}

/// Shared by every clone of a venue's REST client (and its streams' breakers).
#[derive(Clone, Debug)]
pub struct Governor {
    limits: Limits,
    state: Arc<Mutex<State>>,
}

const CLASSES: [Class; 3] = [Class::Order, Class::Read, Class::Background];

impl Governor {
    pub fn new(limits: Limits) -> Governor {
        let now = Instant::now();
        let bucket = |rate: f64| Bucket {
            tokens: rate.max(1.0),
            refilled: now,
            factor: 1.0,
            waiting: 0,
        };
        let breaker = |_| Breaker {
            state: BreakerState::Closed,
            open_until: now,
            failures: 0,
            cooldown: limits.breaker_cooldown,
            probing: false,
        };
        Governor {
            limits,
            state: Arc::new(Mutex::new(State {
                buckets: [
                    bucket(limits.write_per_s),
                    bucket(limits.read_per_s),
                    bucket(limits.read_per_s * limits.background_share),
                ],
                breakers: std::array::from_fn(breaker),
                blocked_until: now,
                changes: Vec::new(),
                jitter: 0x9E37_79B9_7F4A_7C15,
            })),
        }
    }

    /// Reads a second this venue allows (its configured limit, before any back-off).
    pub fn read_per_s(&self) -> f64 {
        self.limits.read_per_s
    }

    fn rate(&self, class: Class) -> f64 {
        match class {
            Class::Order => self.limits.write_per_s,
            Class::Read => self.limits.read_per_s,
            Class::Background => self.limits.read_per_s * self.limits.background_share,
        }
    }

    fn max_wait(&self, class: Class) -> Duration {
        match class {
            Class::Order => self.limits.order_max_wait,
            Class::Read | Class::Background => self.limits.read_max_wait,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this class's turn; `Err` without waiting when the endpoint's breaker
    /// is open, too many are waiting, or the wait would be too long.
    pub async fn acquire(&self, class: Class, endpoint: Endpoint) -> Result<(), Refusal> {
        let started = Instant::now();
        let mut queued = false;
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                let verdict = Self::pass_breaker(&mut s, endpoint, now)
                    .and_then(|()| self.try_take(&mut s, class, now));
                match verdict {
                    Ok(None) => {
                        if queued {
                            s.buckets[class.index()].waiting -= 1;
                        }
                        return Ok(());
                    }
                    Ok(Some(wait)) => {
                        // Waiting for a token: a probe taken is given back, so the next
                        // look at the breaker may take it again.
                        s.breakers[endpoint as usize].probing = false;
                        let bucket = &mut s.buckets[class.index()];
                        let too_long = now + wait > started + self.max_wait(class);
                        let too_many = !queued && bucket.waiting >= self.limits.max_waiting;
                        if too_long || too_many {
                            if queued {
                                bucket.waiting -= 1;
                            }
                            return Err(Refusal::Saturated);
                        }
                        if !queued {
                            bucket.waiting += 1;
                            queued = true;
                        }
                        wait
                    }
                    Err(r) => {
                        if queued {
                            s.buckets[class.index()].waiting -= 1;
                        }
                        return Err(r);
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Lets a request to `endpoint` through its breaker: always when closed; as the
    /// one probe when the cool-down is over; otherwise refused.
    fn pass_breaker(s: &mut State, endpoint: Endpoint, now: Instant) -> Result<(), Refusal> {
        let b = &mut s.breakers[endpoint as usize];
        match b.state {
            BreakerState::Closed => Ok(()),
            BreakerState::Open if now < b.open_until => Err(Refusal::CircuitOpen),
            BreakerState::Open | BreakerState::HalfOpen => {
                if b.probing {
                    return Err(Refusal::CircuitOpen);
                }
                // The cool-down is over: this request is the probe.
                if b.state == BreakerState::Open {
                    b.state = BreakerState::HalfOpen;
                    s.changes.push((endpoint, BreakerState::HalfOpen));
                }
                s.breakers[endpoint as usize].probing = true;
                Ok(())
            }
        }
    }

    /// Whether a connection to a stream endpoint may be tried now (the breaker is
    /// closed, or this is its probe). Streams take no tokens.
    pub fn allow(&self, endpoint: Endpoint) -> Result<(), Refusal> {
        let mut s = self.lock();
        Self::pass_breaker(&mut s, endpoint, Instant::now())
    }

    /// Takes a token now (`Ok(None)`), or says how long to wait (`Ok(Some)`).
    fn try_take(
        &self,
        s: &mut State,
        class: Class,
        now: Instant,
    ) -> Result<Option<Duration>, Refusal> {
        let rate = self.rate(class);
        if now < s.blocked_until {
            // The whole wait: to the end of the block, then for a token (none gathered
            // while blocked), so a request that cannot make it is refused at once.
            let bucket = &s.buckets[class.index()];
            let token = (1.0 - bucket.tokens).max(0.0) / (rate * bucket.factor);
            return Ok(Some(s.blocked_until - now + Duration::from_secs_f64(token)));
        }
        let waiting = |c: Class| s.buckets[c.index()].waiting > 0;
        let ahead = match class {
            Class::Order => false,
            Class::Read => waiting(Class::Order),
            Class::Background => waiting(Class::Order) || waiting(Class::Read),
        };
        if ahead {
            // Orders first, then the engine's reads: the others step aside meanwhile.
            return Ok(Some(Duration::from_millis(5)));
        }
        let own = Self::refill(&mut s.buckets[class.index()], rate, now);
        // A background read spends the read budget too.
        let read = match class {
            Class::Background => Self::refill(
                &mut s.buckets[Class::Read.index()],
                self.limits.read_per_s,
                now,
            ),
            _ => None,
        };
        match (own, read) {
            (None, None) => {
                s.buckets[class.index()].tokens -= 1.0;
                if class == Class::Background {
                    s.buckets[Class::Read.index()].tokens -= 1.0;
                }
                Ok(None)
            }
            (a, b) => Ok(a.max(b)),
        }
    }

    /// Gathers the tokens due since the last look; `None` when one is there to take,
    /// else how long until one is.
    fn refill(bucket: &mut Bucket, rate: f64, now: Instant) -> Option<Duration> {
        let effective = rate * bucket.factor;
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * effective).min(effective.max(1.0));
        bucket.refilled = now;
        (bucket.tokens < 1.0).then(|| Duration::from_secs_f64((1.0 - bucket.tokens) / effective))
    }

    /// Moves breakers whose cool-down is over to half-open (reported as a change), so
    /// that the engine may send the probe.
    pub fn tick(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        for e in Endpoint::ALL {
            let b = &mut s.breakers[e as usize];
            if b.state == BreakerState::Open && now >= b.open_until {
                b.state = BreakerState::HalfOpen;
                s.changes.push((e, BreakerState::HalfOpen));
            }
        }
    }

    /// Tells the governor what came of a request it let through.
    pub fn record(&self, class: Class, endpoint: Endpoint, outcome: Outcome) {
        let mut s = self.lock();
        let now = Instant::now();
        match outcome {
            Outcome::Ok | Outcome::Refused => {
                let bucket = &mut s.buckets[class.index()];
                bucket.factor = (bucket.factor + 0.1).min(1.0);
            }
            Outcome::RateLimited(retry_after) => {
                let wait = retry_after.unwrap_or(Duration::from_secs(1));
                let until = s.blocked_until.max(now + wait);
                s.blocked_until = until;
                // A 429 slows every class (the venue counts the account), and no
                // tokens gather while blocked: the end of a storm is no burst.
                for c in CLASSES {
                    let bucket = &mut s.buckets[c.index()];
                    bucket.factor = (bucket.factor * 0.5).max(0.05);
                    bucket.tokens = 0.0;
                    bucket.refilled = until;
                }
            }
            Outcome::Failed => {}
        }
        let ok = matches!(outcome, Outcome::Ok | Outcome::Refused);
        Self::settle_breaker(&mut s, self.limits, endpoint, ok, now);
    }

    /// Tells the governor what came of a stream connection it allowed: `ok` once the
    /// stream delivered its first book, not ok when connecting failed or the stream
    /// dropped.
    pub fn record_stream(&self, endpoint: Endpoint, ok: bool) {
        let mut s = self.lock();
        Self::settle_breaker(&mut s, self.limits, endpoint, ok, Instant::now());
    }

    /// A success closes the breaker; a failure counts, and opens it after enough in a
    /// row (or at once when it was the probe), for a jittered, doubling cool-down.
    fn settle_breaker(s: &mut State, limits: Limits, endpoint: Endpoint, ok: bool, now: Instant) {
        s.breakers[endpoint as usize].probing = false;
        if ok {
            let b = &mut s.breakers[endpoint as usize];
            b.failures = 0;
            b.cooldown = limits.breaker_cooldown;
            if b.state != BreakerState::Closed {
                b.state = BreakerState::Closed;
                s.changes.push((endpoint, BreakerState::Closed));
            }
            return;
        }
        s.jitter ^= s.jitter << 13;
        s.jitter ^= s.jitter >> 7;
        s.jitter ^= s.jitter << 17;
        let spread = 0.8 + 0.4 * ((s.jitter >> 11) as f64 / (1u64 << 53) as f64);
        let b = &mut s.breakers[endpoint as usize];
        b.failures += 1;
        let trips = b.state == BreakerState::HalfOpen
            || (b.state == BreakerState::Closed && b.failures >= limits.breaker_failures);
        if trips {
            let cooldown = b.cooldown.mul_f64(spread);
            b.state = BreakerState::Open;
            b.open_until = now + cooldown;
            b.cooldown = (b.cooldown * 2).min(limits.breaker_max_cooldown);
            s.changes.push((endpoint, BreakerState::Open));
        }
    }

    /// Runs one request to `endpoint` under the governor: waits its turn (or is refused
    /// without being sent), then records what came of it.
    pub async fn run<T>(
        &self,
        endpoint: &str,
        request: impl std::future::Future<Output = Result<T, VenueError>>,
    ) -> Result<T, VenueError> {
        self.run_as(Class::of(endpoint), endpoint, request).await
    }

    /// As `run`, in the class given (a background client's reads).
    pub async fn run_as<T>(
        &self,
        class: Class,
        endpoint: &str,
        request: impl std::future::Future<Output = Result<T, VenueError>>,
    ) -> Result<T, VenueError> {
        let breaker = Endpoint::of_request(endpoint);
        self.acquire(class, breaker).await.map_err(|r| match r {
            Refusal::CircuitOpen => VenueError::CircuitOpen {
                endpoint: endpoint.to_string(),
            },
            Refusal::Saturated => VenueError::Throttled {
                endpoint: endpoint.to_string(),
            },
        })?;
        let result = request.await;
        let outcome = match &result {
            Ok(_) => Outcome::Ok,
            Err(VenueError::RateLimited { retry_after, .. }) => Outcome::RateLimited(*retry_after),
            Err(
                VenueError::Server { .. }
                | VenueError::Transport { .. }
                | VenueError::Unreachable { .. },
            ) => Outcome::Failed,
            Err(_) => Outcome::Refused,
        };
        self.record(class, breaker, outcome);
        result
    }

    /// Breaker changes since the last call, in order (for the engine's journal).
    pub fn drain_changes(&self) -> Vec<(Endpoint, BreakerState)> {
        std::mem::take(&mut self.lock().changes)
    }

    pub fn breaker(&self, endpoint: Endpoint) -> BreakerState {
        self.lock().breakers[endpoint as usize].state
    }
}

#[cfg(test)]
mod tests;
