//! A stand-in embedder for benchmarks, named so: each word adds ±1 to eight hashed
//! dimensions of 384 (the all-MiniLM-L6-v2 size), so vectors cluster by shared words and
//! an HNSW walk does real work, without the cost of a model.
#![allow(dead_code, unreachable_pub)]

use async_trait::async_trait;
use gantry::llm::Embedder;

pub const DIMENSION: usize = 384;

/// Bench stand-in for an embedder.
#[derive(Debug)]
pub struct HashEmbedder;

/// The vector of `text`, unit length.
pub fn hash_embed(text: &str) -> Vec<f32> {
    let mut v = vec![0f32; DIMENSION];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
    {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in word.to_lowercase().bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        for k in 0..8 {
            let bits = h.rotate_left(k * 8);
            let sign = if bits & 1 == 0 { 1.0 } else { -1.0 };
            v[(bits >> 1) as usize % DIMENSION] += sign;
        }
    }
    // A small constant part keeps a text without words (or whose words cancel) non-zero.
    v[DIMENSION - 1] += 0.25;
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

#[async_trait]
impl Embedder for HashEmbedder {
    async fn embed(&self, texts: &[String]) -> gantry::Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| hash_embed(t)).collect())
    }

    fn dimension(&self) -> usize {
        DIMENSION
    }

    fn model_id(&self) -> &str {
        "bench-hash-384"
    }
}
