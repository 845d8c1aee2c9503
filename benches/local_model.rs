//! The in-process chat model beside llama.cpp's `llama-server`, same GGUF file, same
//! machine, same thread count (2 here): prompt-reading and generation speed in tokens per
//! second, time from start to ready, and memory against the file plus the KV cache.
//!
//! `GANTRY_LLM_URL=$(scripts/llm-server start | tail -n1) GANTRY_MODELS_DIR=$(dirname $(scripts/fetch-models | tail -n1)) cargo bench --features gguf --bench local_model`
//!
//! Each round asks both engines the same greedy question (a ~450-token prompt, 128 answer
//! tokens), alternating, on a prompt neither has cached. In process, prompt speed is the
//! prompt's tokens over the time to the first token; generation speed is the remaining
//! tokens over the rest of the time. llama-server's figures are its own `timings` (which
//! leave out HTTP) and, to compare like with like, the same wall-clock split over its
//! streamed answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;
use std::time::Instant;

use futures::StreamExt;
use gantry::llm::{ChatEvent, ChatMessage, ChatModel, ChatRequest};
use gantry::model::MessageRole;
use gantry_llm::gguf::{GgufChatModel, GgufOptions};
use gantry_llm::{BackendConfig, BackendKind, OpenAiBackend};

const MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const ROUNDS: usize = 6;
const ANSWER_TOKENS: u32 = 128;

/// The resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// A prompt of about 450 tokens that no engine has seen: the round number comes first.
fn request(round: usize) -> ChatRequest {
    let context = "The lighthouse stood on a rock at the mouth of the bay. Every evening the \
        keeper climbed the spiral stairs, trimmed the wick, polished the great lens and \
        watched the ships pass. "
        .repeat(9);
    ChatRequest {
        messages: vec![
            ChatMessage {
                role: MessageRole::System,
                content: format!("Session {round}. You are a storyteller."),
            },
            ChatMessage {
                role: MessageRole::User,
                content: format!("{context}\nContinue this story at length."),
            },
        ],
        temperature: Some(0.0),
        max_tokens: Some(ANSWER_TOKENS),
        ..ChatRequest::default()
    }
}

/// Prompt tokens/s (over the time to the first token) and generated tokens/s (the rest),
/// and the token counts, from one streamed answer.
struct Speed {
    prompt_tps: f64,
    gen_tps: f64,
    prompt_tokens: u32,
    gen_tokens: u32,
}

async fn measure(model: &dyn ChatModel, request: ChatRequest) -> Speed {
    let started = Instant::now();
    let mut stream = model.stream(request).await.unwrap();
    let mut first = None;
    let mut usage = None;
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            ChatEvent::Token(_) => {
                first.get_or_insert_with(Instant::now);
            }
            ChatEvent::Usage(u) => usage = Some(u),
        }
    }
    let ended = Instant::now();
    let first = first.unwrap();
    let usage = usage.unwrap();
    let ttft = first - started;
    Speed {
        prompt_tps: f64::from(usage.prompt_tokens) / ttft.as_secs_f64(),
        gen_tps: f64::from(usage.completion_tokens.saturating_sub(1))
            / (ended - first).as_secs_f64(),
        prompt_tokens: usage.prompt_tokens,
        gen_tokens: usage.completion_tokens,
    }
}

