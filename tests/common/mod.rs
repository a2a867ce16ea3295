//! Shared builders for integration tests.
#![allow(dead_code)]

pub mod faults;
pub mod live;

use arb::config::EngineConfig;
use arb::core::{ClientOrderId, MarketId, Money, Outcome, Price, Qty, Rng, Venue};
use arb::event::*;

/// One record of every event and decision variant, with fixed values: the golden
/// journal is built from these (version 8's, then those of version 9).
pub fn every_variant() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, decisions) = every_variant_v8();
    events.push(Event::MarketWatch(WatchChange {
        market: MarketId(1),
        watch: Watch::Streamed { connection: 3 },
        reason: WatchReason::Rule,
    }));
    events.push(Event::MarketWatch(WatchChange {
        market: MarketId(2),
        watch: Watch::Polled,
        reason: WatchReason::Idle,
    }));
    events.push(Event::MarketWatch(WatchChange {
        market: MarketId(0),
        watch: Watch::Listed,
        reason: WatchReason::Capacity,
    }));
    events.push(Event::ConnectionFeed(ConnectionStatus {
        venue: Venue::Polymarket,
        connection: 3,
        state: FeedState::Alive,
    }));
    (events, decisions)
}

/// One record of every variant of format version 8 (version 7's, then those added in
/// version 8), in the order of its golden file.
pub fn every_variant_v8() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, decisions) = every_variant_v7();
    events.push(Event::StreamVouches { enabled: true });
    events.push(Event::SellToClose { enabled: true });
    events.push(Event::Feed(FeedStatus {
        venue: Venue::Polymarket,
        state: FeedState::Alive,
    }));
    (events, decisions)
}

/// One record of every variant of format version 7 (version 6's, then those added in
/// version 7), in the order of its golden file.
pub fn every_variant_v7() -> (Vec<Event>, Vec<Decision>) {
    let (events, mut decisions) = every_variant_v6();
    decisions.push(Decision::SellOrder(PlaceOrder {
        id: ClientOrderId {
            opportunity: 7,
            leg: 2,
            attempt: 0,
        },
        market: MarketId(1),
        outcome: Outcome::Yes,
        price: Price(3800),
        qty: Qty(4_000_000),
        tif: TimeInForce::ImmediateOrCancel,
        side: OrderSide::Sell,
    }));
    (events, decisions)
}

/// One record of every variant of format version 6 (version 5's, then those added in
/// version 6), in the order of its golden file.
pub fn every_variant_v6() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, mut decisions) = every_variant_v5();
    events.push(Event::ExitPolicyLoaded(arb::config::ExitPolicy {
        max_hold_ms: 600_000,
        ev_stop: Money(100_000),
        stop_max_loss: Money(150_000),
        retry_ms: 1_000,
    }));
    for (reason, loss) in [
        (ExitReason::Complete, -30_000),
        (ExitReason::EdgeDecay, 20_000),
        (ExitReason::TimeStop, 60_000),
        (ExitReason::EvStop, 110_000),
    ] {
        decisions.push(Decision::Exit(Exit {
            opportunity: 7,
            reason,
            qty: Qty::contracts(4),
            loss: Money(loss),
        }));
    }
    (events, decisions)
}

/// One record of every variant of format version 5 (version 4's, then those added in
/// version 5), in the order of its golden file.
pub fn every_variant_v5() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, mut decisions) = every_variant_v4();
    events.push(Event::MarketClosed {
        market: MarketId(1),
    });
    events.push(Event::Settled(Settlement {
        market: MarketId(1),
        yes_value: Price::ONE,
    }));
    events.push(Event::SettlementPolicy {
        close_margin_ms: 300_000,
    });
    events.push(Event::BasketUnwind { enabled: true });
    decisions.push(Decision::Realized(Realized {
        market: MarketId(1),
        outcome: Outcome::Yes,
        opportunity: Some(7),
        lane: Some(Lane::CrossVenue),
        qty: Qty::contracts(10),
        payout: Money::dollars(10),
        pnl: Money(412_000),
    }));
    decisions.push(Decision::Skipped {
        opportunity: 13,
        reason: SkipReason::MarketClosed,
    });
    decisions.push(Decision::Skipped {
        opportunity: 14,
        reason: SkipReason::NearClose,
    });
    decisions.push(Decision::InputRejected {
        reason: InputError::SettledTwice(MarketId(1)),
    });
    (events, decisions)
}

