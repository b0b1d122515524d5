//! Rebuilding the book from LOBSTER messages in the engine and comparing it, after every
//! message, with the orderbook row (see [`crate::lobster`] for the rules).

use venue_engine::{
    ClientOrderId, Engine, Event, FeedError, InstrumentId, InstrumentSpec, LevelView, OrderId,
    ParticipantId, Price, Qty, Side, TradingState, Ts,
};

use super::parse::{Message, ParsedRows};
use crate::error::ReplayError;

/// The participant that owns the replayed orders (and the anonymous liquidity).
pub const HISTORICAL: ParticipantId = ParticipantId(0xFFFF_FFF0);

/// Price LOBSTER writes in an empty ask cell (an empty bid cell has its negative).
pub const EMPTY_PRICE: i64 = 9_999_999_999;

/// One side of a book: `(price, size)` best first.
pub type Levels = Vec<(i64, i64)>;

/// Both sides of a book, best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Book {
    /// Bids, highest first.
    pub bids: Levels,
    /// Asks, lowest first.
    pub asks: Levels,
}

/// The first row that did not match: its number (1-based, the line in both files) and the
/// two books, the engine's before any adoption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Row number.
    pub row: u64,
    /// The engine's top levels.
    pub engine: Book,
    /// The orderbook file's row.
    pub file: Book,
}

/// What kind of trade a [`Trade`] is (the LOBSTER event type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TradeKind {
    /// Type 4: a visible resting order executed.
    Visible = 4,
    /// Type 5: a hidden order executed; the visible book does not change.
    Hidden = 5,
    /// Type 6: a cross (auction) trade.
    Cross = 6,
}

/// One trade of the replay, as a 48-byte record (Python views a buffer of them with numpy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Trade {
    /// Nanoseconds after midnight.
    pub ts: i64,
    /// Dollars x 10000.
    pub price: i64,
    /// Shares executed (the message's size).
    pub qty: i64,
    /// LOBSTER's id of the executed order (0 for hidden, as in the file).
    pub order_id: i64,
    /// The row (1-based) of the message.
    pub row: u64,
    /// Aggressor side: 0 buy, 1 sell (the opposite of the executed order's side).
    pub side: u8,
    /// [`TradeKind`] as its number.
    pub kind: u8,
    /// Always 0.
    pub _pad: [u8; 6],
}

const _: () = assert!(core::mem::size_of::<Trade>() == 48);

/// The result of a replay.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Rows compared (= messages).
    pub rows: u64,
    /// Rows equal from the messages alone.
    pub exact: u64,
    /// Rows equal after adopting a level that entered the window from below.
    pub adopted: u64,
    /// Rows not equal even then.
    pub mismatched: u64,
    /// The first of those.
    pub first_mismatch: Option<Mismatch>,
    /// Levels per side in the orderbook file.
    pub levels: usize,
    /// Levels adopted from the orderbook file (set, or removed as no longer there).
    pub levels_adopted: u64,
    /// Messages by type: `by_type[t]` for type t (index 0 unused).
    pub by_type: [u64; 8],
    /// Messages that named an order never added (or forgotten at an adoption) and so took
    /// from the level's anonymous liquidity.
    pub anonymous: u64,
    /// The trading state after the last message.
    pub halted: bool,
    /// Every trade, in order.
    pub trades: Vec<Trade>,
    /// The engine's events, if collected.
    pub events: Vec<Event>,
    /// The whole book at the end (every level the engine holds).
    pub book: Book,
}

/// Replay options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep every engine event in [`Outcome::events`] (for writing them out).
    pub collect_events: bool,
}

/// What the replay needs to know of the previous row, per side.
#[derive(Clone, Copy, Debug)]
struct Window {
    /// Levels shown.
    count: usize,
    /// The worst price shown (meaningful when `count > 0`).
    worst: i64,
}

/// `a` is better than `b` on `side`.
#[inline]
fn better(side: Side, a: i64, b: i64) -> bool {
    match side {
        Side::Buy => a > b,
        Side::Sell => a < b,
    }
}

