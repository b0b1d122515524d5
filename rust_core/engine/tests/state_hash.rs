//! The state hash: FNV-1a 64 over the canonical byte layout of SEMANTICS.md. Equal
//! histories give equal hashes, different states different hashes, and a tiny state is
//! hashed by hand here to pin the layout.
mod common;
use common::*;
use venue_engine::*;

/// An independent FNV-1a 64 over explicit little-endian bytes.
struct Bytes(Vec<u8>);

impl Bytes {
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn fnv(&self) -> u64 {
        let mut h: u64 = 0xcbf29ce484222325;
        for &b in &self.0 {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h
    }
}

#[test]
fn a_tiny_state_hashes_to_the_documented_bytes() {
    let mut eng = Engine::new();
    let spec = InstrumentSpec {
        tick_size: Price(5),
        lot_size: Qty(2),
        min_qty: Qty(2),
        max_qty: Qty(1000),
    };
    eng.add_instrument(spec).unwrap();
    // An empty engine with one instrument.
    let mut b = Bytes(Vec::new());
    b.u64(1).u64(1);
    b.u32(0).i64(5).i64(2).i64(2).i64(1000).u8(0);
    b.u32(0xFFFF_FFFF).u32(0xFFFF_FFFF);
    assert_eq!(eng.state_hash(), b.fnv());

    // One bid (DAY, iceberg) and one ask; participant 9 under CANCEL_BOTH; halted.
    let bid = OrderMsg::limit(
        Ts(1),
        ParticipantId(7),
        InstrumentId(0),
        ClientOrderId(70),
        Side::Buy,
        Price(100),
        Qty(10),
    )
    .with_tif(Tif::Day)
    .with_display(Qty(4));
    eng.process(&bid); // ACCEPTED, BOOK_ADD
    let ask = OrderMsg::limit(
        Ts(2),
        ParticipantId(8),
        InstrumentId(0),
        ClientOrderId(80),
        Side::Sell,
        Price(110),
        Qty(6),
    )
    .with_flags(FLAG_POST_ONLY);
    eng.process(&ask); // ACCEPTED, BOOK_ADD
    eng.set_stp_mode(ParticipantId(9), StpMode::CancelBoth);
    eng.set_stp_mode(ParticipantId(3), StpMode::CancelOldest);
    eng.set_trading_state(InstrumentId(0), TradingState::Halted)
        .unwrap();
    let mut b = Bytes(Vec::new());
    b.u64(5).u64(3);
    b.u32(0).i64(5).i64(2).i64(2).i64(1000).u8(1);
    b.i64(100).u32(1);
    b.u64(1).u64(70).u32(7).i64(10).i64(4).i64(4).u8(1).u8(0);
    b.u32(0xFFFF_FFFF);
    b.i64(110).u32(1);
    b.u64(2).u64(80).u32(8).i64(6).i64(6).i64(0).u8(0).u8(1);
    b.u32(0xFFFF_FFFF);
    b.u32(3).u8(2).u32(9).u8(3);
    assert_eq!(eng.state_hash(), b.fnv());
}

#[test]
fn levels_hash_best_first_and_orders_in_priority_order() {
    let mut eng = Engine::new();
    eng.add_instrument(InstrumentSpec::default()).unwrap();
    for (clid, price) in [(1u64, 100i64), (2, 101), (3, 101)] {
        eng.process(&OrderMsg::limit(
            Ts(0),
            ParticipantId(1),
            InstrumentId(0),
            ClientOrderId(clid),
            Side::Buy,
            Price(price),
            Qty(1),
        ));
    }
    let order = |b: &mut Bytes, id: u64| {
        b.u64(id).u64(id).u32(1).i64(1).i64(1).i64(0).u8(0).u8(0);
    };
    let mut b = Bytes(Vec::new());
    b.u64(7).u64(4);
    b.u32(0).i64(1).i64(1).i64(1).i64(1_000_000_000).u8(0);
    b.i64(101).u32(2);
    order(&mut b, 2);
    order(&mut b, 3);
    b.i64(100).u32(1);
    order(&mut b, 1);
    b.u32(0xFFFF_FFFF).u32(0xFFFF_FFFF);
    assert_eq!(eng.state_hash(), b.fnv());
}

#[test]
fn equal_histories_give_equal_hashes() {
    let run = || {
        let mut h = H::new();
        h.eng
            .set_stp_mode(ParticipantId(BOB), StpMode::DecrementAndCancel);
        let a = h.rest(ALICE, Side::Buy, 100, 10);
        h.rest_iceberg(BOB, Side::Sell, 103, 20, 5);
        h.limit(BOB, Side::Sell, 100, 4);
        h.replace(ALICE, a, 101, 9);
        h.limit(CAROL, Side::Buy, 103, 7);
        h.eng.clear_events(); // the buffer is not state
        h.eng.state_hash()
    };
    assert_eq!(run(), run());
}

#[test]
fn different_states_give_different_hashes() {
    let base = || {
        let mut h = H::new();
        h.rest(ALICE, Side::Buy, 100, 10);
        h.rest(BOB, Side::Buy, 100, 10);
        h
    };
    let h0 = base().eng.state_hash();
    let mut variants = Vec::new();
    let mut h = base();
    h.reduce(ALICE, 1, 9);
    variants.push(("leaves", h.eng.state_hash()));
    let mut h = base();
    h.eng
        .set_stp_mode(ParticipantId(ALICE), StpMode::CancelNewest);
    variants.push(("stp mode", h.eng.state_hash()));
    let mut h = base();
    h.eng.set_trading_state(h.x, TradingState::Halted).unwrap();
    variants.push(("trading state", h.eng.state_hash()));
    let mut h = base();
    h.cancel(CAROL, 1); // rejected: only the sequence number moves
    variants.push(("sequence", h.eng.state_hash()));
    let mut h = base();
    h.eng.add_instrument(InstrumentSpec::default()).unwrap();
    variants.push(("instrument", h.eng.state_hash()));
    // Same orders, other queue order: BOB first.
    let mut h = H::new();
    let m = h.msg(ALICE, Side::Buy, 100, 10);
    let n = h.msg(BOB, Side::Buy, 100, 10);
    h.send(n);
    h.send(m);
    variants.push(("priority", h.eng.state_hash()));
    for (what, v) in &variants {
        assert_ne!(*v, h0, "{what}");
    }
    for i in 0..variants.len() {
        for j in i + 1..variants.len() {
            assert_ne!(
                variants[i].1, variants[j].1,
                "{} vs {}",
                variants[i].0, variants[j].0
            );
        }
    }
}
