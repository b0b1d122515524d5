//! Ownership and client order ids: only an order's participant may cancel, reduce or
//! replace it; a client order id is unique among the participant's live orders only.
mod common;
use common::*;
use venue_engine::*;

fn new(p: u32, clid: u64, side: Side, price: i64) -> OrderMsg {
    OrderMsg::limit(
        Ts(0),
        ParticipantId(p),
        InstrumentId(0),
        ClientOrderId(clid),
        side,
        Price(price),
        Qty(1),
    )
}

#[test]
fn other_participants_cannot_touch_an_order() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    let msgs = [
        OrderMsg::cancel(Ts(0), ParticipantId(BOB), OrderId(a)),
        OrderMsg::reduce(Ts(0), ParticipantId(BOB), OrderId(a), Qty(1)),
        OrderMsg::replace(Ts(0), ParticipantId(BOB), OrderId(a), Price(99), Qty(1)),
    ];
    for m in msgs {
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::NotOwner)]);
    }
    assert_eq!(h.level(Side::Buy, 100), vec![(a, 5, 5)]);
}

#[test]
fn unknown_comes_before_not_owner() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    h.cancel(ALICE, a);
    let m = OrderMsg::cancel(Ts(0), ParticipantId(BOB), OrderId(a));
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::UnknownOrder)]);
}

#[test]
fn the_same_client_order_id_is_fine_for_different_participants() {
    let mut h = H::new();
    let (a, _) = h.new_order(new(ALICE, 7, Side::Buy, 100));
    let (b, _) = h.new_order(new(BOB, 7, Side::Buy, 100));
    assert!(a != 0 && b != 0);
    let o = h.eng.order(OrderId(b)).unwrap();
    assert_eq!(
        (o.participant, o.client_order_id),
        (ParticipantId(BOB), ClientOrderId(7))
    );
}

#[test]
fn a_duplicate_is_rejected_before_it_can_trade() {
    let mut h = H::new();
    h.new_order(new(ALICE, 7, Side::Buy, 100));
    h.rest(BOB, Side::Sell, 101, 5);
    let m = new(ALICE, 7, Side::Buy, 101);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::DuplicateClientOrderId)]);
    assert_eq!(h.depth(Side::Sell), vec![(101, 5, 1)]);
}

#[test]
fn a_client_order_id_is_free_again_once_its_order_is_filled() {
    let mut h = H::new();
    let (a, _) = h.new_order(new(ALICE, 7, Side::Buy, 100));
    h.limit(BOB, Side::Sell, 100, 1);
    assert_eq!(h.eng.order(OrderId(a)), None);
    let (b, evs) = h.new_order(new(ALICE, 7, Side::Buy, 100));
    assert_events(&evs, &[h.accepted(b, 100, 1), h.book_add(b, 100, 1, 1)]);
}

#[test]
fn a_replaced_order_keeps_its_client_order_id() {
    let mut h = H::new();
    let (a, _) = h.new_order(new(ALICE, 7, Side::Buy, 100));
    h.replace(ALICE, a, 98, 3);
    let m = new(ALICE, 7, Side::Sell, 200);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::DuplicateClientOrderId)]);
    assert_eq!(
        h.eng.order(OrderId(a)).unwrap().client_order_id,
        ClientOrderId(7)
    );
}

#[test]
fn many_client_order_ids_of_many_participants_stay_distinct() {
    let mut h = H::new();
    let mut ids = Vec::new();
    for p in 0..20u32 {
        for c in 0..50u64 {
            let (id, _) = h.new_order(new(p, c << 20, Side::Buy, 100 + c as i64));
            assert_ne!(id, 0);
            ids.push((p, c, id));
        }
    }
    for &(p, c, _) in ids.iter().step_by(7) {
        let m = new(p, c << 20, Side::Buy, 1);
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::DuplicateClientOrderId)]);
    }
    for &(p, _, id) in ids.iter().filter(|x| x.1 % 2 == 0) {
        h.cancel(p, id);
    }
    for &(p, c, _) in &ids {
        let (id, _) = h.new_order(new(p, c << 20, Side::Buy, 1));
        assert_eq!(id != 0, c % 2 == 0, "participant {p} client id {c}");
    }
}
