//! Writing facts into the graph, and the hook the engine runs after each chat turn:
//! extract with the configured extractor, then write.

use std::collections::HashMap;

use gantry_core::model::{NewEntity, NewRelation};
use gantry_core::{EntityId, MessageId, Result, UserId};
use serde::{Deserialize, Serialize};

use super::facts::{ExtractedFacts, is_exclusive};
use super::llm::LlmExtractor;
use super::memory::GraphMemory;
use super::patterns::extract_deterministic;

/// What [`apply_facts`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Entities matched or created.
    pub entities: usize,
    /// Facts recorded (new, or already holding).
    pub relations: usize,
    /// Older facts closed by exclusive ones (as seen by the cache).
    pub closed: usize,
}

/// Writes `facts` (validated first) into the user's graph, through the store and cache.
///
/// An entity is matched by name, in any case, to one the user already has (preferring the
/// same kind), so a person first seen as a `thing` is not recorded twice; otherwise it is
/// created. Each fact records `source` as provenance, and is exclusive when its predicate
/// is ([`is_exclusive`]), closing the subject's previous fact with that predicate.
pub async fn apply_facts(
    graph: &GraphMemory,
    owner: UserId,
    facts: &ExtractedFacts,
    source: Option<MessageId>,
) -> Result<ApplyReport> {
    let facts = facts.clone().validated();
    let mut report = ApplyReport::default();
    let mut ids: HashMap<String, EntityId> = HashMap::new();
    for entity in &facts.entities {
        let found = match graph
            .entity_named(owner, &entity.name, &entity.kind)
            .await?
        {
            Some(found) => found,
            None => {
                let new = NewEntity {
                    name: entity.name.clone(),
                    kind: entity.kind.clone(),
                };
                graph.add_entity(owner, new).await?
            }
        };
        ids.insert(entity.name.to_lowercase(), found.id);
        report.entities += 1;
    }
    for relation in &facts.relations {
        let (Some(&subject_id), Some(&object_id)) = (
            ids.get(&relation.subject.to_lowercase()),
            ids.get(&relation.object.to_lowercase()),
        ) else {
            continue;
        };
        let new = NewRelation {
            subject_id,
            predicate: relation.predicate.clone(),
            object_id,
            source_message_id: source,
            exclusive: is_exclusive(&relation.predicate),
        };
        let (_, closed) = graph.add_relation(owner, new).await?;
        report.relations += 1;
        report.closed += closed;
    }
    Ok(report)
}

/// How the engine extracts facts from a turn.
#[derive(Clone, Debug, Default)]
pub enum ExtractionMode {
    /// Not at all.
    #[default]
    Off,
    /// With [`extract_deterministic`]'s patterns: free, and limited.
    Deterministic,
    /// With a chat model.
    Llm(LlmExtractor),
}

/// Extracts facts from a turn's text and writes them, for the engine after each turn.
///
/// Never fails: the graph is an aid, and a chat turn must not be lost to it. Any failure
/// (the model, its answer, the store) is logged as a warning and reported as nothing
/// written, though facts written before a store failure remain.
pub async fn extract_turn(
    graph: &GraphMemory,
    mode: &ExtractionMode,
    owner: UserId,
    text: &str,
    source: Option<MessageId>,
) -> ApplyReport {
    let facts = match mode {
        ExtractionMode::Off => return ApplyReport::default(),
        ExtractionMode::Deterministic => Ok(extract_deterministic(text)),
        ExtractionMode::Llm(extractor) => extractor.extract(text).await,
    };
    let applied = match facts {
        Ok(facts) if facts.is_empty() => Ok(ApplyReport::default()),
        Ok(facts) => apply_facts(graph, owner, &facts, source).await,
        Err(e) => Err(e),
    };
    match applied {
        Ok(report) => {
            tracing::debug!(user = %owner, ?report, "facts extracted");
            report
        }
        Err(error) => {
            tracing::warn!(user = %owner, %error, "fact extraction failed; turn continues without it");
            ApplyReport::default()
        }
    }
}
