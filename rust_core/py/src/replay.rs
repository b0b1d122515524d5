//! Binding of venue-replay: LOBSTER, ITCH 5.0 and Bitstamp replays. Each call reads and
//! replays with the GIL released and returns one dict; events and trades come back as bytes
//! that `venue.replay` views with numpy. Bad input raises `venue.errors.ReplayError` with the
//! file, the place and the problem.

use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use venue_engine::Event;
use venue_replay::lobster::{self, Book, Options};
use venue_replay::{bitstamp, itch};

use crate::errors::VenueError;

create_exception!(
    venue.errors,
    ReplayError,
    VenueError,
    "Input that cannot be replayed; the message names the file, the line or byte offset, and the problem."
);

fn to_py(e: venue_replay::ReplayError) -> PyErr {
    ReplayError::new_err(e.to_string())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ReplayError", m.py().get_type::<ReplayError>())?;
    m.add("TRADE_RECORD_SIZE", core::mem::size_of::<lobster::Trade>())?;
    m.add_function(wrap_pyfunction!(replay_lobster, m)?)?;
    m.add_function(wrap_pyfunction!(replay_itch, m)?)?;
    m.add_function(wrap_pyfunction!(replay_bitstamp, m)?)?;
    Ok(())
}

fn book_dict<'py>(py: Python<'py>, b: &Book) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("bids", b.bids.clone())?;
    d.set_item("asks", b.asks.clone())?;
    Ok(d)
}

/// Events as 80-byte little-endian records laid out as EVENT_LAYOUT.
fn event_bytes(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.len() * 80);
    for e in events {
        out.extend(e.seq.to_le_bytes());
        out.extend(e.ts.to_le_bytes());
        out.extend(e.order_id.to_le_bytes());
        out.extend(e.client_order_id.to_le_bytes());
        out.extend(e.price.to_le_bytes());
        out.extend(e.qty.to_le_bytes());
        out.extend(e.leaves.to_le_bytes());
        out.extend(e.maker_order_id.to_le_bytes());
        out.extend(e.instrument.to_le_bytes());
        out.extend(e.participant.to_le_bytes());
        out.extend(e.maker_participant.to_le_bytes());
        out.extend([e.kind, e.side, e.reason, 0]);
    }
    out
}

/// Trades as 48-byte little-endian records (ts, price, qty, order_id, row, side, kind, pad).
fn trade_bytes(trades: &[lobster::Trade]) -> Vec<u8> {
    let mut out = Vec::with_capacity(trades.len() * 48);
    for t in trades {
        out.extend(t.ts.to_le_bytes());
        out.extend(t.price.to_le_bytes());
        out.extend(t.qty.to_le_bytes());
        out.extend(t.order_id.to_le_bytes());
        out.extend(t.row.to_le_bytes());
        out.extend([t.side, t.kind, 0, 0, 0, 0, 0, 0]);
    }
    out
}

/// Replays a LOBSTER zip, or a message CSV with its orderbook CSV. With `collect_events`,
/// the engine's events come back too (for writing them out).
#[pyfunction]
#[pyo3(signature = (path, orderbook=None, collect_events=false))]
fn replay_lobster<'py>(
    py: Python<'py>,
    path: PathBuf,
    orderbook: Option<PathBuf>,
    collect_events: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = Options { collect_events };
    let r = py
        .detach(|| lobster::replay_path(&path, orderbook.as_deref(), opts))
        .map_err(to_py)?;
    let o = &r.outcome;
    let d = PyDict::new(py);
    d.set_item("rows", o.rows)?;
    d.set_item("exact", o.exact)?;
    d.set_item("adopted", o.adopted)?;
    d.set_item("mismatched", o.mismatched)?;
    match &o.first_mismatch {
        None => d.set_item("first_mismatch", py.None())?,
        Some(m) => {
            let f = PyDict::new(py);
            f.set_item("row", m.row)?;
            f.set_item("engine", book_dict(py, &m.engine)?)?;
            f.set_item("file", book_dict(py, &m.file)?)?;
            d.set_item("first_mismatch", f)?;
        }
    }
    d.set_item("messages_per_s", r.messages_per_s())?;
    d.set_item("messages", r.messages)?;
    d.set_item("seconds", r.seconds)?;
    d.set_item("seconds_inflate", r.seconds_inflate)?;
    d.set_item("seconds_parse", r.seconds_parse)?;
    d.set_item("levels", o.levels)?;
    d.set_item("levels_adopted", o.levels_adopted)?;
    d.set_item("by_type", o.by_type[1..].to_vec())?;
    d.set_item("anonymous", o.anonymous)?;
    d.set_item("halted", o.halted)?;
    d.set_item("book", book_dict(py, &o.book)?)?;
    d.set_item("trades", PyBytes::new(py, &trade_bytes(&o.trades)))?;
    d.set_item("events", PyBytes::new(py, &event_bytes(&o.events)))?;
    Ok(d)
}

