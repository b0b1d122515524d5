//! Shared test harness: an engine with one instrument, messages stamped with increasing
//! timestamps, the events of each message returned (and checked: consecutive sequence
//! numbers, the message's ts, engine invariants), and builders for expected events that
//! know each order's identity, so that tests can state exact event sequences briefly.
#![allow(dead_code)]

use std::collections::HashMap;

use venue_engine::*;

/// Participants used across tests.
pub const ALICE: u32 = 1;
pub const BOB: u32 = 2;
pub const CAROL: u32 = 3;

/// An order's identity, as every event about it shows it.
#[derive(Clone, Copy, Debug)]
struct Ident {
    client_order_id: u64,
    participant: u32,
    instrument: u32,
    side: Side,
}

/// The harness.
pub struct H {
    /// The engine under test.
    pub eng: Engine,
    /// Instrument 0.
    pub x: InstrumentId,
    /// The ts of the last message sent.
    pub ts: i64,
    next_clid: u64,
    orders: HashMap<u64, Ident>,
}

impl Default for H {
    fn default() -> Self {
        Self::new()
    }
}

impl H {
    /// Tick 1, lot 1, quantities 1 to 1,000,000,000.
    pub fn new() -> Self {
        Self::with_spec(InstrumentSpec::default())
    }

    /// One instrument with this specification.
    pub fn with_spec(spec: InstrumentSpec) -> Self {
        let mut eng = Engine::new();
        let x = eng.add_instrument(spec).expect("valid spec");
        H {
            eng,
            x,
            ts: 1000,
            next_clid: 1,
            orders: HashMap::new(),
        }
    }

    /// A fresh client order id.
    pub fn clid(&mut self) -> u64 {
        self.next_clid += 1;
        self.next_clid
    }

    /// Sends one message at the next ts and returns its events (the buffer is cleared).
    /// Checks that sequence numbers continue without gaps, that every event carries the
    /// message's ts and a zero pad byte, and the engine's invariants.
    pub fn send(&mut self, mut m: OrderMsg) -> Vec<Event> {
        self.ts += 10;
        m.ts = self.ts;
        let seq0 = self.eng.next_seq().0;
        self.eng.clear_events();
        let id = self.eng.process(&m);
        let evs = self.eng.events().to_vec();
        self.eng.clear_events();
        self.check_batch(seq0, &evs);
        if id.0 != 0 {
            let side = Side::from_u8(m.side).expect("accepted orders have a side");
            self.orders.insert(
                id.0,
                Ident {
                    client_order_id: m.client_order_id,
                    participant: m.participant,
                    instrument: m.instrument,
                    side,
                },
            );
            assert_eq!(evs[0].kind(), EventKind::Accepted);
            assert_eq!(evs[0].order_id, id.0);
        } else {
            assert!(
                evs.first().is_none_or(|e| e.kind() != EventKind::Accepted),
                "process returned 0 but an order was accepted"
            );
        }
        evs
    }

    /// Expires DAY orders at the next ts and returns the events.
    pub fn expire(&mut self, instrument: InstrumentId) -> Vec<Event> {
        self.ts += 10;
        let seq0 = self.eng.next_seq().0;
        self.eng.clear_events();
        self.eng.expire_day_orders(Ts(self.ts), instrument);
        let evs = self.eng.events().to_vec();
        self.eng.clear_events();
        self.check_batch(seq0, &evs);
        evs
    }

    fn check_batch(&self, seq0: u64, evs: &[Event]) {
        for (i, e) in evs.iter().enumerate() {
            assert_eq!(e.seq, seq0 + i as u64, "sequence numbers continue: {e:?}");
            assert_eq!(e.ts, self.ts, "events carry the message ts");
            assert_eq!(e._pad, 0);
        }
        assert_eq!(self.eng.next_seq().0, seq0 + evs.len() as u64);
        self.eng.check_invariants().expect("engine invariants");
    }

    /// Sends a NEW and returns the order id (0 if rejected) and the events.
    pub fn new_order(&mut self, m: OrderMsg) -> (u64, Vec<Event>) {
        let next = self.eng.next_order_id().0;
        let evs = self.send(m);
        let id = if evs.first().is_some_and(|e| e.kind() == EventKind::Accepted) {
            next
        } else {
            0
        };
        (id, evs)
    }

