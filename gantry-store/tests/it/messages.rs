//! Messages: append, page back through history, finalise a streamed answer, delete.

use gantry_core::Error;
use gantry_core::model::{MessageRole, MessageStatus, NewConversation, NewMessage};
use gantry_core::store::{MessageUpdate, PageRequest};

use crate::harness::{TestStore, user};

async fn append_and_page_back(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "Long".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut written = Vec::new();
    for i in 0..23 {
        let role = if i % 2 == 0 {
            MessageRole::User
        } else {
            MessageRole::Assistant
        };
        written.push(
            store
                .append_message(ada.id, c.id, NewMessage::new(role, format!("m{i}")))
                .await
                .unwrap(),
        );
    }
    // The first page is the latest messages, oldest first; pages go back in time.
    let first = store
        .list_messages(ada.id, c.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(first.items, written[13..]);
    let second = store
        .list_messages(ada.id, c.id, PageRequest::after(10, first.next.unwrap()))
        .await
        .unwrap();
    assert_eq!(second.items, written[3..13]);
    let third = store
        .list_messages(ada.id, c.id, PageRequest::after(10, second.next.unwrap()))
        .await
        .unwrap();
    assert_eq!(third.items, written[..3]);
    assert!(third.next.is_none());
    // Appending bumps the conversation to the top of the list.
    let after = store.conversation(ada.id, c.id).await.unwrap();
    assert_eq!(after.updated_at, written[22].created_at);
}

async fn a_stopped_stream_keeps_its_partial_text(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "Chat".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut pending = NewMessage::new(MessageRole::Assistant, "");
    pending.status = MessageStatus::Partial;
    pending.model = Some("smollm2".into());
    let m = store.append_message(ada.id, c.id, pending).await.unwrap();
    let stopped = store
        .update_message(
            ada.id,
            m.id,
            MessageUpdate {
                content: "The answer is".into(),
                status: MessageStatus::Partial,
                prompt_tokens: Some(12),
                completion_tokens: Some(3),
                error: None,
                context: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.message(ada.id, m.id).await.unwrap(), stopped);
    assert_eq!(stopped.content, "The answer is");
    assert_eq!(stopped.status, MessageStatus::Partial);
    assert_eq!(
        (stopped.prompt_tokens, stopped.completion_tokens),
        (Some(12), Some(3))
    );
    assert_eq!(stopped.model.as_deref(), Some("smollm2"));

    let failed = store
        .update_message(
            ada.id,
            m.id,
            MessageUpdate {
                content: "The answer is".into(),
                status: MessageStatus::Error,
                prompt_tokens: None,
                completion_tokens: None,
                error: Some("backend closed the connection".into()),
                context: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        failed.error.as_deref(),
        Some("backend closed the connection")
    );
}

async fn missing_or_foreign_conversation_is_not_found(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "Ada's".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for (owner, conversation) in [(bob.id, c.id), (ada.id, gantry_core::ConversationId::new())] {
        let err = store
            .append_message(
                owner,
                conversation,
                NewMessage::new(MessageRole::User, "hi"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let err = store
            .list_messages(owner, conversation, PageRequest::first(5))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
    }
    assert_eq!(store.stats().await.unwrap().messages, 0);
    // An empty conversation of one's own lists as empty.
    assert!(
        store
            .list_messages(ada.id, c.id, PageRequest::first(5))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

async fn bad_messages_are_rejected(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "x".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let too_long = "x".repeat(gantry_core::validate::MAX_MESSAGE_BYTES + 1);
    for content in ["", " ", "\0", too_long.as_str()] {
        let err = store
            .append_message(ada.id, c.id, NewMessage::new(MessageRole::User, content))
            .await
            .unwrap_err();
        assert_eq!(err.invalid_field(), Some("content"), "{err}");
    }
    let mut with_model = NewMessage::new(MessageRole::Assistant, "ok");
    with_model.model = Some("m".repeat(201));
    assert_eq!(
        store
            .append_message(ada.id, c.id, with_model)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("model")
    );
    assert_eq!(store.stats().await.unwrap().messages, 0);
    assert_eq!(
        store.conversation(ada.id, c.id).await.unwrap(),
        c,
        "a rejected append must not touch the conversation"
    );
}

async fn delete_one_message(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "x".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let keep = store
        .append_message(ada.id, c.id, NewMessage::new(MessageRole::User, "keep"))
        .await
        .unwrap();
    let drop = store
        .append_message(ada.id, c.id, NewMessage::new(MessageRole::User, "drop"))
        .await
        .unwrap();
    assert!(matches!(
        store.delete_message(bob.id, drop.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    store.delete_message(ada.id, drop.id).await.unwrap();
    let left = store
        .list_messages(ada.id, c.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(left.items, vec![keep]);
}

/// The count the per-conversation quota reads follows appends, deletes and imports, is
/// the owner's alone, and matches what is listed.
async fn the_message_count_follows_every_change(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "Count".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(store.count_messages(ada.id, c.id).await.unwrap(), 0);
    let mut ids = Vec::new();
    for i in 0..5 {
        let m = store
            .append_message(
                ada.id,
                c.id,
                NewMessage::new(MessageRole::User, format!("m{i}")),
            )
            .await
            .unwrap();
        ids.push(m.id);
    }
    assert_eq!(store.count_messages(ada.id, c.id).await.unwrap(), 5);
    store.delete_message(ada.id, ids[2]).await.unwrap();
    assert_eq!(store.count_messages(ada.id, c.id).await.unwrap(), 4);
    // Deleting again changes nothing.
    store.delete_message(ada.id, ids[2]).await.unwrap_err();
    assert_eq!(store.count_messages(ada.id, c.id).await.unwrap(), 4);
    let listed = store
        .list_messages(ada.id, c.id, PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 4);
    // Another user's conversation is not found, not counted.
    let error = store.count_messages(bob.id, c.id).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    // An import arrives with its count.
    let now = time::OffsetDateTime::now_utc();
    let imported = store
        .import_conversation(
            ada.id,
            gantry_core::model::ImportedConversation {
                title: "Imported".into(),
                pinned: false,
                archived: false,
                persona_id: None,
                model: None,
                created_at: now,
                updated_at: now,
                messages: (0..3)
                    .map(|i| (NewMessage::new(MessageRole::User, format!("i{i}")), now))
                    .collect(),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.count_messages(ada.id, imported.id).await.unwrap(), 3);
}

crate::conformance!(
    the_message_count_follows_every_change,
    append_and_page_back,
    a_stopped_stream_keeps_its_partial_text,
    missing_or_foreign_conversation_is_not_found,
    bad_messages_are_rejected,
    delete_one_message,
);
