//! Measurement support: a low-overhead clock, an HDR-style latency histogram, the
//! order-stream file format (`../shared/bench/ORDER_STREAM.md`) and a runner that plays a
//! stream through the engine.
//!
//! Nothing here is on the matching path: the engine never reads a clock. These are the tools
//! `venue bench` and the criterion benches use to measure it.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::events::{Event, OrderMsg};
use crate::instrument::InstrumentSpec;
use crate::risk::{Collar, Controls, Limits, PriceBand, Reference, Width};
use crate::types::*;

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

    /// The non-empty buckets as `(largest value of the bucket, count)`, in increasing
    /// order: a compact export from which [`LatencyHistogram::from_buckets`] rebuilds the
    /// same counts (e.g. to pool histograms made in different engines). Allocates.
    pub fn nonzero_buckets(&self) -> Vec<(u64, u64)> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, &c)| (bucket_top(i), c))
            .collect()
    }

    /// Rebuilds a histogram from [`LatencyHistogram::nonzero_buckets`] and the exact
    /// minimum (if known) and maximum. Quantiles, count, min and max are as in the original;
    /// the mean becomes approximate (each value counts as its bucket's top).
    pub fn from_buckets(buckets: &[(u64, u64)], min: Option<u64>, max: u64) -> Self {
        let mut h = LatencyHistogram::new();
        for &(value, n) in buckets {
            h.record_n(value, n);
        }
        if h.count > 0 {
            h.max = max;
            if let Some(m) = min {
                h.min = m;
            }
        }
        h
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

// ---------------------------------------------------------------------------------------------
// The order-stream format
// ---------------------------------------------------------------------------------------------

/// Record type: a limit order that may cross, then rests with what is left.
pub const STREAM_ADD: u8 = 0;
/// Record type: cancel a resting order (unknown id: nothing happens).
pub const STREAM_CANCEL: u8 = 1;
/// Record type: move a resting order to a new price and/or quantity.
pub const STREAM_MODIFY: u8 = 2;
/// Record type: a marketable limit order (same rules as ADD).
pub const STREAM_MKT: u8 = 3;

/// Names of the record types, by code.
pub const STREAM_TYPE_NAMES: [&str; 4] = ["ADD", "CANCEL", "MODIFY", "MKT"];

/// Size of one [`StreamRecord`] in a file, in bytes.
pub const STREAM_RECORD_SIZE: usize = 32;

/// One record of an order-stream file: 32 bytes, little-endian, `#[repr(C)]`, the numpy
/// dtype `[("typ", "u1"), ("side", "u1"), ("pad", "u1", (6,)), ("id", "<u8"), ("px", "<i8"),
/// ("qty", "<i8")]` of `ORDER_STREAM.md`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct StreamRecord {
    /// [`STREAM_ADD`], [`STREAM_CANCEL`], [`STREAM_MODIFY`] or [`STREAM_MKT`].
    pub typ: u8,
    /// 0 buy, 1 sell (informational for CANCEL and MODIFY).
    pub side: u8,
    /// Ignored.
    pub pad: [u8; 6],
    /// Order id: a new id for ADD and MKT (1, 2, 3, ... in stream order), the target of
    /// CANCEL and MODIFY.
    pub id: u64,
    /// Price in ticks (informational for CANCEL).
    pub px: i64,
    /// Quantity in lots (informational for CANCEL).
    pub qty: i64,
}

const _: () = {
    assert!(core::mem::size_of::<StreamRecord>() == STREAM_RECORD_SIZE);
    assert!(core::mem::offset_of!(StreamRecord, id) == 8);
    assert!(core::mem::offset_of!(StreamRecord, px) == 16);
    assert!(core::mem::offset_of!(StreamRecord, qty) == 24);
};

/// Why an order stream cannot be used. Every variant names the record (0-based index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// The file could not be read.
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The length is not a multiple of 32 bytes: the last record is cut short.
    Truncated {
        /// Length of the input, in bytes.
        len: usize,
        /// Index of the incomplete record.
        record: usize,
        /// How many of its 32 bytes are present.
        bytes: usize,
    },
    /// A record type other than 0 to 3.
    UnknownType {
        /// Record index.
        record: usize,
        /// The type byte.
        typ: u8,
    },
    /// ADD or MKT with a side other than 0 (buy) or 1 (sell).
    InvalidSide {
        /// Record index.
        record: usize,
        /// The side byte.
        side: u8,
    },
    /// A price or quantity that is not positive where one is needed.
    InvalidValue {
        /// Record index.
        record: usize,
        /// `"px"` or `"qty"`.
        field: &'static str,
        /// The value.
        value: i64,
    },
    /// ADD and MKT ids must be 1, 2, 3, ... in stream order (they become the engine's ids).
    IdOutOfOrder {
        /// Record index.
        record: usize,
        /// The id in the record.
        id: u64,
        /// The id expected there.
        expected: u64,
    },
    /// The engine gave an ADD or MKT another id than the stream's (it rejected the order).
    EngineIdMismatch {
        /// Record index.
        record: usize,
        /// The id in the record.
        id: u64,
        /// The id the engine returned (0: rejected).
        engine_id: u64,
    },
}

impl core::fmt::Display for StreamError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StreamError::Io { path, message } => {
                write!(f, "cannot read order stream {path}: {message}")
            }
            StreamError::Truncated { len, record, bytes } => write!(
                f,
                "order stream is truncated: {len} bytes is not a multiple of \
                 {STREAM_RECORD_SIZE}; record {record} has only {bytes} of its \
                 {STREAM_RECORD_SIZE} bytes"
            ),
            StreamError::UnknownType { record, typ } => write!(
                f,
                "order stream record {record}: unknown type {typ} (expected 0 ADD, 1 CANCEL, \
                 2 MODIFY or 3 MKT)"
            ),
            StreamError::InvalidSide { record, side } => write!(
                f,
                "order stream record {record}: invalid side {side} (expected 0 buy or 1 sell)"
            ),
            StreamError::InvalidValue {
                record,
                field,
                value,
            } => write!(
                f,
                "order stream record {record}: {field} must be positive, got {value}"
            ),
            StreamError::IdOutOfOrder {
                record,
                id,
                expected,
            } => write!(
                f,
                "order stream record {record}: new order id {id}, expected {expected} (ADD and \
                 MKT ids must be 1, 2, 3, ... in stream order)"
            ),
            StreamError::EngineIdMismatch {
                record,
                id,
                engine_id,
            } => write!(
                f,
                "order stream record {record}: the engine gave new order {id} the id \
                 {engine_id} (0 means it was rejected)"
            ),
        }
    }
}

impl std::error::Error for StreamError {}

impl StreamRecord {
    /// Decodes one 32-byte little-endian record (no validation).
    #[inline]
    pub fn from_bytes(b: &[u8; STREAM_RECORD_SIZE]) -> Self {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            w
        };
        let mut pad = [0u8; 6];
        pad.copy_from_slice(&b[2..8]);
        StreamRecord {
            typ: b[0],
            side: b[1],
            pad,
            id: u64::from_le_bytes(word(8)),
            px: i64::from_le_bytes(word(16)),
            qty: i64::from_le_bytes(word(24)),
        }
    }

    /// Encodes the record as 32 little-endian bytes.
    pub fn to_bytes(&self) -> [u8; STREAM_RECORD_SIZE] {
        let mut b = [0u8; STREAM_RECORD_SIZE];
        b[0] = self.typ;
        b[1] = self.side;
        b[2..8].copy_from_slice(&self.pad);
        b[8..16].copy_from_slice(&self.id.to_le_bytes());
        b[16..24].copy_from_slice(&self.px.to_le_bytes());
        b[24..32].copy_from_slice(&self.qty.to_le_bytes());
        b
    }

    /// Checks record `index` against the format: a known type; for ADD and MKT a side of 0
    /// or 1, a positive price and quantity and the next new-order id `next_id`; for MODIFY
    /// a positive price and quantity. CANCEL's other fields are informational.
    pub fn validate(&self, index: usize, next_id: u64) -> Result<(), StreamError> {
        let positive = |field: &'static str, value: i64| {
            if value > 0 {
                Ok(())
            } else {
                Err(StreamError::InvalidValue {
                    record: index,
                    field,
                    value,
                })
            }
        };
        match self.typ {
            STREAM_ADD | STREAM_MKT => {
                if self.side > 1 {
                    return Err(StreamError::InvalidSide {
                        record: index,
                        side: self.side,
                    });
                }
                positive("px", self.px)?;
                positive("qty", self.qty)?;
                if self.id != next_id {
                    return Err(StreamError::IdOutOfOrder {
                        record: index,
                        id: self.id,
                        expected: next_id,
                    });
                }
                Ok(())
            }
            STREAM_MODIFY => {
                positive("px", self.px)?;
                positive("qty", self.qty)
            }
            STREAM_CANCEL => Ok(()),
            typ => Err(StreamError::UnknownType { record: index, typ }),
        }
    }
}

