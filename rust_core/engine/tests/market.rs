//! MARKET orders: IOC or FOK only, any price level crosses, the price field is ignored, and
//! what does not fill is cancelled (IOC_REMAINDER) with price 0.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn a_market_order_sweeps_every_level_and_cancels_the_rest() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 2);
    let b = h.rest(ALICE, Side::Sell, 150, 3);
    let m = h.mkt(BOB, Side::Buy, 10);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 10),
            h.trade(t, a, 100, 2, 8),
            h.book_delete(a, 100, 0),
            h.trade(t, b, 150, 3, 5),
            h.book_delete(b, 150, 0),
            h.cancelled(t, 0, 5, 0, Reason::IocRemainder),
        ],
    );
    assert_eq!(h.eng.live_orders(), 0);
    assert_eq!(h.eng.order(OrderId(t)), None);
}

#[test]
fn a_market_order_on_an_empty_side_is_cancelled_whole() {
    let mut h = H::new();
    h.rest(ALICE, Side::Buy, 100, 5); // same side: irrelevant
    let m = h.mkt(BOB, Side::Buy, 7);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 7),
            h.cancelled(t, 0, 7, 0, Reason::IocRemainder),
        ],
    );
}

#[test]
fn a_market_sell_that_fills_exactly_has_no_cancel() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 4);
    let m = h.mkt(BOB, Side::Sell, 4);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 4),
            h.trade(t, a, 100, 4, 0),
            h.book_delete(a, 100, 0),
        ],
    );
}

#[test]
fn the_price_of_a_market_order_is_ignored() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 4);
    let mut m = h.mkt(BOB, Side::Buy, 4);
    m.price = -77; // would be INVALID_PRICE on a limit order
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 4),
            h.trade(t, a, 100, 4, 0),
            h.book_delete(a, 100, 0),
        ],
    );
}

#[test]
fn a_market_fok_fills_entirely_or_not_at_all() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 3);
    let b = h.rest(ALICE, Side::Sell, 200, 3);
    let m = h.mkt(BOB, Side::Buy, 7).with_tif(Tif::Fok);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 7),
            h.cancelled(t, 0, 7, 0, Reason::FokUnfilled),
        ],
    );
    let m = h.mkt(BOB, Side::Buy, 6).with_tif(Tif::Fok);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 6),
            h.trade(t, a, 100, 3, 3),
            h.book_delete(a, 100, 0),
            h.trade(t, b, 200, 3, 0),
            h.book_delete(b, 200, 0),
        ],
    );
}

#[test]
fn market_orders_need_ioc_or_fok_and_no_iceberg() {
    let mut h = H::new();
    for tif in [Tif::Gtc, Tif::Day] {
        let m = h.mkt(BOB, Side::Buy, 5).with_tif(tif);
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::InvalidTif)]);
    }
    let m = h.mkt(BOB, Side::Buy, 5).with_display(Qty(1));
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidDisplayQty)]);
    let m = h
        .mkt(BOB, Side::Buy, 5)
        .with_tif(Tif::Fok)
        .with_display(Qty(1));
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidDisplayQty)]);
}
