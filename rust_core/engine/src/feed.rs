//! The market-by-order feed: applying another venue's order events to a book **without
//! matching**, for replaying historical order flow (LOBSTER, ITCH, Bitstamp) and for using it
//! as background liquidity in a simulation.
//!
//! A historical event says what happened to a resting order; it is applied as it is, never
//! re-matched. Feed orders are ordinary resting orders (GTC, fully displayed, no flags) of a
//! participant the caller picks, with the other venue's order id as client order id, so agent
//! orders trade against them exactly as against any other resting order. A client order id
//! with the top bit set ([`ANONYMOUS`]) marks a level's *anonymous* liquidity: volume the
//! feed never introduced order by order (orders placed before the capture began, or while the
//! level was out of view), set by [`Engine::feed_set_level`] and consumed by
//! [`Engine::feed_take_anonymous`]. Its client order id is `ANONYMOUS | its order id`, unique
//! like any other.
//!
//! Events: book-level events as for any order (BOOK_ADD, BOOK_MODIFY, BOOK_DELETE) and, for
//! an execution, a TRADE with the resting order as maker and no taker (order id, client order
//! id and participant 0; `side` is the aggressor's, the opposite of the maker's). A trade
//! that touches no displayed order (a hidden or cross trade) is a TRADE with neither maker
//! nor taker. No ACCEPTED, CANCELLED or REPLACED events: those are addressed to an order's
//! owner, and a feed order has none here. The exact rules are in `docs/SEMANTICS.md`,
//! section "Feed".
//!
//! Feed calls do not check the trading state (the feed is the record of what the other venue
//! did) and do not check crossing: applying a feed that crosses the book leaves it crossed
//! until the feed uncrosses it.
//!
//! ```
//! use venue_engine::*;
//!
//! let mut eng = Engine::new();
//! let x = eng.add_instrument(InstrumentSpec::default()).unwrap();
//! let hist = ParticipantId(9);
//! // A historical sell order of 100 at 2238100, then 30 of it executed.
//! let id = eng
//!     .feed_add(Ts(1), x, Side::Sell, Price(2_238_100), Qty(100), hist, ClientOrderId(11_885_113))
//!     .unwrap();
//! assert_eq!(eng.feed_execute(Ts(2), id, Qty(30), Price(2_238_100)).unwrap(), Qty(30));
//! assert_eq!(eng.bbo(x).unwrap().ask, Some((Price(2_238_100), Qty(70))));
//! // An agent's buy takes historical liquidity like any other.
//! eng.process(&OrderMsg::limit(Ts(3), ParticipantId(1), x, ClientOrderId(1), Side::Buy,
//!     Price(2_238_100), Qty(20)));
//! assert_eq!(eng.order(id).unwrap().leaves, Qty(50));
//! ```

use crate::book::Book;
use crate::engine::Engine;
use crate::events::Event;
use crate::index::ClientKey;
use crate::order::Node;
use crate::sink::EventSink;
use crate::types::*;

/// The client order id bit that marks anonymous liquidity (see the module docs). The other
/// venue's order ids used as client order ids must be below it.
pub const ANONYMOUS: u64 = 1 << 63;

/// A misuse of the feed API: the caller's data is inconsistent with the book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedError {
    /// No instrument has this id.
    UnknownInstrument(InstrumentId),
    /// No live order has this id.
    UnknownOrder(OrderId),
    /// A price that is not `> 0` or not a multiple of the instrument's tick size.
    InvalidPrice(Price),
    /// A quantity that is not `> 0` (`>= 0` for a level's size) or not a multiple of the
    /// instrument's lot size.
    InvalidQty(Qty),
}

impl core::fmt::Display for FeedError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FeedError::UnknownInstrument(i) => write!(f, "unknown instrument {i}"),
            FeedError::UnknownOrder(o) => write!(f, "no live order {o}"),
            FeedError::InvalidPrice(p) => {
                write!(
                    f,
                    "price {p} is not positive or not a multiple of the tick size"
                )
            }
            FeedError::InvalidQty(q) => {
                write!(
                    f,
                    "quantity {q} is not positive or not a multiple of the lot size"
                )
            }
        }
    }
}

impl std::error::Error for FeedError {}

/// Numbers and appends one event (as the sink does for the engine's own events).
#[inline]
fn push(sink: &mut EventSink, mut e: Event) {
    e.seq = sink.next_seq;
    sink.next_seq += 1;
    sink.events.push(e);
}

/// A TRADE with no taker: `maker` (if any) is the resting order after the fill.
#[allow(clippy::too_many_arguments)]
#[inline]
fn trade(
    sink: &mut EventSink,
    ts: i64,
    instrument: u32,
    aggressor: Side,
    price: i64,
    qty: i64,
    maker_order_id: u64,
    maker_participant: u32,
) {
    push(
        sink,
        Event {
            seq: 0,
            ts,
            order_id: 0,
            client_order_id: 0,
            price,
            qty,
            leaves: 0,
            maker_order_id,
            instrument,
            participant: 0,
            maker_participant,
            kind: EventKind::Trade as u8,
            side: aggressor as u8,
            reason: 0,
            _pad: 0,
        },
    );
}

