//! Binding of the engine's bench tools (`venue_engine::bench`) for `venue bench`: the
//! order-stream reader and converter, the stream generator, the engine-path runner, and
//! histogram helpers. Every long run releases the GIL.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use venue_engine::bench::{
    bench_engine, generate_stream, parse_stream, reference_summary, stream_to_bytes,
    stream_to_orders, Clock, GenDraws, LatencyHistogram, PassResult, StreamSummary,
    STREAM_TYPE_NAMES,
};
use venue_engine::{Action, Event, EventKind, OrderMsg};

use crate::buffer::RawBuffer;
use crate::errors::{BatchFormatError, ConfigError};

/// Registers the bench functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stream_info, m)?)?;
    m.add_function(wrap_pyfunction!(stream_to_order_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(stream_reference, m)?)?;
    m.add_function(wrap_pyfunction!(run_stream, m)?)?;
    m.add_function(wrap_pyfunction!(gen_stream, m)?)?;
    m.add_function(wrap_pyfunction!(summarize_events, m)?)?;
    m.add_function(wrap_pyfunction!(latency_from_values, m)?)?;
    m.add_function(wrap_pyfunction!(merge_latency, m)?)?;
    m.add_function(wrap_pyfunction!(clock_info, m)?)?;
    Ok(())
}

fn stream_err(e: venue_engine::bench::StreamError) -> PyErr {
    BatchFormatError::new_err(e.to_string())
}

/// Parses and validates an order stream held by any contiguous buffer.
fn records(stream: &Bound<'_, PyAny>) -> PyResult<Vec<venue_engine::bench::StreamRecord>> {
    let raw = RawBuffer::get(stream)?;
    parse_stream(raw.bytes()).map_err(stream_err)
}

fn summary_dict<'py>(py: Python<'py>, s: &StreamSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("fills", s.fills)?;
    d.set_item("traded", s.traded)?;
    d.set_item("chk", s.chk)?;
    d.set_item("live", s.live)?;
    d.set_item("best_bid", s.best_bid)?;
    d.set_item("best_ask", s.best_ask)?;
    Ok(d)
}

/// p50 ... max of a histogram, plus `count`, `min`, `mean` and the non-empty buckets as
/// `(bucket top ns, count)` pairs, from which [`merge_latency`] pools histograms exactly.
fn latency_dict<'py>(py: Python<'py>, h: &LatencyHistogram) -> PyResult<Bound<'py, PyDict>> {
    let s = h.summary();
    let d = PyDict::new(py);
    d.set_item("count", s.count)?;
    d.set_item("p50", s.p50)?;
    d.set_item("p90", s.p90)?;
    d.set_item("p99", s.p99)?;
    d.set_item("p999", s.p999)?;
    d.set_item("p9999", s.p9999)?;
    d.set_item("max", s.max)?;
    d.set_item("min", h.min())?;
    d.set_item("mean", h.mean())?;
    d.set_item("buckets", h.nonzero_buckets())?;
    Ok(d)
}

fn pass_list<'py>(py: Python<'py>, passes: &[PassResult]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for p in passes {
        let d = PyDict::new(py);
        d.set_item("messages", p.messages)?;
        d.set_item("events", p.events)?;
        d.set_item("busy_ns", p.busy_ns)?;
        d.set_item("wall_ns", p.wall_ns)?;
        d.set_item("ns_per_msg", p.ns_per_msg())?;
        d.set_item("summary", summary_dict(py, &p.summary)?)?;
        d.set_item("risk_interventions", p.risk_interventions)?;
        out.append(d)?;
    }
    Ok(out)
}

/// stream_info(stream) -> dict
///
/// Validates an order stream (32-byte records, see ORDER_STREAM.md) and counts its record
/// types: `messages`, `add`, `cancel`, `modify`, `mkt`. Raises BatchFormatError naming the
/// record on a truncated stream, an unknown type, a bad side, price or quantity, or new
/// order ids out of sequence.
#[pyfunction]
fn stream_info<'py>(py: Python<'py>, stream: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let recs = records(stream)?;
    let mut counts = [0u64; 4];
    for r in &recs {
        counts[r.typ as usize] += 1;
    }
    let d = PyDict::new(py);
    d.set_item("messages", recs.len())?;
    for (name, c) in STREAM_TYPE_NAMES.iter().zip(counts) {
        d.set_item(name.to_ascii_lowercase(), c)?;
    }
    Ok(d)
}

