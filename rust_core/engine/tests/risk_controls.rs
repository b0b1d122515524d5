//! Pre-trade risk checks and the kill switch (docs/SEMANTICS.md, "Risk controls").

use venue_engine::*;

const A: ParticipantId = ParticipantId(1);
const B: ParticipantId = ParticipantId(2);
const X: InstrumentId = InstrumentId(0);

fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_instrument(InstrumentSpec::default()).unwrap();
    e
}

fn buy(ts: i64, p: ParticipantId, cid: u64, px: i64, q: i64) -> OrderMsg {
    OrderMsg::limit(
        Ts(ts),
        p,
        X,
        ClientOrderId(cid),
        Side::Buy,
        Price(px),
        Qty(q),
    )
}

fn sell(ts: i64, p: ParticipantId, cid: u64, px: i64, q: i64) -> OrderMsg {
    OrderMsg::limit(
        Ts(ts),
        p,
        X,
        ClientOrderId(cid),
        Side::Sell,
        Price(px),
        Qty(q),
    )
}

/// The reason of the last REJECTED/CANCELLED event since the last clear.
fn last_reason(e: &Engine) -> Reason {
    e.events()
        .iter()
        .rev()
        .find(|v| matches!(v.kind(), EventKind::Rejected | EventKind::Cancelled))
        .map_or(Reason::None, |v| v.reason())
}

fn rejected(e: &mut Engine, m: &OrderMsg) -> Reason {
    e.clear_events();
    let id = e.process(m);
    assert_eq!(id, OrderId(0), "expected a rejection");
    assert_eq!(e.events().len(), 1);
    assert_eq!(e.events()[0].kind(), EventKind::Rejected);
    e.events()[0].reason()
}

#[test]
fn risk_off_changes_nothing() {
    let mut e = engine();
    assert!(!e.risk_enabled());
    e.process(&buy(1, A, 1, 100, 10));
    assert_eq!(e.risk_position(A, X), RiskPosition::default());
}

#[test]
fn order_size_and_notional() {
    let mut e = engine();
    let lim = Limits {
        max_order_qty: 10,
        max_order_notional: 500,
        ..Limits::NONE
    };
    e.set_risk_limits(Some(A), ALL_INSTRUMENTS, lim);
    assert_eq!(
        rejected(&mut e, &buy(1, A, 1, 10, 11)),
        Reason::RiskMaxOrderQty
    );
    assert_eq!(
        rejected(&mut e, &buy(2, A, 2, 51, 10)),
        Reason::RiskMaxOrderNotional
    );
    assert_ne!(e.process(&buy(3, A, 3, 50, 10)), OrderId(0));
    // B has no rule and the default is no limit.
    assert_ne!(e.process(&buy(4, B, 1, 1000, 1000)), OrderId(0));
    let stats = e.risk_stats();
    assert_eq!(stats.rejections[&(Reason::RiskMaxOrderQty as u8)], 1);
    assert_eq!(stats.rejections[&(Reason::RiskMaxOrderNotional as u8)], 1);
}

#[test]
fn instrument_rule_overrides_participant_rule_and_restricts() {
    let mut e = engine();
    e.add_instrument(InstrumentSpec::default()).unwrap();
    e.set_risk_limits(
        Some(A),
        ALL_INSTRUMENTS,
        Limits {
            max_order_qty: 5,
            ..Limits::NONE
        },
    );
    e.set_risk_limits(
        Some(A),
        InstrumentId(1),
        Limits {
            restricted: true,
            ..Limits::NONE
        },
    );
    let on1 = OrderMsg::limit(
        Ts(1),
        A,
        InstrumentId(1),
        ClientOrderId(1),
        Side::Buy,
        Price(1),
        Qty(1),
    );
    assert_eq!(rejected(&mut e, &on1), Reason::RiskRestricted);
    assert_eq!(
        rejected(&mut e, &buy(2, A, 2, 1, 6)),
        Reason::RiskMaxOrderQty
    );
}

