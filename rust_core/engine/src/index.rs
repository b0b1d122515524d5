//! The engine's two lookups: order id -> slot, and (participant, client order id) -> slot,
//! plus the cheap hasher the hash maps use.
//!
//! # Order id -> slot: a direct-indexed `Vec<u32>`
//! Order ids are assigned `1, 2, 3, ...`, so the slot of order `id` is simply `slots[id]`
//! ([`NIL`] once the order is no longer live). A lookup is one bounds check and one load,
//! with no hashing and no probing, and the entry can be prefetched from the id alone.
//!
//! Measured on the default benchmark stream (1M messages, `examples/stream_speed.rs`)
//! against a std `HashMap<u64, u32>` with [`FastHasher`], pre-sized for the live orders:
//! the map took 73 more instructions per message (495 against 422) and 83 against 67 ns per
//! message in the best of five alternating rounds (about 20% slower).
//!
//! The price is memory: 4 bytes for every order *ever accepted*, not just live ones (400 MB
//! after 100 million orders), and the vector grows by amortised doubling, the one
//! allocation that can happen in steady state. A deployment that runs for weeks without a
//! restart would swap this for a map sized to the live orders (or a window that drops ids
//! below the oldest live order); the rest of the engine only calls `get`, `set`, `clear`,
//! `push` and `prefetch`.
//!
//! # Client order ids: an open-addressing table of 8-byte entries
//! Every NEW is checked against the participant's live client order ids, so this lookup is
//! on the hot path, and the table is touched again when an order rests and when it leaves.
//! [`ClientIndex`] stores only `(hash tag, slot)` per entry (8 bytes; hashbrown's buckets of
//! key + value would be 24), uses linear probing at a load of at most 1/2, and deletes by
//! backward shift, so there are no tombstones and no periodic rehash. A tag match is
//! confirmed against the order node itself. Removal needs no key comparison at all: the
//! entry holding the order's slot is the one. The hash is one folded 64x64 -> 128-bit
//! multiply of the key by a rotation of itself ([`FastHasher`] is the same mix as a std
//! `Hasher`, used for the small STP map). It is not keyed, so it does not resist
//! deliberately colliding client order ids; the engine uses no randomness, and a venue
//! facing hostile participants would seed it per session.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use crate::order::NIL;

/// Constants of [`FastHasher`]: the 64-bit golden ratio and the fractional digits of pi
/// (odd, well spread bits; any fixed choice is fine).
const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0x243F_6A88_85A3_08D3;

/// Multiplies two 64-bit words into 128 bits and folds the halves together with xor.
#[inline(always)]
fn folded_mul(a: u64, b: u64) -> u64 {
    let m = (a as u128).wrapping_mul(b as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

/// Mixes one word (wyhash style): the word times its own half-rotation, each side xored
/// with a constant, folded. A product of the word with a *constant* keeps lattice structure
/// (keys `i << 20` fill little over half of 256 buckets); multiplying by a function of the
/// word itself breaks it, at the same cost of one multiply.
#[inline(always)]
fn mix(v: u64) -> u64 {
    folded_mul(v ^ K1, v.rotate_left(32) ^ K2)
}

/// A fast, unkeyed hasher for small integer keys (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = mix(self.0 ^ v);
    }

    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }

    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64);
    }

    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `BuildHasher` of [`FastHasher`].
pub type FastBuild = BuildHasherDefault<FastHasher>;

/// A std `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, FastBuild>;

/// Order id -> slot of a live order (see the module docs for the trade-off).
#[derive(Debug)]
pub(crate) struct OrderIndex {
    slots: Vec<u32>,
}

impl OrderIndex {
    /// An index with room for `n` order ids before it allocates. Id 0 is never assigned.
    pub fn with_capacity(n: usize) -> Self {
        let mut slots = Vec::with_capacity(n.saturating_add(1));
        slots.push(NIL);
        OrderIndex { slots }
    }

    /// Registers the next order id (`id` must be the number of ids registered so far);
    /// it maps to nothing until [`OrderIndex::set`].
    #[inline]
    pub fn push(&mut self, id: u64) {
        debug_assert_eq!(id as usize, self.slots.len());
        self.slots.push(NIL);
    }