/// One record of every variant of format version 4 (version 3's, then those added in
/// version 4), in the order of its golden file.
pub fn every_variant_v4() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, mut decisions) = every_variant_v3();
    events.push(Event::OrderUnknown(OrderUnknown {
        id: ClientOrderId {
            opportunity: 7,
            leg: 1,
            attempt: 0,
        },
        reason: "POST /portfolio/orders: transport: operation timed out".into(),
    }));
    events.push(Event::VenueState(VenueState {
        venue: Venue::Kalshi,
        as_of_events: 4_242,
        positions: vec![PositionReport {
            market: MarketId(0),
            outcome: Outcome::No,
            qty: Qty::contracts(5),
        }],
        cash: Money::dollars(981),
    }));
    decisions.push(Decision::Skipped {
        opportunity: 12,
        reason: SkipReason::UnknownOrder,
    });
    decisions.push(Decision::Discrepancy(Discrepancy {
        venue: Venue::Kalshi,
        what: DiscrepancyKind::Position {
            market: MarketId(0),
            outcome: Outcome::Yes,
        },
        engine: 0,
        venue_value: -5_000_000,
        confirmed: true,
    }));
    decisions.push(Decision::Halt {
        reason: HaltReason::UnexplainedPosition,
    });
    (events, decisions)
}

/// One record of every variant of format version 3 (version 2's, then those added in
/// version 3), in the order of its golden file.
pub fn every_variant_v3() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, mut decisions) = every_variant_v2();
    events.push(Event::Breaker(BreakerReport {
        venue: Venue::Kalshi,
        endpoint: Endpoint::Orderbook,
        state: CircuitState::Open,
    }));
    events.push(Event::CoverageEvery { every_ms: 10_000 });
    events.push(Event::CanaryLanes {
        lanes: [true, false, true, false, true],
    });
    decisions.push(Decision::LaneCoverage {
        lane: Lane::Bucket,
        rules: 4,
        fresh: 3,
    });
    (events, decisions)
}

