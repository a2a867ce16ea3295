use super::*;
use crate::event::{
    BookDelta, BookSnapshot, FeeModel, Level, LevelChange, MarketMeta, TimeInForce, Trade,
};

fn level(p: u16, q: i64) -> Level {
    Level {
        price: Price(p),
        qty: Qty::contracts(q),
    }
}

fn setup(params: ModelParams, mids: &MidSeries) -> StochasticVenue<'_> {
    let mut v = StochasticVenue::new([Money::dollars(1000); 2], params, Rng::new(3), mids);
    v.observe(&Event::MarketDefined(MarketMeta {
        id: MarketId(0),
        venue: crate::core::Venue::Polymarket,
        venue_id: "111".into(),
        title: "t".into(),
        event_id: "e".into(),
        series_id: String::new(),
        close_ts: None,
        no_leg: NoLeg::Complement(MarketId(1)),
        fees: FeeModel::Free,
        tick: Price(100),
    }));
    v.observe(&Event::BookSnapshot(BookSnapshot {
        market: MarketId(0),
        venue_seq: 0,
        bids: vec![level(4400, 30)],
        asks: vec![level(5000, 10), level(5100, 10)],
    }));
    v
}

fn order(price: u16, qty: i64, tif: TimeInForce) -> PlaceOrder {
    PlaceOrder {
        side: crate::event::OrderSide::Buy,
        id: ClientOrderId {
            opportunity: 1,
            leg: 1,
            attempt: 0,
        },
        market: MarketId(0),
        outcome: Outcome::Yes,
        price: Price(price),
        qty: Qty::contracts(qty),
        tif,
    }
}

fn fills(out: &[Event]) -> Vec<(u16, i64)> {
    out.iter()
        .filter_map(|e| match e {
            Event::Fill(f) => Some((f.price.0, f.qty.0 / Qty::SCALE)),
            _ => None,
        })
        .collect()
}

#[test]
fn with_fill_probability_zero_an_order_is_acked_and_canceled_unfilled() {
    let mids = MidSeries::default();
    let mut p = ModelParams::perfect();
    p.fill_prob = [0.0; 3];
    let mut v = setup(p, &mids);
    let mut out = Vec::new();
    v.place(
        0,
        &order(5100, 15, TimeInForce::ImmediateOrCancel),
        &mut out,
    );
    assert_eq!(
        out.iter().map(Event::kind).collect::<Vec<_>>(),
        ["order_ack", "order_canceled"]
    );
}

#[test]
fn the_perfect_model_sweeps_displayed_depth_as_the_paper_venue_does() {
    let mids = MidSeries::default();
    let mut v = setup(ModelParams::perfect(), &mids);
    let mut paper = SimVenue::new([Money::dollars(1000); 2]);
    for e in [v.sim.meta(MarketId(0)).cloned().map(Event::MarketDefined)]
        .into_iter()
        .flatten()
    {
        paper.observe(&e);
    }
    paper.observe(&Event::BookSnapshot(BookSnapshot {
        market: MarketId(0),
        venue_seq: 0,
        bids: vec![level(4400, 30)],
        asks: vec![level(5000, 10), level(5100, 10)],
    }));
    let o = order(5100, 15, TimeInForce::ImmediateOrCancel);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    v.place(0, &o, &mut a);
    paper.execute(&o, &mut b);
    assert_eq!(a, b);
    assert_eq!(fills(&a), [(5000, 10), (5100, 5)]);
}

#[test]
fn slippage_makes_fills_dearer_but_never_past_the_limit() {
    let mids = MidSeries::default();
    let mut p = ModelParams::perfect();
    p.slippage_ticks = 5;
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let mut v = setup(p, &mids);
        v.rng = Rng::new(seed);
        let mut out = Vec::new();
        v.place(
            0,
            &order(5200, 10, TimeInForce::ImmediateOrCancel),
            &mut out,
        );
        for (price, _) in fills(&out) {
            assert!((5000..=5200).contains(&price), "{price}");
            seen.insert(price);
        }
    }
    assert!(seen.len() > 1 && seen.iter().any(|p| *p > 5000), "{seen:?}");
}

