//! Python bindings for Gantry: `pip install ./gantry-py`, then `import gantry`.
//!
//! For now the module only reports its version; the SDK's engine is exposed here as it
//! lands (see the README's status table). Errors map to Python exceptions in one place.

use pyo3::prelude::*;

/// The version of the Gantry SDK inside this module.
#[pyfunction]
fn version() -> &'static str {
    gantry::VERSION
}

/// The `gantry._gantry` extension module.
#[pymodule]
fn _gantry(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add("__version__", gantry::VERSION)?;
    Ok(())
}
