//! Price levels, FIFO queues and the two sides of one instrument's book.
//!
//! A side is a `Vec<Level>` sorted by a *key* with the best level at the END. The key is
//! the price in ticks for bids and minus that for asks, so both sides are ascending in key,
//! "better" always means "larger key", and neighbouring ticks have neighbouring keys.
//! Matching pops emptied levels from the end; new levels near the touch are inserted with
//! a short memmove.
//!
//! Finding a price: keys are distinct integers, so the level `d` ticks behind the touch can
//! be no further than `d` places from the end. In a dense book (every tick occupied near the
//! touch, as on liquid instruments) the probe at `len - 1 - d` hits at once; otherwise the
//! level lies between that probe and the end and a binary search over that stretch finds it.

use crate::instrument::InstrumentSpec;
use crate::order::{OrderPool, NIL};
use crate::types::{Side, TradingState};

/// Exact division by a tick size without a hardware divide: `tick = 2^shift * odd`, and
/// `x / tick = (x >> shift) * odd^-1 (mod 2^64)` whenever `x` is a multiple of `tick`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TickDiv {
    shift: u32,
    inverse: u64,
}

impl TickDiv {
    /// The divider for a tick size `> 0`.
    pub fn new(tick: i64) -> Self {
        debug_assert!(tick > 0);
        let shift = tick.trailing_zeros();
        let odd = (tick >> shift) as u64;
        // Newton's iteration doubles the correct low bits each step: odd * odd == 1 (mod 8)
        // gives 3 bits, five steps give 96 >= 64.
        let mut inverse = odd;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
        }
        TickDiv { shift, inverse }
    }

    /// `price / tick` for a price that is a multiple of the tick.
    #[inline(always)]
    pub fn ticks(&self, price: i64) -> i64 {
        ((price >> self.shift) as u64).wrapping_mul(self.inverse) as i64
    }
}

/// One price level: a FIFO queue of orders through the order pool.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Level {
    /// Sort key: price in ticks for bids, minus that for asks.
    pub key: i64,
    /// Price.
    pub price: i64,
    /// First order (highest priority), or [`NIL`].
    pub head: u32,
    /// Last order, or [`NIL`].
    pub tail: u32,
    /// Number of orders.
    pub count: u32,
    /// Sum of the orders' displayed quantity. 128 bits: up to 2^32 orders of up to 2^63
    /// each cannot overflow it, so it stays exact whatever the instrument's `max_qty`.
    pub displayed: i128,
}

impl Level {
    /// The displayed sum as an `i64`, saturating (only a level of more than 2^63 units
    /// saturates).
    #[inline]
    pub fn displayed_i64(&self) -> i64 {
        self.displayed.clamp(0, i64::MAX as i128) as i64
    }
}

/// One side of a book: levels sorted ascending by key, best at the end.
#[derive(Clone, Debug)]
pub(crate) struct BookSide {
    /// The side's orders' side.
    pub side: Side,
    /// The levels, best last.
    pub levels: Vec<Level>,
    /// Price -> ticks.
    pub div: TickDiv,
}

impl BookSide {
    /// An empty side of an instrument with this tick size.
    pub fn new(side: Side, tick: i64) -> Self {
        BookSide {
            side,
            levels: Vec::with_capacity(64),
            div: TickDiv::new(tick),
        }
    }

    /// The sort key of a price (a positive multiple of the tick) on this side.
    #[inline(always)]
    pub fn key(&self, price: i64) -> i64 {
        let t = self.div.ticks(price);
        match self.side {
            Side::Buy => t,
            Side::Sell => t.wrapping_neg(),
        }
    }

    /// The best level, if any.
    #[inline]
    pub fn best(&self) -> Option<&Level> {
        self.levels.last()
    }

    /// `Ok(index)` of the level with this key, or `Err(index)` where it would be inserted.
    #[inline]
    pub fn find(&self, key: i64) -> Result<usize, usize> {
        let lv = &self.levels;
        let Some(best) = lv.last() else {
            return Err(0);
        };
        if key >= best.key {
            return if key == best.key {
                Ok(lv.len() - 1)
            } else {
                Err(lv.len())
            };
        }
        // Both keys have the sign of the side, so the difference cannot overflow.
        let behind = (best.key - key) as u64;
        let last = lv.len() - 1;
        let lo = if behind <= last as u64 {
            // The d levels after `probe` have distinct keys in (probe key, best], so the
            // probe's key is at most `key`: a hit, or the level lies after it.
            let probe = last - behind as usize;
            let k = lv[probe].key;
            if k == key {
                return Ok(probe);
            }
            probe + 1
        } else {
            0
        };
        match lv[lo..last].binary_search_by(|l| l.key.cmp(&key)) {
            Ok(i) => Ok(lo + i),
            Err(i) => Err(lo + i),
        }
    }

