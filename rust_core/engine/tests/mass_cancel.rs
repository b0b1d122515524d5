//! MASS_CANCEL: every live order of the sender, on one instrument or all, in increasing
//! order id: CANCELLED(MASS_CANCEL) and BOOK_DELETE each.
mod common;
use common::*;
use venue_engine::*;

fn mass(p: u32, instrument: InstrumentId) -> OrderMsg {
    OrderMsg::mass_cancel(Ts(0), ParticipantId(p), instrument)
}

#[test]
fn mass_cancel_takes_the_senders_orders_in_order_id_order() {
    let mut h = H::new();
    let a1 = h.rest(ALICE, Side::Buy, 100, 1);
    let b1 = h.rest(BOB, Side::Buy, 100, 2);
    let a2 = h.rest(ALICE, Side::Sell, 110, 3);
    let a3 = h.rest(ALICE, Side::Buy, 99, 4);
    h.replace(ALICE, a1, 98, 5); // keeps its id, moves level
    let evs = h.send(mass(ALICE, h.x));
    assert_events(
        &evs,
        &[
            h.cancelled(a1, 98, 5, 0, Reason::MassCancel),
            h.book_delete(a1, 98, 0),
            h.cancelled(a2, 110, 3, 0, Reason::MassCancel),
            h.book_delete(a2, 110, 0),
            h.cancelled(a3, 99, 4, 0, Reason::MassCancel),
            h.book_delete(a3, 99, 0),
        ],
    );
    assert_eq!(h.eng.live_orders(), 1);
    assert_eq!(h.leaves(b1), Some(2));
}

#[test]
fn mass_cancel_of_one_instrument_or_all() {
    let mut h = H::new();
    let y = h.eng.add_instrument(InstrumentSpec::default()).unwrap();
    let ax = h.rest(ALICE, Side::Buy, 100, 1);
    let m = h.msg(ALICE, Side::Buy, 100, 1);
    let (ay, _) = h.new_order(OrderMsg {
        instrument: y.0,
        ..m
    });
    let evs = h.send(mass(ALICE, y));
    assert_eq!(
        evs.iter()
            .map(|e| (e.order_id, e.instrument))
            .collect::<Vec<_>>(),
        vec![(ay, y.0), (ay, y.0)]
    );
    let ay2 = {
        let m = h.msg(ALICE, Side::Sell, 200, 1);
        h.new_order(OrderMsg {
            instrument: y.0,
            ..m
        })
        .0
    };
    let evs = h.send(mass(ALICE, ALL_INSTRUMENTS));
    assert_eq!(
        evs.iter()
            .map(|e| (e.order_id, e.kind()))
            .collect::<Vec<_>>(),
        vec![
            (ax, EventKind::Cancelled),
            (ax, EventKind::BookDelete),
            (ay2, EventKind::Cancelled),
            (ay2, EventKind::BookDelete)
        ]
    );
    assert_eq!(h.eng.live_orders(), 0);
}

#[test]
fn mass_cancel_of_an_unknown_instrument_is_rejected() {
    let mut h = H::new();
    h.rest(ALICE, Side::Buy, 100, 1);
    let m = mass(ALICE, InstrumentId(1));
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::UnknownInstrument)]);
    assert_eq!(h.eng.live_orders(), 1);
}

#[test]
fn mass_cancel_with_nothing_live_has_no_events_and_works_while_halted() {
    let mut h = H::new();
    assert!(h.send(mass(ALICE, h.x)).is_empty());
    assert!(h.send(mass(ALICE, ALL_INSTRUMENTS)).is_empty());
    let a = h.rest(ALICE, Side::Buy, 100, 1);
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    let evs = h.send(mass(ALICE, h.x));
    assert_events(
        &evs,
        &[
            h.cancelled(a, 100, 1, 0, Reason::MassCancel),
            h.book_delete(a, 100, 0),
        ],
    );
}