/// The book rebuilt so far, with LOBSTER id -> engine id.
struct Rebuild {
    eng: Engine,
    inst: InstrumentId,
    levels: usize,
    prev: Option<[Window; 2]>,
    scratch: Vec<LevelView>,
    want: [Levels; 2],
    got: [Vec<LevelView>; 2],
    out: Outcome,
}

fn side_of(direction: i8) -> Side {
    if direction == 1 {
        Side::Buy
    } else {
        Side::Sell
    }
}

impl Rebuild {
    fn new(levels: usize) -> Self {
        let mut eng = Engine::with_capacity(1 << 14, 1 << 10);
        let inst = eng
            .add_instrument(InstrumentSpec {
                tick_size: Price(1),
                lot_size: Qty(1),
                min_qty: Qty(1),
                max_qty: Qty(i64::MAX),
            })
            .expect("a valid instrument");
        Rebuild {
            eng,
            inst,
            levels,
            prev: None,
            scratch: Vec::new(),
            want: [Vec::with_capacity(levels), Vec::with_capacity(levels)],
            got: [Vec::with_capacity(levels), Vec::with_capacity(levels)],
            out: Outcome {
                levels,
                ..Outcome::default()
            },
        }
    }

    /// The engine id of a live order LOBSTER knows as `id` (its client order id).
    #[inline]
    fn live(&self, id: i64) -> Option<OrderId> {
        if id <= 0 {
            return None;
        }
        self.eng
            .order_by_client_id(HISTORICAL, ClientOrderId(id as u64))
    }

    /// Applies one message to the book. Errors are problems of the message (the caller
    /// adds the file and line).
    fn apply(&mut self, row: u64, m: &Message) -> Result<(), String> {
        let ts = Ts(m.ts);
        let side = side_of(m.direction);
        let (price, size) = (Price(m.price), Qty(m.size));
        let feed = |e: FeedError| e.to_string();
        self.out.by_type[m.kind as usize] += 1;
        match m.kind {
            1 => {
                if m.order_id <= 0 {
                    return Err(format!(
                        "order id {} of a new order is not positive",
                        m.order_id
                    ));
                }
                if self.live(m.order_id).is_some() {
                    return Err(format!("order id {} is added twice", m.order_id));
                }
                self.eng
                    .feed_add(
                        ts,
                        self.inst,
                        side,
                        price,
                        size,
                        HISTORICAL,
                        ClientOrderId(m.order_id as u64),
                    )
                    .map_err(|e| format!("new order {}: {}", m.order_id, feed(e)))?;
            }
            2..=4 => {
                if m.size == 0 && m.kind != 3 {
                    return Err(format!("size 0 for an event of type {}", m.kind));
                }
                let taken = if let Some(oid) = self.live(m.order_id) {
                    match m.kind {
                        2 => self.eng.feed_reduce(ts, oid, size),
                        3 => self.eng.feed_delete(ts, oid),
                        _ => self.eng.feed_execute(ts, oid, size, price),
                    }
                    .map_err(feed)?
                } else {
                    self.out.anonymous += 1;
                    if m.size == 0 {
                        Qty(0)
                    } else {
                        self.eng
                            .feed_take_anonymous(
                                ts,
                                self.inst,
                                side,
                                price,
                                size,
                                HISTORICAL,
                                m.kind == 4,
                            )
                            .map_err(feed)?
                    }
                };
                if m.kind == 4 {
                    // The market traded the message's size: what the book did not hold (a
                    // stale level) is a trade without a maker.
                    if taken.0 < m.size && m.price > 0 {
                        self.eng
                            .feed_trade(
                                ts,
                                self.inst,
                                side.opposite(),
                                price,
                                Qty(m.size - taken.0),
                            )
                            .map_err(feed)?;
                    }
                    self.trade(row, m, m.size, TradeKind::Visible);
                }
            }
            5 | 6 => {
                if m.size > 0 && m.price > 0 {
                    self.eng
                        .feed_trade(ts, self.inst, side.opposite(), price, size)
                        .map_err(feed)?;
                }
                let kind = if m.kind == 5 {
                    TradeKind::Hidden
                } else {
                    TradeKind::Cross
                };
                self.trade(row, m, m.size, kind);
            }
            _ => {
                let state = match m.price {
                    -1 | 0 => TradingState::Halted,
                    1 => TradingState::Open,
                    p => {
                        return Err(format!(
                            "trading halt indicator with price {p} (expected -1 halt, 0 quote resume, 1 trade resume)"
                        ))
                    }
                };
                self.eng
                    .set_trading_state(self.inst, state)
                    .expect("the instrument exists");
                self.out.halted = state == TradingState::Halted;
            }
        }
        Ok(())
    }

