//! Support for gantry-py/bench/search.py: the same `search` call timed from Rust inside
//! the Python process (same data, same runtime, same moment), so the binding's own cost
//! can be told apart from the noise of a shared machine. Not part of the API.

use std::time::Instant;

use pyo3::prelude::*;

use crate::errors::Fail;
use crate::scope::UserScope;

/// Times ``iterations`` calls of ``UserScope.search(query, limit=limit)`` made from Rust
/// as the binding makes them (``block_on`` from this thread, the GIL released), without
/// Python in between; each call's seconds, in order.
#[pyfunction]
#[pyo3(name = "_search_from_rust", signature = (scope, query, limit, iterations))]
pub(crate) fn search_from_rust(
    py: Python<'_>,
    scope: &Bound<'_, UserScope>,
    query: String,
    limit: usize,
    iterations: usize,
) -> PyResult<Vec<f64>> {
    let scoped = scope.get().scoped().clone();
    let runtime = crate::runtime::init()?;
    let timed = py.detach(move || -> Result<Vec<f64>, Fail> {
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let results = runtime.block_on(async {
                let me = scoped.scope()?;
                Ok::<_, Fail>(me.search(&query, limit).await?)
            })?;
            samples.push(started.elapsed().as_secs_f64());
            std::hint::black_box(results);
        }
        Ok(samples)
    });
    timed.map_err(|fail| fail.into_py(py))
}
