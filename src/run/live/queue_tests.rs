//! The ingress queues under pressure: coalescing per market, trades dropped and
//! counted, status kept in order, execution never dropped and taken first.

use super::*;
use crate::core::{Price, Qty, Venue};
use crate::engine::book::Book;
use crate::event::{
    BookDelta, BookSide, BookSnapshot, FeedState, FeedStatus, Level, LevelChange, Trade,
};
use std::collections::BTreeMap;

fn delta(market: u32, seq: u64, side: BookSide, p: u16, q: i64) -> Event {
    Event::BookDelta(BookDelta {
        market: MarketId(market),
        venue_seq: seq,
        side,
        price: Price(p),
        change: LevelChange::Add(Qty(q)),
    })
}

fn inb(ts: i64, event: Event) -> Inbound {
    Inbound { ts, event }
}

/// Applies a book event as the reducer does.
fn apply(books: &mut BTreeMap<MarketId, Book>, e: &Event) {
    match e {
        Event::BookSnapshot(s) => {
            let _ = books.entry(s.market).or_default().replace(&s.bids, &s.asks);
        }
        Event::BookDelta(d) => {
            let b = books.entry(d.market).or_default();
            let _ = match d.change {
                LevelChange::Add(q) => b.add(d.side, d.price, q),
                LevelChange::Set(q) => b.set(d.side, d.price, q),
            };
        }
        _ => {}
    }
}

fn levels(b: &Book) -> (Vec<Level>, Vec<Level>) {
    (
        b.levels(BookSide::Bid).collect(),
        b.levels(BookSide::Ask).collect(),
    )
}

#[test]
fn a_full_queue_coalesces_per_market_and_the_core_ends_with_the_latest_books() {
    let stats = SharedFeedStats::default();
    let (md_tx, md_rx) = crossbeam_channel::bounded(4);
    let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
    let mut feed = MarketFeed::new(md_tx, stats.clone());
    let mut inbox = Inbox::new(ctl_rx, vec![md_rx]);
    let mut reference: BTreeMap<MarketId, Book> = BTreeMap::new();
    let mut consumed: BTreeMap<MarketId, Book> = BTreeMap::new();
    let mut out: Vec<Event> = Vec::new();
    let drain = |inbox: &mut Inbox, n: usize, out: &mut Vec<Event>| {
        for _ in 0..n {
            match inbox.recv_timeout(Duration::from_millis(1)) {
                Ok(x) => out.push(x.event),
                Err(_) => break,
            }
        }
    };
    for m in 0..3u32 {
        let snap = Event::BookSnapshot(BookSnapshot {
            market: MarketId(m),
            venue_seq: 1,
            bids: vec![Level {
                price: Price(3000),
                qty: Qty(10),
            }],
            asks: vec![Level {
                price: Price(7000),
                qty: Qty(10),
            }],
        });
        apply(&mut reference, &snap);
        feed.push(inb(0, snap)).unwrap();
    }
    let mut seq = 1;
    let mut x: u64 = 11;
    for i in 0..3_000i64 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let m = ((x >> 33) % 3) as u32;
        let side = if (x >> 40) & 1 == 0 {
            BookSide::Bid
        } else {
            BookSide::Ask
        };
        // Bids below 0.50, asks above: never crossed, so no resync is asked for.
        let p = match side {
            BookSide::Bid => 100 * ((x >> 44) % 40 + 5) as u16,
            BookSide::Ask => 100 * ((x >> 44) % 40 + 55) as u16,
        };
        seq += 1;
        let d = delta(m, seq, side, p, 1 + (x >> 50) as i64 % 5);
        apply(&mut reference, &d);
        assert_eq!(feed.push(inb(i, d)).unwrap(), vec![]);
        if i % 500 == 0 {
            let trade = Event::Trade(Trade {
                market: MarketId(m),
                price: Price(5000),
                qty: Qty(1),
                taker_side: None,
            });
            feed.push(inb(i, trade)).unwrap();
            // Execution feedback goes its own way, whatever market data is doing.
            ctl_tx.send(inb(i, Event::Tick)).unwrap();
        }
        if i == 1_500 {
            let gap = Event::Feed(FeedStatus {
                venue: Venue::Kalshi,
                state: FeedState::Gap,
            });
            feed.push(inb(i, gap)).unwrap();
        }
        // The core takes two items for every nine the venue sends.
        if i % 9 == 0 {
            drain(&mut inbox, 2, &mut out);
        }
    }
    // The stream goes quiet: the ingress flushes what it owes as room returns.
    while feed.backlog() > 0 {
        feed.flush().unwrap();
        drain(&mut inbox, 4, &mut out);
    }
    drain(&mut inbox, usize::MAX, &mut out);
    for e in &out {
        apply(&mut consumed, e);
    }
    for m in 0..3 {
        assert_eq!(
            levels(&consumed[&MarketId(m)]),
            levels(&reference[&MarketId(m)]),
            "market {m}: the core ends with the latest book"
        );
    }
    let s = stats.lock().unwrap().clone();
    assert!(s.coalesced > 1_000, "{s:?}");
    assert!(s.dropped_trades >= 1, "{s:?}");
    assert_eq!(s.crossed_books + s.impossible_books, 0, "{s:?}");
    assert!(
        out.len() < 2_000,
        "bounded work: {} items for 3000 updates",
        out.len()
    );
    let kinds = |k: &str| out.iter().filter(|e| e.kind() == k).count();
    assert_eq!(kinds("tick"), 6, "every execution item arrived");
    assert_eq!(kinds("feed"), 1, "the status event arrived once");
    assert!(kinds("book_snapshot") > 3, "coalesced snapshots were sent");
}

