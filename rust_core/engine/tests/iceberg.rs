//! Icebergs: `display_qty` shows a slice of the order; when a slice is used up the order
//! refreshes to the back of its level (BOOK_DELETE, BOOK_ADD) with a new slice.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn an_iceberg_shows_only_its_slice() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Sell, 100, 50, 10);
    h.rest(BOB, Side::Sell, 100, 5);
    assert_eq!(h.eng.bbo(h.x).unwrap().ask, Some((Price(100), Qty(15))));
    assert_eq!(h.depth(Side::Sell), vec![(100, 15, 2)]);
    let o = h.eng.order(OrderId(ice)).unwrap();
    assert_eq!(
        (o.leaves, o.displayed, o.display_qty),
        (Qty(50), Qty(10), Qty(10))
    );
}

#[test]
fn a_used_up_slice_refreshes_to_the_back_of_the_level() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Sell, 100, 25, 10);
    let b = h.rest(BOB, Side::Sell, 100, 5);
    let (t, evs) = h.limit(CAROL, Side::Buy, 100, 12);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 12),
            h.trade(t, ice, 100, 10, 2),
            h.book_delete(ice, 100, 15),
            h.book_add(ice, 100, 10, 15),
            // the iceberg lost its place: BOB is now first
            h.trade(t, b, 100, 2, 0),
            h.book_modify(b, 100, 3, 3),
        ],
    );
    assert_eq!(h.level(Side::Sell, 100), vec![(b, 3, 3), (ice, 10, 15)]);
}

#[test]
fn a_lone_iceberg_refreshes_repeatedly_and_its_last_slice_is_what_is_left() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Buy, 100, 23, 10);
    let (t, evs) = h.limit(BOB, Side::Sell, 100, 30);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 30),
            h.trade(t, ice, 100, 10, 20),
            h.book_delete(ice, 100, 13),
            h.book_add(ice, 100, 10, 13),
            h.trade(t, ice, 100, 10, 10),
            h.book_delete(ice, 100, 3),
            h.book_add(ice, 100, 3, 3),
            h.trade(t, ice, 100, 3, 7),
            h.book_delete(ice, 100, 0),
            h.book_add(t, 100, 7, 7),
        ],
    );
}

#[test]
fn a_partly_used_slice_is_modified_in_place() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Sell, 100, 25, 10);
    let (t, evs) = h.limit(BOB, Side::Buy, 100, 4);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 4),
            h.trade(t, ice, 100, 4, 0),
            h.book_modify(ice, 100, 6, 21),
        ],
    );
}

#[test]
fn an_iceberg_taker_takes_its_whole_quantity_and_rests_a_slice() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 12);
    let m = h.msg(BOB, Side::Buy, 100, 20).with_display(Qty(5));
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 20),
            h.trade(t, a, 100, 12, 8),
            h.book_delete(a, 100, 0),
            h.book_add(t, 100, 5, 8),
        ],
    );
}

#[test]
fn display_quantity_must_be_positive_below_qty_on_lot_and_on_a_resting_limit() {
    let spec = InstrumentSpec {
        lot_size: Qty(5),
        min_qty: Qty(5),
        ..InstrumentSpec::default()
    };
    let mut h = H::with_spec(spec);
    for (show, tif) in [
        (-5, Tif::Gtc),
        (20, Tif::Gtc),
        (25, Tif::Gtc),
        (3, Tif::Gtc),
        (5, Tif::Ioc),
        (5, Tif::Fok),
    ] {
        let m = h
            .msg(ALICE, Side::Buy, 100, 20)
            .with_display(Qty(show))
            .with_tif(tif);
        let evs = h.send(m);
        assert_events(&evs, &[h.rejected(&m, Reason::InvalidDisplayQty)]);
    }
    let m = h
        .msg(ALICE, Side::Buy, 100, 20)
        .with_display(Qty(15))
        .with_tif(Tif::Day);
    let (id, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[h.accepted(id, 100, 20), h.book_add(id, 100, 15, 20)],
    );
}

#[test]
fn reducing_an_iceberg_caps_its_slice() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Sell, 100, 25, 10);
    let evs = h.reduce(ALICE, ice, 15);
    assert_events(
        &evs,
        &[h.replaced(ice, 100, 15), h.book_modify(ice, 100, 10, 15)],
    );
    let evs = h.reduce(ALICE, ice, 4);
    assert_events(
        &evs,
        &[h.replaced(ice, 100, 4), h.book_modify(ice, 100, 4, 4)],
    );
    assert_eq!(h.depth(Side::Sell), vec![(100, 4, 1)]);
}

#[test]
fn a_replaced_iceberg_shows_a_fresh_slice_at_its_new_price() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Sell, 100, 25, 10);
    h.limit(BOB, Side::Buy, 100, 7); // slice down to 3
    let evs = h.replace(ALICE, ice, 101, 30);
    assert_events(
        &evs,
        &[
            h.replaced(ice, 101, 30),
            h.book_delete(ice, 100, 30),
            h.book_add(ice, 101, 10, 30),
        ],
    );
}

#[test]
fn an_iceberg_holds_at_most_max_iceberg_slices_slices() {
    let mut eng = Engine::new();
    let i = eng.add_instrument(InstrumentSpec::default()).unwrap();
    let p = ParticipantId(1);
    let at_limit = 2 * MAX_ICEBERG_SLICES;
    let over = OrderMsg::limit(
        Ts(1),
        p,
        i,
        ClientOrderId(1),
        Side::Sell,
        Price(100),
        Qty(at_limit + 1),
    )
    .with_display(Qty(2));
    assert_eq!(eng.process(&over), OrderId(0));
    assert_eq!(eng.events()[0].reason(), Reason::InvalidDisplayQty);
    let ok = OrderMsg::limit(
        Ts(2),
        p,
        i,
        ClientOrderId(2),
        Side::Sell,
        Price(100),
        Qty(at_limit),
    )
    .with_display(Qty(2));
    let id = eng.process(&ok);
    assert_ne!(id, OrderId(0));
    eng.clear_events();
    // A replace may not grow it past the bound either; the order stays as it was.
    eng.process(&OrderMsg::replace(
        Ts(3),
        p,
        id,
        Price(100),
        Qty(at_limit + 2),
    ));
    assert_eq!(eng.events()[0].kind(), EventKind::Rejected);
    assert_eq!(eng.events()[0].reason(), Reason::InvalidDisplayQty);
    assert_eq!(eng.order(id).unwrap().leaves, Qty(at_limit));
}
