//! The mid-price series on the two-sided steps: returns over the last `k` steps and
//! realised volatility, kept in integer half-units (`bid + ask`) so sums are exact.

use super::RollingSum;

/// The last `horizon + 1` values of `mid2 = bid + ask` and a rolling sum of squared
/// changes of `mid2`.
///
/// ```
/// use venue_strategy::indicators::MidHistory;
/// let mut h = MidHistory::new(2, 10);
/// for mid2 in [200, 202, 206] {
///     h.push(mid2);
/// }
/// assert_eq!(h.ret(2), 3.0); // (206 - 200) / 2 price units
/// assert_eq!(h.realized_vol(), (4.0f64 + 16.0).sqrt() / 2.0);
/// ```
#[derive(Clone, Debug)]
pub struct MidHistory {
    mids: RollingSum<i64>,
    sq_changes: RollingSum<i128>,
}

impl MidHistory {
    /// Keeps enough for returns up to `horizon` steps back and a volatility window of
    /// `vol_window` changes.
    pub fn new(horizon: usize, vol_window: usize) -> Self {
        MidHistory {
            mids: RollingSum::new(horizon + 1),
            sq_changes: RollingSum::new(vol_window),
        }
    }

    /// Adds the mid of a two-sided step, as `bid + ask`.
    #[inline]
    pub fn push(&mut self, mid2: i64) {
        if let Some(prev) = self.mids.get_back(0) {
            let d = i128::from(mid2) - i128::from(prev);
            self.sq_changes.push(d * d);
        }
        self.mids.push(mid2);
    }

    /// The latest mid (price units); NaN before the first two-sided step.
    #[inline]
    pub fn mid(&self) -> f64 {
        self.mids.get_back(0).map_or(f64::NAN, |m| m as f64 / 2.0)
    }

    /// Number of mids seen, capped at the history length.
    pub fn len(&self) -> usize {
        self.mids.len()
    }

    /// Whether no mid was seen yet.
    pub fn is_empty(&self) -> bool {
        self.mids.is_empty()
    }

    /// `mid_now - mid_{k steps ago}` in price units; NaN until `k + 1` mids were seen or if
    /// `k` exceeds the horizon.
    #[inline]
    pub fn ret(&self, k: usize) -> f64 {
        match (self.mids.get_back(0), self.mids.get_back(k)) {
            (Some(now), Some(then)) => (now - then) as f64 / 2.0,
            _ => f64::NAN,
        }
    }

    /// `ln(mid_now / mid_{k steps ago})`; NaN as for [`MidHistory::ret`].
    #[inline]
    pub fn log_ret(&self, k: usize) -> f64 {
        match (self.mids.get_back(0), self.mids.get_back(k)) {
            (Some(now), Some(then)) => (now as f64 / then as f64).ln(),
            _ => f64::NAN,
        }
    }

    /// `sqrt(sum of squared mid changes)` over the last `vol_window` changes (fewer while
    /// filling), price units; NaN before the first change.
    #[inline]
    pub fn realized_vol(&self) -> f64 {
        if self.sq_changes.is_empty() {
            return f64::NAN;
        }
        (self.sq_changes.sum() as f64).sqrt() / 2.0
    }
}
