//! The client against a real llama.cpp `llama-server` (started by `scripts/llm-server`,
//! whose base URL arrives in `GANTRY_LLM_URL`; `scripts/test` does both).

use std::sync::Arc;

use futures::StreamExt;
use gantry_core::llm::{ChatEvent, ChatMessage, ChatModel, ChatRequest, Embedder};
use gantry_core::model::MessageRole;
use gantry_llm::{BackendConfig, BackendKind, Backends, HttpEmbedder, LoadedModel, OpenAiBackend};

/// The real server's base URL, or `None` (said loudly) when it is not running. Under CI a
/// missing server is a failure, not a skip.
fn server_url() -> Option<String> {
    gantry_test::service("GANTRY_LLM_URL", "real llama-server test")
}

/// llama-server decodes concurrent requests in one batch, and batching changes the
/// floating-point results; these tests compare answers, so they take turns.
pub static SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn backend(url: &str) -> OpenAiBackend {
    let mut config = BackendConfig::new("llama", url);
    config.kind = BackendKind::LlamaCpp;
    OpenAiBackend::new(config).unwrap()
}

fn question(text: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage {
                role: MessageRole::System,
                content: "You are a concise assistant.".into(),
            },
            ChatMessage {
                role: MessageRole::User,
                content: text.into(),
            },
        ],
        temperature: Some(0.0),
        seed: Some(42),
        max_tokens: Some(max_tokens),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_streamed_answer_arrives_token_by_token_and_equals_the_whole_answer() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let llm = backend(&url);
    let request = question("Name three colours of the rainbow.", 40);
    // llama-server reuses a prompt's cached state when it sees the prompt again, and a
    // prompt evaluated fresh can differ from a cached one in the last bits: one warm-up
    // request makes both compared requests take the cached path.
    llm.complete(request.clone()).await.unwrap();
    let whole = llm.complete(request.clone()).await.unwrap();
    assert!(!whole.text.trim().is_empty());
    let usage = whole.usage.unwrap();
    assert!(
        usage.prompt_tokens > 5 && usage.completion_tokens > 0,
        "{usage:?}"
    );

    let mut stream = llm.stream(request).await.unwrap();
    let (mut text, mut tokens, mut streamed_usage) = (String::new(), 0, None);
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            ChatEvent::Token(t) => {
                tokens += 1;
                text.push_str(&t);
            }
            ChatEvent::Usage(u) => streamed_usage = Some(u),
        }
    }
    assert!(tokens > 3, "arrived in {tokens} pieces");
    assert_eq!(
        text, whole.text,
        "temperature 0 and a fixed seed give the same answer"
    );
    assert_eq!(
        streamed_usage.unwrap().completion_tokens,
        usage.completion_tokens
    );
}

#[tokio::test]
async fn max_tokens_and_stop_sequences_are_honoured() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let llm = backend(&url);
    let short = llm
        .complete(question("Count from one to twenty in words.", 4))
        .await
        .unwrap();
    assert_eq!(short.finish_reason.as_deref(), Some("length"));
    assert!(short.usage.unwrap().completion_tokens <= 4);

    let mut request = question("Count from one to ten in words, separated by commas.", 60);
    let full = llm.complete(request.clone()).await.unwrap();
    // Stop at the third character the model writes: the answer ends just before its first
    // occurrence, and the stop text itself is left out.
    let stop: String = full
        .text
        .chars()
        .nth(2)
        .expect("an answer of at least 3 characters")
        .into();
    let expected = &full.text[..full.text.find(&stop).unwrap()];
    request.stop = vec![stop.clone()];
    let stopped = llm.complete(request).await.unwrap();
    assert_eq!(stopped.text, expected, "stop {stop:?} in {:?}", full.text);
    assert!(stopped.text.len() < full.text.len());
}

#[tokio::test]
async fn a_json_schema_constrains_the_answer() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let mut request = question("Give the name and age of a fictional person.", 80);
    request.json_schema = Some(serde_json::json!({
        "type": "object",
        "properties": { "name": { "type": "string" }, "age": { "type": "integer" } },
        "required": ["name", "age"]
    }));
    let answer = backend(&url).complete(request).await.unwrap();
    let value: serde_json::Value = serde_json::from_str(&answer.text)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", answer.text));
    assert!(
        value["name"].is_string() && value["age"].is_i64(),
        "{value}"
    );
}