/// One record of every variant of format version 2 (version 1's and those added since),
/// in the order of its golden file.
pub fn every_variant_v2() -> (Vec<Event>, Vec<Decision>) {
    let (mut events, mut decisions) = every_variant_v1();
    events.push(Event::RestingPolicyLoaded(arb::config::RestingPolicy {
        second_leg_rest_ms: 2_500,
        resubmits: 1,
    }));
    events.push(Event::RiskLimitsLoaded(arb::config::RiskLimits::default()));
    events.push(Event::Operator(OperatorCommand::VenueHalt {
        venue: Venue::Polymarket,
        engaged: true,
    }));
    events.push(Event::Operator(OperatorCommand::LaneEnabled {
        lane: Lane::IntraVenue,
        enabled: false,
    }));
    for reason in [
        SkipReason::VenueHalted,
        SkipReason::LaneDisabled,
        SkipReason::LossCap,
        SkipReason::ExposureCap,
        SkipReason::StaleBook,
    ] {
        decisions.push(Decision::Skipped {
            opportunity: 9,
            reason,
        });
    }
    events.push(Event::Feed(FeedStatus {
        venue: Venue::Polymarket,
        state: FeedState::Silent,
    }));
    events.push(Event::FeedMode {
        venue: Venue::Kalshi,
        mode: FeedMode::PollOnly,
    });
    events.push(Event::Circuit(CircuitReport {
        venue: Venue::Kalshi,
        class: RequestClass::Orders,
        state: CircuitState::Open,
    }));
    decisions.push(Decision::Skipped {
        opportunity: 9,
        reason: SkipReason::CircuitOpen,
    });
    events.push(Event::Operator(OperatorCommand::Shutdown));
    events.push(Event::Operator(OperatorCommand::Restarted));
    for reason in [
        HaltReason::LossCap,
        HaltReason::ExecutionFailures,
        HaltReason::Shutdown,
    ] {
        decisions.push(Decision::Halt { reason });
    }
    // The structural lanes and the quote firewall.
    events.push(Event::FirewallLoaded(arb::config::FirewallConfig::default()));
    events.push(Event::GroupDefined(GroupRule {
        kind: GroupKind::Bucket,
        members: vec![
            GroupMember {
                market: MarketId(0),
                outcome: Outcome::Yes,
            },
            GroupMember {
                market: MarketId(1),
                outcome: Outcome::Yes,
            },
        ],
        exhaustive: true,
        source: "kalshi:mutually_exclusive:KXNBAGAME-26JAN09MILLAL:markets_listed".into(),
        confidence_bp: 10_000,
    }));
    for kind in [GroupKind::Tree, GroupKind::Parity] {
        events.push(Event::GroupDefined(GroupRule {
            kind,
            members: vec![
                GroupMember {
                    market: MarketId(0),
                    outcome: Outcome::Yes,
                },
                GroupMember {
                    market: MarketId(1),
                    outcome: Outcome::No,
                },
            ],
            exhaustive: false,
            source: "test".into(),
            confidence_bp: 9_000,
        }));
    }
    events.push(Event::MappingLoaded(MappingInfo {
        source: "pairs.toml".into(),
        version: 2,
        digest: 0x0123_4567_89ab_cdef,
        pairs: 3,
    }));
    events.push(Event::PairConfidence(PairRule {
        a: MarketId(0),
        b: MarketId(1),
        b_outcome_for_a_yes: Outcome::No,
        confidence_bp: 0,
    }));
    for reason in [
        SkipReason::CrossedBook,
        SkipReason::PriceOutOfRange,
        SkipReason::SizeOutOfRange,
        SkipReason::MicroPrice,
        SkipReason::JumpWithoutTrade,
        SkipReason::EdgeTooLarge,
        SkipReason::LadderSumImplausible,
        SkipReason::IncompleteBook,
    ] {
        decisions.push(Decision::Skipped {
            opportunity: 9,
            reason,
        });
    }
    decisions.push(Decision::BookRejected {
        market: MarketId(0),
        reason: SkipReason::MicroPrice,
    });
    for lane in [Lane::Bucket, Lane::Tree, Lane::Parity] {
        decisions.push(Decision::LaneSkipped {
            lane,
            key: 0,
            reason: SkipReason::StaleBook,
        });
    }
    decisions.push(Decision::InputRejected {
        reason: InputError::GroupUnusable { group: 3 },
    });
    decisions.push(Decision::PlaceOrder(PlaceOrder {
        side: arb::event::OrderSide::Buy,
        id: ClientOrderId {
            opportunity: 7,
            leg: 1,
            attempt: 1,
        },
        market: MarketId(0),
        outcome: Outcome::No,
        price: Price(5900),
        qty: Qty(12_000_000),
        tif: TimeInForce::GoodTillTime {
            expires_ns: 1_700_000_002_500_000_000,
        },
    }));
    (events, decisions)
}

