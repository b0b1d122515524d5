//! Operations on the engine and the invariants they must keep: shared by the cargo-fuzz
//! target `ops` (which decodes arbitrary bytes into [`Op`]s) and by the engine crate's
//! proptest suite `tests/proptest_ops.rs` (which includes this file as a module and generates
//! [`Op`]s with proptest strategies).
//!
//! A [`Driver`] owns an engine with two instruments and applies operations to it; after each,
//! a [`Checker`] verifies, from the engine's own events and queries:
//! - sequence numbers are contiguous from 1 and `next_seq` follows the last event;
//! - every event is well formed for its kind (reasons, maker fields, leaves arithmetic);
//! - the book is never crossed at rest and has no empty level; levels are ordered;
//! - FIFO within a level: each level's queue is the order in which the market-by-order
//!   feed (BOOK_ADD / BOOK_MODIFY / BOOK_DELETE) placed its orders;
//! - quantity is conserved per order: accepted + replace increases - reductions
//!   = filled + cancelled + leaves, where leaves is what `Engine::order` reports;
//! - the engine's own `check_invariants` passes.
//!
//! [`run_twice`] also replays the same operations on a second engine: the event streams must
//! be identical and the state hashes equal.

use std::collections::BTreeMap;

use venue_engine::*;

/// The middle of the price grid, in ticks.
pub const MID: i64 = 100;
/// Participants the operations use (STP needs the same participant on both sides).
pub const PARTICIPANTS: u32 = 4;
/// An iceberg's quantity is kept to at most this many display slices. Each slice is one
/// refresh, so a resting order of quantity Q showing D lets one taker produce Q / D trades:
/// with Q near `i64::MAX` that is ~2^62 events, more than any memory. SEMANTICS.md allows
/// it; the operations avoid it (see [`Driver::bounded`]).
pub const MAX_SLICES: i64 = 10_000;

/// One operation. Small fields are interpreted relative to the engine's state (ticks from the
/// middle, lots, an index among resting or accepted orders), so that most operations are
/// meaningful; `Raw` sends any message at all.
#[derive(Clone, Debug)]
pub enum Op {
    /// A NEW order on the grid.
    New {
        /// Participant, modulo [`PARTICIPANTS`].
        participant: u8,
        /// Instrument index; 3 is an unknown instrument.
        instrument: u8,
        /// Side code; values of 2 and more are sent as they are (invalid).
        side: u8,
        /// Ticks from the middle.
        off: i8,
        /// Quantity in lots (0 is invalid); 200 and more: `max_qty - (255 - lots)` lots.
        lots: u8,
        /// Order type code (sent as is).
        order_type: u8,
        /// Time in force code (sent as is).
        tif: u8,
        /// Flag bits (sent as is).
        flags: u8,
        /// Iceberg slice in lots (0: fully displayed).
        display_lots: u8,
        /// Client order id.
        coid: u8,
    },
    /// Any message, field for field.
    Raw(OrderMsg),
    /// CANCEL of a target order; `other` sends it from a participant that does not own it.
    Cancel {
        /// See [`Driver::target`].
        target: u16,
        /// Send from another participant.
        other: bool,
    },
    /// REDUCE to the target's leaves minus `lots` lots (any value).
    Reduce {
        /// See [`Driver::target`].
        target: u16,
        /// Send from another participant.
        other: bool,
        /// Lots to take off (negative: a non-reduction).
        lots: i8,
    },
    /// REPLACE to `off` ticks from the middle (None: same price) and leaves plus `lots`.
    Replace {
        /// See [`Driver::target`].
        target: u16,
        /// Send from another participant.
        other: bool,
        /// New price in ticks from the middle, or the same price.
        off: Option<i8>,
        /// Lots to add to the leaves (negative: fewer).
        lots: i8,
    },
    /// MASS_CANCEL.
    MassCancel {
        /// Participant, modulo [`PARTICIPANTS`].
        participant: u8,
        /// Instrument index; 3 unknown, 4 or more: all instruments.
        instrument: u8,
    },
    /// `expire_day_orders`.
    Expire {
        /// Instrument index; 3 or more: all instruments.
        instrument: u8,
    },
    /// `set_stp_mode` (mode modulo 5).
    SetStp {
        /// Participant, modulo [`PARTICIPANTS`].
        participant: u8,
        /// STP mode code, modulo 5.
        mode: u8,
    },
    /// `set_trading_state`.
    SetState {
        /// Instrument index, modulo 3.
        instrument: u8,
        /// Halted or open.
        halted: bool,
    },
}

