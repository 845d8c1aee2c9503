//! Accounts as every front end sees them, on SQLite and on PostgreSQL: signing up under a
//! policy, signing in and out, sessions, API keys, password changes, disabled accounts and
//! an admin's management of accounts.

use gantry_core::engine::{
    API_KEY_PREFIX, Caller, Credential, Engine, EngineSettings, NewAccount, SignupPolicy,
};
use gantry_core::model::{NewConversation, Role};
use gantry_core::store::PageRequest;
use gantry_core::{Error, UserId, auth};
use gantry_test::TestStore;
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "correct horse battery";

/// An engine over `store` alone, under the sign-up policy `signup`.
fn open(store: &TestStore, signup: SignupPolicy) -> Engine {
    let settings = EngineSettings {
        signup,
        ..EngineSettings::default()
    };
    crate::store_only_engine(store, settings)
}

fn account(email: &str) -> NewAccount {
    NewAccount::new(email, email.split('@').next().unwrap_or(email), PASSWORD)
}

/// The first account (the admin) and an ordinary one, made by the admin.
async fn admin_and_user(engine: &Engine) -> (UserId, UserId) {
    let root = engine.register(account("root@example.com")).await.unwrap();
    let ada = engine
        .admin(root.id)
        .await
        .unwrap()
        .create_user(account("ada@example.com"), Role::User)
        .await
        .unwrap();
    (root.id, ada.id)
}

fn is_unauthenticated(result: &gantry_core::Result<Caller>) -> bool {
    matches!(result, Err(Error::Unauthenticated { .. }))
}

