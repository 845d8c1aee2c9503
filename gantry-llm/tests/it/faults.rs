//! The client against the fault-injecting server: faults a real server cannot be made to
//! produce on demand.

use std::time::Duration;

use futures::StreamExt;
use gantry_core::Error;
use gantry_core::llm::{ChatEvent, ChatMessage, ChatModel, ChatRequest, TokenUsage};
use gantry_core::model::MessageRole;
use gantry_llm::{BackendConfig, BackendKind, LoadedModel, OpenAiBackend, RetryPolicy, Timeouts};

use crate::fault_server::{FaultServer, Script, token};

const NOW: Duration = Duration::ZERO;

fn backend(server: &FaultServer) -> OpenAiBackend {
    let mut config = BackendConfig::new("fault", &server.base_url);
    config.retry = RetryPolicy {
        retries: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    config.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        first_token: Duration::from_millis(800),
        idle: Duration::from_millis(400),
        request: Duration::from_secs(5),
    };
    OpenAiBackend::new(config).unwrap()
}

fn ask() -> ChatRequest {
    ChatRequest {
        model: Some("m".into()),
        messages: vec![ChatMessage {
            role: MessageRole::User,
            content: "hi".into(),
        }],
        ..Default::default()
    }
}

/// Collects a stream: the text, the usage, and the error that ended it, if any.
async fn drain(backend: &OpenAiBackend) -> (String, Option<TokenUsage>, Option<Error>, usize) {
    let mut stream = match backend.stream(ask()).await {
        Ok(s) => s,
        Err(e) => return (String::new(), None, Some(e), 0),
    };
    let (mut text, mut usage, mut tokens) = (String::new(), None, 0);
    while let Some(event) = stream.next().await {
        match event {
            Ok(ChatEvent::Token(t)) => {
                tokens += 1;
                text.push_str(&t);
            }
            Ok(ChatEvent::Usage(u)) => usage = Some(u),
            Err(e) => return (text, usage, Some(e), tokens),
        }
    }
    (text, usage, None, tokens)
}

#[tokio::test]
async fn the_parser_tolerates_what_real_servers_send() {
    let usage = br#"data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}"#;
    // A comment, a keep-alive, CRLF line endings, an event split byte by byte across
    // writes, a role-only first delta, usage in the last chunk, then [DONE].
    let mut parts = vec![
        (NOW, b": keep-alive\n\n".to_vec()),
        (
            NOW,
            b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n".to_vec(),
        ),
        (NOW, token("Hel").into_iter().collect()),
    ];
    for byte in token("lo, ") {
        parts.push((Duration::from_millis(1), vec![byte]));
    }
    parts.push((
        NOW,
        String::from_utf8(token("world"))
            .unwrap()
            .replace("\n", "\r\n")
            .into_bytes(),
    ));
    parts.push((NOW, b":\n\n".to_vec()));
    parts.push((NOW, [&usage[..], b"\n\n"].concat()));
    parts.push((NOW, b"data: [DONE]\n\n".to_vec()));
    let server = FaultServer::start(vec![Script::sse(parts)]).await;
    let (text, usage, error, tokens) = drain(&backend(&server)).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, "Hello, world");
    assert_eq!(tokens, 3);
    assert_eq!(
        usage,
        Some(TokenUsage {
            prompt_tokens: 7,
            completion_tokens: 3
        })
    );
    // The request asked for a stream with usage.
    let body: serde_json::Value =
        serde_json::from_str(&server.seen.lock().unwrap().bodies[0]).unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn an_error_object_mid_stream_keeps_the_partial_text() {
    let parts = vec![
        (NOW, token("The answer")),
        (
            NOW,
            b"data: {\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\"}}\n\n"
                .to_vec(),
        ),
    ];
    let server = FaultServer::start(vec![Script::sse(parts)]).await;
    let (text, _, error, _) = drain(&backend(&server)).await;
    assert_eq!(text, "The answer");
    match error {
        Some(Error::Interrupted { partial, cause }) => {
            assert_eq!(partial, "The answer");
            assert!(
                matches!(*cause, Error::Backend { status: None, ref message, .. } if message == "out of memory"),
                "{cause}"
            );
        }
        other => panic!("expected Interrupted, got {other:?}"),
    }
}

#[tokio::test]
async fn a_cut_connection_keeps_the_partial_text_and_is_not_retried() {
    let parts = vec![(NOW, token("Half ")), (NOW, token("an answer"))];
    let server = FaultServer::start(vec![Script::StreamThenCut { parts }]).await;
    let (text, _, error, _) = drain(&backend(&server)).await;
    assert_eq!(text, "Half an answer");
    match error {
        Some(Error::Interrupted { partial, .. }) => assert_eq!(partial, "Half an answer"),
        other => panic!("expected Interrupted, got {other:?}"),
    }
    assert_eq!(server.requests(), 1, "never retried after text was yielded");
}

