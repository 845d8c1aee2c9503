//! Hybrid search: the vector and keyword (BM25) result lists fused by reciprocal rank.
//!
//! Reciprocal rank fusion scores an item `sum(weight / (k + rank))` over the lists it
//! appears in (rank from 1). It needs no score calibration between cosine similarity and
//! BM25, which live on unrelated scales, and an item found by both lists rises above one
//! found by either alone. Meaning finds paraphrases; words find names, numbers and rare
//! terms the embedding blurs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::index::{KeywordIndex, VectorIndex};
use gantry_core::index::{Hit, IndexedItem, SearchFilter, StageTimings};
use gantry_core::llm::Embedder;
use gantry_core::{Error, Result};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::keyword::Snippet;

/// How a hybrid search ranks and how deep it looks: the one set of retrieval settings
/// (`[retrieval]` in Gantry's configuration, with these defaults).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HybridOptions {
    /// Results returned (for a chat turn: the pieces of context put in front of the
    /// model), 1 to 1,000.
    pub k: usize,
    /// Items taken from each list before fusing (at least `k` are), 1 to 1,000. Deeper is
    /// slightly better and slower (BENCHMARKS.md has the SciFact figures per depth).
    pub depth: usize,
    /// The fusion constant: larger flattens the advantage of the top ranks.
    pub rrf_k: f32,
    /// Weight of the vector list.
    pub vector_weight: f32,
    /// Weight of the keyword list.
    pub keyword_weight: f32,
}

impl Default for HybridOptions {
    fn default() -> Self {
        Self {
            k: 8,
            depth: 20,
            rrf_k: 60.0,
            vector_weight: 1.0,
            keyword_weight: 1.0,
        }
    }
}

impl HybridOptions {
    /// Checks the options: bad values name the field.
    pub fn validate(&self) -> Result<()> {
        if !(1..=1_000).contains(&self.k) {
            return Err(Error::invalid("k", "must be 1 to 1,000"));
        }
        if !(1..=1_000).contains(&self.depth) {
            return Err(Error::invalid("depth", "must be 1 to 1,000"));
        }
        if !(self.rrf_k.is_finite() && self.rrf_k >= 0.0) {
            return Err(Error::invalid(
                "rrf_k",
                "must be a finite number, 0 or more",
            ));
        }
        for (field, w) in [
            ("vector_weight", self.vector_weight),
            ("keyword_weight", self.keyword_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::invalid(field, "must be a finite number, 0 or more"));
            }
        }
        Ok(())
    }
}

/// An item's place in one of the fused lists.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListRank {
    /// 1 for the first.
    pub rank: usize,
    /// The list's own score (cosine similarity or BM25).
    pub score: f32,
}

/// One fused result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HybridHit {
    /// The message or chunk, its owner and its conversation or document.
    pub item: IndexedItem,
    /// The fused score; higher is better.
    pub score: f32,
    /// Its place in the vector list, if it was there.
    pub vector: Option<ListRank>,
    /// Its place in the keyword list, if it was there.
    pub keyword: Option<ListRank>,
    /// The item's text.
    pub text: String,
    /// An excerpt with the query's words marked.
    pub snippet: Snippet,
}

/// Results and timings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HybridResults {
    /// Best first.
    pub hits: Vec<HybridHit>,
    /// Per stage.
    pub timings: StageTimings,
}

/// Fuses ranked lists by weighted reciprocal rank: `(item, fused score, rank in each list)`,
/// best first; ties go to the smaller id so the order is deterministic.
pub fn reciprocal_rank_fusion(
    lists: &[(&[Hit], f32)],
    rrf_k: f32,
) -> Vec<(IndexedItem, f32, Vec<Option<ListRank>>)> {
    let mut fused: HashMap<Uuid, (IndexedItem, f32, Vec<Option<ListRank>>)> = HashMap::new();
    for (list_no, (hits, weight)) in lists.iter().enumerate() {
        for (i, hit) in hits.iter().enumerate() {
            let entry = fused
                .entry(hit.item.id)
                .or_insert_with(|| (hit.item, 0.0, vec![None; lists.len()]));
            if entry.2[list_no].is_some() {
                continue; // a list naming an item twice counts it once, at its best rank
            }
            entry.1 += weight / (rrf_k + (i + 1) as f32);
            entry.2[list_no] = Some(ListRank {
                rank: i + 1,
                score: hit.score,
            });
        }
    }
    let mut fused: Vec<_> = fused.into_values().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
    fused
}

/// Vector and keyword search over the same items, fused.
pub struct HybridSearch {
    embedder: Option<Arc<dyn Embedder>>,
    vectors: Option<Arc<dyn VectorIndex>>,
    keywords: Arc<dyn KeywordIndex>,
}

impl std::fmt::Debug for HybridSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HybridSearch")
            .field("vectors", &self.vectors.is_some())
            .field("keywords", &self.keywords)
            .finish_non_exhaustive()
    }
}

impl HybridSearch {
    /// Hybrid search; without an embedder or vector index it is keyword search alone.
    /// The keyword index also supplies every result's text and snippet.
    pub fn new(
        embedder: Option<Arc<dyn Embedder>>,
        vectors: Option<Arc<dyn VectorIndex>>,
        keywords: Arc<dyn KeywordIndex>,
    ) -> Self {
        let (embedder, vectors) = match (embedder, vectors) {
            (Some(e), Some(v)) => (Some(e), Some(v)),
            _ => (None, None),
        };
        Self {
            embedder,
            vectors,
            keywords,
        }
    }