async fn signup_follows_the_policy_and_the_first_account_is_the_admin(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let root = engine.register(account("root@example.com")).await.unwrap();
    assert_eq!(root.role, Role::Admin);
    let refused = engine
        .register(account("ada@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    assert_eq!(engine.operator().stats().await.unwrap().users, 1);

    let engine = open(&store, SignupPolicy::Open);
    let ada = engine.register(account("ada@example.com")).await.unwrap();
    assert_eq!(ada.role, Role::User);
    // A bad email is refused before any hashing, naming the field; nothing is created.
    let bad = engine
        .register(NewAccount::new("not an email", "X", PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(bad.invalid_field(), Some("email"));
    assert_eq!(engine.operator().stats().await.unwrap().users, 2);
}

async fn signing_in_starts_a_session_and_signing_out_ends_it(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (_, ada) = admin_and_user(&engine).await;

    let signed_in = engine.sign_in("ADA@example.com", PASSWORD).await.unwrap();
    assert_eq!(signed_in.user.id, ada);
    assert!(!format!("{signed_in:?}").contains(&signed_in.token));
    let caller = engine.authenticate(&signed_in.token).await.unwrap();
    assert_eq!(caller.user.id, ada);
    assert!(
        matches!(caller.credential, Credential::Session(ref s) if s.id == signed_in.session.id)
    );
    let lifetime = signed_in.session.expires_at - signed_in.session.created_at;
    assert!(
        (Duration::hours(24) - Duration::minutes(1)..=Duration::hours(24)).contains(&lifetime),
        "the configured lifetime, not {lifetime}"
    );
    caller
        .scope()
        .create_conversation(NewConversation::default())
        .await
        .unwrap();

    // A wrong password and an unknown email give the very same answer.
    let wrong = engine.sign_in("ada@example.com", "not the password").await;
    let unknown = engine.sign_in("nobody@example.com", PASSWORD).await;
    match (wrong, unknown) {
        (Err(wrong @ Error::Unauthenticated { .. }), Err(unknown)) => {
            assert_eq!(wrong.to_string(), unknown.to_string());
        }
        other => panic!("expected two identical refusals, got {other:?}"),
    }
    assert!(is_unauthenticated(&engine.authenticate("").await));
    assert!(is_unauthenticated(
        &engine.authenticate(&"f".repeat(10_000)).await
    ));
    assert!(is_unauthenticated(&engine.authenticate("0123abcd").await));

    engine.sign_out(&signed_in.token).await.unwrap();
    assert!(is_unauthenticated(
        &engine.authenticate(&signed_in.token).await
    ));
    // Signing out again, or with nonsense, is not an error.
    engine.sign_out(&signed_in.token).await.unwrap();
    engine.sign_out("nonsense").await.unwrap();
}

async fn an_expired_session_is_refused(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (_, ada) = admin_and_user(&engine).await;
    let token = auth::new_token().unwrap();
    let past = OffsetDateTime::now_utc() - Duration::minutes(1);
    store
        .create_session(ada, &auth::hash_token(&token), past)
        .await
        .unwrap();
    assert!(is_unauthenticated(&engine.authenticate(&token).await));
    // A live session stays; the expired one is removed by the housekeeping Gantry runs.
    let live = engine.sign_in("ada@example.com", PASSWORD).await.unwrap();
    assert_eq!(engine.remove_expired_sessions().await.unwrap(), 1);
    assert_eq!(engine.remove_expired_sessions().await.unwrap(), 0);
    assert!(engine.authenticate(&live.token).await.is_ok());
}

async fn changing_the_password_ends_every_other_session(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (_, ada) = admin_and_user(&engine).await;
    let laptop = engine.sign_in("ada@example.com", PASSWORD).await.unwrap();
    let phone = engine.sign_in("ada@example.com", PASSWORD).await.unwrap();
    let me = engine.for_user(ada);

    let wrong = me
        .change_password("not the password", "a new passphrase")
        .await
        .unwrap_err();
    assert_eq!(wrong.invalid_field(), Some("current_password"));
    let short = me.change_password(PASSWORD, "short").await.unwrap_err();
    assert_eq!(short.invalid_field(), Some("password"));
    assert!(
        engine.authenticate(&phone.token).await.is_ok(),
        "nothing changed"
    );

    let fresh = me
        .change_password(PASSWORD, "a new passphrase")
        .await
        .unwrap();
    assert!(is_unauthenticated(
        &engine.authenticate(&laptop.token).await
    ));
    assert!(is_unauthenticated(&engine.authenticate(&phone.token).await));
    assert_eq!(
        engine.authenticate(&fresh.token).await.unwrap().user.id,
        ada
    );
    assert!(engine.sign_in("ada@example.com", PASSWORD).await.is_err());
    engine
        .sign_in("ada@example.com", "a new passphrase")
        .await
        .unwrap();
}

async fn api_keys_act_as_their_owner_until_revoked(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (root, ada) = admin_and_user(&engine).await;
    let me = engine.for_user(ada);
    let created = me.create_api_key("  laptop script ").await.unwrap();
    assert!(created.key.starts_with(API_KEY_PREFIX));
    assert!(created.key.starts_with(&created.info.prefix));
    assert!(created.info.prefix.len() < created.key.len() / 4);
    assert_eq!(created.info.name, "laptop script");
    assert!(!format!("{created:?}").contains(&created.key));
    let blank = me.create_api_key("  ").await.unwrap_err();
    assert_eq!(blank.invalid_field(), Some("name"));

    let caller = engine.authenticate(&created.key).await.unwrap();
    assert_eq!(caller.user.id, ada);
    assert!(matches!(caller.credential, Credential::ApiKey(ref k) if k.id == created.info.id));
    let listed = me.api_keys().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is recorded");
    // Listing never shows the key itself; another user sees none of them and cannot
    // revoke them (their id reads as missing).
    assert!(!format!("{listed:?}").contains(&created.key));
    let theirs = engine.for_user(root);
    assert!(theirs.api_keys().await.unwrap().is_empty());
    let error = theirs.revoke_api_key(created.info.id).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert!(engine.authenticate(&created.key).await.is_ok());

    me.revoke_api_key(created.info.id).await.unwrap();
    assert!(is_unauthenticated(&engine.authenticate(&created.key).await));
    assert!(me.api_keys().await.unwrap().is_empty());
}

async fn a_disabled_account_is_refused_everywhere_at_once(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (root, ada) = admin_and_user(&engine).await;
    let session = engine.sign_in("ada@example.com", PASSWORD).await.unwrap();
    let key = engine.for_user(ada).create_api_key("cron").await.unwrap();

    let admin = engine.admin(root).await.unwrap();
    let disabled = admin.set_disabled(ada, true).await.unwrap();
    assert!(disabled.disabled);
    assert!(is_unauthenticated(
        &engine.authenticate(&session.token).await
    ));
    assert!(is_unauthenticated(&engine.authenticate(&key.key).await));
    let refused = engine
        .sign_in("ada@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::Unauthenticated { .. }),
        "{refused:?}"
    );

    admin.set_disabled(ada, false).await.unwrap();
    assert!(engine.authenticate(&key.key).await.is_ok(), "keys survive");
    engine.sign_in("ada@example.com", PASSWORD).await.unwrap();
}

async fn admins_manage_accounts_and_nobody_else_can(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (root, ada) = admin_and_user(&engine).await;

    // An ordinary user gets no admin scope, however they ask.
    let error = engine.admin(ada).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let session = engine.sign_in("ada@example.com", PASSWORD).await.unwrap();
    let caller = engine.authenticate(&session.token).await.unwrap();
    assert!(matches!(caller.admin(), Err(Error::Forbidden { .. })));

    let admin = engine.admin(root).await.unwrap();
    let listed = admin.users(PageRequest::first(10)).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(
        admin
            .find_user("ADA@EXAMPLE.COM")
            .await
            .unwrap()
            .unwrap()
            .id,
        ada
    );
    let twice = admin
        .create_user(account("ada@example.com"), Role::User)
        .await
        .unwrap_err();
    assert!(matches!(twice, Error::Conflict { .. }), "{twice:?}");

    // An admin cannot lock themself out.
    for error in [
        admin.set_role(root, Role::User).await.unwrap_err(),
        admin.set_disabled(root, true).await.unwrap_err(),
        admin.delete_user(root).await.unwrap_err(),
    ] {
        assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    }

    // Promoting makes the admin scope available at once.
    admin.set_role(ada, Role::Admin).await.unwrap();
    assert!(engine.admin(ada).await.is_ok());
    admin.set_role(ada, Role::User).await.unwrap();
    assert!(engine.admin(ada).await.is_err());

    // A reset password works and ends the user's sessions.
    admin.reset_password(ada, "reset by root").await.unwrap();
    assert!(is_unauthenticated(
        &engine.authenticate(&session.token).await
    ));
    engine
        .sign_in("ada@example.com", "reset by root")
        .await
        .unwrap();
    assert_eq!(
        admin
            .reset_password(ada, "short")
            .await
            .unwrap_err()
            .invalid_field(),
        Some("password")
    );

    // Deleting an account takes everything it owned.
    let me = engine.for_user(ada);
    me.create_conversation(NewConversation::default())
        .await
        .unwrap();
    let key = me.create_api_key("script").await.unwrap();
    admin.delete_user(ada).await.unwrap();
    assert!(is_unauthenticated(&engine.authenticate(&key.key).await));
    let gone = admin.user(ada).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    assert_eq!(engine.operator().stats().await.unwrap().conversations, 0);
    assert_eq!(engine.operator().stats().await.unwrap().users, 1);
}

async fn of_simultaneous_first_signups_exactly_one_is_the_admin(store: TestStore) {
    // Eight people sign up at once on a new installation with open sign-up.
    let engine = open(&store, SignupPolicy::Open);
    let signups = (0..8).map(|i| {
        let engine = engine.clone();
        tokio::spawn(async move { engine.register(account(&format!("u{i}@example.com"))).await })
    });
    let users: Vec<_> = futures::future::join_all(signups)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    let admins = users.iter().filter(|u| u.role == Role::Admin).count();
    assert_eq!(admins, 1, "{users:?}");
    let listed = engine
        .operator()
        .users(PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .filter(|u| u.role == Role::Admin)
            .count(),
        1
    );
}

async fn an_invite_code_signs_up_one_person_once(store: TestStore) {
    let engine = open(&store, SignupPolicy::Invite);
    let (root, _) = admin_and_user(&engine).await;
    let admin = engine.admin(root).await.unwrap();
    let refused = engine
        .register(account("eve@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Forbidden { reason } if reason.contains("invite")),
        "{refused:?}"
    );

    let invite = admin
        .create_invite("for Bea", std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(invite.code.starts_with(gantry_core::engine::INVITE_PREFIX));
    assert!(
        !format!("{invite:?}").contains(&invite.code),
        "the code is never logged"
    );
    assert_eq!(invite.info.created_by, Some(root));
    let listed = admin.invites().await.unwrap();
    assert_eq!(listed, vec![invite.info.clone()]);

    // A wrong code, then the right one; then the right one again (used up).
    let wrong = engine
        .register_with_invite(account("eve@example.com"), "gi_0000")
        .await
        .unwrap_err();
    assert!(matches!(wrong, Error::Forbidden { .. }), "{wrong:?}");
    // Two people race with one code: exactly one account comes of it.
    let racers = ["bea@example.com", "cy@example.com"].map(|email| {
        let (engine, code) = (engine.clone(), invite.code.clone());
        tokio::spawn(async move { engine.register_with_invite(account(email), &code).await })
    });
    let results: Vec<_> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|joined| joined.unwrap())
        .collect();
    let made: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(made.len(), 1, "{results:?}");
    assert_eq!(made[0].role, Role::User);
    let used = admin.invites().await.unwrap();
    assert_eq!(used[0].used_by, Some(made[0].id));
    assert!(used[0].used_at.is_some());
    assert_eq!(engine.operator().stats().await.unwrap().users, 3);

    // A code that is refused for its account's fields stays usable.
    let spare = admin
        .create_invite("", std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    let bad = engine
        .register_with_invite(NewAccount::new("not an email", "X", PASSWORD), &spare.code)
        .await
        .unwrap_err();
    assert_eq!(bad.invalid_field(), Some("email"));
    let taken = engine
        .register_with_invite(account("ada@example.com"), &spare.code)
        .await
        .unwrap_err();
    assert!(matches!(taken, Error::Conflict { .. }), "{taken:?}");
    assert!(
        admin.invites().await.unwrap()[0].used_at.is_none(),
        "nothing was used"
    );
    // Withdrawn, it no longer works.
    admin.delete_invite(spare.info.id).await.unwrap();
    let withdrawn = engine
        .register_with_invite(account("dee@example.com"), &spare.code)
        .await
        .unwrap_err();
    assert!(
        matches!(withdrawn, Error::Forbidden { .. }),
        "{withdrawn:?}"
    );

    // Limits, and an ordinary user cannot make invites.
    let too_long = admin
        .create_invite("x", std::time::Duration::from_secs(400 * 24 * 3600))
        .await
        .unwrap_err();
    assert_eq!(too_long.invalid_field(), Some("valid_for"));
    // With sign-up closed, no code helps; open, none is needed.
    let fresh = admin
        .create_invite("", std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    let closed = open(&store, SignupPolicy::Closed);
    let refused = closed
        .register_with_invite(account("eli@example.com"), &fresh.code)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let open_signup = open(&store, SignupPolicy::Open);
    open_signup
        .register_with_invite(account("fay@example.com"), "anything")
        .await
        .unwrap();
}

async fn an_expired_invite_is_refused(store: TestStore) {
    let engine = open(&store, SignupPolicy::Invite);
    let (root, _) = admin_and_user(&engine).await;
    let code = "gi_expired";
    store
        .store
        .create_invite(
            Some(root),
            "old",
            &auth::hash_token(code),
            OffsetDateTime::now_utc() - Duration::minutes(1),
        )
        .await
        .unwrap();
    let refused = engine
        .register_with_invite(account("old@example.com"), code)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    assert_eq!(engine.operator().stats().await.unwrap().users, 2);
}

async fn admins_find_accounts_by_email_or_name_and_rename_them(store: TestStore) {
    let engine = open(&store, SignupPolicy::Closed);
    let (root, ada) = admin_and_user(&engine).await;
    let admin = engine.admin(root).await.unwrap();
    admin
        .create_user(
            NewAccount::new("zoe@example.com", "Zoë Ångström", PASSWORD),
            Role::User,
        )
        .await
        .unwrap();
    let found = |query: &'static str| {
        let admin = admin.clone();
        async move {
            admin
                .search_users(query, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.email)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("ADA@").await, vec!["ada@example.com"]);
    assert_eq!(
        found("ångström").await,
        vec!["zoe@example.com"],
        "names in any case"
    );
    assert_eq!(found("example.com").await.len(), 3);
    assert_eq!(
        found("100%").await,
        Vec::<String>::new(),
        "LIKE characters are literal"
    );
    assert_eq!(found("   ").await, Vec::<String>::new());

    // Renamed, found by the new name; the whole change is checked before any of it is made.
    let renamed = admin
        .update_user(
            ada,
            gantry_core::engine::UserChange {
                display_name: Some("Ada Lovelace".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.display_name, "Ada Lovelace");
    assert_eq!(found("lovelace").await, vec!["ada@example.com"]);
    let refused = admin
        .update_user(
            root,
            gantry_core::engine::UserChange {
                display_name: Some("Not Root".into()),
                role: Some(Role::User),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Forbidden { .. }), "{refused:?}");
    let me = admin.user(root).await.unwrap();
    assert_eq!((me.display_name.as_str(), me.role), ("root", Role::Admin));
    let long = admin
        .update_user(
            ada,
            gantry_core::engine::UserChange {
                display_name: Some("x".repeat(1000)),
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(long.invalid_field(), Some("display_name"));
    assert!(
        !admin.user(ada).await.unwrap().disabled,
        "nothing was changed"
    );
}

gantry_test::on_both_backends!(
    admins_find_accounts_by_email_or_name_and_rename_them,
    an_invite_code_signs_up_one_person_once,
    an_expired_invite_is_refused,
    of_simultaneous_first_signups_exactly_one_is_the_admin,
    signup_follows_the_policy_and_the_first_account_is_the_admin,
    signing_in_starts_a_session_and_signing_out_ends_it,
    an_expired_session_is_refused,
    changing_the_password_ends_every_other_session,
    api_keys_act_as_their_owner_until_revoked,
    a_disabled_account_is_refused_everywhere_at_once,
    admins_manage_accounts_and_nobody_else_can,
);