#[tokio::test]
async fn rate_limited_then_success_is_retried() {
    let limited = Script::Respond {
        status: 429,
        headers: vec![
            ("Retry-After", "0".into()),
            ("Content-Type", "application/json".into()),
        ],
        parts: vec![(NOW, br#"{"error":{"message":"slow down"}}"#.to_vec())],
    };
    let ok = Script::sse(vec![
        (NOW, token("fine")),
        (NOW, b"data: [DONE]\n\n".to_vec()),
    ]);
    let server = FaultServer::start(vec![limited, ok]).await;
    let (text, _, error, _) = drain(&backend(&server)).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text, "fine");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_status_and_message() {
    let failing = Script::json(503, r#"{"error":{"message":"model is loading"}}"#);
    let server = FaultServer::start(vec![failing]).await;
    let (_, _, error, _) = drain(&backend(&server)).await;
    match error {
        Some(Error::Backend {
            status: Some(503),
            message,
            ..
        }) => assert_eq!(message, "model is loading"),
        other => panic!("expected Backend 503, got {other:?}"),
    }
    assert_eq!(server.requests(), 3, "the first attempt and two retries");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = FaultServer::start(vec![Script::json(
        400,
        r#"{"error":{"message":"unknown model m"}}"#,
    )])
    .await;
    let err = backend(&server).complete(ask()).await.unwrap_err();
    assert!(
        matches!(err, Error::Backend { status: Some(400), ref message, .. } if message == "unknown model m"),
        "{err}"
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_malformed_chunk_is_a_protocol_error_naming_it() {
    let parts = vec![(NOW, b"data: {not json}\n\n".to_vec())];
    let server = FaultServer::start(vec![Script::sse(parts)]).await;
    let (_, _, error, _) = drain(&backend(&server)).await;
    match error {
        Some(Error::Protocol { what, .. }) => assert!(what.contains("{not json}"), "{what}"),
        other => panic!("expected Protocol, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stalled_first_token_times_out() {
    let parts = vec![(Duration::from_secs(5), token("too late"))];
    let server = FaultServer::start(vec![Script::sse(parts)]).await;
    let started = std::time::Instant::now();
    let (_, _, error, _) = drain(&backend(&server)).await;
    assert!(
        matches!(error, Some(Error::TimedOut { ref waiting_for, .. }) if waiting_for == "first token"),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up at the first-token budget, not the server's pace"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = FaultServer::start(vec![Script::Stall(Duration::from_secs(10))]).await;
    let (_, _, error, _) = drain(&backend(&server)).await;
    assert!(matches!(error, Some(Error::TimedOut { .. })), "{error:?}");
}

#[tokio::test]
async fn an_idle_gap_after_text_times_out_with_the_partial_text() {
    let parts = vec![
        (NOW, token("Start")),
        (Duration::from_secs(5), token("never")),
    ];
    let server = FaultServer::start(vec![Script::sse(parts)]).await;
    let (text, _, error, _) = drain(&backend(&server)).await;
    assert_eq!(text, "Start");
    match error {
        Some(Error::Interrupted { partial, cause }) => {
            assert_eq!(partial, "Start");
            assert!(
                matches!(*cause, Error::TimedOut { ref waiting_for, .. } if waiting_for == "next token")
            );
        }
        other => panic!("expected Interrupted, got {other:?}"),
    }
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let parts: Vec<_> = (0..100)
        .map(|i| (Duration::from_millis(20), token(&format!("t{i} "))))
        .collect();
    let server = FaultServer::start(vec![Script::sse(parts)]).await;
    let backend = backend(&server);
    let mut stream = backend.stream(ask()).await.unwrap();
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    drop(stream);
    // The server notices within a few writes that nobody is listening.
    for _ in 0..100 {
        if let Some(&after) = server.seen.lock().unwrap().client_left_after_parts.first() {
            assert!(after < 20, "the server went on for {after} tokens");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server never saw the client leave");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_unavailable() {
    // A port that was just free: connections to it are refused (a real fault, no fake).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = BackendConfig::new("gone", format!("http://127.0.0.1:{port}/v1"));
    config.retry = RetryPolicy {
        retries: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
    };
    let err = OpenAiBackend::new(config)
        .unwrap()
        .list_models()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

#[tokio::test]
async fn bad_urls_are_rejected_up_front() {
    for url in ["not a url", "ftp://example.com/v1"] {
        let err = OpenAiBackend::new(BackendConfig::new("x", url)).unwrap_err();
        assert_eq!(err.invalid_field(), Some("base_url"), "{url}");
    }
}

/// TabbyAPI cannot run here; a stand-in answering its model endpoints checks the calls.
#[tokio::test]
async fn tabbyapi_model_switching_uses_its_endpoints() {
    let server = FaultServer::start(vec![
        Script::json(200, r#"{"id":"Llama-3-8B-exl2","object":"model"}"#),
        Script::json(200, r#"{"status":"ok"}"#),
        Script::json(200, r#"{"status":"ok"}"#),
    ])
    .await;
    let mut config = BackendConfig::new("tabby", &server.base_url);
    config.kind = BackendKind::TabbyApi;
    let tabby = OpenAiBackend::new(config).unwrap();
    assert_eq!(
        tabby.loaded_model().await.unwrap(),
        LoadedModel::Loaded("Llama-3-8B-exl2".into())
    );
    assert_eq!(
        tabby.load_model("Mistral-7B-exl2").await.unwrap(),
        LoadedModel::Loaded("Mistral-7B-exl2".into())
    );
    assert_eq!(tabby.unload_model().await.unwrap(), LoadedModel::None);
    let seen = server.seen.lock().unwrap();
    assert_eq!(
        seen.requests,
        [
            "GET /v1/model HTTP/1.1",
            "POST /v1/model/load HTTP/1.1",
            "POST /v1/model/unload HTTP/1.1"
        ]
    );
    assert!(seen.bodies[1].contains("Mistral-7B-exl2"));
}
