//! Accounts and sessions.

use gantry_core::Error;
use gantry_core::auth;
use gantry_core::model::{NewUser, Role};
use gantry_core::store::PageRequest;
use gantry_core::store::UserStore as _;
use time::{Duration, OffsetDateTime};

use crate::harness::{TestStore, fake_hash, real_hash, user};

async fn create_read_and_sign_in(store: TestStore) {
    let hash = real_hash("correct horse battery");
    let created = store
        .create_user(NewUser {
            email: "Ada@Example.test".into(),
            display_name: "Ada Lovelace".into(),
            password_hash: hash,
            role: Role::Admin,
        })
        .await
        .unwrap();
    assert_eq!(store.user(created.id).await.unwrap(), created);
    // Sign-in looks the email up in any case.
    let creds = store
        .credentials("ada@example.TEST")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user, created);
    assert!(auth::verify_password(
        "correct horse battery",
        &creds.password_hash
    ));
    assert!(!auth::verify_password("wrong", &creds.password_hash));
    assert!(
        store
            .credentials("nobody@example.test")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn duplicate_email_is_a_conflict_in_any_case(store: TestStore) {
    let new = |email: &str| NewUser {
        email: email.into(),
        display_name: "X".into(),
        password_hash: fake_hash(),
        role: Role::User,
    };
    store.create_user(new("dup@example.test")).await.unwrap();
    let err = store
        .create_user(new("DUP@example.test"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("DUP@example.test"));
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn bad_user_input_names_the_field_and_changes_nothing(store: TestStore) {
    let cases = [
        ("not-an-email", "Name", "email"),
        ("a@b.test", "", "display_name"),
        ("a@b.test", "   ", "display_name"),
        ("a@b.test", &"n".repeat(201), "display_name"),
        ("a@b.test", "nul\0name", "display_name"),
    ];
    for (email, name, field) in cases {
        let err = store
            .create_user(NewUser {
                email: email.into(),
                display_name: name.into(),
                password_hash: fake_hash(),
                role: Role::User,
            })
            .await
            .unwrap_err();
        assert_eq!(err.invalid_field(), Some(field), "{err}");
    }
    assert_eq!(store.count_users().await.unwrap(), 0);
}

async fn users_list_in_pages(store: TestStore) {
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(user(&*store, &format!("u{i}")).await.id);
    }
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let got = store.list_users(page.clone()).await.unwrap();
        seen.extend(got.items.iter().map(|u| u.id));
        match got.next {
            Some(cursor) => page = PageRequest::after(3, cursor),
            None => break,
        }
    }
    assert_eq!(seen, made);
    let err = store.list_users(PageRequest::first(0)).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("limit"));
}

