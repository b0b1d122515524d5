//! A fixed-capacity rolling sum: the last `k` values and their total, kept exactly in
//! integers (no drift), with the buffer allocated once at construction.

use core::ops::{Add, Sub};

/// The sum of the last `capacity` values pushed (fewer while it fills up).
///
/// ```
/// use venue_strategy::indicators::RollingSum;
/// let mut w = RollingSum::<i64>::new(2);
/// w.push(1);
/// w.push(2);
/// w.push(5); // the 1 falls out
/// assert_eq!((w.sum(), w.len()), (7, 2));
/// ```
#[derive(Clone, Debug)]
pub struct RollingSum<T> {
    buf: Vec<T>,
    pos: usize,
    len: usize,
    sum: T,
}

impl<T: Copy + Default + Add<Output = T> + Sub<Output = T>> RollingSum<T> {
    /// An empty window of `capacity >= 1` values (0 is taken as 1).
    pub fn new(capacity: usize) -> Self {
        RollingSum {
            buf: vec![T::default(); capacity.max(1)],
            pos: 0,
            len: 0,
            sum: T::default(),
        }
    }

    /// Adds `v`; the oldest value leaves once the window is full.
    #[inline]
    pub fn push(&mut self, v: T) {
        let old = self.buf[self.pos];
        if self.len == self.buf.len() {
            self.sum = self.sum - old;
        } else {
            self.len += 1;
        }
        self.buf[self.pos] = v;
        self.sum = self.sum + v;
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
    }

    /// The sum of the values in the window (0 when empty).
    #[inline]
    pub fn sum(&self) -> T {
        self.sum
    }

    /// How many values the window holds (at most its capacity).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was pushed yet.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The window's capacity.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The value pushed `back` pushes ago (`0` = the latest), if the window still holds it.
    #[inline]
    pub fn get_back(&self, back: usize) -> Option<T> {
        if back >= self.len {
            return None;
        }
        let cap = self.buf.len();
        Some(self.buf[(self.pos + cap - 1 - back) % cap])
    }
}
