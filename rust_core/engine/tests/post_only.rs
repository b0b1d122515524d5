//! POST_ONLY: a limit GTC/DAY order that is rejected (POST_ONLY_WOULD_CROSS) instead of
//! taking liquidity, on NEW and on REPLACE.
mod common;
use common::*;
use venue_engine::*;

fn po(h: &mut H, p: u32, side: Side, price: i64, qty: i64) -> OrderMsg {
    h.msg(p, side, price, qty).with_flags(FLAG_POST_ONLY)
}

#[test]
fn a_post_only_that_would_not_cross_rests() {
    let mut h = H::new();
    h.rest(ALICE, Side::Sell, 101, 5);
    let m = po(&mut h, BOB, Side::Buy, 100, 5);
    let (t, evs) = h.new_order(m);
    assert_events(&evs, &[h.accepted(t, 100, 5), h.book_add(t, 100, 5, 5)]);
    assert_eq!(h.eng.order(OrderId(t)).unwrap().flags, FLAG_POST_ONLY);
    // Empty opposite side: nothing to cross.
    let m = po(&mut h, BOB, Side::Sell, 90, 5).with_tif(Tif::Day);
    let evs = h.send(m);
    assert_eq!(evs[0].kind(), EventKind::Rejected, "90 <= best bid 100");
    let m = po(&mut h, BOB, Side::Sell, 101, 5).with_tif(Tif::Day);
    let (t, evs) = h.new_order(m);
    assert_events(&evs, &[h.accepted(t, 101, 5), h.book_add(t, 101, 5, 5)]);
}

#[test]
fn a_post_only_at_or_through_the_touch_is_rejected_without_an_order_id() {
    let mut h = H::new();
    h.rest(ALICE, Side::Sell, 101, 5);
    h.rest(ALICE, Side::Buy, 99, 5);
    let next = h.eng.next_order_id();
    for (side, price) in [
        (Side::Buy, 101),
        (Side::Buy, 150),
        (Side::Sell, 99),
        (Side::Sell, 1),
    ] {
        let m = po(&mut h, BOB, side, price, 5);
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::PostOnlyWouldCross)]);
    }
    assert_eq!(h.eng.next_order_id(), next);
    assert_eq!(h.eng.live_orders(), 2);
}

#[test]
fn post_only_needs_limit_gtc_or_day() {
    let mut h = H::new();
    for tif in [Tif::Ioc, Tif::Fok] {
        let m = po(&mut h, BOB, Side::Buy, 100, 5).with_tif(tif);
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::InvalidTif)]);
    }
    let m = h.mkt(BOB, Side::Buy, 5).with_flags(FLAG_POST_ONLY);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidTif)]);
}

#[test]
fn unknown_flag_bits_are_an_invalid_order_type() {
    let mut h = H::new();
    for flags in [2u8, 3, 0x80, 0xFF] {
        let m = h.msg(BOB, Side::Buy, 100, 5).with_flags(flags);
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::InvalidOrderType)]);
    }
}

#[test]
fn a_post_only_replace_that_would_cross_is_rejected_and_changes_nothing() {
    let mut h = H::new();
    h.rest(ALICE, Side::Sell, 105, 5);
    let m = po(&mut h, BOB, Side::Buy, 100, 5);
    let (id, _) = h.new_order(m);
    let before = h.eng.state_hash();
    let evs = h.replace(BOB, id, 105, 5);
    let sent = OrderMsg::replace(Ts(0), ParticipantId(BOB), OrderId(id), Price(105), Qty(5));
    assert_events(&evs, &[h.rejected(&sent, Reason::PostOnlyWouldCross)]);
    assert_eq!(h.level(Side::Buy, 100), vec![(id, 5, 5)]);
    // Only the sequence number moved: same book as before.
    assert_ne!(h.eng.state_hash(), before);
    let evs = h.replace(BOB, id, 104, 5);
    assert_events(
        &evs,
        &[
            h.replaced(id, 104, 5),
            h.book_delete(id, 100, 5),
            h.book_add(id, 104, 5, 5),
        ],
    );
}
