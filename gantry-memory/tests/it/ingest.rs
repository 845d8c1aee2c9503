//! Documents into the store on a real SQLite file: ready with ordered, embedded chunks;
//! failed with a reason for a damaged file; keyword-only without an embedder; and found by
//! search once the indexer has caught up.

use std::sync::Arc;

use gantry_core::index::SearchFilter;
use gantry_core::model::{DocumentStatus, NewDocument};
use gantry_core::store::prelude::*;
use gantry_core::{Error, UserId};
use gantry_memory::{HybridOptions, IngestOptions, RetrievalStack, ingest};
use gantry_store::SqliteStore;

async fn setup(dir: &std::path::Path) -> (Arc<SqliteStore>, UserId, UserId) {
    let store = Arc::new(SqliteStore::open(dir.join("g.db")).await.unwrap());
    let mut ids = Vec::new();
    for email in ["ada@example.com", "bob@example.com"] {
        ids.push(crate::support::user(store.as_ref(), email).await);
    }
    (store, ids[0], ids[1])
}

fn upload(name: &str, size: usize) -> NewDocument {
    NewDocument {
        filename: name.into(),
        content_type: "application/octet-stream".into(),
        size_bytes: size as u64,
    }
}

fn handbook() -> String {
    let mut text = String::from("# Greenhouse handbook\n\n");
    for i in 0..40 {
        text.push_str(&format!(
            "## Bed {i}\n\nBed {i} grows tomatoes in spring. Water it every morning before \
             nine. The soil in bed {i} needs compost twice a year.\n\n"
        ));
    }
    text.push_str(
        "## Pests\n\nAphids on the peppers are kept down by ladybirds, released in May.\n",
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_markdown_file_becomes_ready_embedded_chunks_that_search_finds() {
    let Some(embedder) = crate::support::minilm("ingest test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (store, ada, _) = setup(dir.path()).await;
    let text = handbook();
    let doc = store
        .create_document(ada, upload("greenhouse.md", text.len()))
        .await
        .unwrap();
    let done = ingest(
        store.as_ref(),
        Some(embedder.as_ref()),
        ada,
        doc.id,
        "greenhouse.md",
        text.into_bytes(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(done.status, DocumentStatus::Ready);
    let chunks = store.chunks(ada, doc.id).await.unwrap();
    assert!(chunks.len() > 1, "{} chunks", chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.ordinal as usize, i);
        assert_eq!(chunk.embedding.as_ref().map(Vec::len), Some(384));
    }

    // The indexer takes the stored vectors (no re-embedding) and search finds the passage.
    let stack =
        RetrievalStack::in_memory(store.clone(), Some(embedder), HybridOptions::default()).unwrap();
    let report = stack.indexer.catch_up().await.unwrap();
    assert_eq!(report.embedded, 0, "chunks arrive with their embeddings");
    let search = &stack.search;
    let filter = SearchFilter {
        owner_id: ada,
        kind: None,
        parents: vec![doc.id.as_uuid()],
    };
    let found = search
        .search(
            "how do I keep aphids off the peppers?",
            &filter,
            &HybridOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        found.hits[0].text.contains("ladybirds"),
        "{:?}",
        found.hits[0].text
    );
}

#[tokio::test]
async fn a_damaged_file_fails_with_a_reason_and_no_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ada, _) = setup(dir.path()).await;
    let bytes = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage".to_vec();
    let doc = store
        .create_document(ada, upload("report.pdf", bytes.len()))
        .await
        .unwrap();
    let done = ingest(
        store.as_ref(),
        None,
        ada,
        doc.id,
        "report.pdf",
        bytes,
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(done.status, DocumentStatus::Failed);
    let reason = done.failure_reason.unwrap();
    assert!(reason.contains("PDF"), "{reason}");
    assert!(store.chunks(ada, doc.id).await.unwrap().is_empty());

    let doc = store
        .create_document(ada, upload("notes.xyz", 3))
        .await
        .unwrap();
    let done = ingest(
        store.as_ref(),
        None,
        ada,
        doc.id,
        "notes.xyz",
        b"abc".to_vec(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(done.status, DocumentStatus::Failed);
    assert!(
        done.failure_reason
            .unwrap()
            .contains("unsupported file type")
    );
}

#[tokio::test]
async fn without_an_embedder_chunks_are_saved_for_keyword_search() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ada, bob) = setup(dir.path()).await;
    let text = handbook();
    let doc = store
        .create_document(ada, upload("greenhouse.txt", text.len()))
        .await
        .unwrap();
    // Another user's document id is not found, and nothing changes.
    let refused = ingest(
        store.as_ref(),
        None,
        bob,
        doc.id,
        "greenhouse.txt",
        text.clone().into_bytes(),
        &IngestOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, Error::NotFound { .. }), "{refused:?}");
    assert_eq!(
        store.document(ada, doc.id).await.unwrap().status,
        DocumentStatus::Processing
    );

    let done = ingest(
        store.as_ref(),
        None,
        ada,
        doc.id,
        "greenhouse.txt",
        text.into_bytes(),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(done.status, DocumentStatus::Ready);
    let chunks = store.chunks(ada, doc.id).await.unwrap();
    assert!(!chunks.is_empty());
    assert!(chunks.iter().all(|c| c.embedding.is_none()));
    let joined: String = chunks
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(joined.contains("ladybirds"));
}
