//! The event buffer: every event gets the next sequence number and is appended to a reused
//! `Vec<Event>` (clearing keeps its capacity, so steady state does not allocate).

use crate::events::{Event, OrderMsg};
use crate::order::Node;
use crate::types::{EventKind, Reason, Side};

/// The buffered events and the sequence counter.
#[derive(Debug)]
pub(crate) struct EventSink {
    /// Events since the last clear.
    pub events: Vec<Event>,
    /// The sequence number the next event gets.
    pub next_seq: u64,
}

/// The identity of an order as every event about it shows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Who {
    /// Engine order id.
    pub order_id: u64,
    /// Owner's id.
    pub client_order_id: u64,
    /// Owner.
    pub participant: u32,
    /// Instrument.
    pub instrument: u32,
    /// Side.
    pub side: Side,
}

impl Who {
    /// The identity of a pooled order.
    #[inline]
    pub fn of(n: &Node) -> Who {
        Who {
            order_id: n.order_id,
            client_order_id: n.client_order_id,
            participant: n.participant,
            instrument: n.instrument(),
            side: n.side(),
        }
    }
}

impl EventSink {
    /// An empty buffer with room for `n` events; sequence numbers start at 1.
    pub fn with_capacity(n: usize) -> Self {
        EventSink {
            events: Vec::with_capacity(n),
            next_seq: 1,
        }
    }

    /// Numbers and appends one event.
    #[inline(always)]
    fn push(&mut self, mut e: Event) {
        e.seq = self.next_seq;
        self.next_seq += 1;
        self.events.push(e);
    }

    /// An order-level or book-level event about one order.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub fn order(
        &mut self,
        kind: EventKind,
        ts: i64,
        who: &Who,
        price: i64,
        qty: i64,
        leaves: i64,
        reason: Reason,
    ) {
        self.push(Event {
            seq: 0,
            ts,
            order_id: who.order_id,
            client_order_id: who.client_order_id,
            price,
            qty,
            leaves,
            maker_order_id: 0,
            instrument: who.instrument,
            participant: who.participant,
            maker_participant: 0,
            kind: kind as u8,
            side: who.side as u8,
            reason: reason as u8,
            _pad: 0,
        });
    }

    /// A book-level event (BOOK_ADD, BOOK_MODIFY, BOOK_DELETE) about a pooled order, with its
    /// current displayed quantity and leaves.
    #[inline(always)]
    pub fn book(&mut self, kind: EventKind, ts: i64, n: &Node) {
        let qty = if kind == EventKind::BookDelete {
            0
        } else {
            n.displayed
        };
        self.order(kind, ts, &Who::of(n), n.price, qty, n.leaves, Reason::None);
    }

    /// A TRADE: `taker` is the aggressor, `maker` the resting order (already reduced).
    #[inline(always)]
    pub fn trade(&mut self, ts: i64, taker: &Who, leaves: i64, maker: &Node, qty: i64) {
        self.push(Event {
            seq: 0,
            ts,
            order_id: taker.order_id,
            client_order_id: taker.client_order_id,
            price: maker.price,
            qty,
            leaves,
            maker_order_id: maker.order_id,
            instrument: taker.instrument,
            participant: taker.participant,
            maker_participant: maker.participant,
            kind: EventKind::Trade as u8,
            side: taker.side as u8,
            reason: 0,
            _pad: 0,
        });
    }

    /// A REJECTED event echoing the message as sent.
    #[inline]
    pub fn reject(&mut self, m: &OrderMsg, reason: Reason) {
        self.push(Event {
            seq: 0,
            ts: m.ts,
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
        });
    }
}
