//! Binding of venue-strategy: indicators, the xgboost tree evaluator, copula tables and
//! the pair signals. Batches cross as buffers (numpy arrays) and come back as `bytes` that
//! `venue.strategy` views with numpy; the work runs with the GIL released.

use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use venue_engine::Event;
use venue_strategy::copula::{CopulaTable, LiewWu, MispricingIndex};
use venue_strategy::indicators::{IndicatorConfig, Indicators, Top, NUM_FEATURES};
use venue_strategy::normal::ndtri;
use venue_strategy::trees::TreeEnsemble;
use venue_strategy::StrategyError as CoreError;

use crate::buffer::RawBuffer;
use crate::errors::{BatchFormatError, ConfigError, VenueError};

create_exception!(
    venue.errors,
    StrategyError,
    VenueError,
    "A strategy component was given something it cannot use (a row of the wrong length, ...)."
);
create_exception!(
    venue.errors,
    ModelError,
    StrategyError,
    "A model file is malformed or uses something the Rust evaluator does not support."
);
create_exception!(
    venue.errors,
    FeatureMismatchError,
    StrategyError,
    "A model's features are not the ones the feature provider computes."
);
create_exception!(
    venue.errors,
    CopulaTableError,
    StrategyError,
    "A copula table file is malformed."
);
create_exception!(
    venue.errors,
    PairMismatchError,
    StrategyError,
    "A copula table was fitted on another pair of instruments."
);

/// Strategy errors become Python exceptions here, and only here.
fn to_py(e: CoreError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreError::Config(_) => ConfigError::new_err(msg),
        CoreError::Model(_) => ModelError::new_err(msg),
        CoreError::FeatureMismatch(_) => FeatureMismatchError::new_err(msg),
        CoreError::Table(_) => CopulaTableError::new_err(msg),
        CoreError::PairMismatch(_) => PairMismatchError::new_err(msg),
        CoreError::Input(_) => StrategyError::new_err(msg),
    }
}

