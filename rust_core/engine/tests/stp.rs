//! Self-trade prevention: when a taker meets its own participant's order and the
//! participant's mode is not NONE, CANCEL_NEWEST, CANCEL_OLDEST, CANCEL_BOTH or
//! DECREMENT_AND_CANCEL decides instead of a trade.
mod common;
use common::*;
use venue_engine::*;

fn with_mode(mode: StpMode) -> H {
    let mut h = H::new();
    h.eng.set_stp_mode(ParticipantId(ALICE), mode);
    assert_eq!(h.eng.stp_mode(ParticipantId(ALICE)), mode);
    h
}

#[test]
fn none_lets_a_participant_trade_with_itself() {
    let mut h = H::new();
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.trade(t, own, 100, 5, 0),
            h.book_delete(own, 100, 0),
        ],
    );
}

#[test]
fn cancel_newest_cancels_the_taker_after_what_it_traded_with_others() {
    let mut h = with_mode(StpMode::CancelNewest);
    let b = h.rest(BOB, Side::Sell, 100, 2);
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let (t, evs) = h.limit(ALICE, Side::Buy, 101, 10);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 10),
            h.trade(t, b, 100, 2, 8),
            h.book_delete(b, 100, 0),
            h.cancelled(t, 101, 8, 0, Reason::SelfTrade),
        ],
    );
    assert_eq!(h.level(Side::Sell, 100), vec![(own, 5, 5)]);
    assert_eq!(h.eng.live_orders(), 1);
}

#[test]
fn cancel_newest_on_a_market_order_cancels_at_price_zero() {
    let mut h = with_mode(StpMode::CancelNewest);
    h.rest(ALICE, Side::Sell, 100, 5);
    let m = h.mkt(ALICE, Side::Buy, 3);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, 3),
            h.cancelled(t, 0, 3, 0, Reason::SelfTrade),
        ],
    );
}

#[test]
fn cancel_oldest_cancels_own_makers_and_goes_on_matching() {
    let mut h = with_mode(StpMode::CancelOldest);
    let own1 = h.rest(ALICE, Side::Sell, 100, 5);
    let b = h.rest(BOB, Side::Sell, 100, 2);
    let own2 = h.rest(ALICE, Side::Sell, 101, 1);
    let (t, evs) = h.limit(ALICE, Side::Buy, 101, 10);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, 10),
            h.cancelled(own1, 100, 5, 0, Reason::SelfTrade),
            h.book_delete(own1, 100, 0),
            h.trade(t, b, 100, 2, 8),
            h.book_delete(b, 100, 0),
            h.cancelled(own2, 101, 1, 0, Reason::SelfTrade),
            h.book_delete(own2, 101, 0),
            h.book_add(t, 101, 8, 8),
        ],
    );
}

#[test]
fn cancel_oldest_then_an_ioc_remainder() {
    let mut h = with_mode(StpMode::CancelOldest);
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let m = h.msg(ALICE, Side::Buy, 100, 3).with_tif(Tif::Ioc);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 3),
            h.cancelled(own, 100, 5, 0, Reason::SelfTrade),
            h.book_delete(own, 100, 0),
            h.cancelled(t, 100, 3, 0, Reason::IocRemainder),
        ],
    );
}

#[test]
fn cancel_both_cancels_the_maker_then_the_taker() {
    let mut h = with_mode(StpMode::CancelBoth);
    let own = h.rest(ALICE, Side::Buy, 100, 5);
    let behind = h.rest(BOB, Side::Buy, 100, 5);
    let (t, evs) = h.limit(ALICE, Side::Sell, 100, 3);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 3),
            h.cancelled(own, 100, 5, 0, Reason::SelfTrade),
            h.book_delete(own, 100, 0),
            h.cancelled(t, 100, 3, 0, Reason::SelfTrade),
        ],
    );
    assert_eq!(h.level(Side::Buy, 100), vec![(behind, 5, 5)]);
}

