//! Embeddings of benchmark text, computed once and kept outside the repository
//! (`$GANTRY_CACHE/embeddings`, default `~/.cache/gantry/embeddings`), so benchmarks and
//! evaluations do not re-embed 50,000 sentences on every run.
//!
//! A cache file is the vectors as little-endian f32s, row after row; beside it a JSON
//! sidecar names the model, the dimension, the row count and a hash of the texts, and a
//! file whose sidecar does not match is recomputed.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::path::PathBuf;

use gantry_llm::Embedder;

/// Where cached embeddings live.
pub fn dir() -> PathBuf {
    let cache = std::env::var_os("GANTRY_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/gantry"),
        PathBuf::from,
    );
    cache.join("embeddings")
}

/// A stable (FNV-1a) hash of the texts, so a changed text set invalidates the cache.
fn fingerprint(texts: &[String]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for text in texts {
        for byte in text.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The embeddings of `texts` under `name`, from the cache or computed (in batches of 512,
/// with progress on stderr) and then cached.
pub async fn embeddings(name: &str, texts: &[String], embedder: &dyn Embedder) -> Vec<Vec<f32>> {
    let safe_model: String = embedder
        .model_id()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let data = dir().join(format!("{name}.{safe_model}.f32"));
    let meta = dir().join(format!("{name}.{safe_model}.json"));
    let expected = serde_json::json!({
        "model": embedder.model_id(),
        "dimension": embedder.dimension(),
        "rows": texts.len(),
        "texts": fingerprint(texts),
    });
    let cached = std::fs::read_to_string(&meta)
        .ok()
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok());
    let dim = embedder.dimension();
    let bytes = std::fs::read(&data)
        .ok()
        .filter(|bytes| cached.as_ref() == Some(&expected) && bytes.len() == texts.len() * dim * 4);
    if let Some(bytes) = bytes {
        eprintln!("embeddings: using {}", data.display());
        return bytes
            .chunks_exact(dim * 4)
            .map(|row| {
                row.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect()
            })
            .collect();
    }
    eprintln!(
        "embeddings: computing {} vectors for {name} (cached in {})",
        texts.len(),
        data.display()
    );
    let started = std::time::Instant::now();
    let mut vectors = Vec::with_capacity(texts.len());
    for batch in texts.chunks(512) {
        vectors.extend(
            embedder
                .embed(batch)
                .await
                .expect("embedding benchmark text"),
        );
        let done = vectors.len();
        let rate = done as f64 / started.elapsed().as_secs_f64();
        eprintln!("embeddings: {done}/{} ({rate:.0}/s)", texts.len());
    }
    std::fs::create_dir_all(dir()).expect("creating the embedding cache directory");
    let bytes: Vec<u8> = vectors
        .iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let tmp = dir().join(format!("{name}.{safe_model}.f32.tmp"));
    std::fs::write(&tmp, bytes).expect("writing the embedding cache");
    std::fs::rename(&tmp, &data).expect("writing the embedding cache");
    std::fs::write(&meta, expected.to_string()).expect("writing the embedding cache");
    vectors
}
