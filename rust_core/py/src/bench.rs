//! Binding of the engine's bench runner. (Stub, being written.)

use pyo3::prelude::*;

/// Registers the bench functions on the module.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
