//! The facade: many instruments, sequence numbers, the event buffer, message dispatch
//! (NEW, CANCEL, REDUCE, REPLACE, MASS_CANCEL), administrative calls, queries and the state
//! hash. Matching itself is in `matching.rs`, the books in `book.rs`, validation in
//! `validate.rs`.
//!
//! # Journaling seam
//! Every state change comes from [`Engine::process`] (an [`OrderMsg`]) or from an
//! administrative call ([`Engine::add_instrument`], [`Engine::set_stp_mode`],
//! [`Engine::set_trading_state`], [`Engine::expire_day_orders`]); the engine reads no clock
//! and no randomness. A journal of those calls, replayed in order into a fresh engine,
//! reproduces the same events and the same [`Engine::state_hash`]. A journaling wrapper
//! records them before calling in; nothing inside needs to change.

use crate::book::Book;
use crate::events::{Event, OrderMsg};
use crate::hash;
use crate::index::{ClientIndex, ClientKey, FastMap, OrderIndex};
use crate::instrument::InstrumentSpec;
use crate::matching::{fok_fillable, Taker};
use crate::order::{Node, OrderPool, MAX_INSTRUMENTS, NIL};
use crate::risk::Risk;
use crate::sink::{EventSink, Who};
use crate::types::*;
use crate::validate;

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

/// The matching engine: many instruments, one sequence of events.
///
/// Feed it [`OrderMsg`]s with [`Engine::process`] (or [`Engine::process_batch`]); every
/// outcome, rejections included, is an [`Event`] appended to an internal buffer that
/// [`Engine::events`] shows and [`Engine::clear_events`] empties. The semantics are exactly
/// those of `docs/SEMANTICS.md`.
///
/// Design (all in std, no allocation per message in steady state):
/// - orders live in a slab of 64-byte, cache-line-aligned nodes addressed by `u32` slots;
///   each price level is an intrusive doubly-linked FIFO list through the slab, so a cancel
///   is O(1) once the level is found;
/// - each side is a `Vec` of levels sorted with the best level at the end, keyed by price in
///   ticks: a price `d` ticks behind the touch is found by one probe in a dense book, else
///   by a binary search over the stretch between that probe and the touch;
/// - order id -> slot is a direct-indexed `Vec<u32>` (ids are sequential; 4 bytes per order
///   ever accepted, see `index.rs` for the measured trade-off against a hash map);
///   (participant, client order id) -> slot is an open-addressing table of 8-byte entries;
/// - [`Engine::process_batch`] prefetches what the next messages will touch.
///
/// Sizes: `with_capacity(orders, events)` sizes the slab, the client-id table and the
/// event buffer; beyond them they grow by doubling (amortised), as does the order-id index.
///
/// ```
/// use venue_engine::*;
///
/// let mut eng = Engine::with_capacity(1024, 4096);
/// let xyz = eng
///     .add_instrument(InstrumentSpec { tick_size: Price(5), ..InstrumentSpec::default() })
///     .unwrap();
/// let (alice, bob) = (ParticipantId(1), ParticipantId(2));
/// // Alice rests an iceberg: 30 to sell at 100, showing 10 at a time.
/// let ask = OrderMsg::limit(Ts(1), alice, xyz, ClientOrderId(7), Side::Sell, Price(100), Qty(30))
///     .with_display(Qty(10));
/// let id = eng.process(&ask);
/// assert_eq!(id, OrderId(1));
/// assert_eq!(eng.bbo(xyz).unwrap().ask, Some((Price(100), Qty(10))));
///
/// // Bob buys 15 at market: two fills, the iceberg refreshes in between.
/// eng.clear_events();
/// eng.process(&OrderMsg::market(Ts(2), bob, xyz, ClientOrderId(1), Side::Buy, Qty(15)));
/// let kinds: Vec<EventKind> = eng.events().iter().map(|e| e.kind()).collect();
/// use EventKind::*;
/// assert_eq!(kinds, [Accepted, Trade, BookDelete, BookAdd, Trade, BookModify]);
/// assert_eq!(eng.order(id).unwrap().leaves, Qty(15));
///
/// // A bad price is an event with a reason, not an error.
/// eng.clear_events();
/// eng.process(&OrderMsg::limit(Ts(3), bob, xyz, ClientOrderId(2), Side::Buy, Price(99), Qty(1)));
/// assert_eq!(eng.events()[0].reason(), Reason::OffTick);
/// ```
#[derive(Debug)]
pub struct Engine {
    pub(crate) books: Vec<Book>,
    pub(crate) core: Core,
    /// Risk controls and venue protections; off (one branch per message) until configured.
    pub(crate) risk: Risk,
}

