//! The in-process GGUF chat model on the real SmolLM2-135M-Instruct (Q4_1) file, fetched
//! by `scripts/fetch-models` into the models directory that arrives in `GANTRY_MODELS_DIR`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::StreamExt;
use gantry_core::Error;
use gantry_core::llm::{ChatEvent, ChatMessage, ChatModel, ChatRequest};
use gantry_core::model::MessageRole;
use gantry_llm::gguf::{GgufChatModel, GgufOptions, MAX_STRING_CHARS};

pub const MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// The model file, or `None` (said loudly; a failure under CI) without the models directory.
pub fn model_path() -> Option<PathBuf> {
    let dir = gantry_test::service("GANTRY_MODELS_DIR", "in-process model test")?;
    Some(PathBuf::from(dir).join(MODEL_FILE))
}

/// One model for the tests that only ask questions (they queue for its worker).
pub fn shared_model() -> Option<Arc<GgufChatModel>> {
    static MODEL: OnceLock<Arc<GgufChatModel>> = OnceLock::new();
    let path = model_path()?;
    Some(
        MODEL
            .get_or_init(|| Arc::new(GgufChatModel::load(path, GgufOptions::default()).unwrap()))
            .clone(),
    )
}

fn ask(text: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage {
            role: MessageRole::User,
            content: text.into(),
        }],
        temperature: Some(0.0),
        max_tokens: Some(max_tokens),
        ..ChatRequest::default()
    }
}

#[tokio::test]
async fn a_greedy_answer_is_text_with_its_token_counts_and_repeats_exactly() {
    let Some(model) = shared_model() else { return };
    let first = model
        .complete(ask("Which city is the capital of France?", 24))
        .await
        .unwrap();
    assert!(first.text.contains("Paris"), "{first:?}");
    let usage = first.usage.unwrap();
    assert!(
        usage.prompt_tokens > 10 && usage.completion_tokens > 0,
        "{usage:?}"
    );
    assert_eq!(first.model, "SmolLM2-135M-Instruct.Q4_1");
    let again = model
        .complete(ask("Which city is the capital of France?", 24))
        .await
        .unwrap();
    assert_eq!(again.text, first.text, "greedy decoding is deterministic");
    let listed = model.list_models().await.unwrap();
    assert_eq!(listed[0].id, "SmolLM2-135M-Instruct.Q4_1");
}

#[tokio::test]
async fn the_stream_carries_the_same_answer_token_by_token_then_the_usage() {
    let Some(model) = shared_model() else { return };
    let request = ask("Name three colours of the rainbow.", 32);
    let whole = model.complete(request.clone()).await.unwrap();
    let mut stream = model.stream(request).await.unwrap();
    let (mut text, mut pieces, mut usage) = (String::new(), 0, None);
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            ChatEvent::Token(piece) => {
                assert!(usage.is_none(), "usage comes last");
                text.push_str(&piece);
                pieces += 1;
            }
            ChatEvent::Usage(u) => usage = Some(u),
        }
    }
    assert_eq!(text, whole.text);
    assert!(pieces > 3, "{pieces} pieces");
    assert_eq!(usage, whole.usage);
}

#[tokio::test]
async fn sampling_follows_the_seed_and_max_tokens_ends_the_answer() {
    let Some(model) = shared_model() else { return };
    let sampled = |seed| ChatRequest {
        temperature: Some(1.0),
        top_p: Some(0.9),
        seed: Some(seed),
        ..ask("Write one sentence about the sea.", 24)
    };
    let a = model.complete(sampled(7)).await.unwrap();
    let b = model.complete(sampled(7)).await.unwrap();
    assert_eq!(a.text, b.text, "the same seed draws the same tokens");
    let mut others = Vec::new();
    for seed in 8..12 {
        others.push(model.complete(sampled(seed)).await.unwrap().text);
    }
    assert!(
        others.iter().any(|t| *t != a.text),
        "other seeds draw differently"
    );
    let short = model
        .complete(ask("Tell me a long story about a dragon.", 5))
        .await
        .unwrap();
    assert_eq!(short.usage.unwrap().completion_tokens, 5);
    assert_eq!(short.finish_reason.as_deref(), Some("length"));
}

#[tokio::test]
async fn a_stop_sequence_ends_the_answer_before_it() {
    let Some(model) = shared_model() else { return };
    let request = ask("Count from one to ten in words, separated by commas.", 40);
    let whole = model.complete(request.clone()).await.unwrap();
    // Stop at a word from the middle of the free answer: the answer must end just before.
    let words: Vec<&str> = whole.text.split_whitespace().collect();
    assert!(words.len() > 4, "{:?}", whole.text);
    let stop = words[words.len() / 2].to_owned();
    let cut = whole.text.find(&stop).unwrap();
    let stopped = model
        .complete(ChatRequest {
            stop: vec![stop.clone()],
            ..request
        })
        .await
        .unwrap();
    assert_eq!(stopped.text, whole.text[..cut], "stopped at {stop:?}");
    assert_eq!(stopped.finish_reason.as_deref(), Some("stop"));
}

