//! Price-time priority: better prices first, FIFO within a price, fills at the maker's
//! price, TRADE events carry the aggressor's side.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn better_prices_fill_first_whatever_their_age() {
    let mut h = H::new();
    let late_worse = h.rest(ALICE, Side::Buy, 99, 5);
    let better = h.rest(BOB, Side::Buy, 100, 5);
    let (t, evs) = h.limit(CAROL, Side::Sell, 99, 6);
    assert_events(
        &evs,
        &[
            h.accepted(t, 99, 6),
            h.trade(t, better, 100, 5, 1),
            h.book_delete(better, 100, 0),
            h.trade(t, late_worse, 99, 1, 0),
            h.book_modify(late_worse, 99, 4, 4),
        ],
    );
}

#[test]
fn within_a_price_orders_fill_in_arrival_order() {
    let mut h = H::new();
    let ids: Vec<u64> = [ALICE, BOB, CAROL, ALICE]
        .iter()
        .map(|&p| h.rest(p, Side::Sell, 100, 2))
        .collect();
    let (t, evs) = h.limit(BOB, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.trade(t, ids[0], 100, 2, 3),
            h.book_delete(ids[0], 100, 0),
            h.trade(t, ids[1], 100, 2, 1),
            h.book_delete(ids[1], 100, 0),
            h.trade(t, ids[2], 100, 1, 0),
            h.book_modify(ids[2], 100, 1, 1),
        ],
    );
    assert_eq!(
        h.level(Side::Sell, 100),
        vec![(ids[2], 1, 1), (ids[3], 2, 2)]
    );
}

#[test]
fn trades_carry_the_maker_price_and_the_aggressor_side() {
    let mut h = H::new();
    let bid = h.rest(ALICE, Side::Buy, 100, 1);
    let ask = h.rest(ALICE, Side::Sell, 103, 1);
    let (s, evs) = h.limit(BOB, Side::Sell, 90, 1);
    assert_eq!(
        evs[1],
        Event {
            seq: evs[1].seq,
            ..h.trade(s, bid, 100, 1, 0)
        }
    );
    assert_eq!(evs[1].side, Side::Sell as u8);
    let (b, evs) = h.limit(BOB, Side::Buy, 110, 1);
    assert_eq!(
        evs[1],
        Event {
            seq: evs[1].seq,
            ..h.trade(b, ask, 103, 1, 0)
        }
    );
    assert_eq!(evs[1].side, Side::Buy as u8);
    assert_eq!(evs[1].maker_participant, ALICE);
    assert_eq!(evs[1].participant, BOB);
}

#[test]
fn a_reduce_keeps_the_place_and_a_size_increase_loses_it() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    let b = h.rest(BOB, Side::Buy, 100, 5);
    h.reduce(ALICE, a, 3);
    assert_eq!(h.level(Side::Buy, 100), vec![(a, 3, 3), (b, 5, 5)]);
    h.replace(ALICE, a, 100, 2); // same price, less: in place
    assert_eq!(h.level(Side::Buy, 100), vec![(a, 2, 2), (b, 5, 5)]);
    h.replace(ALICE, a, 100, 4); // more: to the back
    assert_eq!(h.level(Side::Buy, 100), vec![(b, 5, 5), (a, 4, 4)]);
}

#[test]
fn a_taker_remainder_becomes_the_new_best_level() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    let m = h.rest(BOB, Side::Sell, 101, 2);
    let (t, evs) = h.limit(CAROL, Side::Buy, 102, 4);
    assert_events(
        &evs,
        &[
            h.accepted(t, 102, 4),
            h.trade(t, m, 101, 2, 2),
            h.book_delete(m, 101, 0),
            h.book_add(t, 102, 2, 2),
        ],
    );
    assert_eq!(h.depth(Side::Buy), vec![(102, 2, 1), (100, 5, 1)]);
    assert_eq!(h.level(Side::Buy, 100), vec![(a, 5, 5)]);
}