#[test]
fn execution_items_come_first_and_status_keeps_its_place_after_coalesced_books() {
    let stats = SharedFeedStats::default();
    let (md_tx, md_rx) = crossbeam_channel::bounded(1);
    let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
    let mut feed = MarketFeed::new(md_tx, stats.clone());
    let mut inbox = Inbox::new(ctl_rx, vec![md_rx]);
    feed.push(inb(1, delta(0, 1, BookSide::Bid, 4000, 5)))
        .unwrap();
    // Full: this one is folded into market 0's mirror.
    feed.push(inb(2, delta(0, 2, BookSide::Bid, 4100, 5)))
        .unwrap();
    let down = Event::Feed(FeedStatus {
        venue: Venue::Kalshi,
        state: FeedState::Disconnected,
    });
    feed.push(inb(3, down.clone())).unwrap();
    for i in 0..100 {
        ctl_tx.send(inb(10 + i, Event::Tick)).unwrap();
    }
    let mut order = Vec::new();
    for _ in 0..200 {
        feed.flush().unwrap();
        match inbox.recv_timeout(Duration::from_millis(1)) {
            Ok(x) => order.push(x.event),
            Err(_) => break,
        }
    }
    assert!(order[..100].iter().all(|e| matches!(e, Event::Tick)));
    assert_eq!(order.len(), 103, "{order:?}");
    assert!(matches!(order[100], Event::BookDelta(_)));
    match &order[101] {
        Event::BookSnapshot(s) => {
            assert_eq!(s.bids.len(), 2, "the latest book: {s:?}");
            assert_eq!(s.venue_seq, 2);
        }
        other => panic!("expected the coalesced snapshot, got {other:?}"),
    }
    assert_eq!(order[102], down, "the status after the books it follows");
    assert_eq!(stats.lock().unwrap().coalesced, 1);
}

#[test]
fn a_crossing_update_is_reported_and_counted() {
    let stats = SharedFeedStats::default();
    let (md_tx, _md_rx) = crossbeam_channel::bounded(16);
    let mut feed = MarketFeed::new(md_tx, stats.clone());
    feed.push(inb(1, delta(0, 1, BookSide::Ask, 4200, 5)))
        .unwrap();
    let bad = feed
        .push(inb(2, delta(0, 2, BookSide::Bid, 4300, 5)))
        .unwrap();
    assert_eq!(bad, vec![(MarketId(0), Verdict::Crossed)]);
    assert_eq!(stats.lock().unwrap().crossed_books, 1);
}
