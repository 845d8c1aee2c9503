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

async fn search_titles(store: &TestStore, owner: gantry_core::UserId, query: &str) -> Vec<String> {
    store
        .search_conversations(owner, query, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect()
}

async fn search_matches_titles_ignoring_case(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let mut ids = Vec::new();
    for title in [
        "Trip to Lisbon",
        "lisbon budget",
        "Ärger mit dem Vermieter",
        "Plans",
    ] {
        ids.push(
            store
                .create_conversation(ada.id, titled(title))
                .await
                .unwrap()
                .id,
        );
    }
    store
        .create_conversation(bob.id, titled("Lisbon for Bob"))
        .await
        .unwrap();
    // Most recently updated first: a message lifts the older trip above the budget.
    assert_eq!(
        search_titles(&store, ada.id, "LISBON").await,
        ["lisbon budget", "Trip to Lisbon"]
    );
    store
        .append_message(ada.id, ids[0], NewMessage::new(MessageRole::User, "hi"))
        .await
        .unwrap();
    assert_eq!(
        search_titles(&store, ada.id, "lisbon").await,
        ["Trip to Lisbon", "lisbon budget"]
    );
    // Archived conversations are found too; the result is the conversation as stored.
    let archived = store
        .update_conversation(
            ada.id,
            ids[1],
            ConversationPatch {
                archived: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .search_conversations(ada.id, " BUDGET ", 10)
            .await
            .unwrap(),
        [archived]
    );
    // Capitals beyond ASCII, and a renamed title is searched by its new name.
    assert_eq!(
        search_titles(&store, ada.id, "ärger").await,
        ["Ärger mit dem Vermieter"]
    );
    store
        .update_conversation(
            ada.id,
            ids[3],
            ConversationPatch {
                title: Some("ÜBERSICHT".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(search_titles(&store, ada.id, "übers").await, ["ÜBERSICHT"]);
    assert!(search_titles(&store, ada.id, "plans").await.is_empty());
    // A blank query matches nothing rather than everything.
    assert!(search_titles(&store, ada.id, "").await.is_empty());
    assert!(search_titles(&store, ada.id, "  \t").await.is_empty());
    assert!(
        search_titles(&store, ada.id, "no such title")
            .await
            .is_empty()
    );
}

async fn search_takes_wildcards_literally(store: TestStore) {
    let ada = user(&*store, "ada").await;
    for title in [
        "100% sure_thing",
        "1000 sure things",
        r"C:\temp notes",
        "Tea notes",
    ] {
        store
            .create_conversation(ada.id, titled(title))
            .await
            .unwrap();
    }
    // Unescaped, `%` and `_` would match any text and any one character, and `\t` a `t`.
    assert_eq!(
        search_titles(&store, ada.id, "%").await,
        ["100% sure_thing"]
    );
    assert_eq!(
        search_titles(&store, ada.id, "0% s").await,
        ["100% sure_thing"]
    );
    assert_eq!(
        search_titles(&store, ada.id, "e_t").await,
        ["100% sure_thing"]
    );
    assert_eq!(
        search_titles(&store, ada.id, "_").await,
        ["100% sure_thing"]
    );
    assert_eq!(
        search_titles(&store, ada.id, r"\t").await,
        [r"C:\temp notes"]
    );
    assert_eq!(
        search_titles(&store, ada.id, r"\").await,
        [r"C:\temp notes"]
    );
    assert_eq!(
        search_titles(&store, ada.id, "notes").await,
        ["Tea notes", r"C:\temp notes"]
    );
}

async fn search_is_limited_and_owner_scoped(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    for i in 0..5 {
        store
            .create_conversation(ada.id, titled(&format!("Weekly report {i}")))
            .await
            .unwrap();
    }
    let titles: Vec<_> = store
        .search_conversations(ada.id, "report", 2)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles, ["Weekly report 4", "Weekly report 3"]);
    assert_eq!(
        store
            .search_conversations(ada.id, "report", 500)
            .await
            .unwrap()
            .len(),
        5
    );
    assert!(search_titles(&store, bob.id, "report").await.is_empty());
    for bad in [0, gantry_core::validate::MAX_PAGE + 1] {
        let err = store
            .search_conversations(ada.id, "report", bad)
            .await
            .unwrap_err();
        assert_eq!(err.invalid_field(), Some("limit"), "{bad}: {err}");
    }
    let err = store
        .search_conversations(ada.id, "a\0b", 10)
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("query"), "{err}");
}

async fn import_recreates_a_conversation_whole_or_not_at_all(store: TestStore) {
    use gantry_core::model::{ImportedConversation, MessageStatus};
    use time::macros::datetime;
    let ada = user(&*store, "ada").await.id;
    let bob = user(&*store, "bob").await.id;
    let bobs_persona = store
        .create_persona(
            Some(bob),
            NewPersona {
                name: "Bob's".into(),
                system_prompt: "x".into(),
                default_model: None,
                temperature: None,
                is_default: false,
            },
        )
        .await
        .unwrap();
    let mut partial = NewMessage::new(MessageRole::Assistant, "Half an ans");
    partial.status = MessageStatus::Partial;
    let imported = ImportedConversation {
        title: "From last year".into(),
        pinned: true,
        archived: false,
        persona_id: Some(bobs_persona.id),
        model: Some("smollm2".into()),
        created_at: datetime!(2025-03-01 10:00 UTC),
        updated_at: datetime!(2025-03-01 10:05 UTC),
        messages: vec![
            (
                NewMessage::new(MessageRole::User, "Hello from 2025"),
                datetime!(2025-03-01 10:00 UTC),
            ),
            (partial, datetime!(2025-03-01 10:05 UTC)),
        ],
    };
    let conversation = store
        .import_conversation(ada, imported.clone())
        .await
        .unwrap();
    assert_eq!(
        conversation.persona_id, None,
        "another user's persona is dropped"
    );
    let again = store.conversation(ada, conversation.id).await.unwrap();
    assert_eq!(again, conversation);
    assert_eq!(again.created_at, datetime!(2025-03-01 10:00 UTC));
    let messages = store
        .list_messages(ada, conversation.id, PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].content, "Hello from 2025");
    assert_eq!(messages[1].status, MessageStatus::Partial);
    assert_eq!(messages[1].created_at, datetime!(2025-03-01 10:05 UTC));

    // One bad message refuses the whole import, naming it; nothing is written.
    let mut bad = imported;
    bad.messages.push((
        NewMessage::new(MessageRole::User, ""),
        datetime!(2025-03-01 10:06 UTC),
    ));
    let error = store.import_conversation(ada, bad).await.unwrap_err();
    assert_eq!(error.invalid_field(), Some("content"), "{error}");
    assert!(error.to_string().contains("message 3"), "{error}");
    assert_eq!(all_pages(&store, ada, false, 10).await.len(), 1);
}

/// Two patches of different fields at the same moment (a user pins a conversation while
/// the auto-title renames it): both must stick, neither may write back the other's old value.
async fn concurrent_patches_of_different_fields_both_stick(store: TestStore) {
    let store = store.store.clone();
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(ada.id, titled("Draft"))
        .await
        .unwrap();
    let mut lost = Vec::new();
    for round in 0..40 {
        let pinned = round % 2 == 0;
        let title = format!("Title {round}");
        let pin = {
            let store = store.clone();
            tokio::spawn(async move {
                let patch = ConversationPatch {
                    pinned: Some(pinned),
                    ..Default::default()
                };
                store.update_conversation(ada.id, c.id, patch).await
            })
        };
        let rename = {
            let (store, title) = (store.clone(), title.clone());
            tokio::spawn(async move {
                let patch = ConversationPatch {
                    title: Some(title),
                    ..Default::default()
                };
                store.update_conversation(ada.id, c.id, patch).await
            })
        };
        pin.await.unwrap().unwrap();
        rename.await.unwrap().unwrap();
        let now = store.conversation(ada.id, c.id).await.unwrap();
        if now.pinned != pinned || now.title != title {
            lost.push((round, now.pinned, now.title));
        }
    }
    assert!(
        lost.is_empty(),
        "patches lost (round, pinned, title): {lost:?}"
    );
    // The title is still what search finds it by.
    let found = store
        .search_conversations(ada.id, "title 39", 5)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

/// A title set only "while it is still X" never overwrites a rename that landed first.
async fn a_conditional_title_never_overwrites_a_rename(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "New conversation".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let auto = |title: &str| ConversationPatch {
        title: Some(title.into()),
        title_if: Some("New conversation".into()),
        ..Default::default()
    };
    let titled = store
        .update_conversation(ada.id, c.id, auto("Lemons"))
        .await
        .unwrap();
    assert_eq!(titled.title, "Lemons");
    let renamed = store
        .update_conversation(
            ada.id,
            c.id,
            ConversationPatch {
                title: Some("Mine".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Mine");
    let kept = store
        .update_conversation(ada.id, c.id, auto("Oranges"))
        .await
        .unwrap();
    assert_eq!(kept.title, "Mine", "the rename wins");
    let found = store
        .search_conversations(ada.id, "mine", 10)
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "the search key followed the title that was kept"
    );
}

crate::conformance!(
    a_conditional_title_never_overwrites_a_rename,
    concurrent_patches_of_different_fields_both_stick,
    import_recreates_a_conversation_whole_or_not_at_all,
    search_matches_titles_ignoring_case,
    search_takes_wildcards_literally,
    search_is_limited_and_owner_scoped,
    list_is_pinned_first_then_recent_first,
    patch_changes_only_what_it_names,
    bad_input_is_rejected_and_changes_nothing,
    persona_must_be_usable,
    delete_removes_messages,
    unknown_owner_cannot_create,
);
