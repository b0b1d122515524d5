//! Pooled order nodes: every resting order lives in one slab (`Vec<Node>`) and is named by
//! its `u32` slot. A level's FIFO queue is an intrusive doubly-linked list through the
//! nodes' `prev`/`next` slots, so unlinking any order is O(1). Freed slots are chained
//! through `next` into a free list and reused, so the slab never grows past the largest
//! number of orders that were ever live at once.

use crate::types::{Side, Tif, FLAG_POST_ONLY};

/// "No slot": the end of a list, or an order id that maps to nothing.
pub(crate) const NIL: u32 = u32::MAX;

/// Instrument ids must be below this for the id to fit a node's packed word (24 bits).
pub(crate) const MAX_INSTRUMENTS: usize = 1 << 24;

/// One order while it is live (resting, or matching as the taker of a REPLACE).
///
/// Exactly one 64-byte cache line: matching, cancels and queue walks touch one line per
/// order. The instrument, side, time in force and post-only flag share one packed word.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct Node {
    /// Engine order id; 0 marks a free slot.
    pub order_id: u64,
    /// The owner's id for the order.
    pub client_order_id: u64,
    /// Limit price.
    pub price: i64,
    /// Open quantity, hidden reserve included.
    pub leaves: i64,
    /// Visible quantity (`== leaves` unless an iceberg).
    pub displayed: i64,
    /// Iceberg slice size, 0 if fully displayed.
    pub display_qty: i64,
    /// Previous order in the level (towards the head), or [`NIL`].
    pub prev: u32,
    /// Next order in the level (towards the tail), or [`NIL`]; the free-list link of a free
    /// slot.
    pub next: u32,
    /// Owner.
    pub participant: u32,
    /// Instrument (bits 0-23), side (bit 24), time in force (bits 25-26), post-only (27).
    meta: u32,
}

const _: () = assert!(core::mem::size_of::<Node>() == 64);

impl Node {
    /// A node that is in no list yet. `instrument < MAX_INSTRUMENTS`; `flags` is 0 or
    /// [`FLAG_POST_ONLY`] (validated before).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn new(
        order_id: u64,
        client_order_id: u64,
        participant: u32,
        instrument: u32,
        side: Side,
        tif: Tif,
        flags: u8,
        price: i64,
        leaves: i64,
        display_qty: i64,
    ) -> Node {
        debug_assert!((instrument as usize) < MAX_INSTRUMENTS && flags & !FLAG_POST_ONLY == 0);
        Node {
            order_id,
            client_order_id,
            price,
            leaves,
            displayed: Node::slice(display_qty, leaves),
            display_qty,
            prev: NIL,
            next: NIL,
            participant,
            meta: (instrument & 0x00FF_FFFF)
                | (side as u32) << 24
                | (tif as u32) << 25
                | ((flags & FLAG_POST_ONLY) as u32) << 27,
        }
    }

    /// Instrument.
    #[inline(always)]
    pub fn instrument(&self) -> u32 {
        self.meta & 0x00FF_FFFF
    }

    /// Side.
    #[inline(always)]
    pub fn side(&self) -> Side {
        if self.meta & (1 << 24) == 0 {
            Side::Buy
        } else {
            Side::Sell
        }
    }

    /// Time in force.
    #[inline(always)]
    pub fn tif(&self) -> Tif {
        match (self.meta >> 25) & 3 {
            0 => Tif::Gtc,
            1 => Tif::Day,
            2 => Tif::Ioc,
            _ => Tif::Fok,
        }
    }

    /// Flag bits.
    #[inline(always)]
    pub fn flags(&self) -> u8 {
        ((self.meta >> 27) & 1) as u8
    }

    /// The displayed quantity of a fresh slice: `min(display_qty, leaves)` for an iceberg,
    /// all of `leaves` otherwise.
    #[inline(always)]
    pub fn slice(display_qty: i64, leaves: i64) -> i64 {
        if display_qty > 0 {
            display_qty.min(leaves)
        } else {
            leaves
        }
    }
}

