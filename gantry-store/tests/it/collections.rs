//! Collections of documents, and the scope that limits what a conversation retrieves from.

use gantry_core::model::{
    Collection, ConversationScope, Document, NewCollection, NewConversation, NewDocument,
};
use gantry_core::validate::MAX_SCOPE_ITEMS;
use gantry_core::{CollectionId, ConversationId, DocumentId, Error, UserId};

use crate::harness::{TestStore, user};

fn named(name: &str) -> NewCollection {
    NewCollection {
        name: name.into(),
        description: String::new(),
    }
}

async fn collection(store: &TestStore, owner: UserId, name: &str) -> Collection {
    store.create_collection(owner, named(name)).await.unwrap()
}

async fn document(store: &TestStore, owner: UserId, name: &str) -> Document {
    store
        .create_document(
            owner,
            NewDocument {
                filename: name.into(),
                content_type: "text/plain".into(),
                size_bytes: 10,
            },
        )
        .await
        .unwrap()
}

async fn conversation(store: &TestStore, owner: UserId) -> ConversationId {
    store
        .create_conversation(
            owner,
            NewConversation {
                title: "Research".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

async fn names(store: &TestStore, owner: UserId) -> Vec<String> {
    store
        .list_collections(owner)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

async fn filenames(store: &TestStore, owner: UserId, id: CollectionId) -> Vec<String> {
    store
        .collection_documents(owner, id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.filename)
        .collect()
}

fn not_found<T: std::fmt::Debug>(result: gantry_core::Result<T>, what: &str) {
    match result {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

fn scope(documents: &[DocumentId], collections: &[CollectionId]) -> ConversationScope {
    ConversationScope {
        documents: documents.to_vec(),
        collections: collections.to_vec(),
    }
}

async fn create_list_rename_delete(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let taxes = store
        .create_collection(
            ada.id,
            NewCollection {
                name: "Taxes".into(),
                description: "Returns and receipts".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!((taxes.owner_id, taxes.name.as_str()), (ada.id, "Taxes"));
    assert_eq!(taxes.description, "Returns and receipts");
    assert_eq!(store.collection(ada.id, taxes.id).await.unwrap(), taxes);
    let work = collection(&store, ada.id, "Work").await;
    collection(&store, ada.id, "alpha").await;
    // By name, ignoring case: a byte order would put "alpha" last.
    assert_eq!(names(&store, ada.id).await, ["alpha", "Taxes", "Work"]);

    let renamed = store
        .update_collection(
            ada.id,
            work.id,
            NewCollection {
                name: "Zebra project".into(),
                description: "Everything about the zebra".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Zebra project");
    assert_eq!(renamed.description, "Everything about the zebra");
    assert_eq!(renamed.created_at, work.created_at);
    assert!(renamed.updated_at >= work.updated_at);
    assert_eq!(store.collection(ada.id, work.id).await.unwrap(), renamed);
    assert_eq!(
        names(&store, ada.id).await,
        ["alpha", "Taxes", "Zebra project"]
    );

    store.delete_collection(ada.id, taxes.id).await.unwrap();
    not_found(store.collection(ada.id, taxes.id).await, "deleted");
    not_found(
        store.delete_collection(ada.id, taxes.id).await,
        "deleted twice",
    );
    assert_eq!(names(&store, ada.id).await, ["alpha", "Zebra project"]);
    assert_eq!(store.stats().await.unwrap().collections, 2);
}

async fn names_are_unique_per_owner_in_any_case(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let taxes = collection(&store, ada.id, "Taxes").await;
    let err = store
        .create_collection(ada.id, named(" TAXES "))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("TAXES"), "{err}");
    // Renaming another collection onto the name conflicts too, and changes nothing.
    let work = collection(&store, ada.id, "Work").await;
    let err = store
        .update_collection(ada.id, work.id, named("taxes"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert_eq!(store.collection(ada.id, work.id).await.unwrap(), work);
    // A collection may change the case of its own name.
    let recased = store
        .update_collection(ada.id, taxes.id, named("TAXES"))
        .await
        .unwrap();
    assert_eq!(recased.name, "TAXES");
    // Another user's names are theirs.
    collection(&store, bob.id, "Taxes").await;
    assert_eq!(names(&store, ada.id).await, ["TAXES", "Work"]);
    assert_eq!(names(&store, bob.id).await, ["Taxes"]);
}

async fn bad_collections_are_rejected(store: TestStore) {
    let ada = user(&*store, "ada").await;
    for (name, why) in [
        ("", "empty"),
        (" \t", "blank"),
        (&*"n".repeat(201), "long"),
        ("a\0b", "nul"),
    ] {
        let err = store
            .create_collection(ada.id, named(name))
            .await
            .unwrap_err();
        assert_eq!(err.invalid_field(), Some("name"), "{why}: {err}");
    }
    let long_description = NewCollection {
        name: "Fine".into(),
        description: "d".repeat(gantry_core::validate::MAX_DESCRIPTION_BYTES + 1),
    };
    let err = store
        .create_collection(ada.id, long_description.clone())
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("description"));
    assert_eq!(store.stats().await.unwrap().collections, 0);
    let kept = collection(&store, ada.id, "Kept").await;
    let err = store
        .update_collection(ada.id, kept.id, long_description)
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("description"));
    let err = store
        .update_collection(ada.id, kept.id, named(""))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("name"));
    assert_eq!(store.collection(ada.id, kept.id).await.unwrap(), kept);
    not_found(
        store
            .create_collection(UserId::new(), named("Orphan"))
            .await,
        "unknown owner",
    );
}

async fn documents_join_and_leave_collections(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let reading = collection(&store, ada.id, "Reading").await;
    let archive = collection(&store, ada.id, "Archive").await;
    let d1 = document(&store, ada.id, "one.txt").await;
    let d2 = document(&store, ada.id, "two.txt").await;
    let d3 = document(&store, ada.id, "three.txt").await;
    assert!(filenames(&store, ada.id, reading.id).await.is_empty());
    for d in [&d1, &d3, &d2, &d1] {
        store
            .add_to_collection(ada.id, reading.id, d.id)
            .await
            .unwrap();
    }
    // Newest upload first, whatever the order they were added in; adding twice is once.
    assert_eq!(
        filenames(&store, ada.id, reading.id).await,
        ["three.txt", "two.txt", "one.txt"]
    );
    assert_eq!(
        store
            .collection_documents(ada.id, reading.id)
            .await
            .unwrap(),
        [d3.clone(), d2.clone(), d1.clone()]
    );
    store
        .add_to_collection(ada.id, archive.id, d1.id)
        .await
        .unwrap();

    store
        .remove_from_collection(ada.id, reading.id, d2.id)
        .await
        .unwrap();
    store
        .remove_from_collection(ada.id, reading.id, d2.id)
        .await
        .unwrap();
    assert_eq!(
        filenames(&store, ada.id, reading.id).await,
        ["three.txt", "one.txt"]
    );
    // Taking a document out of a collection leaves the document.
    assert_eq!(store.document(ada.id, d2.id).await.unwrap(), d2);

    // Deleting a collection leaves its documents, and the other collections they are in.
    store.delete_collection(ada.id, reading.id).await.unwrap();
    not_found(
        store.collection_documents(ada.id, reading.id).await,
        "deleted collection's documents",
    );
    assert_eq!(store.stats().await.unwrap().documents, 3);
    assert_eq!(store.document(ada.id, d3.id).await.unwrap(), d3);
    assert_eq!(filenames(&store, ada.id, archive.id).await, ["one.txt"]);
}

async fn another_users_ids_are_not_found_and_change_nothing(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let mine = collection(&store, ada.id, "Mine").await;
    let my_doc = document(&store, ada.id, "mine.txt").await;
    let theirs = collection(&store, bob.id, "Theirs").await;
    let their_doc = document(&store, bob.id, "theirs.txt").await;
    store
        .add_to_collection(bob.id, theirs.id, their_doc.id)
        .await
        .unwrap();
    let their_conversation = conversation(&store, bob.id).await;
    store
        .set_conversation_scope(bob.id, their_conversation, scope(&[], &[theirs.id]))
        .await
        .unwrap();

    for (id, what) in [(theirs.id, "foreign"), (CollectionId::new(), "missing")] {
        not_found(store.collection(ada.id, id).await, what);
        not_found(
            store.update_collection(ada.id, id, named("Mine now")).await,
            what,
        );
        not_found(store.collection_documents(ada.id, id).await, what);
        not_found(store.add_to_collection(ada.id, id, my_doc.id).await, what);
        not_found(
            store.remove_from_collection(ada.id, id, their_doc.id).await,
            what,
        );
        not_found(store.delete_collection(ada.id, id).await, what);
    }
    for (id, what) in [(their_doc.id, "foreign"), (DocumentId::new(), "missing")] {
        not_found(store.add_to_collection(ada.id, mine.id, id).await, what);
        not_found(
            store.remove_from_collection(ada.id, mine.id, id).await,
            what,
        );
    }
    not_found(
        store.conversation_scope(ada.id, their_conversation).await,
        "foreign conversation's scope",
    );
    not_found(
        store.scope_documents(ada.id, their_conversation).await,
        "foreign conversation's documents",
    );
    not_found(
        store
            .set_conversation_scope(ada.id, their_conversation, ConversationScope::default())
            .await,
        "clearing a foreign conversation's scope",
    );
    // Ada's collection did not gain Bob's document, and Bob's things are as they were.
    assert!(filenames(&store, ada.id, mine.id).await.is_empty());
    assert_eq!(store.list_collections(ada.id).await.unwrap(), [mine]);
    assert_eq!(
        store.list_collections(bob.id).await.unwrap(),
        std::slice::from_ref(&theirs)
    );
    assert_eq!(filenames(&store, bob.id, theirs.id).await, ["theirs.txt"]);
    assert_eq!(
        store
            .scope_documents(bob.id, their_conversation)
            .await
            .unwrap(),
        Some(vec![their_doc.id])
    );
}

async fn a_scope_limits_what_a_conversation_draws_from(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = conversation(&store, ada.id).await;
    let other = conversation(&store, ada.id).await;
    // Not scoped by default: everything.
    assert_eq!(
        store.conversation_scope(ada.id, c).await.unwrap(),
        ConversationScope::default()
    );
    assert_eq!(store.scope_documents(ada.id, c).await.unwrap(), None);

    let mut d = Vec::new();
    for name in ["d0", "d1", "d2", "d3", "d4", "not in scope"] {
        d.push(document(&store, ada.id, name).await.id);
    }
    let a = collection(&store, ada.id, "A").await.id;
    let b = collection(&store, ada.id, "B").await.id;
    for (col, doc) in [(a, d[1]), (a, d[2]), (b, d[2]), (b, d[3])] {
        store.add_to_collection(ada.id, col, doc).await.unwrap();
    }
    // Duplicates are dropped; lists come back in order of creation.
    let set = store
        .set_conversation_scope(ada.id, c, scope(&[d[4], d[1], d[4]], &[b, a, b]))
        .await
        .unwrap();
    assert_eq!(set, scope(&[d[1], d[4]], &[a, b]));
    assert_eq!(store.conversation_scope(ada.id, c).await.unwrap(), set);
    // Its documents plus every document of its collections, each once.
    assert_eq!(
        store.scope_documents(ada.id, c).await.unwrap(),
        Some(vec![d[1], d[2], d[3], d[4]])
    );
    // A document added to a scoped collection later is in scope too.
    store.add_to_collection(ada.id, a, d[0]).await.unwrap();
    assert_eq!(
        store.scope_documents(ada.id, c).await.unwrap(),
        Some(vec![d[0], d[1], d[2], d[3], d[4]])
    );
    // Setting replaces: only collection B now.
    store
        .set_conversation_scope(ada.id, c, scope(&[], &[b]))
        .await
        .unwrap();
    assert_eq!(
        store.scope_documents(ada.id, c).await.unwrap(),
        Some(vec![d[2], d[3]])
    );
    // Other conversations are not scoped by it.
    assert_eq!(store.scope_documents(ada.id, other).await.unwrap(), None);
    // A scope of one empty collection draws from nothing, which is not the same as everything.
    let empty = collection(&store, ada.id, "Empty").await.id;
    store
        .set_conversation_scope(ada.id, c, scope(&[], &[empty]))
        .await
        .unwrap();
    assert_eq!(
        store.scope_documents(ada.id, c).await.unwrap(),
        Some(vec![])
    );
    // Clearing it goes back to everything.
    let cleared = store
        .set_conversation_scope(ada.id, c, ConversationScope::default())
        .await
        .unwrap();
    assert_eq!(cleared, ConversationScope::default());
    assert_eq!(store.scope_documents(ada.id, c).await.unwrap(), None);
    not_found(
        store.scope_documents(ada.id, ConversationId::new()).await,
        "missing conversation",
    );
}

async fn a_scope_with_a_foreign_or_missing_id_is_refused(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let c = conversation(&store, ada.id).await;
    let mine = document(&store, ada.id, "mine.txt").await.id;
    let my_collection = collection(&store, ada.id, "Mine").await.id;
    let theirs = document(&store, bob.id, "theirs.txt").await.id;
    let their_collection = collection(&store, bob.id, "Theirs").await.id;
    let before = store
        .set_conversation_scope(ada.id, c, scope(&[mine], &[my_collection]))
        .await
        .unwrap();

    let missing = DocumentId::new();
    for (attempt, named_id) in [
        (scope(&[mine, theirs], &[]), theirs.to_string()),
        (scope(&[missing], &[my_collection]), missing.to_string()),
        (
            scope(&[], &[my_collection, their_collection]),
            their_collection.to_string(),
        ),
    ] {
        let err = store
            .set_conversation_scope(ada.id, c, attempt)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        assert!(
            err.to_string().contains(&named_id),
            "{err} names {named_id}"
        );
        assert_eq!(store.conversation_scope(ada.id, c).await.unwrap(), before);
    }

    let too_many_documents: Vec<_> = (0..=MAX_SCOPE_ITEMS).map(|_| mine).collect();
    let err = store
        .set_conversation_scope(ada.id, c, scope(&too_many_documents, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("documents"), "{err}");
    let too_many_collections: Vec<_> = (0..=MAX_SCOPE_ITEMS).map(|_| my_collection).collect();
    let err = store
        .set_conversation_scope(ada.id, c, scope(&[], &too_many_collections))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("collections"), "{err}");
    assert_eq!(store.conversation_scope(ada.id, c).await.unwrap(), before);
    // Exactly the limit is fine.
    let limit: Vec<_> = (0..MAX_SCOPE_ITEMS).map(|_| mine).collect();
    store
        .set_conversation_scope(ada.id, c, scope(&limit, &[]))
        .await
        .unwrap();
}

async fn deleting_a_document_or_collection_takes_it_out_of_scopes(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let c = conversation(&store, ada.id).await;
    let gone = document(&store, ada.id, "gone.txt").await.id;
    let stays = document(&store, ada.id, "stays.txt").await.id;
    let direct = document(&store, ada.id, "direct.txt").await.id;
    let shelf = collection(&store, ada.id, "Shelf").await.id;
    store.add_to_collection(ada.id, shelf, gone).await.unwrap();
    store.add_to_collection(ada.id, shelf, stays).await.unwrap();
    store
        .set_conversation_scope(ada.id, c, scope(&[gone, direct], &[shelf]))
        .await
        .unwrap();

    store.delete_document(ada.id, gone).await.unwrap();
    assert_eq!(filenames(&store, ada.id, shelf).await, ["stays.txt"]);
    assert_eq!(
        store.conversation_scope(ada.id, c).await.unwrap(),
        scope(&[direct], &[shelf])
    );
    assert_eq!(
        store.scope_documents(ada.id, c).await.unwrap(),
        Some(vec![stays, direct])
    );

    store.delete_collection(ada.id, shelf).await.unwrap();
    assert_eq!(
        store.conversation_scope(ada.id, c).await.unwrap(),
        scope(&[direct], &[])
    );
    assert_eq!(
        store.scope_documents(ada.id, c).await.unwrap(),
        Some(vec![direct])
    );
    // The documents of a deleted collection stay in the Vault.
    assert_eq!(
        store.document(ada.id, stays).await.unwrap().filename,
        "stays.txt"
    );
}

async fn deleting_the_user_removes_collections_and_scopes(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let c = conversation(&store, ada.id).await;
    let d = document(&store, ada.id, "a.txt").await.id;
    let shelf = collection(&store, ada.id, "Shelf").await.id;
    store.add_to_collection(ada.id, shelf, d).await.unwrap();
    store
        .set_conversation_scope(ada.id, c, scope(&[d], &[shelf]))
        .await
        .unwrap();
    let kept = collection(&store, bob.id, "Shelf").await;
    store.delete_user(ada.id).await.unwrap();
    assert_eq!(store.stats().await.unwrap().collections, 1);
    assert_eq!(store.list_collections(bob.id).await.unwrap(), [kept]);
}

crate::conformance!(
    create_list_rename_delete,
    names_are_unique_per_owner_in_any_case,
    bad_collections_are_rejected,
    documents_join_and_leave_collections,
    another_users_ids_are_not_found_and_change_nothing,
    a_scope_limits_what_a_conversation_draws_from,
    a_scope_with_a_foreign_or_missing_id_is_refused,
    deleting_a_document_or_collection_takes_it_out_of_scopes,
    deleting_the_user_removes_collections_and_scopes,
);
