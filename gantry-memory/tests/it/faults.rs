//! The indexer keeps its promises when things go wrong: an item the embedder refuses is
//! skipped and recorded without holding anyone else back; an embedder that is down holds
//! back only the vector index (keywords and deletions still apply); a panic in the
//! background indexer is logged and the indexer restarted; indexes ahead of the store (a
//! restored backup) are rebuilt. The faults come from `gantry_test::faults::FaultyEmbedder`
//! around the real MiniLM, since a real embedder does none of this on demand.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use gantry_core::UserId;
use gantry_core::ids::{ConversationId, MessageId};
use gantry_core::index::SearchFilter;
use gantry_core::llm::Embedder;
use gantry_core::model::{MessageRole, NewConversation, NewMessage};
use gantry_core::store::ChangeKind;
use gantry_core::store::prelude::*;
use gantry_memory::{
    HnswIndex, HnswParams, HybridOptions, RetrievalStack, TantivyIndex, VectorSide,
};
use gantry_store::SqliteStore;
use gantry_test::faults::FaultyEmbedder;

struct Setup {
    store: Arc<SqliteStore>,
    user: UserId,
    chat: ConversationId,
    embedder: Arc<FaultyEmbedder>,
    stack: RetrievalStack,
    _dir: tempfile::TempDir,
}

async fn setup(test: &str, faulty: impl FnOnce(FaultyEmbedder) -> FaultyEmbedder) -> Option<Setup> {
    let real = crate::support::minilm(test)?;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("g.db")).await.unwrap());
    let user = crate::support::user(store.as_ref(), "ada@example.com").await;
    let chat = store
        .create_conversation(
            user,
            NewConversation {
                title: "notes".into(),
                persona_id: None,
                model: None,
            },
        )
        .await
        .unwrap()
        .id;
    let embedder = Arc::new(faulty(FaultyEmbedder::new(real)));
    let stack = RetrievalStack::with_indexes(
        store.clone(),
        Some(VectorSide {
            index: Arc::new(HnswIndex::new(embedder.dimension(), HnswParams::default()).unwrap()),
            embedder: embedder.clone(),
            path: None,
        }),
        Arc::new(TantivyIndex::in_memory().unwrap()),
        HybridOptions::default(),
    )
    .unwrap();
    Some(Setup {
        store,
        user,
        chat,
        embedder,
        stack,
        _dir: dir,
    })
}

impl Setup {
    async fn say(&self, text: &str) -> MessageId {
        self.store
            .append_message(
                self.user,
                self.chat,
                NewMessage::new(MessageRole::User, text),
            )
            .await
            .unwrap()
            .id
    }

    fn filter(&self) -> SearchFilter {
        SearchFilter {
            owner_id: self.user,
            kind: Some(ChangeKind::Message),
            parents: vec![],
        }
    }

