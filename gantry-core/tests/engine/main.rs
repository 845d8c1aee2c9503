//! The engine over a real store and nothing else (no model, no indexes): the rules every
//! door relies on, tested without building the heavy backends. Each case runs on a fresh
//! SQLite file and a fresh PostgreSQL schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gantry_core::engine::{Engine, EngineParts, EngineSettings};
use gantry_test::TestStore;

mod accounts;
mod quotas;
mod recheck;

/// An engine over `store` alone, with `settings`: no model, no indexes (nothing is
/// retrieved).
fn store_only_engine(store: &TestStore, settings: EngineSettings) -> Engine {
    Engine::new(EngineParts {
        store: store.store.clone(),
        chat: None,
        retriever: None,
        index: None,
        graph: None,
        learner: None,
        documents: None,
        count_tokens: None,
        settings,
    })
    .unwrap()
}
