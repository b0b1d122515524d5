//! Sequence numbers start at 1 and increase by one per event across the whole engine;
//! every event carries the ts of the message that caused it; order ids are 1, 2, 3, ...
//! for accepted orders only, across instruments.
mod common;
use common::*;
use venue_engine::*;

fn msg(p: u32, inst: u32, clid: u64, side: Side, price: i64, qty: i64, ts: i64) -> OrderMsg {
    OrderMsg::limit(
        Ts(ts),
        ParticipantId(p),
        InstrumentId(inst),
        ClientOrderId(clid),
        side,
        Price(price),
        Qty(qty),
    )
}

#[test]
fn sequence_numbers_run_across_messages_instruments_and_clears() {
    let mut eng = Engine::new();
    let x = eng.add_instrument(InstrumentSpec::default()).unwrap();
    let y = eng.add_instrument(InstrumentSpec::default()).unwrap();
    assert_eq!(eng.next_seq(), Seq(1));
    eng.process(&msg(ALICE, x.0, 1, Side::Buy, 100, 5, 10));
    eng.process(&msg(ALICE, y.0, 2, Side::Buy, 100, 5, 20));
    eng.process(&msg(ALICE, 9, 3, Side::Buy, 100, 5, 30)); // rejected: still an event
    let seqs: Vec<u64> = eng.events().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    assert_eq!(eng.next_seq(), Seq(6));
    eng.clear_events();
    assert!(eng.events().is_empty());
    eng.process(&msg(BOB, x.0, 1, Side::Sell, 100, 5, 40));
    let seqs: Vec<u64> = eng.events().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![6, 7, 8]);
    eng.expire_day_orders(Ts(50), ALL_INSTRUMENTS); // no DAY orders: no events
    assert_eq!(eng.next_seq(), Seq(9));
}

#[test]
fn events_carry_the_message_ts_whatever_its_order() {
    let mut eng = Engine::new();
    let x = eng.add_instrument(InstrumentSpec::default()).unwrap();
    eng.process(&msg(ALICE, x.0, 1, Side::Buy, 100, 5, 500));
    eng.process(&msg(BOB, x.0, 1, Side::Sell, 100, 2, -7)); // earlier than before: fine
    let ts: Vec<(EventKind, i64)> = eng.events().iter().map(|e| (e.kind(), e.ts)).collect();
    assert_eq!(
        ts,
        vec![
            (EventKind::Accepted, 500),
            (EventKind::BookAdd, 500),
            (EventKind::Accepted, -7),
            (EventKind::Trade, -7),
            (EventKind::BookModify, -7)
        ]
    );
    let m = OrderMsg::limit(
        Ts(0),
        ParticipantId(ALICE),
        x,
        ClientOrderId(9),
        Side::Buy,
        Price(100),
        Qty(1),
    )
    .with_tif(Tif::Day);
    eng.process(&OrderMsg { ts: 600, ..m });
    eng.clear_events();
    eng.expire_day_orders(Ts(777), x);
    assert!(eng.events().iter().all(|e| e.ts == 777));
    assert_eq!(eng.events().len(), 2);
}

#[test]
fn order_ids_count_accepted_orders_only_across_instruments() {
    let mut eng = Engine::new();
    let x = eng.add_instrument(InstrumentSpec::default()).unwrap();
    let y = eng.add_instrument(InstrumentSpec::default()).unwrap();
    assert_eq!(eng.next_order_id(), OrderId(1));
    assert_eq!(
        eng.process(&msg(ALICE, x.0, 1, Side::Buy, 100, 5, 1)),
        OrderId(1)
    );
    assert_eq!(
        eng.process(&msg(ALICE, y.0, 2, Side::Buy, 100, 5, 1)),
        OrderId(2)
    );
    assert_eq!(
        eng.process(&msg(ALICE, x.0, 3, Side::Buy, 0, 5, 1)),
        OrderId(0)
    );
    let ioc = msg(ALICE, x.0, 4, Side::Sell, 200, 5, 1).with_tif(Tif::Ioc);
    assert_eq!(eng.process(&ioc), OrderId(3), "accepted, then cancelled");
    let fok = msg(ALICE, x.0, 5, Side::Sell, 200, 5, 1).with_tif(Tif::Fok);
    assert_eq!(eng.process(&fok), OrderId(4), "accepted, then killed");
    let cancel = OrderMsg::cancel(Ts(1), ParticipantId(ALICE), OrderId(1));
    assert_eq!(eng.process(&cancel), OrderId(0));
    assert_eq!(eng.next_order_id(), OrderId(5));
}

#[test]
fn a_batch_is_the_same_as_one_message_at_a_time() {
    let mut msgs = Vec::new();
    for i in 0..200i64 {
        let side = if i % 3 == 0 { Side::Sell } else { Side::Buy };
        let p = (i % 4) as u32;
        msgs.push(msg(p, 0, i as u64, side, 95 + (i * 7) % 11, 1 + i % 5, i));
        if i % 5 == 4 {
            msgs.push(OrderMsg::cancel(
                Ts(i),
                ParticipantId(p),
                OrderId((i / 2) as u64),
            ));
        }
    }
    let mut a = Engine::new();
    a.add_instrument(InstrumentSpec::default()).unwrap();
    let mut b = Engine::new();
    b.add_instrument(InstrumentSpec::default()).unwrap();
    a.process_batch(&msgs);
    for m in &msgs {
        b.process(m);
    }
    assert_eq!(a.events(), b.events());
    assert_eq!(a.state_hash(), b.state_hash());
    assert!(a.events().len() > msgs.len());
}

#[test]
fn capacities_are_hints() {
    for (orders, events) in [(0, 0), (1, 1), (usize::MAX, usize::MAX), (1 << 40, 3)] {
        let mut eng = Engine::with_capacity(orders, events);
        let x = eng.add_instrument(InstrumentSpec::default()).unwrap();
        for i in 0..100u64 {
            let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
            let px = if i % 2 == 0 {
                100 - (i as i64 % 7)
            } else {
                101 + (i as i64 % 7)
            };
            eng.process(&msg(ALICE, x.0, i, side, px, 1, 0));
        }
        assert_eq!(eng.live_orders(), 100);
        assert!(eng.check_invariants().is_ok());
    }
}
