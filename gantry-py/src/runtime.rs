//! The one tokio runtime the module owns, and the two ways a Python call runs a Gantry
//! future on it: [`wait`] (blocking, the GIL released) and [`spawn`] (an asyncio
//! awaitable: an `asyncio.Future` of the running loop, completed from the runtime).

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use tokio::runtime::Runtime;
use tokio::time::Instant;

use crate::errors::Fail;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// How often a blocking call looks for a signal (Ctrl+C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Starts the runtime (once; the module calls this on import): blocking and asyncio
/// calls share it.
pub(crate) fn init() -> PyResult<&'static Runtime> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let built = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("gantry")
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start Gantry's runtime: {e}")))?;
    Ok(RUNTIME.get_or_init(|| built))
}

fn runtime() -> PyResult<&'static Runtime> {
    match RUNTIME.get() {
        Some(runtime) => Ok(runtime),
        None => init(),
    }
}

/// The next time a waiting call looks for a signal: at least half a [`SIGNAL_CHECK`]
/// away, on a grid of them shared by every call. Calls in one step of the grid share a
/// deadline, so only the first wakes the runtime's timer to re-arm it (a deadline earlier
/// than its next wake-up does): a quick call pays no such wake-up.
fn next_signal_check() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let step = SIGNAL_CHECK.as_nanos();
    let due = (Instant::now() + SIGNAL_CHECK / 2)
        .duration_since(epoch)
        .as_nanos();
    let steps = u32::try_from(due.div_ceil(step)).unwrap_or(u32::MAX);
    epoch + SIGNAL_CHECK * steps
}

/// Runs `future` to its end on the module's runtime with the GIL released, so other
/// Python threads run meanwhile. About every [`SIGNAL_CHECK`] it takes the GIL back
/// briefly to look for a signal: Ctrl+C drops the future (a chat in progress is then
/// saved as partial) and raises `KeyboardInterrupt`.
pub(crate) fn wait<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    T: Send,
    F: Future<Output = Result<T, Fail>> + Send,
{
    let runtime = runtime()?;
    let mut future = std::pin::pin!(future);
    loop {
        let step = py.detach(|| {
            runtime
                .block_on(async { tokio::time::timeout_at(next_signal_check(), &mut future).await })
        });
        match step {
            Ok(done) => return done.map_err(|fail| fail.into_py(py)),
            Err(_elapsed) => py.check_signals()?,
        }
    }
}

/// The Python side of [`spawn`] (`bridge.py`).
struct Bridge {
    get_running_loop: Py<PyAny>,
    set_result: Py<PyAny>,
    set_exception: Py<PyAny>,
}

static BRIDGE: PyOnceLock<Bridge> = PyOnceLock::new();

fn bridge(py: Python<'_>) -> PyResult<&Bridge> {
    BRIDGE.get_or_try_init(py, || {
        let source = std::ffi::CString::new(include_str!("bridge.py"))
            .map_err(|_| PyRuntimeError::new_err("bridge.py holds a NUL byte"))?;
        let namespace = PyDict::new(py);
        py.run(&source, Some(&namespace), None)?;
        let get = |name: &str| -> PyResult<Py<PyAny>> {
            namespace
                .get_item(name)?
                .map(Bound::unbind)
                .ok_or_else(|| PyRuntimeError::new_err(format!("bridge.py lacks {name}")))
        };
        Ok(Bridge {
            get_running_loop: get("get_running_loop")?,
            set_result: get("set_result")?,
            set_exception: get("set_exception")?,
        })
    })
}

/// `future` as an awaitable of the running asyncio loop: an `asyncio.Future` that a task
/// on the module's runtime completes, handing the result to the loop with
/// `call_soon_threadsafe` straight from the task. (pyo3-async-runtimes hands it over
/// from a blocking-pool thread instead, one more thread hop: about 0.1 ms more per call
/// on a busy 2-core machine, see bench/search.py.) Taking the GIL there may hold the
/// worker while the loop's thread runs Python, at most a switch interval (5 ms).
/// Cancelling the awaitable aborts the task, which drops the future.
pub(crate) fn spawn<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    F: Future<Output = Result<T, Fail>> + Send + 'static,
{
    let runtime = runtime()?;
    let event_loop = bridge(py)?.get_running_loop.bind(py).call0()?;
    let awaitable = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let (event_loop, target) = (event_loop.unbind(), awaitable.clone().unbind());
    let task = runtime.spawn(async move {
        let outcome = future.await;
        Python::attach(|py| {
            let Ok(bridge) = bridge(py) else { return };
            let (complete, value) = match outcome
                .map_err(|fail| fail.into_py(py))
                .and_then(|value| value.into_bound_py_any(py))
            {
                Ok(value) => (&bridge.set_result, value),
                Err(error) => (
                    &bridge.set_exception,
                    error.into_value(py).into_bound(py).into_any(),
                ),
            };
            let handed = event_loop.bind(py).call_method1(
                pyo3::intern!(py, "call_soon_threadsafe"),
                (complete, target.bind(py), value),
            );
            // A loop closed meanwhile has nobody left to tell.
            drop(handed);
        });
    });
    let abort = task.abort_handle();
    let on_done = PyCFunction::new_closure(
        py,
        None,
        None,
        move |args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>| -> PyResult<()> {
            let done = args.get_item(0)?;
            if done.call_method0("cancelled")?.is_truthy()? {
                abort.abort();
            }
            Ok(())
        },
    )?;
    awaitable.call_method1(pyo3::intern!(py, "add_done_callback"), (on_done,))?;
    Ok(awaitable)
}
