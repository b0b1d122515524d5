//! An integer token bucket driven by message timestamps (the engine reads no clock).

/// Nanoseconds per second: one token is this many "token-nanoseconds".
const NS: i128 = 1_000_000_000;

/// A token bucket holding at most `burst` tokens, refilled at `rate` tokens per second of
/// message time. Levels are kept in token-nanoseconds so that refills are exact integers.
///
/// Time never runs backwards for the bucket: a timestamp older than the last one seen
/// refills nothing (the engine does not require monotonic timestamps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    rate: i128,
    cap: i128,
    level: i128,
    last: i64,
}

impl TokenBucket {
    /// A full bucket: `rate` tokens per second, at most `burst` tokens (both `>= 1`).
    pub fn new(rate: u64, burst: u64) -> Self {
        let cap = burst as i128 * NS;
        TokenBucket {
            rate: rate as i128,
            cap,
            level: cap,
            last: i64::MIN,
        }
    }

    /// Refills up to `ts`.
    #[inline]
    fn refill(&mut self, ts: i64) {
        if self.last == i64::MIN {
            self.last = ts;
            return;
        }
        if ts > self.last {
            let dt = (ts as i128) - (self.last as i128);
            self.level = (self.level + dt * self.rate).min(self.cap);
            self.last = ts;
        }
    }

    /// Whether a token is available at `ts` (refilling first); takes nothing.
    #[inline]
    pub fn available(&mut self, ts: i64) -> bool {
        self.refill(ts);
        self.level >= NS
    }

    /// Takes one token; call only after [`TokenBucket::available`] returned true.
    #[inline]
    pub fn take(&mut self) {
        self.level -= NS;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_rate() {
        let mut b = TokenBucket::new(10, 3); // 10/s, burst 3
        for _ in 0..3 {
            assert!(b.available(0));
            b.take();
        }
        assert!(!b.available(0));
        // One token every 100 ms.
        assert!(!b.available(99_999_999));
        assert!(b.available(100_000_000));
        b.take();
        assert!(!b.available(100_000_000));
        // A long idle period refills to the burst only.
        assert!(b.available(10_000_000_000));
        for _ in 0..3 {
            assert!(b.available(10_000_000_000));
            b.take();
        }
        assert!(!b.available(10_000_000_000));
    }

    #[test]
    fn old_timestamps_refill_nothing() {
        let mut b = TokenBucket::new(1, 1);
        assert!(b.available(5_000_000_000));
        b.take();
        assert!(!b.available(0));
        assert!(!b.available(5_999_999_999));
        assert!(b.available(6_000_000_000));
    }
}
