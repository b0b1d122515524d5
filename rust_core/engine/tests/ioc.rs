//! IOC limit orders: trade what crosses now, cancel the rest (IOC_REMAINDER at the limit
//! price); never rest.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn an_ioc_trades_what_it_can_and_cancels_the_remainder() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 3);
    h.rest(ALICE, Side::Sell, 102, 3);
    let m = h.msg(BOB, Side::Buy, 101, 10).with_tif(Tif::Ioc);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 10),
            h.trade(t, a, 100, 3, 7),
            h.book_delete(a, 100, 0),
            h.cancelled(t, 101, 7, 0, Reason::IocRemainder),
        ],
    );
    assert_eq!(h.eng.live_orders(), 1);
    assert_eq!(h.depth(Side::Buy), vec![]);
}

#[test]
fn an_ioc_that_does_not_cross_is_cancelled_whole() {
    let mut h = H::new();
    h.rest(ALICE, Side::Sell, 100, 3);
    let m = h.msg(BOB, Side::Buy, 99, 4).with_tif(Tif::Ioc);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 99, 4),
            h.cancelled(t, 99, 4, 0, Reason::IocRemainder),
        ],
    );
}

#[test]
fn an_ioc_that_fills_has_no_cancel_and_its_client_id_is_free_again() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    let m = h.msg(BOB, Side::Sell, 100, 5).with_tif(Tif::Ioc);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.trade(t, a, 100, 5, 0),
            h.book_delete(a, 100, 0),
        ],
    );
    // Never live, so the same client order id can be used at once.
    let again = m.with_tif(Tif::Gtc);
    let (t2, evs) = h.new_order(again);
    assert_events(&evs, &[h.accepted(t2, 100, 5), h.book_add(t2, 100, 5, 5)]);
}
