//! The audit log: appended, read newest first a page at a time, kept when the accounts
//! it names are gone.

use gantry_core::model::NewAuditEntry;
use gantry_core::store::PageRequest;
use time::{Duration, OffsetDateTime};

use crate::harness::{TestStore, user};

fn entry(actor: &gantry_core::model::User, action: &'static str, target: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: Some(actor.id),
        actor: actor.email.clone(),
        action,
        target_id: None,
        target: target.to_owned(),
        detail: format!("{action} on {target}"),
    }
}

async fn the_audit_log_pages_newest_first_and_outlives_accounts(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    for n in 0..5 {
        let mut new = entry(&ada, "user.role", &format!("user {n}"));
        new.target_id = Some(bob.id);
        let written = store.record_audit(new).await.unwrap();
        assert_eq!(written.target, format!("user {n}"));
        assert_eq!(written.actor_id, Some(ada.id));
    }
    store.delete_user(bob.id).await.unwrap();
    store.delete_user(ada.id).await.unwrap();

    let first = store.list_audit(None, PageRequest::first(3)).await.unwrap();
    let targets: Vec<&str> = first.items.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["user 4", "user 3", "user 2"]);
    assert_eq!(
        first.items[0].target_id,
        Some(bob.id),
        "kept after the deletion"
    );
    let next = first.next.expect("more to come");
    let second = store
        .list_audit(None, PageRequest::after(3, next))
        .await
        .unwrap();
    let targets: Vec<&str> = second.items.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["user 1", "user 0"]);
    assert!(second.next.is_none());

    let later = OffsetDateTime::now_utc() + Duration::hours(1);
    let none = store
        .list_audit(Some(later), PageRequest::first(10))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let bad = store
        .list_audit(
            None,
            PageRequest::after(3, gantry_core::store::Cursor("x".into())),
        )
        .await;
    assert!(bad.is_err(), "a cursor the list did not give is refused");
}

crate::conformance!(the_audit_log_pages_newest_first_and_outlives_accounts);
