//! The facade: many instruments, sequence numbers, the event buffer, queries, state hash.
//! API CONTRACT STUB: the signatures below are fixed; bodies are to be implemented.

use crate::events::{Event, OrderMsg};
use crate::instrument::InstrumentSpec;
use crate::types::*;

/// A misuse of the engine's API (not an order problem: those are REJECTED events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// An instrument specification is not valid; the text says which field and why.
    InvalidInstrument(String),
    /// No instrument has this id.
    UnknownInstrument(InstrumentId),
}

impl core::fmt::Display for EngineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EngineError::InvalidInstrument(why) => write!(f, "invalid instrument: {why}"),
            EngineError::UnknownInstrument(id) => write!(f, "unknown instrument {id}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// Best bid and offer of one instrument: `(price, displayed qty)` of each side's best level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bbo {
    /// Best bid, if any.
    pub bid: Option<(Price, Qty)>,
    /// Best ask, if any.
    pub ask: Option<(Price, Qty)>,
}

/// One L2 level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelView {
    /// Level price.
    pub price: Price,
    /// Sum of displayed quantity.
    pub qty: Qty,
    /// Number of orders.
    pub orders: u32,
}

/// A live order as the queries show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderView {
    /// Engine order id.
    pub order_id: OrderId,
    /// Instrument.
    pub instrument: InstrumentId,
    /// Owner.
    pub participant: ParticipantId,
    /// Owner's id.
    pub client_order_id: ClientOrderId,
    /// Side.
    pub side: Side,
    /// Limit price.
    pub price: Price,
    /// Open quantity, hidden reserve included.
    pub leaves: Qty,
    /// Visible quantity.
    pub displayed: Qty,
    /// Iceberg slice size, 0 if fully displayed.
    pub display_qty: Qty,
    /// Time in force (GTC or DAY for a resting order).
    pub tif: Tif,
    /// Flag bits.
    pub flags: u8,
}

/// The matching engine.
#[derive(Debug)]
pub struct Engine {}

impl Engine {
    /// An empty engine.
    pub fn new() -> Self {
        todo!()
    }

    /// An empty engine with room for `orders` live orders and `events` buffered events
    /// before it allocates.
    pub fn with_capacity(orders: usize, events: usize) -> Self {
        let _ = (orders, events);
        todo!()
    }

    /// Adds an instrument; ids are 0, 1, 2, ...
    pub fn add_instrument(&mut self, spec: InstrumentSpec) -> Result<InstrumentId, EngineError> {
        let _ = spec;
        todo!()
    }

    /// Number of instruments.
    pub fn instrument_count(&self) -> usize {
        todo!()
    }

    /// An instrument's specification.
    pub fn instrument(&self, id: InstrumentId) -> Option<&InstrumentSpec> {
        let _ = id;
        todo!()
    }

    /// Sets a participant's self-trade prevention mode.
    pub fn set_stp_mode(&mut self, participant: ParticipantId, mode: StpMode) {
        let _ = (participant, mode);
        todo!()
    }

    /// Halts or reopens an instrument.
    pub fn set_trading_state(
        &mut self,
        instrument: InstrumentId,
        state: TradingState,
    ) -> Result<(), EngineError> {
        let _ = (instrument, state);
        todo!()
    }

    /// An instrument's trading state.
    pub fn trading_state(&self, instrument: InstrumentId) -> Option<TradingState> {
        let _ = instrument;
        todo!()
    }

    /// Processes one message; its events are appended to the event buffer. Returns the
    /// order id of an accepted NEW order, else `OrderId(0)`.
    pub fn process(&mut self, msg: &OrderMsg) -> OrderId {
        let _ = msg;
        todo!()
    }

    /// Processes messages in order (as `process` on each).
    pub fn process_batch(&mut self, msgs: &[OrderMsg]) {
        let _ = msgs;
        todo!()
    }

    /// Cancels every live DAY order (of one instrument, or all) with reason EXPIRED.
    pub fn expire_day_orders(&mut self, ts: Ts, instrument: InstrumentId) {
        let _ = (ts, instrument);
        todo!()
    }

    /// The events buffered since the last [`Engine::clear_events`].
    pub fn events(&self) -> &[Event] {
        todo!()
    }

    /// Empties the event buffer (its capacity is kept).
    pub fn clear_events(&mut self) {
        todo!()
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> Seq {
        todo!()
    }

    /// The order id the next accepted order will get.
    pub fn next_order_id(&self) -> OrderId {
        todo!()
    }

    /// Best bid and offer.
    pub fn bbo(&self, instrument: InstrumentId) -> Option<Bbo> {
        let _ = instrument;
        todo!()
    }

    /// Up to `n` levels of one side, best first, appended to `out` (cleared first).
    pub fn depth(&self, instrument: InstrumentId, side: Side, n: usize, out: &mut Vec<LevelView>) {
        let _ = (instrument, side, n, out);
        todo!()
    }

    /// The orders of one level in priority order, appended to `out` (cleared first).
    pub fn queue(
        &self,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        out: &mut Vec<OrderView>,
    ) {
        let _ = (instrument, side, price, out);
        todo!()
    }

    /// A live order.
    pub fn order(&self, order_id: OrderId) -> Option<OrderView> {
        let _ = order_id;
        todo!()
    }

    /// Number of live orders in all books.
    pub fn live_orders(&self) -> usize {
        todo!()
    }

    /// The deterministic state hash (FNV-1a 64 over the canonical state; see SEMANTICS.md).
    pub fn state_hash(&self) -> u64 {
        todo!()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}
