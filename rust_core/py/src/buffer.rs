//! Borrowing a contiguous Python buffer (bytes, bytearray, memoryview, numpy array) as
//! bytes, whatever its item format: numpy structured arrays export a format string that
//! `pyo3::buffer::PyBuffer<u8>` would refuse.

use pyo3::ffi;
use pyo3::prelude::*;

use crate::errors::BatchFormatError;

/// A held `Py_buffer`; released on drop (with the GIL held: it lives inside a method).
pub struct RawBuffer {
    view: ffi::Py_buffer,
}

impl RawBuffer {
    /// Requests a C-contiguous, read-only byte view of `obj`.
    pub fn get(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut view = std::mem::MaybeUninit::<ffi::Py_buffer>::zeroed();
        // SAFETY: `obj` is a live object and `view` is writable; on success the view must
        // be released exactly once, which `Drop` does.
        let rc = unsafe {
            ffi::PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), ffi::PyBUF_C_CONTIGUOUS)
        };
        if rc != 0 {
            let cause = PyErr::take(obj.py());
            let why = cause.map_or_else(|| "no buffer".to_owned(), |e| e.to_string());
            return Err(BatchFormatError::new_err(format!(
                "the batch must be a C-contiguous buffer (a numpy array of ORDER_DTYPE): {why}"
            )));
        }
        // SAFETY: PyObject_GetBuffer succeeded, so the view is initialised.
        Ok(RawBuffer {
            view: unsafe { view.assume_init() },
        })
    }

    /// The bytes. Valid while `self` lives.
    pub fn bytes(&self) -> &[u8] {
        let len = usize::try_from(self.view.len).unwrap_or(0);
        if len == 0 || self.view.buf.is_null() {
            return &[];
        }
        // SAFETY: the exporter guarantees `len` readable bytes at `buf` while the view is held.
        unsafe { std::slice::from_raw_parts(self.view.buf as *const u8, len) }
    }
}

impl Drop for RawBuffer {
    fn drop(&mut self) {
        // SAFETY: the view was obtained by PyObject_GetBuffer and is released once; the
        // GIL is held because RawBuffer never leaves a method that holds it.
        unsafe { ffi::PyBuffer_Release(&mut self.view) }
    }
}