/// Valid (order type, time in force, flags) combinations, GTC limits most often.
pub const ORDER_KINDS: [(u8, u8, u8); 10] = [
    (0, 0, 0), // LIMIT GTC
    (0, 0, 0),
    (0, 0, 0),
    (0, 1, 0), // LIMIT DAY
    (0, 2, 0), // LIMIT IOC
    (0, 3, 0), // LIMIT FOK
    (0, 0, 1), // LIMIT GTC POST_ONLY
    (0, 1, 1), // LIMIT DAY POST_ONLY
    (1, 2, 0), // MARKET IOC
    (1, 3, 0), // MARKET FOK
];

/// Reads operations from arbitrary bytes (the cargo-fuzz input). Every byte string decodes;
/// short reads give zeros.
pub fn decode(data: &[u8]) -> Vec<Op> {
    let mut r = Reader { data, pos: 0 };
    let mut ops = Vec::new();
    while r.pos < data.len() && ops.len() < 4096 {
        let tag = r.u8();
        let op = match tag % 10 {
            0..=2 => {
                let (participant, instrument) = (r.u8(), r.u8());
                let (side, off, lots) =
                    (mostly_mod(r.u8(), 2), (r.u8() % 13) as i8 - 6, r.u8() % 30);
                let kind = r.u8();
                let (order_type, tif, flags) = match ORDER_KINDS.get(usize::from(kind % 16)) {
                    Some(&k) => k,
                    None => (
                        mostly_mod(r.u8(), 2),
                        mostly_mod(r.u8(), 4),
                        mostly_mod(r.u8(), 2),
                    ),
                };
                Op::New {
                    participant,
                    instrument: if instrument >= 240 { 3 } else { instrument % 3 },
                    side,
                    off,
                    lots,
                    order_type,
                    tif,
                    flags,
                    display_lots: if r.u8() % 4 == 0 { r.u8() % 6 } else { 0 },
                    coid: r.u8(),
                }
            }
            3 => Op::Raw(OrderMsg {
                ts: r.i64(),
                order_id: r.u8() as u64,
                client_order_id: r.u8() as u64,
                price: r.i64(),
                qty: r.i64(),
                display_qty: r.i64(),
                instrument: r.u8() as u32 % 5,
                participant: r.u8() as u32 % PARTICIPANTS,
                action: r.u8(),
                side: r.u8(),
                order_type: r.u8(),
                tif: r.u8(),
                flags: r.u8(),
                _pad: [r.u8(), 0, 0],
            }),
            4 => Op::Cancel {
                target: r.u16(),
                other: r.u8() % 8 == 0,
            },
            5 => Op::Reduce {
                target: r.u16(),
                other: r.u8() % 8 == 0,
                lots: r.u8() as i8 % 12,
            },
            6 => Op::Replace {
                target: r.u16(),
                other: r.u8() % 8 == 0,
                off: match r.u8() {
                    b if b % 3 == 0 => None,
                    b => Some((b % 13) as i8 - 6),
                },
                lots: r.u8() as i8 % 12,
            },
            7 => Op::MassCancel {
                participant: r.u8(),
                instrument: r.u8() % 5,
            },
            8 => match r.u8() % 3 {
                0 => Op::Expire {
                    instrument: r.u8() % 4,
                },
                1 => Op::SetStp {
                    participant: r.u8(),
                    mode: r.u8() % 5,
                },
                _ => Op::SetState {
                    instrument: r.u8() % 3,
                    halted: r.u8() % 4 == 0,
                },
            },
            _ => Op::New {
                // A crossing order of the same participant as some resting order.
                participant: r.u8(),
                instrument: r.u8() % 3,
                side: r.u8() % 2,
                off: (r.u8() % 5) as i8 - 2,
                lots: 1 + r.u8() % 20,
                order_type: 0,
                tif: r.u8() % 4,
                flags: 0,
                display_lots: 0,
                coid: r.u8(),
            },
        };
        ops.push(op);
    }
    ops
}