/// stream_to_order_bytes(stream) -> (bytes, dict)
///
/// The stream as engine messages (64-byte records laid out as ORDER_LAYOUT), ready for
/// `Engine.process_buffer` or for single calls, and the count of each action
/// (`new`, `cancel`, `reduce`, `replace`). A MODIFY becomes REDUCE or REPLACE according to
/// the order's state at that point, decided by a dry run through a fresh engine.
#[pyfunction]
fn stream_to_order_bytes<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let recs = records(stream)?;
    let orders = py.detach(|| stream_to_orders(&recs)).map_err(stream_err)?;
    let mut counts = [0u64; 4];
    for m in &orders {
        if let Some(c) = counts.get_mut(m.action as usize) {
            *c += 1;
        }
    }
    let d = PyDict::new(py);
    for (a, c) in [Action::New, Action::Cancel, Action::Reduce, Action::Replace]
        .iter()
        .zip(counts)
    {
        d.set_item(a.name().to_ascii_lowercase(), c)?;
    }
    // SAFETY: OrderMsg is #[repr(C)] plain integers with explicit padding fields, 64 bytes,
    // so its memory is initialised bytes.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            orders.as_ptr() as *const u8,
            std::mem::size_of_val(orders.as_slice()),
        )
    };
    Ok((PyBytes::new(py, bytes), d))
}

/// stream_reference(stream) -> dict
///
/// The expected result of a stream from the reference book (a port of pybook.py):
/// fills, traded, chk, live, best_bid, best_ask.
#[pyfunction]
fn stream_reference<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let recs = records(stream)?;
    let s = py.detach(|| reference_summary(&recs));
    summary_dict(py, &s)
}

/// run_stream(stream, rounds=5, open_loop_rate=None, risk=False) -> dict
///
/// The engine path: the stream (converted by a dry run, untimed) through `rounds` fresh
/// engines in Rust with the GIL released; each round a throughput pass (no per-message
/// timer) and a closed-loop latency pass (each message timed), plus an open-loop pass at
/// `open_loop_rate` messages per second when given. With `risk`, every pass runs with every
/// risk control on with permissive limits (the Rust `bench::permissive_risk`) and each round
/// adds a throughput pass with risk off (`baseline`). Returns `throughput`, `latency_passes` and `baseline`
/// (per-pass dicts: messages, events, busy_ns, wall_ns, ns_per_msg, summary,
/// risk_interventions), `latency` (pooled per-message ns), and with a rate `open_loop`
/// (`passes`, `service`, `response`).
#[pyfunction]
#[pyo3(signature = (stream, rounds = 5, open_loop_rate = None, risk = false))]
fn run_stream<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    rounds: usize,
    open_loop_rate: Option<f64>,
    risk: bool,
) -> PyResult<Bound<'py, PyDict>> {
    if rounds == 0 {
        return Err(ConfigError::new_err("rounds must be at least 1"));
    }
    if let Some(rate) = open_loop_rate {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ConfigError::new_err(format!(
                "open_loop_rate must be a positive number of messages per second, got {rate}"
            )));
        }
    }
    let recs = records(stream)?;
    let b = py
        .detach(|| {
            let orders = stream_to_orders(&recs)?;
            let clock = Clock::new();
            Ok(bench_engine(&orders, rounds, open_loop_rate, risk, &clock))
        })
        .map_err(stream_err)?;
    let d = PyDict::new(py);
    d.set_item("throughput", pass_list(py, &b.throughput)?)?;
    d.set_item("latency_passes", pass_list(py, &b.latency_passes)?)?;
    d.set_item("baseline", pass_list(py, &b.baseline)?)?;
    d.set_item("latency", latency_dict(py, &b.latency)?)?;
    if let Some((passes, service, response)) = &b.open_loop {
        let o = PyDict::new(py);
        o.set_item("rate", open_loop_rate)?;
        o.set_item("passes", pass_list(py, passes)?)?;
        o.set_item("service", latency_dict(py, service)?)?;
        o.set_item("response", latency_dict(py, response)?)?;
        d.set_item("open_loop", o)?;
    }
    Ok(d)
}

/// Reads a buffer of 8-byte little-endian values.
fn words<T>(name: &str, obj: &Bound<'_, PyAny>, from: impl Fn([u8; 8]) -> T) -> PyResult<Vec<T>> {
    let raw = RawBuffer::get(obj)?;
    let b = raw.bytes();
    if b.len() % 8 != 0 {
        return Err(ConfigError::new_err(format!(
            "generator draw {name}: {} bytes is not a whole number of 8-byte values",
            b.len()
        )));
    }
    Ok(b.chunks_exact(8)
        .map(|c| from(c.try_into().expect("chunks_exact gives 8")))
        .collect())
}