/// Decodes and validates a whole stream (see [`StreamRecord::validate`]).
///
/// ```
/// use venue_engine::bench::{parse_stream, StreamError, StreamRecord, STREAM_ADD};
///
/// let rec = StreamRecord { typ: STREAM_ADD, side: 0, id: 1, px: 100, qty: 5, ..Default::default() };
/// let mut bytes = rec.to_bytes().to_vec();
/// assert_eq!(parse_stream(&bytes).unwrap(), vec![rec]);
/// bytes.pop();
/// assert!(matches!(parse_stream(&bytes), Err(StreamError::Truncated { record: 0, bytes: 31, .. })));
/// ```
pub fn parse_stream(bytes: &[u8]) -> Result<Vec<StreamRecord>, StreamError> {
    let rest = bytes.len() % STREAM_RECORD_SIZE;
    if rest != 0 {
        return Err(StreamError::Truncated {
            len: bytes.len(),
            record: bytes.len() / STREAM_RECORD_SIZE,
            bytes: rest,
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / STREAM_RECORD_SIZE);
    let mut next_id = 1u64;
    for (i, chunk) in bytes.chunks_exact(STREAM_RECORD_SIZE).enumerate() {
        let rec = StreamRecord::from_bytes(chunk.try_into().expect("chunks_exact gives 32"));
        rec.validate(i, next_id)?;
        if rec.typ == STREAM_ADD || rec.typ == STREAM_MKT {
            next_id += 1;
        }
        out.push(rec);
    }
    Ok(out)
}

/// Reads and validates an order-stream file.
pub fn read_stream(path: &std::path::Path) -> Result<Vec<StreamRecord>, StreamError> {
    let bytes = std::fs::read(path).map_err(|e| StreamError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse_stream(&bytes)
}

/// Encodes records as the file format.
pub fn stream_to_bytes(records: &[StreamRecord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * STREAM_RECORD_SIZE);
    for r in records {
        out.extend_from_slice(&r.to_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The result summary
// ---------------------------------------------------------------------------------------------

/// What any correct engine reports after a stream (the `expected` block of `meta.json`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Number of (resting order, aggressor) fills.
    pub fills: u64,
    /// Total quantity filled.
    pub traded: u128,
    /// Sum over fills of resting order id × fill quantity, modulo 2^64.
    pub chk: u64,
    /// Orders resting at the end.
    pub live: u64,
    /// Final best bid, in ticks.
    pub best_bid: Option<i64>,
    /// Final best ask, in ticks.
    pub best_ask: Option<i64>,
}

impl StreamSummary {
    /// Counts one fill of `qty` against resting order `maker`.
    #[inline]
    pub fn add_fill(&mut self, maker: u64, qty: i64) {
        self.fills += 1;
        self.traded += qty as u128;
        self.chk = self.chk.wrapping_add(maker.wrapping_mul(qty as u64));
    }

    /// Counts the TRADE events among `events` (the other kinds do not change the summary).
    pub fn add_events(&mut self, events: &[Event]) {
        for e in events {
            if e.kind == EventKind::Trade as u8 {
                self.add_fill(e.maker_order_id, e.qty);
            }
        }
    }

    /// Sets `live`, `best_bid` and `best_ask` from the engine's book of the stream's
    /// instrument.
    pub fn set_book(&mut self, engine: &Engine) {
        self.live = engine.live_orders() as u64;
        let bbo = engine.bbo(STREAM_INSTRUMENT).unwrap_or_default();
        self.best_bid = bbo.bid.map(|(p, _)| p.0);
        self.best_ask = bbo.ask.map(|(p, _)| p.0);
    }
}

// ---------------------------------------------------------------------------------------------
// The reference book of the stream format
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct RefOrder {
    side: u8,
    px: i64,
    qty: i64,
    /// Position key in its level: smaller is earlier.
    seq: u64,
}

/// A slow, obviously correct price-time book with the semantics of `ORDER_STREAM.md`, a
/// port of `pybook.py` (the matcher `gen_stream.py` uses): sorted price levels, each a FIFO
/// keyed by arrival. It is the oracle the engine's stream results are checked against, and
/// the book the stream generator ([`generate_stream`]) runs on.
///
/// Like `pybook.py`, MODIFY never matches: a modify to a crossing price rests there (the
/// generator emits none).
#[derive(Clone, Debug, Default)]
pub struct RefBook {
    orders: HashMap<u64, RefOrder>,
    /// Bids by price (best = last).
    bids: BTreeMap<i64, BTreeMap<u64, u64>>,
    /// Asks by price (best = first).
    asks: BTreeMap<i64, BTreeMap<u64, u64>>,
    next_seq: u64,
    summary: StreamSummary,
}

impl RefBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Best bid price.
    pub fn best_bid(&self) -> Option<i64> {
        self.bids.keys().next_back().copied()
    }

    /// Best ask price.
    pub fn best_ask(&self) -> Option<i64> {
        self.asks.keys().next().copied()
    }

    /// Number of resting orders.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    /// Whether no order rests.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Number of price levels, both sides.
    pub fn levels(&self) -> usize {
        self.bids.len() + self.asks.len()
    }

    /// A resting order's `(side, px, qty)`.
    pub fn order(&self, id: u64) -> Option<(u8, i64, i64)> {
        self.orders.get(&id).map(|o| (o.side, o.px, o.qty))
    }

    /// Whether order `id` rests.
    pub fn contains(&self, id: u64) -> bool {
        self.orders.contains_key(&id)
    }

    /// The summary so far (`live`, `best_bid`, `best_ask` as of now).
    pub fn summary(&self) -> StreamSummary {
        StreamSummary {
            live: self.orders.len() as u64,
            best_bid: self.best_bid(),
            best_ask: self.best_ask(),
            ..self.summary
        }
    }

    /// Applies one record.
    pub fn process(&mut self, r: &StreamRecord) {
        match r.typ {
            STREAM_CANCEL => {
                self.cancel(r.id);
            }
            STREAM_MODIFY => {
                self.modify(r.id, r.px, r.qty);
            }
            _ => self.add(r.id, r.side, r.px, r.qty),
        }
    }

    /// A limit order: matches against the other side at the resting prices, then rests.
    pub fn add(&mut self, id: u64, side: u8, px: i64, mut qty: i64) {
        while qty > 0 {
            let book = if side == 0 {
                &mut self.asks
            } else {
                &mut self.bids
            };
            let best = if side == 0 {
                book.first_entry()
            } else {
                book.last_entry()
            };
            let Some(mut level) = best else { break };
            let lpx = *level.key();
            if (side == 0 && lpx > px) || (side == 1 && lpx < px) {
                break;
            }
            while qty > 0 {
                let Some(first) = level.get_mut().first_entry() else {
                    break;
                };
                let maker = *first.get();
                let o = self.orders.get_mut(&maker).expect("level entries are live");
                let f = o.qty.min(qty);
                qty -= f;
                o.qty -= f;
                if o.qty == 0 {
                    first.remove();
                    self.orders.remove(&maker);
                }
                self.summary.add_fill(maker, f);
            }
            if level.get().is_empty() {
                level.remove();
            }
        }
        if qty > 0 {
            self.rest(id, side, px, qty);
        }
    }

    fn rest(&mut self, id: u64, side: u8, px: i64, qty: i64) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let book = if side == 0 {
            &mut self.bids
        } else {
            &mut self.asks
        };
        book.entry(px).or_default().insert(seq, id);
        self.orders.insert(id, RefOrder { side, px, qty, seq });
    }

    fn unlink(&mut self, o: &RefOrder) {
        let book = if o.side == 0 {
            &mut self.bids
        } else {
            &mut self.asks
        };
        if let std::collections::btree_map::Entry::Occupied(mut level) = book.entry(o.px) {
            level.get_mut().remove(&o.seq);
            if level.get().is_empty() {
                level.remove();
            }
        }
    }

    /// Cancels a resting order; `false` if it does not rest.
    pub fn cancel(&mut self, id: u64) -> bool {
        match self.orders.remove(&id) {
            Some(o) => {
                self.unlink(&o);
                true
            }
            None => false,
        }
    }

    /// Same price and a smaller or equal quantity: in place. Otherwise to the back of the
    /// new price's level (never matching). `false` if the order does not rest.
    pub fn modify(&mut self, id: u64, px: i64, qty: i64) -> bool {
        let Some(o) = self.orders.get(&id).copied() else {
            return false;
        };
        if px == o.px && qty <= o.qty {
            self.orders.get_mut(&id).expect("just found").qty = qty;
        } else {
            self.unlink(&o);
            self.orders.remove(&id);
            self.rest(id, o.side, px, qty);
        }
        true
    }
}

/// Runs a stream through a [`RefBook`] and returns its summary: the expected result.
pub fn reference_summary(records: &[StreamRecord]) -> StreamSummary {
    let mut book = RefBook::new();
    for r in records {
        book.process(r);
    }
    book.summary()
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/// Probability of an ADD (before the live-count nudge).
pub const GEN_P_ADD: f64 = 0.45;
/// Probability of a CANCEL.
pub const GEN_P_CANCEL: f64 = 0.35;
/// Probability of a MODIFY.
pub const GEN_P_MODIFY: f64 = 0.10;
/// Leading ADDs that fill the book.
pub const GEN_PREFILL: usize = 5_000;
/// Live-order count the ADD/CANCEL split is nudged towards.
pub const GEN_TARGET_LIVE: usize = 5_000;
/// Price around which an empty book starts.
pub const GEN_MID0: i64 = 1_000_000;

/// The random draws of `gen_stream.py`, made by numpy with its seeded generator, one slice
/// per array, each `total` long except `pick` (`4 × total`). The generator consumes them
/// exactly as `gen_stream.py` does, so a seed gives the same stream.
#[derive(Clone, Copy, Debug)]
pub struct GenDraws<'a> {
    /// Message-type uniforms (the prefill's already set to 0).
    pub u_type: &'a [f64],
    /// Sides, 0 or 1.
    pub side: &'a [i64],
    /// Price offsets from the touch (deep-book offsets already merged in).
    pub off: &'a [i64],
    /// Order sizes (already `max(1, rint(lognormal))`).
    pub qty: &'a [i64],
    /// Ticks a marketable order reaches through the touch.
    pub mkt_k: &'a [i64],
    /// Size factor of a marketable order.
    pub mkt_f: &'a [f64],
    /// Reduce (< 0.5) or move, for a modify.
    pub mod_kind: &'a [f64],
    /// Price move of a modify, ticks.
    pub mod_dpx: &'a [i64],
    /// Size factor of a reducing modify.
    pub mod_f: &'a [f64],
    /// Uniforms to pick a live order (`4 × total`).
    pub pick: &'a [f64],
}

/// A generated stream and what the generator's book saw.
#[derive(Clone, Debug)]
pub struct GenOutput {
    /// The stream.
    pub records: Vec<StreamRecord>,
    /// The reference book's result after the stream: `meta.json`'s `expected`.
    pub expected: StreamSummary,
    /// Messages of each type after the prefill (ADD, CANCEL, MODIFY, MKT).
    pub counts: [u64; 4],
    /// Every 10,000 messages: live orders, price levels, spread in ticks (0 for a missing side).
    pub samples: Vec<(u64, u64, i64)>,
    /// The last new-order id.
    pub max_id: u64,
}

/// Generates a stream from numpy's draws with the logic of `gen_stream.py` (the same
/// arithmetic, in the same order, on the same reference book), so that the same seed gives
/// the same bytes. `prefill` leading messages are ADDs ([`GEN_PREFILL`] in `gen_stream.py`).
pub fn generate_stream(d: &GenDraws<'_>, prefill: usize) -> Result<GenOutput, String> {
    let total = d.u_type.len();
    let lens = [
        ("side", d.side.len()),
        ("off", d.off.len()),
        ("qty", d.qty.len()),
        ("mkt_k", d.mkt_k.len()),
        ("mkt_f", d.mkt_f.len()),
        ("mod_kind", d.mod_kind.len()),
        ("mod_dpx", d.mod_dpx.len()),
        ("mod_f", d.mod_f.len()),
    ];
    for (name, len) in lens {
        if len != total {
            return Err(format!(
                "generator draw {name} has {len} values, expected {total} (as u_type)"
            ));
        }
    }
    if d.pick.len() != 4 * total {
        return Err(format!(
            "generator draw pick has {} values, expected {}",
            d.pick.len(),
            4 * total
        ));
    }
    let mut book = RefBook::new();
    let mut live: Vec<u64> = Vec::new();
    let mut pick_i = 0usize;
    let mut records = Vec::with_capacity(total);
    let mut next_id = 1u64;
    let mut counts = [0u64; 4];
    let mut samples = Vec::new();

    let mut pick_live = |book: &RefBook, live: &mut Vec<u64>| -> Result<u64, String> {
        while !live.is_empty() {
            let u = *d
                .pick
                .get(pick_i)
                .ok_or("generator ran out of pick draws")?;
            let j = ((u * live.len() as f64) as usize).min(live.len() - 1);
            pick_i += 1;
            let oid = live[j];
            if book.contains(oid) {
                return Ok(oid);
            }
            live.swap_remove(j);
        }
        Err("generator found no live order to pick".to_string())
    };

    for i in 0..total {
        let u = d.u_type[i];
        let (bb, ba) = (book.best_bid(), book.best_ask());
        let nlive = book.len() as f64;
        let target = GEN_TARGET_LIVE as f64;
        let nudge = (0.1 * (target - nlive) / target).clamp(-0.05, 0.05);
        let mut t = if u < GEN_P_ADD + nudge {
            STREAM_ADD
        } else if u < GEN_P_ADD + GEN_P_CANCEL {
            STREAM_CANCEL
        } else if u < GEN_P_ADD + GEN_P_CANCEL + GEN_P_MODIFY {
            STREAM_MODIFY
        } else {
            STREAM_MKT
        };
        if (t == STREAM_CANCEL || t == STREAM_MODIFY) && book.is_empty() {
            t = STREAM_ADD;
        }
        let mut s = d.side[i] as u8;
        let (oid, px, q);
        match t {
            STREAM_ADD => {
                let o = d.off[i];
                px = if s == 0 {
                    match (ba, bb) {
                        (Some(a), _) => a - 1 - o,
                        (None, Some(b)) => b - o,
                        (None, None) => GEN_MID0 - 1 - o,
                    }
                } else {
                    match (bb, ba) {
                        (Some(b), _) => b + 1 + o,
                        (None, Some(a)) => a + o,
                        (None, None) => GEN_MID0 + 1 + o,
                    }
                };
                oid = next_id;
                next_id += 1;
                q = d.qty[i];
                book.add(oid, s, px, q);
                live.push(oid);
            }
            STREAM_MKT => {
                oid = next_id;
                next_id += 1;
                let sized = || ((d.qty[i] as f64 * d.mkt_f[i]).round_ties_even() as i64).max(1);
                (px, q) = if s == 0 {
                    match ba {
                        Some(a) => (a + d.mkt_k[i], sized()),
                        None => (bb.unwrap_or(GEN_MID0 - 1), d.qty[i]),
                    }
                } else {
                    match bb {
                        Some(b) => (b - d.mkt_k[i], sized()),
                        None => (ba.unwrap_or(GEN_MID0 + 1), d.qty[i]),
                    }
                };
                book.add(oid, s, px, q);
                if book.contains(oid) {
                    live.push(oid);
                }
            }
            STREAM_CANCEL => {
                oid = pick_live(&book, &mut live)?;
                s = book.order(oid).expect("picked orders rest").0;
                (px, q) = (0, 0);
                book.cancel(oid);
            }
            _ => {
                oid = pick_live(&book, &mut live)?;
                let (os, opx, oq) = book.order(oid).expect("picked orders rest");
                s = os;
                if d.mod_kind[i] < 0.5 && oq > 1 {
                    (px, q) = (opx, ((oq as f64 * d.mod_f[i]) as i64).max(1));
                } else {
                    let mut p = opx + d.mod_dpx[i];
                    if s == 0 {
                        if let Some(a) = ba {
                            if p >= a {
                                p = a - 1;
                            }
                        }
                    } else if let Some(b) = bb {
                        if p <= b {
                            p = b + 1;
                        }
                    }
                    if p == opx {
                        p = if s == 0 { opx - 1 } else { opx + 1 };
                    }
                    (px, q) = (p, oq);
                }
                book.modify(oid, px, q);
            }
        }
        records.push(StreamRecord {
            typ: t,
            side: s,
            pad: [0; 6],
            id: oid,
            px,
            qty: q,
        });
        if i >= prefill {
            counts[t as usize] += 1;
        }
        if i % 10_000 == 0 {
            let spread = book.best_ask().unwrap_or(0) - book.best_bid().unwrap_or(0);
            samples.push((book.len() as u64, book.levels() as u64, spread));
        }
    }
    Ok(GenOutput {
        records,
        expected: book.summary(),
        counts,
        samples,
        max_id: next_id - 1,
    })
}

/// A small deterministic generator (xorshift64*) for synthetic draws.
#[derive(Clone, Debug)]
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A stream with the mix and shape of `gen_stream.py` made from Rust's own draws, for
/// benches and tests that run without Python. Not the same stream as `gen_stream.py` for
/// the same seed (that needs numpy's draws: `venue.bench.generate_stream`); same
/// distributions: geometric offsets from the touch with 15% deep, log-normal sizes,
/// marketable orders 0 to 3 ticks through. `n` messages follow a [`GEN_PREFILL`] prefill
/// (or fewer, if `n` is small).
pub fn synthetic_stream(n: usize, seed: u64) -> GenOutput {
    let total = n + GEN_PREFILL;
    let mut r = XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut u_type: Vec<f64> = (0..total).map(|_| r.unit()).collect();
    u_type[..GEN_PREFILL].fill(0.0);
    let side: Vec<i64> = (0..total).map(|_| r.below(2) as i64).collect();
    let off: Vec<i64> = (0..total)
        .map(|_| {
            if r.unit() < 0.15 {
                r.below(100) as i64
            } else {
                // Geometric(0.3) - 1 by inversion.
                ((1.0 - r.unit()).ln() / 0.7f64.ln()) as i64
            }
        })
        .collect();
    let qty: Vec<i64> = (0..total)
        .map(|_| {
            // Log-normal(2.3, 0.8) by Box-Muller.
            let (u1, u2) = (1.0 - r.unit(), r.unit());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * core::f64::consts::PI * u2).cos();
            ((2.3 + 0.8 * z).exp().round_ties_even() as i64).max(1)
        })
        .collect();
    let mkt_k: Vec<i64> = (0..total)
        .map(|_| [0, 0, 0, 0, 0, 0, 0, 1, 1, 3][r.below(10) as usize])
        .collect();
    let mkt_f: Vec<f64> = (0..total).map(|_| 0.5 + 1.5 * r.unit()).collect();
    let mod_kind: Vec<f64> = (0..total).map(|_| r.unit()).collect();
    let mod_dpx: Vec<i64> = (0..total)
        .map(|_| [-3, -2, -1, 1, 2, 3][r.below(6) as usize])
        .collect();
    let mod_f: Vec<f64> = (0..total).map(|_| 0.2 + 0.7 * r.unit()).collect();
    let pick: Vec<f64> = (0..4 * total).map(|_| r.unit()).collect();
    let draws = GenDraws {
        u_type: &u_type,
        side: &side,
        off: &off,
        qty: &qty,
        mkt_k: &mkt_k,
        mkt_f: &mkt_f,
        mod_kind: &mod_kind,
        mod_dpx: &mod_dpx,
        mod_f: &mod_f,
        pick: &pick,
    };
    generate_stream(&draws, GEN_PREFILL).expect("synthetic draws have the right lengths")
}

// ---------------------------------------------------------------------------------------------
// Stream records to engine messages
// ---------------------------------------------------------------------------------------------

/// The participant every stream message comes from.
pub const STREAM_PARTICIPANT: ParticipantId = ParticipantId(1);
/// The instrument a stream trades: the first one added.
pub const STREAM_INSTRUMENT: InstrumentId = InstrumentId(0);

/// The stream's instrument: tick 1, lot 1 (prices in ticks, quantities in lots), any
/// positive quantity.
pub fn stream_instrument() -> InstrumentSpec {
    InstrumentSpec {
        tick_size: Price(1),
        lot_size: Qty(1),
        min_qty: Qty(1),
        max_qty: Qty(i64::MAX),
    }
}

/// A fresh engine with the stream's instrument as instrument 0.
pub fn stream_engine(order_capacity: usize, event_capacity: usize) -> Engine {
    let mut engine = Engine::with_capacity(order_capacity, event_capacity);
    let id = engine
        .add_instrument(stream_instrument())
        .expect("the stream instrument is valid");
    debug_assert_eq!(id, STREAM_INSTRUMENT);
    engine
}

/// Largest quantity of one order under [`permissive_risk`] (the stream's are below 10,000).
pub const RISK_MAX_ORDER_QTY: i64 = 1 << 40;
/// Largest notional of one order, and the credit limit, under [`permissive_risk`].
pub const RISK_MAX_NOTIONAL: i64 = 1 << 62;
/// Largest net position, open orders included, under [`permissive_risk`].
pub const RISK_MAX_POSITION: i64 = 1 << 40;
/// Throttle under [`permissive_risk`]: `(tokens per second, burst)`. Message `i` of a stream
/// has `ts = i` ns, so a stream runs in about a millisecond of message time; two tokens a
/// nanosecond never run out.
pub const RISK_THROTTLE: (u64, u64) = (2_000_000_000, 1 << 30);
/// Loss limit and breach count of the kill switch under [`permissive_risk`].
pub const RISK_LOSS_LIMIT: i64 = 1 << 62;
/// Risk rejections before the kill switch trips, under [`permissive_risk`].
pub const RISK_MAX_BREACHES: i64 = 1 << 40;
/// Collar and band half-width under [`permissive_risk`], in basis points of the last trade
/// (10,000 = 100%: the stream's prices stay within 0.02% of each other).
pub const RISK_WIDTH_BPS: i64 = 10_000;
/// How long a band limit state lasts before a pause, and the pause, under
/// [`permissive_risk`] (never reached: no price gets near the band).
pub const RISK_BAND_LIMIT_NS: i64 = 1 << 40;
/// See [`RISK_BAND_LIMIT_NS`].
pub const RISK_BAND_PAUSE_NS: i64 = 1;

/// Turns on every pre-trade risk control but one for the stream's participant and
/// instrument, with limits no stream of this format reaches: order size and notional,
/// position and credit limits, a throttle, the kill switch (loss limit and breach count), a
/// price collar and a price band (both 100% of the last trade). Every check runs on every
/// message and none rejects, so the cost of the checks shows (`venue bench --risk`).
/// Session-unique client order ids (a set of every id ever used, a different kind of cost)
/// stay off, as in the batch-path measurement of `venue.bench.risk`.
pub fn permissive_risk(engine: &mut Engine) {
    engine.set_risk_limits(
        Some(STREAM_PARTICIPANT),
        STREAM_INSTRUMENT,
        Limits {
            max_order_qty: RISK_MAX_ORDER_QTY,
            max_order_notional: RISK_MAX_NOTIONAL,
            max_position: RISK_MAX_POSITION,
            credit_limit: RISK_MAX_NOTIONAL,
            restricted: false,
        },
    );
    engine.set_risk_controls(
        Some(STREAM_PARTICIPANT),
        Controls {
            throttle: Some(RISK_THROTTLE),
            unique_client_ids: false,
            loss_limit: RISK_LOSS_LIMIT,
            max_breaches: RISK_MAX_BREACHES,
        },
    );
    let width = Width::Bps(RISK_WIDTH_BPS);
    let collar = Collar {
        reference: Reference::LastTrade,
        width,
    };
    let band = PriceBand {
        reference: Reference::LastTrade,
        width,
        limit_ns: RISK_BAND_LIMIT_NS,
        pause_ns: RISK_BAND_PAUSE_NS,
    };
    engine
        .set_collar(STREAM_INSTRUMENT, Some(collar))
        .expect("the stream instrument exists and the collar is valid");
    engine
        .set_price_band(STREAM_INSTRUMENT, Some(band))
        .expect("the stream instrument exists and the band is valid");
}

/// Number of risk rejections, risk cancels, kill-switch trips and halts so far: 0 under
/// [`permissive_risk`] on a valid stream.
pub fn risk_interventions(engine: &Engine) -> u64 {
    let s = engine.risk_stats();
    s.rejections.values().sum::<u64>()
        + s.cancels.values().sum::<u64>()
        + s.kill_switch_trips
        + s.halts
}

/// The engine message for record `rec`, sent at `ts`, given the engine's state before it.
///
/// ADD and MKT become a NEW LIMIT GTC order of participant 1 on instrument 0 with client
/// order id = stream id (the engine's order id is then the stream id too, since stream ids
/// are 1, 2, 3, ...). CANCEL becomes CANCEL. MODIFY becomes REDUCE when the order rests at
/// the same price with more than `qty` open, else REPLACE (a REPLACE with the same price and
/// the same quantity stays in place too; a MODIFY of an order that does not rest becomes a
/// REPLACE that the engine rejects, which changes nothing, as in the stream format).
pub fn to_order_msg(rec: &StreamRecord, ts: i64, engine: &Engine) -> OrderMsg {
    let ts = Ts(ts);
    match rec.typ {
        STREAM_CANCEL => OrderMsg::cancel(ts, STREAM_PARTICIPANT, OrderId(rec.id)),
        STREAM_MODIFY => {
            let id = OrderId(rec.id);
            match engine.order(id) {
                Some(o) if o.price.0 == rec.px && rec.qty < o.leaves.0 => {
                    OrderMsg::reduce(ts, STREAM_PARTICIPANT, id, Qty(rec.qty))
                }
                _ => OrderMsg::replace(ts, STREAM_PARTICIPANT, id, Price(rec.px), Qty(rec.qty)),
            }
        }
        _ => OrderMsg {
            ts: ts.0,
            client_order_id: rec.id,
            price: rec.px,
            qty: rec.qty,
            instrument: STREAM_INSTRUMENT.0,
            participant: STREAM_PARTICIPANT.0,
            action: Action::New as u8,
            side: rec.side,
            order_type: OrderType::Limit as u8,
            tif: Tif::Gtc as u8,
            ..Default::default()
        },
    }
}

/// Converts a validated stream to engine messages by a dry run through a fresh engine (a
/// MODIFY's REDUCE-or-REPLACE depends on the order's state at that moment). Message `i` gets
/// `ts = i`. The engine is deterministic, so a later run of these messages from an empty
/// engine goes through exactly the states of the dry run. Fails if the engine does not give
/// a new order its stream id.
pub fn stream_to_orders(records: &[StreamRecord]) -> Result<Vec<OrderMsg>, StreamError> {
    let mut engine = stream_engine(1 << 16, 1 << 14);
    let mut out = Vec::with_capacity(records.len());
    for (i, rec) in records.iter().enumerate() {
        let msg = to_order_msg(rec, i as i64, &engine);
        let id = engine.process(&msg);
        if (rec.typ == STREAM_ADD || rec.typ == STREAM_MKT) && id.0 != rec.id {
            return Err(StreamError::EngineIdMismatch {
                record: i,
                id: rec.id,
                engine_id: id.0,
            });
        }
        out.push(msg);
        if engine.events().len() >= CLEAR_EVERY * 4 {
            engine.clear_events();
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The engine-path runner
// ---------------------------------------------------------------------------------------------

/// The runner drains the event buffer (into the summary) every this many messages.
pub const CLEAR_EVERY: usize = 4096;

/// The outcome of one pass of a stream through a fresh engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassResult {
    /// Messages processed.
    pub messages: u64,
    /// Events produced.
    pub events: u64,
    /// Time spent processing messages, ns (draining the event buffer every
    /// [`CLEAR_EVERY`] messages is not included).
    pub busy_ns: u64,
    /// Wall time of the whole pass, draining and (open loop) waiting included, ns.
    pub wall_ns: u64,
    /// The result.
    pub summary: StreamSummary,
    /// Risk rejections, cancels, trips and halts (see [`risk_interventions`]).
    pub risk_interventions: u64,
}

impl PassResult {
    /// Processing time per message, ns.
    pub fn ns_per_msg(&self) -> f64 {
        if self.messages == 0 {
            0.0
        } else {
            self.busy_ns as f64 / self.messages as f64
        }
    }
}

fn drain(engine: &mut Engine, summary: &mut StreamSummary, events: &mut u64) {
    let ev = engine.events();
    *events += ev.len() as u64;
    summary.add_events(ev);
    engine.clear_events();
}

/// A fresh engine for one pass, with [`permissive_risk`] when `risk`.
fn fresh_engine(risk: bool) -> Engine {
    let mut e = stream_engine(1 << 16, CLEAR_EVERY * 16);
    if risk {
        permissive_risk(&mut e);
    }
    e
}

/// Fills in what a pass learns at its end.
fn finish(r: &mut PassResult, engine: &Engine, clock: &Clock, start: u64, busy: u64, n: usize) {
    r.wall_ns = clock.ticks_to_ns(clock.now().wrapping_sub(start));
    r.busy_ns = clock.ticks_to_ns(busy);
    r.messages = n as u64;
    r.summary.set_book(engine);
    r.risk_interventions = risk_interventions(engine);
}

/// Throughput pass: the messages through a fresh engine (with [`permissive_risk`] when
/// `risk`) with no per-message timing, in chunks of [`CLEAR_EVERY`] given to
/// [`Engine::process_batch`], the events drained into the summary after each chunk (outside
/// the timed part).
pub fn run_throughput(orders: &[OrderMsg], clock: &Clock, risk: bool) -> PassResult {
    let mut engine = fresh_engine(risk);
    let mut r = PassResult::default();
    let start = clock.now();
    let mut busy = 0u64;
    for chunk in orders.chunks(CLEAR_EVERY) {
        let t0 = clock.now();
        engine.process_batch(chunk);
        busy += clock.now().wrapping_sub(t0);
        drain(&mut engine, &mut r.summary, &mut r.events);
    }
    finish(&mut r, &engine, clock, start, busy, orders.len());
    r
}

/// Closed-loop latency pass: each message's processing time (two clock readings around
/// [`Engine::process`]) recorded into `hist`; the next message starts as soon as the last
/// one is done. A fresh engine, with [`permissive_risk`] when `risk`.
pub fn run_latency(
    orders: &[OrderMsg],
    clock: &Clock,
    risk: bool,
    hist: &mut LatencyHistogram,
) -> PassResult {
    let mut engine = fresh_engine(risk);
    let mut r = PassResult::default();
    let start = clock.now();
    let mut busy = 0u64;
    for chunk in orders.chunks(CLEAR_EVERY) {
        for m in chunk {
            let t0 = clock.now();
            engine.process(m);
            let dt = clock.now().wrapping_sub(t0);
            busy += dt;
            hist.record(clock.ticks_to_ns(dt));
        }
        drain(&mut engine, &mut r.summary, &mut r.events);
    }
    finish(&mut r, &engine, clock, start, busy, orders.len());
    r
}

/// Open-loop pass: message `i` is scheduled to arrive at `start + i / rate`; the runner
/// waits for that moment (or starts at once when it is behind), then processes it. Records
/// the service time (processing alone) into `service` and the response time (from the
/// scheduled arrival to the end of processing, so queueing behind slow messages counts)
/// into `response`: the tail free of coordinated omission. `rate` is messages per second,
/// finite and positive. A fresh engine, with [`permissive_risk`] when `risk`.
pub fn run_open_loop(
    orders: &[OrderMsg],
    clock: &Clock,
    rate: f64,
    risk: bool,
    service: &mut LatencyHistogram,
    response: &mut LatencyHistogram,
) -> PassResult {
    let mut engine = fresh_engine(risk);
    let mut r = PassResult::default();
    let ticks_per_msg = clock.ticks_per_second() / rate;
    let mut busy = 0u64;
    let start = clock.now();
    for (c, chunk) in orders.chunks(CLEAR_EVERY).enumerate() {
        for (k, m) in chunk.iter().enumerate() {
            let i = c * CLEAR_EVERY + k;
            let due = start + (i as f64 * ticks_per_msg) as u64;
            let mut t0 = clock.now();
            while t0 < due {
                std::hint::spin_loop();
                t0 = clock.now();
            }
            engine.process(m);
            let t1 = clock.now();
            busy += t1.wrapping_sub(t0);
            service.record(clock.ticks_to_ns(t1.wrapping_sub(t0)));
            response.record(clock.ticks_to_ns(t1.saturating_sub(due)));
        }
        drain(&mut engine, &mut r.summary, &mut r.events);
    }
    finish(&mut r, &engine, clock, start, busy, orders.len());
    r
}

/// Everything the engine path measures over its rounds.
#[derive(Clone, Debug)]
pub struct EngineBench {
    /// The throughput pass of each round.
    pub throughput: Vec<PassResult>,
    /// The closed-loop latency pass of each round.
    pub latency_passes: Vec<PassResult>,
    /// Per-message processing time, every latency pass pooled.
    pub latency: LatencyHistogram,
    /// Open loop (when a rate was given): each round's pass, pooled service and response
    /// times.
    pub open_loop: Option<(Vec<PassResult>, LatencyHistogram, LatencyHistogram)>,
    /// With risk on: a throughput pass with risk off in each round, the baseline that shows
    /// what the checks cost.
    pub baseline: Vec<PassResult>,
}

impl EngineBench {
    /// Every pass's summary, in run order.
    pub fn summaries(&self) -> Vec<StreamSummary> {
        let mut out: Vec<StreamSummary> = self
            .throughput
            .iter()
            .chain(&self.latency_passes)
            .chain(&self.baseline)
            .map(|p| p.summary)
            .collect();
        if let Some((passes, _, _)) = &self.open_loop {
            out.extend(passes.iter().map(|p| p.summary));
        }
        out
    }
}

/// The engine path: `rounds` rounds, each a throughput pass and a closed-loop latency pass
/// (and an open-loop pass at `open_loop_rate` messages per second, when given), every pass
/// on a fresh engine, with [`permissive_risk`] when `risk`; with `risk`, each round also
/// runs a throughput pass with risk off (the baseline), right after the one with risk on.
pub fn bench_engine(
    orders: &[OrderMsg],
    rounds: usize,
    open_loop_rate: Option<f64>,
    risk: bool,
    clock: &Clock,
) -> EngineBench {
    let mut out = EngineBench {
        throughput: Vec::with_capacity(rounds),
        latency_passes: Vec::with_capacity(rounds),
        latency: LatencyHistogram::new(),
        open_loop: open_loop_rate
            .map(|_| (Vec::new(), LatencyHistogram::new(), LatencyHistogram::new())),
        baseline: Vec::new(),
    };
    for _ in 0..rounds {
        out.throughput.push(run_throughput(orders, clock, risk));
        if risk {
            out.baseline.push(run_throughput(orders, clock, false));
        }
        out.latency_passes
            .push(run_latency(orders, clock, risk, &mut out.latency));
        if let (Some(rate), Some((passes, service, response))) =
            (open_loop_rate, out.open_loop.as_mut())
        {
            passes.push(run_open_loop(orders, clock, rate, risk, service, response));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for test inputs (xorshift64*).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    // ---- clock ----

    #[test]
    fn clock_readings_never_go_back() {
        let clock = Clock::new();
        let mut last = clock.now();
        for _ in 0..100_000 {
            let t = clock.now();
            assert!(t >= last, "{t} < {last}");
            last = t;
        }
    }

    #[test]
    fn clock_agrees_with_instant_over_the_same_interval() {
        let clock = Clock::new();
        let (i0, c0) = (Instant::now(), clock.now());
        std::thread::sleep(Duration::from_millis(30));
        let (c1, i1) = (clock.now(), Instant::now());
        let by_clock = clock.ticks_to_ns(c1 - c0) as f64;
        let by_instant = i1.duration_since(i0).as_nanos() as f64;
        // The clock interval is inside the Instant interval; both span 30 ms.
        let ratio = by_clock / by_instant;
        assert!((0.99..=1.001).contains(&ratio), "clock/instant = {ratio}");
    }

    #[test]
    fn ticks_and_ns_convert_both_ways() {
        for clock in [Clock::new(), Clock::instant()] {
            for ns in [0u64, 1, 1_000, 123_456_789, 3_600_000_000_000] {
                let back = clock.ticks_to_ns(clock.ns_to_ticks(ns));
                assert!(
                    back <= ns && ns - back <= 2 + ns / 1_000_000,
                    "{ns} -> {back}"
                );
            }
        }
        assert_eq!(Clock::instant().source(), "instant");
        assert_eq!(Clock::instant().ticks_to_ns(12_345), 12_345);
    }

    // ---- histogram ----

    #[test]
    fn bucket_index_is_monotone_and_tops_are_consistent() {
        for i in 0..BUCKETS {
            let top = bucket_top(i);
            assert_eq!(bucket_of(top), i, "top {top} of bucket {i}");
            if i + 1 < BUCKETS {
                assert_eq!(bucket_of(top + 1), i + 1);
            }
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket_top(BUCKETS - 1), u64::MAX);
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = LatencyHistogram::new();
        for v in 0..256 {
            h.record(v);
        }
        for v in 0..256u64 {
            assert_eq!(h.quantile((v + 1) as f64 / 256.0), v);
        }
        assert_eq!((h.min(), h.max(), h.count()), (0, 255, 256));
    }

    fn exact_quantile(sorted: &[u64], q: f64) -> u64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    #[test]
    fn quantiles_are_within_one_percent_above_the_exact_value() {
        let mut rng = Lcg(7);
        let mut h = LatencyHistogram::new();
        let mut all = Vec::new();
        for _ in 0..200_000 {
            // Log-uniform over 1 ns .. ~1 s, as latencies are.
            let v = (2f64.powf(rng.unit() * 30.0)) as u64;
            h.record(v);
            all.push(v);
        }
        all.sort_unstable();
        for q in [
            0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 0.99999, 1.0,
        ] {
            let exact = exact_quantile(&all, q);
            let got = h.quantile(q);
            assert!(got >= exact, "q {q}: {got} < exact {exact}");
            assert!(
                (got - exact) as f64 <= exact as f64 / 128.0,
                "q {q}: {got} vs exact {exact}"
            );
        }
        assert_eq!(h.max(), *all.last().unwrap());
        assert_eq!(h.quantile(1.0), h.max());
        let mean = all.iter().map(|&v| v as f64).sum::<f64>() / all.len() as f64;
        assert!((h.mean() - mean).abs() < 1e-6 * mean);
    }

    #[test]
    fn extreme_values_and_empty_histograms() {
        let mut h = LatencyHistogram::new();
        assert_eq!((h.count(), h.quantile(0.5), h.max(), h.min()), (0, 0, 0, 0));
        assert_eq!(h.summary(), LatencySummary::default());
        h.record(u64::MAX);
        h.record(0);
        assert_eq!(h.quantile(1.0), u64::MAX);
        assert_eq!(h.quantile(0.5), 0);
        assert_eq!(h.quantile(f64::NAN), 0);
        assert_eq!(h.quantile(7.0), u64::MAX);
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let mut rng = Lcg(3);
        let (mut a, mut b, mut both) = (
            LatencyHistogram::new(),
            LatencyHistogram::new(),
            LatencyHistogram::new(),
        );
        for i in 0..10_000 {
            let v = rng.below(1_000_000);
            if i % 3 == 0 { &mut a } else { &mut b }.record(v);
            both.record(v);
        }
        b.record_n(42, 5);
        both.record_n(42, 5);
        a.merge(&b);
        assert_eq!(a.summary(), both.summary());
        assert_eq!(
            (a.min(), a.max(), a.count()),
            (both.min(), both.max(), both.count())
        );
        a.reset();
        assert_eq!((a.count(), a.max(), a.quantile(0.99)), (0, 0, 0));
        a.record(5);
        assert_eq!((a.min(), a.max()), (5, 5));
    }

    #[test]
    fn buckets_export_and_rebuild_the_same_quantiles() {
        let mut rng = Lcg(17);
        let (mut a, mut b) = (LatencyHistogram::new(), LatencyHistogram::new());
        for _ in 0..50_000 {
            a.record(rng.below(5_000_000));
            b.record(rng.below(300));
        }
        let a2 = LatencyHistogram::from_buckets(&a.nonzero_buckets(), Some(a.min()), a.max());
        assert_eq!(a2.summary(), a.summary());
        assert_eq!((a2.min(), a2.max()), (a.min(), a.max()));
        let mut pooled = a2;
        pooled.merge(&LatencyHistogram::from_buckets(
            &b.nonzero_buckets(),
            Some(b.min()),
            b.max(),
        ));
        a.merge(&b);
        assert_eq!(pooled.summary(), a.summary());
        assert_eq!(LatencyHistogram::from_buckets(&[], None, 0).count(), 0);
    }

    // ---- stream format ----

    fn rec(typ: u8, side: u8, id: u64, px: i64, qty: i64) -> StreamRecord {
        StreamRecord {
            typ,
            side,
            pad: [0; 6],
            id,
            px,
            qty,
        }
    }

    #[test]
    fn records_round_trip_through_bytes() {
        let recs = vec![
            rec(STREAM_ADD, 0, 1, 999, 10),
            rec(STREAM_MKT, 1, 2, 990, 25),
            rec(STREAM_MODIFY, 0, 1, 998, 10),
            rec(STREAM_CANCEL, 0, 1, 0, 0),
        ];
        let bytes = stream_to_bytes(&recs);
        assert_eq!(bytes.len(), 4 * 32);
        assert_eq!(&bytes[8..16], &1u64.to_le_bytes());
        assert_eq!(parse_stream(&bytes).unwrap(), recs);
    }

    #[test]
    fn bad_streams_are_errors_naming_the_record() {
        let good = rec(STREAM_ADD, 0, 1, 100, 5);
        let mut bytes = stream_to_bytes(&[good, rec(STREAM_ADD, 1, 2, 101, 5)]);
        bytes.truncate(50);
        let e = parse_stream(&bytes).unwrap_err();
        assert_eq!(
            e,
            StreamError::Truncated {
                len: 50,
                record: 1,
                bytes: 18
            }
        );
        assert!(
            e.to_string()
                .contains("record 1 has only 18 of its 32 bytes"),
            "{e}"
        );

        let cases: [(StreamRecord, StreamError, &str); 6] = [
            (
                rec(9, 0, 2, 100, 5),
                StreamError::UnknownType { record: 1, typ: 9 },
                "record 1: unknown type 9",
            ),
            (
                rec(STREAM_MKT, 2, 2, 100, 5),
                StreamError::InvalidSide { record: 1, side: 2 },
                "record 1: invalid side 2",
            ),
            (
                rec(STREAM_ADD, 0, 2, 100, 0),
                StreamError::InvalidValue {
                    record: 1,
                    field: "qty",
                    value: 0,
                },
                "record 1: qty must be positive, got 0",
            ),
            (
                rec(STREAM_MODIFY, 0, 1, -3, 5),
                StreamError::InvalidValue {
                    record: 1,
                    field: "px",
                    value: -3,
                },
                "record 1: px must be positive, got -3",
            ),
            (
                rec(STREAM_ADD, 0, 7, 100, 5),
                StreamError::IdOutOfOrder {
                    record: 1,
                    id: 7,
                    expected: 2,
                },
                "record 1: new order id 7, expected 2",
            ),
            (
                rec(STREAM_ADD, 0, 1, 100, 5),
                StreamError::IdOutOfOrder {
                    record: 1,
                    id: 1,
                    expected: 2,
                },
                "expected 2",
            ),
        ];
        for (bad, want, text) in cases {
            let e = parse_stream(&stream_to_bytes(&[good, bad])).unwrap_err();
            assert_eq!(e, want);
            assert!(e.to_string().contains(text), "{e}");
        }
        // CANCEL's side, price and quantity are informational.
        assert!(parse_stream(&stream_to_bytes(&[good, rec(STREAM_CANCEL, 7, 99, -1, 0)])).is_ok());
        assert_eq!(parse_stream(&[]).unwrap(), vec![]);
    }

    #[test]
    fn reading_a_missing_file_names_it() {
        let e = read_stream(std::path::Path::new("/no/such/orders.bin")).unwrap_err();
        assert!(
            matches!(&e, StreamError::Io { path, .. } if path == "/no/such/orders.bin"),
            "{e:?}"
        );
        assert!(e
            .to_string()
            .starts_with("cannot read order stream /no/such/orders.bin"));
    }

    // ---- reference book ----

    #[test]
    fn reference_book_matches_in_price_time_order_at_resting_prices() {
        let mut b = RefBook::new();
        b.add(1, 1, 101, 5); // sell 5 @ 101
        b.add(2, 1, 101, 5); // sell 5 @ 101, behind 1
        b.add(3, 1, 100, 2); // sell 2 @ 100, best
        b.add(4, 0, 101, 9); // buy 9 @ 101: 2 from 3 @100, 5 from 1, 2 from 2
        let s = b.summary();
        assert_eq!((s.fills, s.traded), (3, 9));
        assert_eq!(s.chk, 3 * 2 + 5 + 2 * 2);
        assert_eq!(b.order(2), Some((1, 101, 3)));
        assert!(!b.contains(1) && !b.contains(3) && !b.contains(4));
        assert_eq!((s.live, s.best_bid, s.best_ask), (1, None, Some(101)));
        b.add(5, 0, 99, 4); // rests
        b.add(6, 1, 95, 6); // sells 4 into 5 @ 99, rests 2 @ 95
        assert_eq!(b.order(6), Some((1, 95, 2)));
        assert_eq!((b.best_bid(), b.best_ask()), (None, Some(95)));
    }

    #[test]
    fn reference_modify_keeps_priority_only_when_reducing_in_place() {
        let mut b = RefBook::new();
        for id in 1..=3 {
            b.add(id, 0, 100, 10);
        }
        assert!(b.modify(1, 100, 4)); // reduce in place: still first
        assert!(b.modify(2, 100, 12)); // more qty: to the back
        b.add(4, 1, 100, 5);
        // 4 from order 1, then 1 from order 3 (order 2 went behind it).
        assert_eq!(b.summary().chk, 4 + 3);
        assert_eq!(b.order(2), Some((0, 100, 12)));
        assert_eq!(b.order(3), Some((0, 100, 9)));
        assert!(b.modify(3, 98, 9)); // new price
        assert_eq!(b.levels(), 2);
        assert!(!b.modify(77, 100, 1));
        assert!(!b.cancel(77));
        assert!(b.cancel(3));
        assert_eq!((b.len(), b.levels()), (1, 1));
    }

    /// A synthetic stream of `total` messages (the prefill included).
    fn generate(total: usize, seed: u64) -> GenOutput {
        synthetic_stream(total - GEN_PREFILL, seed)
    }

    #[test]
    fn generated_streams_are_valid_and_their_expected_result_replays() {
        let g = generate(30_000, 11);
        assert_eq!(g.records.len(), 30_000);
        let parsed = parse_stream(&stream_to_bytes(&g.records)).unwrap();
        assert_eq!(parsed, g.records);
        assert!(g.records[..GEN_PREFILL].iter().all(|r| r.typ == STREAM_ADD));
        assert_eq!(g.counts.iter().sum::<u64>(), 25_000);
        assert!(g.counts.iter().all(|&c| c > 1_000), "{:?}", g.counts);
        assert_eq!(reference_summary(&g.records), g.expected);
        assert!(g.expected.fills > 1_000 && g.expected.live > 1_000);
        assert!(g.expected.best_bid.unwrap() < g.expected.best_ask.unwrap());
        // Modifies never cross (the generator clamps them), so the book never locks.
        let mut b = RefBook::new();
        for r in &g.records {
            b.process(r);
            if let (Some(bid), Some(ask)) = (b.best_bid(), b.best_ask()) {
                assert!(bid < ask);
            }
        }
        assert_eq!(g.samples.len(), 3);
    }

    #[test]
    fn generator_rejects_draws_of_the_wrong_length() {
        let z = vec![0.0; 3];
        let zi = vec![0i64; 3];
        let short = vec![0i64; 2];
        let g = GenDraws {
            u_type: &z,
            side: &zi,
            off: &short,
            qty: &zi,
            mkt_k: &zi,
            mkt_f: &z,
            mod_kind: &z,
            mod_dpx: &zi,
            mod_f: &z,
            pick: &z,
        };
        let e = generate_stream(&g, 0).unwrap_err();
        assert!(e.contains("off has 2 values, expected 3"), "{e}");
    }

    // ---- the engine on streams ----

    #[test]
    fn stream_records_map_to_engine_messages() {
        let mut engine = stream_engine(16, 16);
        let add = rec(STREAM_ADD, 1, 1, 105, 10);
        let m = to_order_msg(&add, 0, &engine);
        assert_eq!(
            m,
            OrderMsg::limit(
                Ts(0),
                STREAM_PARTICIPANT,
                STREAM_INSTRUMENT,
                ClientOrderId(1),
                Side::Sell,
                Price(105),
                Qty(10)
            )
        );
        assert_eq!(engine.process(&m), OrderId(1));
        let reduce = to_order_msg(&rec(STREAM_MODIFY, 1, 1, 105, 4), 1, &engine);
        assert_eq!(reduce.action, Action::Reduce as u8);
        assert_eq!((reduce.order_id, reduce.qty), (1, 4));
        for (px, qty) in [(105, 10), (105, 11), (104, 4)] {
            let m = to_order_msg(&rec(STREAM_MODIFY, 1, 1, px, qty), 1, &engine);
            assert_eq!(m.action, Action::Replace as u8);
            assert_eq!((m.order_id, m.price, m.qty), (1, px, qty));
        }
        let unknown = to_order_msg(&rec(STREAM_MODIFY, 1, 9, 105, 1), 1, &engine);
        assert_eq!(unknown.action, Action::Replace as u8);
        let cancel = to_order_msg(&rec(STREAM_CANCEL, 0, 1, 0, 0), 2, &engine);
        assert_eq!(
            cancel,
            OrderMsg::cancel(Ts(2), STREAM_PARTICIPANT, OrderId(1))
        );
    }

    #[test]
    fn summary_counts_trades_only() {
        let mut engine = stream_engine(16, 16);
        let recs = [
            rec(STREAM_ADD, 1, 1, 101, 5),
            rec(STREAM_ADD, 1, 2, 102, 5),
            rec(STREAM_MKT, 0, 3, 102, 7),
            rec(STREAM_ADD, 0, 4, 99, 1),
        ];
        for (i, r) in recs.iter().enumerate() {
            engine.process(&to_order_msg(r, i as i64, &engine));
        }
        let mut s = StreamSummary::default();
        s.add_events(engine.events());
        s.set_book(&engine);
        assert_eq!(s, reference_summary(&recs));
        assert_eq!(
            s,
            StreamSummary {
                fills: 2,
                traded: 7,
                chk: 5 + 2 * 2,
                live: 2,
                best_bid: Some(99),
                best_ask: Some(102),
            }
        );
    }

    #[test]
    fn every_pass_of_the_engine_agrees_with_the_reference_book() {
        let g = generate(40_000, 5);
        let orders = stream_to_orders(&g.records).unwrap();
        assert_eq!(orders.len(), g.records.len());
        let reduces = orders
            .iter()
            .filter(|m| m.action == Action::Reduce as u8)
            .count();
        let replaces = orders
            .iter()
            .filter(|m| m.action == Action::Replace as u8)
            .count();
        assert!(reduces > 100 && replaces > 100, "{reduces} {replaces}");
        let clock = Clock::new();
        let b = bench_engine(&orders, 2, Some(50_000_000.0), false, &clock);
        let summaries = b.summaries();
        assert_eq!(summaries.len(), 6);
        for s in summaries {
            assert_eq!(s, g.expected);
        }
        assert_eq!(b.latency.count(), 2 * 40_000);
        let (passes, service, response) = b.open_loop.as_ref().unwrap();
        assert_eq!((service.count(), response.count()), (80_000, 80_000));
        assert!(passes
            .iter()
            .all(|p| p.messages == 40_000 && p.busy_ns <= p.wall_ns));
        for p in &b.throughput {
            assert_eq!(p.events, b.throughput[0].events);
            assert!(p.events > p.messages);
        }
    }

    #[test]
    fn permissive_risk_runs_every_check_and_changes_nothing() {
        let g = generate(30_000, 8);
        let orders = stream_to_orders(&g.records).unwrap();
        let mut e = stream_engine(1 << 16, 1 << 16);
        permissive_risk(&mut e);
        assert!(e.risk_enabled());
        let clock = Clock::new();
        let b = bench_engine(&orders, 2, None, true, &clock);
        assert_eq!(b.baseline.len(), 2);
        for p in b
            .throughput
            .iter()
            .chain(&b.latency_passes)
            .chain(&b.baseline)
        {
            assert_eq!(p.summary, g.expected);
            assert_eq!(p.risk_interventions, 0);
        }
        // The checks do run: a participant with a small order-size limit is stopped.
        let mut e = stream_engine(1 << 16, 1 << 16);
        permissive_risk(&mut e);
        e.set_risk_limits(
            Some(STREAM_PARTICIPANT),
            STREAM_INSTRUMENT,
            Limits {
                max_order_qty: 5,
                ..Limits::NONE
            },
        );
        e.process_batch(&orders[..1_000]);
        assert!(risk_interventions(&e) > 0);
    }

    #[test]
    fn open_loop_response_includes_the_wait_behind_slow_messages() {
        // At a rate far above what the engine can do, every message queues behind the
        // previous ones: response time grows with the index while service time does not.
        let g = generate(20_000, 9);
        let orders = stream_to_orders(&g.records).unwrap();
        let clock = Clock::new();
        let (mut service, mut response) = (LatencyHistogram::new(), LatencyHistogram::new());
        let p = run_open_loop(&orders, &clock, 1e12, false, &mut service, &mut response);
        assert_eq!(p.summary, g.expected);
        assert!(response.quantile(0.5) > 100 * service.quantile(0.5));
        assert!(response.max() >= p.busy_ns / 2);
    }

    #[test]
    fn a_rejected_new_order_is_reported_by_the_dry_run() {
        // Two buys at the same id are caught by the parser; the dry run catches what the
        // engine itself refuses. qty above the instrument maximum cannot happen (i64::MAX),
        // so check the mismatch path with a hand-made record list that skips validation.
        let recs = [rec(STREAM_ADD, 0, 1, 100, 5), rec(STREAM_ADD, 0, 5, 100, 5)];
        let e = stream_to_orders(&recs).unwrap_err();
        assert_eq!(
            e,
            StreamError::EngineIdMismatch {
                record: 1,
                id: 5,
                engine_id: 2
            }
        );
    }
}
