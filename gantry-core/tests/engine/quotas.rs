//! Quotas, on SQLite and on PostgreSQL: past a user's limit, a new conversation, persona,
//! collection or import is refused by name and nothing changes; an admin raises or lowers
//! one user's limits without touching anyone else's.

use gantry_core::engine::{Engine, EngineSettings, ExportFormat, NewAccount};
use gantry_core::model::{
    MessageRole, NewCollection, NewConversation, NewMessage, NewPersona, QuotaOverrides, Quotas,
    Role,
};
use gantry_core::store::{ConversationFilter, PageRequest};
use gantry_core::{Error, UserId};
use gantry_test::TestStore;

const PASSWORD: &str = "correct horse battery";

/// An engine over `store` alone, with small quotas.
fn open(store: &TestStore) -> Engine {
    let quotas = Quotas {
        conversations: 2,
        messages_per_conversation: 3,
        personas: 1,
        collections: 1,
        ..Quotas::default()
    };
    let settings = EngineSettings {
        quotas,
        ..EngineSettings::default()
    };
    crate::store_only_engine(store, settings)
}

/// The first account (the admin) and an ordinary one, made by the admin.
async fn admin_and_user(engine: &Engine) -> (UserId, UserId) {
    let root = engine
        .register(NewAccount::new("root@example.com", "Root", PASSWORD))
        .await
        .unwrap();
    let ada = engine
        .admin(root.id)
        .await
        .unwrap()
        .create_user(
            NewAccount::new("ada@example.com", "Ada", PASSWORD),
            Role::User,
        )
        .await
        .unwrap();
    (root.id, ada.id)
}

fn limit_reached(error: &Error) -> &str {
    match error {
        Error::LimitReached { what } => what,
        other => panic!("expected LimitReached, got {other:?}"),
    }
}

fn persona(name: &str) -> NewPersona {
    NewPersona {
        name: name.into(),
        system_prompt: "Be brief.".into(),
        ..NewPersona::default()
    }
}

fn collection(name: &str) -> NewCollection {
    NewCollection {
        name: name.into(),
        description: String::new(),
    }
}

async fn past_a_quota_nothing_is_created(store: TestStore) {
    let engine = open(&store);
    let (_, ada) = admin_and_user(&engine).await;
    let me = engine.for_user(ada);
    for _ in 0..2 {
        me.create_conversation(NewConversation::default())
            .await
            .unwrap();
    }
    let refused = me
        .create_conversation(NewConversation::default())
        .await
        .unwrap_err();
    assert_eq!(
        limit_reached(&refused),
        "your account may keep 2 conversations and has 2; delete some, or ask an admin for more"
    );
    me.create_persona(persona("Terse")).await.unwrap();
    let refused = me.create_persona(persona("Chatty")).await.unwrap_err();
    assert!(limit_reached(&refused).contains("1 personas"), "{refused}");
    me.create_collection(collection("Papers")).await.unwrap();
    let refused = me.create_collection(collection("Notes")).await.unwrap_err();
    assert!(
        limit_reached(&refused).contains("1 collections"),
        "{refused}"
    );

    let report = me.quotas().await.unwrap();
    assert_eq!(report.used.conversations, 2);
    assert_eq!(report.used.personas, 1);
    assert_eq!(report.used.collections, 1);
    assert_eq!(report.limits.conversations, 2);
    assert_eq!(engine.operator().stats().await.unwrap().conversations, 2);
    // Archived conversations count too: archiving is not a way around the quota.
    let first = me
        .conversations(ConversationFilter::default(), PageRequest::first(10))
        .await
        .unwrap()
        .items[0]
        .id;
    me.archive_conversation(first, true).await.unwrap();
    me.create_conversation(NewConversation::default())
        .await
        .unwrap_err();
    // Deleting one makes room.
    me.delete_conversation(first).await.unwrap();
    me.create_conversation(NewConversation::default())
        .await
        .unwrap();
}

