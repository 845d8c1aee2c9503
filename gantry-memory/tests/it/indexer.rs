//! The indexes follow the store: catch-up, deletions, and recovery from an indexer killed
//! midway (nothing saved, or a damaged or foreign file) that answers exactly as a clean one.
//! Uses a real SQLite file and the real MiniLM embedder (`GANTRY_MINILM_DIR`).

use std::path::Path;
use std::sync::Arc;

use gantry_core::UserId;
use gantry_core::index::SearchFilter;
use gantry_core::llm::Embedder;
use gantry_core::model::{MessageRole, NewChunk, NewConversation, NewDocument, NewMessage};
use gantry_core::store::prelude::*;
use gantry_memory::KeywordIndex;
use gantry_memory::VectorIndex;
use gantry_memory::{HnswIndex, HnswParams, Indexer, Opened, TantivyIndex, VectorSide};
use gantry_store::SqliteStore;
use uuid::Uuid;

fn embedder() -> Option<Arc<dyn Embedder>> {
    crate::support::minilm("indexer test")
}

const SUBJECTS: [&str; 6] = [
    "The cat",
    "My sister",
    "The new server",
    "Our garden",
    "The river",
    "A violin",
];
const PREDICATES: [&str; 5] = [
    "sleeps near the warm window",
    "needs more memory for the database",
    "floods every spring after the snow melts",
    "sounds bright in the small hall",
    "grows tomatoes and basil in summer",
];

struct World {
    store: Arc<SqliteStore>,
    alice: UserId,
    bob: UserId,
    doomed: Vec<Uuid>,
}

async fn user(store: &SqliteStore, email: &str) -> UserId {
    crate::support::user(store, email).await
}

/// Alice: 30 messages (5 then deleted) and a 12-chunk document; Bob: 6 messages.
async fn world(dir: &Path) -> World {
    let store = Arc::new(SqliteStore::open(dir.join("gantry.db")).await.unwrap());
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let talk = |title: &str| NewConversation {
        title: title.into(),
        persona_id: None,
        model: None,
    };
    let chat = store
        .create_conversation(alice, talk("notes"))
        .await
        .unwrap();
    let mut doomed = Vec::new();
    for i in 0..30 {
        let text = format!("{} {}.", SUBJECTS[i % 6], PREDICATES[i % 5]);
        let m = store
            .append_message(alice, chat.id, NewMessage::new(MessageRole::User, text))
            .await
            .unwrap();
        if i % 6 == 5 {
            doomed.push(m.id.as_uuid());
        }
    }
    for id in &doomed {
        store
            .delete_message(alice, gantry_core::ids::MessageId(*id))
            .await
            .unwrap();
    }
    let doc = store
        .create_document(
            alice,
            NewDocument {
                filename: "garden.md".into(),
                content_type: "text/markdown".into(),
                size_bytes: 1,
            },
        )
        .await
        .unwrap();
    let chunks = (0..12)
        .map(|i| NewChunk {
            ordinal: i,
            text: format!(
                "Chapter {i}: {} {}",
                SUBJECTS[(i as usize + 2) % 6],
                PREDICATES[(i as usize + 1) % 5]
            ),
            token_count: 12,
            embedding: None,
            heading: None,
            page: None,
        })
        .collect();
    store.add_chunks(alice, doc.id, chunks).await.unwrap();
    let other = store.create_conversation(bob, talk("bob")).await.unwrap();
    for i in 0..6 {
        let text = format!("Bob says {} {}.", SUBJECTS[i], PREDICATES[i % 5]);
        store
            .append_message(bob, other.id, NewMessage::new(MessageRole::User, text))
            .await
            .unwrap();
    }
    World {
        store,
        alice,
        bob,
        doomed,
    }
}

fn indexer(
    world: &World,
    index: Arc<HnswIndex>,
    embedder: &Arc<dyn Embedder>,
    path: &Path,
) -> Indexer {
    Indexer::new(
        world.store.clone(),
        Some(VectorSide {
            index,
            embedder: embedder.clone(),
            path: Some(path.to_owned()),
        }),
        None,
    )
    .with_batch(8)
}

const QUESTIONS: [&str; 4] = [
    "where does the cat sleep?",
    "what happens to the river in spring",
    "database memory",
    "what grows in the garden",
];

/// Every question's top 8 for Alice and for Bob: ids and scores.
async fn answers(
    index: &HnswIndex,
    embedder: &Arc<dyn Embedder>,
    world: &World,
) -> Vec<Vec<(Uuid, f32)>> {
    let questions: Vec<String> = QUESTIONS.iter().map(|q| (*q).to_owned()).collect();
    let vectors = embedder.embed(&questions).await.unwrap();
    let mut all = Vec::new();
    for owner in [world.alice, world.bob] {
        for v in &vectors {
            let filter = SearchFilter {
                owner_id: owner,
                kind: None,
                parents: vec![],
            };
            let hits = index.search(v, 8, &filter).await.unwrap();
            assert!(
                hits.iter().all(|h| h.item.owner_id == owner),
                "another user's item"
            );
            all.push(hits.iter().map(|h| (h.item.id, h.score)).collect());
        }
    }
    all
}

