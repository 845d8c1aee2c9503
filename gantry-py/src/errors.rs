//! `gantry::Error` as Python exceptions, in one place.
//!
//! The classes are written in Python (`errors.py`, run once on import into the module) so
//! that each can carry its own attributes (`InvalidInput.field`, `Throttled.retry_after`,
//! `ServiceError.backend`...) and inherit from the built-in exception it resembles
//! (`ValueError`, `LookupError`, `TimeoutError`).

use std::ffi::CString;

use gantry::{Backend, Error};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// The exception classes, in the order `errors.py` defines them.
pub(crate) const NAMES: [&str; 17] = [
    "GantryError",
    "InvalidInput",
    "UnsupportedType",
    "NotFound",
    "Unauthenticated",
    "Forbidden",
    "Conflict",
    "LimitReached",
    "Throttled",
    "ServiceError",
    "Unavailable",
    "TimedOut",
    "RateLimited",
    "BackendError",
    "ProtocolError",
    "Interrupted",
    "InternalError",
];

/// The classes by name, once the module is imported.
static CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// Defines the exception classes and adds them to `module`.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let source = CString::new(include_str!("errors.py"))
        .map_err(|_| PyRuntimeError::new_err("errors.py holds a NUL byte"))?;
    let namespace = PyDict::new(py);
    namespace.set_item("__name__", "gantry")?;
    py.run(&source, Some(&namespace), None)?;
    let classes = PyDict::new(py);
    for name in NAMES {
        let class = namespace
            .get_item(name)?
            .ok_or_else(|| PyRuntimeError::new_err(format!("errors.py does not define {name}")))?;
        module.add(name, &class)?;
        classes.set_item(name, class)?;
    }
    // A second import (a subinterpreter, a reload) keeps the first classes.
    let _ = CLASSES.set(py, classes.unbind());
    Ok(())
}

/// A failure on the way to a Python answer: Gantry's own error, or one already made a
/// Python exception (a file that cannot be read, an argument of the wrong type).
#[derive(Debug)]
pub(crate) enum Fail {
    Gantry(Error),
    Python(PyErr),
}

impl From<Error> for Fail {
    fn from(error: Error) -> Self {
        Self::Gantry(error)
    }
}

impl From<PyErr> for Fail {
    fn from(error: PyErr) -> Self {
        Self::Python(error)
    }
}

impl Fail {
    /// The Python exception to raise (needs the GIL: the exception is made at once).
    pub(crate) fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            Self::Python(error) => error,
            Self::Gantry(error) => to_python(py, error),
        }
    }
}

/// The exception for `error`: its class by kind, its message the error's own text, and
/// the kind's attributes.
pub(crate) fn to_python(py: Python<'_>, error: Error) -> PyErr {
    let message = error.to_string();
    let made = match &error {
        Error::InvalidInput { field, reason } => {
            make(py, "InvalidInput", (message, *field, reason.as_str()))
        }
        Error::UnsupportedType { .. } => make(py, "UnsupportedType", (message,)),
        Error::NotFound { .. } => make(py, "NotFound", (message,)),
        Error::Unauthenticated { .. } => make(py, "Unauthenticated", (message,)),
        Error::Forbidden { .. } => make(py, "Forbidden", (message,)),
        Error::Conflict { .. } => make(py, "Conflict", (message,)),
        Error::LimitReached { .. } => make(py, "LimitReached", (message,)),
        Error::Throttled { retry_after, .. } => {
            make(py, "Throttled", (message, retry_after.as_secs_f64()))
        }
        Error::Unavailable { backend, .. } => {
            make(py, "Unavailable", (message, backend.to_string()))
        }
        Error::TimedOut {
            backend,
            waiting_for,
        } => make(
            py,
            "TimedOut",
            (message, backend.to_string(), waiting_for.as_str()),
        ),
        Error::RateLimited {
            backend,
            retry_after,
        } => make(
            py,
            "RateLimited",
            (
                message,
                backend.to_string(),
                retry_after.map(|d| d.as_secs_f64()),
            ),
        ),
        Error::Backend {
            backend, status, ..
        } => make(py, "BackendError", (message, backend.to_string(), *status)),
        Error::Protocol { backend, .. } => {
            make(py, "ProtocolError", (message, backend.to_string()))
        }
        Error::Interrupted { partial, cause } => make(
            py,
            "Interrupted",
            (
                message,
                backend_of(cause).map(|b| b.to_string()).unwrap_or_default(),
                partial.as_str(),
            ),
        ),
        _ => make(py, "InternalError", (message,)),
    };
    made.unwrap_or_else(|failed| failed)
}

/// The backend an error names, if any.
fn backend_of(error: &Error) -> Option<&Backend> {
    match error {
        Error::Unavailable { backend, .. }
        | Error::TimedOut { backend, .. }
        | Error::RateLimited { backend, .. }
        | Error::Backend { backend, .. }
        | Error::Protocol { backend, .. } => Some(backend),
        Error::Interrupted { cause, .. } => backend_of(cause),
        _ => None,
    }
}

/// An instance of the class `name` made with `args`, as a `PyErr`.
fn make<'py, A>(py: Python<'py>, name: &str, args: A) -> PyResult<PyErr>
where
    A: pyo3::call::PyCallArgs<'py>,
{
    let classes = CLASSES
        .get(py)
        .ok_or_else(|| PyRuntimeError::new_err("gantry's exceptions are not defined yet"))?
        .bind(py);
    let class = classes
        .get_item(name)?
        .ok_or_else(|| PyRuntimeError::new_err(format!("no exception class {name}")))?;
    let instance = class.call1(args)?;
    Ok(PyErr::from_value(instance))
}
