//! Random message streams (mostly valid, some raw bytes) over two instruments, three
//! participants with random STP modes, halts and expiry. After every step:
//! - the engine's invariants hold (checked by the harness);
//! - the market-by-order feed (BOOK_ADD / BOOK_MODIFY / BOOK_DELETE) rebuilds exactly the
//!   engine's book: every level's orders in priority order with displayed and leaves;
//! - the order-level events (ACCEPTED, TRADE, CANCELLED, REPLACED) account for every
//!   order's leaves, and agree with `Engine::order`;
//! - a FOK order either fills completely or is killed with no trade;
//! - trades are at the maker's price, never through the taker's limit.
//!
//! At the end the whole stream is replayed into a fresh engine: same events, same hash.
mod common;
use std::collections::{BTreeMap, HashMap};

use common::*;
use proptest::prelude::*;
use venue_engine::*;

#[derive(Clone, Debug)]
enum Op {
    New {
        p: u32,
        inst: u32,
        clid: u64,
        side: u8,
        market: bool,
        tif: u8,
        post_only: bool,
        px: i64,
        qty: i64,
        show: i64,
    },
    Cancel {
        p: u32,
        pick: usize,
    },
    Reduce {
        p: u32,
        pick: usize,
        qty: i64,
    },
    Replace {
        p: u32,
        pick: usize,
        px: i64,
        qty: i64,
    },
    Mass {
        p: u32,
        inst: u32,
    },
    Expire {
        inst: u32,
    },
    Halt {
        inst: u32,
        halted: bool,
    },
    Stp {
        p: u32,
        mode: u8,
    },
    Raw([u8; 64]),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 1u32..=3;
    let inst = prop_oneof![8 => Just(0u32), 3 => Just(1u32), 1 => Just(2u32), 1 => Just(u32::MAX)];
    prop_oneof![
        30 => (p.clone(), inst.clone(), 0u64..12, 0u8..=2, prop::bool::weighted(0.1),
               prop_oneof![6 => Just(0u8), 2 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8), 1 => Just(7u8)],
               prop::bool::weighted(0.15), 94i64..=106, prop_oneof![9 => 1i64..=12, 1 => -2i64..=40],
               prop_oneof![5 => Just(0i64), 1 => 1i64..=6])
            .prop_map(|(p, inst, clid, side, market, tif, post_only, px, qty, show)| Op::New {
                p, inst, clid, side, market, tif, post_only, px, qty, show,
            }),
        10 => (p.clone(), any::<usize>()).prop_map(|(p, pick)| Op::Cancel { p, pick }),
        5 => (p.clone(), any::<usize>(), -1i64..=12).prop_map(|(p, pick, qty)| Op::Reduce { p, pick, qty }),
        7 => (p.clone(), any::<usize>(), 94i64..=106, 0i64..=14)
            .prop_map(|(p, pick, px, qty)| Op::Replace { p, pick, px, qty }),
        1 => (p.clone(), inst.clone()).prop_map(|(p, inst)| Op::Mass { p, inst }),
        1 => inst.clone().prop_map(|inst| Op::Expire { inst }),
        1 => (0u32..=1, prop::bool::weighted(0.3)).prop_map(|(inst, halted)| Op::Halt { inst, halted }),
        2 => (p, 0u8..=4).prop_map(|(p, mode)| Op::Stp { p, mode }),
        1 => prop::collection::vec(any::<u8>(), 64).prop_map(|v| Op::Raw(v.try_into().unwrap())),
    ]
}

/// Instrument 1 has tick 5 and lot 2: scale prices and quantities into it (mostly valid).
fn scale(inst: u32, px: i64, qty: i64) -> (i64, i64) {
    if inst == 1 {
        (px * 5, qty * 2)
    } else {
        (px, qty)
    }
}

fn raw(bytes: &[u8; 64]) -> OrderMsg {
    let w = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap());
    let d = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    OrderMsg {
        ts: w(0) as i64,
        order_id: w(8) % 64,
        client_order_id: w(16) % 16,
        price: (w(24) % 32) as i64 + 90,
        qty: (w(32) % 24) as i64 - 2,
        display_qty: (w(40) % 8) as i64 - 1,
        instrument: d(48) % 3,
        participant: d(52) % 4,
        action: bytes[56] % 7,
        side: bytes[57] % 3,
        order_type: bytes[58] % 3,
        tif: bytes[59] % 5,
        flags: bytes[60] % 3,
        _pad: [bytes[61], bytes[62], bytes[63]],
    }
}

/// (instrument, side, price) of a level.
type LevelKey = (u32, u8, i64);
/// A level's orders in priority order: (id, displayed, leaves).
type Queue = Vec<(u64, i64, i64)>;