    /// The index of the level for `price`, created empty if missing.
    #[inline]
    pub fn level_at(&mut self, price: i64) -> usize {
        let key = self.key(price);
        match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.levels.insert(
                    i,
                    Level {
                        key,
                        price,
                        head: NIL,
                        tail: NIL,
                        count: 0,
                        displayed: 0,
                    },
                );
                i
            }
        }
    }

    /// The index of the level for `price`, if it exists.
    #[inline]
    pub fn index_of(&self, price: i64) -> Option<usize> {
        self.find(self.key(price)).ok()
    }

    /// Appends the order in `slot` to the back of level `idx`.
    #[inline]
    pub fn push_back(&mut self, pool: &mut OrderPool, idx: usize, slot: u32) {
        let lvl = &mut self.levels[idx];
        let tail = lvl.tail;
        {
            let n = pool.get_mut(slot);
            n.prev = tail;
            n.next = NIL;
            lvl.displayed += n.displayed as i128;
        }
        if tail == NIL {
            lvl.head = slot;
        } else {
            pool.get_mut(tail).next = slot;
        }
        lvl.tail = slot;
        lvl.count += 1;
    }

    /// Unlinks the order in `slot` from level `idx` (its displayed quantity leaves the
    /// level's sum). An emptied level is removed; returns whether it was.
    #[inline]
    pub fn unlink(&mut self, pool: &mut OrderPool, idx: usize, slot: u32) -> bool {
        let (prev, next, displayed) = {
            let n = pool.get(slot);
            (n.prev, n.next, n.displayed)
        };
        let lvl = &mut self.levels[idx];
        if prev == NIL {
            lvl.head = next;
        } else {
            pool.get_mut(prev).next = next;
        }
        if next == NIL {
            lvl.tail = prev;
        } else {
            pool.get_mut(next).prev = prev;
        }
        lvl.count -= 1;
        lvl.displayed -= displayed as i128;
        if lvl.count == 0 {
            self.levels.remove(idx);
            true
        } else {
            false
        }
    }
}

/// One instrument: its specification, trading state and two sides.
#[derive(Clone, Debug)]
pub(crate) struct Book {
    /// What the instrument accepts.
    pub spec: InstrumentSpec,
    /// OPEN or HALTED.
    pub state: TradingState,
    /// Bids, best (highest) last.
    pub bids: BookSide,
    /// Asks, best (lowest) last.
    pub asks: BookSide,
}

impl Book {
    /// An empty, open book.
    pub fn new(spec: InstrumentSpec) -> Self {
        Book {
            spec,
            state: TradingState::Open,
            bids: BookSide::new(Side::Buy, spec.tick_size.0),
            asks: BookSide::new(Side::Sell, spec.tick_size.0),
        }
    }

    /// The side holding orders of `side`.
    #[inline]
    pub fn side(&self, side: Side) -> &BookSide {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    /// The side holding orders of `side`, mutably.
    #[inline]
    pub fn side_mut(&mut self, side: Side) -> &mut BookSide {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Whether a limit order of `side` at `price` would take liquidity (the post-only test):
    /// a buy at or above the best ask, a sell at or below the best bid.
    #[inline]
    pub fn would_cross(&self, side: Side, price: i64) -> bool {
        match side {
            Side::Buy => self.asks.best().is_some_and(|l| price >= l.price),
            Side::Sell => self.bids.best().is_some_and(|l| price <= l.price),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side_with(side: Side, tick: i64, prices: &[i64]) -> BookSide {
        let mut s = BookSide::new(side, tick);
        for &p in prices {
            s.level_at(p);
        }
        s
    }

    #[test]
    fn levels_keep_the_best_at_the_end() {
        let bids = side_with(Side::Buy, 1, &[100, 98, 102, 99, 101]);
        let p: Vec<i64> = bids.levels.iter().map(|l| l.price).collect();
        assert_eq!(p, vec![98, 99, 100, 101, 102]);
        let asks = side_with(Side::Sell, 1, &[100, 98, 102, 99, 101]);
        let p: Vec<i64> = asks.levels.iter().map(|l| l.price).collect();
        assert_eq!(p, vec![102, 101, 100, 99, 98]);
    }

    #[test]
    fn tick_division_is_exact_for_multiples() {
        for tick in [1i64, 2, 3, 5, 8, 12, 25, 1000, 1 << 40, 3 << 50, i64::MAX] {
            let d = TickDiv::new(tick);
            for q in [1i64, 2, 7, 1000, i64::MAX / tick]
                .into_iter()
                .filter(|&q| q <= i64::MAX / tick)
            {
                assert_eq!(d.ticks(q * tick), q, "{q} * {tick}");
            }
        }
    }

    #[test]
    fn find_agrees_with_a_linear_search_in_dense_and_sparse_books() {
        let layouts: Vec<(i64, Vec<i64>)> = vec![
            (1, (0..40).map(|i| 1000 + i).collect()),
            (5, (0..40).map(|i| 1000 + 15 * i).collect()),
            (
                1,
                vec![1000, 1001, 1002, 1010, 1011, 1050, 1051, 1052, 1053, 1099],
            ),
            (1, vec![]),
            (1, vec![1040]),
        ];
        for (tick, prices) in layouts {
            for side in [Side::Buy, Side::Sell] {
                let s = side_with(side, tick, &prices);
                for p in (900..1200).filter(|p| p % tick == 0) {
                    let key = s.key(p);
                    let want = match s.levels.iter().position(|l| l.key == key) {
                        Some(i) => Ok(i),
                        None => Err(s.levels.iter().filter(|l| l.key < key).count()),
                    };
                    assert_eq!(s.find(key), want, "{side:?} tick {tick} price {p}");
                }
            }
        }
    }

    #[test]
    fn would_cross_compares_with_the_opposite_touch() {
        let mut b = Book::new(InstrumentSpec::default());
        assert!(!b.would_cross(Side::Buy, 1_000));
        b.asks.level_at(105);
        b.bids.level_at(100);
        assert!(b.would_cross(Side::Buy, 105));
        assert!(!b.would_cross(Side::Buy, 104));
        assert!(b.would_cross(Side::Sell, 100));
        assert!(!b.would_cross(Side::Sell, 101));
    }
}