/// The book of `instrument`, once `price` is checked against it.
fn feed_book(
    books: &mut [Book],
    instrument: InstrumentId,
    price: Price,
) -> Result<&mut Book, FeedError> {
    let book = books
        .get_mut(instrument.0 as usize)
        .ok_or(FeedError::UnknownInstrument(instrument))?;
    if price.0 <= 0 || price.0 % book.spec.tick_size.0 != 0 {
        return Err(FeedError::InvalidPrice(price));
    }
    Ok(book)
}

impl Engine {
    /// The live order of `participant` with this client order id, if any: how a feed finds
    /// an order by the other venue's id (one lookup in the engine's own client order id
    /// index, no map of its own). Anonymous liquidity has unique client order ids too.
    pub fn order_by_client_id(
        &self,
        participant: ParticipantId,
        client_order_id: ClientOrderId,
    ) -> Option<OrderId> {
        let key = ClientKey {
            client_order_id: client_order_id.0,
            participant: participant.0,
        };
        let pool = &self.core.pool;
        self.core
            .clients
            .find(key.tag(), |s| {
                let n = pool.get(s);
                n.client_order_id == client_order_id.0 && n.participant == participant.0
            })
            .map(|s| OrderId(pool.get(s).order_id))
    }

    /// Adds a resting order at the back of its price level, without matching: BOOK_ADD.
    ///
    /// The order is GTC and fully displayed; `client_order_id` is the other venue's id for
    /// it (below [`ANONYMOUS`]; any value is accepted). Returns the engine's id for it.
    /// Errors: unknown instrument, a price not `> 0` or off tick, a quantity not `> 0` or
    /// off lot. Neither the trading state nor crossing is checked.
    #[allow(clippy::too_many_arguments)]
    pub fn feed_add(
        &mut self,
        ts: Ts,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        qty: Qty,
        participant: ParticipantId,
        client_order_id: ClientOrderId,
    ) -> Result<OrderId, FeedError> {
        let book = feed_book(&mut self.books, instrument, price)?;
        if qty.0 <= 0 || qty.0 % book.spec.lot_size.0 != 0 {
            return Err(FeedError::InvalidQty(qty));
        }
        let core = &mut self.core;
        let id = core.next_order_id;
        core.next_order_id += 1;
        core.ids.push(id);
        let tag = ClientKey {
            client_order_id: client_order_id.0,
            participant: participant.0,
        }
        .tag();
        let slot = core.pool.alloc(Node::new(
            id,
            client_order_id.0,
            participant.0,
            instrument.0,
            side,
            Tif::Gtc,
            0,
            price.0,
            qty.0,
            0,
        ));
        core.rest(book.side_mut(side), slot, Some(tag), ts.0);
        Ok(OrderId(id))
    }

    /// Takes `qty` (or all it has, if less) off a live order, keeping its place in the queue:
    /// BOOK_MODIFY, or BOOK_DELETE when nothing is left (the order is then gone). If
    /// `execution`, a TRADE at `price` comes first, with the order as maker and no taker.
    /// Returns the quantity taken.
    fn feed_take(
        &mut self,
        ts: Ts,
        order_id: OrderId,
        qty: Qty,
        execution: Option<Price>,
    ) -> Result<Qty, FeedError> {
        let slot = self
            .core
            .ids
            .get(order_id.0)
            .ok_or(FeedError::UnknownOrder(order_id))?;
        if qty.0 <= 0 {
            return Err(FeedError::InvalidQty(qty));
        }
        let n = *self.core.pool.get(slot);
        let side = self.books[n.instrument() as usize].side_mut(n.side());
        let idx = side
            .index_of(n.price)
            .expect("a resting order's price level exists");
        let take = qty.0.min(n.leaves);
        let core = &mut self.core;
        {
            let node = core.pool.get_mut(slot);
            node.leaves -= take;
            let shown = node.displayed.min(node.leaves);
            side.levels[idx].displayed -= (node.displayed - shown) as i128;
            node.displayed = shown;
        }
        if let Some(price) = execution {
            let n = core.pool.get(slot);
            let aggressor = n.side().opposite();
            trade(
                &mut core.sink,
                ts.0,
                n.instrument(),
                aggressor,
                price.0,
                take,
                n.order_id,
                n.participant,
            );
        }
        if core.pool.get(slot).leaves == 0 {
            core.sink
                .book(EventKind::BookDelete, ts.0, core.pool.get(slot));
            side.unlink(&mut core.pool, idx, slot);
            core.retire(slot);
        } else {
            core.sink
                .book(EventKind::BookModify, ts.0, core.pool.get(slot));
        }
        Ok(Qty(take))
    }

    /// Reduces a live order by `qty` (a partial cancel), keeping its queue position:
    /// BOOK_MODIFY, or BOOK_DELETE if `qty` covers all it has left. Returns the quantity
    /// removed (at most its leaves). Errors: no such live order, `qty <= 0`.
    pub fn feed_reduce(&mut self, ts: Ts, order_id: OrderId, qty: Qty) -> Result<Qty, FeedError> {
        self.feed_take(ts, order_id, qty, None)
    }

