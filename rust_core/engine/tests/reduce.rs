//! REDUCE: lowers an order's leaves in place (keeping its queue position): REPLACED and
//! BOOK_MODIFY. The new quantity must be positive, below the leaves, and on lot.
mod common;
use common::*;
use venue_engine::*;

fn spec5() -> InstrumentSpec {
    InstrumentSpec {
        lot_size: Qty(5),
        min_qty: Qty(10),
        ..InstrumentSpec::default()
    }
}

fn sent(p: u32, id: u64, qty: i64) -> OrderMsg {
    OrderMsg::reduce(Ts(0), ParticipantId(p), OrderId(id), Qty(qty))
}

#[test]
fn a_reduce_lowers_leaves_in_place() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    let b = h.rest(BOB, Side::Buy, 100, 10);
    let evs = h.reduce(ALICE, a, 4);
    assert_events(&evs, &[h.replaced(a, 100, 4), h.book_modify(a, 100, 4, 4)]);
    assert_eq!(h.level(Side::Buy, 100), vec![(a, 4, 4), (b, 10, 10)]);
    assert_eq!(h.depth(Side::Buy), vec![(100, 14, 2)]);
}

#[test]
fn a_reduce_must_reduce() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    for qty in [10, 11, 0, -1, i64::MIN, i64::MAX] {
        let evs = h.reduce(ALICE, a, qty);
        assert_events(
            &evs,
            &[h.rejected(&sent(ALICE, a, qty), Reason::InvalidQty)],
        );
    }
    assert_eq!(h.leaves(a), Some(10));
}

#[test]
fn a_reduce_must_be_on_lot_but_may_go_below_the_minimum() {
    let mut h = H::with_spec(spec5());
    let a = h.rest(ALICE, Side::Sell, 100, 20);
    let evs = h.reduce(ALICE, a, 7);
    assert_events(&evs, &[h.rejected(&sent(ALICE, a, 7), Reason::OffLot)]);
    // INVALID_QTY is checked before OFF_LOT.
    let evs = h.reduce(ALICE, a, 21);
    assert_events(&evs, &[h.rejected(&sent(ALICE, a, 21), Reason::InvalidQty)]);
    let evs = h.reduce(ALICE, a, 5);
    assert_events(&evs, &[h.replaced(a, 100, 5), h.book_modify(a, 100, 5, 5)]);
}

#[test]
fn a_reduce_needs_a_live_order_of_the_sender() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    let evs = h.reduce(BOB, a, 5);
    assert_events(&evs, &[h.rejected(&sent(BOB, a, 5), Reason::NotOwner)]);
    let evs = h.reduce(ALICE, a + 1, 5);
    assert_events(
        &evs,
        &[h.rejected(&sent(ALICE, a + 1, 5), Reason::UnknownOrder)],
    );
    // Unknown beats a bad quantity; owner beats a bad quantity.
    let evs = h.reduce(BOB, a, 50);
    assert_events(&evs, &[h.rejected(&sent(BOB, a, 50), Reason::NotOwner)]);
}

#[test]
fn a_reduce_works_while_halted() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    let evs = h.reduce(ALICE, a, 6);
    assert_events(&evs, &[h.replaced(a, 100, 6), h.book_modify(a, 100, 6, 6)]);
}
