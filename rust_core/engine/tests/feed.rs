//! The market-by-order feed (`docs/SEMANTICS.md`, "Feed"): orders applied without matching,
//! their events, anonymous liquidity, and agent orders trading against feed orders.

use venue_engine::*;

const HIST: ParticipantId = ParticipantId(900);
const AGENT: ParticipantId = ParticipantId(1);

fn engine() -> (Engine, InstrumentId) {
    let mut eng = Engine::new();
    let x = eng
        .add_instrument(InstrumentSpec {
            tick_size: Price(5),
            ..InstrumentSpec::default()
        })
        .unwrap();
    (eng, x)
}

fn kinds(eng: &Engine) -> Vec<EventKind> {
    eng.events().iter().map(|e| e.kind()).collect()
}

fn levels(eng: &Engine, x: InstrumentId, side: Side) -> Vec<(i64, i64, u32)> {
    let mut v = Vec::new();
    eng.depth(x, side, usize::MAX, &mut v);
    v.iter().map(|l| (l.price.0, l.qty.0, l.orders)).collect()
}

#[test]
fn adds_rest_without_matching_even_when_they_cross() {
    let (mut eng, x) = engine();
    let a = eng
        .feed_add(
            Ts(1),
            x,
            Side::Sell,
            Price(100),
            Qty(10),
            HIST,
            ClientOrderId(7),
        )
        .unwrap();
    // A buy at the ask price rests: the feed says what the other venue's book held.
    let b = eng
        .feed_add(
            Ts(2),
            x,
            Side::Buy,
            Price(100),
            Qty(4),
            HIST,
            ClientOrderId(8),
        )
        .unwrap();
    assert_eq!((a, b), (OrderId(1), OrderId(2)));
    assert_eq!(kinds(&eng), [EventKind::BookAdd, EventKind::BookAdd]);
    let e = eng.events()[0];
    assert_eq!((e.seq, e.ts, e.order_id, e.client_order_id), (1, 1, 1, 7));
    assert_eq!(
        (e.price, e.qty, e.leaves, e.participant),
        (100, 10, 10, HIST.0)
    );
    assert_eq!(levels(&eng, x, Side::Sell), [(100, 10, 1)]);
    assert_eq!(levels(&eng, x, Side::Buy), [(100, 4, 1)]);
    assert_eq!(eng.order_by_client_id(HIST, ClientOrderId(8)), Some(b));
    assert_eq!(eng.order_by_client_id(AGENT, ClientOrderId(8)), None);
    // Trading state is not checked either.
    eng.set_trading_state(x, TradingState::Halted).unwrap();
    assert!(eng
        .feed_add(
            Ts(3),
            x,
            Side::Buy,
            Price(95),
            Qty(1),
            HIST,
            ClientOrderId(9)
        )
        .is_ok());
}

#[test]
fn reduce_delete_and_execute_keep_priority_and_publish_their_events() {
    let (mut eng, x) = engine();
    let add = |eng: &mut Engine, c: u64, q: i64| {
        eng.feed_add(
            Ts(1),
            x,
            Side::Buy,
            Price(50),
            Qty(q),
            HIST,
            ClientOrderId(c),
        )
        .unwrap()
    };
    let (a, b, c) = (
        add(&mut eng, 1, 10),
        add(&mut eng, 2, 20),
        add(&mut eng, 3, 30),
    );
    eng.clear_events();
    // Partial cancel of the first keeps it first.
    assert_eq!(eng.feed_reduce(Ts(2), a, Qty(4)).unwrap(), Qty(4));
    assert_eq!(kinds(&eng), [EventKind::BookModify]);
    let mut q = Vec::new();
    eng.queue(x, Side::Buy, Price(50), &mut q);
    assert_eq!(
        q.iter()
            .map(|o| (o.order_id, o.leaves.0))
            .collect::<Vec<_>>(),
        [(a, 6), (b, 20), (c, 30)]
    );
    // An execution: TRADE with the order as maker and no taker, side = the aggressor's.
    eng.clear_events();
    assert_eq!(
        eng.feed_execute(Ts(3), b, Qty(25), Price(50)).unwrap(),
        Qty(20)
    );
    assert_eq!(kinds(&eng), [EventKind::Trade, EventKind::BookDelete]);
    let t = eng.events()[0];
    assert_eq!(
        (
            t.order_id,
            t.participant,
            t.maker_order_id,
            t.maker_participant
        ),
        (0, 0, b.0, HIST.0)
    );
    assert_eq!((t.price, t.qty, t.side), (50, 20, Side::Sell as u8));
    // A delete removes whatever is left.
    eng.clear_events();
    assert_eq!(eng.feed_delete(Ts(4), c).unwrap(), Qty(30));
    assert_eq!(kinds(&eng), [EventKind::BookDelete]);
    assert_eq!(levels(&eng, x, Side::Buy), [(50, 6, 1)]);
    assert_eq!(eng.feed_delete(Ts(5), c), Err(FeedError::UnknownOrder(c)));
    eng.check_invariants().unwrap();
}

