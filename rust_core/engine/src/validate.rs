//! Validation: the checks of `docs/SEMANTICS.md` that depend only on the message, the
//! instrument and its trading state, each returning the first failing [`Reason`] in the
//! documented order. (The duplicate client order id and post-only checks need the book
//! and live here too, but are called by the engine after these.)

use crate::book::Book;
use crate::engine::EngineError;
use crate::events::OrderMsg;
use crate::instrument::InstrumentSpec;
use crate::types::*;

/// A NEW order that passed checks 1 to 8.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NewOrder {
    /// Instrument (an index into the books).
    pub instrument: u32,
    /// Side.
    pub side: Side,
    /// LIMIT or MARKET.
    pub order_type: OrderType,
    /// Time in force.
    pub tif: Tif,
    /// Flag bits.
    pub flags: u8,
    /// Limit price; 0 for MARKET (the message's price is ignored).
    pub price: i64,
    /// Order quantity.
    pub qty: i64,
    /// Iceberg slice size, 0 if fully displayed.
    pub display_qty: i64,
}

/// Checks an instrument specification (misuse, so an error rather than an event).
pub(crate) fn check_spec(s: &InstrumentSpec) -> Result<(), EngineError> {
    let bad = |why: String| Err(EngineError::InvalidInstrument(why));
    if s.tick_size.0 <= 0 {
        return bad(format!("tick_size must be > 0, got {}", s.tick_size));
    }
    if s.lot_size.0 <= 0 {
        return bad(format!("lot_size must be > 0, got {}", s.lot_size));
    }
    if s.min_qty.0 <= 0 {
        return bad(format!("min_qty must be > 0, got {}", s.min_qty));
    }
    if s.max_qty.0 <= 0 {
        return bad(format!("max_qty must be > 0, got {}", s.max_qty));
    }
    if s.min_qty > s.max_qty {
        return bad(format!(
            "min_qty ({}) must be <= max_qty ({})",
            s.min_qty, s.max_qty
        ));
    }
    if s.min_qty.0 % s.lot_size.0 != 0 {
        return bad(format!(
            "min_qty ({}) must be a multiple of lot_size ({})",
            s.min_qty, s.lot_size
        ));
    }
    if s.max_qty.0 % s.lot_size.0 != 0 {
        return bad(format!(
            "max_qty ({}) must be a multiple of lot_size ({})",
            s.max_qty, s.lot_size
        ));
    }
    Ok(())
}

/// SEAM for trading phases and auctions: whether an instrument in `state` accepts NEW and
/// REPLACE messages. A phase machine (pre-open, auction call, closing auction) would extend
/// [`TradingState`] and decide here; CANCEL, REDUCE and MASS_CANCEL never consult it.
#[inline]
pub(crate) fn check_trading_state(state: TradingState) -> Result<(), Reason> {
    match state {
        TradingState::Open => Ok(()),
        TradingState::Halted => Err(Reason::InstrumentHalted),
    }
}

/// Whether `x` is a multiple of `unit > 0`; skips the divide for the common unit 1.
#[inline(always)]
pub(crate) fn multiple(x: i64, unit: i64) -> bool {
    unit == 1 || x % unit == 0
}

/// NEW step 6 (also REPLACE): quantity positive, on lot, within `min_qty..=max_qty`.
#[inline(always)]
pub(crate) fn check_qty(qty: i64, spec: &InstrumentSpec) -> Result<(), Reason> {
    if qty <= 0 {
        Err(Reason::InvalidQty)
    } else if !multiple(qty, spec.lot_size.0) {
        Err(Reason::OffLot)
    } else if qty < spec.min_qty.0 {
        Err(Reason::QtyBelowMin)
    } else if qty > spec.max_qty.0 {
        Err(Reason::QtyAboveMax)
    } else {
        Ok(())
    }
}

/// NEW step 7 (also REPLACE): limit price positive and on tick.
#[inline(always)]
pub(crate) fn check_price(price: i64, spec: &InstrumentSpec) -> Result<(), Reason> {
    if price <= 0 {
        Err(Reason::InvalidPrice)
    } else if !multiple(price, spec.tick_size.0) {
        Err(Reason::OffTick)
    } else {
        Ok(())
    }
}

/// NEW checks 1 to 8, in order.
///
/// The common case, a plain GTC or DAY limit order (no flags, no iceberg) that passes every
/// check, is recognised with one branch-free test; anything else takes the step-by-step
/// path, which finds the first failing check.
#[inline(always)]
pub(crate) fn check_new(m: &OrderMsg, books: &[Book]) -> Result<NewOrder, Reason> {
    if let Some(book) = books.get(m.instrument as usize) {
        let s = &book.spec;
        let plain = (m.side <= 1)
            & (m.order_type == OrderType::Limit as u8)
            & (m.flags == 0)
            & (m.tif <= Tif::Day as u8)
            & (m.display_qty == 0)
            & (book.state == TradingState::Open)
            & (m.qty >= s.min_qty.0)
            & (m.qty <= s.max_qty.0)
            & (m.price > 0);
        // min_qty > 0, so qty > 0 here.
        if plain && multiple(m.qty, s.lot_size.0) && multiple(m.price, s.tick_size.0) {
            return Ok(NewOrder {
                instrument: m.instrument,
                side: if m.side == 0 { Side::Buy } else { Side::Sell },
                order_type: OrderType::Limit,
                tif: if m.tif == 0 { Tif::Gtc } else { Tif::Day },
                flags: 0,
                price: m.price,
                qty: m.qty,
                display_qty: 0,
            });
        }
    }
    check_new_in_order(m, books)
}