fn same(a: &[Vec<(Uuid, f32)>], b: &[Vec<(Uuid, f32)>]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        let ids = |v: &Vec<(Uuid, f32)>| v.iter().map(|(id, _)| *id).collect::<Vec<_>>();
        assert_eq!(ids(x), ids(y), "a different answer");
        for ((_, s), (_, t)) in x.iter().zip(y) {
            assert!((s - t).abs() < 1e-4, "scores {s} vs {t}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_indexer_recovers_to_the_clean_answers() {
    let Some(embedder) = embedder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let world = world(dir.path()).await;
    let model = embedder.model_id().to_owned();
    let dim = embedder.dimension();
    let latest = world.store.latest_seq().await.unwrap();

    // A clean index, built in one go.
    let clean = Arc::new(HnswIndex::new(dim, HnswParams::default()).unwrap());
    let report = indexer(
        &world,
        clean.clone(),
        &embedder,
        &dir.path().join("clean.vec"),
    )
    .catch_up()
    .await
    .unwrap();
    assert_eq!(report.applied_seq, latest);
    assert_eq!(
        clean.len(),
        25 + 12 + 6,
        "live messages and chunks, deleted ones left out"
    );
    let expected = answers(&clean, &embedder, &world).await;
    for answer in &expected {
        for (id, _) in answer {
            assert!(!world.doomed.contains(id), "a deleted message was indexed");
        }
    }
    assert!(
        expected[0].len() == 8 && expected[4].len() == 6,
        "Bob sees only his 6 messages"
    );

    // Killed midway: part applied, saved, more applied, then dropped without saving.
    let path = dir.path().join("index/vectors.vec");
    let (index, opened) = HnswIndex::open(&path, &model, dim, HnswParams::default()).unwrap();
    assert_eq!(
        opened,
        Opened::Empty {
            reason: "no saved index".into()
        }
    );
    let index = Arc::new(index);
    let first = indexer(&world, index.clone(), &embedder, &path);
    first.catch_up_at_most(16).await.unwrap();
    first.save().await.unwrap();
    let saved_at = index.applied_seq().await.unwrap();
    assert!(
        saved_at > 0 && saved_at < latest,
        "saved midway at {saved_at} of {latest}"
    );
    first.catch_up_at_most(8).await.unwrap();
    drop(first);
    drop(index);

    let (index, opened) = HnswIndex::open(&path, &model, dim, HnswParams::default()).unwrap();
    assert!(
        matches!(opened, Opened::Loaded { applied_seq, .. } if applied_seq == saved_at),
        "{opened:?}"
    );
    let index = Arc::new(index);
    indexer(&world, index.clone(), &embedder, &path)
        .catch_up()
        .await
        .unwrap();
    // The saved graph is built in the background; the changes since were logged for it.
    index.wait_for_rebuild();
    same(&answers(&index, &embedder, &world).await, &expected);

    // A truncated file is noticed and the index rebuilt from the store.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let (index, opened) = HnswIndex::open(&path, &model, dim, HnswParams::default()).unwrap();
    assert!(
        matches!(&opened, Opened::Empty { reason } if reason.contains("checksum")),
        "{opened:?}"
    );
    let index = Arc::new(index);
    let again = indexer(&world, index.clone(), &embedder, &path);
    again.catch_up().await.unwrap();
    same(&answers(&index, &embedder, &world).await, &expected);

    // A file written for another embedder is not used.
    again.save().await.unwrap();
    let (_, opened) =
        HnswIndex::open(&path, "some-other-model", dim, HnswParams::default()).unwrap();
    assert!(
        matches!(&opened, Opened::Empty { reason } if reason.contains("embedder")),
        "{opened:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_searchable_once_catch_up_returns_and_deletes_vanish() {
    let Some(embedder) = embedder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let world = world(dir.path()).await;
    let index = Arc::new(HnswIndex::new(embedder.dimension(), HnswParams::default()).unwrap());
    let indexer = indexer(&world, index.clone(), &embedder, &dir.path().join("v.vec"));
    indexer.catch_up().await.unwrap();

    let chat = world
        .store
        .create_conversation(
            world.bob,
            NewConversation {
                title: "new".into(),
                persona_id: None,
                model: None,
            },
        )
        .await
        .unwrap();
    let said = world
        .store
        .append_message(
            world.bob,
            chat.id,
            NewMessage::new(
                MessageRole::User,
                "My favourite painter is Hokusai, the Japanese printmaker.",
            ),
        )
        .await
        .unwrap();
    let report = indexer.catch_up().await.unwrap();
    assert_eq!(report.changes, 1);
    let q = embedder
        .embed(&["which painter do I like?".to_owned()])
        .await
        .unwrap();
    let filter = SearchFilter {
        owner_id: world.bob,
        kind: None,
        parents: vec![],
    };
    let hits = index.search(&q[0], 1, &filter).await.unwrap();
    assert_eq!(hits[0].item.id, said.id.as_uuid());
    // Alice never sees it.
    let alice = SearchFilter {
        owner_id: world.alice,
        kind: None,
        parents: vec![],
    };
    assert!(
        index
            .search(&q[0], 50, &alice)
            .await
            .unwrap()
            .iter()
            .all(|h| h.item.id != said.id.as_uuid())
    );

    world
        .store
        .delete_conversation(world.bob, chat.id)
        .await
        .unwrap();
    indexer.catch_up().await.unwrap();
    let hits = index.search(&q[0], 50, &filter).await.unwrap();
    assert!(
        hits.iter().all(|h| h.item.id != said.id.as_uuid()),
        "a deleted conversation's message is still found"
    );
}

fn keyword_indexer(world: &World, index: Arc<TantivyIndex>) -> Indexer {
    Indexer::new(world.store.clone(), None, Some(index)).with_batch(8)
}

/// Every match (ties in any order), as (id, score) sorted by score then id.
async fn keyword_answers(index: &TantivyIndex, world: &World) -> Vec<Vec<(Uuid, f32)>> {
    let mut all = Vec::new();
    for owner in [world.alice, world.bob] {
        for q in QUESTIONS {
            let filter = SearchFilter {
                owner_id: owner,
                kind: None,
                parents: vec![],
            };
            let hits = index.search(q, 100, &filter).await.unwrap();
            assert!(hits.iter().all(|h| h.item.owner_id == owner));
            let mut hits: Vec<(Uuid, f32)> = hits.iter().map(|h| (h.item.id, h.score)).collect();
            hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            all.push(hits);
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyword_index_survives_a_kill_and_a_damaged_directory() {
    let dir = tempfile::tempdir().unwrap();
    let world = world(dir.path()).await;
    let latest = world.store.latest_seq().await.unwrap();

    let clean = Arc::new(TantivyIndex::in_memory().unwrap());
    keyword_indexer(&world, clean.clone())
        .catch_up()
        .await
        .unwrap();
    assert_eq!(clean.len(), 25 + 12 + 6);
    let expected = keyword_answers(&clean, &world).await;
    assert!(
        expected[0].len() >= 5,
        "the cat question finds the cat: {:?}",
        expected[0]
    );

    // Killed midway: every batch committed with its number, so nothing is applied twice.
    let path = dir.path().join("keyword");
    let index = Arc::new(TantivyIndex::open(&path).unwrap());
    keyword_indexer(&world, index.clone())
        .catch_up_at_most(16)
        .await
        .unwrap();
    let midway = index.applied_seq().await.unwrap();
    assert!(midway > 0 && midway < latest);
    drop(index);
    let index = Arc::new(TantivyIndex::open(&path).unwrap());
    assert_eq!(index.applied_seq().await.unwrap(), midway);
    keyword_indexer(&world, index.clone())
        .catch_up()
        .await
        .unwrap();
    same(&keyword_answers(&index, &world).await, &expected);
    drop(index);

    // Damaged: the index starts empty and is rebuilt from the store.
    std::fs::write(path.join("meta.json"), b"{ not json").unwrap();
    let index = Arc::new(TantivyIndex::open(&path).unwrap());
    assert_eq!(index.applied_seq().await.unwrap(), 0);
    assert!(index.is_empty());
    keyword_indexer(&world, index.clone())
        .catch_up()
        .await
        .unwrap();
    same(&keyword_answers(&index, &world).await, &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_indexer_picks_up_writes_when_nudged() {
    let dir = tempfile::tempdir().unwrap();
    let world = world(dir.path()).await;
    let index = Arc::new(TantivyIndex::in_memory().unwrap());
    let indexer = Arc::new(keyword_indexer(&world, index.clone()));
    // A long period: only the nudge can explain a prompt catch-up.
    let task = indexer.spawn(
        std::time::Duration::from_secs(3_600),
        std::time::Duration::from_secs(3_600),
    );
    indexer.nudge();
    let latest = world.store.latest_seq().await.unwrap();
    let mut waited = 0;
    while index.applied_seq().await.unwrap() < latest {
        assert!(waited < 200, "the background indexer did not catch up");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let filter = SearchFilter {
        owner_id: world.bob,
        kind: None,
        parents: vec![],
    };
    assert_eq!(index.search("violin", 10, &filter).await.unwrap().len(), 1);
    task.abort();
}