/// One record of every variant of format version 1, in the order of its golden file.
#[allow(dead_code)]
pub fn every_variant_v1() -> (Vec<Event>, Vec<Decision>) {
    let coid = ClientOrderId {
        opportunity: 7,
        leg: 1,
        attempt: 0,
    };
    let m = MarketId(0);
    let events = vec![
        Event::ConfigLoaded(EngineConfig::default()),
        Event::MarketDefined(MarketMeta {
            id: m,
            venue: Venue::Kalshi,
            venue_id: "FED-23DEC-T3.00".into(),
            title: "Fed rate above 3.00%?".into(),
            event_id: "FED-23DEC".into(),
            series_id: "FED".into(),
            close_ts: Some(1_703_000_000_000_000_000),
            no_leg: NoLeg::SameBook,
            fees: FeeModel::Kalshi {
                multiplier_bp: 10_000,
            },
            tick: Price(100),
        }),
        Event::PairDefined(PairRule {
            a: m,
            b: MarketId(1),
            b_outcome_for_a_yes: Outcome::No,
            confidence_bp: 9_500,
        }),
        Event::BookSnapshot(BookSnapshot {
            market: m,
            venue_seq: 2,
            bids: vec![Level {
                price: Price(2200),
                qty: Qty(333_000_000),
            }],
            asks: vec![Level {
                price: Price(4400),
                qty: Qty(146_000_000),
            }],
        }),
        Event::BookDelta(BookDelta {
            market: m,
            venue_seq: 3,
            side: BookSide::Ask,
            price: Price(9600),
            change: LevelChange::Add(Qty(-54_000_000)),
        }),
        Event::BookDelta(BookDelta {
            market: m,
            venue_seq: 0,
            side: BookSide::Bid,
            price: Price(4800),
            change: LevelChange::Set(Qty(30_000_000)),
        }),
        Event::Trade(Trade {
            market: m,
            price: Price(3600),
            qty: Qty(136_000_000),
            taker_side: Some(BookSide::Bid),
        }),
        Event::Tick,
        Event::Feed(FeedStatus {
            venue: Venue::Polymarket,
            state: FeedState::Gap,
        }),
        Event::OrderAck(OrderAck {
            id: coid,
            venue_order_id: "ee587a1c".into(),
        }),
        Event::OrderReject(OrderReject {
            id: coid,
            reason: "insufficient balance".into(),
        }),
        Event::Fill(Fill {
            id: coid,
            market: m,
            outcome: Outcome::No,
            price: Price(400),
            qty: Qty(104_000_000),
            fee: Money(268_000),
            maker: false,
        }),
        Event::OrderCanceled(OrderCanceled {
            id: coid,
            canceled_qty: Qty(1_000_000),
        }),
        Event::OrderStatus(OrderStatusReport {
            id: coid,
            status: OrderStatus::Resting,
            filled: Qty(0),
        }),
        Event::Balance(BalanceReport {
            venue: Venue::Kalshi,
            cash: Money(1_000_000_000),
        }),
        Event::Position(PositionReport {
            market: m,
            outcome: Outcome::Yes,
            qty: Qty(84_000_000),
        }),
        Event::Operator(OperatorCommand::KillSwitch { engaged: true }),
        Event::Operator(OperatorCommand::AckExposure {
            note: "hedged by hand".into(),
        }),
        Event::LegPolicyLoaded(arb::config::LegPolicy::default()),
        Event::FillReversed(Fill {
            id: coid,
            market: m,
            outcome: Outcome::No,
            price: Price(400),
            qty: Qty(4_000_000),
            fee: Money(10_000),
            maker: false,
        }),
        Event::BookBatch(BookBatch {
            deltas: vec![
                BookDelta {
                    market: m,
                    venue_seq: 0,
                    side: BookSide::Bid,
                    price: Price(3010),
                    change: LevelChange::Set(Qty(1_000_000_000)),
                },
                BookDelta {
                    market: m,
                    venue_seq: 0,
                    side: BookSide::Ask,
                    price: Price(6990),
                    change: LevelChange::Set(Qty(0)),
                },
            ],
        }),
    ];
    let leg = Leg {
        market: m,
        outcome: Outcome::Yes,
        price: Price(4200),
        depth: Qty(40_000_000),
    };
    let decisions = vec![
        Decision::OpportunityFound(Opportunity {
            id: 7,
            lane: Lane::CrossVenue,
            legs: vec![
                leg,
                Leg {
                    market: MarketId(1),
                    outcome: Outcome::No,
                    ..leg
                },
            ],
            edge_per_contract: Money(51_000),
            qty: Qty(40_000_000),
            expected_profit: Money(2_040_000),
        }),
        Decision::Intent(Intent {
            opportunity: 7,
            qty: Qty(40_000_000),
            max_cost: Money(37_960_000),
            expected_profit: Money(2_040_000),
        }),
        Decision::Skipped {
            opportunity: 8,
            reason: SkipReason::InsufficientCash,
        },
        Decision::PlaceOrder(PlaceOrder {
            side: arb::event::OrderSide::Buy,
            id: coid,
            market: m,
            outcome: Outcome::Yes,
            price: Price(4200),
            qty: Qty(40_000_000),
            tif: TimeInForce::ImmediateOrCancel,
        }),
        Decision::CancelOrder { id: coid },
        Decision::Halt {
            reason: HaltReason::KillSwitch,
        },
        Decision::ModeChange {
            from: Mode::Normal,
            to: Mode::Halted,
        },
        Decision::InputRejected {
            reason: InputError::UnknownMarket(MarketId(9)),
        },
    ];
    (events, decisions)
}