/// The book as the feed describes it, and every order's leaves as the order events do.
#[derive(Default)]
struct Model {
    /// Every level.
    levels: BTreeMap<LevelKey, Queue>,
    /// Order id -> leaves according to order-level events.
    leaves: HashMap<u64, i64>,
}

impl Model {
    fn apply(&mut self, evs: &[Event]) {
        for e in evs {
            let key = (e.instrument, e.side, e.price);
            match e.kind() {
                EventKind::Accepted => {
                    assert_eq!(e.qty, e.leaves);
                    assert!(self.leaves.insert(e.order_id, e.qty).is_none());
                }
                EventKind::Rejected => assert_eq!(e.leaves, 0),
                EventKind::Trade => {
                    assert!(e.qty > 0);
                    let t = self.leaves.get_mut(&e.order_id).expect("taker known");
                    assert_eq!(*t - e.qty, e.leaves, "taker leaves after a fill");
                    *t = e.leaves;
                    let m = self.leaves.get_mut(&e.maker_order_id).expect("maker known");
                    *m -= e.qty;
                    assert!(*m >= 0);
                }
                EventKind::Cancelled => {
                    assert!(e.qty > 0);
                    let l = self.leaves.get_mut(&e.order_id).expect("order known");
                    assert_eq!(*l - e.qty, e.leaves, "leaves after a cancel");
                    *l = e.leaves;
                }
                EventKind::Replaced => {
                    assert_eq!(e.qty, e.leaves);
                    *self.leaves.get_mut(&e.order_id).expect("order known") = e.qty;
                }
                EventKind::BookAdd => {
                    let q = self.levels.entry(key).or_default();
                    assert!(q.iter().all(|o| o.0 != e.order_id), "added twice");
                    q.push((e.order_id, e.qty, e.leaves));
                }
                EventKind::BookModify => {
                    let q = self.levels.get_mut(&key).expect("modify of a known level");
                    let o = q.iter_mut().find(|o| o.0 == e.order_id).expect("in level");
                    *o = (e.order_id, e.qty, e.leaves);
                }
                EventKind::BookDelete => {
                    assert_eq!(e.qty, 0);
                    let q = self.levels.get_mut(&key).expect("delete of a known level");
                    let i = q.iter().position(|o| o.0 == e.order_id).expect("in level");
                    q.remove(i);
                    if q.is_empty() {
                        self.levels.remove(&key);
                    }
                }
                // The random operations configure no halts or bands.
                EventKind::TradingState => panic!("unexpected TRADING_STATE event"),
            }
        }
    }

    fn check(&self, eng: &Engine) {
        let mut engine_levels = BTreeMap::new();
        let mut depth = Vec::new();
        let mut queue = Vec::new();
        for inst in 0..eng.instrument_count() as u32 {
            for side in [Side::Buy, Side::Sell] {
                eng.depth(InstrumentId(inst), side, usize::MAX, &mut depth);
                for l in &depth {
                    eng.queue(InstrumentId(inst), side, l.price, &mut queue);
                    let q: Vec<(u64, i64, i64)> = queue
                        .iter()
                        .map(|o| (o.order_id.0, o.displayed.0, o.leaves.0))
                        .collect();
                    assert_eq!(l.orders as usize, q.len());
                    assert_eq!(l.qty.0, q.iter().map(|o| o.1).sum::<i64>());
                    engine_levels.insert((inst, side as u8, l.price.0), q);
                }
            }
        }
        assert_eq!(engine_levels, self.levels, "the feed rebuilds the book");
        let resting: HashMap<u64, i64> =
            self.levels.values().flatten().map(|o| (o.0, o.2)).collect();
        for (&id, &l) in &self.leaves {
            match eng.order(OrderId(id)) {
                Some(o) => {
                    assert_eq!(o.leaves.0, l, "order {id}");
                    assert_eq!(resting.get(&id), Some(&l));
                }
                None => assert_eq!(l, 0, "order {id} gone with leaves"),
            }
        }
        assert_eq!(eng.live_orders(), resting.len());
    }
}