    /// Removes a live order whatever it has left: BOOK_DELETE. Returns the quantity removed.
    /// Errors: no such live order.
    pub fn feed_delete(&mut self, ts: Ts, order_id: OrderId) -> Result<Qty, FeedError> {
        let leaves = self
            .order(order_id)
            .ok_or(FeedError::UnknownOrder(order_id))?
            .leaves;
        self.feed_take(ts, order_id, leaves, None)
    }

    /// Executes `qty` of a live order (or all it has, if less) at `price` (normally the
    /// order's own price; an execution report may carry another): TRADE with the order as
    /// maker and no taker, then BOOK_MODIFY or BOOK_DELETE. Returns the quantity executed.
    /// Errors: no such live order, `qty <= 0`.
    pub fn feed_execute(
        &mut self,
        ts: Ts,
        order_id: OrderId,
        qty: Qty,
        price: Price,
    ) -> Result<Qty, FeedError> {
        self.feed_take(ts, order_id, qty, Some(price))
    }

    /// Records a trade that touches no displayed order (a hidden or cross trade): TRADE with
    /// neither maker nor taker, `side` = the aggressor's side. The book is unchanged.
    /// Errors: unknown instrument, a price not `> 0`, `qty <= 0`.
    pub fn feed_trade(
        &mut self,
        ts: Ts,
        instrument: InstrumentId,
        aggressor: Side,
        price: Price,
        qty: Qty,
    ) -> Result<(), FeedError> {
        if (instrument.0 as usize) >= self.books.len() {
            return Err(FeedError::UnknownInstrument(instrument));
        }
        if price.0 <= 0 {
            return Err(FeedError::InvalidPrice(price));
        }
        if qty.0 <= 0 {
            return Err(FeedError::InvalidQty(qty));
        }
        trade(
            &mut self.core.sink,
            ts.0,
            instrument.0,
            aggressor,
            price.0,
            qty.0,
            0,
            0,
        );
        Ok(())
    }

    /// Sets a level from a snapshot, as a feed handler does when what it knew of the level is
    /// stale: every order at `price` on `side` is removed (BOOK_DELETE each, in queue order,
    /// whoever owns it), then, if `qty > 0`, one anonymous order of `participant` (client
    /// order id `ANONYMOUS | its order id`) holds all of `qty` (BOOK_ADD). `qty == 0` removes
    /// the level.
    /// Errors: unknown instrument, bad price, `qty < 0` or off lot.
    pub fn feed_set_level(
        &mut self,
        ts: Ts,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        qty: Qty,
        participant: ParticipantId,
    ) -> Result<(), FeedError> {
        let book = feed_book(&mut self.books, instrument, price)?;
        if qty.0 < 0 || qty.0 % book.spec.lot_size.0 != 0 {
            return Err(FeedError::InvalidQty(qty));
        }
        let s = book.side_mut(side);
        let core = &mut self.core;
        while let Some(idx) = s.index_of(price.0) {
            let slot = s.levels[idx].head;
            core.sink
                .book(EventKind::BookDelete, ts.0, core.pool.get(slot));
            s.unlink(&mut core.pool, idx, slot);
            core.retire(slot);
        }
        if qty.0 > 0 {
            let coid = ClientOrderId(ANONYMOUS | self.core.next_order_id);
            self.feed_add(ts, instrument, side, price, qty, participant, coid)?;
        }
        Ok(())
    }

    /// Takes up to `qty` from the anonymous liquidity of `participant` at a level (its
    /// orders whose client order id has the [`ANONYMOUS`] bit, front first), as a reduction or, if `execution`, as an
    /// execution at `price` (see [`Engine::feed_reduce`] and [`Engine::feed_execute`]).
    /// Returns the quantity taken: 0 when the level has no anonymous liquidity.
    /// Errors: unknown instrument, bad price, `qty <= 0`.
    #[allow(clippy::too_many_arguments)]
    pub fn feed_take_anonymous(
        &mut self,
        ts: Ts,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        qty: Qty,
        participant: ParticipantId,
        execution: bool,
    ) -> Result<Qty, FeedError> {
        feed_book(&mut self.books, instrument, price)?;
        if qty.0 <= 0 {
            return Err(FeedError::InvalidQty(qty));
        }
        let mut taken = 0;
        while taken < qty.0 {
            let s = self.books[instrument.0 as usize].side(side);
            let Some(idx) = s.index_of(price.0) else {
                break;
            };
            let mut slot = s.levels[idx].head;
            let mut anon = None;
            while slot != crate::order::NIL {
                let n = self.core.pool.get(slot);
                if n.client_order_id & ANONYMOUS != 0 && n.participant == participant.0 {
                    anon = Some(OrderId(n.order_id));
                    break;
                }
                slot = n.next;
            }
            let Some(id) = anon else {
                break;
            };
            taken += self
                .feed_take(ts, id, Qty(qty.0 - taken), execution.then_some(price))?
                .0;
        }
        Ok(Qty(taken))
    }
}
