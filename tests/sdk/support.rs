//! Shared by the suites: a Gantry on a temporary directory, wired to the real services.

use std::path::PathBuf;
use std::sync::Arc;

use gantry::model::{NewConversation, NewUser, Role};
use gantry::{
    BackendConfig, BackendKind, Chat, Config, ConversationId, Extraction, Gantry, SignupPolicy,
    SqliteStore, Store, UserId,
};
use tempfile::TempDir;

/// An open Gantry, the store under it (for tests that check what was written, or write
/// what no API writes, such as an account with a placeholder password), and the directory
/// they live in (removed on drop).
pub(crate) struct Env {
    pub(crate) gantry: Gantry,
    pub(crate) store: Arc<dyn Store>,
    _dir: TempDir,
}

/// Opens Gantry on `config` over a SQLite store the test also holds.
pub(crate) async fn open_config(config: Config, dir: TempDir) -> Env {
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(config.data_dir.join("gantry.db"))
            .await
            .unwrap(),
    );
    let gantry = Gantry::builder(config)
        .store(store.clone())
        .open()
        .await
        .unwrap();
    Env {
        gantry,
        store,
        _dir: dir,
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
        accounts: gantry::Accounts {
            signup: SignupPolicy::Open,
            ..gantry::Accounts::default()
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
    let url = gantry_test::service("GANTRY_LLM_URL", test)?;
    let minilm = gantry_test::service("GANTRY_MINILM_DIR", test)?;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir, &url, Some(PathBuf::from(minilm)));
    adjust(&mut config);
    Some(open_config(config, dir).await)
}

/// A Gantry on embedded defaults without a model or embedder: keyword retrieval alone,
/// open sign-up.
pub(crate) async fn keyword_only() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    config.accounts.signup = SignupPolicy::Open;
    open_config(config, dir).await
}

/// A new ordinary account (with a placeholder hash: signing in is not under test, and
/// hashing a real password for every account would slow the suites down).
pub(crate) async fn user(env: &Env, email: &str) -> UserId {
    env.store
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
        .for_user(user)
        .create_conversation(NewConversation::default())
        .await
        .unwrap()
        .id
}

/// Where a crash test's child keeps its data; set only in the child process.
pub(crate) const CHILD_DATA_DIR: &str = "GANTRY_CRASH_DATA_DIR";

/// A process to kill: this test binary again, running only the ignored test `name`
/// (`module::test`) on the data directory `dir`, and its stdout, line by line.
pub(crate) fn start_child(
    name: &str,
    dir: &std::path::Path,
) -> (
    tokio::process::Child,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) {
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", name, "--nocapture"])
        .env(CHILD_DATA_DIR, dir)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    (child, lines)
}

/// `n` kill points between `from` and `to`, from a seed that is printed (and taken from
/// `GANTRY_CRASH_SEED` when set), so a failing point can be tried again.
pub(crate) fn kill_points(
    n: usize,
    from: std::time::Duration,
    to: std::time::Duration,
) -> Vec<std::time::Duration> {
    let seed = std::env::var("GANTRY_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("kill points from GANTRY_CRASH_SEED={seed}");
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            from + (to - from).mul_f64((state % 10_000) as f64 / 10_000.0)
        })
        .collect()
}

/// The child's settings: the test settings on the data directory the crash test gave it.
pub(crate) fn child_config(scratch: &TempDir, vectors: Option<PathBuf>) -> Config {
    let url = std::env::var("GANTRY_LLM_URL").unwrap();
    let mut config = config(scratch, &url, vectors);
    config.data_dir = PathBuf::from(std::env::var_os(CHILD_DATA_DIR).unwrap());
    config
}
