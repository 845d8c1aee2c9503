//! `Gantry::open` on a fresh data directory: the store, the indexes in step with it, and
//! search; again after closing, and with the local embedder when its model is available.

use gantry::index::SearchFilter;
use gantry::model::{MessageRole, NewConversation, NewMessage, NewUser, Role};
use gantry::{Config, Gantry};
use gantry_memory::HybridOptions;

async fn say(gantry: &Gantry, text: &str) -> gantry::UserId {
    let store = gantry.store();
    let user = store
        .create_user(NewUser {
            email: format!("{}@example.com", text.len()),
            display_name: "t".into(),
            password_hash: "x".into(),
            role: Role::User,
        })
        .await
        .unwrap();
    let chat = store
        .create_conversation(
            user.id,
            NewConversation {
                title: "t".into(),
                persona_id: None,
                model: None,
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

fn filter(owner: gantry::UserId) -> SearchFilter {
    SearchFilter {
        owner_id: owner,
        kind: None,
        parents: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_on_embedded_defaults_and_finds_what_was_said() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let gantry = Gantry::open(config.clone()).await.unwrap();
    assert!(gantry.embedder().is_none() && !gantry.hybrid().has_vectors());
    let ada = say(&gantry, "My bicycle is a green Bianchi from 1987.").await;
    gantry.indexer().catch_up().await.unwrap();
    let found = gantry
        .hybrid()
        .search("bianchi bicycle", &filter(ada), &HybridOptions::default())
        .await
        .unwrap();
    assert_eq!(found.hits.len(), 1);
    gantry.close().await.unwrap();

    // Reopened: the store kept it and the keyword index did not need rebuilding.
    let gantry = Gantry::open(config).await.unwrap();
    let found = gantry
        .hybrid()
        .search("green bicycle", &filter(ada), &HybridOptions::default())
        .await
        .unwrap();
    assert_eq!(found.hits.len(), 1);
    assert_eq!(gantry.store().stats().await.unwrap().messages, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_local_embedder_search_uses_meaning_too() {
    let Some(dir) = std::env::var("GANTRY_MINILM_DIR")
        .ok()
        .filter(|d| !d.trim().is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "GANTRY_MINILM_DIR is not set: run the tests through scripts/test"
        );
        eprintln!("SKIPPED: local embedder test (set GANTRY_MINILM_DIR)");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: data.path().to_owned(),
        minilm_dir: Some(dir.into()),
        ..Config::default()
    };
    let gantry = Gantry::open(config.clone()).await.unwrap();
    assert!(gantry.hybrid().has_vectors());
    let ada = say(
        &gantry,
        "My dog is terrified of fireworks on New Year's Eve.",
    )
    .await;
    gantry.indexer().catch_up().await.unwrap();
    let found = gantry
        .hybrid()
        .search(
            "which pet gets scared by loud bangs?",
            &filter(ada),
            &HybridOptions::default(),
        )
        .await
        .unwrap();
    assert!(found.hits[0].vector.is_some(), "found by meaning");
    gantry.close().await.unwrap();
    assert!(
        data.path().join("index/vectors.gvec").exists(),
        "the vector index was saved"
    );
}
