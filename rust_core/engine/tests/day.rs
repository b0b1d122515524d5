//! DAY orders rest like GTC orders until `expire_day_orders`, which cancels every live DAY
//! order (of one instrument, or all) with reason EXPIRED, in increasing order id.
mod common;
use common::*;
use venue_engine::*;

fn day(h: &mut H, p: u32, side: Side, price: i64, qty: i64) -> u64 {
    let m = h.msg(p, side, price, qty).with_tif(Tif::Day);
    let (id, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[h.accepted(id, price, qty), h.book_add(id, price, qty, qty)],
    );
    id
}

#[test]
fn expiry_cancels_day_orders_in_order_id_order_and_keeps_gtc() {
    let mut h = H::new();
    let d1 = day(&mut h, ALICE, Side::Sell, 105, 5);
    let g = h.rest(ALICE, Side::Buy, 95, 5);
    let d2 = day(&mut h, BOB, Side::Buy, 99, 3);
    let d3 = day(&mut h, ALICE, Side::Sell, 101, 2);
    let evs = h.expire(h.x);
    assert_events(
        &evs,
        &[
            h.cancelled(d1, 105, 5, 0, Reason::Expired),
            h.book_delete(d1, 105, 0),
            h.cancelled(d2, 99, 3, 0, Reason::Expired),
            h.book_delete(d2, 99, 0),
            h.cancelled(d3, 101, 2, 0, Reason::Expired),
            h.book_delete(d3, 101, 0),
        ],
    );
    assert_eq!(h.eng.live_orders(), 1);
    assert_eq!(h.leaves(g), Some(5));
    assert!(h.expire(h.x).is_empty(), "nothing left to expire");
}

#[test]
fn a_partly_filled_day_order_expires_with_its_leaves() {
    let mut h = H::new();
    let d = day(&mut h, ALICE, Side::Sell, 100, 10);
    h.limit(BOB, Side::Buy, 100, 4);
    let evs = h.expire(h.x);
    assert_events(
        &evs,
        &[
            h.cancelled(d, 100, 6, 0, Reason::Expired),
            h.book_delete(d, 100, 0),
        ],
    );
}

#[test]
fn expiry_of_one_instrument_leaves_the_others() {
    let mut h = H::new();
    let y = h.eng.add_instrument(InstrumentSpec::default()).unwrap();
    let dx = day(&mut h, ALICE, Side::Buy, 100, 1);
    let my = h.msg(ALICE, Side::Buy, 100, 1).with_tif(Tif::Day);
    let (dy, _) = h.new_order(OrderMsg {
        instrument: y.0,
        ..my
    });
    let evs = h.expire(y);
    assert_eq!(evs.len(), 2);
    assert_eq!((evs[0].order_id, evs[0].instrument), (dy, y.0));
    assert_eq!(h.leaves(dx), Some(1));
    let dy2 = {
        let m = h.msg(ALICE, Side::Buy, 101, 1).with_tif(Tif::Day);
        h.new_order(OrderMsg {
            instrument: y.0,
            ..m
        })
        .0
    };
    let evs = h.expire(ALL_INSTRUMENTS);
    let ids: Vec<(u64, EventKind)> = evs.iter().map(|e| (e.order_id, e.kind())).collect();
    assert_eq!(
        ids,
        vec![
            (dx, EventKind::Cancelled),
            (dx, EventKind::BookDelete),
            (dy2, EventKind::Cancelled),
            (dy2, EventKind::BookDelete)
        ]
    );
    assert_eq!(h.eng.live_orders(), 0);
}

#[test]
fn expiry_of_an_unknown_instrument_does_nothing() {
    let mut h = H::new();
    day(&mut h, ALICE, Side::Buy, 100, 1);
    assert!(h.expire(InstrumentId(7)).is_empty());
    assert_eq!(h.eng.live_orders(), 1);
}

#[test]
fn a_replaced_day_order_is_still_a_day_order() {
    let mut h = H::new();
    let d = day(&mut h, ALICE, Side::Buy, 100, 5);
    h.replace(ALICE, d, 98, 7);
    assert_eq!(h.eng.order(OrderId(d)).unwrap().tif, Tif::Day);
    let evs = h.expire(h.x);
    assert_events(
        &evs,
        &[
            h.cancelled(d, 98, 7, 0, Reason::Expired),
            h.book_delete(d, 98, 0),
        ],
    );
}