async fn an_admin_changes_one_users_quotas(store: TestStore) {
    let engine = open(&store);
    let (root, ada) = admin_and_user(&engine).await;
    let bob = engine
        .admin(root)
        .await
        .unwrap()
        .create_user(
            NewAccount::new("bob@example.com", "Bob", PASSWORD),
            Role::User,
        )
        .await
        .unwrap()
        .id;
    // Only admins change quotas.
    let refused = engine.admin(ada).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let admin = engine.admin(root).await.unwrap();
    let raised = QuotaOverrides {
        conversations: Some(3),
        ..QuotaOverrides::default()
    };
    let report = admin.set_quotas(ada, raised).await.unwrap();
    assert_eq!(report.limits.conversations, 3);
    assert_eq!(report.overrides, raised);
    assert_eq!(report.limits.personas, 1, "the others keep their defaults");
    let me = engine.for_user(ada);
    for _ in 0..3 {
        me.create_conversation(NewConversation::default())
            .await
            .unwrap();
    }
    me.create_conversation(NewConversation::default())
        .await
        .unwrap_err();
    // Bob still has the default.
    let bob_scope = engine.for_user(bob);
    for _ in 0..2 {
        bob_scope
            .create_conversation(NewConversation::default())
            .await
            .unwrap();
    }
    bob_scope
        .create_conversation(NewConversation::default())
        .await
        .unwrap_err();
    // Lowering below what Ada keeps deletes nothing; restoring the default is all `None`.
    admin
        .set_quotas(
            ada,
            QuotaOverrides {
                conversations: Some(1),
                ..QuotaOverrides::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(admin.quotas_of(ada).await.unwrap().used.conversations, 3);
    let report = admin
        .set_quotas(ada, QuotaOverrides::default())
        .await
        .unwrap();
    assert_eq!(report.limits.conversations, 2);
    assert_eq!(report.overrides, QuotaOverrides::default());
    // An unknown account is not found, and nothing is stored for it.
    let unknown = UserId::new();
    let error = admin.set_quotas(unknown, raised).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    let error = admin.quotas_of(unknown).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

async fn imports_respect_the_quotas(store: TestStore) {
    let engine = open(&store);
    let (root, ada) = admin_and_user(&engine).await;
    // Root writes a conversation of four messages (admins are users too) and exports it.
    let admin_scope = engine.for_user(root);
    let long = admin_scope
        .create_conversation(NewConversation::default())
        .await
        .unwrap();
    for (i, role) in [MessageRole::User, MessageRole::Assistant]
        .into_iter()
        .cycle()
        .take(4)
        .enumerate()
    {
        store
            .store
            .append_message(root, long.id, NewMessage::new(role, format!("message {i}")))
            .await
            .unwrap();
    }
    let json = admin_scope
        .export_conversation(long.id, ExportFormat::Json)
        .await
        .unwrap();
    let me = engine.for_user(ada);
    let refused = me.import_conversation(json.clone()).await.unwrap_err();
    assert_eq!(
        limit_reached(&refused),
        "the conversation has 4 messages and one may hold 3"
    );
    assert_eq!(me.quotas().await.unwrap().used.conversations, 0);
    // Raised, it fits; then the conversation quota refuses a third.
    engine
        .operator()
        .set_quotas(
            ada,
            QuotaOverrides {
                messages_per_conversation: Some(4),
                ..QuotaOverrides::default()
            },
        )
        .await
        .unwrap();
    me.import_conversation(json.clone()).await.unwrap();
    me.import_conversation(json.clone()).await.unwrap();
    let refused = me.import_conversation(json).await.unwrap_err();
    assert!(
        limit_reached(&refused).contains("2 conversations"),
        "{refused}"
    );
    assert_eq!(me.quotas().await.unwrap().used.conversations, 2);
}

gantry_test::on_both_backends!(
    past_a_quota_nothing_is_created,
    an_admin_changes_one_users_quotas,
    imports_respect_the_quotas,
);
