//! Trading state: a HALTED instrument rejects NEW and REPLACE (INSTRUMENT_HALTED);
//! CANCEL, REDUCE, MASS_CANCEL and expiry still work; other instruments are unaffected.
mod common;
use common::*;
use venue_engine::*;

#[test]
fn a_halt_rejects_new_orders_and_replaces_only() {
    let mut h = H::new();
    let a = h.rest(ALICE, Side::Buy, 100, 10);
    let b = h.rest(ALICE, Side::Buy, 99, 10);
    assert_eq!(h.eng.trading_state(h.x), Some(TradingState::Open));
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    assert_eq!(h.eng.trading_state(h.x), Some(TradingState::Halted));

    let m = h.msg(BOB, Side::Sell, 100, 5);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InstrumentHalted)]);
    let m = h.mkt(BOB, Side::Sell, 5);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InstrumentHalted)]);
    let evs = h.replace(ALICE, a, 101, 10);
    let sent = OrderMsg::replace(Ts(0), ParticipantId(ALICE), OrderId(a), Price(101), Qty(10));
    assert_events(&evs, &[h.rejected(&sent, Reason::InstrumentHalted)]);

    let evs = h.reduce(ALICE, a, 4);
    assert_events(&evs, &[h.replaced(a, 100, 4), h.book_modify(a, 100, 4, 4)]);
    let evs = h.cancel(ALICE, a);
    assert_eq!(evs[0].reason(), Reason::UserCancel);
    let evs = h.send(OrderMsg::mass_cancel(Ts(0), ParticipantId(ALICE), h.x));
    assert_events(
        &evs,
        &[
            h.cancelled(b, 99, 10, 0, Reason::MassCancel),
            h.book_delete(b, 99, 0),
        ],
    );

    h.eng.set_trading_state(h.x, TradingState::Open).unwrap();
    let m = h.msg(BOB, Side::Sell, 100, 5);
    let (id, evs) = h.new_order(m);
    assert_events(&evs, &[h.accepted(id, 100, 5), h.book_add(id, 100, 5, 5)]);
}

#[test]
fn expiry_works_while_halted() {
    let mut h = H::new();
    let m = h.msg(ALICE, Side::Buy, 100, 5).with_tif(Tif::Day);
    let (d, _) = h.new_order(m);
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    let evs = h.expire(h.x);
    assert_events(
        &evs,
        &[
            h.cancelled(d, 100, 5, 0, Reason::Expired),
            h.book_delete(d, 100, 0),
        ],
    );
}

#[test]
fn a_halt_is_per_instrument() {
    let mut h = H::new();
    let y = h.eng.add_instrument(InstrumentSpec::default()).unwrap();
    h.eng.set_trading_state(y, TradingState::Halted).unwrap();
    let (id, _) = h.limit(ALICE, Side::Buy, 100, 5);
    assert_ne!(id, 0);
    let m = OrderMsg {
        instrument: y.0,
        ..h.msg(ALICE, Side::Buy, 100, 5)
    };
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InstrumentHalted)]);
}

#[test]
fn the_halt_check_comes_after_the_tif_check_and_before_quantity() {
    let mut h = H::new();
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    let m = h.mkt(ALICE, Side::Buy, 5).with_tif(Tif::Gtc);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InvalidTif)]);
    let m = h.msg(ALICE, Side::Buy, -5, 0);
    let evs = h.send(m);
    assert_events(&evs, &[h.rejected(&m, Reason::InstrumentHalted)]);
}

#[test]
fn unknown_instruments_are_errors_for_admin_calls() {
    let mut h = H::new();
    assert_eq!(
        h.eng
            .set_trading_state(InstrumentId(5), TradingState::Halted),
        Err(EngineError::UnknownInstrument(InstrumentId(5)))
    );
    assert_eq!(
        h.eng
            .set_trading_state(ALL_INSTRUMENTS, TradingState::Halted),
        Err(EngineError::UnknownInstrument(ALL_INSTRUMENTS))
    );
    assert_eq!(h.eng.trading_state(InstrumentId(5)), None);
}