/// A random but well-formed event, for round-trip properties.
pub fn random_event(rng: &mut Rng) -> Event {
    let market = MarketId(rng.below(50) as u32);
    let price = Price(rng.below(10_001) as u16);
    let qty = Qty(rng.range_i64(-1_000_000_000, 1_000_000_000));
    let coid = ClientOrderId {
        opportunity: rng.next_u64(),
        leg: rng.below(4) as u8,
        attempt: rng.below(3) as u8,
    };
    let text = |rng: &mut Rng| {
        (0..rng.below(40))
            .map(|_| char::from(b' ' + rng.below(95) as u8))
            .collect::<String>()
    };
    match rng.below(9) {
        0 => Event::BookDelta(BookDelta {
            market,
            venue_seq: rng.next_u64(),
            side: if rng.chance(0.5) {
                BookSide::Bid
            } else {
                BookSide::Ask
            },
            price,
            change: if rng.chance(0.5) {
                LevelChange::Add(qty)
            } else {
                LevelChange::Set(qty)
            },
        }),
        1 => Event::BookSnapshot(BookSnapshot {
            market,
            venue_seq: rng.next_u64(),
            bids: (0..rng.below(20))
                .map(|i| Level {
                    price: Price(i as u16 * 100),
                    qty,
                })
                .collect(),
            asks: (0..rng.below(20))
                .map(|i| Level {
                    price: Price(10_000 - i as u16 * 100),
                    qty,
                })
                .collect(),
        }),
        2 => Event::Trade(Trade {
            market,
            price,
            qty,
            taker_side: None,
        }),
        3 => Event::Tick,
        4 => Event::Fill(Fill {
            id: coid,
            market,
            outcome: Outcome::No,
            price,
            qty,
            fee: Money(rng.next_u64() as i64),
            maker: rng.chance(0.5),
        }),
        5 => Event::OrderReject(OrderReject {
            id: coid,
            reason: text(rng),
        }),
        6 => Event::MarketDefined(MarketMeta {
            id: market,
            venue: Venue::Polymarket,
            venue_id: text(rng),
            title: text(rng),
            event_id: text(rng),
            series_id: text(rng),
            close_ts: if rng.chance(0.5) {
                Some(rng.next_u64() as i64)
            } else {
                None
            },
            no_leg: NoLeg::Complement(MarketId(rng.below(9) as u32)),
            fees: FeeModel::Polymarket {
                rate_ppm: rng.below(100_000) as u32,
                exponent: 1,
                taker_only: true,
            },
            tick: Price(10),
        }),
        7 => Event::Balance(BalanceReport {
            venue: Venue::Kalshi,
            cash: Money(rng.next_u64() as i64),
        }),
        _ => Event::Operator(OperatorCommand::AckExposure { note: text(rng) }),
    }
}
