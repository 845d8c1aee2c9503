//! Deleted means gone at once: whatever the indexes return is re-read from the store
//! before it reaches a search result or a prompt. The retriever here is a named fake, an
//! index that lags the store (it still returns a deleted conversation's message, a stale
//! copy of an edited one, and the chunks of a document still being read), since a real
//! index cannot be made to lag on demand.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use gantry_core::engine::{Engine, EngineParts, EngineSettings, Retrieval, Retrieved, Retriever};
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::model::{
    DocumentStatus, MessageRole, MessageStatus, NewChunk, NewConversation, NewDocument, NewMessage,
};
use gantry_core::store::{ChangeKind, MessageUpdate};
use gantry_core::{Result, UserId};
use gantry_test::TestStore;

/// An index behind the store: answers every query with the hits it was given.
#[derive(Default)]
struct LaggingIndex {
    hits: Mutex<Vec<Retrieved>>,
}

#[async_trait]
impl Retriever for LaggingIndex {
    async fn retrieve(&self, _query: &str, filter: &SearchFilter, k: usize) -> Result<Retrieval> {
        let hits = self.hits.lock().unwrap();
        let hits: Vec<Retrieved> = hits
            .iter()
            .filter(|h| h.item.owner_id == filter.owner_id)
            .filter(|h| filter.kind.is_none_or(|kind| h.item.kind == kind))
            .take(k)
            .cloned()
            .collect();
        Ok(hits.into())
    }
}

fn hit(
    owner: UserId,
    kind: ChangeKind,
    id: uuid::Uuid,
    parent: uuid::Uuid,
    text: &str,
) -> Retrieved {
    Retrieved {
        item: IndexedItem {
            id,
            owner_id: owner,
            kind,
            parent_id: parent,
        },
        score: 1.0,
        text: text.to_owned(),
        snippet: text.to_owned(),
    }
}

async fn what_the_index_still_holds_is_never_shown(store: TestStore) {
    let index = Arc::new(LaggingIndex::default());
    let engine = Engine::new(EngineParts {
        store: store.store.clone(),
        chat: None,
        retriever: Some(index.clone()),
        index: None,
        graph: None,
        learner: None,
        documents: None,
        count_tokens: None,
        settings: EngineSettings::default(),
    })
    .unwrap();
    let ada = gantry_test::user(store.store.as_ref(), "ada").await.id;
    let s = &store.store;
    let talk = |title: &str| NewConversation {
        title: title.into(),
        persona_id: None,
        model: None,
    };
    let kept = s.create_conversation(ada, talk("pets")).await.unwrap();
    let doomed = s.create_conversation(ada, talk("old")).await.unwrap();
    let edited = s
        .append_message(
            ada,
            kept.id,
            NewMessage::new(MessageRole::Assistant, "draft"),
        )
        .await
        .unwrap();
    s.update_message(
        ada,
        edited.id,
        MessageUpdate {
            content: "Biscuit the dog is afraid of thunder.".into(),
            status: MessageStatus::Complete,
            prompt_tokens: None,
            completion_tokens: None,
            error: None,
            context: None,
        },
    )
    .await
    .unwrap();
    let gone = s
        .append_message(
            ada,
            doomed.id,
            NewMessage::new(MessageRole::User, "Biscuit hides under the bed."),
        )
        .await
        .unwrap();
    let document = |name: &str| NewDocument {
        filename: name.into(),
        content_type: "text/plain".into(),
        size_bytes: 10,
    };
    let chunk = |text: &str| NewChunk {
        ordinal: 0,
        text: text.into(),
        token_count: 5,
        embedding: None,
        heading: None,
        page: None,
    };
    let ready = s.create_document(ada, document("vet.txt")).await.unwrap();
    let ready_chunk = s
        .add_chunks(ada, ready.id, vec![chunk("Biscuit needs a vet visit.")])
        .await
        .unwrap();
    s.set_document_status(ada, ready.id, DocumentStatus::Ready, None)
        .await
        .unwrap();
    let reading = s.create_document(ada, document("half.txt")).await.unwrap();
    let half_chunk = s
        .add_chunks(ada, reading.id, vec![chunk("Biscuit, half read.")])
        .await
        .unwrap();

    *index.hits.lock().unwrap() = vec![
        hit(
            ada,
            ChangeKind::Message,
            gone.id.0,
            doomed.id.0,
            "Biscuit hides under the bed.",
        ),
        hit(
            ada,
            ChangeKind::Message,
            edited.id.0,
            kept.id.0,
            "draft Biscuit",
        ),
        hit(
            ada,
            ChangeKind::Chunk,
            half_chunk[0].id.0,
            reading.id.0,
            "Biscuit, half read.",
        ),
        hit(
            ada,
            ChangeKind::Chunk,
            ready_chunk[0].id.0,
            ready.id.0,
            "Biscuit needs a vet visit.",
        ),
    ];
    engine
        .for_user(ada)
        .delete_conversation(doomed.id)
        .await
        .unwrap();

    let found = engine.for_user(ada).search("Biscuit", 10).await.unwrap();
    let conversations: Vec<_> = found
        .conversations
        .iter()
        .map(|c| c.conversation.id)
        .collect();
    assert_eq!(
        conversations,
        vec![kept.id],
        "the deleted conversation is not found"
    );
    let hit = &found.conversations[0];
    assert_eq!(hit.message_id, Some(edited.id));
    assert!(
        hit.snippet.contains("afraid of thunder") && hit.snippet.contains("<mark>Biscuit</mark>"),
        "the store's text, not the index's stale copy: {}",
        hit.snippet
    );
    let documents: Vec<_> = found.documents.iter().map(|d| d.document.id).collect();
    assert_eq!(
        documents,
        vec![ready.id],
        "a document still being read is not found"
    );
}

gantry_test::on_both_backends!(what_the_index_still_holds_is_never_shown);