#[test]
fn latency_holds_an_order_until_it_arrives_and_its_cancel_follows_it() {
    let mids = MidSeries::default();
    let mut p = ModelParams::perfect();
    p.latency_ns = [5, 5];
    let mut v = setup(p, &mids);
    let mut out = Vec::new();
    let o = order(4500, 5, TimeInForce::GoodTillTime { expires_ns: 100 });
    v.place(10, &o, &mut out);
    v.cancel(12, o.id, &mut out);
    assert!(
        out.is_empty(),
        "nothing reaches the venue before its latency"
    );
    assert_eq!(v.next_arrival(15), None, "arrives at 15, not before");
    assert_eq!(v.next_arrival(16), Some(15));
    assert_eq!(v.arrive_next(&mut out), Some(15));
    assert_eq!(
        out.iter().map(Event::kind).collect::<Vec<_>>(),
        ["order_ack"]
    );
    assert_eq!(v.arrive_next(&mut out), Some(17));
    assert!(
        matches!(out.last(), Some(Event::OrderCanceled(c)) if c.canceled_qty == Qty::contracts(5))
    );
    assert_eq!(v.arrive_next(&mut out), None);
}

#[test]
fn a_resting_order_waits_behind_the_displayed_size_until_trades_consume_it() {
    let mids = MidSeries::default();
    let mut p = ModelParams::perfect();
    p.queue = true;
    let mut v = setup(p, &mids);
    let mut out = Vec::new();
    // Joins the 30 bid at 0.44: 30 ahead of it.
    v.place(
        0,
        &order(4400, 10, TimeInForce::GoodTillTime { expires_ns: 100 }),
        &mut out,
    );
    let trade = |qty| {
        Event::Trade(Trade {
            market: MarketId(0),
            price: Price(4400),
            qty: Qty::contracts(qty),
            taker_side: Some(BookSide::Ask),
        })
    };
    let mut out = Vec::new();
    v.on_event(&trade(25), &mut out);
    assert!(fills(&out).is_empty(), "25 of the 30 ahead traded");
    // A buyer's trade does not reach a bid.
    let mut buy = trade(50);
    if let Event::Trade(t) = &mut buy {
        t.taker_side = Some(BookSide::Bid);
    }
    v.on_event(&buy, &mut out);
    assert!(fills(&out).is_empty());
    // The level shrinks to 2: at most 2 are ahead now.
    let shrink = Event::BookDelta(BookDelta {
        market: MarketId(0),
        venue_seq: 0,
        side: BookSide::Bid,
        price: Price(4400),
        change: LevelChange::Set(Qty::contracts(2)),
    });
    v.observe(&shrink);
    v.on_event(&shrink, &mut out);
    v.on_event(&trade(6), &mut out);
    assert_eq!(fills(&out), [(4400, 4)], "2 ahead, then 4 of ours");
    v.on_event(&trade(20), &mut out);
    assert_eq!(fills(&out), [(4400, 4), (4400, 6)], "the rest, never more");
}

#[test]
fn without_the_queue_model_a_crossed_resting_order_fills_as_on_paper() {
    let mids = MidSeries::default();
    let mut v = setup(ModelParams::perfect(), &mids);
    let mut out = Vec::new();
    v.place(
        0,
        &order(4500, 5, TimeInForce::GoodTillTime { expires_ns: 100 }),
        &mut out,
    );
    let cross = Event::BookDelta(BookDelta {
        market: MarketId(0),
        venue_seq: 0,
        side: BookSide::Ask,
        price: Price(4500),
        change: LevelChange::Set(Qty::contracts(3)),
    });
    v.observe(&cross);
    let mut out = Vec::new();
    v.on_event(&cross, &mut out);
    assert_eq!(fills(&out), [(4500, 3)]);
}
