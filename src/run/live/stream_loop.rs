//! The market-data ingress loop both venues share, driven by a small per-venue trait
//! (`VenueFeed`: connect, subscribe, resync, poll books, map a frame): feed mode
//! (poll-only reads REST books, stream and hybrid modes resync now and then), the
//! stream's circuit breaker, silence, sequence gaps, drops and reconnect back-off.

use super::degrade::SharedHealth;
use super::ingress::IngressCtx;
use super::watchdog::Silence;
use crate::core::Venue;
use crate::event::{Endpoint, Event, FeedMode, FeedState, FeedStatus};
use crate::venues::governor::Governor;
use crate::venues::http::VenueError;
use std::time::{Duration, Instant};

/// What one frame of the stream delivered.
pub(super) struct Frame {
    /// A full book (the breaker's recovery criterion).
    pub book: bool,
    /// A sequence gap (already asked to be resynced): counts as a drop.
    pub gap: bool,
}

/// One venue's market-data stream, as the shared loop drives it.
pub(super) trait VenueFeed {
    const VENUE: Venue;
    type Ws;

    /// The venue's governor, which holds the stream's breaker.
    fn governor(&self) -> &Governor;
    async fn connect(&mut self) -> Result<Self::Ws, VenueError>;
    /// Subscribes the configured markets on a new connection and starts its state afresh.
    async fn subscribe(&mut self, ws: &mut Self::Ws) -> Result<(), VenueError>;
    /// Every book in full, now and then; false once the core is gone.
    async fn resync(&mut self, ws: &mut Self::Ws, ctx: &mut IngressCtx) -> bool;
    /// Every book over REST (poll-only mode); false once the core is gone.
    async fn poll_books(&mut self, ctx: &mut IngressCtx) -> bool;
    /// Takes on the markets listed since the last call (`universe_watch`): known from
    /// now on, subscribed on `ws` if connected (else on the next connection).
    async fn add_markets(&mut self, ws: Option<&mut Self::Ws>);
    /// Whether this connection streams `market`.
    fn streams(&self, market: crate::core::MarketId) -> bool;
    /// Subscribes these markets (all streamed here) again, so that the venue sends
    /// them in full: the coverage probe's answer to a book a rule waits for.
    async fn resubscribe(&mut self, ws: &mut Self::Ws, markets: &[crate::core::MarketId]);
    /// Maps one frame and hands its events to the core (resyncing a book it left crossed
    /// or impossible); `None` once the core is gone.
    async fn on_frame(
        &mut self,
        ws: &mut Self::Ws,
        ts: i64,
        text: &str,
        ctx: &mut IngressCtx,
    ) -> Option<Frame>;
    async fn next(ws: &mut Self::Ws) -> Option<Result<(i64, String), VenueError>>;
    fn silent_for(ws: &Self::Ws) -> Duration;
    async fn close(ws: Self::Ws);
}

/// Streams the venue's books into the core until `stop`; after repeated drops it
/// resyncs periodically (hybrid) or polls REST books with the stream off (poll-only),
/// and climbs back after a quiet spell. An open stream breaker holds connections off.
pub(super) async fn run<V: VenueFeed>(mut feed: V, mut ctx: IngressCtx) {
    let venue = V::VENUE;
    let mut backoff = Duration::from_millis(250);
    let mut silence = Silence::new(ctx.silent_after);
    let health = ctx.health.clone();
    while !ctx.stopped() {
        feed.add_markets(None).await;
        if health.mode() == FeedMode::PollOnly {
            if !feed.poll_books(&mut ctx).await {
                return;
            }
            tokio::time::sleep(Duration::from_secs_f64(ctx.feed.poll_s)).await;
            if !ctx.mode(venue, health.on_tick(Instant::now())) {
                return;
            }
            continue;
        }
        // An open breaker (failed connections in a row) holds connections off until its
        // cool-down is over; then one probe goes.
        if !super::ingress::breaker_allows(feed.governor(), Endpoint::MarketStream).await {
            if !ctx.mode(venue, health.on_tick(Instant::now())) {
                return;
            }
            continue;
        }
        match feed.connect().await {
            Ok(mut ws) => {
                backoff = Duration::from_millis(250);
                silence.connected();
                ctx.count(|s| s.connects += 1);
                if feed.subscribe(&mut ws).await.is_ok()
                    && !stream(&mut feed, ws, &mut ctx, &mut silence, &health).await
                {
                    return;
                }
            }
            Err(VenueError::Auth { .. }) => {
                // Refused credentials do not get better by retrying fast.
                backoff = Duration::from_secs(5);
            }
            Err(_) => {}
        }
        tracing::warn!(
            venue = venue.name(),
            retry_in_ms = backoff.as_millis() as u64,
            "market data stream down; reconnecting"
        );
        ctx.count(|s| s.drops += 1);
        if !ctx.send(Event::Feed(FeedStatus {
            venue,
            state: FeedState::Disconnected,
        })) {
            return;
        }
        feed.governor().record_stream(Endpoint::MarketStream, false);
        if !ctx.mode(venue, health.on_drop(Instant::now())) {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Reads one subscribed connection until it drops (true: reconnect) or the run is over
/// (false).
async fn stream<V: VenueFeed>(
    feed: &mut V,
    mut ws: V::Ws,
    ctx: &mut IngressCtx,
    silence: &mut Silence,
    health: &SharedHealth,
) -> bool {
    let venue = V::VENUE;
    // The breaker closes once the stream delivered a book, not on the handshake.
    let mut delivered = false;
    let mut next_resync = tokio::time::Instant::now() + health.resync_every();
    loop {
        if ctx.stopped() || !ctx.flush() {
            V::close(ws).await;
            return false;
        }
        feed.add_markets(Some(&mut ws)).await;
        let asked = super::probes::take(&ctx.probes, |m| feed.streams(m));
        if !asked.is_empty() {
            feed.resubscribe(&mut ws, &asked).await;
        }
        ctx.heard(V::silent_for(&ws));
        if !ctx.mode(venue, health.on_tick(Instant::now())) || !ctx.alive(venue, V::silent_for(&ws))
        {
            return false;
        }
        if tokio::time::Instant::now() >= next_resync {
            // Full books now and then: often in hybrid mode, once a reconcile period in
            // stream mode.
            if !feed.resync(&mut ws, ctx).await {
                return false;
            }
            next_resync = tokio::time::Instant::now() + health.resync_every();
        }
        let Ok(frame) = tokio::time::timeout(Duration::from_millis(200), V::next(&mut ws)).await
        else {
            if ctx.silent(silence, V::silent_for(&ws)) {
                ctx.report_silent(venue, silence.bound());
                return true;
            }
            continue;
        };
        let Some(Ok((ts, text))) = frame else {
            return true;
        };
        let Some(frame) = feed.on_frame(&mut ws, ts, &text, ctx).await else {
            return false;
        };
        if frame.book && !delivered {
            delivered = true;
            feed.governor().record_stream(Endpoint::MarketStream, true);
        }
        if frame.gap {
            ctx.count(|s| s.gaps += 1);
            if !ctx.mode(venue, health.on_drop(Instant::now())) {
                return false;
            }
            if health.mode() == FeedMode::PollOnly {
                V::close(ws).await;
                return true;
            }
        }
    }
}