/// NEW checks 1 to 8, one at a time in the documented order.
#[inline(never)]
fn check_new_in_order(m: &OrderMsg, books: &[Book]) -> Result<NewOrder, Reason> {
    // 1. instrument
    let book = books
        .get(m.instrument as usize)
        .ok_or(Reason::UnknownInstrument)?;
    // 2. side
    let side = Side::from_u8(m.side).ok_or(Reason::InvalidSide)?;
    // 3. order type and flags
    let order_type = OrderType::from_u8(m.order_type).ok_or(Reason::InvalidOrderType)?;
    if m.flags & !FLAG_POST_ONLY != 0 {
        return Err(Reason::InvalidOrderType);
    }
    // 4. time in force
    let tif = Tif::from_u8(m.tif).ok_or(Reason::InvalidTif)?;
    let limit = order_type == OrderType::Limit;
    let resting_tif = matches!(tif, Tif::Gtc | Tif::Day);
    if !limit && resting_tif {
        return Err(Reason::InvalidTif);
    }
    if m.flags & FLAG_POST_ONLY != 0 && !(limit && resting_tif) {
        return Err(Reason::InvalidTif);
    }
    // 5. trading state
    check_trading_state(book.state)?;
    // 6. quantity
    let spec = &book.spec;
    check_qty(m.qty, spec)?;
    // 7. price (LIMIT only)
    if limit {
        check_price(m.price, spec)?;
    }
    // 8. iceberg display quantity
    let d = m.display_qty;
    if d != 0
        && !(limit
            && resting_tif
            && 0 < d
            && d < m.qty
            && multiple(d, spec.lot_size.0)
            && within_slices(m.qty, d))
    {
        return Err(Reason::InvalidDisplayQty);
    }
    Ok(NewOrder {
        instrument: m.instrument,
        side,
        order_type,
        tif,
        flags: m.flags,
        price: if limit { m.price } else { 0 },
        qty: m.qty,
        display_qty: d,
    })
}

/// Whether an iceberg of `qty` showing `display_qty` stays within [`MAX_ICEBERG_SLICES`].
#[inline]
pub(crate) fn within_slices(qty: i64, display_qty: i64) -> bool {
    qty <= display_qty.saturating_mul(MAX_ICEBERG_SLICES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(tick: i64, lot: i64, min: i64, max: i64) -> InstrumentSpec {
        InstrumentSpec {
            tick_size: Price(tick),
            lot_size: Qty(lot),
            min_qty: Qty(min),
            max_qty: Qty(max),
        }
    }

    #[test]
    fn spec_errors_name_the_field() {
        let cases = [
            (spec(0, 1, 1, 10), "tick_size"),
            (spec(1, -1, 1, 10), "lot_size"),
            (spec(1, 1, 0, 10), "min_qty must be > 0"),
            (spec(1, 1, 1, 0), "max_qty must be > 0"),
            (spec(1, 1, 11, 10), "<= max_qty"),
            (spec(1, 5, 3, 10), "min_qty (3) must be a multiple"),
            (spec(1, 5, 5, 12), "max_qty (12) must be a multiple"),
        ];
        for (s, want) in cases {
            match check_spec(&s) {
                Err(EngineError::InvalidInstrument(why)) => assert!(why.contains(want), "{why}"),
                other => panic!("{s:?}: {other:?}"),
            }
        }
        assert_eq!(check_spec(&spec(5, 10, 10, 100)), Ok(()));
    }

    #[test]
    fn qty_and_price_checks_in_order() {
        let s = spec(5, 10, 20, 100);
        assert_eq!(check_qty(0, &s), Err(Reason::InvalidQty));
        assert_eq!(check_qty(-10, &s), Err(Reason::InvalidQty));
        assert_eq!(check_qty(15, &s), Err(Reason::OffLot));
        assert_eq!(check_qty(10, &s), Err(Reason::QtyBelowMin));
        assert_eq!(check_qty(110, &s), Err(Reason::QtyAboveMax));
        assert_eq!(check_qty(20, &s), Ok(()));
        assert_eq!(check_price(0, &s), Err(Reason::InvalidPrice));
        assert_eq!(check_price(i64::MIN, &s), Err(Reason::InvalidPrice));
        assert_eq!(check_price(7, &s), Err(Reason::OffTick));
        assert_eq!(check_price(i64::MAX - 2, &s), Ok(()));
    }
}
