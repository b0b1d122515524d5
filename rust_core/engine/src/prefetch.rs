//! Software prefetch: a hint that a cache line will be read soon. `process_batch` uses it to
//! look one or two messages ahead, so that the order-id index entry, the target order and
//! the client-order-id bucket of the next message are on their way into the cache while the
//! current message is processed. It never changes results; on other architectures it does
//! nothing.

/// Hints that the cache line holding `*r` will be needed soon.
#[inline(always)]
pub(crate) fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` only hints the cache hierarchy: it never faults, has no
    // architectural effect and reads no memory into the program; `r` is a valid reference
    // anyway. SSE is part of the x86_64 baseline.
    unsafe {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(r as *const T as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}
