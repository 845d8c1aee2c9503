//! Shared by the suites: a Gantry on a temporary directory, wired to the real services.

use std::path::PathBuf;

use gantry::model::{NewConversation, NewUser, Role};
use gantry::{Chat, Config, ConversationId, Extraction, Gantry, UserId};
use gantry_llm::{BackendConfig, BackendKind};
use tempfile::TempDir;

/// An open Gantry and the directory it lives in (removed on drop).
pub(crate) struct Env {
    pub(crate) gantry: Gantry,
    _dir: TempDir,
}

/// The real service a test needs, from the environment `scripts/test` sets up; `None`
/// (said loudly) when it is missing, except under CI, where that is a failure.
pub(crate) fn service(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some(value),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: run the tests through scripts/test")
        }
        _ => {
            eprintln!("SKIPPED: {test} (needs {var}; run scripts/test)");
            None
        }
    }
}

/// The settings a test Gantry uses: the real llama-server with a small context (its
/// 2,048-token context is shared by its parallel slots), deterministic fact extraction,
/// and the local MiniLM embedder when `vectors`.
pub(crate) fn config(dir: &TempDir, llm_url: &str, vectors: Option<PathBuf>) -> Config {
    let mut backend = BackendConfig::new("default", llm_url);
    backend.kind = BackendKind::LlamaCpp;
    Config {
        data_dir: dir.path().join("data"),
        backends: vec![backend],
        minilm_dir: vectors,
        extraction: Extraction::Deterministic,
        chat: Chat {
            context_length: Some(1024),
            answer_tokens: 48,
            max_context_tokens: 400,
            title_with_model: false,
            ..Chat::default()
        },
        ..Config::default()
    }
}

/// A Gantry on the real llama-server and MiniLM, or `None` when they are not available.
pub(crate) async fn open(test: &str) -> Option<Env> {
    open_with(test, |_| {}).await
}

/// Like [`open`], with the settings changed by `adjust`.
pub(crate) async fn open_with(test: &str, adjust: impl FnOnce(&mut Config)) -> Option<Env> {
    let url = service("GANTRY_LLM_URL", test)?;
    let minilm = service("GANTRY_MINILM_DIR", test)?;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir, &url, Some(PathBuf::from(minilm)));
    adjust(&mut config);
    let gantry = Gantry::open(config).await.unwrap();
    Some(Env { gantry, _dir: dir })
}

/// A Gantry on embedded defaults without a model or embedder: keyword retrieval alone.
pub(crate) async fn keyword_only() -> (Gantry, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    (Gantry::open(config).await.unwrap(), dir)
}

/// A new ordinary account (with a placeholder hash: signing in is not under test).
pub(crate) async fn user(gantry: &Gantry, email: &str) -> UserId {
    gantry
        .store()
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

/// A new conversation with the default title.
pub(crate) async fn conversation(gantry: &Gantry, user: UserId) -> ConversationId {
    gantry
        .create_conversation(user, NewConversation::default())
        .await
        .unwrap()
        .id
}
