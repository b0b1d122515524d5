//! Instrument specifications.

use crate::types::{Price, Qty};

/// What an instrument accepts. Prices must be multiples of `tick_size`, quantities
/// multiples of `lot_size` within `min_qty..=max_qty`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstrumentSpec {
    /// Price increment, in price units (> 0).
    pub tick_size: Price,
    /// Quantity increment, in quantity units (> 0).
    pub lot_size: Qty,
    /// Smallest order quantity (a multiple of `lot_size`).
    pub min_qty: Qty,
    /// Largest order quantity (a multiple of `lot_size`).
    pub max_qty: Qty,
}

impl Default for InstrumentSpec {
    /// Tick 1, lot 1, quantities 1 to 1,000,000,000.
    fn default() -> Self {
        InstrumentSpec {
            tick_size: Price(1),
            lot_size: Qty(1),
            min_qty: Qty(1),
            max_qty: Qty(1_000_000_000),
        }
    }
}