    /// The slot of a live order. Any `u64` is a valid argument.
    #[inline]
    pub fn get(&self, id: u64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.slots.get(i)) {
            Some(&s) if s != NIL => Some(s),
            _ => None,
        }
    }

    /// Prefetches the entry of `id` (nothing if it is not registered).
    #[inline(always)]
    pub fn prefetch(&self, id: u64) {
        if let Some(e) = usize::try_from(id).ok().and_then(|i| self.slots.get(i)) {
            crate::prefetch::prefetch(e);
        }
    }

    /// Maps a registered id to a slot.
    #[inline]
    pub fn set(&mut self, id: u64, slot: u32) {
        self.slots[id as usize] = slot;
    }

    /// Marks an order as no longer live.
    #[inline]
    pub fn clear(&mut self, id: u64) {
        self.slots[id as usize] = NIL;
    }
}

/// A participant's client order id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClientKey {
    /// The client order id.
    pub client_order_id: u64,
    /// The participant.
    pub participant: u32,
}

impl ClientKey {
    /// The key's 32-bit hash tag; its low bits are the home position in the table.
    #[inline(always)]
    pub fn tag(&self) -> u32 {
        (mix(self.client_order_id ^ (self.participant as u64).rotate_right(32)) >> 32) as u32
    }
}

impl Hash for ClientKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.client_order_id ^ ((self.participant as u64).rotate_right(32)));
    }
}

/// One table entry: the key's tag and the slot of the order using the key.
#[derive(Clone, Copy, Debug)]
struct Entry {
    tag: u32,
    slot: u32,
}

const EMPTY: Entry = Entry { tag: 0, slot: NIL };

/// (participant, client order id) -> slot of the live order that uses it (see the module
/// docs). Keys are not stored: a lookup confirms a tag match with `is_key(slot)`, which
/// compares the order node's own participant and client order id.
#[derive(Debug)]
pub(crate) struct ClientIndex {
    entries: Vec<Entry>,
    mask: usize,
    len: usize,
}

impl ClientIndex {
    /// A table with room for `n` keys before it grows.
    pub fn with_capacity(n: usize) -> Self {
        let size = n.saturating_mul(2).max(16).next_power_of_two();
        ClientIndex {
            entries: vec![EMPTY; size],
            mask: size - 1,
            len: 0,
        }
    }

    /// Number of keys.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Prefetches the home entry of `tag`.
    #[inline(always)]
    pub fn prefetch(&self, tag: u32) {
        crate::prefetch::prefetch(&self.entries[tag as usize & self.mask]);
    }