/// A buffer's bytes as `f32` values (a copy: the buffer need not be aligned).
fn f32s(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f32>> {
    let raw = RawBuffer::get(obj)?;
    let b = raw.bytes();
    if b.len() % 4 != 0 {
        return Err(BatchFormatError::new_err(format!(
            "{what}: {} bytes are not a whole number of float32 values",
            b.len()
        )));
    }
    Ok(b.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect())
}

/// A buffer's bytes as `f64` values.
fn f64s(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<f64>> {
    let raw = RawBuffer::get(obj)?;
    let b = raw.bytes();
    if b.len() % 8 != 0 {
        return Err(BatchFormatError::new_err(format!(
            "{what}: {} bytes are not a whole number of float64 values",
            b.len()
        )));
    }
    Ok(b.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

/// A buffer's bytes as `i64` values.
fn i64s(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<i64>> {
    let raw = RawBuffer::get(obj)?;
    let b = raw.bytes();
    if b.len() % 8 != 0 {
        return Err(BatchFormatError::new_err(format!(
            "{what}: {} bytes are not a whole number of int64 values",
            b.len()
        )));
    }
    Ok(b.chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn i64_at(b: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Decodes a buffer of 80-byte event records (EVENT_LAYOUT) field by field.
fn events(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Event>> {
    let raw = RawBuffer::get(obj)?;
    let b = raw.bytes();
    let size = core::mem::size_of::<Event>();
    if b.len() % size != 0 {
        return Err(BatchFormatError::new_err(format!(
            "events: {} bytes are not a whole number of {size}-byte event records \
             (use venue.EVENT_DTYPE)",
            b.len()
        )));
    }
    Ok(b.chunks_exact(size)
        .map(|r| Event {
            seq: u64_at(r, 0),
            ts: i64_at(r, 8),
            order_id: u64_at(r, 16),
            client_order_id: u64_at(r, 24),
            price: i64_at(r, 32),
            qty: i64_at(r, 40),
            leaves: i64_at(r, 48),
            maker_order_id: u64_at(r, 56),
            instrument: u32_at(r, 64),
            participant: u32_at(r, 68),
            maker_participant: u32_at(r, 72),
            kind: r[76],
            side: r[77],
            reason: r[78],
            _pad: 0,
        })
        .collect())
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Appends a step record: seq, ts, then the top of book (8 x i64, 64 bytes).
fn push_step(out: &mut Vec<u8>, seq: u64, ts: i64, t: &Top) {
    out.extend(seq.to_le_bytes());
    out.extend(ts.to_le_bytes());
    for v in [
        t.bid_px,
        t.bid_qty,
        t.ask_px,
        t.ask_qty,
        t.bid_depth,
        t.ask_depth,
    ] {
        out.extend(v.to_le_bytes());
    }
}

/// Incremental indicators of one instrument (`venue_strategy::indicators::Indicators`).
#[pyclass(name = "Indicators", module = "venue._core")]
#[derive(Debug)]
pub struct PyIndicators {
    inner: Indicators,
}

#[pymethods]
impl PyIndicators {
    #[new]
    #[pyo3(signature = (instrument = 0, depth_levels = 5, ofi_short = 10, ofi_long = 50,
        trade_window = 20, ema_fast = 10, ema_slow = 100, vol_window = 50, ret_short = 10,
        ret_long = 50, order_capacity = 16384, level_capacity = 1024))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        instrument: u32,
        depth_levels: usize,
        ofi_short: usize,
        ofi_long: usize,
        trade_window: usize,
        ema_fast: u32,
        ema_slow: u32,
        vol_window: usize,
        ret_short: usize,
        ret_long: usize,
        order_capacity: usize,
        level_capacity: usize,
    ) -> PyResult<Self> {
        let cfg = IndicatorConfig {
            instrument,
            depth_levels,
            ofi_short,
            ofi_long,
            trade_window,
            ema_fast,
            ema_slow,
            vol_window,
            ret_short,
            ret_long,
            order_capacity: order_capacity.min(1 << 24),
            level_capacity: level_capacity.min(1 << 20),
        };
        Ok(PyIndicators {
            inner: Indicators::new(cfg).map_err(to_py)?,
        })
    }

    /// The feature names, in row order.
    fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names()
    }

    /// Applies a buffer of events (EVENT_DTYPE), ending steps at timestamp changes;
    /// returns `(features, steps)`: float32 rows of the features after each step, and
    /// 64-byte step records (seq and ts of the step's last event, bid_px, bid_qty, ask_px,
    /// ask_qty, bid_depth, ask_depth as int64).
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        events_buf: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let evs = events(events_buf)?;
        let ind = &mut self.inner;
        let (feats, steps) = py.detach(|| {
            let mut feats = Vec::new();
            let mut steps = Vec::new();
            let mut row = [0f32; NUM_FEATURES];
            ind.on_events_with(&evs, |i, e| {
                i.write_features(&mut row);
                feats.extend_from_slice(&row);
                push_step(&mut steps, e.seq, e.ts, i.top());
            });
            (f32_bytes(&feats), steps)
        });
        Ok((PyBytes::new(py, &feats), PyBytes::new(py, &steps)))
    }

    /// L2 replay: `records` is int64, 7 a record: `[0, bid_px, bid_qty, ask_px, ask_qty,
    /// bid_depth, ask_depth]` closes a step with that book, `[1, price, qty, sign, 0, 0, 0]`
    /// is a fill (sign +1 buyer-initiated, -1 seller-initiated). Returns float32 feature
    /// rows, one per book record.
    fn run_book<'py>(
        &mut self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let vals = i64s(records, "records")?;
        if vals.len() % 7 != 0 {
            return Err(BatchFormatError::new_err(format!(
                "records: {} int64 values are not whole records of 7",
                vals.len()
            )));
        }
        if let Some((i, r)) = vals
            .chunks_exact(7)
            .enumerate()
            .find(|(_, r)| !(r[0] == 0 || (r[0] == 1 && (r[3] == 1 || r[3] == -1))))
        {
            return Err(BatchFormatError::new_err(format!(
                "records: record {i} is {r:?}: the kind must be 0 (book) or 1 (fill, sign +1 \
                 or -1)"
            )));
        }
        let ind = &mut self.inner;
        let feats = py.detach(|| {
            let mut feats = Vec::new();
            let mut row = [0f32; NUM_FEATURES];
            for r in vals.chunks_exact(7) {
                if r[0] == 1 {
                    ind.on_trade(r[1], r[2], r[3] > 0);
                } else {
                    ind.step_with_book(&Top {
                        bid_px: r[1],
                        bid_qty: r[2],
                        ask_px: r[3],
                        ask_qty: r[4],
                        bid_depth: r[5],
                        ask_depth: r[6],
                    });
                    ind.write_features(&mut row);
                    feats.extend_from_slice(&row);
                }
            }
            f32_bytes(&feats)
        });
        Ok(PyBytes::new(py, &feats))
    }

    /// The current features (after the last step), as floats.
    fn features(&self) -> Vec<f32> {
        let mut row = [0f32; NUM_FEATURES];
        self.inner.write_features(&mut row);
        row.to_vec()
    }

    /// Steps taken.
    fn steps(&self) -> u64 {
        self.inner.steps()
    }

    /// `(mid, microprice, spread, vwap, ema_fast, ema_slow, realized_vol)` as floats.
    fn prices(&self) -> (f64, f64, f64, f64, f64, f64, f64) {
        let i = &self.inner;
        (
            i.mid(),
            i.microprice(),
            i.spread(),
            i.vwap(),
            i.ema_fast(),
            i.ema_slow(),
            i.realized_vol(),
        )
    }

    /// `ret(k)` and `log_ret(k)`, k two-sided steps back.
    fn returns(&self, k: usize) -> (f64, f64) {
        (self.inner.ret(k), self.inner.log_ret(k))
    }

    /// Book-tracker feed anomalies (0 on a consistent feed).
    fn anomalies(&self) -> u64 {
        self.inner.book().anomalies()
    }
}

/// An xgboost regression model evaluated in Rust (`venue_strategy::trees::TreeEnsemble`).
#[pyclass(name = "TreeEnsemble", module = "venue._core")]
#[derive(Debug)]
pub struct PyTreeEnsemble {
    inner: TreeEnsemble,
}

#[pymethods]
impl PyTreeEnsemble {
    /// Parses a model saved by xgboost as JSON.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py.detach(|| TreeEnsemble::from_json(text)).map_err(to_py)?;
        Ok(PyTreeEnsemble { inner })
    }

    #[getter]
    fn num_features(&self) -> usize {
        self.inner.num_features()
    }

    #[getter]
    fn num_trees(&self) -> usize {
        self.inner.num_trees()
    }

    #[getter]
    fn depth(&self) -> usize {
        self.inner.depth()
    }

    #[getter]
    fn base_score(&self) -> f32 {
        self.inner.base_score()
    }

    #[getter]
    fn objective(&self) -> String {
        self.inner.objective().to_owned()
    }

    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names().to_vec()
    }

    /// Raises FeatureMismatchError unless the model's features are exactly `names`.
    fn check_features(&self, names: Vec<String>) -> PyResult<()> {
        self.inner.check_features(&names).map_err(to_py)
    }

    /// The prediction for one row (a float32 buffer of num_features values).
    fn predict(&self, row: &Bound<'_, PyAny>) -> PyResult<f32> {
        let row = f32s(row, "row")?;
        self.inner.predict(&row).map_err(to_py)
    }

    /// The prediction by walking each tree node by node (the reference evaluation).
    fn predict_reference(&self, row: &Bound<'_, PyAny>) -> PyResult<f32> {
        let row = f32s(row, "row")?;
        self.inner.predict_reference(&row).map_err(to_py)
    }

    /// Predictions for a row-major float32 buffer of `n_rows` rows, as float32 bytes.
    fn predict_batch<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        n_rows: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let rows = f32s(rows, "rows")?;
        let model = &self.inner;
        let out = py
            .detach(|| {
                let mut out = vec![0f32; n_rows];
                model.predict_batch(&rows, &mut out).map(|()| out)
            })
            .map_err(to_py)?;
        Ok(PyBytes::new(py, &f32_bytes(&out)))
    }

    /// Times `predict` on one row inside Rust: `batches` timed runs of `per_batch` calls;
    /// returns the median ns per call. Short batches and the median keep the time the thread
    /// spends preempted on a busy machine out of the figure.
    #[pyo3(signature = (row, batches = 2000, per_batch = 8))]
    fn time_predict(
        &self,
        py: Python<'_>,
        row: &Bound<'_, PyAny>,
        batches: usize,
        per_batch: usize,
    ) -> PyResult<f64> {
        let row = f32s(row, "row")?;
        self.inner.predict(&row).map_err(to_py)?;
        let model = &self.inner;
        let per_batch = per_batch.max(1);
        Ok(py.detach(|| {
            let mut per_call: Vec<f64> = (0..batches.max(1))
                .map(|_| {
                    let t0 = std::time::Instant::now();
                    let mut acc = 0f32;
                    for _ in 0..per_batch {
                        acc += model.predict(std::hint::black_box(&row)).unwrap_or(0.0);
                    }
                    std::hint::black_box(acc);
                    t0.elapsed().as_nanos() as f64 / per_batch as f64
                })
                .collect();
            per_call.sort_by(f64::total_cmp);
            per_call[per_call.len() / 2]
        }))
    }
}

/// A copula table (`venue_strategy::copula::CopulaTable`).
#[pyclass(name = "CopulaTable", module = "venue._core")]
#[derive(Debug)]
pub struct PyCopulaTable {
    inner: CopulaTable,
}

#[pymethods]
impl PyCopulaTable {
    /// Reads a table file's bytes.
    #[staticmethod]
    fn from_bytes(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let raw = RawBuffer::get(data)?;
        let inner = CopulaTable::from_bytes(raw.bytes()).map_err(to_py)?;
        Ok(PyCopulaTable { inner })
    }

    #[getter]
    fn pair(&self) -> (String, String) {
        let (x, y) = self.inner.pair();
        (x.to_owned(), y.to_owned())
    }

    #[getter]
    fn family(&self) -> String {
        self.inner.family().to_owned()
    }

    #[getter]
    fn grid_size(&self) -> usize {
        self.inner.grid_size()
    }

    #[getter]
    fn z_max(&self) -> f64 {
        self.inner.z_max()
    }

    /// The header as JSON text.
    fn header_json(&self) -> String {
        self.inner.header().to_string()
    }

    /// Raises PairMismatchError unless the table is for `(x, y)` in that order.
    fn check_pair(&self, x: &str, y: &str) -> PyResult<()> {
        self.inner.check_pair(x, y).map_err(to_py)
    }

    /// `(h(u|v), h(v|u))` for one point.
    fn h(&self, u: f64, v: f64) -> (f64, f64) {
        self.inner.h(u, v)
    }

    /// `h` for float64 buffers `u` and `v` of equal length: two float64 byte strings.
    fn h_batch<'py>(
        &self,
        py: Python<'py>,
        u: &Bound<'py, PyAny>,
        v: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let (u, v) = (f64s(u, "u")?, f64s(v, "v")?);
        if u.len() != v.len() {
            return Err(StrategyError::new_err(format!(
                "h_batch: u has {} values, v has {}",
                u.len(),
                v.len()
            )));
        }
        let t = &self.inner;
        let (a, b): (Vec<f64>, Vec<f64>) =
            py.detach(|| u.iter().zip(&v).map(|(&u, &v)| t.h(u, v)).unzip());
        Ok((
            PyBytes::new(py, &f64_bytes(&a)),
            PyBytes::new(py, &f64_bytes(&b)),
        ))
    }

    /// The empirical marginals at float64 buffers `x` and `y`: `(u, v)` as float64 bytes.
    fn uv_batch<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let (x, y) = (f64s(x, "x")?, f64s(y, "y")?);
        let t = &self.inner;
        let (u, v) = py.detach(|| {
            let u: Vec<f64> = x.iter().map(|&x| t.u_of_x(x)).collect();
            let v: Vec<f64> = y.iter().map(|&y| t.v_of_y(y)).collect();
            (u, v)
        });
        Ok((
            PyBytes::new(py, &f64_bytes(&u)),
            PyBytes::new(py, &f64_bytes(&v)),
        ))
    }
}

