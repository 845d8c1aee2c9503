//! The engine's bookkeeping without a model: accounts, conversations, personas, search by
//! title, memory and usage, each scoped to its user.

use gantry::model::{NewConversation, NewPersona, Role};
use gantry::store::{ConversationFilter, PageRequest};
use gantry::{Error, NewAccount};
use time::{Duration, OffsetDateTime};

use crate::support::{keyword_only, user};

fn titled(title: &str) -> NewConversation {
    NewConversation {
        title: title.into(),
        ..NewConversation::default()
    }
}

/// The first account, which is the admin.
async fn admin(gantry: &gantry::Gantry) -> gantry::UserId {
    let account = NewAccount::new("root@example.com", "Root", "correct horse battery");
    gantry.register(account).await.unwrap().id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_account_is_the_admin_and_passwords_are_hashed() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let account = |email: &str| NewAccount {
        email: email.into(),
        display_name: "Someone".into(),
        password: "correct horse battery".into(),
    };
    let admin = gantry.register(account("root@example.com")).await.unwrap();
    let user = gantry.register(account("ada@example.com")).await.unwrap();
    assert_eq!((admin.role, user.role), (Role::Admin, Role::User));
    let stored = env
        .store
        .credentials("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(gantry::auth::verify_password(
        "correct horse battery",
        &stored.password_hash
    ));

    let short = NewAccount {
        password: "short".into(),
        ..account("bob@example.com")
    };
    assert_eq!(
        gantry.register(short).await.unwrap_err().invalid_field(),
        Some("password")
    );
    let twice = gantry
        .register(account("ADA@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(twice, Error::Conflict { .. }), "{twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_are_renamed_pinned_archived_listed_and_deleted() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let bob = user(&env, "bob@example.com").await;
    let untitled = gantry
        .for_user(ada)
        .create_conversation(NewConversation::default())
        .await
        .unwrap();
    assert_eq!(untitled.title, gantry::engine::DEFAULT_TITLE);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            gantry
                .for_user(ada)
                .create_conversation(titled(&format!("chat {i}")))
                .await
                .unwrap()
                .id,
        );
    }
    gantry
        .for_user(ada)
        .rename_conversation(ids[0], "Trip to Lisbon")
        .await
        .unwrap();
    gantry
        .for_user(ada)
        .pin_conversation(ids[1], true)
        .await
        .unwrap();
    gantry
        .for_user(ada)
        .archive_conversation(ids[2], true)
        .await
        .unwrap();

    // Keyset pages of two: pinned first, then the most recently active; the archive apart.
    let mut listed = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let slice = gantry
            .for_user(ada)
            .conversations(ConversationFilter::default(), page)
            .await
            .unwrap();
        listed.extend(slice.items.iter().map(|c| c.id));
        match slice.next {
            Some(next) => page = PageRequest::after(2, next),
            None => break,
        }
    }
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[0], ids[1], "the pinned conversation heads the list");
    assert_eq!(listed[1], ids[0], "the renamed one was active last");
    assert!(!listed.contains(&ids[2]));
    let archive = gantry
        .for_user(ada)
        .conversations(
            ConversationFilter { archived: true },
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        archive.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[2]]
    );

    // Another user's id answers as if it did not exist, and changes nothing.
    for error in [
        gantry
            .for_user(bob)
            .rename_conversation(ids[0], "mine now")
            .await
            .unwrap_err(),
        gantry
            .for_user(bob)
            .delete_conversation(ids[0])
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    }
    assert_eq!(
        gantry
            .for_user(ada)
            .conversation(ids[0])
            .await
            .unwrap()
            .title,
        "Trip to Lisbon"
    );
    let error = gantry
        .for_user(ada)
        .rename_conversation(ids[0], "")
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("title"));

    gantry
        .for_user(ada)
        .delete_conversation(ids[3])
        .await
        .unwrap();
    assert!(matches!(
        gantry.for_user(ada).conversation(ids[3]).await.unwrap_err(),
        Error::NotFound { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personas_are_global_for_admins_and_own_for_everyone() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let admin = admin(gantry).await;
    let ada = user(&env, "ada@example.com").await;
    let persona = |name: &str, is_default: bool| NewPersona {
        name: name.into(),
        system_prompt: format!("You are {name}."),
        default_model: None,
        temperature: Some(0.2),
        is_default,
    };
    let error = gantry.admin(ada).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let global = gantry
        .admin(admin)
        .await
        .unwrap()
        .create_persona(persona("Librarian", true))
        .await
        .unwrap();
    let own = gantry
        .for_user(ada)
        .create_persona(persona("Coach", false))
        .await
        .unwrap();
    let names: Vec<String> = gantry
        .for_user(ada)
        .personas()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["Coach", "Librarian"]);
    assert!(
        gantry
            .for_user(admin)
            .personas()
            .await
            .unwrap()
            .iter()
            .all(|p| p.id != own.id)
    );

    // A conversation may use a global persona or the user's own, never another user's.
    let bob = user(&env, "bob@example.com").await;
    let theirs = NewConversation {
        persona_id: Some(own.id),
        ..titled("borrowed")
    };
    let error = gantry
        .for_user(bob)
        .create_conversation(theirs)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    let shared = NewConversation {
        persona_id: Some(global.id),
        ..titled("shared")
    };
    gantry
        .for_user(bob)
        .create_conversation(shared)
        .await
        .unwrap();
    // A user's own scope never reaches a global persona: it reads as missing.
    let error = gantry
        .for_user(ada)
        .delete_persona(global.id)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_titles_and_messages_of_the_user_only() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let bob = user(&env, "bob@example.com").await;
    let lisbon = gantry
        .for_user(ada)
        .create_conversation(titled("Trip to Lisbon"))
        .await
        .unwrap();
    let tiles = gantry
        .for_user(ada)
        .create_conversation(titled("Kitchen"))
        .await
        .unwrap();
    let store = &env.store;
    store
        .append_message(
            ada,
            tiles.id,
            gantry::model::NewMessage::new(
                gantry::model::MessageRole::User,
                "Which azulejo tiles suit a kitchen wall?",
            ),
        )
        .await
        .unwrap();
    let bobs = gantry
        .for_user(bob)
        .create_conversation(titled("Lisbon <script> notes"))
        .await
        .unwrap();
    gantry.flush().await.unwrap();

    let found = gantry.for_user(ada).search("lisbon", 10).await.unwrap();
    let ids: Vec<_> = found
        .conversations
        .iter()
        .map(|c| c.conversation.id)
        .collect();
    assert_eq!(ids, vec![lisbon.id]);
    assert_eq!(
        found.conversations[0].snippet,
        "Trip to <mark>Lisbon</mark>"
    );
    let found = gantry.for_user(ada).search("azulejo", 10).await.unwrap();
    assert_eq!(found.conversations.len(), 1);
    assert_eq!(found.conversations[0].conversation.id, tiles.id);
    assert!(
        found.conversations[0]
            .snippet
            .contains("<mark>azulejo</mark>")
    );
    let found = gantry.for_user(bob).search("lisbon", 10).await.unwrap();
    assert_eq!(found.conversations.len(), 1);
    assert_eq!(found.conversations[0].conversation.id, bobs.id);
    assert_eq!(
        found.conversations[0].snippet,
        "<mark>Lisbon</mark> &lt;script&gt; notes"
    );

    assert_eq!(
        gantry
            .for_user(ada)
            .search("   ", 10)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("query")
    );
    assert_eq!(
        gantry
            .for_user(ada)
            .search("x", 0)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("limit")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_is_for_admins_and_each_user_sees_their_own() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let admin = admin(gantry).await;
    let ada = user(&env, "ada@example.com").await;
    env.store
        .record_usage(gantry::model::NewUsage {
            user_id: ada,
            model: "smollm2".into(),
            prompt_tokens: 120,
            completion_tokens: 30,
            latency_ms: 900,
        })
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let (from, to) = (now - Duration::days(1), now + Duration::days(1));
    let error = gantry.admin(ada).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let admin_scope = gantry.admin(admin).await.unwrap();
    let all = admin_scope.usage(None, from, to).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (
            all[0].user_id,
            all[0].prompt_tokens,
            all[0].completion_tokens
        ),
        (ada, 120, 30)
    );
    assert_eq!(gantry.for_user(ada).usage(from, to).await.unwrap(), all);
    assert!(
        gantry
            .for_user(admin)
            .usage(from, to)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        admin_scope
            .usage(None, to, from)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("to")
    );
}
