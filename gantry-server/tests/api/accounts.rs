//! First run, signing in and out, sessions, sign-up, password changes, API keys by
//! bearer, and the same-origin rule for cookie-authenticated changes.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, PASSWORD, start};

#[tokio::test]
async fn the_first_admin_is_set_up_once_then_people_sign_in_and_out() {
    let server = start(None).await;
    let mut anonymous = Client::new(&server);
    assert_eq!(anonymous.get("/api/setup").await.body["needs_setup"], true);
    let mut root = Client::set_up(&server).await;
    assert!(root.cookie.is_some(), "set-up signs the admin in");
    let me = root.get("/api/auth/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["email"], "root@example.com");
    assert!(me.body.get("password_hash").is_none());

    // Once is all.
    assert_eq!(anonymous.get("/api/setup").await.body["needs_setup"], false);
    let again = anonymous
        .post(
            "/api/setup",
            json!({"email": "eve@example.com", "display_name": "Eve", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);

    // The cookie: HttpOnly, SameSite=Lax, Path=/, a Max-Age of the session's lifetime.
    let mut fresh = Client::new(&server);
    let login = fresh
        .post(
            "/api/auth/login",
            json!({"email": "ROOT@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=86400"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "not over plain HTTP: {cookie}");

    // A wrong password and an unknown email: the same answer.
    let wrong = anonymous
        .post(
            "/api/auth/login",
            json!({"email": "root@example.com", "password": "nope nope"}),
        )
        .await;
    let unknown = anonymous
        .post(
            "/api/auth/login",
            json!({"email": "who@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text, unknown.text);

    // Signing out ends that session only.
    let out = fresh.post("/api/auth/logout", json!({})).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(fresh.cookie.is_none(), "the cookie is removed");
    assert_eq!(
        fresh.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(root.get("/api/auth/me").await.status, StatusCode::OK);
    // Without a session, signing out still answers.
    assert_eq!(
        anonymous.post("/api/auth/logout", json!({})).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_password_change_ends_every_other_session() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    let mut other_device = Client::new(&server);
    other_device
        .post(
            "/api/auth/login",
            json!({"email": "root@example.com", "password": PASSWORD}),
        )
        .await;
    let wrong = root
        .post(
            "/api/auth/change-password",
            json!({"current_password": "not it at all", "new_password": "a new passphrase"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.field(), "current_password");
    let changed = root
        .post(
            "/api/auth/change-password",
            json!({"current_password": PASSWORD, "new_password": "a new passphrase"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);
    assert_eq!(
        root.get("/api/auth/me").await.status,
        StatusCode::OK,
        "kept signed in"
    );
    assert_eq!(
        other_device.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changes_with_a_cookie_must_come_from_the_servers_own_origin() {
    let server = start(None).await;
    let mut root = Client::set_up(&server).await;
    root.origin = None;
    let refused = root.post("/api/chat/conversations", json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    root.origin = Some("http://evil.example".into());
    let refused = root.post("/api/chat/conversations", json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        root.get("/api/chat/conversations").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing was created"
    );
    // Reading needs no Origin; a bearer token is not a cookie, so needs none either.
    assert_eq!(root.get("/api/auth/me").await.status, StatusCode::OK);
    let key = server
        .gantry
        .engine()
        .for_user(
            root.get("/api/auth/me").await.body["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .map(gantry::UserId)
                .unwrap(),
        )
        .create_api_key("script")
        .await
        .unwrap();
    let mut script = Client::new(&server);
    script.origin = None;
    script.bearer = Some(key.key.clone());
    let created = script.post("/api/chat/conversations", json!({})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
}

#[tokio::test]
async fn every_signed_in_route_refuses_a_request_without_a_session() {
    let server = start(None).await;
    let mut anonymous = Client::new(&server);
    let doc = anonymous.get("/api/openapi.json").await.body;
    let open = [
        "/health",
        "/api/setup",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/auth/register",
    ];
    for (path, operations) in doc["paths"].as_object().unwrap() {
        if open.contains(&path.as_str()) {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            let method = method.to_uppercase().parse().unwrap();
            let concrete = path.replace("{id}", "01a231c2-0000-7000-8000-000000000000");
            let answer = anonymous
                .send(anonymous.request(method, &concrete).json(&json!({})))
                .await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{path}: {}",
                answer.text
            );
            assert_eq!(answer.code(), "unauthenticated");
        }
    }
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address_and_per_account() {
    let server = crate::support::start_with(None, |config| {
        config.server.logins_per_minute = 3;
    })
    .await;
    let _root = Client::set_up(&server).await;
    let mut guesser = Client::new(&server);
    for _ in 0..3 {
        let wrong = guesser
            .post(
                "/api/auth/login",
                json!({"email": "root@example.com", "password": "guess guess"}),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let limited = guesser
        .post(
            "/api/auth/login",
            json!({"email": "root@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text
    );
    assert_eq!(limited.code(), "rate_limited");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(guesser.cookie.is_none(), "even the right password waits");
}