/// `Φ⁻¹` (AS 241) of a float64 buffer, as float64 bytes.
#[pyfunction]
fn ndtri_batch<'py>(py: Python<'py>, p: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let p = f64s(p, "p")?;
    let z: Vec<f64> = py.detach(|| p.iter().map(|&p| ndtri(p)).collect());
    Ok(PyBytes::new(py, &f64_bytes(&z)))
}

fn pair_inputs(
    h_u_given_v: &Bound<'_, PyAny>,
    h_v_given_u: &Bound<'_, PyAny>,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let (a, b) = (
        f64s(h_u_given_v, "h_u_given_v")?,
        f64s(h_v_given_u, "h_v_given_u")?,
    );
    if a.len() != b.len() {
        return Err(StrategyError::new_err(format!(
            "signals: h_u_given_v has {} values, h_v_given_u has {}",
            a.len(),
            b.len()
        )));
    }
    Ok((a, b))
}

/// Positions (int8 bytes) of the Liew-Wu rule over a series of conditional probabilities.
#[pyfunction]
fn liew_wu_positions<'py>(
    py: Python<'py>,
    h_u_given_v: &Bound<'py, PyAny>,
    h_v_given_u: &Bound<'py, PyAny>,
    alpha: f64,
    exit: f64,
) -> PyResult<Bound<'py, PyBytes>> {
    let (a, b) = pair_inputs(h_u_given_v, h_v_given_u)?;
    let mut rule = LiewWu::new(alpha, exit).map_err(to_py)?;
    let out: Vec<u8> = a
        .iter()
        .zip(&b)
        .map(|(&a, &b)| rule.update(a, b) as u8)
        .collect();
    Ok(PyBytes::new(py, &out))
}