    /// A GTC limit NEW message of `p` on instrument 0 with a fresh client order id.
    pub fn msg(&mut self, p: u32, side: Side, price: i64, qty: i64) -> OrderMsg {
        let clid = self.clid();
        OrderMsg::limit(
            Ts(0),
            ParticipantId(p),
            self.x,
            ClientOrderId(clid),
            side,
            Price(price),
            Qty(qty),
        )
    }

    /// A MARKET (IOC) NEW message of `p` on instrument 0 with a fresh client order id.
    pub fn mkt(&mut self, p: u32, side: Side, qty: i64) -> OrderMsg {
        let clid = self.clid();
        OrderMsg::market(
            Ts(0),
            ParticipantId(p),
            self.x,
            ClientOrderId(clid),
            side,
            Qty(qty),
        )
    }

    /// Sends a GTC limit order; returns its id and events.
    pub fn limit(&mut self, p: u32, side: Side, price: i64, qty: i64) -> (u64, Vec<Event>) {
        let m = self.msg(p, side, price, qty);
        self.new_order(m)
    }

    /// Rests a GTC limit order that must not cross; returns its id.
    pub fn rest(&mut self, p: u32, side: Side, price: i64, qty: i64) -> u64 {
        let (id, evs) = self.limit(p, side, price, qty);
        assert_events(
            &evs,
            &[
                self.accepted(id, price, qty),
                self.book_add(id, price, qty, qty),
            ],
        );
        id
    }

    /// Rests an iceberg (GTC) that must not cross; returns its id.
    pub fn rest_iceberg(&mut self, p: u32, side: Side, price: i64, qty: i64, show: i64) -> u64 {
        let m = self.msg(p, side, price, qty).with_display(Qty(show));
        let (id, evs) = self.new_order(m);
        assert_events(
            &evs,
            &[
                self.accepted(id, price, qty),
                self.book_add(id, price, show, qty),
            ],
        );
        id
    }

    /// Sends a CANCEL of `id` by `p`.
    pub fn cancel(&mut self, p: u32, id: u64) -> Vec<Event> {
        self.send(OrderMsg::cancel(Ts(0), ParticipantId(p), OrderId(id)))
    }

    /// Sends a REDUCE of `id` by `p` to `qty`.
    pub fn reduce(&mut self, p: u32, id: u64, qty: i64) -> Vec<Event> {
        self.send(OrderMsg::reduce(
            Ts(0),
            ParticipantId(p),
            OrderId(id),
            Qty(qty),
        ))
    }

    /// Sends a REPLACE of `id` by `p` to `price` and `qty`.
    pub fn replace(&mut self, p: u32, id: u64, price: i64, qty: i64) -> Vec<Event> {
        self.send(OrderMsg::replace(
            Ts(0),
            ParticipantId(p),
            OrderId(id),
            Price(price),
            Qty(qty),
        ))
    }

    fn ident(&self, id: u64) -> Ident {
        *self
            .orders
            .get(&id)
            .unwrap_or_else(|| panic!("order {id} unknown to the harness"))
    }

    /// An event about order `id` with everything but the kind-specific fields filled in.
    fn about(&self, kind: EventKind, id: u64) -> Event {
        let o = self.ident(id);
        Event {
            seq: 0,
            ts: self.ts,
            order_id: id,
            client_order_id: o.client_order_id,
            price: 0,
            qty: 0,
            leaves: 0,
            maker_order_id: 0,
            instrument: o.instrument,
            participant: o.participant,
            maker_participant: 0,
            kind: kind as u8,
            side: o.side as u8,
            reason: 0,
            _pad: 0,
        }
    }

    /// ACCEPTED(id, price, qty).
    pub fn accepted(&self, id: u64, price: i64, qty: i64) -> Event {
        Event {
            price,
            qty,
            leaves: qty,
            ..self.about(EventKind::Accepted, id)
        }
    }

    /// TRADE: `taker` fills `qty` against `maker` at `price`, leaving the taker `leaves`.
    pub fn trade(&self, taker: u64, maker: u64, price: i64, qty: i64, leaves: i64) -> Event {
        Event {
            price,
            qty,
            leaves,
            maker_order_id: maker,
            maker_participant: self.ident(maker).participant,
            ..self.about(EventKind::Trade, taker)
        }
    }

