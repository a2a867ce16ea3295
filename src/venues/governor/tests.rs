//! The governor on paused tokio time: rates, back-off, Retry-After, priority, the
//! bounded wait and the breaker's cycle.

use super::*;

fn endpoint_of(class: Class) -> Endpoint {
    match class {
        Class::Order => Endpoint::Orders,
        Class::Read | Class::Background => Endpoint::Orderbook,
    }
}

fn limits() -> Limits {
    Limits {
        read_per_s: 20.0,
        write_per_s: 10.0,
        ..Limits::default()
    }
}

/// Times (ms since start) at which `n` sequential acquires of `class` got through.
async fn pace(g: &Governor, class: Class, n: usize) -> Vec<u128> {
    let t0 = Instant::now();
    let mut at = Vec::new();
    for _ in 0..n {
        g.acquire(class, endpoint_of(class)).await.unwrap();
        at.push(t0.elapsed().as_millis());
    }
    at
}

#[tokio::test(start_paused = true)]
async fn reads_keep_to_the_rate_after_the_burst() {
    let g = Governor::new(limits());
    let at = pace(&g, Class::Read, 60).await;
    assert_eq!(at[19], 0, "a second's worth at once");
    // The other 40 at 20 a second: two seconds.
    assert!((1_990..=2_010).contains(&at[59]), "{}", at[59]);
    let at = pace(&g, Class::Order, 30).await;
    assert!(
        (1_990..=2_010).contains(&at[29]),
        "orders at 10/s: {}",
        at[29]
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_blocks_every_class_for_retry_after_and_halves_the_rate() {
    let g = Governor::new(limits());
    pace(&g, Class::Read, 20).await;
    g.record(
        Class::Read,
        Endpoint::Orderbook,
        Outcome::RateLimited(Some(Duration::from_millis(1_500))),
    );
    let t0 = Instant::now();
    g.acquire(Class::Order, Endpoint::Orders).await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(1_500),
        "orders wait too"
    );
    // Reads now come at half the rate, 100 ms apart, not 50 (what gathered while the
    // order waited for its own token goes first).
    let at = pace(&g, Class::Read, 11).await;
    assert_eq!(at[10] - at[2], 800, "{at:?}");
}

#[tokio::test(start_paused = true)]
async fn orders_go_ahead_of_waiting_reads() {
    let g = Governor::new(limits());
    pace(&g, Class::Read, 20).await;
    pace(&g, Class::Order, 10).await;
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (i, class) in [Class::Read, Class::Read, Class::Order]
        .into_iter()
        .enumerate()
    {
        let (g, done) = (g.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(i as u64)).await;
            g.acquire(class, endpoint_of(class)).await.unwrap();
            done.lock().unwrap().push(class);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        done.lock().unwrap()[0],
        Class::Order,
        "{:?}",
        done.lock().unwrap()
    );
}

#[tokio::test(start_paused = true)]
async fn the_queue_is_bounded_and_a_long_wait_is_refused_at_once() {
    let g = Governor::new(Limits {
        max_waiting: 3,
        ..limits()
    });
    pace(&g, Class::Read, 20).await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        let g = g.clone();
        waiting.push(tokio::spawn(async move {
            g.acquire(Class::Read, Endpoint::Orderbook).await
        }));
    }
    tokio::task::yield_now().await;
    assert_eq!(
        g.acquire(Class::Read, Endpoint::Orderbook).await,
        Err(Refusal::Saturated),
        "a fourth waiter"
    );
    for w in waiting {
        assert_eq!(w.await.unwrap(), Ok(()));
    }
    g.record(
        Class::Read,
        Endpoint::Orderbook,
        Outcome::RateLimited(Some(Duration::from_secs(60))),
    );
    let t0 = Instant::now();
    assert_eq!(
        g.acquire(Class::Order, Endpoint::Orders).await,
        Err(Refusal::Saturated)
    );
    assert!(
        t0.elapsed() < Duration::from_millis(1),
        "refused without waiting"
    );
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_probes_after_a_cooldown_and_closes_on_success() {
    let g = Governor::new(limits());
    for _ in 0..4 {
        g.acquire(Class::Read, Endpoint::Orderbook).await.unwrap();
        g.record(Class::Read, Endpoint::Orderbook, Outcome::Failed);
    }
    assert_eq!(g.breaker(Endpoint::Orderbook), BreakerState::Closed);
    g.acquire(Class::Read, Endpoint::Orderbook).await.unwrap();
    g.record(Class::Read, Endpoint::Orderbook, Outcome::Failed);
    assert_eq!(g.breaker(Endpoint::Orderbook), BreakerState::Open);
    assert_eq!(
        g.acquire(Class::Read, Endpoint::Orderbook).await,
        Err(Refusal::CircuitOpen)
    );
    assert_eq!(
        g.acquire(Class::Order, Endpoint::Orders).await,
        Ok(()),
        "orders have their own breaker"
    );
    assert_eq!(
        g.acquire(Class::Read, Endpoint::Portfolio).await,
        Ok(()),
        "so do the other read endpoints"
    );
    // After the cool-down (1 s ± 20 %) one probe goes through; a failed probe reopens
    // for longer.
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    assert_eq!(g.acquire(Class::Read, Endpoint::Orderbook).await, Ok(()));
    assert_eq!(g.breaker(Endpoint::Orderbook), BreakerState::HalfOpen);
    assert_eq!(
        g.acquire(Class::Read, Endpoint::Orderbook).await,
        Err(Refusal::CircuitOpen),
        "one probe"
    );
    g.record(Class::Read, Endpoint::Orderbook, Outcome::Failed);
    assert_eq!(g.breaker(Endpoint::Orderbook), BreakerState::Open);
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    assert_eq!(
        g.acquire(Class::Read, Endpoint::Orderbook).await,
        Err(Refusal::CircuitOpen),
        "2 s now"
    );
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(g.acquire(Class::Read, Endpoint::Orderbook).await, Ok(()));
    g.record(Class::Read, Endpoint::Orderbook, Outcome::Ok);
    assert_eq!(g.breaker(Endpoint::Orderbook), BreakerState::Closed);
    assert_eq!(
        g.drain_changes(),
        [
            (Endpoint::Orderbook, BreakerState::Open),
            (Endpoint::Orderbook, BreakerState::HalfOpen),
            (Endpoint::Orderbook, BreakerState::Open),
            (Endpoint::Orderbook, BreakerState::HalfOpen),
            (Endpoint::Orderbook, BreakerState::Closed),
        ]
    );
    assert!(g.drain_changes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stream_breaker_opens_on_failed_connects_and_closes_on_a_delivered_book() {
    let g = Governor::new(limits());
    for _ in 0..5 {
        assert_eq!(g.allow(Endpoint::MarketStream), Ok(()));
        g.record_stream(Endpoint::MarketStream, false);
    }
    assert_eq!(g.breaker(Endpoint::MarketStream), BreakerState::Open);
    assert_eq!(g.allow(Endpoint::MarketStream), Err(Refusal::CircuitOpen));
    assert_eq!(
        g.acquire(Class::Read, Endpoint::Orderbook).await,
        Ok(()),
        "REST books are another endpoint"
    );
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    assert_eq!(g.allow(Endpoint::MarketStream), Ok(()), "the probe");
    assert_eq!(g.allow(Endpoint::MarketStream), Err(Refusal::CircuitOpen));
    g.record_stream(Endpoint::MarketStream, true);
    assert_eq!(g.breaker(Endpoint::MarketStream), BreakerState::Closed);
    assert_eq!(
        g.drain_changes(),
        [
            (Endpoint::MarketStream, BreakerState::Open),
            (Endpoint::MarketStream, BreakerState::HalfOpen),
            (Endpoint::MarketStream, BreakerState::Closed),
        ]
    );
}

#[test]
fn requests_map_to_their_venue_endpoints() {
    for (request, endpoint) in [
        ("GET /trade-api/v2/markets", Endpoint::Markets),
        (
            "GET /trade-api/v2/events/KXHIGHNY-26NOV25",
            Endpoint::Events,
        ),
        (
            "GET /trade-api/v2/markets/KXHIGHNY-26NOV25-B50/orderbook",
            Endpoint::Orderbook,
        ),
        ("POST /trade-api/v2/portfolio/orders", Endpoint::Orders),
        (
            "DELETE /trade-api/v2/portfolio/orders/abc",
            Endpoint::Orders,
        ),
        (
            "GET /trade-api/v2/portfolio/fills?order_id=abc",
            Endpoint::Orders,
        ),
        ("GET /trade-api/v2/portfolio/balance", Endpoint::Portfolio),
        ("GET /trade-api/v2/portfolio/positions", Endpoint::Portfolio),
        ("GET /book", Endpoint::Orderbook),
        ("POST /order", Endpoint::Orders),
        ("DELETE /order", Endpoint::Orders),
        ("GET /data/order/0xabc", Endpoint::Orders),
        ("GET /data/trades", Endpoint::Orders),
        ("GET /balance-allowance", Endpoint::Portfolio),
        ("GET /positions", Endpoint::Portfolio),
        ("GET /auth/derive-api-key", Endpoint::Portfolio),
        ("GET /tick-size", Endpoint::Markets),
    ] {
        assert_eq!(Endpoint::of_request(request), endpoint, "{request}");
    }
}

/// Background reads (warm polls, listing refreshes) keep to their share of the read
/// rate, and a crowd of them never holds back what the engine reads.
#[tokio::test(start_paused = true)]
async fn background_reads_keep_to_their_share_and_step_aside_for_the_engines() {
    let limits = Limits {
        background_share: 0.25,
        max_waiting: 1_000,
        read_max_wait: Duration::from_secs(600),
        ..limits()
    };
    let g = Governor::new(limits);
    let at = pace(&g, Class::Background, 25).await;
    assert_eq!(at[4], 0, "a second's worth of its share at once");
    assert!(
        (3_990..=4_010).contains(&at[24]),
        "the other 20 at 5/s: {}",
        at[24]
    );

    let g = Governor::new(limits);
    let crowd: Vec<_> = (0..300)
        .map(|_| {
            let g = g.clone();
            tokio::spawn(async move { g.acquire(Class::Background, Endpoint::Orderbook).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let at = pace(&g, Class::Read, 40).await;
    // The engine's 40 reads at the full rate, as if nothing else waited: 2 s.
    assert!(at[39] <= 2_100, "engine reads held back: {}", at[39]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let done = crowd.iter().filter(|t| t.is_finished()).count();
    // In 5.5 s: its first burst and its share (5/s) at most, less what it gave the
    // engine's reads; the whole read rate would have been 110.
    assert!(
        (10..=33).contains(&done),
        "{done} background reads in 5.5 s"
    );
}
