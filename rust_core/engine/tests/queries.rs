//! Queries: best bid and offer, depth, a level's queue, one order, counts, instruments.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn bbo_shows_each_sides_best_level_and_its_displayed_sum() {
    let mut h = H::new();
    assert_eq!(h.eng.bbo(h.x), Some(Bbo::default()));
    assert_eq!(h.eng.bbo(InstrumentId(1)), None);
    h.rest(ALICE, Side::Buy, 99, 5);
    h.rest(BOB, Side::Buy, 100, 3);
    h.rest_iceberg(BOB, Side::Buy, 100, 50, 4);
    h.rest(ALICE, Side::Sell, 102, 7);
    h.rest(ALICE, Side::Sell, 101, 1);
    assert_eq!(
        h.eng.bbo(h.x),
        Some(Bbo {
            bid: Some((Price(100), Qty(7))),
            ask: Some((Price(101), Qty(1)))
        })
    );
}

#[test]
fn depth_lists_levels_best_first_up_to_n() {
    let mut h = H::new();
    for (p, q) in [(95, 1), (99, 2), (97, 3), (99, 4)] {
        h.rest(ALICE, Side::Buy, p, q);
    }
    for (p, q) in [(105, 1), (101, 2)] {
        h.rest(ALICE, Side::Sell, p, q);
    }
    let mut out = vec![
        LevelView {
            price: Price(1),
            qty: Qty(1),
            orders: 1
        };
        3
    ];
    h.eng.depth(h.x, Side::Buy, 2, &mut out);
    assert_eq!(
        out,
        vec![
            LevelView {
                price: Price(99),
                qty: Qty(6),
                orders: 2
            },
            LevelView {
                price: Price(97),
                qty: Qty(3),
                orders: 1
            }
        ]
    );
    h.eng.depth(h.x, Side::Sell, 10, &mut out);
    assert_eq!(
        out.iter().map(|l| l.price.0).collect::<Vec<_>>(),
        vec![101, 105]
    );
    h.eng.depth(h.x, Side::Sell, 0, &mut out);
    assert!(out.is_empty());
    out.push(LevelView {
        price: Price(1),
        qty: Qty(1),
        orders: 1,
    });
    h.eng.depth(InstrumentId(9), Side::Sell, 10, &mut out);
    assert!(out.is_empty());
}

#[test]
fn queue_shows_a_levels_orders_in_priority_order() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 5);
    let m = h.msg(BOB, Side::Sell, 100, 30).with_display(Qty(10));
    let (b, _) = h.new_order(m);
    let mut out = Vec::new();
    h.eng.queue(h.x, Side::Sell, Price(100), &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], h.eng.order(OrderId(a)).unwrap());
    assert_eq!(
        out[1],
        OrderView {
            order_id: OrderId(b),
            instrument: h.x,
            participant: ParticipantId(BOB),
            client_order_id: ClientOrderId(m.client_order_id),
            side: Side::Sell,
            price: Price(100),
            leaves: Qty(30),
            displayed: Qty(10),
            display_qty: Qty(10),
            tif: Tif::Gtc,
            flags: 0,
        }
    );
    for (side, price) in [
        (Side::Buy, 100),
        (Side::Sell, 101),
        (Side::Sell, 0),
        (Side::Sell, -100),
    ] {
        h.eng.queue(h.x, side, Price(price), &mut out);
        assert!(out.is_empty(), "{side:?} {price}");
    }
    h.eng
        .queue(InstrumentId(3), Side::Sell, Price(100), &mut out);
    assert!(out.is_empty());
}

#[test]
fn queue_of_an_off_tick_price_is_empty() {
    let spec = InstrumentSpec {
        tick_size: Price(5),
        ..InstrumentSpec::default()
    };
    let mut h = H::with_spec(spec);
    h.rest(ALICE, Side::Buy, 100, 1);
    h.rest(ALICE, Side::Buy, 105, 1);
    for p in 96..=109 {
        let n = h.level(Side::Buy, p).len();
        assert_eq!(n, usize::from(p == 100 || p == 105), "price {p}");
    }
}

#[test]
fn order_shows_every_field_of_a_live_order_only() {
    let mut h = H::new();
    let m = h
        .msg(CAROL, Side::Sell, 120, 40)
        .with_display(Qty(15))
        .with_tif(Tif::Day)
        .with_flags(FLAG_POST_ONLY);
    let (id, _) = h.new_order(m);
    assert_eq!(
        h.eng.order(OrderId(id)),
        Some(OrderView {
            order_id: OrderId(id),
            instrument: h.x,
            participant: ParticipantId(CAROL),
            client_order_id: ClientOrderId(m.client_order_id),
            side: Side::Sell,
            price: Price(120),
            leaves: Qty(40),
            displayed: Qty(15),
            display_qty: Qty(15),
            tif: Tif::Day,
            flags: FLAG_POST_ONLY,
        })
    );
    assert_eq!(h.eng.live_orders(), 1);
    h.limit(ALICE, Side::Buy, 120, 40);
    assert_eq!(h.eng.order(OrderId(id)), None);
    assert_eq!(h.eng.order(OrderId(0)), None);
    assert_eq!(h.eng.order(OrderId(u64::MAX)), None);
    assert_eq!(h.eng.live_orders(), 0);
}

#[test]
fn instruments_are_numbered_and_validated() {
    let mut eng = Engine::new();
    assert_eq!(eng.instrument_count(), 0);
    let spec = InstrumentSpec {
        tick_size: Price(25),
        lot_size: Qty(100),
        min_qty: Qty(100),
        max_qty: Qty(1_000_000),
    };
    assert_eq!(
        eng.add_instrument(InstrumentSpec::default()),
        Ok(InstrumentId(0))
    );
    assert_eq!(eng.add_instrument(spec), Ok(InstrumentId(1)));
    assert_eq!(eng.instrument(InstrumentId(1)), Some(&spec));
    assert_eq!(eng.instrument(InstrumentId(2)), None);
    let bad = [
        (
            InstrumentSpec {
                tick_size: Price(0),
                ..spec
            },
            "tick_size",
        ),
        (
            InstrumentSpec {
                lot_size: Qty(-1),
                ..spec
            },
            "lot_size",
        ),
        (
            InstrumentSpec {
                min_qty: Qty(0),
                ..spec
            },
            "min_qty",
        ),
        (
            InstrumentSpec {
                max_qty: Qty(50),
                ..spec
            },
            "max_qty",
        ),
        (
            InstrumentSpec {
                min_qty: Qty(150),
                ..spec
            },
            "min_qty (150)",
        ),
        (
            InstrumentSpec {
                max_qty: Qty(1_000_050),
                ..spec
            },
            "max_qty (1000050)",
        ),
    ];
    for (s, field) in bad {
        match eng.add_instrument(s) {
            Err(EngineError::InvalidInstrument(why)) => {
                assert!(why.contains(field), "{why:?} should name {field}")
            }
            other => panic!("{s:?}: {other:?}"),
        }
    }
    assert_eq!(eng.instrument_count(), 2, "failed adds add nothing");
}
