//! CANCEL: CANCELLED(USER_CANCEL, qty = leaves) then BOOK_DELETE; only the owner, only a
//! live order.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn a_cancel_removes_the_order_and_reports_its_leaves() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 10);
    h.limit(BOB, Side::Buy, 100, 3);
    let evs = h.cancel(ALICE, a);
    assert_events(
        &evs,
        &[
            h.cancelled(a, 100, 7, 0, Reason::UserCancel),
            h.book_delete(a, 100, 0),
        ],
    );
    assert_eq!(h.eng.order(OrderId(a)), None);
    assert_eq!(h.eng.bbo(h.x).unwrap().ask, None);
    assert_eq!(h.eng.live_orders(), 0);
}

#[test]
fn cancelling_from_the_middle_of_a_queue_keeps_the_others_in_order() {
    let mut h = H::new();
    let ids: Vec<u64> = (0..4).map(|_| h.rest(ALICE, Side::Buy, 100, 1)).collect();
    h.cancel(ALICE, ids[1]);
    assert_eq!(
        h.level(Side::Buy, 100),
        vec![(ids[0], 1, 1), (ids[2], 1, 1), (ids[3], 1, 1)]
    );
    h.cancel(ALICE, ids[0]);
    h.cancel(ALICE, ids[3]);
    assert_eq!(h.level(Side::Buy, 100), vec![(ids[2], 1, 1)]);
    assert_eq!(h.depth(Side::Buy), vec![(100, 1, 1)]);
}

#[test]
fn a_cancel_of_an_order_that_is_not_live_is_unknown() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 1);
    h.limit(BOB, Side::Buy, 100, 1); // fills a
    let b = h.rest(ALICE, Side::Sell, 101, 1);
    h.cancel(ALICE, b);
    let ioc = h.msg(ALICE, Side::Sell, 200, 1).with_tif(Tif::Ioc);
    let (c, _) = h.new_order(ioc); // accepted, never rested
    for id in [a, b, c, 0, 999, u64::MAX] {
        let evs = h.cancel(ALICE, id);
        let sent = OrderMsg::cancel(Ts(0), ParticipantId(ALICE), OrderId(id));
        assert_events(&evs, &[h.rejected(&sent, Reason::UnknownOrder)]);
    }
}

#[test]
fn only_the_owner_can_cancel() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 1);
    let evs = h.cancel(BOB, a);
    let sent = OrderMsg::cancel(Ts(0), ParticipantId(BOB), OrderId(a));
    assert_events(&evs, &[h.rejected(&sent, Reason::NotOwner)]);
    assert_eq!(h.leaves(a), Some(1));
}

#[test]
fn a_cancelled_client_order_id_can_be_used_again() {
    let mut h = H::new();
    let m = h.msg(ALICE, Side::Buy, 100, 1);
    let (a, _) = h.new_order(m);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::DuplicateClientOrderId)]);
    h.cancel(ALICE, a);
    let (b, evs) = h.new_order(m);
    assert_events(&evs, &[h.accepted(b, 100, 1), h.book_add(b, 100, 1, 1)]);
}

#[test]
fn cancel_ignores_the_unused_fields_of_the_message() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 4);
    let m = OrderMsg {
        instrument: 77,
        side: 9,
        price: -1,
        qty: -1,
        ..OrderMsg::cancel(Ts(0), ParticipantId(ALICE), OrderId(a))
    };
    let evs = h.send(m);
    assert_events(
        &evs,
        &[
            h.cancelled(a, 100, 4, 0, Reason::UserCancel),
            h.book_delete(a, 100, 0),
        ],
    );
}
