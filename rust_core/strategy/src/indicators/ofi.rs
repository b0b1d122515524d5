//! Order-flow imbalance of Cont, Kukanov and Stoikov (2014), "The price impact of order
//! book events", eq. (2): the net flow at the best quotes between two book states.

use super::Top;

/// The OFI increment `e_n` between the previous top of book and the current one, in
/// quantity units:
///
/// `e = 1{Pb >= Pb'} qb - 1{Pb <= Pb'} qb' - 1{Pa <= Pa'} qa + 1{Pa >= Pa'} qa'`
///
/// (primes for the previous state). An empty side counts as price `-inf` (bid) or `+inf`
/// (ask) with quantity 0, so a side that appears adds its whole queue and a side that
/// vanishes removes its whole previous queue.
///
/// ```
/// use venue_strategy::indicators::{ofi_increment, Top};
/// let before = Top { bid_px: 100, bid_qty: 5, ask_px: 101, ask_qty: 7, ..Top::default() };
/// let after = Top { bid_qty: 8, ..before }; // 3 more bid at the same price
/// assert_eq!(ofi_increment(&before, &after), 3);
/// ```
#[inline]
pub fn ofi_increment(prev: &Top, cur: &Top) -> i64 {
    let (pb0, pb1) = (bid_key(prev), bid_key(cur));
    let (pa0, pa1) = (ask_key(prev), ask_key(cur));
    let mut e = 0;
    if pb1 >= pb0 {
        e += cur.bid_qty;
    }
    if pb1 <= pb0 {
        e -= prev.bid_qty;
    }
    if pa1 <= pa0 {
        e -= cur.ask_qty;
    }
    if pa1 >= pa0 {
        e += prev.ask_qty;
    }
    e
}

#[inline]
fn bid_key(t: &Top) -> i64 {
    if t.has_bid() {
        t.bid_px
    } else {
        i64::MIN
    }
}

#[inline]
fn ask_key(t: &Top) -> i64 {
    if t.has_ask() {
        t.ask_px
    } else {
        i64::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(bid_px: i64, bid_qty: i64, ask_px: i64, ask_qty: i64) -> Top {
        Top {
            bid_px,
            bid_qty,
            ask_px,
            ask_qty,
            ..Top::default()
        }
    }

    #[test]
    fn each_case_of_the_definition() {
        let base = top(100, 5, 102, 7);
        // bid price up: the whole new bid queue is inflow
        assert_eq!(ofi_increment(&base, &top(101, 2, 102, 7)), 2);
        // bid price down: the whole old bid queue is outflow
        assert_eq!(ofi_increment(&base, &top(99, 4, 102, 7)), -5);
        // ask price down: the whole new ask queue is (selling) inflow
        assert_eq!(ofi_increment(&base, &top(100, 5, 101, 3)), -3);
        // ask price up: the old ask queue left
        assert_eq!(ofi_increment(&base, &top(100, 5, 103, 9)), 7);
        // same prices: queue differences
        assert_eq!(ofi_increment(&base, &top(100, 6, 102, 4)), 1 + 3);
    }

    #[test]
    fn empty_sides_are_infinite_prices_with_no_quantity() {
        let base = top(100, 5, 102, 7);
        let no_bid = top(0, 0, 102, 7);
        assert_eq!(ofi_increment(&base, &no_bid), -5);
        assert_eq!(ofi_increment(&no_bid, &base), 5);
        let no_ask = top(100, 5, 0, 0);
        assert_eq!(ofi_increment(&base, &no_ask), 7);
        assert_eq!(ofi_increment(&no_ask, &base), -7);
        assert_eq!(ofi_increment(&Top::default(), &Top::default()), 0);
    }
}
