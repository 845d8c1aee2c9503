//! Python bindings for Gantry: `pip install ./gantry-py`, then `import gantry`.
//!
//! The Rust SDK's surface (`gantry::Gantry` and its scopes) in Python style, in two
//! flavours: blocking (`gantry.Gantry`) and asyncio (`gantry.AsyncGantry`). Each
//! operation is written once ([`flavours`]) and runs on the one tokio runtime this module
//! owns ([`runtime`]): blocking calls release the GIL while they wait, asyncio calls are
//! awaitables on the same runtime. Results are frozen classes ([`types`]); errors map to
//! one exception class per kind of `gantry::Error` in one place ([`errors`]). The
//! package's `python/gantry/__init__.py` documents the API with examples.

use pyo3::prelude::*;

mod bench;
mod client;
mod config;
mod errors;
mod flavours;
mod handle;
mod runtime;
mod scope;
mod stream;
mod types;

/// The version of the Gantry SDK inside this module.
#[pyfunction]
fn version() -> &'static str {
    gantry::VERSION
}

/// The `gantry._gantry` extension module.
#[pymodule]
fn _gantry(m: &Bound<'_, PyModule>) -> PyResult<()> {
    runtime::init()?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(bench::search_from_rust, m)?)?;
    m.add("__version__", gantry::VERSION)?;
    errors::register(m)?;

    m.add_class::<client::Gantry>()?;
    m.add_class::<client::AsyncGantry>()?;
    m.add_class::<client::Users>()?;
    m.add_class::<client::AsyncUsers>()?;
    m.add_class::<scope::UserScope>()?;
    m.add_class::<scope::AsyncUserScope>()?;
    m.add_class::<scope::Conversations>()?;
    m.add_class::<scope::AsyncConversations>()?;
    m.add_class::<scope::Documents>()?;
    m.add_class::<scope::AsyncDocuments>()?;
    m.add_class::<scope::Personas>()?;
    m.add_class::<scope::AsyncPersonas>()?;
    m.add_class::<scope::Memory>()?;
    m.add_class::<scope::AsyncMemory>()?;
    m.add_class::<stream::Stream>()?;
    m.add_class::<stream::AsyncStream>()?;

    m.add_class::<config::Backend>()?;
    m.add_class::<config::MiniLM>()?;
    m.add_class::<config::HttpEmbedder>()?;

    m.add_class::<types::User>()?;
    m.add_class::<types::Session>()?;
    m.add_class::<types::Conversation>()?;
    m.add_class::<types::Message>()?;
    m.add_class::<types::Usage>()?;
    m.add_class::<types::Timings>()?;
    m.add_class::<types::Citation>()?;
    m.add_class::<types::Document>()?;
    m.add_class::<types::SearchResults>()?;
    m.add_class::<types::ConversationMatch>()?;
    m.add_class::<types::DocumentMatch>()?;
    m.add_class::<types::Passage>()?;
    m.add_class::<types::Persona>()?;
    m.add_class::<types::Fact>()?;
    m.add_class::<types::Entity>()?;
    m.add_class::<types::MemoryView>()?;
    m.add_class::<types::IndexStatus>()?;
    m.add_class::<types::Model>()?;
    m.add_class::<types::ContextEvent>()?;
    m.add_class::<types::TokenEvent>()?;
    m.add_class::<types::DoneEvent>()?;
    Ok(())
}