/// Plays `ops` through a harness with checks after every step; returns the messages
/// actually sent (for the replay) and the harness.
fn play(ops: &[Op], capacity: usize) -> (Vec<Msg>, H) {
    let mut h = H::new();
    h.eng = Engine::with_capacity(capacity, capacity);
    h.eng.add_instrument(InstrumentSpec::default()).unwrap();
    let tick5 = InstrumentSpec {
        tick_size: Price(5),
        lot_size: Qty(2),
        min_qty: Qty(2),
        max_qty: Qty(20),
    };
    h.eng.add_instrument(tick5).unwrap();
    let mut model = Model::default();
    let mut ids: Vec<u64> = Vec::new();
    let mut sent = Vec::new();
    for op in ops {
        let m = match *op {
            Op::New {
                p,
                inst,
                clid,
                side,
                market,
                tif,
                post_only,
                px,
                qty,
                show,
            } => {
                let (px, qty) = scale(inst, px, qty);
                OrderMsg {
                    ts: 0,
                    client_order_id: clid,
                    price: px,
                    qty,
                    display_qty: show,
                    instrument: inst,
                    participant: p,
                    action: Action::New as u8,
                    side,
                    order_type: market as u8,
                    tif: if market && tif < 2 { 2 + tif } else { tif },
                    flags: post_only as u8,
                    ..OrderMsg::default()
                }
            }
            Op::Cancel { p, pick } => {
                OrderMsg::cancel(Ts(0), ParticipantId(p), OrderId(pick_id(&ids, pick)))
            }
            Op::Reduce { p, pick, qty } => {
                let id = pick_id(&ids, pick);
                let inst = h.eng.order(OrderId(id)).map_or(0, |o| o.instrument.0);
                let qty = scale(inst, 0, qty).1;
                OrderMsg::reduce(Ts(0), ParticipantId(p), OrderId(id), Qty(qty))
            }
            Op::Replace { p, pick, px, qty } => {
                let id = pick_id(&ids, pick);
                let inst = h.eng.order(OrderId(id)).map_or(0, |o| o.instrument.0);
                let (px, qty) = scale(inst, px, qty);
                OrderMsg::replace(Ts(0), ParticipantId(p), OrderId(id), Price(px), Qty(qty))
            }
            Op::Mass { p, inst } => {
                OrderMsg::mass_cancel(Ts(0), ParticipantId(p), InstrumentId(inst))
            }
            Op::Raw(ref b) => raw(b),
            Op::Expire { inst } => {
                let evs = h.expire(InstrumentId(inst));
                assert!(evs
                    .iter()
                    .all(|e| e.reason() == Reason::Expired || e.kind() == EventKind::BookDelete));
                model.apply(&evs);
                model.check(&h.eng);
                sent.push(Msg::Expire(h.ts, inst));
                continue;
            }
            Op::Halt { inst, halted } => {
                let st = if halted {
                    TradingState::Halted
                } else {
                    TradingState::Open
                };
                h.eng.set_trading_state(InstrumentId(inst), st).unwrap();
                sent.push(Msg::Halt(inst, st));
                continue;
            }
            Op::Stp { p, mode } => {
                let mode = StpMode::from_u8(mode).unwrap();
                h.eng.set_stp_mode(ParticipantId(p), mode);
                sent.push(Msg::Stp(p, mode));
                continue;
            }
        };
        let seq_before = h.eng.next_seq();
        let evs = h.send(m);
        assert!(h.eng.next_seq() > seq_before || evs.is_empty());
        sent.push(Msg::Order(OrderMsg { ts: h.ts, ..m }));
        if let Some(first) = evs.first() {
            if first.kind() == EventKind::Accepted {
                ids.push(first.order_id);
                check_taker(&m, &evs);
            }
        }
        model.apply(&evs);
        model.check(&h.eng);
    }
    (sent, h)
}

/// What was done, for the replay.
#[derive(Clone, Debug)]
enum Msg {
    Order(OrderMsg),
    Expire(i64, u32),
    Halt(u32, TradingState),
    Stp(u32, StpMode),
}

fn pick_id(ids: &[u64], pick: usize) -> u64 {
    if ids.is_empty() || pick % 10 == 0 {
        (pick % 50) as u64 // often unknown
    } else {
        ids[pick % ids.len()]
    }
}

/// Checks on the events of an accepted NEW order.
fn check_taker(m: &OrderMsg, evs: &[Event]) {
    let id = evs[0].order_id;
    let trades: Vec<&Event> = evs
        .iter()
        .filter(|e| e.kind() == EventKind::Trade && e.order_id == id)
        .collect();
    let filled: i64 = trades.iter().map(|e| e.qty).sum();
    let limit = m.order_type == OrderType::Limit as u8;
    for t in &trades {
        assert_eq!(t.side, m.side, "aggressor side");
        if limit {
            if m.side == Side::Buy as u8 {
                assert!(t.price <= m.price, "buy filled above its limit");
            } else {
                assert!(t.price >= m.price, "sell filled below its limit");
            }
        }
    }
    if m.tif == Tif::Fok as u8 {
        let killed = evs.len() == 2
            && evs[1].kind() == EventKind::Cancelled
            && evs[1].reason() == Reason::FokUnfilled;
        assert!(killed || filled == m.qty, "FOK all or nothing: {evs:?}");
    }
    if m.flags & FLAG_POST_ONLY != 0 {
        assert!(trades.is_empty(), "post-only took liquidity");
    }
}

