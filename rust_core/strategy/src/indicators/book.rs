//! Rebuilding the aggregated book (price levels) of one instrument from the engine's
//! market-by-order feed: BOOK_ADD, BOOK_MODIFY and BOOK_DELETE events.

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::HashMap;

use venue_engine::{Event, EventKind};

use super::Top;

/// A multiplicative hash for engine order ids (sequential integers): one multiply, good
/// high bits for the hash table's control bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 29;
    }
}

#[derive(Clone, Copy, Debug)]
struct Resting {
    price: i64,
    qty: i64,
    side: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Level {
    price: i64,
    qty: i64,
    count: u32,
}

/// One side's levels, sorted by `key = price * sign` ascending so the best level is last
/// (insertions and removals near the touch move few elements).
#[derive(Clone, Debug)]
struct Ladder {
    levels: Vec<Level>,
    sign: i64,
}

impl Ladder {
    fn new(sign: i64, capacity: usize) -> Self {
        Ladder {
            levels: Vec::with_capacity(capacity),
            sign,
        }
    }

    #[inline]
    fn find(&self, price: i64) -> Result<usize, usize> {
        let key = price.saturating_mul(self.sign);
        self.levels
            .binary_search_by(|l| l.price.saturating_mul(self.sign).cmp(&key))
    }

    #[inline]
    fn add(&mut self, price: i64, qty: i64) {
        match self.find(price) {
            Ok(i) => {
                self.levels[i].qty += qty;
                self.levels[i].count += 1;
            }
            Err(i) => self.levels.insert(
                i,
                Level {
                    price,
                    qty,
                    count: 1,
                },
            ),
        }
    }

    /// Removes one order of `qty`; false if the level does not exist.
    #[inline]
    fn remove(&mut self, price: i64, qty: i64) -> bool {
        match self.find(price) {
            Ok(i) => {
                let l = &mut self.levels[i];
                l.qty -= qty;
                l.count -= 1;
                if l.count == 0 {
                    self.levels.remove(i);
                }
                true
            }
            Err(_) => false,
        }
    }

    #[inline]
    fn change(&mut self, price: i64, delta: i64) -> bool {
        match self.find(price) {
            Ok(i) => {
                self.levels[i].qty += delta;
                true
            }
            Err(_) => false,
        }
    }

    #[inline]
    fn best(&self) -> Option<&Level> {
        self.levels.last()
    }

    #[inline]
    fn depth(&self, n: usize) -> i64 {
        self.levels.iter().rev().take(n).map(|l| l.qty).sum()
    }
}

/// The price levels of one instrument, rebuilt from BOOK_* events: each level's displayed
/// quantity and order count. Storage is reserved at construction; it only allocates when
/// the book outgrows the capacities given.
///
/// Events of other instruments and other kinds are ignored. A feed that contradicts
/// itself (a modify or delete of an unknown order, an add of a known one) is applied as
/// well as it can be and counted in [`BookTracker::anomalies`], never a panic.
///
/// ```
/// use venue_engine::{Event, EventKind};
/// use venue_strategy::indicators::BookTracker;
/// let add = |id, side, price, qty| Event {
///     order_id: id, side, price, qty, kind: EventKind::BookAdd as u8, ..Event::default()
/// };
/// let mut book = BookTracker::new(0, 1024, 256);
/// book.apply(&add(1, 0, 100, 5));
/// book.apply(&add(2, 0, 100, 3));
/// book.apply(&add(3, 1, 103, 4));
/// let top = book.top(5);
/// assert_eq!((top.bid_px, top.bid_qty, top.ask_px, top.ask_qty), (100, 8, 103, 4));
/// ```
#[derive(Clone, Debug)]
pub struct BookTracker {
    instrument: u32,
    orders: HashMap<u64, Resting, BuildHasherDefault<IdHasher>>,
    bids: Ladder,
    asks: Ladder,
    anomalies: u64,
}

impl BookTracker {
    /// A tracker of `instrument` with room for `order_capacity` resting orders and
    /// `level_capacity` levels a side.
    pub fn new(instrument: u32, order_capacity: usize, level_capacity: usize) -> Self {
        BookTracker {
            instrument,
            orders: HashMap::with_capacity_and_hasher(order_capacity, Default::default()),
            bids: Ladder::new(1, level_capacity),
            asks: Ladder::new(-1, level_capacity),
            anomalies: 0,
        }
    }

    /// The instrument tracked.
    pub fn instrument(&self) -> u32 {
        self.instrument
    }

    /// Applies one event; returns whether it was a book event of this instrument.
    #[inline]
    pub fn apply(&mut self, e: &Event) -> bool {
        if e.instrument != self.instrument {
            return false;
        }
        match EventKind::from_u8(e.kind) {
            Some(EventKind::BookAdd) => self.add(e.order_id, e.side, e.price, e.qty),
            Some(EventKind::BookModify) => self.modify(e.order_id, e.side, e.price, e.qty),
            Some(EventKind::BookDelete) => self.delete(e.order_id),
            _ => return false,
        }
        true
    }

