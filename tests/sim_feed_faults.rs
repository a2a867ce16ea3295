//! Simulator faults on the market-data feeds, through `arb live` and its journal:
//! WebSocket disconnects, sequence gaps, frozen books, silent streams, and repeated drops
//! that degrade a feed to polling.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // clippy.toml binds the reducer only

mod common;

use arb::core::{MarketId, Venue};
use arb::event::{Event, FeedState};
use common::faults::{LAST_FEEDS, live_with_faults, live_with_faults_and};

fn position(events: &[Event], pred: impl Fn(&Event) -> bool) -> Option<usize> {
    events.iter().position(pred)
}

#[test]
fn a_websocket_disconnect_is_journaled_and_the_books_come_back_by_snapshot() {
    // Scenario time 20 s = 1 s of wall time at speed 20.
    let events = live_with_faults("[[fault]]\nat_s = 20\nkind = \"ws_disconnect\"\n", 3.0);
    let down = position(
        &events,
        |e| matches!(e, Event::Feed(f) if f.state == FeedState::Disconnected),
    )
    .expect("the disconnect is an event");
    let snapshots_after = events[down..]
        .iter()
        .filter(|e| matches!(e, Event::BookSnapshot(_)))
        .count();
    assert!(
        snapshots_after >= 1,
        "reconnected and resubscribed: fresh snapshots after the disconnect"
    );
    assert!(
        events[down..]
            .iter()
            .any(|e| matches!(e, Event::BookDelta(_))),
        "and deltas flow again"
    );
}

#[test]
fn a_sequence_gap_marks_the_books_and_a_resync_snapshot_follows() {
    let events = live_with_faults("[[fault]]\nat_s = 20\nkind = \"sequence_gap\"\n", 3.0);
    let gap = position(
        &events,
        |e| matches!(e, Event::Feed(f) if f.state == FeedState::Gap),
    )
    .expect("the gap is an event");
    assert!(
        events[gap..]
            .iter()
            .any(|e| matches!(e, Event::BookSnapshot(_))),
        "get_snapshot resynced the books"
    );
}

#[test]
fn a_frozen_book_stops_moving_while_others_move() {
    let events = live_with_faults(
        "[[fault]]\nat_s = 0\nduration_s = 3600\nkind = \"freeze_book\"\nmarket = \"KXFEDDECISION-26DEC-C25\"\n",
        2.5,
    );
    let fed = events
        .iter()
        .find_map(|e| {
            if let Event::MarketDefined(m) = e {
                (m.venue_id == "KXFEDDECISION-26DEC-C25").then_some(m.id)
            } else {
                None
            }
        })
        .unwrap();
    let moves = |id: MarketId| {
        events
            .iter()
            .filter(|e| matches!(e, Event::BookDelta(d) if d.market == id))
            .count()
    };
    assert_eq!(moves(fed), 0, "the frozen market's feed is quiet");
    let others: usize = events
        .iter()
        .filter(|e| matches!(e, Event::BookDelta(d) if d.market != fed))
        .count();
    assert!(
        others > 10,
        "the other markets keep moving ({others} deltas)"
    );
}

#[test]
fn a_silent_stream_is_dropped_resynced_by_snapshot_and_does_not_flap() {
    // Every book frozen from 1 s to 3 s of wall time: the streams say nothing at all.
    let events = live_with_faults_and(
        "[[fault]]\nat_s = 20\nduration_s = 40\nkind = \"freeze_book\"\n",
        5.0,
        |c| c.stream_silent_s = 0.6,
    );
    for venue in [Venue::Kalshi, Venue::Polymarket] {
        let silent: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, Event::Feed(f) if f.venue == venue && f.state == FeedState::Silent))
            .map(|(i, _)| i)
            .collect();
        assert!(!silent.is_empty(), "{venue}: the silence is journaled");
        let stats = LAST_FEEDS.with(|f| f.borrow()[venue.name()].clone());
        assert_eq!(
            stats.silent_drops,
            silent.len() as u64,
            "{venue}: {stats:?}"
        );
        assert!(stats.max_silence_ms >= 600, "{venue}: {stats:?}");
        assert!(
            silent.len() <= 3,
            "{venue}: {} silent drops in 2 s of silence: the bound backs off",
            silent.len()
        );
        let market_of = |e: &Event| match e {
            Event::BookSnapshot(b) => Some(b.market),
            Event::BookDelta(d) => Some(d.market),
            _ => None,
        };
        let venue_markets: Vec<MarketId> = events
            .iter()
            .filter_map(|e| match e {
                Event::MarketDefined(m) if m.venue == venue => Some(m.id),
                _ => None,
            })
            .collect();
        let first = silent[0];
        assert!(
            events[first..]
                .iter()
                .any(|e| matches!(e, Event::BookSnapshot(_))
                    && market_of(e).is_some_and(|m| venue_markets.contains(&m))),
            "{venue}: books resynced by snapshot after the drop"
        );
        let last = *silent.last().unwrap();
        assert!(
            events[last..]
                .iter()
                .any(|e| matches!(e, Event::BookDelta(_) | Event::BookBatch(_))),
            "{venue}: the books move again after the silence"
        );
    }
}

#[test]
fn repeated_drops_degrade_the_feed_to_polling_and_quiet_brings_it_back_without_flapping() {
    use arb::event::FeedMode;
    // Seven disconnects, 0.5 s of wall time apart, from 1 s on.
    let faults: String = (0..7)
        .map(|i| {
            format!(
                "[[fault]]\nat_s = {}\nkind = \"ws_disconnect\"\n",
                20 + 10 * i
            )
        })
        .collect();
    let events = live_with_faults_and(&faults, 9.0, |c| {
        c.feed.window_s = 10.0;
        c.feed.recover_s = 1.5;
        c.feed.poll_s = 0.2;
        c.feed.hybrid_resync_s = 0.5;
    });
    for venue in [Venue::Kalshi, Venue::Polymarket] {
        let changes: Vec<(usize, FeedMode)> = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Event::FeedMode { venue: v, mode } if *v == venue => Some((i, *mode)),
                _ => None,
            })
            .collect();
        let modes: Vec<FeedMode> = changes.iter().map(|c| c.1).collect();
        if std::env::var_os("ARB_DEBUG_FEED").is_some() {
            for e in events.iter().filter(|e| {
                matches!(e, Event::Feed(f) if f.venue == venue)
                    || matches!(e, Event::FeedMode { venue: v, .. } if *v == venue)
            }) {
                eprintln!("{venue}: {e:?}");
            }
        }
        assert_eq!(
            modes,
            [
                FeedMode::Hybrid,
                FeedMode::PollOnly,
                FeedMode::Hybrid,
                FeedMode::Stream
            ],
            "{venue}: one step at a time, down then back up, no flapping"
        );
        let markets: Vec<MarketId> = events
            .iter()
            .filter_map(|e| match e {
                Event::MarketDefined(m) if m.venue == venue => Some(m.id),
                _ => None,
            })
            .collect();
        let polled = events[changes[1].0..changes[2].0]
            .iter()
            .filter(|e| matches!(e, Event::BookSnapshot(b) if markets.contains(&b.market)))
            .count();
        assert!(
            polled >= markets.len(),
            "{venue}: books polled over REST while poll-only ({polled})"
        );
        // The watchdog counted what the feed went through.
        let stats = LAST_FEEDS.with(|f| f.borrow()[venue.name()].clone());
        assert!(
            stats.drops >= 6 && stats.connects > stats.drops,
            "{venue}: {stats:?}"
        );
        assert_eq!(stats.mode_changes, 4, "{venue}: {stats:?}");
    }
}
