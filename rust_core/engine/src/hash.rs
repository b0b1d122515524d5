//! The canonical state hash: FNV-1a 64 over the byte string defined in `docs/SEMANTICS.md`
//! (all integers little-endian). Two engines with equal hashes hold, with overwhelming
//! likelihood, the same books, counters and STP configuration.

use crate::book::{Book, BookSide};
use crate::order::{OrderPool, NIL};
use crate::types::StpMode;

/// FNV-1a 64 offset basis.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
pub(crate) const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// An incremental FNV-1a 64 hash.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv64(u64);

impl Fnv64 {
    /// The empty hash (the offset basis).
    pub fn new() -> Self {
        Fnv64(FNV_OFFSET)
    }

    /// Hashes bytes.
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    /// Hashes a `u8`.
    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    /// Hashes a little-endian `u32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    /// Hashes a little-endian `u64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Hashes a little-endian `i64`.
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }

    /// The hash value.
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// One side, best level first: each level as price, order count and its orders in priority
/// order; then the `u32 0xFFFF_FFFF` end marker.
fn side(h: &mut Fnv64, s: &BookSide, pool: &OrderPool) {
    for lvl in s.levels.iter().rev() {
        h.i64(lvl.price);
        h.u32(lvl.count);
        let mut slot = lvl.head;
        while slot != NIL {
            let n = pool.get(slot);
            h.u64(n.order_id);
            h.u64(n.client_order_id);
            h.u32(n.participant);
            h.i64(n.leaves);
            h.i64(n.displayed);
            h.i64(n.display_qty);
            h.u8(n.tif() as u8);
            h.u8(n.flags());
            slot = n.next;
        }
    }
    h.u32(0xFFFF_FFFF);
}

/// The state hash of the whole engine. `stp` lists the participants with a non-NONE mode
/// in increasing participant id.
pub(crate) fn state_hash(
    next_seq: u64,
    next_order_id: u64,
    books: &[Book],
    pool: &OrderPool,
    stp: &[(u32, StpMode)],
) -> u64 {
    let mut h = Fnv64::new();
    h.u64(next_seq);
    h.u64(next_order_id);
    for (id, b) in books.iter().enumerate() {
        h.u32(id as u32);
        h.i64(b.spec.tick_size.0);
        h.i64(b.spec.lot_size.0);
        h.i64(b.spec.min_qty.0);
        h.i64(b.spec.max_qty.0);
        h.u8(b.state as u8);
        side(&mut h, &b.bids, pool);
        side(&mut h, &b.asks, pool);
    }
    for &(p, mode) in stp {
        h.u32(p);
        h.u8(mode as u8);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_64_known_vectors() {
        // Published FNV-1a 64 test vectors.
        let mut h = Fnv64::new();
        h.bytes(b"");
        assert_eq!(h.finish(), 0xcbf2_9ce4_8422_2325);
        let mut h = Fnv64::new();
        h.bytes(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv64::new();
        h.bytes(b"foobar");
        assert_eq!(h.finish(), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn integers_hash_little_endian() {
        let mut a = Fnv64::new();
        a.u32(0x0403_0201);
        let mut b = Fnv64::new();
        b.bytes(&[1, 2, 3, 4]);
        assert_eq!(a.finish(), b.finish());
        let mut a = Fnv64::new();
        a.i64(-2);
        let mut b = Fnv64::new();
        b.bytes(&[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(a.finish(), b.finish());
    }
}
