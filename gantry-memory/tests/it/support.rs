//! Shared by the suites.

use std::sync::Arc;

use gantry_core::UserId;
use gantry_core::llm::Embedder;
use gantry_core::model::{NewUser, Role};
use gantry_core::store::UserStore;

/// The real MiniLM embedder from `GANTRY_MINILM_DIR` (set by `scripts/test`). Without it
/// the test is skipped with a `SKIPPED` line, except under CI, where that is a failure.
pub fn minilm(test: &str) -> Option<Arc<dyn Embedder>> {
    match std::env::var("GANTRY_MINILM_DIR") {
        Ok(dir) if !dir.trim().is_empty() => {
            Some(Arc::new(gantry_llm::MiniLmEmbedder::load(&dir).unwrap()))
        }
        _ if std::env::var_os("CI").is_some() => {
            panic!("GANTRY_MINILM_DIR is not set: run the tests through scripts/test")
        }
        _ => {
            eprintln!("SKIPPED: {test} (run scripts/fetch-models and set GANTRY_MINILM_DIR)");
            None
        }
    }
}

/// A new ordinary account; its id.
pub async fn user(store: &dyn UserStore, email: &str) -> UserId {
    store
        .create_user(NewUser {
            email: email.into(),
            display_name: email.into(),
            password_hash: "x".into(),
            role: Role::User,
        })
        .await
        .unwrap()
        .id
}