#[test]
fn a_snapshot_level_replaces_its_orders_with_anonymous_liquidity() {
    let (mut eng, x) = engine();
    let a = eng
        .feed_add(
            Ts(1),
            x,
            Side::Sell,
            Price(105),
            Qty(10),
            HIST,
            ClientOrderId(1),
        )
        .unwrap();
    eng.feed_add(
        Ts(1),
        x,
        Side::Sell,
        Price(105),
        Qty(5),
        HIST,
        ClientOrderId(2),
    )
    .unwrap();
    eng.clear_events();
    eng.feed_set_level(Ts(2), x, Side::Sell, Price(105), Qty(12), HIST)
        .unwrap();
    assert_eq!(
        kinds(&eng),
        [
            EventKind::BookDelete,
            EventKind::BookDelete,
            EventKind::BookAdd
        ]
    );
    assert_eq!(levels(&eng, x, Side::Sell), [(105, 12, 1)]);
    assert!(eng.order(a).is_none());
    let anon = eng.events()[2];
    assert_eq!(anon.client_order_id, ANONYMOUS | anon.order_id);
    // Taking from it: a reduction, then an execution (a TRADE with it as maker).
    eng.clear_events();
    let take = |eng: &mut Engine, q: i64, exec: bool| {
        eng.feed_take_anonymous(Ts(3), x, Side::Sell, Price(105), Qty(q), HIST, exec)
            .unwrap()
    };
    assert_eq!(take(&mut eng, 2, false), Qty(2));
    assert_eq!(take(&mut eng, 4, true), Qty(4));
    assert_eq!(
        kinds(&eng),
        [
            EventKind::BookModify,
            EventKind::Trade,
            EventKind::BookModify
        ]
    );
    assert_eq!(eng.events()[1].maker_order_id, anon.order_id);
    // More than there is: all of it, and the level goes.
    assert_eq!(take(&mut eng, 100, false), Qty(6));
    assert_eq!(take(&mut eng, 1, false), Qty(0));
    assert!(levels(&eng, x, Side::Sell).is_empty());
    // Another participant's anonymous liquidity is not taken; size 0 removes a level.
    eng.feed_set_level(Ts(4), x, Side::Buy, Price(90), Qty(3), ParticipantId(5))
        .unwrap();
    assert_eq!(
        eng.feed_take_anonymous(Ts(5), x, Side::Buy, Price(90), Qty(1), HIST, false),
        Ok(Qty(0))
    );
    eng.feed_set_level(Ts(6), x, Side::Buy, Price(90), Qty(0), HIST)
        .unwrap();
    assert!(levels(&eng, x, Side::Buy).is_empty());
    eng.check_invariants().unwrap();
}

#[test]
fn a_hidden_trade_has_neither_maker_nor_taker_and_leaves_the_book() {
    let (mut eng, x) = engine();
    eng.feed_trade(Ts(9), x, Side::Buy, Price(110), Qty(7))
        .unwrap();
    let t = eng.events()[0];
    assert_eq!(t.kind(), EventKind::Trade);
    assert_eq!(
        (t.order_id, t.maker_order_id, t.price, t.qty),
        (0, 0, 110, 7)
    );
    assert_eq!(eng.live_orders(), 0);
}

#[test]
fn agents_trade_against_feed_orders_in_priority() {
    let (mut eng, x) = engine();
    let hist = eng
        .feed_add(
            Ts(1),
            x,
            Side::Sell,
            Price(100),
            Qty(10),
            HIST,
            ClientOrderId(1),
        )
        .unwrap();
    eng.process(&OrderMsg::limit(
        Ts(2),
        ParticipantId(2),
        x,
        ClientOrderId(1),
        Side::Sell,
        Price(100),
        Qty(5),
    ));
    eng.clear_events();
    eng.process(&OrderMsg::limit(
        Ts(3),
        AGENT,
        x,
        ClientOrderId(1),
        Side::Buy,
        Price(100),
        Qty(12),
    ));
    let fills: Vec<(u64, i64)> = eng
        .events()
        .iter()
        .filter(|e| e.kind() == EventKind::Trade)
        .map(|e| (e.maker_order_id, e.qty))
        .collect();
    assert_eq!(fills, [(hist.0, 10), (hist.0 + 1, 2)]);
    // The feed then says the historical order traded elsewhere: it is gone already.
    assert_eq!(
        eng.feed_execute(Ts(4), hist, Qty(10), Price(100)),
        Err(FeedError::UnknownOrder(hist))
    );
    eng.check_invariants().unwrap();
}

#[test]
fn bad_arguments_are_errors_not_events() {
    let (mut eng, x) = engine();
    let add = |eng: &mut Engine, i: InstrumentId, p: i64, q: i64| {
        eng.feed_add(
            Ts(1),
            i,
            Side::Buy,
            Price(p),
            Qty(q),
            HIST,
            ClientOrderId(1),
        )
    };
    assert_eq!(
        add(&mut eng, InstrumentId(3), 100, 1),
        Err(FeedError::UnknownInstrument(InstrumentId(3)))
    );
    assert_eq!(
        add(&mut eng, x, 101, 1),
        Err(FeedError::InvalidPrice(Price(101)))
    );
    assert_eq!(
        add(&mut eng, x, 0, 1),
        Err(FeedError::InvalidPrice(Price(0)))
    );
    assert_eq!(add(&mut eng, x, 100, 0), Err(FeedError::InvalidQty(Qty(0))));
    let id = add(&mut eng, x, 100, 5).unwrap();
    assert_eq!(
        eng.feed_reduce(Ts(2), id, Qty(0)),
        Err(FeedError::InvalidQty(Qty(0)))
    );
    assert_eq!(
        eng.feed_set_level(Ts(2), x, Side::Buy, Price(100), Qty(-1), HIST),
        Err(FeedError::InvalidQty(Qty(-1)))
    );
    assert_eq!(eng.events().len(), 1); // only the BOOK_ADD
    assert!(FeedError::InvalidPrice(Price(101))
        .to_string()
        .contains("price 101"));
}