    /// Whether searches use meaning as well as words.
    pub fn has_vectors(&self) -> bool {
        self.vectors.is_some()
    }

    /// Searches `query` among the items `filter` allows. When the embedder fails, the
    /// search goes on by words alone (and says so in the log).
    pub async fn search(
        &self,
        query: &str,
        filter: &SearchFilter,
        options: &HybridOptions,
    ) -> Result<HybridResults> {
        let mut embed = Duration::ZERO;
        let vector = match &self.embedder {
            Some(embedder) if !query.trim().is_empty() => {
                let started = Instant::now();
                let embedded = embedder.embed(&[query.to_owned()]).await;
                embed = started.elapsed();
                match embedded {
                    Ok(mut vectors) => vectors.pop(),
                    // An embedder outage makes search poorer (words only), not impossible.
                    Err(error) => {
                        tracing::warn!(%error, "embedding the query failed; searching by words alone");
                        None
                    }
                }
            }
            _ => None,
        };
        let mut results = self
            .search_with_vector(query, vector.as_deref(), filter, options)
            .await?;
        results.timings.embed = embed;
        Ok(results)
    }

    /// Like [`Self::search`], with the query's embedding already computed (or none, for
    /// keyword search alone).
    pub async fn search_with_vector(
        &self,
        query: &str,
        query_vector: Option<&[f32]>,
        filter: &SearchFilter,
        options: &HybridOptions,
    ) -> Result<HybridResults> {
        options.validate()?;
        let depth = options.depth.max(options.k);
        let mut timings = StageTimings::default();

        let started = Instant::now();
        let vector_hits = match (&self.vectors, query_vector) {
            (Some(index), Some(v)) if options.vector_weight > 0.0 => {
                index.search(v, depth, filter).await?
            }
            _ => Vec::new(),
        };
        timings.vector = started.elapsed();

        let started = Instant::now();
        let keyword_hits = if options.keyword_weight > 0.0 {
            self.keywords.search(query, depth, filter).await?
        } else {
            Vec::new()
        };
        timings.keyword = started.elapsed();

        let started = Instant::now();
        let mut fused = reciprocal_rank_fusion(
            &[
                (&vector_hits, options.vector_weight),
                (&keyword_hits, options.keyword_weight),
            ],
            options.rrf_k,
        );
        fused.truncate(options.k);
        let ids: Vec<Uuid> = fused.iter().map(|(item, ..)| item.id).collect();
        let mut texts = self.keywords.texts(&ids)?;
        let ordered: Vec<String> = ids
            .iter()
            .map(|id| texts.remove(id).unwrap_or_default())
            .collect();
        let refs: Vec<&str> = ordered.iter().map(String::as_str).collect();
        let snippets = self.keywords.snippets(query, &refs)?;
        let hits = fused
            .into_iter()
            .zip(ordered)
            .zip(snippets)
            .map(|(((item, score, ranks), text), snippet)| HybridHit {
                item,
                score,
                vector: ranks.first().copied().flatten(),
                keyword: ranks.get(1).copied().flatten(),
                text,
                snippet,
            })
            .collect();
        timings.fuse = started.elapsed();
        Ok(HybridResults { hits, timings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gantry_core::UserId;
    use gantry_core::store::ChangeKind;

    fn hit(n: u128, score: f32) -> Hit {
        Hit {
            item: IndexedItem {
                id: Uuid::from_u128(n),
                owner_id: UserId(Uuid::nil()),
                kind: ChangeKind::Message,
                parent_id: Uuid::nil(),
            },
            score,
        }
    }

    #[test]
    fn an_item_in_both_lists_beats_one_in_either() {
        let vector = [hit(1, 0.9), hit(2, 0.8), hit(3, 0.7)];
        let keyword = [hit(4, 12.0), hit(3, 9.0), hit(5, 1.0)];
        let fused = reciprocal_rank_fusion(&[(&vector, 1.0), (&keyword, 1.0)], 60.0);
        assert_eq!(fused[0].0.id, Uuid::from_u128(3));
        let expected = 1.0 / 63.0 + 1.0 / 62.0;
        assert!((fused[0].1 - expected).abs() < 1e-7);
        assert_eq!(
            fused[0].2,
            vec![
                Some(ListRank {
                    rank: 3,
                    score: 0.7
                }),
                Some(ListRank {
                    rank: 2,
                    score: 9.0
                })
            ]
        );
        // Rank 1 of either list ties; the smaller id wins the tie.
        assert_eq!(fused[1].0.id, Uuid::from_u128(1));
        assert_eq!(fused[2].0.id, Uuid::from_u128(4));
        assert_eq!(fused.len(), 5);
    }

    #[test]
    fn weights_tilt_the_fusion() {
        let vector = [hit(1, 0.9)];
        let keyword = [hit(2, 5.0)];
        let fused = reciprocal_rank_fusion(&[(&vector, 0.5), (&keyword, 2.0)], 60.0);
        assert_eq!(fused[0].0.id, Uuid::from_u128(2));
        let none = reciprocal_rank_fusion(&[(&vector, 1.0), (&[], 1.0)], 60.0);
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].2[1], None);
    }

    #[test]
    fn bad_options_name_the_field() {
        let bad = HybridOptions {
            k: 0,
            ..HybridOptions::default()
        };
        assert_eq!(bad.validate().unwrap_err().invalid_field(), Some("k"));
        let bad = HybridOptions {
            keyword_weight: f32::NAN,
            ..HybridOptions::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().invalid_field(),
            Some("keyword_weight")
        );
    }
}