    /// What the keyword index finds for `query`.
    async fn by_words(&self, query: &str) -> Vec<uuid::Uuid> {
        let keywords = self.stack.indexer.keywords().unwrap();
        keywords
            .search(query, 10, &self.filter())
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.item.id)
            .collect()
    }

    /// What the vector index finds for `query`.
    async fn by_meaning(&self, query: &str) -> Vec<uuid::Uuid> {
        let vector = self.embedder.embed(&[query.to_owned()]).await.unwrap();
        let side = self.stack.indexer.vectors().unwrap();
        side.index
            .search(&vector[0], 10, &self.filter())
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.item.id)
            .collect()
    }

    async fn applied(&self) -> (i64, i64, i64) {
        let side = self.stack.indexer.vectors().unwrap();
        (
            self.store.latest_seq().await.unwrap(),
            side.index.applied_seq().await.unwrap(),
            self.stack
                .indexer
                .keywords()
                .unwrap()
                .applied_seq()
                .await
                .unwrap(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_the_embedder_refuses_is_skipped_and_recorded_and_the_rest_indexed() {
    let Some(s) = setup("refused item", |f| f.refusing_over(4 * 1024)).await else {
        return;
    };
    let before = s.say("My dog Biscuit is afraid of thunderstorms.").await;
    // 100 KiB in one message: even cut to what the indexer sends, over this server's limit.
    let huge = s
        .say(&format!(
            "zanzibarite {}",
            "lorem ipsum dolor ".repeat(6_000)
        ))
        .await;
    let after = s
        .say("I am learning to bake sourdough bread at home.")
        .await;

    let report = s.stack.indexer.catch_up().await.unwrap();
    assert_eq!(report.skipped, 1);
    assert_eq!(s.stack.indexer.skipped(), 1);
    let (latest, vectors, keywords) = s.applied().await;
    assert_eq!(
        (vectors, keywords),
        (latest, latest),
        "nothing is left behind"
    );
    assert_eq!(s.by_meaning("which pet fears storms?").await[0], before.0);
    assert_eq!(s.by_meaning("baking bread").await[0], after.0);
    assert!(!s.by_meaning("lorem ipsum dolor").await.contains(&huge.0));
    assert_eq!(
        s.by_words("zanzibarite").await,
        vec![huge.0],
        "found by its words"
    );

    // Later writes are indexed as usual.
    let later = s.say("The invoice for the plumber is QX-4471.").await;
    s.stack.indexer.catch_up().await.unwrap();
    assert_eq!(s.by_meaning("plumber invoice").await[0], later.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedder_that_is_down_holds_back_only_the_vector_index() {
    let Some(s) = setup("embedder down", |f| f).await else {
        return;
    };
    let kept = s.say("My dog Biscuit is afraid of thunderstorms.").await;
    let doomed = s
        .say("The quarterly report for Zentrix is due on Friday.")
        .await;
    s.stack.indexer.catch_up().await.unwrap();

    s.embedder.set_down(true);
    let new = s.say("Our standup meeting moved to ten o'clock.").await;
    s.store.delete_message(s.user, doomed).await.unwrap();
    let err = s.stack.indexer.catch_up().await.unwrap_err();
    assert!(
        matches!(err, gantry_core::Error::Unavailable { .. }),
        "{err}"
    );
    let (latest, vectors, keywords) = s.applied().await;
    assert_eq!(
        keywords, latest,
        "keywords and deletions apply without the embedder"
    );
    assert!(vectors < latest);
    assert_eq!(s.by_words("standup").await, vec![new.0]);
    assert!(
        s.by_words("Zentrix").await.is_empty(),
        "the deleted message is gone"
    );
    assert_eq!(
        s.stack.indexer.skipped(),
        0,
        "nothing is skipped for an outage"
    );
    // Hybrid search goes on by words while the embedder is down.
    let found = s
        .stack
        .search
        .search("standup", &s.filter(), &HybridOptions::default())
        .await
        .unwrap();
    assert_eq!(found.hits[0].item.id, new.0);
    assert!(found.hits[0].vector.is_none());

    s.embedder.set_down(false);
    s.stack.indexer.catch_up().await.unwrap();
    let (latest, vectors, _) = s.applied().await;
    assert_eq!(vectors, latest);
    assert_eq!(s.by_meaning("meeting time changed").await[0], new.0);
    assert!(
        !s.by_meaning("Zentrix quarterly report")
            .await
            .contains(&doomed.0)
    );
    assert!(s.by_meaning("pet afraid of storms").await.contains(&kept.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_background_indexer_is_survived() {
    let Some(s) = setup("indexer panic", |f| f).await else {
        return;
    };
    s.embedder.panics.store(1, Ordering::SeqCst);
    let task = s
        .stack
        .indexer
        .spawn(Duration::from_millis(50), Duration::from_secs(3600));
    let said = s.say("My dog Biscuit is afraid of thunderstorms.").await;
    s.stack.indexer.nudge();
    let mut indexed = false;
    for _ in 0..600 {
        let (latest, vectors, _) = s.applied().await;
        if vectors == latest {
            indexed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(indexed, "the indexer stopped after the panic");
    assert_eq!(s.embedder.panics.load(Ordering::SeqCst), 0, "it did panic");
    assert_eq!(s.by_meaning("pet afraid of storms").await[0], said.0);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexes_ahead_of_a_restored_store_are_rebuilt() {
    let Some(embedder) = crate::support::minilm("indexes ahead") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index_dir = dir.path().join("index");
    // The installation as it was: 12 messages, indexed and saved.
    {
        let store = Arc::new(SqliteStore::open(dir.path().join("now.db")).await.unwrap());
        let user = crate::support::user(store.as_ref(), "ada@example.com").await;
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
        for i in 0..12 {
            store
                .append_message(
                    user,
                    chat.id,
                    NewMessage::new(MessageRole::User, format!("note number {i}")),
                )
                .await
                .unwrap();
        }
        let stack = RetrievalStack::open(
            &index_dir,
            store.clone(),
            Some(embedder.clone()),
            HybridOptions::default(),
        )
        .await
        .unwrap();
        stack.indexer.catch_up().await.unwrap();
        stack.indexer.save().await.unwrap();
    }
    // The database restored from an older backup (here: one with two messages), the
    // indexes kept: their change numbers are ahead of the store's.
    let store = Arc::new(
        SqliteStore::open(dir.path().join("backup.db"))
            .await
            .unwrap(),
    );
    let user = crate::support::user(store.as_ref(), "ada@example.com").await;
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
    let mut said = Vec::new();
    for text in [
        "My dog Biscuit is afraid of thunderstorms.",
        "I am learning to bake sourdough bread at home.",
    ] {
        said.push(
            store
                .append_message(user, chat.id, NewMessage::new(MessageRole::User, text))
                .await
                .unwrap()
                .id,
        );
    }
    let stack = RetrievalStack::open(
        &index_dir,
        store.clone(),
        Some(embedder.clone()),
        HybridOptions::default(),
    )
    .await
    .unwrap();
    stack.indexer.catch_up().await.unwrap();
    let latest = store.latest_seq().await.unwrap();
    let side = stack.indexer.vectors().unwrap();
    assert_eq!(side.index.applied_seq().await.unwrap(), latest);
    assert_eq!(side.index.len(), 2, "only the restored store's messages");
    let filter = SearchFilter {
        owner_id: user,
        kind: None,
        parents: vec![],
    };
    let found = stack
        .search
        .search("sourdough", &filter, &HybridOptions::default())
        .await
        .unwrap();
    assert_eq!(found.hits[0].item.id, said[1].0);
    assert_eq!(found.hits.len(), 2);
}