    /// The slot stored under `tag` for which `is_key(slot)` holds, if any.
    #[inline]
    pub fn find(&self, tag: u32, is_key: impl Fn(u32) -> bool) -> Option<u32> {
        let mut i = tag as usize & self.mask;
        loop {
            let e = self.entries[i];
            if e.slot == NIL {
                return None;
            }
            if e.tag == tag && is_key(e.slot) {
                return Some(e.slot);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Adds a key (by its tag) that is not in the table.
    #[inline]
    pub fn insert(&mut self, tag: u32, slot: u32) {
        if (self.len + 1) * 2 > self.entries.len() {
            self.grow();
        }
        let mut i = tag as usize & self.mask;
        while self.entries[i].slot != NIL {
            i = (i + 1) & self.mask;
        }
        self.entries[i] = Entry { tag, slot };
        self.len += 1;
    }

    /// Removes the entry of `slot` (stored under `tag`); nothing if it is not there.
    #[inline]
    pub fn remove(&mut self, tag: u32, slot: u32) {
        let mask = self.mask;
        let mut hole = tag as usize & mask;
        loop {
            let e = self.entries[hole];
            if e.slot == slot {
                break;
            }
            if e.slot == NIL {
                return;
            }
            hole = (hole + 1) & mask;
        }
        self.len -= 1;
        // Backward shift: move later entries of the cluster into the hole when their home
        // position allows it, so no probe sequence is ever broken by an empty entry.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let e = self.entries[j];
            if e.slot == NIL {
                break;
            }
            let home = e.tag as usize & mask;
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.entries[hole] = e;
                hole = j;
            }
        }
        self.entries[hole] = EMPTY;
    }

    /// Doubles the table (amortised; `with_capacity` sizes it so steady state never grows).
    #[cold]
    fn grow(&mut self) {
        let size = self.entries.len() * 2;
        let old = std::mem::replace(&mut self.entries, vec![EMPTY; size]);
        self.mask = self.entries.len() - 1;
        for e in old.into_iter().filter(|e| e.slot != NIL) {
            let mut i = e.tag as usize & self.mask;
            while self.entries[i].slot != NIL {
                i = (i + 1) & self.mask;
            }
            self.entries[i] = e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn order_index_maps_registered_ids_only() {
        let mut ix = OrderIndex::with_capacity(2);
        assert_eq!(ix.get(0), None);
        assert_eq!(ix.get(1), None);
        ix.push(1);
        ix.push(2);
        assert_eq!(ix.get(1), None);
        ix.set(2, 7);
        assert_eq!(ix.get(2), Some(7));
        assert_eq!(ix.get(3), None);
        assert_eq!(ix.get(u64::MAX), None);
        ix.clear(2);
        assert_eq!(ix.get(2), None);
    }

    #[test]
    fn fast_hasher_spreads_structured_keys_over_low_and_high_bits() {
        let b = FastBuild::default();
        type Shape = fn(u64) -> (u64, u32);
        let shapes: [(&str, Shape); 6] = [
            ("sequential", |i| (i, 1)),
            ("shifted 20", |i| (i << 20, 1)),
            ("shifted 32", |i| (i << 32, 1)),
            ("times 1000", |i| (i * 1000, 1)),
            ("participants", |i| (1, i as u32)),
            ("high bits", |i| (i << 56, 7)),
        ];
        for (name, f) in shapes {
            let mut low = std::collections::HashSet::new();
            let mut high = std::collections::HashSet::new();
            for i in 0..256u64 {
                let (client_order_id, participant) = f(i);
                let h = b.hash_one(ClientKey {
                    client_order_id,
                    participant,
                });
                low.insert(h & 0xFF);
                high.insert(h >> 57);
            }
            // 256 random keys fill ~162 of 256 buckets and ~111 of 128 control bytes.
            assert!(low.len() > 145, "{name}: low bits {}", low.len());
            assert!(high.len() > 100, "{name}: high bits {}", high.len());
        }
    }

    fn key(client_order_id: u64, participant: u32) -> ClientKey {
        ClientKey {
            client_order_id,
            participant,
        }
    }

    #[test]
    fn client_keys_of_different_participants_have_different_tags() {
        assert_ne!(key(5, 1).tag(), key(5, 2).tag());
        assert_ne!(key(5, 1).tag(), key(6, 1).tag());
    }

    /// The table against a std HashMap over a random sequence of inserts and removes, with
    /// a tiny table and forced tag collisions so that clusters, wrap-around and backward
    /// shifts all happen.
    #[test]
    fn client_index_matches_a_hash_map() {
        use std::collections::HashMap;
        let mut t = ClientIndex::with_capacity(4);
        let mut model: HashMap<u32, u32> = HashMap::new(); // slot -> tag
        let mut x: u64 = 0x1234_5678;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let tag = (x % 24) as u32 | ((x >> 40) as u32 & 0x300);
            if x % 3 == 0 && !model.is_empty() {
                let slot = *model.keys().nth((x >> 8) as usize % model.len()).unwrap();
                t.remove(model.remove(&slot).unwrap(), slot);
            } else if model.len() < 40 {
                t.insert(tag, step);
                model.insert(step, tag);
            }
            assert_eq!(t.len(), model.len());
            if step % 97 == 0 {
                for (&slot, &tag) in &model {
                    assert_eq!(t.find(tag, |s| s == slot), Some(slot), "step {step}");
                }
                assert_eq!(t.find(tag ^ 0x400, |_| true), None);
            }
        }
    }
}
