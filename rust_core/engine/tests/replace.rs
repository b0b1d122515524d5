//! REPLACE: same price and no more quantity stays in place (REPLACED, BOOK_MODIFY if the
//! leaves changed); anything else loses the position: REPLACED, BOOK_DELETE at the old
//! price, then the order matches as a taker and rests what is left at the new price.
mod common;
use common::*;
use venue_engine::*;

fn sent(p: u32, id: u64, price: i64, qty: i64) -> OrderMsg {
    OrderMsg::replace(Ts(0), ParticipantId(p), OrderId(id), Price(price), Qty(qty))
}

#[test]
fn same_price_less_quantity_is_in_place() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 10);
    let b = h.rest(BOB, Side::Sell, 100, 10);
    let evs = h.replace(ALICE, a, 100, 6);
    assert_events(&evs, &[h.replaced(a, 100, 6), h.book_modify(a, 100, 6, 6)]);
    assert_eq!(h.level(Side::Sell, 100), vec![(a, 6, 6), (b, 10, 10)]);
}

#[test]
fn same_price_same_quantity_is_replaced_without_a_book_event() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 10);
    let evs = h.replace(ALICE, a, 100, 10);
    assert_events(&evs, &[h.replaced(a, 100, 10)]);
}

#[test]
fn more_quantity_goes_to_the_back() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 10);
    let b = h.rest(BOB, Side::Sell, 100, 10);
    let evs = h.replace(ALICE, a, 100, 12);
    assert_events(
        &evs,
        &[
            h.replaced(a, 100, 12),
            h.book_delete(a, 100, 12),
            h.book_add(a, 100, 12, 12),
        ],
    );
    assert_eq!(h.level(Side::Sell, 100), vec![(b, 10, 10), (a, 12, 12)]);
}

#[test]
fn a_new_price_moves_the_order_to_another_level() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    let evs = h.replace(ALICE, a, 98, 4);
    assert_events(
        &evs,
        &[
            h.replaced(a, 98, 4),
            h.book_delete(a, 100, 4),
            h.book_add(a, 98, 4, 4),
        ],
    );
    assert_eq!(h.depth(Side::Buy), vec![(98, 4, 1)]);
    let o = h.eng.order(OrderId(a)).unwrap();
    assert_eq!(
        (o.price, o.leaves, o.order_id),
        (Price(98), Qty(4), OrderId(a))
    );
}

#[test]
fn a_crossing_replace_trades_as_the_taker_and_rests_the_rest() {
    let mut h = H::new();
    let m1 = h.rest(BOB, Side::Sell, 101, 3);
    let m2 = h.rest(BOB, Side::Sell, 102, 3);
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    let evs = h.replace(ALICE, a, 102, 8);
    assert_events(
        &evs,
        &[
            h.replaced(a, 102, 8),
            h.book_delete(a, 100, 8),
            h.trade(a, m1, 101, 3, 5),
            h.book_delete(m1, 101, 0),
            h.trade(a, m2, 102, 3, 2),
            h.book_delete(m2, 102, 0),
            h.book_add(a, 102, 2, 2),
        ],
    );
}

#[test]
fn a_replace_that_fills_entirely_ends_the_order() {
    let mut h = H::new();
    let m = h.rest(BOB, Side::Buy, 100, 9);
    let a = h.rest(ALICE, Side::Sell, 105, 5);
    let evs = h.replace(ALICE, a, 100, 4);
    assert_events(
        &evs,
        &[
            h.replaced(a, 100, 4),
            h.book_delete(a, 105, 4),
            h.trade(a, m, 100, 4, 0),
            h.book_modify(m, 100, 5, 5),
        ],
    );
    assert_eq!(h.eng.order(OrderId(a)), None);
    assert_eq!(h.eng.live_orders(), 1);
    // Its client order id is free again.
    let again = OrderMsg::limit(
        Ts(0),
        ParticipantId(ALICE),
        h.x,
        ClientOrderId(evs[0].client_order_id),
        Side::Sell,
        Price(110),
        Qty(1),
    );
    let (id, _) = h.new_order(again);
    assert_ne!(id, 0);
}

#[test]
fn rejected_replaces_leave_the_order_as_it_was() {
    let spec = InstrumentSpec {
        tick_size: Price(5),
        lot_size: Qty(2),
        min_qty: Qty(4),
        max_qty: Qty(100),
    };
    let mut h = H::with_spec(spec);
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    let cases = [
        (BOB, a, 100, 10, Reason::NotOwner),
        (ALICE, a + 7, 100, 10, Reason::UnknownOrder),
        (ALICE, a, 100, 0, Reason::InvalidQty),
        (ALICE, a, 100, -4, Reason::InvalidQty),
        (ALICE, a, 100, 7, Reason::OffLot),
        (ALICE, a, 100, 2, Reason::QtyBelowMin),
        (ALICE, a, 100, 102, Reason::QtyAboveMax),
        (ALICE, a, 0, 10, Reason::InvalidPrice),
        (ALICE, a, -5, 10, Reason::InvalidPrice),
        (ALICE, a, 103, 10, Reason::OffTick),
        (ALICE, a, 103, 7, Reason::OffLot), // quantity before price
    ];
    for (p, id, price, qty, why) in cases {
        let evs = h.replace(p, id, price, qty);
        assert_events(&evs, &[h.rejected(&sent(p, id, price, qty), why)]);
        assert_eq!(h.level(Side::Buy, 100), vec![(a, 10, 10)]);
    }
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    let evs = h.replace(ALICE, a, 103, 7); // halted before quantity and price
    assert_events(
        &evs,
        &[h.rejected(&sent(ALICE, a, 103, 7), Reason::InstrumentHalted)],
    );
}

#[test]
fn a_replace_ignores_the_unused_fields_of_the_message() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    let m = OrderMsg {
        instrument: 55,
        side: 1,
        display_qty: 3,
        flags: 0xFF,
        ..sent(ALICE, a, 99, 10)
    };
    let evs = h.send(m);
    assert_events(
        &evs,
        &[
            h.replaced(a, 99, 10),
            h.book_delete(a, 100, 10),
            h.book_add(a, 99, 10, 10),
        ],
    );
}
