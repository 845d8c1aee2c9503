//! Plugging in your own chat model: anything that implements `ChatModel` can answer.
//!
//! This one wraps the OpenAI-compatible server at `GANTRY_LLM_URL` and keeps a tally of
//! the calls and tokens that pass through it; a model running in-process, or a router
//! across providers, plugs in the same way.
//!
//! `GANTRY_LLM_URL=http://127.0.0.1:8080/v1 cargo run --example custom_backend`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use gantry::llm::{ChatEvent, ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use gantry::model::NewConversation;
use gantry::{BackendConfig, Config, Gantry, NewAccount, OpenAiBackend, TurnOptions};

/// Counts calls and generated tokens, then lets the wrapped model answer.
struct Tally {
    inner: OpenAiBackend,
    calls: AtomicU64,
    tokens: Arc<AtomicU64>,
}

#[async_trait]
impl ChatModel for Tally {
    async fn complete(&self, request: ChatRequest) -> gantry::Result<ChatResponse> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let response = self.inner.complete(request).await?;
        let generated = response.usage.map_or(0, |u| u64::from(u.completion_tokens));
        self.tokens.fetch_add(generated, Ordering::Relaxed);
        Ok(response)
    }

    async fn stream(&self, request: ChatRequest) -> gantry::Result<ChatStream> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let tokens = self.tokens.clone();
        let stream = self.inner.stream(request).await?;
        Ok(stream
            .inspect(move |event| {
                if let Ok(ChatEvent::Usage(usage)) = event {
                    tokens.fetch_add(u64::from(usage.completion_tokens), Ordering::Relaxed);
                }
            })
            .boxed())
    }

    async fn list_models(&self) -> gantry::Result<Vec<ModelInfo>> {
        self.inner.list_models().await
    }
}

#[tokio::main]
async fn main() -> gantry::Result<()> {
    let url = std::env::var("GANTRY_LLM_URL")
        .map_err(|_| gantry::Error::invalid("GANTRY_LLM_URL", "must name the model server"))?;
    let tally = Arc::new(Tally {
        inner: OpenAiBackend::new(BackendConfig::new("mine", url))?,
        calls: AtomicU64::new(0),
        tokens: Arc::new(AtomicU64::new(0)),
    });
    let mut config = Config::load(None)?;
    config.data_dir = std::env::temp_dir().join(format!("gantry-custom-{}", std::process::id()));
    let gantry = Gantry::builder(config.clone())
        .chat_model(tally.clone())
        .open()
        .await?;

    let user = gantry
        .register(NewAccount::new("me@example.com", "Me", "a long passphrase"))
        .await?;
    let me = gantry.for_user(user.id);
    let chat = me.create_conversation(NewConversation::default()).await?;
    let answer = me
        .chat(
            chat.id,
            "Name three colours of the rainbow.",
            TurnOptions::default(),
        )
        .await?
        .answer()
        .await?;
    println!("{}", answer.message.content.trim());
    gantry.close().await?;
    println!(
        "\nthe custom model was called {} times and generated {} tokens",
        tally.calls.load(Ordering::Relaxed),
        tally.tokens.load(Ordering::Relaxed)
    );
    std::fs::remove_dir_all(&config.data_dir).ok();
    Ok(())
}
