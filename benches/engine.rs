//! The engine's own cost of a chat turn, excluding the model's generation and embedding
//! time, with 100,000 document chunks in the indexes; and a turn in a conversation of
//! 10,000 messages against one of 10.
//!
//! `cargo bench --bench engine`
//!
//! The parts are the real ones (SQLite file, HNSW and tantivy indexes, the knowledge graph,
//! the engine) except two stand-ins, named so: the chat model answers a fixed three-token
//! reply at once (generation is excluded), and the embedder hashes words into 384
//! dimensions (embedding is excluded; vectors still cluster by shared words, so the HNSW
//! walk does real work). Chunks are windows of three SciFact sentences, 8 per document.
//! A turn is timed from `chat()` to the saved answer; its two messages are deleted after
//! the timing, so conversations keep their size. Prints p50/p95 over 300 turns of each
//! kind, then criterion's measurements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/hash_embed.rs"]
mod hash_embed;
#[path = "support/scifact.rs"]
mod scifact;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};
use futures::stream;
use gantry::engine::{Engine, EngineParts, EngineSettings};
use gantry::llm::{
    ChatEvent, ChatModel, ChatRequest, ChatResponse, ChatStream, Embedder, ModelInfo, TokenUsage,
};
use gantry::model::{MessageRole, NewConversation, NewDocument, NewMessage, NewUser, Role};
use gantry::store::prelude::*;
use gantry::{ConversationId, SqliteStore, TurnOptions, UserId};
use gantry_core::index::IndexedItem;
use gantry_core::store::ChangeKind;
use gantry_memory::{
    ExtractionMode, GraphLearner, GraphMemory, HybridOptions, HybridRetriever, RetrievalStack,
    approx_tokens,
};
use hash_embed::{HashEmbedder, hash_embed};

const CHUNKS: usize = 100_000;
const CHUNKS_PER_DOCUMENT: usize = 8;

/// Bench stand-in for a model: a fixed reply, at once.
struct InstantModel;

#[async_trait]
impl ChatModel for InstantModel {
    async fn complete(&self, _: ChatRequest) -> gantry::Result<ChatResponse> {
        Ok(ChatResponse {
            text: "A short title".into(),
            model: "instant".into(),
            usage: None,
            finish_reason: Some("stop".into()),
        })
    }

    async fn stream(&self, _: ChatRequest) -> gantry::Result<ChatStream> {
        let events = ["The ", "answer", "."]
            .into_iter()
            .map(|t| Ok(ChatEvent::Token(t.to_owned())))
            .chain([Ok(ChatEvent::Usage(TokenUsage {
                prompt_tokens: 100,
                completion_tokens: 3,
            }))]);
        Ok(Box::pin(stream::iter(events.collect::<Vec<_>>())))
    }

    async fn list_models(&self) -> gantry::Result<Vec<ModelInfo>> {
        Ok(Vec::new())
    }
}

struct Setup {
    engine: Engine,
    /// The store under the engine, to clean up between turns without the engine's index
    /// sync (the bench measures turns, not deletions).
    store: Arc<SqliteStore>,
    retriever: Arc<HybridRetriever>,
    user: UserId,
    short: ConversationId,
    long: ConversationId,
    questions: Vec<String>,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(dir.path().join("gantry.db"))
            .await
            .unwrap(),
    );
    let user = store
        .create_user(NewUser {
            email: "bench@example.com".into(),
            display_name: "Bench".into(),
            password_hash: "x".into(),
            role: Role::User,
        })
        .await
        .unwrap()
        .id;

    let started = Instant::now();
    let docs = scifact::corpus();
    let sentences = scifact::all_sentences(&docs);
    let mut documents = Vec::with_capacity(CHUNKS / CHUNKS_PER_DOCUMENT);
    for i in 0..CHUNKS / CHUNKS_PER_DOCUMENT {
        let document = store
            .create_document(
                user,
                NewDocument {
                    filename: format!("paper-{i}.txt"),
                    content_type: "text/plain".into(),
                    size_bytes: 4_000,
                },
            )
            .await
            .unwrap();
        documents.push(document.id);
    }
    let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder);
    // Fused as `Gantry` fuses by default.
    let stack =
        RetrievalStack::in_memory(store.clone(), Some(embedder), HybridOptions::default()).unwrap();
    let keywords = stack.indexer.keywords().unwrap().clone();
    let vectors = stack.indexer.vectors().unwrap().index.clone();
    let n = sentences.len();
    let all: Vec<(IndexedItem, String)> = (0..CHUNKS)
        .map(|i| {
            let start = (i * 7) % (n - 2);
            let item = IndexedItem {
                id: uuid::Uuid::now_v7(),
                owner_id: user,
                kind: ChangeKind::Chunk,
                parent_id: documents[i / CHUNKS_PER_DOCUMENT].0,
            };
            (item, sentences[start..start + 3].join(" "))
        })
        .collect();
    for (i, batch) in all.chunks(10_000).enumerate() {
        keywords
            .apply(batch.to_vec(), &[], i as i64 + 1)
            .await
            .unwrap();
        let embedded: Vec<_> = batch
            .iter()
            .map(|(item, text)| (*item, hash_embed(text)))
            .collect();
        vectors.upsert(embedded).await.unwrap();
    }
    eprintln!(
        "{CHUNKS} chunks in {} documents indexed in {:.0} s",
        documents.len(),
        started.elapsed().as_secs_f64()
    );

    let graph = Arc::new(GraphMemory::new(store.clone()));
    let retriever = stack.retriever.clone();
    let engine = Engine::new(EngineParts {
        store: store.clone(),
        chat: Some(Arc::new(InstantModel)),
        retriever: Some(retriever.clone()),
        index: Some(stack.indexer.clone()),
        graph: Some(graph.clone()),
        learner: Some(Arc::new(GraphLearner::new(
            graph,
            ExtractionMode::Deterministic,
        ))),
        documents: None,
        count_tokens: Some(Arc::new(approx_tokens)),
        settings: EngineSettings {
            title_with_model: false,
            // The long conversation holds 10,000 messages, the default quota's size.
            quotas: gantry::model::Quotas {
                messages_per_conversation: 20_000,
                ..gantry::model::Quotas::default()
            },
            ..EngineSettings::default()
        },
    })
    .unwrap();

    let conversation = |title: &str| NewConversation {
        title: title.into(),
        ..NewConversation::default()
    };
    let short = store
        .create_conversation(user, conversation("ten"))
        .await
        .unwrap()
        .id;
    let long = store
        .create_conversation(user, conversation("ten thousand"))
        .await
        .unwrap()
        .id;
    for (id, count) in [(short, 10), (long, 10_000)] {
        for i in 0..count {
            let role = if i % 2 == 0 {
                MessageRole::User
            } else {
                MessageRole::Assistant
            };
            let text = &sentences[(i * 13) % n];
            store
                .append_message(user, id, NewMessage::new(role, text.clone()))
                .await
                .unwrap();
        }
    }
    let questions = scifact::queries().into_iter().map(|(_, q)| q).collect();
    Setup {
        engine,
        store,
        retriever,
        user,
        short,
        long,
        questions,
        _dir: dir,
    }
}