    fn trade(&mut self, row: u64, m: &Message, qty: i64, kind: TradeKind) {
        self.out.trades.push(Trade {
            ts: m.ts,
            price: m.price,
            qty,
            order_id: m.order_id,
            row,
            side: side_of(m.direction).opposite() as u8,
            kind: kind as u8,
            _pad: [0; 6],
        });
    }

    /// The row's levels of each side into `self.want` (empty cells left out).
    fn load_row(&mut self, cells: &[i64]) -> Result<(), String> {
        for w in &mut self.want {
            w.clear();
        }
        for lvl in cells.chunks_exact(4) {
            let (ap, asz, bp, bsz) = (lvl[0], lvl[1], lvl[2], lvl[3]);
            for (side, p, s) in [(Side::Sell, ap, asz), (Side::Buy, bp, bsz)] {
                if s == 0 {
                    continue; // an empty cell (price +-9999999999)
                }
                if s < 0 || p <= 0 {
                    return Err(format!(
                        "{} level {}: price {p} size {s} is neither a level nor an empty cell",
                        if side == Side::Buy { "bid" } else { "ask" },
                        self.want[side as usize].len() + 1
                    ));
                }
                self.want[side as usize].push((p, s));
            }
        }
        Ok(())
    }

    fn load_engine(&mut self) {
        for side in [Side::Buy, Side::Sell] {
            self.eng
                .depth(self.inst, side, self.levels, &mut self.got[side as usize]);
        }
    }

    fn side_equal(&self, side: Side) -> bool {
        let (g, w) = (&self.got[side as usize], &self.want[side as usize]);
        g.len() == w.len()
            && g.iter()
                .zip(w)
                .all(|(l, &(p, s))| l.price.0 == p && l.qty.0 == s)
    }

    fn snapshot(&self) -> (Book, Book) {
        let conv = |v: &Vec<LevelView>| v.iter().map(|l| (l.price.0, l.qty.0)).collect();
        (
            Book {
                bids: conv(&self.got[0]),
                asks: conv(&self.got[1]),
            },
            Book {
                bids: self.want[0].clone(),
                asks: self.want[1].clone(),
            },
        )
    }

    /// Sets the levels of `side` worse than `below` (all, if `None`) to the row's, within the
    /// part of the book the row shows (and beyond, if the row shows fewer than N levels: the
    /// side has nothing more). Returns the number of levels set or removed.
    fn adopt(&mut self, ts: Ts, side: Side, below: Option<i64>) -> Result<u64, String> {
        let want = &self.want[side as usize];
        let in_region = |p: i64| below.is_none_or(|b| better(side, b, p));
        let full = want.len() == self.levels;
        let deepest = if full { want.last().map(|l| l.0) } else { None };
        // The row is sorted best first: the levels worse than `below` are a suffix.
        let start = want
            .iter()
            .position(|&(p, _)| in_region(p))
            .unwrap_or(want.len());
        if start == want.len() && full {
            return Ok(0); // nothing entered from below
        }
        let shown = &want[start..];
        // The engine's levels down to the deepest shown (all, if the row shows fewer than N):
        // stale levels far below the window are never looked at.
        let mut n = 2 * self.levels + 8;
        loop {
            let want_n = if deepest.is_some() { n } else { usize::MAX };
            self.eng.depth(self.inst, side, want_n, &mut self.scratch);
            let last = self.scratch.last().map(|l| l.price.0);
            let past = |d: i64| last.is_some_and(|p| better(side, d, p));
            if self.scratch.len() < want_n || deepest.is_none_or(past) {
                break;
            }
            n *= 4;
        }
        let mut n = 0;
        let feed = |e: FeedError| e.to_string();
        for l in std::mem::take(&mut self.scratch) {
            let p = l.price.0;
            let beyond = deepest.is_some_and(|d| better(side, d, p));
            if in_region(p) && !beyond && !shown.iter().any(|&(q, _)| q == p) {
                self.eng
                    .feed_set_level(ts, self.inst, side, l.price, Qty(0), HISTORICAL)
                    .map_err(feed)?;
                n += 1;
            }
        }
        for &(p, s) in shown {
            self.eng
                .feed_set_level(ts, self.inst, side, Price(p), Qty(s), HISTORICAL)
                .map_err(feed)?;
            n += 1;
        }
        Ok(n)
    }