fn replay(sent: &[Msg]) -> (Vec<Event>, u64) {
    let mut eng = Engine::new();
    eng.add_instrument(InstrumentSpec::default()).unwrap();
    eng.add_instrument(InstrumentSpec {
        tick_size: Price(5),
        lot_size: Qty(2),
        min_qty: Qty(2),
        max_qty: Qty(20),
    })
    .unwrap();
    for m in sent {
        match *m {
            Msg::Order(ref o) => {
                eng.process(o);
            }
            Msg::Expire(ts, inst) => eng.expire_day_orders(Ts(ts), InstrumentId(inst)),
            Msg::Halt(inst, st) => eng.set_trading_state(InstrumentId(inst), st).unwrap(),
            Msg::Stp(p, mode) => eng.set_stp_mode(ParticipantId(p), mode),
        }
    }
    (eng.events().to_vec(), eng.state_hash())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_streams_keep_the_feed_the_book_and_the_leaves_in_step(
        ops in prop::collection::vec(op(), 1..300),
        capacity in prop_oneof![Just(1usize), Just(4096usize)],
    ) {
        let (sent, h) = play(&ops, capacity);
        let hash = h.eng.state_hash();
        // Replay into a fresh engine (without the harness clearing the buffer): the same
        // events in one buffer and the same state.
        let (events, replay_hash) = replay(&sent);
        prop_assert_eq!(replay_hash, hash);
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        prop_assert_eq!(seqs, (1..h.eng.next_seq().0).collect::<Vec<u64>>());
    }

    #[test]
    fn any_bytes_are_valid_input(msgs in prop::collection::vec(prop::array::uniform32(any::<u8>()), 1..200)) {
        // Fully arbitrary messages (no scaling): the engine must never panic, and must
        // stay consistent.
        let mut eng = Engine::new();
        eng.add_instrument(InstrumentSpec::default()).unwrap();
        for pair in msgs.chunks(2) {
            let mut b = [0u8; 64];
            b[..32].copy_from_slice(&pair[0]);
            if let Some(second) = pair.get(1) {
                b[32..].copy_from_slice(second);
            }
            let m = OrderMsg {
                ts: i64::from_le_bytes(b[0..8].try_into().unwrap()),
                order_id: u64::from_le_bytes(b[8..16].try_into().unwrap()) % 8,
                client_order_id: u64::from_le_bytes(b[16..24].try_into().unwrap()),
                price: i64::from_le_bytes(b[24..32].try_into().unwrap()),
                qty: i64::from_le_bytes(b[32..40].try_into().unwrap()),
                display_qty: i64::from_le_bytes(b[40..48].try_into().unwrap()),
                instrument: u32::from_le_bytes(b[48..52].try_into().unwrap()) % 3,
                participant: u32::from_le_bytes(b[52..56].try_into().unwrap()) % 3,
                action: b[56] % 8,
                side: b[57] % 4,
                order_type: b[58] % 3,
                tif: b[59] % 5,
                flags: b[60] % 4,
                _pad: [b[61], b[62], b[63]],
            };
            eng.process(&m);
            prop_assert!(eng.check_invariants().is_ok(), "{:?}", eng.check_invariants());
        }
    }
}

#[test]
fn extreme_quantities_do_not_overflow() {
    let mut h = H::with_spec(InstrumentSpec {
        tick_size: Price(1),
        lot_size: Qty(1),
        min_qty: Qty(1),
        max_qty: Qty(i64::MAX),
    });
    let big = i64::MAX - 1;
    let a = h.rest(ALICE, Side::Sell, 100, big);
    let b = h.rest(ALICE, Side::Sell, 100, big);
    let c = h.rest(ALICE, Side::Sell, 101, big);
    // The level sum is exact internally and saturates at i64::MAX when shown.
    assert_eq!(h.depth(Side::Sell)[0], (100, i64::MAX, 2));
    let m = h.msg(BOB, Side::Buy, 101, i64::MAX).with_tif(Tif::Fok);
    let (t, evs) = h.new_order(m);
    assert_events(
        &evs,
        &[
            h.accepted(t, 101, i64::MAX),
            h.trade(t, a, 100, big, 1),
            h.book_delete(a, 100, 0),
            h.trade(t, b, 100, 1, 0),
            h.book_modify(b, 100, big - 1, big - 1),
        ],
    );
    assert_eq!(h.leaves(c), Some(big));
    let m = h.mkt(BOB, Side::Buy, i64::MAX).with_tif(Tif::Fok);
    let (t, evs) = h.new_order(m);
    // The dry-run sum saturates, which covers i64::MAX: all of b, then 2 of c.
    assert_events(
        &evs,
        &[
            h.accepted(t, 0, i64::MAX),
            h.trade(t, b, 100, big - 1, 2),
            h.book_delete(b, 100, 0),
            h.trade(t, c, 101, 2, 0),
            h.book_modify(c, 101, big - 2, big - 2),
        ],
    );
    assert_eq!(h.leaves(c), Some(big - 2));
}
