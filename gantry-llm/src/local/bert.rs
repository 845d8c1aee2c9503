//! A BERT encoder (as in all-MiniLM-L6-v2) on candle, for inference only.
//!
//! Written out here rather than taken from `candle-transformers` so the query, key and value
//! projections run as one matrix product, and so the crate does not compile a hundred
//! unrelated models.

use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};

/// The fields of a Hugging Face `config.json` this encoder needs.
#[derive(Clone, Debug, serde::Deserialize)]
pub(crate) struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub hidden_act: Option<String>,
}

fn default_eps() -> f64 {
    1e-12
}

fn layer_norm(size: usize, eps: f64, vb: VarBuilder) -> candle_core::Result<LayerNorm> {
    let weight = vb.get(size, "weight")?;
    let bias = vb.get(size, "bias")?;
    Ok(LayerNorm::new(weight, bias, eps))
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
    heads: usize,
    head_dim: usize,
}

impl Layer {
    fn load(vb: VarBuilder, c: &BertConfig) -> candle_core::Result<Self> {
        let h = c.hidden_size;
        let attention = vb.pp("attention");
        let own = attention.pp("self");
        // One [3h, h] projection instead of three [h, h] ones.
        let weights = ["query", "key", "value"]
            .map(|name| own.pp(name).get((h, h), "weight"))
            .into_iter()
            .collect::<candle_core::Result<Vec<_>>>()?;
        let biases = ["query", "key", "value"]
            .map(|name| own.pp(name).get(h, "bias"))
            .into_iter()
            .collect::<candle_core::Result<Vec<_>>>()?;
        let qkv = Linear::new(Tensor::cat(&weights, 0)?, Some(Tensor::cat(&biases, 0)?));
        let linear = |vb: VarBuilder, inp: usize, out: usize| -> candle_core::Result<Linear> {
            Ok(Linear::new(
                vb.get((out, inp), "weight")?,
                Some(vb.get(out, "bias")?),
            ))
        };
        Ok(Self {
            qkv,
            attention_out: linear(attention.pp("output").pp("dense"), h, h)?,
            attention_norm: layer_norm(
                h,
                c.layer_norm_eps,
                attention.pp("output").pp("LayerNorm"),
            )?,
            intermediate: linear(vb.pp("intermediate").pp("dense"), h, c.intermediate_size)?,
            output: linear(vb.pp("output").pp("dense"), c.intermediate_size, h)?,
            output_norm: layer_norm(h, c.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
            heads: c.num_attention_heads,
            head_dim: h / c.num_attention_heads,
        })
    }

    /// `x`: [batch, len, hidden]; `mask`: [batch, 1, 1, len], 0 for tokens and a large
    /// negative number for padding.
    fn forward(&self, x: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (b, l, h) = x.dims3()?;
        let qkv = self
            .qkv
            .forward(x)?
            .reshape((b, l, 3, self.heads, self.head_dim))?
            .permute((2, 0, 3, 1, 4))?; // [3, b, heads, l, d]
        let q = qkv.get(0)?.contiguous()?;
        let k = qkv.get(1)?.contiguous()?;
        let v = qkv.get(2)?.contiguous()?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, l, h))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + x)?)?;
        let inner = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.output_norm
            .forward(&(self.output.forward(&inner)? + attended)?)
    }
}

/// The encoder: embeddings and layers, returning the last hidden states.
pub(crate) struct Bert {
    words: Embedding,
    positions: Embedding,
    types: Embedding,
    norm: LayerNorm,
    layers: Vec<Layer>,
    pub hidden_size: usize,
}

impl Bert {
    pub(crate) fn load(vb: VarBuilder, c: &BertConfig) -> candle_core::Result<Self> {
        if c.hidden_act.as_deref().is_some_and(|a| a != "gelu") {
            candle_core::bail!(
                "only gelu activations are supported, not {:?}",
                c.hidden_act
            );
        }
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let e = vb.pp("embeddings");
        let h = c.hidden_size;
        Ok(Self {
            words: Embedding::new(e.pp("word_embeddings").get((c.vocab_size, h), "weight")?, h),
            positions: Embedding::new(
                e.pp("position_embeddings")
                    .get((c.max_position_embeddings, h), "weight")?,
                h,
            ),
            types: Embedding::new(
                e.pp("token_type_embeddings")
                    .get((c.type_vocab_size, h), "weight")?,
                h,
            ),
            norm: layer_norm(h, c.layer_norm_eps, e.pp("LayerNorm"))?,
            layers: (0..c.num_hidden_layers)
                .map(|i| Layer::load(vb.pp("encoder").pp("layer").pp(i), c))
                .collect::<candle_core::Result<_>>()?,
            hidden_size: h,
        })
    }

    /// `ids` and `mask`: [batch, len] (`mask` 1 for tokens, 0 for padding), as u32.
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (b, l) = ids.dims2()?;
        let device: &Device = ids.device();
        let positions = Tensor::arange(0u32, l as u32, device)?;
        let types = Tensor::zeros((b, l), DType::U32, device)?;
        let x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .add(&self.types.forward(&types)?)?;
        let mut x = self.norm.forward(&x)?;
        // 0 where a token is, -1e4 where padding is (exp underflows to 0 either way, and
        // this stays finite, unlike f32::MIN, when added to a score).
        let additive = ((mask.to_dtype(DType::F32)? - 1.0)? * 1e4)?.reshape((b, 1, 1, l))?;
        for layer in &self.layers {
            x = layer.forward(&x, &additive)?;
        }
        Ok(x)
    }
}

/// Mean of the hidden states over real tokens, then L2-normalised: [batch, hidden].
pub(crate) fn mean_pool_normalised(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // [b, l, 1]
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // [b, h]
    let counts = mask.sum(1)?.clamp(1.0, f64::MAX)?; // [b, 1]
    let mean = summed.broadcast_div(&counts)?;
    let norm = mean
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12, f64::MAX)?;
    mean.broadcast_div(&norm)
}
