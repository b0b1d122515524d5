//! LIMIT orders (GTC): rest when passive, trade at the makers' prices when they cross, and
//! rest what is left at their own limit price.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn a_passive_limit_rests_and_shows_in_the_book() {
    let mut h = H::new();
    let id = h.rest(ALICE, Side::Buy, 100, 10);
    assert_eq!(id, 1);
    assert_eq!(
        h.eng.bbo(h.x),
        Some(Bbo {
            bid: Some((Price(100), Qty(10))),
            ask: None
        })
    );
    assert_eq!(h.level(Side::Buy, 100), vec![(1, 10, 10)]);
    assert_eq!(h.eng.live_orders(), 1);
}

#[test]
fn a_crossing_limit_fills_completely_against_one_maker() {
    let mut h = H::new();
    let m = h.rest(ALICE, Side::Sell, 101, 10);
    let (t, evs) = h.limit(BOB, Side::Buy, 101, 10);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 10),
            h.trade(t, m, 101, 10, 0),
            h.book_delete(m, 101, 0),
        ],
    );
    assert_eq!(h.eng.live_orders(), 0);
    assert_eq!(h.eng.bbo(h.x), Some(Bbo::default()));
}

#[test]
fn a_partially_filled_taker_rests_the_remainder_at_its_limit() {
    let mut h = H::new();
    let m = h.rest(ALICE, Side::Sell, 101, 4);
    let (t, evs) = h.limit(BOB, Side::Buy, 103, 10);
    assert_events(
        &evs,
        &[
            h.accepted(t, 103, 10),
            h.trade(t, m, 101, 4, 6),
            h.book_delete(m, 101, 0),
            h.book_add(t, 103, 6, 6),
        ],
    );
    assert_eq!(h.depth(Side::Buy), vec![(103, 6, 1)]);
    assert_eq!(h.depth(Side::Sell), vec![]);
}

#[test]
fn a_partially_filled_maker_is_modified_in_place() {
    let mut h = H::new();
    let m = h.rest(ALICE, Side::Buy, 99, 10);
    let (t, evs) = h.limit(BOB, Side::Sell, 99, 3);
    assert_events(
        &evs,
        &[
            h.accepted(t, 99, 3),
            h.trade(t, m, 99, 3, 0),
            h.book_modify(m, 99, 7, 7),
        ],
    );
    assert_eq!(h.leaves(m), Some(7));
}

#[test]
fn a_taker_walks_levels_up_to_its_limit_and_no_further() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 2);
    let b = h.rest(ALICE, Side::Sell, 101, 3);
    let c = h.rest(ALICE, Side::Sell, 102, 4);
    let (t, evs) = h.limit(BOB, Side::Buy, 101, 10);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 10),
            h.trade(t, a, 100, 2, 8),
            h.book_delete(a, 100, 0),
            h.trade(t, b, 101, 3, 5),
            h.book_delete(b, 101, 0),
            h.book_add(t, 101, 5, 5),
        ],
    );
    assert_eq!(h.depth(Side::Sell), vec![(102, 4, 1)]);
    assert_eq!(h.level(Side::Sell, 102), vec![(c, 4, 4)]);
}

#[test]
fn a_sell_limit_trades_at_the_higher_bid_prices() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 105, 5);
    let b = h.rest(ALICE, Side::Buy, 104, 5);
    let (t, evs) = h.limit(BOB, Side::Sell, 100, 7);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 7),
            h.trade(t, a, 105, 5, 2),
            h.book_delete(a, 105, 0),
            h.trade(t, b, 104, 2, 0),
            h.book_modify(b, 104, 3, 3),
        ],
    );
}

#[test]
fn a_limit_short_of_the_touch_does_not_trade() {
    let mut h = H::new();
    h.rest(ALICE, Side::Sell, 101, 5);
    let t = h.rest(BOB, Side::Buy, 100, 5);
    assert_eq!(h.depth(Side::Buy), vec![(100, 5, 1)]);
    assert_eq!(h.depth(Side::Sell), vec![(101, 5, 1)]);
    assert_eq!(h.leaves(t), Some(5));
}

#[test]
fn levels_are_created_and_removed_around_existing_ones() {
    let mut h = H::new();
    let prices = [100, 90, 95, 99, 91, 100, 50, 98];
    let ids: Vec<u64> = prices
        .iter()
        .map(|&p| h.rest(ALICE, Side::Buy, p, 1))
        .collect();
    assert_eq!(
        h.depth(Side::Buy),
        vec![
            (100, 2, 2),
            (99, 1, 1),
            (98, 1, 1),
            (95, 1, 1),
            (91, 1, 1),
            (90, 1, 1),
            (50, 1, 1)
        ]
    );
    for id in [ids[3], ids[6], ids[0]] {
        h.cancel(ALICE, id);
    }
    assert_eq!(
        h.depth(Side::Buy),
        vec![(100, 1, 1), (98, 1, 1), (95, 1, 1), (91, 1, 1), (90, 1, 1)]
    );
}