#[test]
fn collar_against_last_trade() {
    let mut e = engine();
    e.set_collar(
        X,
        Some(Collar {
            reference: Reference::LastTrade,
            width: Width::Bps(1000),
        }),
    )
    .unwrap();
    // No trade yet: no reference, no check.
    e.process(&sell(1, B, 1, 100, 1));
    e.process(&buy(2, A, 1, 100, 1)); // trades at 100
    assert_eq!(
        rejected(&mut e, &buy(3, A, 2, 111, 1)),
        Reason::RiskPriceCollar
    );
    assert_eq!(
        rejected(&mut e, &sell(4, A, 3, 89, 1)),
        Reason::RiskPriceCollar
    );
    assert_ne!(e.process(&buy(5, A, 4, 110, 1)), OrderId(0));
    // A market order has no price to collar.
    let mkt = OrderMsg::market(Ts(6), A, X, ClientOrderId(5), Side::Sell, Qty(1));
    assert_ne!(e.process(&mkt), OrderId(0));
}

#[test]
fn position_limit_counts_open_orders_and_fills() {
    let mut e = engine();
    e.set_risk_limits(
        Some(A),
        ALL_INSTRUMENTS,
        Limits {
            max_position: 10,
            ..Limits::NONE
        },
    );
    e.process(&sell(1, B, 1, 100, 100));
    e.process(&buy(2, A, 1, 100, 6)); // fills: position 6
    assert_eq!(e.risk_position(A, X).position, 6);
    e.process(&buy(3, A, 2, 99, 4)); // rests: worst case 10
    assert_eq!(
        rejected(&mut e, &buy(4, A, 3, 99, 1)),
        Reason::RiskMaxPosition
    );
    // Cancelling the resting buy frees room.
    e.process(&OrderMsg::cancel(Ts(5), A, OrderId(3)));
    assert_eq!(e.risk_position(A, X).open_buy, 0);
    assert_ne!(e.process(&buy(6, A, 4, 100, 4)), OrderId(0));
    assert_eq!(e.risk_position(A, X).position, 10);
    // Selling 20 would reach -10: allowed; 21 not.
    assert_eq!(
        rejected(&mut e, &sell(7, A, 5, 200, 21)),
        Reason::RiskMaxPosition
    );
    assert_ne!(e.process(&sell(8, A, 6, 200, 20)), OrderId(0));
}

#[test]
fn credit_limit_counts_open_notional_and_position() {
    let mut e = engine();
    e.set_risk_limits(
        Some(A),
        ALL_INSTRUMENTS,
        Limits {
            credit_limit: 1000,
            ..Limits::NONE
        },
    );
    e.process(&buy(1, A, 1, 100, 6)); // open notional 600
    assert_eq!(
        rejected(&mut e, &buy(2, A, 2, 100, 5)),
        Reason::RiskCreditLimit
    );
    e.process(&sell(3, B, 1, 100, 6)); // A's buy fills: position 6 at mark 100
    let p = e.risk_position(A, X);
    assert_eq!((p.position, p.open_notional, p.cash), (6, 0, -600));
    assert_eq!(
        rejected(&mut e, &sell(4, A, 3, 100, 5)),
        Reason::RiskCreditLimit
    );
    assert_ne!(e.process(&sell(5, A, 4, 100, 4)), OrderId(0));
}

#[test]
fn throttle_limits_the_rate_of_accepted_orders() {
    let mut e = engine();
    e.set_risk_controls(
        Some(A),
        Controls {
            throttle: Some((10, 2)),
            ..Controls::NONE
        },
    );
    assert_ne!(e.process(&buy(0, A, 1, 1, 1)), OrderId(0));
    assert_ne!(e.process(&buy(0, A, 2, 1, 1)), OrderId(0));
    assert_eq!(rejected(&mut e, &buy(0, A, 3, 1, 1)), Reason::RiskThrottle);
    assert_eq!(
        rejected(&mut e, &buy(99_999_999, A, 3, 1, 1)),
        Reason::RiskThrottle
    );
    assert_ne!(e.process(&buy(100_000_000, A, 3, 1, 1)), OrderId(0));
    // Cancels are not throttled.
    e.process(&OrderMsg::cancel(Ts(100_000_000), A, OrderId(1)));
    assert_eq!(e.events().last().unwrap().kind(), EventKind::BookDelete);
}

#[test]
fn client_ids_unique_for_the_session() {
    let mut e = engine();
    e.set_risk_controls(
        Some(A),
        Controls {
            unique_client_ids: true,
            ..Controls::NONE
        },
    );
    let id = e.process(&buy(1, A, 7, 1, 1));
    e.process(&OrderMsg::cancel(Ts(2), A, id));
    assert_eq!(
        rejected(&mut e, &buy(3, A, 7, 1, 1)),
        Reason::RiskClientIdReused
    );
}

