//! Hybrid search over a real store, the real MiniLM embedder and both indexes: meaning finds
//! paraphrases, words find rare names, and fusion lifts what both find.

use std::sync::Arc;

use gantry_core::index::SearchFilter;
use gantry_core::llm::Embedder;
use gantry_core::model::{MessageRole, NewConversation, NewMessage};
use gantry_core::store::ChangeKind;
use gantry_core::store::prelude::*;
use gantry_memory::{HybridOptions, HybridSearch, RetrievalStack};
use gantry_store::SqliteStore;

fn embedder() -> Option<Arc<dyn Embedder>> {
    crate::support::minilm("hybrid test")
}

const SAID: [&str; 8] = [
    "My dog Biscuit is afraid of thunderstorms.",
    "I am learning to bake sourdough bread at home.",
    "The quarterly report for Zentrix Holdings is due on Friday.",
    "We hiked up the mountain and watched the sunrise.",
    "My car needs new tyres before winter.",
    "I prefer green tea to coffee in the morning.",
    "The invoice number for the plumber is QX-4471.",
    "Our team moved the standup meeting to ten o'clock.",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meaning_and_words_fused() {
    let Some(embedder) = embedder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("g.db")).await.unwrap());
    let mut users = Vec::new();
    for email in ["a@example.com", "b@example.com"] {
        let user = crate::support::user(store.as_ref(), email).await;
        let chat = store
            .create_conversation(
                user,
                NewConversation {
                    title: "t".into(),
                    persona_id: None,
                    model: None,
                },
            )
            .await
            .unwrap();
        for text in SAID {
            store
                .append_message(user, chat.id, NewMessage::new(MessageRole::User, text))
                .await
                .unwrap();
        }
        users.push(user);
    }
    let stack =
        RetrievalStack::in_memory(store.clone(), Some(embedder), HybridOptions::default()).unwrap();
    stack.indexer.catch_up().await.unwrap();
    let search = &stack.search;
    let filter = SearchFilter {
        owner_id: users[0],
        kind: Some(ChangeKind::Message),
        parents: vec![],
    };
    let options = HybridOptions {
        k: 3,
        ..HybridOptions::default()
    };

    // A paraphrase with no shared content word: only meaning finds it.
    let found = search
        .search("which pet is scared of storms?", &filter, &options)
        .await
        .unwrap();
    assert_eq!(found.hits[0].text, SAID[0]);
    assert!(found.hits[0].vector.is_some());
    assert!(found.timings.embed > std::time::Duration::ZERO);
    assert!(found.timings.vector > std::time::Duration::ZERO);

    // A code the embedding blurs: words find it, and it is first.
    let found = search.search("QX-4471", &filter, &options).await.unwrap();
    assert_eq!(found.hits[0].text, SAID[6]);
    assert_eq!(found.hits[0].keyword.map(|r| r.rank), Some(1));
    assert!(found.hits[0].snippet.to_html().contains("<mark>"));

    // Found by both lists: first, with both ranks and the summed score.
    let found = search
        .search("Zentrix quarterly report deadline", &filter, &options)
        .await
        .unwrap();
    let top = &found.hits[0];
    assert_eq!(top.text, SAID[2]);
    let (v, k) = (top.vector.unwrap(), top.keyword.unwrap());
    let expected = 1.0 / (60.0 + v.rank as f32) + 1.0 / (60.0 + k.rank as f32);
    assert!((top.score - expected).abs() < 1e-6);

    // Only the owner's items, whatever the query.
    for hit in &found.hits {
        assert_eq!(hit.item.owner_id, users[0]);
    }

    // Keyword-only when there is no embedder.
    let keywords = stack.indexer.keywords().unwrap().clone();
    let words_only = HybridSearch::new(None, None, keywords);
    assert!(!words_only.has_vectors());
    let found = words_only
        .search("QX-4471", &filter, &options)
        .await
        .unwrap();
    assert_eq!(found.hits[0].text, SAID[6]);
    assert!(found.hits.iter().all(|h| h.vector.is_none()));
}
