//! LULD-style price bands, band pauses, halts, and random-flow properties of the risk
//! controls (no position over its limit, no trade outside the band, no throttle overrun).

use venue_engine::*;

const A: ParticipantId = ParticipantId(1);
const B: ParticipantId = ParticipantId(2);
const X: InstrumentId = InstrumentId(0);

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

fn banded(limit_ns: i64, pause_ns: i64) -> Engine {
    let mut e = Engine::new();
    e.add_instrument(InstrumentSpec::default()).unwrap();
    let band = PriceBand {
        reference: Reference::Fixed(100),
        width: Width::Ticks(5),
        limit_ns,
        pause_ns,
    };
    e.set_price_band(X, Some(band)).unwrap();
    e
}

fn kinds(e: &Engine) -> Vec<(EventKind, Reason, i64, i64)> {
    e.events()
        .iter()
        .map(|v| (v.kind(), v.reason(), v.price, v.qty))
        .collect()
}

#[test]
fn a_taker_stops_at_the_band() {
    let mut e = banded(1_000, 1_000);
    for (i, px) in [103, 105, 106, 110].into_iter().enumerate() {
        e.process(&sell(1, B, i as u64, px, 1));
    }
    e.clear_events();
    e.process(&buy(2, A, 1, 110, 4));
    let trades: Vec<_> = kinds(&e)
        .into_iter()
        .filter(|k| k.0 == EventKind::Trade)
        .map(|k| k.2)
        .collect();
    assert_eq!(trades, [103, 105]);
    let last = e
        .events()
        .iter()
        .rfind(|v| v.kind() == EventKind::Cancelled)
        .unwrap();
    assert_eq!((last.reason(), last.qty), (Reason::PriceBand, 2));
    assert_eq!(e.risk_stats().cancels[&(Reason::PriceBand as u8)], 1);
}

#[test]
fn a_remainder_that_no_longer_crosses_rests() {
    let mut e = banded(1_000, 1_000);
    e.process(&sell(1, B, 1, 103, 1));
    e.clear_events();
    e.process(&buy(2, A, 1, 104, 3));
    assert_eq!(e.bbo(X).unwrap().bid, Some((Price(104), Qty(2))));
}

#[test]
fn market_orders_and_fok_respect_the_band() {
    let mut e = banded(1_000, 1_000);
    e.process(&sell(1, B, 1, 104, 1));
    e.process(&sell(1, B, 2, 120, 5));
    e.clear_events();
    let fok = OrderMsg::limit(Ts(2), A, X, ClientOrderId(1), Side::Buy, Price(120), Qty(3))
        .with_tif(Tif::Fok);
    e.process(&fok);
    assert_eq!(e.events().last().unwrap().reason(), Reason::FokUnfilled);
    e.clear_events();
    e.process(&OrderMsg::market(
        Ts(3),
        A,
        X,
        ClientOrderId(2),
        Side::Buy,
        Qty(3),
    ));
    let k = kinds(&e);
    assert!(k
        .iter()
        .filter(|k| k.0 == EventKind::Trade)
        .all(|k| k.2 <= 105));
    assert_eq!(k.last().unwrap().1, Reason::PriceBand);
}

#[test]
fn limit_state_pauses_then_resumes_reanchored() {
    let mut e = banded(1_000, 5_000);
    e.process(&sell(0, B, 1, 105, 1));
    e.process(&sell(0, B, 2, 107, 10));
    e.process(&buy(10, A, 1, 107, 2)); // trades 105, stopped: limit state since 10
    e.clear_events();
    e.process(&buy(500, A, 2, 90, 1)); // not yet
    assert_eq!(e.trading_state(X), Some(TradingState::Open));
    e.clear_events();
    e.advance_time(Ts(1_010));
    assert_eq!(e.trading_state(X), Some(TradingState::Halted));
    let ev = e.events()[0];
    assert_eq!(
        (ev.kind(), ev.reason(), ev.qty, ev.leaves),
        (EventKind::TradingState, Reason::PriceBand, 1, 6_010)
    );
    e.clear_events();
    e.process(&buy(2_000, A, 3, 90, 1));
    assert_eq!(e.events()[0].reason(), Reason::InstrumentHalted);
    e.clear_events();
    e.process(&buy(6_010, A, 4, 107, 1)); // resume first, then trades at 107 (band now 100..110)
    let k = kinds(&e);
    assert_eq!(k[0], (EventKind::TradingState, Reason::PriceBand, 0, 0));
    assert!(k.iter().any(|k| k.0 == EventKind::Trade && k.2 == 107));
    assert_eq!(e.risk_stats().halts, 1);
}

#[test]
fn a_trade_inside_the_band_ends_the_limit_state() {
    let mut e = banded(1_000, 5_000);
    e.process(&sell(0, B, 1, 105, 1));
    e.process(&sell(0, B, 2, 107, 10));
    e.process(&buy(10, A, 1, 107, 2)); // limit state
    e.process(&buy(20, B, 3, 101, 1));
    e.process(&sell(30, A, 2, 101, 1)); // trades at 101: inside
    e.advance_time(Ts(5_000));
    assert_eq!(e.trading_state(X), Some(TradingState::Open));
}

