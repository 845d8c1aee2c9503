//! The admin's routes for accounts: create, list, read, change role, disable, reset a
//! password, delete; an admin cannot demote, disable or delete themself.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, PASSWORD, start};

#[tokio::test]
async fn an_admin_manages_accounts_but_never_locks_themself_out() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let root_id = root.get("/api/auth/me").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Created by the admin whatever the sign-up policy; the password is theirs to change.
    let made = root
        .post(
            "/api/admin/users",
            json!({"email": "bea@example.com", "display_name": "Béa 🌿", "password": PASSWORD}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.body["role"], "user");
    assert_eq!(made.body["display_name"], "Béa 🌿");
    assert!(made.body.get("password_hash").is_none());
    let bea_id = made.body["id"].as_str().unwrap().to_owned();
    let again = root
        .post(
            "/api/admin/users",
            json!({"email": "BEA@example.com", "display_name": "B", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let bad = root
        .post(
            "/api/admin/users",
            json!({"email": "nope", "display_name": "B", "password": PASSWORD, "role": "root"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.field(), "role");

    // Listed a page at a time, in the order made.
    let first = root.get("/api/admin/users?limit=1").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["items"][0]["id"], root_id.as_str());
    let cursor = first.body["next"].as_str().unwrap();
    let second = root
        .get(&format!("/api/admin/users?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(second.body["items"][0]["id"], bea_id.as_str());
    assert!(second.body["next"].is_null());

    // Found by email or by name, in any case; renamed.
    let found = root.get("/api/admin/users?q=B%C3%89A").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(found.body["items"][0]["id"], bea_id.as_str());
    let renamed = root
        .patch(
            &format!("/api/admin/users/{bea_id}"),
            json!({"display_name": "Béatrice"}),
        )
        .await;
    assert_eq!(renamed.body["display_name"], "Béatrice", "{}", renamed.text);

    // Bea signs in; disabled, she is refused at once; enabled, she is back.
    let mut bea = Client::new(&server);
    let login = bea
        .post(
            "/api/auth/login",
            json!({"email": "bea@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let path = format!("/api/admin/users/{bea_id}");
    let disabled = root.patch(&path, json!({"disabled": true})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.body["disabled"], true);
    assert_eq!(
        bea.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    root.patch(&path, json!({"disabled": false})).await;
    bea.post(
        "/api/auth/login",
        json!({"email": "bea@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(bea.get("/api/auth/me").await.status, StatusCode::OK);

    // Made an admin, she may manage accounts; a reset password ends her sessions.
    let promoted = root.patch(&path, json!({"role": "admin"})).await;
    assert_eq!(promoted.body["role"], "admin");
    assert_eq!(bea.get("/api/admin/users").await.status, StatusCode::OK);
    let reset = root
        .post(
            &format!("{path}/password"),
            json!({"password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    assert_eq!(
        bea.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let short = root
        .post(&format!("{path}/password"), json!({"password": "short"}))
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);

    // The admin cannot demote, disable or delete themself: an installation keeps an admin.
    let me = format!("/api/admin/users/{root_id}");
    for refused in [
        root.patch(&me, json!({"role": "user"})).await,
        root.patch(&me, json!({"display_name": "Renamed", "disabled": true}))
            .await,
        root.patch(&me, json!({"disabled": true})).await,
        root.delete(&me).await,
    ] {
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    }
    let unchanged = root.get("/api/auth/me").await;
    assert_eq!(unchanged.body["role"], "admin");
    assert_eq!(
        unchanged.body["display_name"], "Root",
        "a refused change changes nothing"
    );

    // Deleted with everything she owned; her id is then unknown, like one never made.
    assert_eq!(root.delete(&path).await.status, StatusCode::NO_CONTENT);
    let gone = root.get(&path).await;
    let never = root
        .get("/api/admin/users/01a231c2-0000-7000-8000-000000000000")
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(never.status, StatusCode::NOT_FOUND);
    assert_eq!(root.delete(&path).await.status, StatusCode::NOT_FOUND);
}
