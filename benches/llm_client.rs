//! What gantry-llm adds on top of the HTTP it speaks: time to first token and streaming
//! tokens per second through the client, against a raw reqwest request with the same body
//! to the same llama-server. Needs the server:
//!
//! `GANTRY_LLM_URL=$(scripts/llm-server start | tail -n1) cargo bench --bench llm_client`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use gantry::llm::{ChatEvent, ChatMessage, ChatModel, ChatRequest};
use gantry::model::MessageRole;
use gantry_llm::{BackendConfig, OpenAiBackend};

fn request(max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage {
            role: MessageRole::User,
            content: "Write a short story about a lighthouse keeper.".into(),
        }],
        temperature: Some(0.0),
        seed: Some(7),
        max_tokens: Some(max_tokens),
        ..Default::default()
    }
}

fn raw_body(max_tokens: u32) -> String {
    serde_json::json!({
        "messages": [{"role": "user", "content": "Write a short story about a lighthouse keeper."}],
        "temperature": 0.0, "seed": 7, "max_tokens": max_tokens,
        "stream": true, "stream_options": {"include_usage": true}
    })
    .to_string()
}

/// Reads a raw SSE response until the first content token, or to the end; returns the time
/// to the first token and the number of content chunks.
async fn raw_stream(
    http: &reqwest::Client,
    url: &str,
    body: &str,
    to_end: bool,
) -> (Duration, usize) {
    let start = Instant::now();
    // Like the client, send again when a pooled connection turns out closed.
    let mut attempt = 0;
    let response = loop {
        let sent = http
            .post(format!("{url}/chat/completions"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await;
        match sent {
            Ok(response) => break response,
            Err(e) if attempt < 3 && e.is_request() => attempt += 1,
            Err(e) => panic!("{e}"),
        }
    };
    let mut bytes = response.bytes_stream();
    let (mut first, mut tokens) = (None, 0);
    let mut pending = Vec::new();
    while let Some(chunk) = bytes.next().await {
        pending.extend_from_slice(&chunk.unwrap());
        while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = pending.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            if text.contains("\"content\":\"") && !text.contains("\"content\":\"\"") {
                tokens += 1;
                first.get_or_insert_with(|| start.elapsed());
                if !to_end {
                    return (first.unwrap(), tokens);
                }
            }
        }
    }
    (first.unwrap_or_default(), tokens)
}

async fn client_stream(llm: &OpenAiBackend, max_tokens: u32, to_end: bool) -> (Duration, usize) {
    let start = Instant::now();
    let mut stream = llm.stream(request(max_tokens)).await.unwrap();
    let (mut first, mut tokens) = (None, 0);
    while let Some(event) = stream.next().await {
        if let ChatEvent::Token(_) = event.unwrap() {
            tokens += 1;
            first.get_or_insert_with(|| start.elapsed());
            if !to_end {
                break;
            }
        }
    }
    (first.unwrap_or_default(), tokens)
}

fn llm_benches(c: &mut Criterion) {
    let url =
        std::env::var("GANTRY_LLM_URL").expect("set GANTRY_LLM_URL (scripts/llm-server start)");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let llm = OpenAiBackend::new(BackendConfig::new("llama", &url)).unwrap();
    let http = reqwest::Client::new();

    let mut group = c.benchmark_group("time_to_first_token");
    group.sample_size(60);
    group.bench_function("raw_http", |b| {
        let body = raw_body(64);
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += raw_stream(&http, &url, &body, false).await.0;
                }
                total
            })
        });
    });
    group.bench_function("gantry_llm", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += client_stream(&llm, 64, false).await.0;
                }
                total
            })
        });
    });
    group.finish();

    let tokens = rt.block_on(client_stream(&llm, 128, true)).1;
    let raw_tokens = rt.block_on(raw_stream(&http, &url, &raw_body(128), true)).1;
    eprintln!(
        "a 128-token answer streams as {tokens} token events through gantry-llm, {raw_tokens} raw"
    );
    let mut group = c.benchmark_group("stream_128_tokens");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(tokens as u64));
    group.bench_function("raw_http", |b| {
        let body = raw_body(128);
        b.iter(|| rt.block_on(raw_stream(&http, &url, &body, true)));
    });
    group.bench_function("gantry_llm", |b| {
        b.iter(|| rt.block_on(client_stream(&llm, 128, true)))
    });
    group.finish();

    // The server's own pace drifts (an aborted generation still finishing, the other core
    // busy); alternating the two clients request by request cancels that out.
    let mut runs: [Vec<(Duration, Duration)>; 2] = [Vec::new(), Vec::new()];
    rt.block_on(async {
        let body = raw_body(128);
        for round in 0..12 {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for who in order {
                let start = Instant::now();
                let (first, _) = if who == 1 {
                    client_stream(&llm, 128, true).await
                } else {
                    raw_stream(&http, &url, &body, true).await
                };
                runs[who].push((first, start.elapsed()));
            }
        }
    });
    let median = |v: &[(Duration, Duration)], pick: fn(&(Duration, Duration)) -> Duration| {
        let mut xs: Vec<Duration> = v.iter().map(pick).collect();
        xs.sort();
        xs[xs.len() / 2].as_secs_f64()
    };
    let first = |r: &(Duration, Duration)| r.0;
    let total = |r: &(Duration, Duration)| r.1;
    eprintln!(
        "interleaved, 12 rounds of whole 128-token streams: first token raw {:.2} ms, \
         gantry-llm {:.2} ms; tokens/s raw {:.1}, gantry-llm {:.1}",
        median(&runs[0], first) * 1e3,
        median(&runs[1], first) * 1e3,
        tokens as f64 / median(&runs[0], total),
        tokens as f64 / median(&runs[1], total),
    );
}

criterion_group!(benches, llm_benches);
criterion_main!(benches);
