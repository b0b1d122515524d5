//! The input message and the output event: fixed `#[repr(C)]` layouts that cross every
//! boundary as columns (numpy `ORDER_DTYPE` and `EVENT_DTYPE` mirror them field for field).

use crate::types::*;

/// One input message: a new order, cancel, reduce, replace or mass cancel.
///
/// 64 bytes, little-endian, `#[repr(C)]`; the field table is in `docs/SEMANTICS.md`.
/// Raw integers (not newtypes) so that any byte pattern is a valid value: the engine
/// validates every field and rejects what it cannot accept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct OrderMsg {
    /// Caller-supplied time, ns.
    pub ts: i64,
    /// Target order of CANCEL, REDUCE and REPLACE.
    pub order_id: u64,
    /// The participant's id for a NEW order.
    pub client_order_id: u64,
    /// Limit price (NEW) or new price (REPLACE), price units.
    pub price: i64,
    /// Order quantity (NEW) or new open quantity (REDUCE, REPLACE).
    pub qty: i64,
    /// Iceberg slice size for NEW; 0 = fully displayed.
    pub display_qty: i64,
    /// Instrument of a NEW order; MASS_CANCEL target or [`ALL_INSTRUMENTS`].
    pub instrument: u32,
    /// Who sends the message.
    pub participant: u32,
    /// [`Action`] code.
    pub action: u8,
    /// [`Side`] code.
    pub side: u8,
    /// [`OrderType`] code.
    pub order_type: u8,
    /// [`Tif`] code.
    pub tif: u8,
    /// Flag bits ([`FLAG_POST_ONLY`]).
    pub flags: u8,
    /// Ignored.
    pub _pad: [u8; 3],
}

impl OrderMsg {
    /// A NEW limit order (GTC, no flags, fully displayed).
    pub fn limit(
        ts: Ts,
        participant: ParticipantId,
        instrument: InstrumentId,
        client_order_id: ClientOrderId,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Self {
        OrderMsg {
            ts: ts.0,
            client_order_id: client_order_id.0,
            price: price.0,
            qty: qty.0,
            instrument: instrument.0,
            participant: participant.0,
            action: Action::New as u8,
            side: side as u8,
            order_type: OrderType::Limit as u8,
            tif: Tif::Gtc as u8,
            ..Default::default()
        }
    }

    /// A NEW market order (IOC).
    pub fn market(
        ts: Ts,
        participant: ParticipantId,
        instrument: InstrumentId,
        client_order_id: ClientOrderId,
        side: Side,
        qty: Qty,
    ) -> Self {
        OrderMsg {
            order_type: OrderType::Market as u8,
            tif: Tif::Ioc as u8,
            ..Self::limit(
                ts,
                participant,
                instrument,
                client_order_id,
                side,
                Price(0),
                qty,
            )
        }
    }

    /// Sets the time in force.
    pub fn with_tif(mut self, tif: Tif) -> Self {
        self.tif = tif as u8;
        self
    }

    /// Sets the flag bits.
    pub fn with_flags(mut self, flags: u8) -> Self {
        self.flags = flags;
        self
    }

    /// Makes the order an iceberg showing `display_qty` at a time.
    pub fn with_display(mut self, display_qty: Qty) -> Self {
        self.display_qty = display_qty.0;
        self
    }

    /// A CANCEL of `order_id`.
    pub fn cancel(ts: Ts, participant: ParticipantId, order_id: OrderId) -> Self {
        OrderMsg {
            ts: ts.0,
            order_id: order_id.0,
            participant: participant.0,
            action: Action::Cancel as u8,
            ..Default::default()
        }
    }

    /// A REDUCE of `order_id` to `qty` open quantity.
    pub fn reduce(ts: Ts, participant: ParticipantId, order_id: OrderId, qty: Qty) -> Self {
        OrderMsg {
            qty: qty.0,
            action: Action::Reduce as u8,
            ..Self::cancel(ts, participant, order_id)
        }
    }

    /// A REPLACE of `order_id` with a new price and open quantity.
    pub fn replace(
        ts: Ts,
        participant: ParticipantId,
        order_id: OrderId,
        price: Price,
        qty: Qty,
    ) -> Self {
        OrderMsg {
            price: price.0,
            qty: qty.0,
            action: Action::Replace as u8,
            ..Self::cancel(ts, participant, order_id)
        }
    }

    /// A MASS_CANCEL of the participant's orders on `instrument` (or [`ALL_INSTRUMENTS`]).
    pub fn mass_cancel(ts: Ts, participant: ParticipantId, instrument: InstrumentId) -> Self {
        OrderMsg {
            ts: ts.0,
            instrument: instrument.0,
            participant: participant.0,
            action: Action::MassCancel as u8,
            ..Default::default()
        }
    }
}

/// One outcome. 80 bytes, `#[repr(C)]`; which fields each kind uses is in
/// `docs/SEMANTICS.md`. Unused fields are 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Event {
    /// Sequence number, strictly increasing from 1.
    pub seq: u64,
    /// The ts of the message that caused the event.
    pub ts: i64,
    /// The order (the taker, for a TRADE).
    pub order_id: u64,
    /// That order's client order id.
    pub client_order_id: u64,
    /// Price (see the per-kind table).
    pub price: i64,
    /// Quantity (see the per-kind table).
    pub qty: i64,
    /// The order's open quantity after the event.
    pub leaves: i64,
    /// TRADE: the resting order.
    pub maker_order_id: u64,
    /// Instrument.
    pub instrument: u32,
    /// The order's owner (the taker's, for a TRADE).
    pub participant: u32,
    /// TRADE: the resting order's owner.
    pub maker_participant: u32,
    /// [`EventKind`] code.
    pub kind: u8,
    /// [`Side`] code; for a TRADE, the aggressor's side.
    pub side: u8,
    /// [`Reason`] code.
    pub reason: u8,
    /// Always 0.
    pub _pad: u8,
}