    /// Compares the engine with the row after message `row`, adopting newly visible levels.
    fn compare(&mut self, row: u64, ts: Ts) -> Result<(), String> {
        self.load_engine();
        let equal = self.side_equal(Side::Buy) && self.side_equal(Side::Sell);
        let before = if equal { None } else { Some(self.snapshot()) };
        self.out.rows += 1;
        for side in [Side::Buy, Side::Sell] {
            let below = match self.prev {
                None => Some(None),
                Some(p) => {
                    let w = p[side as usize];
                    (w.count == self.levels).then_some(Some(w.worst))
                }
            };
            if let Some(below) = below {
                self.out.levels_adopted += self.adopt(ts, side, below)?;
            }
        }
        if equal {
            self.out.exact += 1;
        } else {
            self.load_engine();
            if self.side_equal(Side::Buy) && self.side_equal(Side::Sell) {
                self.out.adopted += 1;
            } else {
                self.out.mismatched += 1;
                if self.out.first_mismatch.is_none() {
                    let (engine, file) = before.expect("taken when unequal");
                    self.out.first_mismatch = Some(Mismatch { row, engine, file });
                }
                // Resynchronise with the row so that one error does not cascade.
                for side in [Side::Buy, Side::Sell] {
                    self.adopt(ts, side, None)?;
                }
            }
        }
        let window = |side: Side| {
            let w = &self.want[side as usize];
            Window {
                count: w.len(),
                worst: w.last().map_or(0, |l| l.0),
            }
        };
        self.prev = Some([window(Side::Buy), window(Side::Sell)]);
        Ok(())
    }

    fn finish(mut self) -> Outcome {
        let mut all = Vec::new();
        let conv = |v: &Vec<LevelView>| v.iter().map(|l| (l.price.0, l.qty.0)).collect();
        self.eng.depth(self.inst, Side::Buy, usize::MAX, &mut all);
        self.out.book.bids = conv(&all);
        self.eng.depth(self.inst, Side::Sell, usize::MAX, &mut all);
        self.out.book.asks = conv(&all);
        self.out
    }
}

/// Replays parsed `messages` against the orderbook rows (`levels` per side; `message_name`
/// names the message file in errors), comparing after every message.
pub fn replay(
    message_name: &str,
    messages: &[Message],
    mut rows: ParsedRows,
    levels: usize,
    opts: Options,
) -> Result<Outcome, ReplayError> {
    let mut r = Rebuild::new(levels);
    let not_its = |rows: &ParsedRows, n: u64| {
        ReplayError::file(
            rows.name(),
            format!(
                "{n} rows, but {message_name} has {} messages: not its orderbook file (each message has one row)",
                messages.len()
            ),
        )
    };
    for (i, m) in messages.iter().enumerate() {
        let row = i as u64 + 1;
        let Some(cells) = rows.next_row()? else {
            return Err(not_its(&rows, i as u64));
        };
        if let Err(p) = r.load_row(cells) {
            return Err(ReplayError::line(rows.name(), rows.line(), p));
        }
        r.apply(row, m)
            .map_err(|p| ReplayError::line(message_name, row, p))?;
        r.compare(row, Ts(m.ts))
            .map_err(|p| ReplayError::line(message_name, row, p))?;
        if opts.collect_events {
            r.out.events.extend_from_slice(r.eng.events());
        }
        r.eng.clear_events();
    }
    let more = rows.count_rest()?;
    if more > 0 {
        return Err(not_its(&rows, messages.len() as u64 + more));
    }
    Ok(r.finish())
}