/// One turn, timed from `chat()` to the saved answer; its messages are then removed.
async fn turn(setup: &Setup, conversation: ConversationId, question: &str) -> Duration {
    let started = Instant::now();
    let turn = setup
        .engine
        .for_user(setup.user)
        .chat(conversation, question, TurnOptions::default())
        .await
        .unwrap();
    let question_id = turn.question().id;
    let answer = turn.answer().await.unwrap();
    let took = started.elapsed();
    setup.engine.idle().await;
    let store = &setup.store;
    store
        .delete_message(setup.user, answer.message.id)
        .await
        .unwrap();
    store.delete_message(setup.user, question_id).await.unwrap();
    took
}

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

fn engine_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let setup = rt.block_on(setup());
    rt.block_on(async {
        let mut times = [Vec::new(), Vec::new()];
        for (i, question) in setup.questions.iter().take(300).enumerate() {
            times[0].push(turn(&setup, setup.short, question).await);
            times[1].push(turn(&setup, setup.long, question).await);
            if i == 0 {
                times[0].clear();
                times[1].clear();
            }
        }
        // Where a turn's time goes: the retrieval it makes (2k = 16 items) and one durable
        // message write (a turn makes two), each on its own.
        let filter = gantry_core::index::SearchFilter {
            owner_id: setup.user,
            kind: None,
            parents: vec![],
        };
        let (mut retrieval, mut write) = (Vec::new(), Vec::new());
        for question in setup.questions.iter().take(300) {
            let started = Instant::now();
            gantry_core::engine::Retriever::retrieve(
                setup.retriever.as_ref(),
                question,
                &filter,
                16,
            )
            .await
            .unwrap();
            retrieval.push(started.elapsed());
            let store = &setup.store;
            let started = Instant::now();
            let saved = store
                .append_message(
                    setup.user,
                    setup.short,
                    NewMessage::new(MessageRole::User, question.clone()),
                )
                .await
                .unwrap();
            write.push(started.elapsed());
            store.delete_message(setup.user, saved.id).await.unwrap();
        }
        let (p50r, _) = percentiles(retrieval);
        let (p50w, _) = percentiles(write);
        eprintln!("parts: retrieval of 16 items p50 {p50r:?}; one message write p50 {p50w:?}");
        let [short, long] = times;
        let (p50s, p95s) = percentiles(short);
        let (p50l, p95l) = percentiles(long);
        eprintln!("turn, 10-message conversation, {CHUNKS} chunks: p50 {p50s:?}, p95 {p95s:?}");
        eprintln!("turn, 10,000-message conversation, {CHUNKS} chunks: p50 {p50l:?}, p95 {p95l:?}");
        eprintln!(
            "ratio of p50s (10,000 / 10): {:.3}",
            p50l.as_secs_f64() / p50s.as_secs_f64()
        );
    });

    let mut group = c.benchmark_group("chat_turn_100k_chunks");
    for (name, conversation) in [
        ("conversation_10", setup.short),
        ("conversation_10000", setup.long),
    ] {
        let mut next = 0usize;
        group.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iterations| {
                let setup = &setup;
                let start = next;
                next += iterations as usize;
                async move {
                    let mut total = Duration::ZERO;
                    for i in 0..iterations as usize {
                        let question = &setup.questions[(start + i) % setup.questions.len()];
                        total += turn(setup, conversation, question).await;
                    }
                    total
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, engine_benches);
criterion_main!(benches);
