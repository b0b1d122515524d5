//! FOK orders: a dry run decides whether the whole quantity fills; if not, the order is
//! cancelled (FOK_UNFILLED) with nothing traded. The dry run counts icebergs' hidden
//! reserve, and stops at the taker's own orders under a blocking STP mode.
mod common;
use common::*;
use venue_engine::*;

fn fok(h: &mut H, p: u32, side: Side, price: i64, qty: i64) -> (u64, Vec<Event>) {
    let m = h.msg(p, side, price, qty).with_tif(Tif::Fok);
    h.new_order(m)
}

fn killed(h: &H, t: u64, price: i64, qty: i64) -> Vec<Event> {
    vec![
        h.accepted(t, price, qty),
        h.cancelled(t, price, qty, 0, Reason::FokUnfilled),
    ]
}

#[test]
fn a_fok_that_can_fill_trades_across_levels() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Sell, 100, 3);
    let b = h.rest(ALICE, Side::Sell, 101, 3);
    let (t, evs) = fok(&mut h, BOB, Side::Buy, 101, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 5),
            h.trade(t, a, 100, 3, 2),
            h.book_delete(a, 100, 0),
            h.trade(t, b, 101, 2, 0),
            h.book_modify(b, 101, 1, 1),
        ],
    );
}

#[test]
fn a_fok_that_cannot_fill_changes_nothing() {
    let mut h = H::new();
    h.rest(ALICE, Side::Sell, 100, 3);
    h.rest(ALICE, Side::Sell, 101, 3);
    h.rest(ALICE, Side::Sell, 102, 30); // beyond the limit
    let before = (h.depth(Side::Sell), h.eng.live_orders());
    let (t, evs) = fok(&mut h, BOB, Side::Buy, 101, 7);
    assert_events(&evs, &killed(&h, t, 101, 7));
    assert_eq!((h.depth(Side::Sell), h.eng.live_orders()), before);
}

#[test]
fn exactly_enough_is_enough() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 4);
    let (t, evs) = fok(&mut h, BOB, Side::Sell, 100, 4);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 4),
            h.trade(t, a, 100, 4, 0),
            h.book_delete(a, 100, 0),
        ],
    );
    let (t, evs) = fok(&mut h, BOB, Side::Sell, 100, 1);
    assert_events(&evs, &killed(&h, t, 100, 1));
}

#[test]
fn hidden_reserve_counts_because_it_refreshes_into_the_same_level() {
    let mut h = H::new();
    let ice = h.rest_iceberg(ALICE, Side::Sell, 100, 30, 10);
    let (t, evs) = fok(&mut h, BOB, Side::Buy, 100, 25);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 25),
            h.trade(t, ice, 100, 10, 15),
            h.book_delete(ice, 100, 20),
            h.book_add(ice, 100, 10, 20),
            h.trade(t, ice, 100, 10, 5),
            h.book_delete(ice, 100, 10),
            h.book_add(ice, 100, 10, 10),
            h.trade(t, ice, 100, 5, 0),
            h.book_modify(ice, 100, 5, 5),
        ],
    );
    let (t, evs) = fok(&mut h, BOB, Side::Buy, 100, 6);
    assert_events(&evs, &killed(&h, t, 100, 6));
}

#[test]
fn an_own_order_under_cancel_newest_blocks_unless_already_covered() {
    let mut h = H::new();
    h.eng
        .set_stp_mode(ParticipantId(ALICE), StpMode::CancelNewest);
    let b1 = h.rest(BOB, Side::Sell, 100, 3);
    h.rest(ALICE, Side::Sell, 100, 5);
    h.rest(BOB, Side::Sell, 100, 10);
    // 3 before ALICE's own order: not enough for 4, although 18 rest at the level.
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 100, 4);
    assert_events(&evs, &killed(&h, t, 100, 4));
    // 3 is covered before the blocker.
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 100, 3);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 3),
            h.trade(t, b1, 100, 3, 0),
            h.book_delete(b1, 100, 0),
        ],
    );
}

#[test]
fn the_blocker_stops_the_walk_even_on_a_later_level() {
    let mut h = H::new();
    h.eng
        .set_stp_mode(ParticipantId(ALICE), StpMode::DecrementAndCancel);
    let b1 = h.rest(BOB, Side::Sell, 100, 3);
    h.rest(ALICE, Side::Sell, 101, 5);
    h.rest(BOB, Side::Sell, 101, 10);
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 101, 4);
    assert_events(&evs, &killed(&h, t, 101, 4));
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 101, 3);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 3),
            h.trade(t, b1, 100, 3, 0),
            h.book_delete(b1, 100, 0),
        ],
    );
}

#[test]
fn before_a_blocker_only_displayed_quantity_counts() {
    let mut h = H::new();
    h.eng
        .set_stp_mode(ParticipantId(ALICE), StpMode::CancelBoth);
    h.rest_iceberg(BOB, Side::Sell, 100, 20, 5);
    h.rest(ALICE, Side::Sell, 100, 5);
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 100, 6);
    assert_events(&evs, &killed(&h, t, 100, 6));
}

#[test]
fn own_orders_under_cancel_oldest_contribute_nothing_and_are_cancelled() {
    let mut h = H::new();
    h.eng
        .set_stp_mode(ParticipantId(ALICE), StpMode::CancelOldest);
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let b = h.rest(BOB, Side::Sell, 100, 3);
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 100, 4);
    assert_events(&evs, &killed(&h, t, 100, 4));
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 100, 3);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 3),
            h.cancelled(own, 100, 5, 0, Reason::SelfTrade),
            h.book_delete(own, 100, 0),
            h.trade(t, b, 100, 3, 0),
            h.book_delete(b, 100, 0),
        ],
    );
}

#[test]
fn without_stp_own_orders_count_and_trade() {
    let mut h = H::new();
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let (t, evs) = fok(&mut h, ALICE, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.trade(t, own, 100, 5, 0),
            h.book_delete(own, 100, 0),
        ],
    );
    assert_eq!(evs[1].participant, evs[1].maker_participant);
}

#[test]
fn fok_cannot_be_an_iceberg_or_post_only() {
    let mut h = H::new();
    let m = h
        .msg(BOB, Side::Buy, 100, 5)
        .with_tif(Tif::Fok)
        .with_display(Qty(1));
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidDisplayQty)]);
    let m = h
        .msg(BOB, Side::Buy, 100, 5)
        .with_tif(Tif::Fok)
        .with_flags(FLAG_POST_ONLY);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidTif)]);
}