/// Everything but the books, so that matching can borrow one book and this at once.
#[derive(Debug)]
pub(crate) struct Core {
    /// Every live order.
    pub pool: OrderPool,
    /// Order id -> slot.
    pub ids: OrderIndex,
    /// (participant, client order id) -> slot of the live order.
    pub clients: ClientIndex,
    /// Participants whose STP mode is not NONE.
    pub stp: FastMap<u32, StpMode>,
    /// The event buffer and sequence counter.
    pub sink: EventSink,
    /// The id the next accepted order gets.
    pub next_order_id: u64,
    /// Reused buffer of (order id, slot) for mass cancel and expiry.
    pub scratch: Vec<(u64, u32)>,
}

/// The most orders or events `Engine::with_capacity` allocates room for up front.
const MAX_PREALLOC: usize = 1 << 24;

/// Orders and events `Engine::new` makes room for.
const DEFAULT_ORDERS: usize = 1 << 12;
const DEFAULT_EVENTS: usize = 1 << 14;

/// The level of a resting order's price on its side; resting orders always have one.
const LEVEL_EXISTS: &str = "a resting order's price level exists";

impl Engine {
    /// An empty engine.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_ORDERS, DEFAULT_EVENTS)
    }

    /// An empty engine with room for `orders` live orders and `events` buffered events
    /// before it allocates.
    ///
    /// The sizes are hints: each is capped at 2^24 (16.7 million; about 1 GB of order nodes
    /// and 1.3 GB of events), so that an absurd request cannot exhaust memory up front. The
    /// engine still grows past them when it must.
    pub fn with_capacity(orders: usize, events: usize) -> Self {
        let orders = orders.min(MAX_PREALLOC);
        let events = events.min(MAX_PREALLOC);
        Engine {
            books: Vec::new(),
            core: Core {
                pool: OrderPool::with_capacity(orders),
                ids: OrderIndex::with_capacity(orders),
                clients: ClientIndex::with_capacity(orders),
                stp: FastMap::default(),
                sink: EventSink::with_capacity(events),
                next_order_id: 1,
                scratch: Vec::new(),
            },
            risk: Risk::default(),
        }
    }

    /// Adds an instrument; ids are 0, 1, 2, ...
    ///
    /// Every field must be `> 0`, `min_qty <= max_qty`, and `min_qty` and `max_qty`
    /// multiples of `lot_size`; otherwise [`EngineError::InvalidInstrument`] names the field.
    pub fn add_instrument(&mut self, spec: InstrumentSpec) -> Result<InstrumentId, EngineError> {
        validate::check_spec(&spec)?;
        if self.books.len() >= MAX_INSTRUMENTS {
            return Err(EngineError::InvalidInstrument(format!(
                "too many instruments: at most {MAX_INSTRUMENTS}"
            )));
        }
        let id = InstrumentId(self.books.len() as u32);
        self.books.push(Book::new(spec));
        Ok(id)
    }

    /// Number of instruments.
    pub fn instrument_count(&self) -> usize {
        self.books.len()
    }

    /// An instrument's specification.
    pub fn instrument(&self, id: InstrumentId) -> Option<&InstrumentSpec> {
        self.books.get(id.0 as usize).map(|b| &b.spec)
    }

    /// Sets a participant's self-trade prevention mode.
    pub fn set_stp_mode(&mut self, participant: ParticipantId, mode: StpMode) {
        if mode == StpMode::None {
            self.core.stp.remove(&participant.0);
        } else {
            self.core.stp.insert(participant.0, mode);
        }
    }

    /// A participant's self-trade prevention mode (NONE unless set).
    pub fn stp_mode(&self, participant: ParticipantId) -> StpMode {
        self.core.stp_mode(participant.0)
    }

    /// Halts or reopens an instrument.
    pub fn set_trading_state(
        &mut self,
        instrument: InstrumentId,
        state: TradingState,
    ) -> Result<(), EngineError> {
        let book = self
            .books
            .get_mut(instrument.0 as usize)
            .ok_or(EngineError::UnknownInstrument(instrument))?;
        book.state = state;
        if self.risk.on {
            self.risk.clear_timers(instrument.0);
        }
        Ok(())
    }

    /// An instrument's trading state.
    pub fn trading_state(&self, instrument: InstrumentId) -> Option<TradingState> {
        self.books.get(instrument.0 as usize).map(|b| b.state)
    }

    /// Processes one message; its events are appended to the event buffer. Returns the
    /// order id of an accepted NEW order, else `OrderId(0)`.
    ///
    /// Every byte pattern is valid input: what cannot be accepted is a REJECTED event.
    #[inline]
    pub fn process(&mut self, msg: &OrderMsg) -> OrderId {
        if self.risk.on {
            return self.process_with_risk(msg);
        }
        self.dispatch(msg)
    }

    /// The message handlers, without the risk bookkeeping around them.
    #[inline(always)]
    pub(crate) fn dispatch(&mut self, msg: &OrderMsg) -> OrderId {
        match Action::from_u8(msg.action) {
            Some(Action::New) => return OrderId(self.on_new(msg)),
            Some(Action::Cancel) => self.on_cancel(msg),
            Some(Action::Reduce) => self.on_reduce(msg),
            Some(Action::Replace) => self.on_replace(msg),
            Some(Action::MassCancel) => self.on_mass_cancel(msg),
            None => self.core.sink.reject(msg, Reason::InvalidAction),
        }
        OrderId(0)
    }

    /// Processes messages in order (as `process` on each).
    ///
    /// While one message is processed, what the next ones will read is prefetched in three
    /// stages: the order-id index entry three messages ahead; two ahead, the target order
    /// of a CANCEL, REDUCE or REPLACE (or the client-order-id bucket of a NEW); one ahead,
    /// that order's queue neighbours, which unlinking it rewrites, and its client-order-id
    /// bucket, which removing it rewrites. Results are identical to calling `process` on
    /// each message.
    pub fn process_batch(&mut self, msgs: &[OrderMsg]) {
        for (i, m) in msgs.iter().enumerate() {
            if let Some(m3) = msgs.get(i + 3) {
                if m3.action != Action::New as u8 {
                    self.core.ids.prefetch(m3.order_id);
                }
            }
            if let Some(m2) = msgs.get(i + 2) {
                self.prefetch_target(m2);
            }
            if let Some(m1) = msgs.get(i + 1) {
                if m1.action != Action::New as u8 {
                    if let Some(slot) = self.core.ids.get(m1.order_id) {
                        let n = self.core.pool.get(slot);
                        self.core.pool.prefetch(n.prev);
                        self.core.pool.prefetch(n.next);
                        let key = ClientKey {
                            client_order_id: n.client_order_id,
                            participant: n.participant,
                        };
                        self.core.clients.prefetch(key.tag());
                    }
                }
            }
            self.process(m);
        }
    }

    /// Prefetches the order a message targets, or the client-order-id bucket of a NEW.
    #[inline(always)]
    fn prefetch_target(&self, m: &OrderMsg) {
        if m.action == Action::New as u8 {
            let tag = ClientKey {
                client_order_id: m.client_order_id,
                participant: m.participant,
            }
            .tag();
            self.core.clients.prefetch(tag);
        } else if let Some(slot) = self.core.ids.get(m.order_id) {
            self.core.pool.prefetch(slot);
        }
    }

    /// Cancels every live DAY order (of one instrument, or all) with reason EXPIRED.
    ///
    /// Orders go in increasing order id, each CANCELLED(EXPIRED) then BOOK_DELETE, with `ts`
    /// as their timestamp. An unknown instrument id (other than [`ALL_INSTRUMENTS`]) has no
    /// orders, so nothing happens.
    pub fn expire_day_orders(&mut self, ts: Ts, instrument: InstrumentId) {
        let all = instrument == ALL_INSTRUMENTS;
        self.cancel_where(ts.0, Reason::Expired, |n| {
            n.tif() == Tif::Day && (all || n.instrument() == instrument.0)
        });
    }

    /// The events buffered since the last [`Engine::clear_events`].
    pub fn events(&self) -> &[Event] {
        &self.core.sink.events
    }

    /// Empties the event buffer (its capacity is kept).
    pub fn clear_events(&mut self) {
        self.core.sink.events.clear();
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> Seq {
        Seq(self.core.sink.next_seq)
    }

    /// The order id the next accepted order will get.
    pub fn next_order_id(&self) -> OrderId {
        OrderId(self.core.next_order_id)
    }

    /// Best bid and offer.
    pub fn bbo(&self, instrument: InstrumentId) -> Option<Bbo> {
        let b = self.books.get(instrument.0 as usize)?;
        let top =
            |s: &crate::book::BookSide| s.best().map(|l| (Price(l.price), Qty(l.displayed_i64())));
        Some(Bbo {
            bid: top(&b.bids),
            ask: top(&b.asks),
        })
    }

    /// Up to `n` levels of one side, best first, appended to `out` (cleared first).
    ///
    /// A level's displayed sum saturates at `i64::MAX`. An unknown instrument has no levels.
    pub fn depth(&self, instrument: InstrumentId, side: Side, n: usize, out: &mut Vec<LevelView>) {
        out.clear();
        let Some(b) = self.books.get(instrument.0 as usize) else {
            return;
        };
        out.extend(b.side(side).levels.iter().rev().take(n).map(|l| LevelView {
            price: Price(l.price),
            qty: Qty(l.displayed_i64()),
            orders: l.count,
        }));
    }

    /// The orders of one level in priority order, appended to `out` (cleared first).
    ///
    /// No such instrument or level: `out` is left empty.
    pub fn queue(
        &self,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        out: &mut Vec<OrderView>,
    ) {
        out.clear();
        let Some(b) = self.books.get(instrument.0 as usize) else {
            return;
        };
        if validate::check_price(price.0, &b.spec).is_err() {
            return; // no level can have an invalid price
        }
        let s = b.side(side);
        let Some(idx) = s.index_of(price.0) else {
            return;
        };
        let mut slot = s.levels[idx].head;
        while slot != NIL {
            let n = self.core.pool.get(slot);
            out.push(view(n));
            slot = n.next;
        }
    }

    /// A live order.
    pub fn order(&self, order_id: OrderId) -> Option<OrderView> {
        let slot = self.core.ids.get(order_id.0)?;
        Some(view(self.core.pool.get(slot)))
    }

    /// Number of live orders in all books.
    pub fn live_orders(&self) -> usize {
        self.core.pool.live()
    }

    /// The deterministic state hash (FNV-1a 64 over the canonical state; see SEMANTICS.md).
    pub fn state_hash(&self) -> u64 {
        let mut stp: Vec<(u32, StpMode)> = self.core.stp.iter().map(|(&p, &m)| (p, m)).collect();
        stp.sort_unstable();
        hash::state_hash(
            self.core.sink.next_seq,
            self.core.next_order_id,
            &self.books,
            &self.core.pool,
            &stp,
        )
    }

    /// Checks the engine's internal invariants and describes the first violation: levels
    /// strictly ordered and never empty, the book never crossed at rest, FIFO links
    /// consistent, level sums and counts exact, `0 < displayed <= leaves` (an iceberg shows
    /// at most its slice, a plain order all of its leaves), both indexes in step with the
    /// books. Cost O(live orders); meant for tests and debugging.
    pub fn check_invariants(&self) -> Result<(), String> {
        let pool = &self.core.pool;
        let mut seen = 0usize;
        for (ii, b) in self.books.iter().enumerate() {
            for s in [&b.bids, &b.asks] {
                let mut prev_key = None;
                for l in &s.levels {
                    let at = format!("instrument {ii} {:?} level {}", s.side, l.price);
                    if prev_key.is_some_and(|k| k >= l.key) {
                        return Err(format!("{at}: levels not strictly ordered"));
                    }
                    prev_key = Some(l.key);
                    if l.key != s.key(l.price) {
                        return Err(format!("{at}: key {} does not match the price", l.key));
                    }
                    if l.count == 0 || l.head == NIL || l.tail == NIL {
                        return Err(format!("{at}: empty level"));
                    }
                    let (mut count, mut shown, mut prev) = (0u32, 0i128, NIL);
                    let mut slot = l.head;
                    while slot != NIL {
                        let n = pool.get(slot);
                        let at = format!("{at} order {}", n.order_id);
                        if n.order_id == 0 || n.prev != prev {
                            return Err(format!("{at}: broken link"));
                        }
                        if n.price != l.price || n.side() != s.side || n.instrument() != ii as u32 {
                            return Err(format!("{at}: in the wrong level"));
                        }
                        if !(0 < n.displayed && n.displayed <= n.leaves) {
                            return Err(format!(
                                "{at}: displayed {} leaves {}",
                                n.displayed, n.leaves
                            ));
                        }
                        if n.display_qty == 0 && n.displayed != n.leaves
                            || n.display_qty > 0 && n.displayed > n.display_qty
                        {
                            return Err(format!("{at}: displayed {} out of slice", n.displayed));
                        }
                        if !matches!(n.tif(), Tif::Gtc | Tif::Day) {
                            return Err(format!("{at}: resting with {:?}", n.tif()));
                        }
                        if self.core.ids.get(n.order_id) != Some(slot) {
                            return Err(format!("{at}: order id index out of step"));
                        }
                        let key = ClientKey {
                            client_order_id: n.client_order_id,
                            participant: n.participant,
                        };
                        if self.core.clients.find(key.tag(), |s| s == slot) != Some(slot) {
                            return Err(format!("{at}: client order id index out of step"));
                        }
                        count += 1;
                        shown += n.displayed as i128;
                        prev = slot;
                        slot = n.next;
                    }
                    if prev != l.tail || count != l.count || shown != l.displayed {
                        return Err(format!(
                            "{at}: tail/count/sum out of step ({count} orders, {shown} shown)"
                        ));
                    }
                    seen += count as usize;
                }
            }
            if let (Some(bid), Some(ask)) = (b.bids.best(), b.asks.best()) {
                if bid.price >= ask.price {
                    return Err(format!(
                        "instrument {ii}: crossed at rest, bid {} ask {}",
                        bid.price, ask.price
                    ));
                }
            }
        }
        if seen != pool.live() || seen != self.core.clients.len() {
            return Err(format!(
                "{seen} orders in books, {} in the pool, {} client ids",
                pool.live(),
                self.core.clients.len()
            ));
        }
        Ok(())
    }

    // ---------------------------------------------------------------------------------
    // Message handlers
    // ---------------------------------------------------------------------------------

    /// NEW: checks in order, accept, FOK dry run, match, then cancel or rest the remainder.
    /// Returns the order id, or 0 if rejected.
    #[inline]
    fn on_new(&mut self, m: &OrderMsg) -> u64 {
        // Checks 1-8: message, instrument and trading state.
        let o = match validate::check_new(m, &self.books) {
            Ok(o) => o,
            Err(r) => {
                self.core.sink.reject(m, r);
                return 0;
            }
        };
        let core = &mut self.core;
        // 9. duplicate client order id among the participant's live orders.
        let tag = ClientKey {
            client_order_id: m.client_order_id,
            participant: m.participant,
        }
        .tag();
        let pool = &core.pool;
        let is_key = |s: u32| {
            let n = pool.get(s);
            n.client_order_id == m.client_order_id && n.participant == m.participant
        };
        if core.clients.find(tag, is_key).is_some() {
            core.sink.reject(m, Reason::DuplicateClientOrderId);
            return 0;
        }
        let book = &mut self.books[o.instrument as usize];
        // 10. post-only would take liquidity.
        if o.flags & FLAG_POST_ONLY != 0 && book.would_cross(o.side, o.price) {
            core.sink.reject(m, Reason::PostOnlyWouldCross);
            return 0;
        }
        // Pre-trade risk: after validation, before acceptance.
        let mut band = (i64::MIN, i64::MAX);
        if self.risk.on {
            let bid = book.bids.best().map(|l| l.price);
            let ask = book.asks.best().map(|l| l.price);
            let tick = book.spec.tick_size.0;
            if let Err(r) = self.risk.pre_trade(m, &o, tick, bid, ask) {
                core.sink.reject(m, r);
                return 0;
            }
            if let Some(b) = self.risk.band_of(o.instrument, tick) {
                band = b;
            }
        }

        let id = core.next_order_id;
        core.next_order_id += 1;
        core.ids.push(id);
        let who = Who {
            order_id: id,
            client_order_id: m.client_order_id,
            participant: m.participant,
            instrument: o.instrument,
            side: o.side,
        };
        let ts = m.ts;
        core.sink.order(
            EventKind::Accepted,
            ts,
            &who,
            o.price,
            o.qty,
            o.qty,
            Reason::None,
        );

        let market = o.order_type == OrderType::Market;
        let (own, opp) = match o.side {
            Side::Buy => (&mut book.bids, &mut book.asks),
            Side::Sell => (&mut book.asks, &mut book.bids),
        };
        let threshold = if market { i64::MIN } else { opp.key(o.price) };
        if o.tif == Tif::Fok {
            let mode = core.stp_mode(m.participant);
            if !fok_fillable(opp, &core.pool, m.participant, mode, threshold, band, o.qty) {
                core.sink.order(
                    EventKind::Cancelled,
                    ts,
                    &who,
                    o.price,
                    o.qty,
                    0,
                    Reason::FokUnfilled,
                );
                return id;
            }
        }
        let mut t = Taker {
            who,
            price: o.price,
            leaves: o.qty,
            threshold,
            lo: band.0,
            hi: band.1,
        };
        if core.match_taker(opp, &mut t, ts) || t.leaves == 0 {
            return id;
        }
        if band != (i64::MIN, i64::MAX) && opp.levels.last().is_some_and(|l| l.key >= threshold) {
            // Stopped at the band with the limit still crossing: cancel the remainder.
            core.sink.order(
                EventKind::Cancelled,
                ts,
                &who,
                o.price,
                t.leaves,
                0,
                Reason::PriceBand,
            );
            self.risk.band_stop(o.instrument, ts);
            return id;
        }
        if market || matches!(o.tif, Tif::Ioc | Tif::Fok) {
            // A FOK that passed its dry run fills entirely; IOC_REMAINDER is the safe reading
            // should that ever not hold.
            debug_assert!(o.tif != Tif::Fok, "FOK passed its dry run but did not fill");
            core.sink.order(
                EventKind::Cancelled,
                ts,
                &who,
                o.price,
                t.leaves,
                0,
                Reason::IocRemainder,
            );
            return id;
        }
        let slot = core.pool.alloc(Node::new(
            id,
            m.client_order_id,
            m.participant,
            o.instrument,
            o.side,
            o.tif,
            o.flags,
            o.price,
            t.leaves,
            o.display_qty,
        ));
        core.rest(own, slot, Some(tag), ts);
        id
    }

    /// The slot of the live order a CANCEL/REDUCE/REPLACE targets, or the reject reason.
    #[inline]
    pub(crate) fn target(&self, m: &OrderMsg) -> Result<u32, Reason> {
        let slot = self.core.ids.get(m.order_id).ok_or(Reason::UnknownOrder)?;
        if self.core.pool.get(slot).participant != m.participant {
            return Err(Reason::NotOwner);
        }
        Ok(slot)
    }

    /// CANCEL: CANCELLED(USER_CANCEL) and BOOK_DELETE.
    #[inline]
    fn on_cancel(&mut self, m: &OrderMsg) {
        let slot = match self.target(m) {
            Ok(s) => s,
            Err(r) => return self.core.sink.reject(m, r),
        };
        let n = self.core.pool.get(slot);
        let side = self.books[n.instrument() as usize].side_mut(n.side());
        let idx = side.index_of(n.price).expect(LEVEL_EXISTS);
        self.core
            .cancel_resting(side, idx, slot, Reason::UserCancel, m.ts);
    }

    /// REDUCE: new leaves below the current ones, in place; REPLACED and BOOK_MODIFY.
    #[inline]
    fn on_reduce(&mut self, m: &OrderMsg) {
        let slot = match self.target(m) {
            Ok(s) => s,
            Err(r) => return self.core.sink.reject(m, r),
        };
        let n = *self.core.pool.get(slot);
        let book = &mut self.books[n.instrument() as usize];
        if !(0 < m.qty && m.qty < n.leaves) {
            return self.core.sink.reject(m, Reason::InvalidQty);
        }
        if !validate::multiple(m.qty, book.spec.lot_size.0) {
            return self.core.sink.reject(m, Reason::OffLot);
        }
        let side = book.side_mut(n.side());
        let idx = side.index_of(n.price).expect(LEVEL_EXISTS);
        self.core
            .resize_in_place(&mut side.levels[idx], slot, m.qty, true, m.ts);
    }

    /// REPLACE: checks, then in place (same price, no more quantity) or lose the position,
    /// match as a taker and rest what is left at the new price.
    fn on_replace(&mut self, m: &OrderMsg) {
        let slot = match self.target(m) {
            Ok(s) => s,
            Err(r) => return self.core.sink.reject(m, r),
        };
        let n = *self.core.pool.get(slot);
        let book = &mut self.books[n.instrument() as usize];
        let checks = validate::check_trading_state(book.state)
            .and_then(|()| validate::check_qty(m.qty, &book.spec))
            .and_then(|()| validate::check_price(m.price, &book.spec))
            .and_then(|()| {
                if n.display_qty != 0 && !validate::within_slices(m.qty, n.display_qty) {
                    Err(Reason::InvalidDisplayQty)
                } else {
                    Ok(())
                }
            })
            .and_then(|()| {
                if n.flags() & FLAG_POST_ONLY != 0 && book.would_cross(n.side(), m.price) {
                    Err(Reason::PostOnlyWouldCross)
                } else {
                    Ok(())
                }
            });
        if let Err(r) = checks {
            return self.core.sink.reject(m, r);
        }
        let mut band = (i64::MIN, i64::MAX);
        if self.risk.on {
            let bid = book.bids.best().map(|l| l.price);
            let ask = book.asks.best().map(|l| l.price);
            let tick = book.spec.tick_size.0;
            let (i, side) = (n.instrument(), n.side());
            let r = self
                .risk
                .pre_replace(m, i, side, n.leaves, n.price, tick, bid, ask);
            if let Err(r) = r {
                return self.core.sink.reject(m, r);
            }
            if let Some(b) = self.risk.band_of(i, tick) {
                band = b;
            }
        }
        let (own, opp) = match n.side() {
            Side::Buy => (&mut book.bids, &mut book.asks),
            Side::Sell => (&mut book.asks, &mut book.bids),
        };
        let idx = own.index_of(n.price).expect(LEVEL_EXISTS);
        let core = &mut self.core;
        let ts = m.ts;
        if m.price == n.price && m.qty <= n.leaves {
            core.resize_in_place(&mut own.levels[idx], slot, m.qty, m.qty != n.leaves, ts);
            return;
        }
        // Loses its position: REPLACED, BOOK_DELETE at the old price, then a taker.
        let who = Who::of(&n);
        core.sink.order(
            EventKind::Replaced,
            ts,
            &who,
            m.price,
            m.qty,
            m.qty,
            Reason::None,
        );
        core.sink.order(
            EventKind::BookDelete,
            ts,
            &who,
            n.price,
            0,
            m.qty,
            Reason::None,
        );
        own.unlink(&mut core.pool, idx, slot);
        let mut t = Taker {
            who,
            price: m.price,
            leaves: m.qty,
            threshold: opp.key(m.price),
            lo: band.0,
            hi: band.1,
        };
        if core.match_taker(opp, &mut t, ts) || t.leaves == 0 {
            core.retire(slot);
            return;
        }
        if band != (i64::MIN, i64::MAX) && opp.levels.last().is_some_and(|l| l.key >= t.threshold) {
            core.sink.order(
                EventKind::Cancelled,
                ts,
                &who,
                m.price,
                t.leaves,
                0,
                Reason::PriceBand,
            );
            core.retire(slot);
            self.risk.band_stop(n.instrument(), ts);
            return;
        }
        let node = core.pool.get_mut(slot);
        node.price = m.price;
        node.leaves = t.leaves;
        node.displayed = Node::slice(node.display_qty, t.leaves);
        core.rest(own, slot, None, ts);
    }

    /// MASS_CANCEL: every live order of the participant (on one instrument or all), in
    /// increasing order id.
    fn on_mass_cancel(&mut self, m: &OrderMsg) {
        let all = m.instrument == ALL_INSTRUMENTS.0;
        if !all && m.instrument as usize >= self.books.len() {
            return self.core.sink.reject(m, Reason::UnknownInstrument);
        }
        let (p, i) = (m.participant, m.instrument);
        self.cancel_where(m.ts, Reason::MassCancel, |n| {
            n.participant == p && (all || n.instrument() == i)
        });
    }

    /// Cancels every live order that `pred` selects, in increasing order id, with `reason`.
    /// Scans the order pool (O(peak live orders)): mass cancels and expiry are rare, and
    /// this keeps the hot path free of per-participant bookkeeping.
    pub(crate) fn cancel_where(&mut self, ts: i64, reason: Reason, pred: impl Fn(&Node) -> bool) {
        let mut picked = std::mem::take(&mut self.core.scratch);
        picked.clear();
        picked.extend(
            self.core
                .pool
                .iter_live()
                .filter(|(_, n)| pred(n))
                .map(|(s, n)| (n.order_id, s)),
        );
        picked.sort_unstable();
        for &(_, slot) in &picked {
            let n = self.core.pool.get(slot);
            let side = self.books[n.instrument() as usize].side_mut(n.side());
            let idx = side.index_of(n.price).expect(LEVEL_EXISTS);
            self.core.cancel_resting(side, idx, slot, reason, ts);
        }
        self.core.scratch = picked;
    }
}