/// Replays an ITCH 5.0 file; `symbol` picks the book to report (default: every stock with
/// orders), `depth` levels a side.
#[pyfunction]
#[pyo3(signature = (path, symbol=None, depth=10))]
fn replay_itch<'py>(
    py: Python<'py>,
    path: PathBuf,
    symbol: Option<String>,
    depth: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let name = path.display().to_string();
    let o = py
        .detach(|| {
            let data = venue_replay::error::read_file(&path)?;
            itch::replay(&name, &data, symbol.as_deref(), depth)
        })
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("messages", o.messages)?;
    d.set_item("bytes", o.bytes)?;
    let by = PyList::empty(py);
    for (k, n, c) in &o.by_type {
        by.append((k.to_string(), *n, *c))?;
    }
    d.set_item("by_type", by)?;
    d.set_item("unknown_refs", o.unknown_refs)?;
    d.set_item("stocks", o.stocks)?;
    let ev: Vec<(u64, String)> = o
        .system_events
        .iter()
        .map(|&(t, c)| (t, c.to_string()))
        .collect();
    d.set_item("system_events", ev)?;
    let books = PyList::empty(py);
    for b in &o.books {
        let x = PyDict::new(py);
        x.set_item("symbol", &b.symbol)?;
        x.set_item("locate", b.locate)?;
        x.set_item("bids", b.bids.clone())?;
        x.set_item("asks", b.asks.clone())?;
        x.set_item("adds", b.adds)?;
        x.set_item("trades", b.trades)?;
        x.set_item("trading_state", b.trading_state.to_string())?;
        books.append(x)?;
    }
    d.set_item("books", books)?;
    Ok(d)
}

/// Replays a Bitstamp capture already decompressed (`name` names it in errors).
#[pyfunction]
fn replay_bitstamp<'py>(
    py: Python<'py>,
    name: String,
    data: Vec<u8>,
) -> PyResult<Bound<'py, PyDict>> {
    let o = py
        .detach(|| bitstamp::replay(&name, &data))
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("lines", o.lines)?;
    let names = [
        "order_created",
        "order_changed",
        "order_deleted",
        "trade",
        "order_book",
    ];
    let ev = PyDict::new(py);
    for (n, c) in names.iter().zip(o.events) {
        ev.set_item(n, c)?;
    }
    d.set_item("events", ev)?;
    d.set_item("snapshots", o.snapshots)?;
    d.set_item("best_agree", o.best_agree)?;
    d.set_item("full_agree", o.full_agree)?;
    d.set_item("best_share", o.best_share())?;
    d.set_item("full_share", o.full_share())?;
    match &o.first_best_disagreement {
        None => d.set_item("first_best_disagreement", py.None())?,
        Some(x) => {
            let f = PyDict::new(py);
            f.set_item("line", x.line)?;
            f.set_item("engine", book_dict(py, &x.engine)?)?;
            f.set_item("snapshot", book_dict(py, &x.snapshot)?)?;
            d.set_item("first_best_disagreement", f)?;
        }
    }
    d.set_item("unknown_orders", o.unknown_orders)?;
    d.set_item("uncrossed", o.uncrossed)?;
    d.set_item("trades", o.trades.clone())?;
    d.set_item("book", book_dict(py, &o.book)?)?;
    Ok(d)
}