    fn ladder(&mut self, side: u8) -> &mut Ladder {
        if side == 0 {
            &mut self.bids
        } else {
            &mut self.asks
        }
    }

    fn add(&mut self, id: u64, side: u8, price: i64, qty: i64) {
        if side > 1 {
            self.anomalies += 1;
            return;
        }
        if self.orders.contains_key(&id) {
            self.anomalies += 1;
            self.delete(id);
        }
        self.orders.insert(id, Resting { price, qty, side });
        self.ladder(side).add(price, qty);
    }

    fn modify(&mut self, id: u64, side: u8, price: i64, qty: i64) {
        match self.orders.get(&id).copied() {
            Some(old) if old.price == price && old.side == side => {
                if self.ladder(side).change(price, qty - old.qty) {
                    if let Some(o) = self.orders.get_mut(&id) {
                        o.qty = qty;
                    }
                } else {
                    self.anomalies += 1;
                }
            }
            Some(_) => {
                self.anomalies += 1;
                self.delete(id);
                self.add(id, side, price, qty);
            }
            None => {
                self.anomalies += 1;
                self.add(id, side, price, qty);
            }
        }
    }

    fn delete(&mut self, id: u64) {
        match self.orders.remove(&id) {
            Some(old) => {
                if !self.ladder(old.side).remove(old.price, old.qty) {
                    self.anomalies += 1;
                }
            }
            None => self.anomalies += 1,
        }
    }

    /// The best bid and ask (price, displayed quantity) and the displayed quantity of the
    /// best `depth_levels` levels of each side. An empty side has price and quantity 0.
    #[inline]
    pub fn top(&self, depth_levels: usize) -> Top {
        let (bid_px, bid_qty) = self.bids.best().map_or((0, 0), |l| (l.price, l.qty));
        let (ask_px, ask_qty) = self.asks.best().map_or((0, 0), |l| (l.price, l.qty));
        Top {
            bid_px,
            bid_qty,
            ask_px,
            ask_qty,
            bid_depth: self.bids.depth(depth_levels),
            ask_depth: self.asks.depth(depth_levels),
        }
    }

    /// Resting orders known.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Levels on each side: (bids, asks).
    pub fn level_count(&self) -> (usize, usize) {
        (self.bids.levels.len(), self.asks.levels.len())
    }

    /// The levels of a side (0 bids, 1 asks), best first: (price, displayed qty, orders).
    pub fn levels(&self, side: u8) -> impl Iterator<Item = (i64, i64, u32)> + '_ {
        let ladder = if side == 0 { &self.bids } else { &self.asks };
        ladder
            .levels
            .iter()
            .rev()
            .map(|l| (l.price, l.qty, l.count))
    }

    /// Feed events that contradicted the tracked state (should stay 0 on an engine feed).
    pub fn anomalies(&self) -> u64 {
        self.anomalies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, id: u64, side: u8, price: i64, qty: i64) -> Event {
        Event {
            order_id: id,
            side,
            price,
            qty,
            kind: kind as u8,
            ..Event::default()
        }
    }

    #[test]
    fn levels_follow_adds_modifies_and_deletes() {
        let mut b = BookTracker::new(0, 16, 16);
        b.apply(&ev(EventKind::BookAdd, 1, 0, 100, 5));
        b.apply(&ev(EventKind::BookAdd, 2, 0, 99, 7));
        b.apply(&ev(EventKind::BookAdd, 3, 1, 102, 4));
        b.apply(&ev(EventKind::BookAdd, 4, 1, 101, 2));
        b.apply(&ev(EventKind::BookAdd, 5, 1, 101, 6));
        assert_eq!(
            b.levels(1).collect::<Vec<_>>(),
            vec![(101, 8, 2), (102, 4, 1)]
        );
        b.apply(&ev(EventKind::BookModify, 5, 1, 101, 1));
        assert_eq!(b.top(1).ask_qty, 3);
        b.apply(&ev(EventKind::BookDelete, 4, 1, 101, 0));
        b.apply(&ev(EventKind::BookDelete, 5, 1, 101, 0));
        let t = b.top(2);
        assert_eq!((t.bid_px, t.bid_qty, t.ask_px, t.ask_qty), (100, 5, 102, 4));
        assert_eq!((t.bid_depth, t.ask_depth), (12, 4));
        assert_eq!(b.anomalies(), 0);
        assert_eq!(b.order_count(), 3);
    }

    #[test]
    fn other_instruments_and_contradictions_do_not_break_it() {
        let mut b = BookTracker::new(3, 4, 4);
        let mut other = ev(EventKind::BookAdd, 1, 0, 100, 5);
        other.instrument = 2;
        assert!(!b.apply(&other));
        let mut own = other;
        own.instrument = 3;
        assert!(b.apply(&own));
        own.kind = EventKind::BookDelete as u8;
        b.apply(&own);
        b.apply(&own); // a second delete of the same order
        own.kind = EventKind::BookModify as u8;
        own.side = 7;
        b.apply(&own); // bad side
        assert_eq!(b.anomalies(), 3);
        assert_eq!(b.level_count(), (0, 0));
    }
}
