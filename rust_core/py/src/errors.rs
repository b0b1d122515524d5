//! The one error map: engine misuse and caught panics onto `VenueError` and its subclasses.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use venue_engine::EngineError;

create_exception!(
    venue.errors,
    VenueError,
    PyException,
    "Base class of every error the engine raises."
);
create_exception!(
    venue.errors,
    ConfigError,
    VenueError,
    "An invalid instrument specification, configuration value or argument."
);
create_exception!(
    venue.errors,
    UnknownInstrumentError,
    VenueError,
    "A query or configuration call named an instrument that does not exist."
);
create_exception!(
    venue.errors,
    BatchFormatError,
    VenueError,
    "A batch buffer is malformed."
);
create_exception!(
    venue.errors,
    InternalError,
    VenueError,
    "The engine panicked; the engine object is unusable from then on."
);

pub fn register(py: Python<'_>, m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VenueError", py.get_type::<VenueError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add(
        "UnknownInstrumentError",
        py.get_type::<UnknownInstrumentError>(),
    )?;
    m.add("BatchFormatError", py.get_type::<BatchFormatError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}

/// Engine errors become Python exceptions here, and only here.
pub fn to_py(e: EngineError) -> PyErr {
    match e {
        EngineError::InvalidInstrument(_) => ConfigError::new_err(e.to_string()),
        EngineError::UnknownInstrument(_) => UnknownInstrumentError::new_err(e.to_string()),
    }
}

/// The text of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}
