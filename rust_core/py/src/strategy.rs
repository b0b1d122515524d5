//! Binding of venue-strategy (indicators, tree ensembles, copula tables). (Stub, being written.)

use pyo3::prelude::*;

/// Registers the strategy classes and functions on the module.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