/// gen_stream(u_type, side, off, qty, mkt_k, mkt_f, mod_kind, mod_dpx, mod_f, pick, prefill)
/// -> (bytes, dict)
///
/// The stream generator of gen_stream.py on numpy's draws (float64 arrays: u_type, mkt_f,
/// mod_kind, mod_f, pick; int64 arrays: side, off, qty, mkt_k, mod_dpx), run on the
/// reference book with the GIL released. Returns the stream's bytes and `expected` (the
/// summary), `counts` (ADD, CANCEL, MODIFY, MKT after the prefill), `samples` (live orders,
/// levels, spread every 10,000 messages) and `max_id`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn gen_stream<'py>(
    py: Python<'py>,
    u_type: &Bound<'py, PyAny>,
    side: &Bound<'py, PyAny>,
    off: &Bound<'py, PyAny>,
    qty: &Bound<'py, PyAny>,
    mkt_k: &Bound<'py, PyAny>,
    mkt_f: &Bound<'py, PyAny>,
    mod_kind: &Bound<'py, PyAny>,
    mod_dpx: &Bound<'py, PyAny>,
    mod_f: &Bound<'py, PyAny>,
    pick: &Bound<'py, PyAny>,
    prefill: usize,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let f = f64::from_le_bytes;
    let i = i64::from_le_bytes;
    let (u_type, mkt_f, mod_kind, mod_f, pick) = (
        words("u_type", u_type, f)?,
        words("mkt_f", mkt_f, f)?,
        words("mod_kind", mod_kind, f)?,
        words("mod_f", mod_f, f)?,
        words("pick", pick, f)?,
    );
    let (side, off, qty, mkt_k, mod_dpx) = (
        words("side", side, i)?,
        words("off", off, i)?,
        words("qty", qty, i)?,
        words("mkt_k", mkt_k, i)?,
        words("mod_dpx", mod_dpx, i)?,
    );
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
    let g = py
        .detach(|| generate_stream(&draws, prefill))
        .map_err(ConfigError::new_err)?;
    let d = PyDict::new(py);
    d.set_item("expected", summary_dict(py, &g.expected)?)?;
    d.set_item("counts", g.counts.to_vec())?;
    d.set_item("samples", g.samples)?;
    d.set_item("max_id", g.max_id)?;
    Ok((PyBytes::new(py, &stream_to_bytes(&g.records)), d))
}

/// summarize_events(events) -> (fills, traded, chk)
///
/// The TRADE events of an event buffer (80-byte records laid out as EVENT_LAYOUT):
/// their count, total quantity and the sum of maker order id × quantity mod 2^64.
#[pyfunction]
fn summarize_events(events: &Bound<'_, PyAny>) -> PyResult<(u64, u128, u64)> {
    let raw = RawBuffer::get(events)?;
    let b = raw.bytes();
    let size = core::mem::size_of::<Event>();
    if b.len() % size != 0 {
        return Err(BatchFormatError::new_err(format!(
            "the event buffer holds {} bytes, not a whole number of {size}-byte events",
            b.len()
        )));
    }
    let mut s = StreamSummary::default();
    let word = |c: &[u8], at: usize| u64::from_le_bytes(c[at..at + 8].try_into().expect("8"));
    for c in b.chunks_exact(size) {
        if c[core::mem::offset_of!(Event, kind)] == EventKind::Trade as u8 {
            let qty = word(c, core::mem::offset_of!(Event, qty)) as i64;
            s.add_fill(word(c, core::mem::offset_of!(Event, maker_order_id)), qty);
        }
    }
    Ok((s.fills, s.traded, s.chk))
}

/// latency_from_values(values) -> dict
///
/// A latency histogram of the int64 nanosecond values in a buffer (negative values count as
/// 0): count, p50, p90, p99, p999, p9999, max, min, mean, buckets.
#[pyfunction]
fn latency_from_values<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let v = words("values", values, i64::from_le_bytes)?;
    let h = py.detach(|| {
        let mut h = LatencyHistogram::new();
        for x in v {
            h.record(x.max(0) as u64);
        }
        h
    });
    latency_dict(py, &h)
}

/// merge_latency(parts) -> dict
///
/// Pools histograms given as dicts with `buckets` (as the other functions return them) and
/// `max`: the percentiles of all their values together (never averaged percentiles).
#[pyfunction]
fn merge_latency<'py>(
    py: Python<'py>,
    parts: Vec<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut h = LatencyHistogram::new();
    for (k, p) in parts.iter().enumerate() {
        let buckets: Vec<(u64, u64)> = p
            .get_item("buckets")?
            .ok_or_else(|| ConfigError::new_err(format!("latency part {k} has no 'buckets'")))?
            .extract()?;
        let max: u64 = p
            .get_item("max")?
            .ok_or_else(|| ConfigError::new_err(format!("latency part {k} has no 'max'")))?
            .extract()?;
        let min: Option<u64> = match p.get_item("min")? {
            Some(v) => Some(v.extract()?),
            None => None,
        };
        h.merge(&LatencyHistogram::from_buckets(&buckets, min, max));
    }
    latency_dict(py, &h)
}

/// clock_info() -> dict
///
/// The bench clock: `source` ("tsc" or "instant"), `ticks_per_second` and `overhead_ns`
/// (the cost of one reading, carried by every timed message).
#[pyfunction]
fn clock_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let clock = py.detach(Clock::new);
    let d = PyDict::new(py);
    d.set_item("source", clock.source())?;
    d.set_item("ticks_per_second", clock.ticks_per_second())?;
    d.set_item("overhead_ns", py.detach(|| clock.overhead_ns()))?;
    Ok(d)
}

const _: () = assert!(core::mem::size_of::<OrderMsg>() == 64);
