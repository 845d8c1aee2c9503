//! The in-process MiniLM embedder, on the real all-MiniLM-L6-v2 weights (fetched by
//! `scripts/fetch-models`; its directory arrives in `GANTRY_MINILM_DIR`).

use gantry_core::llm::Embedder;
use gantry_llm::{MiniLmEmbedder, MiniLmOptions};

fn model_dir() -> Option<String> {
    gantry_test::service("GANTRY_MINILM_DIR", "MiniLM test")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| (*t).to_owned()).collect()
}

#[tokio::test]
async fn matches_the_reference_embedding() {
    let Some(dir) = model_dir() else { return };
    let embedder = MiniLmEmbedder::load(&dir).unwrap();
    assert_eq!(embedder.dimension(), 384);
    let v = embedder
        .embed(&strings(&["hello world"]))
        .await
        .unwrap()
        .remove(0);
    let reference = [-0.0344773, 0.0310232, 0.0067350];
    for (got, want) in v.iter().zip(reference) {
        assert!((got - want).abs() < 1e-4, "{:?} vs {reference:?}", &v[..3]);
    }
    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5);
}

#[tokio::test]
async fn similar_sentences_are_close_and_unrelated_ones_are_not() {
    let Some(dir) = model_dir() else { return };
    let embedder = MiniLmEmbedder::load(&dir).unwrap();
    let v = embedder
        .embed(&strings(&[
            "a cat",
            "a kitten",
            "quarterly tax filing deadlines",
            "the orbit of Jupiter",
        ]))
        .await
        .unwrap();
    assert!(
        cosine(&v[0], &v[1]) > 0.7,
        "cat/kitten {}",
        cosine(&v[0], &v[1])
    );
    assert!(
        cosine(&v[0], &v[2]).abs() < 0.2,
        "cat/tax {}",
        cosine(&v[0], &v[2])
    );
    assert!(
        cosine(&v[2], &v[3]).abs() < 0.2,
        "tax/jupiter {}",
        cosine(&v[2], &v[3])
    );
}

#[tokio::test]
async fn batching_and_padding_do_not_change_a_vector() {
    let Some(dir) = model_dir() else { return };
    let embedder = MiniLmEmbedder::load_with(
        &dir,
        MiniLmOptions {
            batch_size: 3,
            ..MiniLmOptions::default()
        },
    )
    .unwrap();
    let texts = strings(&[
        "short",
        "a considerably longer sentence about proteins folding into their native structures",
        "",
        "medium length words here",
        "émigré café naïveté — Unicode survives tokenizing",
    ]);
    let batch = embedder.embed(&texts).await.unwrap();
    assert_eq!(batch.len(), texts.len());
    for (text, vector) in texts.iter().zip(&batch) {
        let alone = embedder.embed(std::slice::from_ref(text)).await.unwrap();
        assert!(
            cosine(&alone[0], vector) > 0.9999,
            "`{text}`: {}",
            cosine(&alone[0], vector)
        );
    }
}

#[tokio::test]
async fn long_input_is_truncated_not_refused() {
    let Some(dir) = model_dir() else { return };
    let embedder = MiniLmEmbedder::load(&dir).unwrap();
    let long = "protein ".repeat(3_000);
    let v = embedder.embed(&[long]).await.unwrap();
    assert_eq!(v[0].len(), 384);
    assert!(v[0].iter().all(|x| x.is_finite()));
}

#[test]
fn a_missing_or_incomplete_model_directory_is_named() {
    let err = MiniLmEmbedder::load("/nonexistent/minilm").unwrap_err();
    assert_eq!(err.invalid_field(), Some("model_dir"));
    assert!(err.to_string().contains("/nonexistent/minilm"), "{err}");

    let dir = std::env::temp_dir().join(format!("gantry-minilm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), "{}").unwrap();
    let err = MiniLmEmbedder::load(&dir).unwrap_err();
    assert!(err.to_string().contains("missing tokenizer.json"), "{err}");
    std::fs::write(dir.join("tokenizer.json"), "{}").unwrap();
    std::fs::write(dir.join("model.safetensors"), "not weights").unwrap();
    let err = MiniLmEmbedder::load(&dir).unwrap_err();
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