/// The slab of order nodes with its free list.
#[derive(Debug, Default)]
pub(crate) struct OrderPool {
    nodes: Vec<Node>,
    free: u32,
    live: usize,
}

impl OrderPool {
    /// A pool with room for `n` orders before it allocates.
    pub fn with_capacity(n: usize) -> Self {
        OrderPool {
            nodes: Vec::with_capacity(n),
            free: NIL,
            live: 0,
        }
    }

    /// Stores `node` in a free slot (reusing freed slots first) and returns the slot.
    #[inline]
    pub fn alloc(&mut self, node: Node) -> u32 {
        self.live += 1;
        if self.free != NIL {
            let slot = self.free;
            let n = &mut self.nodes[slot as usize];
            self.free = n.next;
            *n = node;
            slot
        } else {
            // More than u32::MAX - 1 simultaneous orders would need > 300 GB of nodes;
            // the allocator fails long before this index wraps.
            let slot = self.nodes.len() as u32;
            self.nodes.push(node);
            slot
        }
    }

    /// Returns a slot to the free list.
    #[inline]
    pub fn free(&mut self, slot: u32) {
        let free = self.free;
        let n = &mut self.nodes[slot as usize];
        n.order_id = 0;
        n.next = free;
        self.free = slot;
        self.live -= 1;
    }

    /// Number of allocated nodes.
    #[inline]
    pub fn live(&self) -> usize {
        self.live
    }

    /// Prefetches the node in `slot` (nothing if out of range).
    #[inline(always)]
    pub fn prefetch(&self, slot: u32) {
        if let Some(n) = self.nodes.get(slot as usize) {
            crate::prefetch::prefetch(n);
        }
    }

    /// The node in `slot`.
    #[inline]
    pub fn get(&self, slot: u32) -> &Node {
        &self.nodes[slot as usize]
    }

    /// The node in `slot`, mutably.
    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> &mut Node {
        &mut self.nodes[slot as usize]
    }

    /// Every allocated node with its slot, in slot order (not order-id order).
    pub fn iter_live(&self) -> impl Iterator<Item = (u32, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.order_id != 0)
            .map(|(i, n)| (i as u32, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u64) -> Node {
        Node::new(id, 0, 0, 0, Side::Buy, Tif::Gtc, 0, 1, 1, 0)
    }

    #[test]
    fn packed_fields_round_trip() {
        for (inst, side, tif, flags) in [
            (0u32, Side::Buy, Tif::Gtc, 0u8),
            (0x00FF_FFFF, Side::Sell, Tif::Day, 1),
            (12345, Side::Sell, Tif::Fok, 0),
            (7, Side::Buy, Tif::Ioc, 1),
        ] {
            let n = Node::new(9, 8, 7, inst, side, tif, flags, 100, 50, 10);
            assert_eq!(
                (n.instrument(), n.side(), n.tif(), n.flags()),
                (inst, side, tif, flags)
            );
            assert_eq!((n.leaves, n.displayed, n.display_qty), (50, 10, 10));
        }
    }

    #[test]
    fn freed_slots_are_reused_last_in_first_out() {
        let mut p = OrderPool::with_capacity(4);
        let a = p.alloc(node(1));
        let b = p.alloc(node(2));
        let c = p.alloc(node(3));
        assert_eq!((a, b, c), (0, 1, 2));
        p.free(a);
        p.free(c);
        assert_eq!(p.live(), 1);
        assert_eq!(p.alloc(node(4)), c);
        assert_eq!(p.alloc(node(5)), a);
        assert_eq!(p.alloc(node(6)), 3);
        let ids: Vec<u64> = p.iter_live().map(|(_, n)| n.order_id).collect();
        assert_eq!(ids, vec![5, 2, 4, 6]);
    }

    #[test]
    fn slice_is_display_qty_capped_by_leaves() {
        assert_eq!(Node::slice(0, 7), 7);
        assert_eq!(Node::slice(3, 7), 3);
        assert_eq!(Node::slice(10, 7), 7);
    }
}
