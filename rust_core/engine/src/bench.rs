//! Measurement support: a low-overhead clock, an HDR-style latency histogram, the
//! order-stream file format (`../shared/bench/ORDER_STREAM.md`) and a runner that plays a
//! stream through the engine.
//!
//! Nothing here is on the matching path: the engine never reads a clock. These are the tools
//! `venue bench` and the criterion benches use to measure it.

use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

/// A monotonic clock read with as little overhead as the platform allows (e.g. `rdtsc`
/// calibrated against `std::time::Instant` on x86_64, `Instant` elsewhere).
///
/// On x86_64 with an invariant TSC (CPUID leaf `0x8000_0007`, EDX bit 8) a reading is one
/// `rdtsc` instruction; [`Clock::new`] measures the TSC rate against `Instant` over a few
/// milliseconds and [`Clock::ticks_to_ns`] converts with a 32.32 fixed-point multiplier. On
/// other targets, or without an invariant TSC, a reading is nanoseconds since the clock was
/// made, from `Instant`.
///
/// ```
/// use venue_engine::bench::Clock;
///
/// let clock = Clock::new();
/// let t0 = clock.now();
/// std::thread::sleep(std::time::Duration::from_millis(2));
/// let ns = clock.ticks_to_ns(clock.now() - t0);
/// assert!(ns >= 1_500_000, "{ns}");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Whether readings are TSC ticks (else ns since `base`).
    tsc: bool,
    /// Nanoseconds per tick, 32.32 fixed point (`1 << 32` for the `Instant` fallback).
    ns_per_tick_fp: u64,
    /// Origin of the `Instant` fallback.
    base: Instant,
}

/// How long [`Clock::new`] measures the TSC against `Instant`.
const CALIBRATION: Duration = Duration::from_millis(5);

impl Clock {
    /// Calibrates the clock (takes a few milliseconds).
    pub fn new() -> Self {
        let base = Instant::now();
        if tsc_is_invariant() {
            if let Some(ns_per_tick_fp) = calibrate_tsc() {
                return Clock {
                    tsc: true,
                    ns_per_tick_fp,
                    base,
                };
            }
        }
        Self::instant()
    }

    /// A clock on `std::time::Instant` alone, whatever the platform (readings are ns).
    pub fn instant() -> Self {
        Clock {
            tsc: false,
            ns_per_tick_fp: 1 << 32,
            base: Instant::now(),
        }
    }

    /// A raw reading, in clock ticks.
    #[inline]
    pub fn now(&self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        if self.tsc {
            return rdtsc();
        }
        self.base.elapsed().as_nanos() as u64
    }

    /// Converts a difference of two readings to nanoseconds.
    #[inline]
    pub fn ticks_to_ns(&self, ticks: u64) -> u64 {
        ((ticks as u128 * self.ns_per_tick_fp as u128) >> 32) as u64
    }

    /// Converts nanoseconds to clock ticks (the inverse of [`Clock::ticks_to_ns`], rounded
    /// down); the open-loop runner schedules arrivals with it.
    #[inline]
    pub fn ns_to_ticks(&self, ns: u64) -> u64 {
        (((ns as u128) << 32) / self.ns_per_tick_fp.max(1) as u128) as u64
    }

    /// What a reading is: `"tsc"` or `"instant"`.
    pub fn source(&self) -> &'static str {
        if self.tsc {
            "tsc"
        } else {
            "instant"
        }
    }

    /// Clock ticks per second (1e9 for the `Instant` clock).
    pub fn ticks_per_second(&self) -> f64 {
        (1u128 << 32) as f64 * 1e9 / self.ns_per_tick_fp.max(1) as f64
    }

    /// The cost of one reading, in ns: the smallest difference between two back-to-back
    /// readings over a few thousand tries. Every timed message carries about this much
    /// measurement overhead.
    pub fn overhead_ns(&self) -> u64 {
        let mut best = u64::MAX;
        for _ in 0..4096 {
            let a = self.now();
            let b = self.now();
            best = best.min(b.wrapping_sub(a));
        }
        self.ticks_to_ns(best)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unused_unsafe)]
fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` exists on every x86_64 processor and has no memory effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)]
fn tsc_is_invariant() -> bool {
    use core::arch::x86_64::__cpuid;
    // SAFETY: `cpuid` exists on every x86_64 processor; leaf 0x8000_0000 reports the highest
    // extended leaf, and we only ask for 0x8000_0007 when it is supported.
    unsafe {
        if __cpuid(0x8000_0000).eax < 0x8000_0007 {
            return false;
        }
        __cpuid(0x8000_0007).edx & (1 << 8) != 0
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn tsc_is_invariant() -> bool {
    false
}

/// Measures ns per TSC tick (32.32 fixed point) against `Instant`; `None` if the TSC does
/// not advance.
#[cfg(target_arch = "x86_64")]
fn calibrate_tsc() -> Option<u64> {
    // Each end is an `Instant` bracketed by two TSC readings: the midpoint of the bracket is
    // the TSC value at the `Instant`, to within half the bracket (tens of ns over 5 ms).
    fn pair() -> (Instant, u64) {
        let mut best = (Instant::now(), 0u64, u64::MAX);
        for _ in 0..16 {
            let a = rdtsc();
            let t = Instant::now();
            let b = rdtsc();
            if b.wrapping_sub(a) < best.2 {
                best = (t, a + b.wrapping_sub(a) / 2, b.wrapping_sub(a));
            }
        }
        (best.0, best.1)
    }
    let (t0, c0) = pair();
    while t0.elapsed() < CALIBRATION {
        std::hint::spin_loop();
    }
    let (t1, c1) = pair();
    let ns = t1.duration_since(t0).as_nanos();
    let ticks = c1.checked_sub(c0)? as u128;
    if ticks == 0 {
        return None;
    }
    let fp = (ns << 32) / ticks;
    (fp > 0 && fp <= u64::MAX as u128).then_some(fp as u64)
}

#[cfg(not(target_arch = "x86_64"))]
fn calibrate_tsc() -> Option<u64> {
    None
}

// ---------------------------------------------------------------------------------------------
// Latency histogram
// ---------------------------------------------------------------------------------------------

/// Sub-buckets per power of two, as a power of two: 2^7 = 128, so a bucket is at most 1/128
/// (0.78%) of its lower bound wide.
const SUB_BITS: u32 = 7;
const SUB: usize = 1 << SUB_BITS;
/// Values below this are recorded exactly (one bucket per value).
const LINEAR: u64 = 2 * SUB as u64;
/// Buckets covering all of `u64`: the linear range, then 128 per power of two above it.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// An HDR-style histogram of nanosecond latencies: log-linear buckets with a bounded
/// relative error (at most 1%), constant-time recording, no allocation after `new`.
///
/// Values below 256 ns are exact; above, each power of two is split into 128 equal buckets,
/// so a quantile is reported as the top of its bucket, at most 1/128 (0.78%) above the true
/// value, and never above the exact maximum. The whole `u64` range fits in 7,424 counters.
///
/// ```
/// use venue_engine::bench::LatencyHistogram;
///
/// let mut h = LatencyHistogram::new();
/// for ns in 1..=1000 {
///     h.record(ns);
/// }
/// assert_eq!(h.count(), 1000);
/// assert_eq!(h.max(), 1000);
/// let p50 = h.quantile(0.5);
/// assert!((500..=504).contains(&p50), "{p50}");
/// ```
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    counts: Box<[u64]>,
    count: u64,
    min: u64,
    max: u64,
    sum: u128,
}

/// The bucket of a value.
#[inline(always)]
fn bucket_of(v: u64) -> usize {
    let bits = 64 - v.leading_zeros();
    let shift = bits.saturating_sub(SUB_BITS + 1);
    ((shift as usize) << SUB_BITS) + (v >> shift) as usize
}

/// The largest value that falls in bucket `i`.
#[inline]
fn bucket_top(i: usize) -> u64 {
    if (i as u64) < LINEAR {
        return i as u64;
    }
    let shift = (i >> SUB_BITS) as u32 - 1;
    let mantissa = (i - ((shift as usize) << SUB_BITS)) as u64;
    // (mantissa + 1) << shift can be 2^64 for the very last bucket.
    (((mantissa as u128 + 1) << shift) - 1).min(u64::MAX as u128) as u64
}

/// Percentiles of a [`LatencyHistogram`], in ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LatencySummary {
    /// Number of values.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// 99.99th percentile.
    pub p9999: u64,
    /// Exact maximum.
    pub max: u64,
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        LatencyHistogram {
            counts: vec![0u64; BUCKETS].into_boxed_slice(),
            count: 0,
            min: u64::MAX,
            max: 0,
            sum: 0,
        }
    }

    /// Records one value, in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        // `bucket_of` is below BUCKETS for every u64; the index check cannot fail.
        self.counts[bucket_of(ns)] += 1;
        self.count += 1;
        self.min = self.min.min(ns);
        self.max = self.max.max(ns);
        self.sum += ns as u128;
    }

    /// Records `n` occurrences of one value, in ns.
    pub fn record_n(&mut self, ns: u64, n: u64) {
        if n == 0 {
            return;
        }
        self.counts[bucket_of(ns)] += n;
        self.count += n;
        self.min = self.min.min(ns);
        self.max = self.max.max(ns);
        self.sum += ns as u128 * n as u128;
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value at quantile `q` in `[0, 1]` (e.g. 0.999), in ns; 0 when empty.
    ///
    /// The smallest bucket whose cumulative count reaches `ceil(q × count)` values, reported
    /// as the top of that bucket (capped at the exact maximum). A `q` outside `[0, 1]` is
    /// clamped into it; NaN counts as 0.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_top(i).clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// The largest recorded value (exact), in ns.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The smallest recorded value (exact), in ns; 0 when empty.
    pub fn min(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.min
        }
    }

    /// The exact mean of the recorded values, in ns; 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// p50, p90, p99, p99.9, p99.99 and the maximum.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.count,
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            p9999: self.quantile(0.9999),
            max: self.max,
        }
    }

    /// Adds another histogram's counts to this one.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.count == 0 {
            return;
        }
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += *b;
        }
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// Forgets every value.
    pub fn reset(&mut self) {
        self.counts.fill(0);
        self.count = 0;
        self.min = u64::MAX;
        self.max = 0;
        self.sum = 0;
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}
