//! Shared by the suites.

use std::sync::Arc;

use gantry_core::UserId;
use gantry_core::llm::Embedder;
use gantry_core::model::{NewUser, Role};
use gantry_core::store::UserStore;

/// The real MiniLM embedder from `GANTRY_MINILM_DIR` (set by `scripts/test`). Without it
/// the test is skipped with a `SKIPPED` line, except under CI, where that is a failure.
pub fn minilm(test: &str) -> Option<Arc<dyn Embedder>> {
    let dir = gantry_test::service("GANTRY_MINILM_DIR", test)?;
    Some(Arc::new(gantry_llm::MiniLmEmbedder::load(&dir).unwrap()))
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
