//! Price distances: collars (pre-trade) and LULD-style price bands (on trades), as pure
//! functions of a reference price, a width and the tick size.

/// A distance from a reference price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// This many ticks either side.
    Ticks(i64),
    /// This many basis points (1/10000) of the reference either side.
    Bps(i64),
}

impl Width {
    /// The distance in price units for `reference` (`> 0`) and `tick` (`> 0`), never negative.
    #[inline]
    pub fn distance(self, reference: i64, tick: i64) -> i128 {
        match self {
            Width::Ticks(n) => (n.max(0) as i128) * tick as i128,
            Width::Bps(b) => (reference as i128) * (b.max(0) as i128) / 10_000,
        }
    }
}

/// The band `[lo, hi]` around `reference`, each edge rounded inward to a tick multiple (so
/// the band holds only prices an order may have). Always contains `reference` rounded to the
/// tick, and `lo >= tick`.
#[inline]
pub fn band(reference: i64, width: Width, tick: i64) -> (i64, i64) {
    let d = width.distance(reference, tick);
    let t = tick as i128;
    let hi = (reference as i128).saturating_add(d);
    let lo = (reference as i128) - d;
    let hi = hi.div_euclid(t) * t; // floor to tick
    let lo = (lo + t - 1).div_euclid(t) * t; // ceil to tick
    let hi = hi.clamp(t, i64::MAX as i128) as i64;
    let lo = lo.clamp(t, i64::MAX as i128) as i64;
    (lo, hi.max(lo))
}

/// Whether a limit `price` lies within `width` of `reference` (the collar test): the same
/// as `|price - reference| <= distance`, with no division (`x <= floor(y / 10000)` is
/// `10000 x <= y` for integers).
#[inline]
pub fn within(price: i64, reference: i64, width: Width, tick: i64) -> bool {
    let gap = ((price as i128) - (reference as i128)).abs();
    match width {
        Width::Ticks(n) => gap <= (n.max(0) as i128) * tick as i128,
        Width::Bps(b) => gap * 10_000 <= (reference as i128) * (b.max(0) as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_edges_round_inward() {
        assert_eq!(band(1000, Width::Ticks(3), 5), (985, 1015));
        // 5% of 1003 = 50.15 -> 50; 1053 floors to 1050, 953 ceils to 955.
        assert_eq!(band(1003, Width::Bps(500), 5), (955, 1050));
        // The low edge never goes below one tick.
        assert_eq!(band(10, Width::Bps(10_000), 5), (5, 20));
        // Zero width: the reference itself (rounded to the tick).
        assert_eq!(band(100, Width::Ticks(0), 10), (100, 100));
    }

    #[test]
    fn collar_is_inclusive() {
        assert!(within(110, 100, Width::Bps(1000), 1));
        assert!(!within(111, 100, Width::Bps(1000), 1));
        assert!(within(90, 100, Width::Ticks(2), 5));
        assert!(!within(85, 100, Width::Ticks(2), 5));
    }
}
