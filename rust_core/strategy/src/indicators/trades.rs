//! Windows over the last `k` trades (fills): signed-volume imbalance and VWAP.

use super::RollingSum;

/// The last `k` fills: signed volume (buyer-initiated positive), volume and notional, each
/// an exact integer rolling sum.
///
/// ```
/// use venue_strategy::indicators::TradeWindow;
/// let mut w = TradeWindow::new(2);
/// w.push(100, 3, true);
/// w.push(102, 1, false);
/// assert_eq!(w.imbalance(), 0.5); // (3 - 1) / 4
/// assert_eq!(w.vwap(), 100.5); // (300 + 102) / 4
/// ```
#[derive(Clone, Debug)]
pub struct TradeWindow {
    signed: RollingSum<i64>,
    volume: RollingSum<i64>,
    notional: RollingSum<i128>,
}

impl TradeWindow {
    /// A window over the last `k >= 1` fills.
    pub fn new(k: usize) -> Self {
        TradeWindow {
            signed: RollingSum::new(k),
            volume: RollingSum::new(k),
            notional: RollingSum::new(k),
        }
    }

    /// Adds a fill of `qty` at `price`; `buyer_initiated` when the aggressor bought.
    #[inline]
    pub fn push(&mut self, price: i64, qty: i64, buyer_initiated: bool) {
        self.signed.push(if buyer_initiated { qty } else { -qty });
        self.volume.push(qty);
        self.notional.push(i128::from(price) * i128::from(qty));
    }

    /// Fills in the window.
    pub fn len(&self) -> usize {
        self.volume.len()
    }

    /// Whether no fill was seen yet.
    pub fn is_empty(&self) -> bool {
        self.volume.is_empty()
    }

    /// `sum(sign * qty) / sum(qty)` over the window, in [-1, 1]; NaN with no volume.
    #[inline]
    pub fn imbalance(&self) -> f64 {
        let v = self.volume.sum();
        if v == 0 {
            return f64::NAN;
        }
        self.signed.sum() as f64 / v as f64
    }

    /// Volume-weighted average price of the window's fills; NaN with no volume.
    #[inline]
    pub fn vwap(&self) -> f64 {
        let v = self.volume.sum();
        if v == 0 {
            return f64::NAN;
        }
        self.notional.sum() as f64 / v as f64
    }
}
