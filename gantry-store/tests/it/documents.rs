//! Documents and chunks: the Knowledge Vault's rows.

use gantry_core::Error;
use gantry_core::model::{DocumentStatus, NewChunk, NewDocument};
use gantry_core::store::PageRequest;

use crate::harness::{TestStore, user};

fn doc(name: &str) -> NewDocument {
    NewDocument {
        filename: name.into(),
        content_type: "text/plain".into(),
        size_bytes: 1234,
    }
}

fn chunk(ordinal: u32, text: &str, embedding: Option<Vec<f32>>) -> NewChunk {
    NewChunk {
        ordinal,
        text: text.into(),
        token_count: 3,
        embedding,
        heading: None,
        page: None,
    }
}

async fn lifecycle_processing_to_ready_or_failed(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let d = store
        .create_document(ada.id, doc("notes.txt"))
        .await
        .unwrap();
    assert_eq!(d.status, DocumentStatus::Processing);
    assert_eq!(store.document(ada.id, d.id).await.unwrap(), d);
    let chunks = store
        .add_chunks(
            ada.id,
            d.id,
            vec![
                chunk(0, "first", Some(vec![0.25, -0.5, 1.0])),
                NewChunk {
                    heading: Some("Install > Linux — ünïcode".into()),
                    page: Some(7),
                    ..chunk(1, "second", None)
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(store.chunks(ada.id, d.id).await.unwrap(), chunks);
    assert_eq!(chunks[0].embedding.as_deref(), Some(&[0.25, -0.5, 1.0][..]));
    // Where each chunk lies comes back as written, and is absent where it was not known.
    assert_eq!(
        (chunks[1].heading.as_deref(), chunks[1].page),
        (Some("Install > Linux — ünïcode"), Some(7))
    );
    assert_eq!((chunks[0].heading.as_deref(), chunks[0].page), (None, None));
    let read = store.chunks_by_id(ada.id, &[chunks[1].id]).await.unwrap();
    assert_eq!(read, vec![chunks[1].clone()]);
    let err = store
        .add_chunks(
            ada.id,
            d.id,
            vec![NewChunk {
                page: Some(0),
                ..chunk(5, "fifth", None)
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("chunk page"));
    let err = store
        .add_chunks(
            ada.id,
            d.id,
            vec![NewChunk {
                heading: Some("h".repeat(gantry_core::validate::MAX_HEADING_BYTES + 1)),
                ..chunk(5, "fifth", None)
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("chunk heading"));
    assert_eq!(
        store.chunks(ada.id, d.id).await.unwrap(),
        chunks,
        "nothing added"
    );
    let ready = store
        .set_document_status(ada.id, d.id, DocumentStatus::Ready, None)
        .await
        .unwrap();
    assert_eq!(ready.status, DocumentStatus::Ready);

    let bad = store
        .create_document(ada.id, doc("scan.pdf"))
        .await
        .unwrap();
    let failed = store
        .set_document_status(
            ada.id,
            bad.id,
            DocumentStatus::Failed,
            Some("the PDF has no text layer".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("the PDF has no text layer")
    );
    // A failure needs its reason.
    let err = store
        .set_document_status(ada.id, bad.id, DocumentStatus::Failed, None)
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("failure_reason"));
}

async fn list_newest_first_in_pages(store: TestStore) {
    let ada = user(&*store, "ada").await;
    for i in 0..5 {
        store
            .create_document(ada.id, doc(&format!("d{i}.txt")))
            .await
            .unwrap();
    }
    let first = store
        .list_documents(ada.id, PageRequest::first(3))
        .await
        .unwrap();
    let rest = store
        .list_documents(ada.id, PageRequest::after(3, first.next.unwrap()))
        .await
        .unwrap();
    let names: Vec<_> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|d| d.filename.as_str())
        .collect();
    assert_eq!(names, ["d4.txt", "d3.txt", "d2.txt", "d1.txt", "d0.txt"]);
    assert!(rest.next.is_none());
}

async fn chunks_are_all_or_nothing(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let d = store.create_document(ada.id, doc("a.txt")).await.unwrap();
    // A bad chunk in the middle rejects the whole batch.
    let err = store
        .add_chunks(
            ada.id,
            d.id,
            vec![
                chunk(0, "ok", None),
                chunk(1, "", None),
                chunk(2, "ok", None),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("chunk text"));
    let err = store
        .add_chunks(ada.id, d.id, vec![chunk(0, "ok", Some(vec![f32::NAN]))])
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("embedding"));
    // A duplicate ordinal conflicts, and the batch leaves nothing behind.
    let err = store
        .add_chunks(ada.id, d.id, vec![chunk(0, "a", None), chunk(0, "b", None)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(store.chunks(ada.id, d.id).await.unwrap().is_empty());
    assert_eq!(store.stats().await.unwrap().chunks, 0);
}

async fn delete_and_reindex(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let d = store.create_document(ada.id, doc("a.txt")).await.unwrap();
    store
        .add_chunks(
            ada.id,
            d.id,
            vec![chunk(0, "one", None), chunk(1, "two", None)],
        )
        .await
        .unwrap();
    assert_eq!(store.delete_chunks(ada.id, d.id).await.unwrap(), 2);
    let again = store
        .add_chunks(ada.id, d.id, vec![chunk(0, "uno", None)])
        .await
        .unwrap();
    let ids: Vec<_> = again.iter().map(|c| c.id).collect();
    assert_eq!(store.chunks_by_id(ada.id, &ids).await.unwrap(), again);
    store.delete_document(ada.id, d.id).await.unwrap();
    assert!(matches!(
        store.document(ada.id, d.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(store.chunks_by_id(ada.id, &ids).await.unwrap().is_empty());
    assert_eq!(store.stats().await.unwrap().chunks, 0);
}

async fn bad_documents_are_rejected(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let err = store.create_document(ada.id, doc("")).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("filename"));
    let err = store
        .create_document(ada.id, doc(&"f".repeat(256)))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("filename"));
    let err = store
        .create_document(
            ada.id,
            NewDocument {
                filename: "a".into(),
                content_type: String::new(),
                size_bytes: 1,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("content_type"));
    assert_eq!(store.stats().await.unwrap().documents, 0);
}

async fn search_by_name_ignores_case_and_takes_wildcards_literally(store: TestStore) {
    let ada = user(&*store, "ada").await.id;
    let bob = user(&*store, "bob").await.id;
    for name in [
        "Über-Report.PDF",
        "100%_done.txt",
        "1000 done.txt",
        "notes.md",
    ] {
        store.create_document(ada, doc(name)).await.unwrap();
    }
    store
        .create_document(bob, doc("report-bob.pdf"))
        .await
        .unwrap();
    let names = |found: Vec<gantry_core::model::Document>| -> Vec<String> {
        found.into_iter().map(|d| d.filename).collect()
    };
    assert_eq!(
        names(store.search_documents(ada, "über-rep", 10).await.unwrap()),
        vec!["Über-Report.PDF"]
    );
    assert_eq!(
        names(store.search_documents(ada, "%_", 10).await.unwrap()),
        vec!["100%_done.txt"]
    );
    assert_eq!(store.search_documents(ada, ".", 2).await.unwrap().len(), 2);
    assert!(
        store
            .search_documents(ada, "  ", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        names(store.search_documents(bob, "report", 10).await.unwrap()),
        vec!["report-bob.pdf"]
    );
    let error = store.search_documents(ada, "x", 0).await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
}

crate::conformance!(
    search_by_name_ignores_case_and_takes_wildcards_literally,
    lifecycle_processing_to_ready_or_failed,
    list_newest_first_in_pages,
    chunks_are_all_or_nothing,
    delete_and_reindex,
    bad_documents_are_rejected,
);
