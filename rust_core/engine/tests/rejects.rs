//! Every reject reason of a NEW order, in the documented check order (each case breaks
//! one check and every later one, so only the first failure may be reported), plus the
//! reasons of the other actions. A REJECTED event echoes the message exactly.
mod common;
use common::*;
use venue_engine::*;

fn spec() -> InstrumentSpec {
    InstrumentSpec {
        tick_size: Price(5),
        lot_size: Qty(10),
        min_qty: Qty(20),
        max_qty: Qty(1000),
    }
}

/// A valid NEW for `spec()`: buy 50 at 100, GTC.
fn good() -> OrderMsg {
    OrderMsg::limit(
        Ts(0),
        ParticipantId(ALICE),
        InstrumentId(0),
        ClientOrderId(1),
        Side::Buy,
        Price(100),
        Qty(50),
    )
}

fn check(h: &mut H, m: OrderMsg, why: Reason) {
    let next = h.eng.next_order_id();
    let live = h.eng.live_orders();
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, why)]);
    assert_eq!(h.eng.next_order_id(), next, "a rejected order gets no id");
    assert_eq!(h.eng.live_orders(), live);
}

#[test]
fn new_order_checks_in_order() {
    let mut h = H::with_spec(spec());
    // A resting ask at 105 and a live client order id 99 for the later checks.
    h.new_order(OrderMsg {
        client_order_id: 99,
        side: Side::Sell as u8,
        price: 105,
        ..good()
    });
    let all_bad = OrderMsg {
        instrument: 3,
        side: 2,
        order_type: 2,
        tif: 4,
        flags: 0,
        qty: -1,
        price: -1,
        display_qty: -1,
        client_order_id: 99,
        ..good()
    };
    // 1. instrument
    check(&mut h, all_bad, Reason::UnknownInstrument);
    check(
        &mut h,
        OrderMsg {
            instrument: ALL_INSTRUMENTS.0,
            ..all_bad
        },
        Reason::UnknownInstrument,
    );
    // 2. side
    let m = OrderMsg {
        instrument: 0,
        ..all_bad
    };
    check(&mut h, m, Reason::InvalidSide);
    check(&mut h, OrderMsg { side: 255, ..m }, Reason::InvalidSide);
    // 3. order type, then unknown flag bits
    let m = OrderMsg { side: 0, ..m };
    check(&mut h, m, Reason::InvalidOrderType);
    check(
        &mut h,
        OrderMsg {
            order_type: 0,
            flags: 4,
            ..m
        },
        Reason::InvalidOrderType,
    );
    // 4. time in force
    let m = OrderMsg { order_type: 0, ..m };
    check(&mut h, m, Reason::InvalidTif);
    check(
        &mut h,
        OrderMsg {
            order_type: OrderType::Market as u8,
            tif: Tif::Gtc as u8,
            ..m
        },
        Reason::InvalidTif,
    );
    check(
        &mut h,
        OrderMsg {
            tif: Tif::Ioc as u8,
            flags: FLAG_POST_ONLY,
            ..m
        },
        Reason::InvalidTif,
    );
    // 5. trading state
    let m = OrderMsg { tif: 0, ..m };
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    check(&mut h, m, Reason::InstrumentHalted);
    h.eng.set_trading_state(h.x, TradingState::Open).unwrap();
    // 6. quantity: positive, lot, min, max
    check(&mut h, m, Reason::InvalidQty);
    check(&mut h, OrderMsg { qty: 0, ..m }, Reason::InvalidQty);
    check(&mut h, OrderMsg { qty: 15, ..m }, Reason::OffLot);
    check(&mut h, OrderMsg { qty: 10, ..m }, Reason::QtyBelowMin);
    check(&mut h, OrderMsg { qty: 1010, ..m }, Reason::QtyAboveMax);
    check(&mut h, OrderMsg { qty: i64::MAX, ..m }, Reason::OffLot);
    // 7. price (limit only)
    let m = OrderMsg { qty: 50, ..m };
    check(&mut h, m, Reason::InvalidPrice);
    check(&mut h, OrderMsg { price: 0, ..m }, Reason::InvalidPrice);
    check(&mut h, OrderMsg { price: 101, ..m }, Reason::OffTick);
    // 8. display quantity
    let m = OrderMsg { price: 100, ..m };
    check(&mut h, m, Reason::InvalidDisplayQty);
    // 9. duplicate client order id
    let m = OrderMsg {
        display_qty: 0,
        flags: FLAG_POST_ONLY,
        price: 105,
        ..m
    };
    check(&mut h, m, Reason::DuplicateClientOrderId);
    // 10. post-only would cross
    let m = OrderMsg {
        client_order_id: 5,
        ..m
    };
    check(&mut h, m, Reason::PostOnlyWouldCross);
    // and all good
    let (id, _) = h.new_order(OrderMsg { price: 100, ..m });
    assert_eq!(id, 2);
}

#[test]
fn an_unknown_action_is_rejected_and_echoed() {
    let mut h = H::new();
    for action in [5u8, 6, 0x7F, 0xFF] {
        let m = OrderMsg {
            action,
            order_id: 12,
            client_order_id: 34,
            price: -56,
            qty: 78,
            instrument: 9,
            participant: 10,
            side: 200,
            ..OrderMsg::default()
        };
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::InvalidAction)]);
        let e = evs[0];
        assert_eq!(
            (
                e.order_id,
                e.client_order_id,
                e.price,
                e.qty,
                e.instrument,
                e.participant,
                e.side
            ),
            (12, 34, -56, 78, 9, 10, 200)
        );
        assert_eq!((e.leaves, e.maker_order_id, e.maker_participant), (0, 0, 0));
    }
}

#[test]
fn a_rejected_new_echoes_even_its_unused_order_id() {
    let mut h = H::new();
    let m = OrderMsg {
        order_id: 4242,
        qty: 0,
        ..good()
    };
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidQty)]);
    assert_eq!(evs[0].order_id, 4242);
}

#[test]
fn order_actions_reject_unknown_orders_and_other_owners() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    for action in [Action::Cancel, Action::Reduce, Action::Replace] {
        let base = OrderMsg {
            action: action as u8,
            price: 100,
            qty: 1,
            ..OrderMsg::default()
        };
        let unknown = OrderMsg {
            order_id: a + 1,
            participant: ALICE,
            ..base
        };
        check(&mut h, unknown, Reason::UnknownOrder);
        let other = OrderMsg {
            order_id: a,
            participant: BOB,
            ..base
        };
        check(&mut h, other, Reason::NotOwner);
    }
}