    /// CANCELLED(id) of `qty` at `price`, `leaves` after, with `reason`.
    pub fn cancelled(&self, id: u64, price: i64, qty: i64, leaves: i64, reason: Reason) -> Event {
        Event {
            price,
            qty,
            leaves,
            reason: reason as u8,
            ..self.about(EventKind::Cancelled, id)
        }
    }

    /// REPLACED(id): new price and new leaves.
    pub fn replaced(&self, id: u64, price: i64, leaves: i64) -> Event {
        Event {
            price,
            qty: leaves,
            leaves,
            ..self.about(EventKind::Replaced, id)
        }
    }

    /// BOOK_ADD(id) at `price` showing `shown` of `leaves`.
    pub fn book_add(&self, id: u64, price: i64, shown: i64, leaves: i64) -> Event {
        Event {
            price,
            qty: shown,
            leaves,
            ..self.about(EventKind::BookAdd, id)
        }
    }

    /// BOOK_MODIFY(id) at `price` showing `shown` of `leaves`.
    pub fn book_modify(&self, id: u64, price: i64, shown: i64, leaves: i64) -> Event {
        Event {
            price,
            qty: shown,
            leaves,
            ..self.about(EventKind::BookModify, id)
        }
    }

    /// BOOK_DELETE(id) from `price`, `leaves` after.
    pub fn book_delete(&self, id: u64, price: i64, leaves: i64) -> Event {
        Event {
            price,
            leaves,
            ..self.about(EventKind::BookDelete, id)
        }
    }

    /// REJECTED echoing `m` (sent at the current ts) with `reason`.
    pub fn rejected(&self, m: &OrderMsg, reason: Reason) -> Event {
        Event {
            seq: 0,
            ts: self.ts,
            order_id: m.order_id,
            client_order_id: m.client_order_id,
            price: m.price,
            qty: m.qty,
            leaves: 0,
            maker_order_id: 0,
            instrument: m.instrument,
            participant: m.participant,
            maker_participant: 0,
            kind: EventKind::Rejected as u8,
            side: m.side,
            reason: reason as u8,
            _pad: 0,
        }
    }

    /// The orders of a level: (order id, displayed, leaves), in priority order.
    pub fn level(&self, side: Side, price: i64) -> Vec<(u64, i64, i64)> {
        let mut out = Vec::new();
        self.eng.queue(self.x, side, Price(price), &mut out);
        out.iter()
            .map(|o| (o.order_id.0, o.displayed.0, o.leaves.0))
            .collect()
    }

    /// (price, displayed sum, count) of up to 100 levels of a side, best first.
    pub fn depth(&self, side: Side) -> Vec<(i64, i64, u32)> {
        let mut out = Vec::new();
        self.eng.depth(self.x, side, 100, &mut out);
        out.iter().map(|l| (l.price.0, l.qty.0, l.orders)).collect()
    }

    /// Leaves of a live order, or None.
    pub fn leaves(&self, id: u64) -> Option<i64> {
        self.eng.order(OrderId(id)).map(|o| o.leaves.0)
    }
}

/// Compares event sequences ignoring `seq` (checked by the harness), with a readable diff.
#[track_caller]
pub fn assert_events(got: &[Event], want: &[Event]) {
    let strip = |v: &[Event]| -> Vec<Event> { v.iter().map(|e| Event { seq: 0, ..*e }).collect() };
    let (g, w) = (strip(got), strip(want));
    if g != w {
        let show = |v: &[Event]| {
            v.iter()
                .map(|e| {
                    format!(
                        "  {:?} id={} clid={} p={} side={} px={} qty={} leaves={} maker={}/{} \
                         reason={:?}",
                        e.kind(),
                        e.order_id,
                        e.client_order_id,
                        e.participant,
                        e.side,
                        e.price,
                        e.qty,
                        e.leaves,
                        e.maker_order_id,
                        e.maker_participant,
                        Reason::from_u8(e.reason)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!("events differ\n got:\n{}\nwant:\n{}", show(&g), show(&w));
    }
}
