//! `Gantry::open` on a fresh data directory: the store, the indexes in step with it, and
//! search; again after closing, and with the local embedder when its model is available.

use std::sync::Arc;

use gantry::model::{MessageRole, NewConversation, NewMessage, NewUser, Role};
use gantry::{Config, Gantry, SqliteStore, Store, UserId};

/// Opens Gantry over a store the test holds too, to write what no API writes without a
/// model (a user's message).
async fn open(config: &Config) -> (Gantry, Arc<dyn Store>) {
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(config.data_dir.join("gantry.db"))
            .await
            .unwrap(),
    );
    let gantry = Gantry::builder(config.clone())
        .store(store.clone())
        .open()
        .await
        .unwrap();
    (gantry, store)
}

async fn say(store: &dyn Store, text: &str) -> UserId {
    let user = store
        .create_user(NewUser {
            email: format!("{}@example.com", text.len()),
            display_name: "t".into(),
            password_hash: gantry_test::fake_hash(),
            role: Role::User,
        })
        .await
        .unwrap();
    let chat = store
        .create_conversation(
            user.id,
            NewConversation {
                title: "t".into(),
                ..NewConversation::default()
            },
        )
        .await
        .unwrap();
    store
        .append_message(user.id, chat.id, NewMessage::new(MessageRole::User, text))
        .await
        .unwrap();
    user.id
}

/// How many conversations a search finds by what was said in them (not by title).
async fn found_by_content(gantry: &Gantry, user: UserId, query: &str) -> usize {
    let found = gantry.for_user(user).search(query, 10).await.unwrap();
    found
        .conversations
        .iter()
        .filter(|c| c.message_id.is_some())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_on_embedded_defaults_and_finds_what_was_said() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let (gantry, store) = open(&config).await;
    assert!(gantry.embedder_id().is_none());
    let ada = say(&*store, "My bicycle is a green Bianchi from 1987.").await;
    gantry.flush().await.unwrap();
    assert_eq!(found_by_content(&gantry, ada, "bianchi bicycle").await, 1);
    let copy = gantry.clone();
    gantry.close().await.unwrap();
    copy.close().await.unwrap(); // closing again, from another handle, does nothing
    drop((gantry, copy, store));

    // Reopened: the store kept it and the keyword index did not need rebuilding.
    let (gantry, _store) = open(&config).await;
    let status = gantry.index_status().await.unwrap();
    assert_eq!(status.keywords, Some(status.store_seq), "saved in step");
    assert_eq!(found_by_content(&gantry, ada, "green bicycle").await, 1);
    assert_eq!(gantry.operator().stats().await.unwrap().messages, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_only_handle_loads_nothing_and_manages_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        minilm_dir: Some(dir.path().join("no-model-here")),
        ..Config::default()
    };
    // A model directory that does not exist would fail a full open; a store-only handle
    // never looks at it, and opens no index.
    let gantry = Gantry::builder(config.clone())
        .store_only()
        .open()
        .await
        .unwrap();
    assert!(!gantry.has_chat_model() && gantry.embedder_id().is_none());
    let root = gantry
        .register(gantry::NewAccount::new(
            "root@example.com",
            "Root",
            "a long passphrase",
        ))
        .await
        .unwrap();
    assert_eq!(root.role, Role::Admin);
    let status = gantry.index_status().await.unwrap();
    assert_eq!((status.vectors, status.keywords), (None, None));
    assert!(!config.data_dir.join("index").exists(), "no index files");
    gantry.close().await.unwrap();
    assert!(
        Gantry::open(config).await.is_err(),
        "the full stack needs the model"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_local_embedder_search_uses_meaning_too() {
    let Some(dir) = gantry_test::service("GANTRY_MINILM_DIR", "local embedder test") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: data.path().to_owned(),
        minilm_dir: Some(dir.into()),
        ..Config::default()
    };
    let (gantry, store) = open(&config).await;
    assert!(gantry.embedder_id().is_some());
    let ada = say(
        &*store,
        "My dog is terrified of fireworks on New Year's Eve.",
    )
    .await;
    gantry.flush().await.unwrap();
    // No word of the question is in the message: only its meaning can find it.
    assert_eq!(
        found_by_content(&gantry, ada, "which pet gets scared by loud bangs?").await,
        1
    );
    gantry.close().await.unwrap();
    assert!(
        data.path().join("index/vectors.gvec").exists(),
        "the vector index was saved"
    );
}
