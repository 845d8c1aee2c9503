//! What a person sees of each way a model backend fails, through the server: refused
//! connection, 429, 5xx, a stall before the first token or mid-stream, a cut connection.
//! Before anything streams, a failure is a plain status with the JSON error; once tokens
//! have been sent, it is an `error` event; either way the answer is saved with its error
//! and whatever text arrived. The faults come from a fault-injecting server (a fake, named
//! as such: a real llama-server cannot be made to do these on demand).

use std::time::Duration;

use gantry::{BackendConfig, BackendKind, RetryPolicy, Timeouts};
use gantry_test::fault_server::{FaultServer, Script, token};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Client, Server, start_with};

/// A server whose one backend is at `url`, quick to give up.
async fn server_on(url: &str) -> Server {
    let url = url.to_owned();
    start_with(None, move |config| {
        let mut backend = BackendConfig::new("faulty", &url);
        backend.kind = BackendKind::LlamaCpp;
        backend.timeouts = Timeouts {
            connect: Duration::from_secs(1),
            first_token: Duration::from_millis(800),
            idle: Duration::from_millis(800),
            request: Duration::from_secs(5),
        };
        backend.retry = RetryPolicy {
            retries: 0,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        };
        config.backends = vec![backend];
        config.extraction = gantry::Extraction::Deterministic;
    })
    .await
}

/// Asks a question in a new conversation, as a stream; the answer and the conversation.
async fn ask(client: &mut Client) -> (crate::support::Answer, String) {
    let chat = client.conversation().await;
    let request = client
        .request(
            reqwest::Method::POST,
            &format!("/api/chat/conversations/{chat}/messages"),
        )
        .header("accept", "text/event-stream")
        .json(&json!({"content": "Hello?"}));
    (client.send(request).await, chat)
}

/// The saved answer of a conversation.
async fn saved_answer(client: &mut Client, chat: &str) -> Value {
    for _ in 0..100 {
        let messages = client
            .get(&format!("/api/chat/conversations/{chat}/messages"))
            .await;
        let items = messages.body["items"].as_array().unwrap().clone();
        if let [question, answer] = items.as_slice() {
            assert_eq!(question["content"], "Hello?");
            if answer["status"] != "partial" {
                return answer.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the answer was saved");
}

/// The events of an SSE body.
fn events(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str(data).ok())
        .collect()
}

#[tokio::test]
async fn faults_before_the_first_token_are_plain_statuses_and_the_failure_is_saved() {
    let sse_error = |status: u16, body: &str| Script::json(status, body);
    let cases: Vec<(&str, Option<Script>, StatusCode, &str)> = vec![
        (
            "refused",
            None,
            StatusCode::SERVICE_UNAVAILABLE,
            "backend_unavailable",
        ),
        (
            "429",
            Some(Script::Respond {
                status: 429,
                headers: vec![
                    ("Content-Type", "application/json".into()),
                    ("Retry-After", "7".into()),
                ],
                parts: vec![(Duration::ZERO, br#"{"error":"busy"}"#.to_vec())],
            }),
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        ),
        (
            "500",
            Some(sse_error(500, r#"{"error":"out of memory"}"#)),
            StatusCode::BAD_GATEWAY,
            "backend_error",
        ),
        (
            "stall",
            Some(Script::Stall(Duration::from_secs(5))),
            StatusCode::GATEWAY_TIMEOUT,
            "backend_timeout",
        ),
    ];
    for (name, script, status, code) in cases {
        let fault = match script {
            Some(script) => Some(FaultServer::start(vec![script]).await),
            None => None,
        };
        let url = fault
            .as_ref()
            .map_or("http://127.0.0.1:9/v1".to_owned(), |f| f.base_url.clone());
        let server = server_on(&url).await;
        let mut client = Client::set_up(&server).await;
        let (answer, chat) = ask(&mut client).await;
        assert_eq!(answer.status, status, "{name}: {}", answer.text);
        assert_eq!(answer.code(), code, "{name}: {}", answer.text);
        if name == "429" {
            assert_eq!(answer.headers["retry-after"], "7", "{name}");
        }
        let saved = saved_answer(&mut client, &chat).await;
        assert_eq!(saved["status"], "error", "{name}: {saved}");
        assert!(
            saved["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{name}: the reason is saved: {saved}"
        );
    }
}

#[tokio::test]
async fn faults_mid_stream_end_in_an_error_event_with_the_partial_answer_saved() {
    let cases = [
        (
            "stall mid-stream",
            Script::sse(vec![
                (Duration::ZERO, token("Hel")),
                (Duration::ZERO, token("lo")),
                (Duration::from_secs(5), token(" world")),
            ]),
            "backend_timeout",
        ),
        (
            "cut connection",
            Script::StreamThenCut {
                parts: vec![
                    (Duration::ZERO, token("Hel")),
                    (Duration::ZERO, token("lo")),
                ],
            },
            "backend_error",
        ),
    ];
    for (name, script, code) in cases {
        let fault = FaultServer::start(vec![script]).await;
        let server = server_on(&fault.base_url).await;
        let mut client = Client::set_up(&server).await;
        let (answer, chat) = ask(&mut client).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.text);
        let events = events(&answer.text);
        let text: String = events
            .iter()
            .filter(|e| e["type"] == "token")
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        assert_eq!(text, "Hello", "{name}: {}", answer.text);
        let last = events.last().unwrap();
        assert_eq!(last["type"], "error", "{name}: {}", answer.text);
        assert_eq!(last["code"], code, "{name}: {}", answer.text);
        assert!(answer.text.trim_end().ends_with("data: [DONE]"), "{name}");

        let saved = saved_answer(&mut client, &chat).await;
        assert_eq!(
            saved["content"], "Hello",
            "{name}: what arrived is kept: {saved}"
        );
        assert_eq!(saved["status"], "error", "{name}: {saved}");
    }
}