/// The fact-extraction shape: with a schema, every answer parses and fits it, even sampled
/// hot from a 135M model.
#[tokio::test]
async fn with_a_json_schema_every_answer_is_valid_json_of_that_shape() {
    let Some(model) = shared_model() else { return };
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "people": {
                "type": "array",
                "maxItems": 4,
                "items": {
                    "type": "object",
                    "properties": { "name": { "type": "string" }, "age": { "type": "integer" } },
                    "required": ["name", "age"],
                    "additionalProperties": false
                }
            },
            "city": { "type": "string", "maxLength": 20 }
        },
        "required": ["people", "city"],
        "additionalProperties": false
    });
    for seed in 0..4 {
        let answer = model
            .complete(ChatRequest {
                json_schema: Some(schema.clone()),
                temperature: Some(1.2),
                seed: Some(seed),
                max_tokens: Some(400),
                ..ask("My sister Maya is 31 and lives in Porto with Tom, 33.", 400)
            })
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(&answer.text)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}: {}", answer.text));
        let people = value["people"].as_array().unwrap();
        assert!(people.len() <= 4);
        for person in people {
            let name = person["name"].as_str().unwrap();
            assert!(name.chars().count() as u64 <= MAX_STRING_CHARS);
            assert!(person["age"].is_i64(), "{person}");
        }
        assert!(value["city"].as_str().unwrap().chars().count() <= 20);
        assert_eq!(
            answer.finish_reason.as_deref(),
            Some("stop"),
            "{}",
            answer.text
        );
    }
}

#[tokio::test]
async fn bad_requests_and_bad_files_are_refused_with_what_was_wrong() {
    let Some(path) = model_path() else { return };
    let Some(model) = shared_model() else { return };
    let err = model
        .complete(ChatRequest {
            model: Some("gpt-4".into()),
            ..ask("Hi", 4)
        })
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("model"), "{err}");
    let err = model.complete(ChatRequest::default()).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("messages"));
    let err = model
        .complete(ChatRequest {
            json_schema: Some(serde_json::json!({ "type": "object", "required": 5 })),
            ..ask("Hi", 4)
        })
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("json_schema"), "{err}");

    let small = GgufChatModel::load(
        &path,
        GgufOptions {
            context_length: 64,
            ..GgufOptions::default()
        },
    )
    .unwrap();
    let err = small
        .complete(ask(&"word ".repeat(100), 4))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("messages"));
    assert!(err.to_string().contains("context holds 64"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.gguf");
    let err = GgufChatModel::load(&missing, GgufOptions::default()).unwrap_err();
    assert!(err.to_string().contains("absent.gguf"), "{err}");
    let junk = dir.path().join("junk.gguf");
    std::fs::write(&junk, b"not a model at all").unwrap();
    let err = GgufChatModel::load(&junk, GgufOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "chat_model",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("junk.gguf"), "{err}");
}

/// One worker and one place in the queue: while the worker answers and a request waits,
/// a third is refused as busy; dropping the answer being generated frees the worker at its
/// next token, long before that answer would have ended, and the waiting request is served.
#[tokio::test]
async fn a_dropped_stream_stops_generating_and_a_busy_model_refuses_more() {
    let Some(path) = model_path() else { return };
    let model = GgufChatModel::load(
        &path,
        GgufOptions {
            context_length: 2048,
            queue: 1,
            ..GgufOptions::default()
        },
    )
    .unwrap();
    // At least 800 numbers (1,600 tokens with their commas, 16 s or more on two cores)
    // before the schema lets the answer end.
    let long = ChatRequest {
        json_schema: Some(serde_json::json!({
            "type": "array", "items": { "type": "integer" }, "minItems": 800
        })),
        ..ask("List every number you know.", 1900)
    };
    let mut stream = model.stream(long).await.unwrap();
    // The first token means the worker has taken it: the queue is empty again.
    let first = stream.next().await.unwrap().unwrap();
    assert!(matches!(first, ChatEvent::Token(_)));
    let waiting = model.stream(ask("Hi", 4)).await.unwrap();
    let err = model.complete(ask("Hi", 4)).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("busy"), "{err}");

    drop(stream);
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        waiting.collect::<Vec<_>>().await
    })
    .await
    .expect("the worker was freed when the stream was dropped");
    let usage = answered.iter().find_map(|event| match event {
        Ok(ChatEvent::Usage(usage)) => Some(*usage),
        _ => None,
    });
    assert_eq!(usage.unwrap().completion_tokens, 4, "{answered:?}");
}