impl Core {
    /// Sets a resting order's leaves to `qty` (not more than now) keeping its position:
    /// `displayed = min(displayed, qty)`; REPLACED, then BOOK_MODIFY if `modify`.
    #[inline]
    fn resize_in_place(
        &mut self,
        lvl: &mut crate::book::Level,
        slot: u32,
        qty: i64,
        modify: bool,
        ts: i64,
    ) {
        let n = self.pool.get_mut(slot);
        n.leaves = qty;
        let shown = n.displayed.min(qty);
        lvl.displayed -= (n.displayed - shown) as i128;
        n.displayed = shown;
        let who = Who::of(n);
        self.sink.order(
            EventKind::Replaced,
            ts,
            &who,
            n.price,
            qty,
            qty,
            Reason::None,
        );
        if modify {
            self.sink
                .book(EventKind::BookModify, ts, self.pool.get(slot));
        }
    }
}

/// The query view of a pooled order.
fn view(n: &Node) -> OrderView {
    OrderView {
        order_id: OrderId(n.order_id),
        instrument: InstrumentId(n.instrument()),
        participant: ParticipantId(n.participant),
        client_order_id: ClientOrderId(n.client_order_id),
        side: n.side(),
        price: Price(n.price),
        leaves: Qty(n.leaves),
        displayed: Qty(n.displayed),
        display_qty: Qty(n.display_qty),
        tif: n.tif(),
        flags: n.flags(),
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}