async fn sessions_expire_and_end_with_disable_or_password_change(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let now = OffsetDateTime::now_utc();
    let token = auth::new_token().unwrap();
    let hash = auth::hash_token(&token);
    let session = store
        .create_session(ada.id, &hash, now + Duration::hours(1))
        .await
        .unwrap();
    let (found, who) = store.session_by_token(&hash, now).await.unwrap().unwrap();
    assert_eq!((found.id, who.id), (session.id, ada.id));
    // Expired: not accepted, and swept.
    assert!(
        store
            .session_by_token(&hash, now + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .delete_expired_sessions(now + Duration::hours(2))
            .await
            .unwrap(),
        1
    );
    assert!(store.session_by_token(&hash, now).await.unwrap().is_none());

    // Disabling a user ends their sessions and refuses new ones.
    store
        .create_session(ada.id, &hash, now + Duration::hours(1))
        .await
        .unwrap();
    let disabled = store.set_disabled(ada.id, true).await.unwrap();
    assert!(disabled.disabled);
    assert!(store.session_by_token(&hash, now).await.unwrap().is_none());
    let err = store
        .create_session(ada.id, &hash, now + Duration::hours(1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    store.set_disabled(ada.id, false).await.unwrap();

    // A new password ends every session.
    store
        .create_session(ada.id, &hash, now + Duration::hours(1))
        .await
        .unwrap();
    store.set_password_hash(ada.id, &fake_hash()).await.unwrap();
    assert!(store.session_by_token(&hash, now).await.unwrap().is_none());
}

async fn a_session_belongs_to_its_user(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let now = OffsetDateTime::now_utc();
    let session = store
        .create_session(ada.id, &auth::hash_token("t"), now + Duration::hours(1))
        .await
        .unwrap();
    let err = store.delete_session(bob.id, session.id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    store.delete_session(ada.id, session.id).await.unwrap();
}

async fn roles_and_deletion(store: TestStore) {
    let ada = user(&*store, "ada").await;
    assert_eq!(
        store.set_role(ada.id, Role::Admin).await.unwrap().role,
        Role::Admin
    );
    store.delete_user(ada.id).await.unwrap();
    assert!(matches!(
        store.user(ada.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        store.delete_user(ada.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "X".into(),
        password_hash: fake_hash(),
        role: Role::User,
    }
}

/// An address spelled with compatibility characters (the Kelvin sign, fullwidth letters)
/// looks like another address: it can neither take that address first nor sign in as a
/// different account; it finds the one account the plain address names.
async fn a_look_alike_email_cannot_squat_or_split_an_account(store: TestStore) {
    let kelvin = "\u{212A}im@x.com";
    let fullwidth = "\u{FF4B}\u{FF49}\u{FF4D}@x.com";
    // Registering first does not take the real owner's address.
    for squat in [kelvin, fullwidth] {
        let err = store.create_user(new_user(squat)).await.unwrap_err();
        assert_eq!(err.invalid_field(), Some("email"), "{squat}: {err}");
    }
    let kim = store.create_user(new_user("Kim@x.com")).await.unwrap();
    for squat in [kelvin, fullwidth] {
        assert!(store.create_user(new_user(squat)).await.is_err(), "{squat}");
    }
    // Every spelling of the address finds the same single account.
    for spelling in ["kim@x.com", "KIM@X.COM", kelvin, fullwidth] {
        let found = store.credentials(spelling).await.unwrap();
        assert_eq!(found.map(|c| c.user.id), Some(kim.id), "{spelling}");
    }
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// Case is compared by Unicode case folding, not only by lower-casing: `STRASSE` and
/// `straße` are one address, and so are the Greek final and medial sigma.
async fn emails_differing_only_by_case_folding_are_one_account(store: TestStore) {
    let first = store
        .create_user(new_user("STRASSE@example.test"))
        .await
        .unwrap();
    let err = store
        .create_user(new_user("straße@example.test"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let found = store.credentials("Straße@Example.test").await.unwrap();
    assert_eq!(found.map(|c| c.user.id), Some(first.id));

    let sigma = store
        .create_user(new_user("\u{3C3}\u{3BF}\u{3C6}\u{3BF}\u{3C2}@example.test"))
        .await
        .unwrap();
    let err = store
        .create_user(new_user("\u{3A3}\u{39F}\u{3A6}\u{39F}\u{3A3}@example.test"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let found = store
        .credentials("\u{3C3}\u{3BF}\u{3C6}\u{3BF}\u{3C3}@example.test")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.user.id), Some(sigma.id));
    assert_eq!(store.count_users().await.unwrap(), 2);
}

/// An account saved when keys were lower-cased emails is found by its new key once the
/// store is opened again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_the_store_rekeys_emails_saved_lower_cased() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gantry.db");
    let store = gantry_store::SqliteStore::open(&path).await.unwrap();
    let created = store.create_user(new_user("Straße@x.test")).await.unwrap();
    sqlx::query("UPDATE users SET email_key = 'straße@x.test'")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(store.credentials("STRASSE@x.test").await.unwrap().is_none());
    store.close().await;
    let store = gantry_store::SqliteStore::open(&path).await.unwrap();
    let found = store.credentials("STRASSE@x.test").await.unwrap();
    assert_eq!(found.map(|c| c.user.id), Some(created.id));
}

crate::conformance!(
    a_look_alike_email_cannot_squat_or_split_an_account,
    emails_differing_only_by_case_folding_are_one_account,
    create_read_and_sign_in,
    duplicate_email_is_a_conflict_in_any_case,
    bad_user_input_names_the_field_and_changes_nothing,
    users_list_in_pages,
    sessions_expire_and_end_with_disable_or_password_change,
    a_session_belongs_to_its_user,
    roles_and_deletion,
);