impl Event {
    /// The event kind.
    #[inline]
    pub fn kind(&self) -> EventKind {
        EventKind::from_u8(self.kind).expect("engine writes only valid kinds")
    }

    /// The reason code.
    #[inline]
    pub fn reason(&self) -> Reason {
        Reason::from_u8(self.reason).expect("engine writes only valid reasons")
    }
}

const _: () = {
    assert!(core::mem::size_of::<OrderMsg>() == 64);
    assert!(core::mem::size_of::<Event>() == 80);
    assert!(core::mem::align_of::<Event>() == 8);
    assert!(core::mem::offset_of!(OrderMsg, instrument) == 48);
    assert!(core::mem::offset_of!(OrderMsg, action) == 56);
    assert!(core::mem::offset_of!(Event, maker_order_id) == 56);
    assert!(core::mem::offset_of!(Event, instrument) == 64);
    assert!(core::mem::offset_of!(Event, kind) == 76);
};

/// Field name, byte offset and numpy type code of every [`OrderMsg`] field, in order.
/// The Python package checks its `ORDER_DTYPE` against this.
pub const ORDER_MSG_LAYOUT: &[(&str, usize, &str)] = &[
    ("ts", core::mem::offset_of!(OrderMsg, ts), "<i8"),
    ("order_id", core::mem::offset_of!(OrderMsg, order_id), "<u8"),
    (
        "client_order_id",
        core::mem::offset_of!(OrderMsg, client_order_id),
        "<u8",
    ),
    ("price", core::mem::offset_of!(OrderMsg, price), "<i8"),
    ("qty", core::mem::offset_of!(OrderMsg, qty), "<i8"),
    (
        "display_qty",
        core::mem::offset_of!(OrderMsg, display_qty),
        "<i8",
    ),
    (
        "instrument",
        core::mem::offset_of!(OrderMsg, instrument),
        "<u4",
    ),
    (
        "participant",
        core::mem::offset_of!(OrderMsg, participant),
        "<u4",
    ),
    ("action", core::mem::offset_of!(OrderMsg, action), "u1"),
    ("side", core::mem::offset_of!(OrderMsg, side), "u1"),
    (
        "order_type",
        core::mem::offset_of!(OrderMsg, order_type),
        "u1",
    ),
    ("tif", core::mem::offset_of!(OrderMsg, tif), "u1"),
    ("flags", core::mem::offset_of!(OrderMsg, flags), "u1"),
];

/// Field name, byte offset and numpy type code of every [`Event`] field, in order.
pub const EVENT_LAYOUT: &[(&str, usize, &str)] = &[
    ("seq", core::mem::offset_of!(Event, seq), "<u8"),
    ("ts", core::mem::offset_of!(Event, ts), "<i8"),
    ("order_id", core::mem::offset_of!(Event, order_id), "<u8"),
    (
        "client_order_id",
        core::mem::offset_of!(Event, client_order_id),
        "<u8",
    ),
    ("price", core::mem::offset_of!(Event, price), "<i8"),
    ("qty", core::mem::offset_of!(Event, qty), "<i8"),
    ("leaves", core::mem::offset_of!(Event, leaves), "<i8"),
    (
        "maker_order_id",
        core::mem::offset_of!(Event, maker_order_id),
        "<u8",
    ),
    (
        "instrument",
        core::mem::offset_of!(Event, instrument),
        "<u4",
    ),
    (
        "participant",
        core::mem::offset_of!(Event, participant),
        "<u4",
    ),
    (
        "maker_participant",
        core::mem::offset_of!(Event, maker_participant),
        "<u4",
    ),
    ("kind", core::mem::offset_of!(Event, kind), "u1"),
    ("side", core::mem::offset_of!(Event, side), "u1"),
    ("reason", core::mem::offset_of!(Event, reason), "u1"),
];
