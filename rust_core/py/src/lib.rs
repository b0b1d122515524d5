//! `venue._core`: the thin PyO3 binding of `venue-engine`.
//!
//! It only converts and wraps: arguments in, events out as bytes laid out as
//! [`venue_engine::EVENT_LAYOUT`], errors through one map onto `VenueError` and its
//! subclasses. No logic that the engine lacks.

use pyo3::prelude::*;

mod bench;
mod buffer;
mod engine;
mod errors;
mod replay;
mod strategy;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("ALL_INSTRUMENTS", venue_engine::ALL_INSTRUMENTS.0)?;
    m.add("ORDER_SIZE", core::mem::size_of::<venue_engine::OrderMsg>())?;
    m.add("EVENT_SIZE", core::mem::size_of::<venue_engine::Event>())?;
    m.add("ORDER_LAYOUT", venue_engine::ORDER_MSG_LAYOUT.to_vec())?;
    m.add("EVENT_LAYOUT", venue_engine::EVENT_LAYOUT.to_vec())?;
    errors::register(py, m)?;
    m.add_class::<engine::PyEngine>()?;
    bench::register(m)?;
    strategy::register(m)?;
    replay::register(m)?;
    Ok(())
}