#[test]
fn decrement_with_a_smaller_maker_cancels_it_and_decrements_the_taker() {
    let mut h = with_mode(StpMode::DecrementAndCancel);
    let own = h.rest(ALICE, Side::Sell, 100, 4);
    let b = h.rest(BOB, Side::Sell, 100, 3);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 10);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 10),
            h.cancelled(own, 100, 4, 0, Reason::SelfTrade),
            h.book_delete(own, 100, 0),
            h.cancelled(t, 100, 4, 6, Reason::SelfTrade),
            h.trade(t, b, 100, 3, 3),
            h.book_delete(b, 100, 0),
            h.book_add(t, 100, 3, 3),
        ],
    );
}

#[test]
fn decrement_with_a_larger_maker_reduces_it_and_ends_the_taker() {
    let mut h = with_mode(StpMode::DecrementAndCancel);
    let own = h.rest(ALICE, Side::Sell, 100, 10);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 3);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 3),
            h.cancelled(own, 100, 3, 7, Reason::SelfTrade),
            h.book_modify(own, 100, 7, 7),
            h.cancelled(t, 100, 3, 0, Reason::SelfTrade),
        ],
    );
    assert_eq!(h.level(Side::Sell, 100), vec![(own, 7, 7)]);
}

#[test]
fn decrement_with_equal_sizes_cancels_both() {
    let mut h = with_mode(StpMode::DecrementAndCancel);
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.cancelled(own, 100, 5, 0, Reason::SelfTrade),
            h.book_delete(own, 100, 0),
            h.cancelled(t, 100, 5, 0, Reason::SelfTrade),
        ],
    );
    assert_eq!(h.eng.live_orders(), 0);
}

#[test]
fn decrement_of_an_iceberg_maker_caps_its_slice() {
    let mut h = with_mode(StpMode::DecrementAndCancel);
    let own = h.rest_iceberg(ALICE, Side::Sell, 100, 12, 10);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.cancelled(own, 100, 5, 7, Reason::SelfTrade),
            h.book_modify(own, 100, 7, 7),
            h.cancelled(t, 100, 5, 0, Reason::SelfTrade),
        ],
    );
    assert_eq!(h.depth(Side::Sell), vec![(100, 7, 1)]);
}

#[test]
fn stp_applies_only_between_orders_of_the_same_participant() {
    let mut h = with_mode(StpMode::CancelBoth);
    h.eng.set_stp_mode(ParticipantId(BOB), StpMode::CancelBoth);
    let b = h.rest(BOB, Side::Sell, 100, 5);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.trade(t, b, 100, 5, 0),
            h.book_delete(b, 100, 0),
        ],
    );
}

#[test]
fn setting_none_turns_stp_off() {
    let mut h = with_mode(StpMode::CancelNewest);
    h.eng.set_stp_mode(ParticipantId(ALICE), StpMode::None);
    assert_eq!(h.eng.stp_mode(ParticipantId(ALICE)), StpMode::None);
    let own = h.rest(ALICE, Side::Sell, 100, 5);
    let (t, evs) = h.limit(ALICE, Side::Buy, 100, 5);
    assert_events(
        &evs,
        &[
            h.accepted(t, 100, 5),
            h.trade(t, own, 100, 5, 0),
            h.book_delete(own, 100, 0),
        ],
    );
}

#[test]
fn stp_applies_to_a_replace_that_crosses() {
    let mut h = with_mode(StpMode::CancelNewest);
    h.rest(ALICE, Side::Sell, 101, 5);
    let a = h.rest(ALICE, Side::Buy, 100, 5);
    let evs = h.replace(ALICE, a, 101, 5);
    assert_events(
        &evs,
        &[
            h.replaced(a, 101, 5),
            h.book_delete(a, 100, 5),
            h.cancelled(a, 101, 5, 0, Reason::SelfTrade),
        ],
    );
    assert_eq!(h.eng.order(OrderId(a)), None);
    assert_eq!(h.eng.live_orders(), 1);
}
