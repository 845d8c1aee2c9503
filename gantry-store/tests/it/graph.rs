//! Knowledge-graph rows: entities, facts with provenance and validity.

use gantry_core::Error;
use gantry_core::model::{MessageRole, NewConversation, NewEntity, NewMessage, NewRelation};

use crate::harness::{TestStore, user};

fn entity(name: &str, kind: &str) -> NewEntity {
    NewEntity {
        name: name.into(),
        kind: kind.into(),
    }
}

async fn entities_are_deduplicated_by_name_and_kind(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let a = store
        .upsert_entity(ada.id, entity("Acme Corp", "organisation"))
        .await
        .unwrap();
    let b = store
        .upsert_entity(ada.id, entity("acme corp", "Organisation"))
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.name, "Acme Corp");
    let c = store
        .upsert_entity(ada.id, entity("Acme Corp", "product"))
        .await
        .unwrap();
    assert_ne!(a.id, c.id);
    assert_eq!(store.entities(ada.id).await.unwrap().len(), 2);
}

async fn a_contradicting_fact_closes_the_old_one(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let conv = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "x".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let said = store
        .append_message(
            ada.id,
            conv.id,
            NewMessage::new(MessageRole::User, "I moved to Lisbon"),
        )
        .await
        .unwrap();
    let me = store
        .upsert_entity(ada.id, entity("Ada", "person"))
        .await
        .unwrap();
    let paris = store
        .upsert_entity(ada.id, entity("Paris", "place"))
        .await
        .unwrap();
    let lisbon = store
        .upsert_entity(ada.id, entity("Lisbon", "place"))
        .await
        .unwrap();
    let rust = store
        .upsert_entity(ada.id, entity("Rust", "language"))
        .await
        .unwrap();
    let rel = |object, exclusive, source| NewRelation {
        subject_id: me.id,
        predicate: "lives_in".into(),
        object_id: object,
        source_message_id: source,
        exclusive,
    };
    let old = store
        .add_relation(ada.id, rel(paris.id, true, None))
        .await
        .unwrap();
    // Recording the same open fact again returns it.
    assert_eq!(
        store
            .add_relation(ada.id, rel(paris.id, true, None))
            .await
            .unwrap(),
        old
    );
    let new = store
        .add_relation(ada.id, rel(lisbon.id, true, Some(said.id)))
        .await
        .unwrap();
    assert_eq!(new.source_message_id, Some(said.id));
    // Non-exclusive facts accumulate.
    let likes = NewRelation {
        subject_id: me.id,
        predicate: "likes".into(),
        object_id: rust.id,
        source_message_id: None,
        exclusive: false,
    };
    store.add_relation(ada.id, likes).await.unwrap();

    let open = store.relations(ada.id, false).await.unwrap();
    assert_eq!(
        open.iter().map(|r| r.object_id).collect::<Vec<_>>(),
        [lisbon.id, rust.id]
    );
    let all = store.relations(ada.id, true).await.unwrap();
    let closed = all.iter().find(|r| r.id == old.id).unwrap();
    assert!(closed.valid_to.is_some(), "the old fact is kept, closed");
    assert!(closed.valid_to.unwrap() <= new.valid_from);

    // Deleting an entity removes the facts that mention it.
    store.delete_entity(ada.id, lisbon.id).await.unwrap();
    assert_eq!(store.relations(ada.id, true).await.unwrap().len(), 2);
}

async fn facts_only_join_the_owners_entities(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let mine = store
        .upsert_entity(ada.id, entity("Ada", "person"))
        .await
        .unwrap();
    let theirs = store
        .upsert_entity(bob.id, entity("Bob", "person"))
        .await
        .unwrap();
    let err = store
        .add_relation(
            ada.id,
            NewRelation {
                subject_id: mine.id,
                predicate: "knows".into(),
                object_id: theirs.id,
                source_message_id: None,
                exclusive: false,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err = store
        .add_relation(
            ada.id,
            NewRelation {
                subject_id: mine.id,
                predicate: " ".into(),
                object_id: mine.id,
                source_message_id: None,
                exclusive: false,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("predicate"));
    assert!(matches!(
        store.delete_entity(bob.id, mine.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(store.relations(ada.id, true).await.unwrap().is_empty());
}

/// A fact learnt from `message` (or from nothing), linking two fresh entities.
async fn fact(
    store: &TestStore,
    owner: gantry_core::UserId,
    about: &str,
    message: Option<gantry_core::MessageId>,
) -> gantry_core::RelationId {
    let me = store
        .upsert_entity(owner, entity("Me", "person"))
        .await
        .unwrap();
    let thing = store
        .upsert_entity(owner, entity(about, "thing"))
        .await
        .unwrap();
    store
        .add_relation(
            owner,
            NewRelation {
                subject_id: me.id,
                predicate: "mentioned".into(),
                object_id: thing.id,
                source_message_id: message,
                exclusive: false,
            },
        )
        .await
        .unwrap()
        .id
}

async fn fact_ids(store: &TestStore, owner: gantry_core::UserId) -> Vec<gantry_core::RelationId> {
    store
        .relations(owner, true)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

async fn deleting_what_taught_a_fact_forgets_it(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let mut conversations = Vec::new();
    let mut messages = Vec::new();
    for (owner, title) in [(ada.id, "doomed"), (ada.id, "kept"), (bob.id, "bob's")] {
        let c = store
            .create_conversation(
                owner,
                NewConversation {
                    title: title.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for text in ["first", "second"] {
            messages.push(
                store
                    .append_message(owner, c.id, NewMessage::new(MessageRole::User, text))
                    .await
                    .unwrap()
                    .id,
            );
        }
        conversations.push(c.id);
    }
    // messages: doomed 0 and 1, kept 2 and 3, bob's 4 and 5.
    let from_doomed_first = fact(&store, ada.id, "lisbon", Some(messages[0])).await;
    let from_doomed_second = fact(&store, ada.id, "rust", Some(messages[1])).await;
    let from_kept = fact(&store, ada.id, "acme", Some(messages[2])).await;
    let _from_deleted_message = fact(&store, ada.id, "tea", Some(messages[3])).await;
    let unsourced = fact(&store, ada.id, "chess", None).await;
    let bobs = fact(&store, bob.id, "bob's thing", Some(messages[4])).await;

    // Deleting one message forgets the facts it taught, and only those.
    store.delete_message(ada.id, messages[3]).await.unwrap();
    assert_eq!(
        fact_ids(&store, ada.id).await,
        [from_doomed_first, from_doomed_second, from_kept, unsourced]
    );

    // Deleting a conversation forgets every fact any of its messages taught.
    store
        .delete_conversation(ada.id, conversations[0])
        .await
        .unwrap();
    assert_eq!(fact_ids(&store, ada.id).await, [from_kept, unsourced]);
    // The entities stay; other users' facts are untouched.
    assert_eq!(store.entities(ada.id).await.unwrap().len(), 6);
    assert_eq!(fact_ids(&store, bob.id).await, [bobs]);
    // A failed delete forgets nothing.
    assert!(matches!(
        store
            .delete_conversation(ada.id, conversations[2])
            .await
            .unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        store.delete_message(ada.id, messages[4]).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert_eq!(fact_ids(&store, bob.id).await, [bobs]);
    assert_eq!(fact_ids(&store, ada.id).await, [from_kept, unsourced]);
}

crate::conformance!(
    deleting_what_taught_a_fact_forgets_it,
    entities_are_deduplicated_by_name_and_kind,
    a_contradicting_fact_closes_the_old_one,
    facts_only_join_the_owners_entities,
);