/// Mostly `v % n` (a valid code), sometimes `v` itself (likely invalid).
fn mostly_mod(v: u8, n: u8) -> u8 {
    if v >= 248 {
        v
    } else {
        v % n
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn i64(&mut self) -> i64 {
        // Mostly small values (valid prices and quantities), sometimes any.
        match self.u8() {
            b if b < 200 => i64::from(b) - 20,
            200..=250 => {
                let mut v = [0u8; 8];
                for x in &mut v {
                    *x = self.u8();
                }
                i64::from_le_bytes(v)
            }
            b if b % 2 == 0 => i64::MIN,
            _ => i64::MAX,
        }
    }
}

/// What the event stream says about one order.
#[derive(Clone, Debug, Default)]
struct Ledger {
    participant: u32,
    accepted: i64,
    increased: i64,
    decreased: i64,
    filled: i64,
    cancelled: i64,
    leaves: i64,
    /// Resting, per the market-by-order feed: (instrument, side, price).
    at: Option<(u32, u8, i64)>,
}

/// Invariants over the engine's events and queries.
#[derive(Debug, Default)]
pub struct Checker {
    next_seq: u64,
    ledgers: BTreeMap<u64, Ledger>,
    /// (instrument, side, price) -> order ids in feed order.
    feed: BTreeMap<(u32, u8, i64), Vec<u64>>,
}

impl Checker {
    /// A checker for a fresh engine.
    pub fn new() -> Self {
        Checker {
            next_seq: 1,
            ..Default::default()
        }
    }

    /// Orders resting according to the feed, in increasing id.
    pub fn resting(&self) -> Vec<u64> {
        self.ledgers
            .iter()
            .filter(|(_, l)| l.at.is_some())
            .map(|(id, _)| *id)
            .collect()
    }

    /// The owner of an accepted order.
    pub fn owner(&self, order_id: u64) -> Option<u32> {
        self.ledgers.get(&order_id).map(|l| l.participant)
    }

    /// Applies one step's events.
    pub fn on_events(&mut self, events: &[Event]) -> Result<(), String> {
        for e in events {
            self.on_event(e)
                .map_err(|why| format!("invariant broken at {e:?}: {why}"))?;
        }
        Ok(())
    }

    fn ledger(&mut self, id: u64) -> Result<&mut Ledger, String> {
        self.ledgers
            .get_mut(&id)
            .ok_or_else(|| format!("order {id} was never accepted"))
    }

    fn on_event(&mut self, e: &Event) -> Result<(), String> {
        if e.seq != self.next_seq {
            return Err(format!("sequence {}, expected {}", e.seq, self.next_seq));
        }
        self.next_seq += 1;
        let kind = EventKind::from_u8(e.kind).ok_or("unknown event kind")?;
        let reason = Reason::from_u8(e.reason).ok_or("unknown reason")?;
        if e._pad != 0 {
            return Err("padding byte not 0".into());
        }
        if kind != EventKind::Trade && (e.maker_order_id != 0 || e.maker_participant != 0) {
            return Err("maker fields set outside a TRADE".into());
        }
        let is_reject_reason = (1..32).contains(&e.reason) || e.reason >= 64;
        // Risk codes (64 and up) may also cancel (KILL_SWITCH, PRICE_BAND).
        let is_cancel_reason = e.reason >= 32;
        match kind {
            EventKind::Rejected if !is_reject_reason => return Err("reject reason".into()),
            EventKind::Cancelled if !is_cancel_reason => return Err("cancel reason".into()),
            EventKind::Rejected | EventKind::Cancelled => {}
            _ if reason != Reason::None => return Err("reason must be NONE".into()),
            _ => {}
        }
        match kind {
            EventKind::TradingState => {
                // Only halts and price bands emit it; the operations configure neither.
                return Err("TRADING_STATE without a halt or a price band".into());
            }
            EventKind::Accepted => {
                if e.order_id == 0 || self.ledgers.contains_key(&e.order_id) {
                    return Err("order id 0 or reused".into());
                }
                if e.qty <= 0 || e.leaves != e.qty {
                    return Err("accepted qty must be > 0 and equal leaves".into());
                }
                self.ledgers.insert(
                    e.order_id,
                    Ledger {
                        participant: e.participant,
                        accepted: e.qty,
                        leaves: e.qty,
                        ..Default::default()
                    },
                );
            }
            EventKind::Rejected => {}
            EventKind::Trade => {
                if e.qty <= 0 {
                    return Err("fill qty must be > 0".into());
                }
                let maker = self.ledger(e.maker_order_id)?;
                if maker.at.is_none() || maker.participant != e.maker_participant {
                    return Err("the maker is not a resting order of maker_participant".into());
                }
                maker.filled += e.qty;
                maker.leaves -= e.qty;
                if maker.leaves < 0 {
                    return Err("maker overfilled".into());
                }
                let taker = self.ledger(e.order_id)?;
                if taker.at.is_some() {
                    return Err("the taker is resting".into());
                }
                taker.filled += e.qty;
                taker.leaves -= e.qty;
                if taker.leaves != e.leaves || taker.leaves < 0 {
                    return Err(format!("taker leaves should be {}", taker.leaves));
                }
            }
            EventKind::Cancelled => {
                let l = self.ledger(e.order_id)?;
                if e.qty <= 0 {
                    return Err("cancelled qty must be > 0".into());
                }
                l.cancelled += e.qty;
                l.leaves -= e.qty;
                if l.leaves != e.leaves || l.leaves < 0 {
                    return Err(format!("leaves after the cancel should be {}", l.leaves));
                }
            }
            EventKind::Replaced => {
                let l = self.ledger(e.order_id)?;
                if e.qty != e.leaves || e.qty <= 0 {
                    return Err("replaced qty must equal leaves and be > 0".into());
                }
                if e.leaves >= l.leaves {
                    l.increased += e.leaves - l.leaves;
                } else {
                    l.decreased += l.leaves - e.leaves;
                }
                l.leaves = e.leaves;
            }
            EventKind::BookAdd => {
                let key = (e.instrument, e.side, e.price);
                let l = self.ledger(e.order_id)?;
                if l.at.is_some() {
                    return Err("BOOK_ADD of a resting order".into());
                }
                if !(0 < e.qty && e.qty <= e.leaves) || e.leaves != l.leaves {
                    return Err(format!("displayed/leaves, ledger leaves {}", l.leaves));
                }
                l.at = Some(key);
                self.feed.entry(key).or_default().push(e.order_id);
            }
            EventKind::BookModify | EventKind::BookDelete => {
                let key = (e.instrument, e.side, e.price);
                let l = self.ledger(e.order_id)?;
                if l.at != Some(key) {
                    return Err(format!("not resting at {key:?} (at {:?})", l.at));
                }
                if e.leaves != l.leaves {
                    return Err(format!("leaves should be {}", l.leaves));
                }
                if kind == EventKind::BookModify {
                    if !(0 < e.qty && e.qty <= e.leaves) {
                        return Err("displayed out of (0, leaves]".into());
                    }
                } else {
                    if e.qty != 0 {
                        return Err("BOOK_DELETE qty must be 0".into());
                    }
                    l.at = None;
                    let level = self
                        .feed
                        .get_mut(&key)
                        .expect("feed level of a resting order");
                    level.retain(|&id| id != e.order_id);
                    if level.is_empty() {
                        self.feed.remove(&key);
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks the engine's queries against the feed, the ledgers and the book invariants.
    pub fn check_state(&self, eng: &Engine) -> Result<(), String> {
        eng.check_invariants()?;
        if eng.next_seq().0 != self.next_seq {
            return Err(format!(
                "next_seq {} != {}",
                eng.next_seq().0,
                self.next_seq
            ));
        }
        let mut levels = Vec::new();
        let mut queue = Vec::new();
        let mut live = 0usize;
        let mut feed_levels = 0usize;
        for inst in 0..eng.instrument_count() as u32 {
            let id = InstrumentId(inst);
            let bbo = eng.bbo(id).unwrap_or_default();
            if let (Some((b, _)), Some((a, _))) = (bbo.bid, bbo.ask) {
                if b >= a {
                    return Err(format!("instrument {inst}: crossed at rest: {b} >= {a}"));
                }
            }
            for side in [Side::Buy, Side::Sell] {
                eng.depth(id, side, usize::MAX, &mut levels);
                let top = levels.first().map(|l| (l.price, l.qty));
                let best = if side == Side::Buy { bbo.bid } else { bbo.ask };
                if top != best {
                    return Err(format!("instrument {inst} {side:?}: bbo {best:?} != depth"));
                }
                for w in levels.windows(2) {
                    let ordered = match side {
                        Side::Buy => w[0].price > w[1].price,
                        Side::Sell => w[0].price < w[1].price,
                    };
                    if !ordered {
                        return Err(format!("instrument {inst} {side:?}: levels out of order"));
                    }
                }
                for lv in &levels {
                    let at = format!("instrument {inst} {side:?} level {}", lv.price);
                    if lv.orders == 0 || lv.qty.0 <= 0 {
                        return Err(format!("{at}: empty level"));
                    }
                    eng.queue(id, side, lv.price, &mut queue);
                    let ids: Vec<u64> = queue.iter().map(|o| o.order_id.0).collect();
                    let want = self.feed.get(&(inst, side as u8, lv.price.0));
                    if want != Some(&ids) {
                        return Err(format!(
                            "{at}: queue {ids:?} is not the feed's FIFO {want:?}"
                        ));
                    }
                    // The level's displayed sum saturates at i64::MAX.
                    let shown: i128 = queue.iter().map(|o| i128::from(o.displayed.0)).sum();
                    if queue.len() != lv.orders as usize
                        || shown.min(i128::from(i64::MAX)) != i128::from(lv.qty.0)
                    {
                        return Err(format!("{at}: depth disagrees with the queue"));
                    }
                    for o in &queue {
                        let l = &self.ledgers[&o.order_id.0];
                        if !(0 < o.displayed.0 && o.displayed <= o.leaves) || o.leaves.0 != l.leaves
                        {
                            return Err(format!("{at}: order {o:?}, events say {}", l.leaves));
                        }
                    }
                    live += queue.len();
                    feed_levels += 1;
                }
            }
        }
        if feed_levels != self.feed.len() || live != eng.live_orders() {
            return Err(format!(
                "levels/live orders: books {feed_levels}/{live}, feed {}/{}",
                self.feed.len(),
                eng.live_orders()
            ));
        }
        for (&id, l) in &self.ledgers {
            let view = eng.order(OrderId(id));
            if view.is_some() != l.at.is_some() {
                return Err(format!(
                    "order {id}: live {} but feed says {:?}",
                    view.is_some(),
                    l.at
                ));
            }
            let leaves = view.map_or(0, |v| v.leaves.0);
            let lhs = i128::from(l.accepted) + i128::from(l.increased) - i128::from(l.decreased);
            let rhs = i128::from(l.filled) + i128::from(l.cancelled) + i128::from(leaves);
            if lhs != rhs || l.leaves != leaves {
                return Err(format!(
                    "order {id}: quantity not conserved: {l:?}, leaves {leaves}"
                ));
            }
        }
        Ok(())
    }
}

/// An engine with the instruments of [`SPECS`], the [`Checker`] of its events, and everything the
/// operations need to resolve their targets.
#[derive(Debug)]
pub struct Driver {
    /// The engine under test.
    pub engine: Engine,
    /// Invariants over its events.
    pub checker: Checker,
    /// Every event, in order (for the determinism check).
    pub log: Vec<Event>,
    ts: i64,
}

/// Tick, lot, min and max of the instruments every [`Driver`] starts with. The third accepts
/// quantities up to `i64::MAX`, so that level sums and FOK sums would overflow an `i64`.
pub const SPECS: [(i64, i64, i64, i64); 3] =
    [(1, 1, 1, 1000), (5, 10, 20, 500), (1, 1, 1, i64::MAX)];

impl Default for Driver {
    fn default() -> Self {
        Self::new()
    }
}

impl Driver {
    /// A fresh engine with the instruments of [`SPECS`].
    pub fn new() -> Self {
        let mut engine = Engine::new();
        for (tick, lot, min, max) in SPECS {
            engine
                .add_instrument(InstrumentSpec {
                    tick_size: Price(tick),
                    lot_size: Qty(lot),
                    min_qty: Qty(min),
                    max_qty: Qty(max),
                })
                .expect("valid instrument");
        }
        Driver {
            engine,
            checker: Checker::new(),
            log: Vec::new(),
            ts: 0,
        }
    }

    /// A target order id: among resting orders unless the high bit is set, then among every
    /// order ever accepted (filled and cancelled ones too), else an id that never existed.
    pub fn target(&self, target: u16) -> u64 {
        let resting = self.checker.resting();
        let t = usize::from(target & 0x7FFF);
        if target & 0x8000 == 0 && !resting.is_empty() {
            return resting[t % resting.len()];
        }
        let next = self.engine.next_order_id().0;
        if next > 1 && target & 0x4000 == 0 {
            return 1 + (t as u64 % (next - 1));
        }
        [0, next, u64::MAX][t % 3]
    }

    fn sender(&self, order_id: u64, other: bool) -> u32 {
        let owner = self.checker.owner(order_id).unwrap_or(0);
        if other {
            (owner + 1) % PARTICIPANTS
        } else {
            owner
        }
    }

    fn spec(&self, instrument: u32) -> (i64, i64) {
        let (tick, lot, _, _) = SPECS[instrument as usize % SPECS.len()];
        (tick, lot)
    }

    /// Applies one operation, then checks every invariant.
    pub fn apply(&mut self, op: &Op) -> Result<(), String> {
        self.ts += 1;
        let ts = Ts(self.ts);
        match *op {
            Op::New {
                participant,
                instrument,
                side,
                off,
                lots,
                order_type,
                tif,
                flags,
                display_lots,
                coid,
            } => {
                let inst = u32::from(instrument);
                let (tick, lot) = self.spec(inst);
                let max = SPECS[inst as usize % SPECS.len()].3;
                let qty = if lots >= 200 {
                    max - i64::from(255 - lots) * lot
                } else {
                    lot * i64::from(lots)
                };
                let msg = self.bounded(OrderMsg {
                    ts: ts.0,
                    order_id: 0,
                    client_order_id: u64::from(coid),
                    price: tick * (MID + i64::from(off)),
                    qty,
                    display_qty: lot * i64::from(display_lots),
                    instrument: inst,
                    participant: u32::from(participant) % PARTICIPANTS,
                    action: Action::New as u8,
                    side,
                    order_type,
                    tif,
                    flags,
                    _pad: [0; 3],
                });
                self.engine.process(&msg);
            }
            Op::Raw(msg) => {
                let msg = self.bounded(msg);
                self.engine.process(&msg);
            }
            Op::Cancel { target, other } => {
                let id = self.target(target);
                let p = ParticipantId(self.sender(id, other));
                self.engine.process(&OrderMsg::cancel(ts, p, OrderId(id)));
            }
            Op::Reduce {
                target,
                other,
                lots,
            } => {
                let id = self.target(target);
                let p = ParticipantId(self.sender(id, other));
                let qty = self.new_qty(id, -i64::from(lots));
                self.engine
                    .process(&OrderMsg::reduce(ts, p, OrderId(id), Qty(qty)));
            }
            Op::Replace {
                target,
                other,
                off,
                lots,
            } => {
                let id = self.target(target);
                let p = ParticipantId(self.sender(id, other));
                let qty = self.new_qty(id, i64::from(lots));
                let price = match (self.engine.order(OrderId(id)), off) {
                    (Some(o), None) => o.price.0,
                    (Some(o), Some(off)) => self.spec(o.instrument.0).0 * (MID + i64::from(off)),
                    (None, off) => MID + i64::from(off.unwrap_or(0)),
                };
                let msg = self.bounded(OrderMsg::replace(
                    ts,
                    p,
                    OrderId(id),
                    Price(price),
                    Qty(qty),
                ));
                self.engine.process(&msg);
            }
            Op::MassCancel {
                participant,
                instrument,
            } => {
                let inst = if instrument >= 4 {
                    ALL_INSTRUMENTS
                } else {
                    InstrumentId(u32::from(instrument))
                };
                let p = ParticipantId(u32::from(participant) % PARTICIPANTS);
                self.engine.process(&OrderMsg::mass_cancel(ts, p, inst));
            }
            Op::Expire { instrument } => {
                let inst = if instrument >= 3 {
                    ALL_INSTRUMENTS
                } else {
                    InstrumentId(u32::from(instrument))
                };
                self.engine.expire_day_orders(ts, inst);
            }
            Op::SetStp { participant, mode } => {
                let mode = StpMode::from_u8(mode % 5).expect("mode < 5");
                self.engine
                    .set_stp_mode(ParticipantId(u32::from(participant) % PARTICIPANTS), mode);
            }
            Op::SetState { instrument, halted } => {
                let state = if halted {
                    TradingState::Halted
                } else {
                    TradingState::Open
                };
                self.engine
                    .set_trading_state(InstrumentId(u32::from(instrument) % 3), state)
                    .map_err(|e| format!("set_trading_state: {e}"))?;
            }
        }
        let events = self.engine.events().to_vec();
        self.engine.clear_events();
        self.checker.on_events(&events)?;
        self.log.extend_from_slice(&events);
        self.checker.check_state(&self.engine)
    }

    /// Keeps an iceberg within [`MAX_SLICES`] slices: a NEW iceberg with more is sent fully
    /// displayed; a REPLACE of an iceberg to more gets the largest quantity allowed.
    pub fn bounded(&self, mut msg: OrderMsg) -> OrderMsg {
        let too_many = |qty: i64, display: i64| display > 0 && qty / display > MAX_SLICES;
        if msg.action == Action::New as u8 && msg.display_qty < msg.qty {
            if too_many(msg.qty, msg.display_qty) {
                msg.display_qty = 0;
            }
        } else if msg.action == Action::Replace as u8 {
            if let Some(o) = self.engine.order(OrderId(msg.order_id)) {
                if too_many(msg.qty, o.display_qty.0) {
                    msg.qty = o.display_qty.0 * MAX_SLICES;
                }
            }
        }
        msg
    }

    /// The target's leaves plus `delta` lots (a raw small number if it is not live).
    fn new_qty(&self, order_id: u64, delta: i64) -> i64 {
        match self.engine.order(OrderId(order_id)) {
            Some(o) => o
                .leaves
                .0
                .saturating_add(delta * self.spec(o.instrument.0).1),
            None => delta,
        }
    }
}

/// Runs operations on two fresh engines with every check; the event streams and the state
/// hashes must be equal. Returns the first problem.
pub fn run_twice(ops: &[Op]) -> Result<(), String> {
    let mut a = Driver::new();
    let mut b = Driver::new();
    for (i, op) in ops.iter().enumerate() {
        a.apply(op).map_err(|why| format!("op {i} {op:?}: {why}"))?;
        b.apply(op)
            .map_err(|why| format!("op {i} {op:?} (second engine): {why}"))?;
    }
    if a.log != b.log {
        return Err("two engines gave different events for the same operations".into());
    }
    if a.engine.state_hash() != b.engine.state_hash() {
        return Err("two engines reached different state hashes".into());
    }
    Ok(())
}
