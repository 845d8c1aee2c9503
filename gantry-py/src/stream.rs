//! A chat turn streaming its answer: `Stream` (an iterator) and `AsyncStream` (an async
//! iterator). Both hold the SDK's `Turn`; dropping it (closing the stream) stops the
//! model and saves what arrived as partial.

use std::sync::Arc;

use futures::StreamExt;
use gantry::model::NewConversation;
use gantry::{ConversationId, Turn, TurnOptions};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use tokio::sync::Mutex;

use crate::errors::Fail;
use crate::handle::Scoped;
use crate::types::{Event, Id, Message};

/// A turn in progress, shared by the stream's calls.
type Shared = Arc<Mutex<Option<Turn>>>;

/// A started turn: the saved question and the turn streaming its answer.
#[derive(Debug)]
pub(crate) struct Started {
    question: Message,
    turn: Shared,
}

/// Saves the question (in a new conversation when `conversation` is `None`) and starts
/// the answer.
pub(crate) async fn start(
    scoped: Scoped,
    conversation: Option<Id>,
    content: String,
    options: TurnOptions,
) -> Result<Started, Fail> {
    let scope = scoped.scope()?;
    let turn = match conversation {
        Some(id) => {
            scope
                .chat(id.parse::<ConversationId>()?, content, options)
                .await?
        }
        None => {
            scope
                .chat_new(NewConversation::default(), content, options)
                .await?
                .1
        }
    };
    Ok(Started {
        question: turn.question().clone().into(),
        turn: Arc::new(Mutex::new(Some(turn))),
    })
}

/// The next event, or `None` at the end. The turn is let go after its last event (or an
/// error), so a finished stream holds nothing.
async fn next(turn: Shared) -> Result<Option<Event>, Fail> {
    let mut guard = turn.lock().await;
    let Some(running) = guard.as_mut() else {
        return Ok(None);
    };
    match running.next().await {
        Some(Ok(event)) => {
            if matches!(event, gantry::TurnEvent::Done(_)) {
                *guard = None;
            }
            Ok(Some(event.into()))
        }
        Some(Err(error)) => {
            *guard = None;
            Err(error.into())
        }
        None => {
            *guard = None;
            Ok(None)
        }
    }
}

/// Stops the turn (if it still runs): the model stops and the answer so far is saved as
/// partial.
async fn stop(turn: Shared) -> Result<(), Fail> {
    turn.lock().await.take();
    Ok(())
}

/// An answer streaming in: iterate for a ``ContextEvent`` (the sources), ``TokenEvent``s
/// (the text as it comes) and a last ``DoneEvent`` (the saved answer with its usage).
/// ``close()`` (or leaving a ``with`` block) before the end stops the model; the answer
/// so far is saved as ``"partial"``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Stream {
    question: Message,
    turn: Shared,
}

impl Stream {
    pub(crate) fn new(started: Started) -> Self {
        Self {
            question: started.question,
            turn: started.turn,
        }
    }
}

#[pymethods]
impl Stream {
    /// The question, as saved.
    #[getter]
    fn question(&self) -> Message {
        self.question.clone()
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Event>> {
        crate::runtime::wait(py, next(self.turn.clone()))
    }

    /// Stops the answer if it is still coming (it is saved as ``"partial"``).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        crate::runtime::wait(py, stop(self.turn.clone()))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        self.close(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Stream(conversation_id='{}')",
            self.question.conversation_id
        )
    }
}

/// The asyncio flavour of ``Stream``: ``async for event in await me.stream(...)``;
/// ``aclose()`` (or leaving an ``async with`` block) stops the answer.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncStream {
    question: Message,
    turn: Shared,
}

impl AsyncStream {
    pub(crate) fn new(started: Started) -> Self {
        Self {
            question: started.question,
            turn: started.turn,
        }
    }
}

#[pymethods]
impl AsyncStream {
    /// The question, as saved.
    #[getter]
    fn question(&self) -> Message {
        self.question.clone()
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let turn = self.turn.clone();
        crate::runtime::spawn(py, async move {
            match next(turn).await? {
                Some(event) => Ok(event),
                None => Err(PyStopAsyncIteration::new_err(()).into()),
            }
        })
    }

    /// Stops the answer if it is still coming (it is saved as ``"partial"``).
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::runtime::spawn(py, stop(self.turn.clone()))
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.unbind();
        crate::runtime::spawn(py, async move { Ok(this) })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'_, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.aclose(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "AsyncStream(conversation_id='{}')",
            self.question.conversation_id
        )
    }
}