/// Positions (int8 bytes) of the mispricing-index rule over a series.
#[pyfunction]
fn mispricing_positions<'py>(
    py: Python<'py>,
    h_u_given_v: &Bound<'py, PyAny>,
    h_v_given_u: &Bound<'py, PyAny>,
    entry: f64,
    exit: f64,
    stop: f64,
) -> PyResult<Bound<'py, PyBytes>> {
    let (a, b) = pair_inputs(h_u_given_v, h_v_given_u)?;
    let mut rule = MispricingIndex::new(entry, exit, stop).map_err(to_py)?;
    let out: Vec<u8> = a
        .iter()
        .zip(&b)
        .map(|(&a, &b)| rule.update(a, b) as u8)
        .collect();
    Ok(PyBytes::new(py, &out))
}

/// Registers the strategy classes and functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("StrategyError", py.get_type::<StrategyError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add(
        "FeatureMismatchError",
        py.get_type::<FeatureMismatchError>(),
    )?;
    m.add("CopulaTableError", py.get_type::<CopulaTableError>())?;
    m.add("PairMismatchError", py.get_type::<PairMismatchError>())?;
    m.add("NUM_FEATURES", NUM_FEATURES)?;
    m.add_class::<PyIndicators>()?;
    m.add_class::<PyTreeEnsemble>()?;
    m.add_class::<PyCopulaTable>()?;
    m.add_function(wrap_pyfunction!(ndtri_batch, m)?)?;
    m.add_function(wrap_pyfunction!(liew_wu_positions, m)?)?;
    m.add_function(wrap_pyfunction!(mispricing_positions, m)?)?;
    Ok(())
}