#[test]
fn halt_and_resume_by_api_and_timer() {
    let mut e = Engine::new();
    e.add_instrument(InstrumentSpec::default()).unwrap();
    e.halt(Ts(10), X, Ts(100)).unwrap();
    assert_eq!(e.events()[0].kind(), EventKind::TradingState);
    e.clear_events();
    e.process(&buy(50, A, 1, 10, 1));
    assert_eq!(e.events()[0].reason(), Reason::InstrumentHalted);
    e.clear_events();
    e.process(&buy(100, A, 2, 10, 1));
    assert_eq!(e.events()[0].kind(), EventKind::TradingState);
    assert_eq!(e.events()[1].kind(), EventKind::Accepted);
    e.halt(Ts(200), X, Ts(0)).unwrap();
    e.advance_time(Ts(i64::MAX - 1));
    assert_eq!(e.trading_state(X), Some(TradingState::Halted));
    e.resume(Ts(300), X).unwrap();
    assert_eq!(e.trading_state(X), Some(TradingState::Open));
    assert!(e.halt(Ts(1), InstrumentId(9), Ts(0)).is_err());
}

/// A small deterministic generator (the crate has no dependencies).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn random_flow_never_breaks_position_band_or_throttle() {
    let (mut trades, mut halts, mut pos_rejects, mut throttled) = (0, 0, 0, 0);
    for seed in 0..40u64 {
        let mut r = Lcg(seed);
        let mut e = banded(50_000, 20_000);
        let max_pos = 1 + r.next(30) as i64;
        e.set_risk_limits(
            None,
            ALL_INSTRUMENTS,
            Limits {
                max_position: max_pos,
                ..Limits::NONE
            },
        );
        let (rate, burst) = (1 + r.next(1000), 1 + r.next(5));
        e.set_risk_controls(
            Some(ParticipantId(3)),
            Controls {
                throttle: Some((rate, burst)),
                ..Controls::NONE
            },
        );
        let mut ts = 0i64;
        let mut ids: Vec<u64> = Vec::new();
        let mut accepted_p3: Vec<i64> = Vec::new();
        for cid in 0..600u64 {
            ts += r.next(3_000) as i64;
            let p = ParticipantId(1 + r.next(3) as u32);
            let m = match r.next(10) {
                0..=5 => {
                    let px = 85 + r.next(31) as i64;
                    let q = 1 + r.next(8) as i64;
                    let side = if r.next(2) == 0 {
                        Side::Buy
                    } else {
                        Side::Sell
                    };
                    let mut m =
                        OrderMsg::limit(Ts(ts), p, X, ClientOrderId(cid), side, Price(px), Qty(q));
                    if r.next(4) == 0 {
                        m = m.with_tif(Tif::Ioc);
                    }
                    m
                }
                6 => OrderMsg::market(
                    Ts(ts),
                    p,
                    X,
                    ClientOrderId(cid),
                    Side::Buy,
                    Qty(1 + r.next(5) as i64),
                ),
                7 if !ids.is_empty() => {
                    let id = ids[r.next(ids.len() as u64) as usize];
                    OrderMsg::replace(
                        Ts(ts),
                        p,
                        OrderId(id),
                        Price(85 + r.next(31) as i64),
                        Qty(1 + r.next(8) as i64),
                    )
                }
                _ if !ids.is_empty() => {
                    let id = ids[r.next(ids.len() as u64) as usize];
                    OrderMsg::cancel(Ts(ts), p, OrderId(id))
                }
                _ => OrderMsg::advance_noop(Ts(ts), p),
            };
            e.clear_events();
            let id = e.process(&m);
            if id.0 != 0 {
                ids.push(id.0);
            }
            let (lo, hi) = band_now(&e);
            for v in e.events() {
                if v.kind() == EventKind::Trade {
                    trades += 1;
                    assert!(
                        lo <= v.price && v.price <= hi,
                        "seed {seed}: trade {} outside [{lo}, {hi}]",
                        v.price
                    );
                }
                let is_new_or_replace = v.kind() == EventKind::Accepted
                    || (v.kind() == EventKind::Replaced && m.action == Action::Replace as u8);
                if is_new_or_replace && v.participant == 3 {
                    accepted_p3.push(v.ts);
                }
            }
            for q in 1..=3 {
                let pos = e.risk_position(ParticipantId(q), X).position;
                assert!(
                    pos.abs() <= max_pos,
                    "seed {seed}: participant {q} at {pos} > {max_pos}"
                );
            }
        }
        let st = e.risk_stats();
        halts += st.halts;
        pos_rejects += st
            .rejections
            .get(&(Reason::RiskMaxPosition as u8))
            .copied()
            .unwrap_or(0);
        throttled += st
            .rejections
            .get(&(Reason::RiskThrottle as u8))
            .copied()
            .unwrap_or(0);
        // Throttle: in every window, at most burst + rate × window accepted.
        for (i, &t0) in accepted_p3.iter().enumerate() {
            for (j, &t1) in accepted_p3.iter().enumerate().skip(i) {
                let n = (j - i + 1) as i128;
                let allowed = burst as i128 + rate as i128 * (t1 - t0) as i128 / 1_000_000_000;
                assert!(n <= allowed, "seed {seed}: {n} accepted in [{t0}, {t1}]");
            }
        }
    }
    // The flow exercised every control (else the properties above would be vacuous).
    assert!(
        trades > 200 && halts > 0 && pos_rejects > 0 && throttled > 0,
        "trades {trades} halts {halts} position rejects {pos_rejects} throttled {throttled}"
    );
}

/// The band now: a fixed band's anchor moves only when a pause ends, before any trade of
/// the message that ends it, so the band after a message is the band its trades saw.
fn band_now(e: &Engine) -> (i64, i64) {
    let (lo, hi) = e.price_band(X).expect("a band is set");
    assert_eq!(hi.0 - lo.0, 10, "five ticks either side");
    (lo.0, hi.0)
}

trait Noop {
    fn advance_noop(ts: Ts, p: ParticipantId) -> OrderMsg;
}
impl Noop for OrderMsg {
    fn advance_noop(ts: Ts, p: ParticipantId) -> OrderMsg {
        OrderMsg::mass_cancel(ts, p, X)
    }
}
