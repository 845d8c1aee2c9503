//! Conversations: create, list (pinned first, newest first, in pages), patch, delete.

use gantry_core::Error;
use gantry_core::model::{ConversationPatch, MessageRole, NewConversation, NewMessage, NewPersona};
use gantry_core::store::{ConversationFilter, PageRequest};

use crate::harness::{TestStore, user};

fn titled(title: &str) -> NewConversation {
    NewConversation {
        title: title.into(),
        ..Default::default()
    }
}

async fn all_pages(
    store: &TestStore,
    owner: gantry_core::UserId,
    archived: bool,
    size: u32,
) -> Vec<String> {
    let mut titles = Vec::new();
    let mut page = PageRequest::first(size);
    loop {
        let got = store
            .list_conversations(owner, ConversationFilter { archived }, page)
            .await
            .unwrap();
        titles.extend(got.items.into_iter().map(|c| c.title));
        match got.next {
            Some(cursor) => page = PageRequest::after(size, cursor),
            None => return titles,
        }
    }
}

async fn list_is_pinned_first_then_recent_first(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            store
                .create_conversation(ada.id, titled(&format!("c{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    // A message makes c1 the most recent; pinning c3 puts it first.
    store
        .append_message(ada.id, ids[1], NewMessage::new(MessageRole::User, "hello"))
        .await
        .unwrap();
    store
        .update_conversation(
            ada.id,
            ids[3],
            ConversationPatch {
                pinned: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Archived ones leave the sidebar for the archive.
    store
        .update_conversation(
            ada.id,
            ids[0],
            ConversationPatch {
                archived: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for size in [1, 2, 10] {
        assert_eq!(
            all_pages(&store, ada.id, false, size).await,
            ["c3", "c1", "c4", "c2"],
            "page size {size}"
        );
    }
    assert_eq!(all_pages(&store, ada.id, true, 10).await, ["c0"]);
}

async fn patch_changes_only_what_it_names(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(ada.id, titled("Draft"))
        .await
        .unwrap();
    let renamed = store
        .update_conversation(
            ada.id,
            c.id,
            ConversationPatch {
                title: Some("Plans".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Plans");
    assert!(!renamed.pinned && !renamed.archived);
    assert!(renamed.updated_at >= c.updated_at);
    assert_eq!(store.conversation(ada.id, c.id).await.unwrap(), renamed);

    let model = store
        .update_conversation(
            ada.id,
            c.id,
            ConversationPatch {
                model: Some(Some("llama".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(model.model.as_deref(), Some("llama"));
    assert_eq!(model.title, "Plans");
}

async fn bad_input_is_rejected_and_changes_nothing(store: TestStore) {
    let ada = user(&*store, "ada").await;
    for (title, why) in [
        ("", "empty"),
        ("  \n", "blank"),
        (&*"t".repeat(301), "long"),
        ("a\0b", "nul"),
    ] {
        let err = store
            .create_conversation(ada.id, titled(title))
            .await
            .unwrap_err();
        assert_eq!(err.invalid_field(), Some("title"), "{why}: {err}");
    }
    let c = store
        .create_conversation(ada.id, titled("Keep"))
        .await
        .unwrap();
    let err = store
        .update_conversation(
            ada.id,
            c.id,
            ConversationPatch {
                title: Some(String::new()),
                pinned: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("title"));
    assert_eq!(store.conversation(ada.id, c.id).await.unwrap(), c);
    let err = store
        .list_conversations(
            ada.id,
            ConversationFilter::default(),
            PageRequest::after(5, gantry_core::store::Cursor("junk".into())),
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("cursor"));
    assert_eq!(store.stats().await.unwrap().conversations, 1);
}

async fn persona_must_be_usable(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let bobs = store
        .create_persona(
            Some(bob.id),
            NewPersona {
                name: "Bob's".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let global = store
        .create_persona(
            None,
            NewPersona {
                name: "Global".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let err = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "x".into(),
                persona_id: Some(bobs.id),
                model: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "x".into(),
                persona_id: Some(global.id),
                model: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(c.persona_id, Some(global.id));
    // Deleting the persona leaves the conversation with none.
    store.delete_persona(None, global.id).await.unwrap();
    assert_eq!(
        store.conversation(ada.id, c.id).await.unwrap().persona_id,
        None
    );
}

async fn delete_removes_messages(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(ada.id, titled("Doomed"))
        .await
        .unwrap();
    let m = store
        .append_message(ada.id, c.id, NewMessage::new(MessageRole::User, "hi"))
        .await
        .unwrap();
    store.delete_conversation(ada.id, c.id).await.unwrap();
    assert!(matches!(
        store.conversation(ada.id, c.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        store.message(ada.id, m.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        store.delete_conversation(ada.id, c.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.conversations, stats.messages), (0, 0));
}

async fn unknown_owner_cannot_create(store: TestStore) {
    let err = store
        .create_conversation(gantry_core::UserId::new(), titled("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
}

crate::conformance!(
    list_is_pinned_first_then_recent_first,
    patch_changes_only_what_it_names,
    bad_input_is_rejected_and_changes_nothing,
    persona_must_be_usable,
    delete_removes_messages,
    unknown_owner_cannot_create,
);
