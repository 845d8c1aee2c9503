//! What every response carries: its request id (the client's when sane, else a fresh
//! one), and the security headers, errors and unknown routes included.

use reqwest::{Method, StatusCode};

use crate::support::{Client, start};

#[tokio::test]
async fn every_response_carries_its_request_id_and_the_security_headers() {
    let server = start(None).await;
    let client = Client::new(&server);
    let send = |path: &str, id: Option<&str>| {
        let mut request = client.request(Method::GET, path);
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    for (path, status) in [
        ("/health", StatusCode::OK),
        ("/api/auth/me", StatusCode::UNAUTHORIZED),
        ("/api/no/such/route", StatusCode::NOT_FOUND),
    ] {
        let kept = send(path, Some("ticket-42.a_b")).await.unwrap();
        assert_eq!(kept.status(), status, "{path}");
        assert_eq!(kept.headers()["x-request-id"], "ticket-42.a_b", "{path}");
        let made = send(path, None).await.unwrap();
        let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(
            uuid::Uuid::parse_str(&id).is_ok(),
            "{path}: a fresh id, got {id}"
        );
        for header in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
        ] {
            assert!(made.headers().contains_key(header), "{path} lacks {header}");
        }
    }
    // An id too long or with characters logs should not carry is replaced.
    for hostile in ["a".repeat(65), "evil\tid".to_owned(), "<script>".to_owned()] {
        let answer = send("/health", Some(&hostile)).await.unwrap();
        let id = answer.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(id, hostile);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}

#[tokio::test]
async fn ready_says_what_works_without_waiting_on_a_model_that_is_down() {
    // The backend configured here is down (nothing listens on port 9).
    let server = start(None).await;
    let mut anonymous = Client::new(&server);
    let ready = anonymous.get("/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["database"], "ok");
    assert_eq!(
        ready.body["keyword_lag"].as_i64().map(|lag| lag >= 0),
        Some(true)
    );
    assert_eq!(
        ready.body["models"]["status"], "unavailable",
        "{}",
        ready.text
    );
    assert!(ready.body["models"]["error"].is_string());
}

#[tokio::test]
async fn ready_finds_a_running_model_server() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "readiness with a model") else {
        return;
    };
    let server = start(Some(&llm)).await;
    let ready = Client::new(&server).get("/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(ready.body["models"]["status"], "ok", "{}", ready.text);
    assert!(ready.body["models"]["models"].as_u64().unwrap() >= 1);
}