#[tokio::test]
async fn embeddings_come_back_in_order_with_the_server_dimension() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let llm = Arc::new(backend(&url));
    let embedder = HttpEmbedder::connect(llm.clone(), "smollm2")
        .await
        .unwrap()
        .with_batch_size(2);
    assert_eq!(embedder.dimension(), 576);
    let texts: Vec<String> = [
        "a cat",
        "the stock market fell sharply",
        "a kitten",
        "quarterly earnings",
    ]
    .map(String::from)
    .to_vec();
    let batch = embedder.embed(&texts).await.unwrap();
    assert_eq!(batch.len(), 4);
    // Each vector is the one for its own text: embedding texts one by one gives the same.
    for (text, vector) in texts.iter().zip(&batch) {
        let single = embedder.embed(std::slice::from_ref(text)).await.unwrap();
        assert!(cosine(&single[0], vector) > 0.999, "{text}");
    }
    assert!(embedder.embed(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn models_are_listed_across_backends_even_with_one_down() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let alone = backend(&url).list_models().await.unwrap();
    assert!(!alone.is_empty());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut down = BackendConfig::new("down", format!("http://127.0.0.1:{port}/v1"));
    down.retry.retries = 0;
    let both = Backends::new(vec![down, BackendConfig::new("llama", &url)]).unwrap();
    let models = both.list_models().await.unwrap();
    assert_eq!(
        models.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        alone.iter().map(|m| m.id.clone()).collect::<Vec<_>>()
    );
    assert!(models.iter().all(|m| m.backend == "llama"));
    // A request naming that model is routed to the backend that has it.
    let mut request = question("Say hello.", 8);
    request.model = Some(models[0].id.clone());
    assert!(!both.complete(request).await.unwrap().text.is_empty());
    // Duplicate names are refused.
    let err = Backends::new(vec![
        BackendConfig::new("a", &url),
        BackendConfig::new("a", &url),
    ])
    .unwrap_err();
    assert_eq!(err.invalid_field(), Some("backends"));
}

#[tokio::test]
async fn only_the_models_an_admin_allows_can_be_chosen() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let served = backend(&url).list_models().await.unwrap()[0].id.clone();
    let mut request = question("Say hello.", 8);

    // By default: the models the backend lists, and nothing else (llama.cpp would answer
    // to any name, Ollama would pull one).
    let open = Backends::new(vec![BackendConfig::new("llama", &url)]).unwrap();
    request.model = Some(served.clone());
    assert!(
        !open
            .complete(request.clone())
            .await
            .unwrap()
            .text
            .is_empty()
    );
    request.model = Some("an-expensive-model".into());
    let err = open.complete(request.clone()).await.unwrap_err();
    assert!(matches!(err, gantry_core::Error::NotFound { .. }), "{err}");

    // With an allow-list that leaves it out: refused by name, and not listed.
    let mut config = BackendConfig::new("llama", &url);
    config.allowed_models = Some(vec!["house-model".into()]);
    let closed = Backends::new(vec![config]).unwrap();
    request.model = Some(served.clone());
    let err = closed.complete(request.clone()).await.unwrap_err();
    assert!(matches!(err, gantry_core::Error::Forbidden { .. }), "{err}");
    assert!(err.to_string().contains(&served), "{err}");
    assert!(closed.list_models().await.unwrap().is_empty());
    // What it allows is served, listed or not.
    request.model = Some("house-model".into());
    assert!(!closed.complete(request).await.unwrap().text.is_empty());
}

#[tokio::test]
async fn llama_cpp_loads_models_on_demand_and_says_so() {
    let Some(url) = server_url() else { return };
    let _turn = SERVER.lock().await;
    let llm = backend(&url);
    assert_eq!(llm.loaded_model().await.unwrap(), LoadedModel::OnDemand);
    assert_eq!(
        llm.load_model("anything").await.unwrap(),
        LoadedModel::OnDemand
    );
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}