/// llama-server's own account of one answer: prompt and generated tokens per second.
async fn server_timings(base: &str, prompt: &[u32]) -> (f64, f64) {
    let body = serde_json::json!({
        "prompt": prompt, "n_predict": ANSWER_TOKENS, "temperature": 0.0, "cache_prompt": false
    });
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/completion"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = &answer["timings"];
    (
        t["prompt_per_second"].as_f64().unwrap(),
        t["predicted_per_second"].as_f64().unwrap(),
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let dir = std::env::var("GANTRY_MODELS_DIR").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gantry/models"),
        PathBuf::from,
    );
    let path = dir.join(MODEL_FILE);
    let file_bytes = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/fetch-models)", path.display()))
        .len();
    let url = std::env::var("GANTRY_LLM_URL").ok();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let before = rss();
    let started = Instant::now();
    let model = GgufChatModel::load(&path, GgufOptions::default()).unwrap();
    let ready = started.elapsed();
    let loaded = rss();
    let kv = model.kv_cache_bytes();
    let threads = GgufOptions::default().threads;
    println!(
        "in process: {} ({:.1} MB file), {threads} threads, context {} tokens (KV cache {:.1} MB)",
        model.id(),
        file_bytes as f64 / 1e6,
        model.context_length(),
        kv as f64 / 1e6
    );
    println!("ready in {:.3} s", ready.as_secs_f64());

    let server = url.map(|url| {
        let mut config = BackendConfig::new("llama", &url);
        config.kind = BackendKind::LlamaCpp;
        let base = url.trim_end_matches('/').trim_end_matches("/v1").to_owned();
        (OpenAiBackend::new(config).unwrap(), base)
    });

    let (mut ours_p, mut ours_g, mut theirs_p, mut theirs_g, mut self_p, mut self_g) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    runtime.block_on(async {
        // Warm-up: pages of the file in memory, threads started, on both sides.
        measure(&model, request(1000)).await;
        if let Some((server, _)) = &server {
            measure(server, request(1000)).await;
        }
        for round in 0..ROUNDS {
            let ours = measure(&model, request(round)).await;
            println!(
                "round {round}: in process   {:>6.1} prompt tok/s ({} tokens), {:>6.1} gen tok/s ({} tokens)",
                ours.prompt_tps, ours.prompt_tokens, ours.gen_tps, ours.gen_tokens
            );
            ours_p.push(ours.prompt_tps);
            ours_g.push(ours.gen_tps);
            if let Some((server, base)) = &server {
                let theirs = measure(server, request(round + 100)).await;
                let prompt = model.tokenize(&model.render(&request(round + 200).messages).unwrap());
                let (p, g) = server_timings(base, &prompt).await;
                println!(
                    "round {round}: llama-server {:>6.1} prompt tok/s ({} tokens), {:>6.1} gen tok/s ({} tokens); its own timings {p:.1} / {g:.1}",
                    theirs.prompt_tps, theirs.prompt_tokens, theirs.gen_tps, theirs.gen_tokens
                );
                theirs_p.push(theirs.prompt_tps);
                theirs_g.push(theirs.gen_tps);
                self_p.push(p);
                self_g.push(g);
            }
        }
    });
    let used = rss();
    let peak_model = used.saturating_sub(before);
    println!(
        "memory: {:.1} MB after load, {:.1} MB after answering (process growth over the start); \
         file + KV cache = {:.1} MB; ratio {:.2}",
        loaded.saturating_sub(before) as f64 / 1e6,
        peak_model as f64 / 1e6,
        (file_bytes + kv) as f64 / 1e6,
        peak_model as f64 / (file_bytes + kv) as f64
    );
    println!("\n| engine | prompt tok/s (median) | generated tok/s (median) |");
    println!("|---|---|---|");
    println!(
        "| Gantry in process | {:.0} | {:.0} |",
        median(ours_p.clone()),
        median(ours_g.clone())
    );
    if !theirs_p.is_empty() {
        println!(
            "| llama-server, streamed (wall clock) | {:.0} | {:.0} |",
            median(theirs_p.clone()),
            median(theirs_g.clone())
        );
        println!(
            "| llama-server, its own timings | {:.0} | {:.0} |",
            median(self_p.clone()),
            median(self_g.clone())
        );
        println!(
            "\nin process / llama-server (wall clock): prompt {:.0}%, generation {:.0}%",
            100.0 * median(ours_p) / median(theirs_p),
            100.0 * median(ours_g) / median(theirs_g)
        );
    }
}