#[test]
fn kill_switch_on_demand_cancels_and_rejects_until_reset() {
    let mut e = engine();
    e.set_risk_limits(None, ALL_INSTRUMENTS, Limits::NONE);
    e.process(&buy(1, A, 1, 90, 1));
    e.process(&buy(2, A, 2, 91, 1));
    e.process(&buy(3, B, 1, 92, 1));
    e.clear_events();
    e.kill(Ts(4), A);
    let cancels: Vec<_> = e
        .events()
        .iter()
        .filter(|v| v.kind() == EventKind::Cancelled)
        .map(|v| (v.order_id, v.reason()))
        .collect();
    assert_eq!(cancels, [(1, Reason::KillSwitch), (2, Reason::KillSwitch)]);
    assert!(e.is_killed(A));
    assert_eq!(rejected(&mut e, &buy(5, A, 3, 90, 1)), Reason::KillSwitch);
    assert_ne!(e.process(&buy(6, B, 2, 90, 1)), OrderId(0));
    e.reset_kill(A);
    assert_ne!(e.process(&buy(7, A, 4, 90, 1)), OrderId(0));
    assert_eq!(e.risk_stats().kill_switch_trips, 1);
    assert_eq!(e.risk_stats().cancels[&(Reason::KillSwitch as u8)], 2);
}

#[test]
fn breach_count_trips_the_kill_switch() {
    let mut e = engine();
    e.set_risk_limits(
        Some(A),
        ALL_INSTRUMENTS,
        Limits {
            max_order_qty: 5,
            ..Limits::NONE
        },
    );
    e.set_risk_controls(
        Some(A),
        Controls {
            max_breaches: 3,
            ..Controls::NONE
        },
    );
    e.process(&buy(1, A, 1, 90, 1));
    for i in 0..2 {
        assert_eq!(
            rejected(&mut e, &buy(2 + i, A, 10 + i as u64, 90, 6)),
            Reason::RiskMaxOrderQty
        );
    }
    assert!(!e.is_killed(A));
    e.clear_events();
    e.process(&buy(9, A, 20, 90, 6));
    let kinds: Vec<_> = e.events().iter().map(|v| (v.kind(), v.reason())).collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Rejected, Reason::RiskMaxOrderQty),
            (EventKind::Cancelled, Reason::KillSwitch),
            (EventKind::BookDelete, Reason::None),
        ]
    );
    assert!(e.is_killed(A));
}

#[test]
fn loss_limit_trips_the_kill_switch() {
    let mut e = engine();
    e.set_risk_controls(
        Some(A),
        Controls {
            loss_limit: 50,
            ..Controls::NONE
        },
    );
    e.process(&sell(1, B, 1, 100, 10));
    e.process(&buy(2, A, 1, 100, 10)); // long 10 at 100
    e.process(&buy(3, A, 2, 80, 1)); // a resting order to be cancelled
    e.process(&buy(4, B, 2, 94, 1));
    e.process(&sell(5, B, 3, 94, 1)); // mark 94: A's PnL -60 < -50... B trades with B
    assert_eq!(e.risk_pnl(A), -60);
    // A is checked at its own fills: the next one trips it.
    assert!(!e.is_killed(A));
    e.process(&sell(6, B, 4, 94, 1));
    e.process(&buy(7, A, 3, 94, 1));
    assert!(e.is_killed(A));
    assert_eq!(last_reason(&e), Reason::KillSwitch);
    assert_eq!(e.risk_position(A, X).open_buy, 0);
}

#[test]
fn replace_is_checked_with_the_old_exposure_removed() {
    let mut e = engine();
    e.set_risk_limits(
        Some(A),
        ALL_INSTRUMENTS,
        Limits {
            max_position: 10,
            ..Limits::NONE
        },
    );
    let id = e.process(&buy(1, A, 1, 90, 8));
    e.process(&OrderMsg::replace(Ts(2), A, id, Price(91), Qty(10)));
    assert_eq!(e.events().last().unwrap().kind(), EventKind::BookAdd);
    assert_eq!(e.risk_position(A, X).open_buy, 10);
    assert_eq!(
        rejected(&mut e, &OrderMsg::replace(Ts(3), A, id, Price(91), Qty(11))),
        Reason::RiskMaxPosition
    );
    e.process(&OrderMsg::reduce(Ts(4), A, id, Qty(3)));
    let p = e.risk_position(A, X);
    assert_eq!((p.open_buy, p.open_notional), (3, 273));
}
