//! First run, signing in and out, sessions, sign-up, password changes, API keys by
//! bearer, and the same-origin rule for cookie-authenticated changes.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, PASSWORD, start, start_with};

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
async fn sign_up_by_invite_takes_a_code_an_admin_made_once() {
    let server = start_with(None, |config| {
        config.accounts.signup = gantry::SignupPolicy::Invite;
    })
    .await;
    let mut root = Client::set_up(&server).await;
    let mut bea = Client::new(&server);
    let signup = |code: Option<&str>, email: &str| {
        let mut body = json!({"email": email, "display_name": "Bea", "password": PASSWORD});
        if let Some(code) = code {
            body["invite_code"] = json!(code);
        }
        body
    };
    let refused = bea
        .post("/api/auth/register", signup(None, "bea@example.com"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.text.contains("invite"), "{}", refused.text);

    let made = root
        .post(
            "/api/admin/invites",
            json!({"note": "for Bea", "valid_days": 3}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let code = made.body["code"].as_str().unwrap().to_owned();
    assert_eq!(made.body["info"]["note"], "for Bea");
    let listed = root.get("/api/admin/invites").await;
    assert!(!listed.text.contains(&code), "codes are never listed");
    assert_eq!(listed.body[0]["used_by"], serde_json::Value::Null);

    let joined = bea
        .post("/api/auth/register", signup(Some(&code), "bea@example.com"))
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.text);
    assert_eq!(bea.get("/api/auth/me").await.body["role"], "user");
    let again = Client::new(&server)
        .post("/api/auth/register", signup(Some(&code), "cy@example.com"))
        .await;
    assert_eq!(
        again.status,
        StatusCode::FORBIDDEN,
        "used up: {}",
        again.text
    );
    let listed = root.get("/api/admin/invites").await;
    assert_eq!(listed.body[0]["used_by"], joined.body["id"]);

    // Admins only: a user gets 403, and the body names no invite.
    let forbidden = bea.post("/api/admin/invites", json!({})).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    assert_eq!(forbidden.body["error"]["code"], "forbidden");
    assert_eq!(
        bea.get("/api/admin/invites").await.status,
        StatusCode::FORBIDDEN
    );
    let bad = root
        .post("/api/admin/invites", json!({"valid_days": 1000}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.body["error"]["field"], "valid_for");
    let id = listed.body[0]["id"].as_str().unwrap();
    let path = format!("/api/admin/invites/{id}");
    assert_eq!(bea.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(root.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(root.delete(&path).await.status, StatusCode::NOT_FOUND);
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
        "/ready",
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
            let concrete = path
                .replace("{id}", "01a231c2-0000-7000-8000-000000000000")
                .replace("{name}", "no-such-backend");
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
async fn every_admin_route_refuses_a_user_who_is_not_an_admin() {
    let server = start(None).await;
    let _root = Client::set_up(&server).await;
    let mut ada = Client::register(&server, "ada@example.com").await;
    let doc = ada.get("/api/openapi.json").await.body;
    let mut checked = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/admin/") {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            let method = method.to_uppercase().parse().unwrap();
            let concrete = path
                .replace("{id}", "01a231c2-0000-7000-8000-000000000000")
                .replace("{name}", "no-such-backend");
            let answer = ada
                .send(ada.request(method, &concrete).json(&json!({})))
                .await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{path}: {}",
                answer.text
            );
            assert_eq!(answer.code(), "forbidden");
            checked += 1;
        }
    }
    assert!(checked >= 3, "the admin routes are in the document");
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

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_sign_in_limit() {
    let server = crate::support::start_with(None, |config| {
        config.server.logins_per_minute = 2;
        config.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let _root = Client::set_up(&server).await;
    let mut proxy = Client::new(&server);
    let attempt = |client: &Client, forwarded: &str, email: &str| {
        client
            .request(reqwest::Method::POST, "/api/auth/login")
            .header("x-forwarded-for", forwarded)
            .json(&json!({"email": email, "password": "guess guess"}))
    };
    // One client behind the proxy uses up its address's attempts (on two accounts, so
    // the per-account limit is not what stops it).
    for email in ["a@example.com", "b@example.com"] {
        let wrong = proxy.send(attempt(&proxy, "198.51.100.7", email)).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
    }
    let limited = proxy
        .send(attempt(&proxy, "198.51.100.7", "c@example.com"))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client through the same proxy is not locked out with it.
    let other = proxy
        .send(attempt(&proxy, "203.0.113.20", "d@example.com"))
        .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "{}", other.text);
    // A client cannot escape its limit by forging an earlier hop: only the address the
    // proxy appended counts.
    let forged = proxy
        .send(attempt(&proxy, "10.9.9.9, 198.51.100.7", "e@example.com"))
        .await;
    assert_eq!(forged.status, StatusCode::TOO_MANY_REQUESTS);
}
