//! Facts from a chat turn, by name, and how they are cleaned before anything is written.
//!
//! Both extractors ([`extract_deterministic`](super::extract_deterministic) and
//! [`LlmExtractor`](super::LlmExtractor)) produce [`ExtractedFacts`], which
//! [`ExtractedFacts::validated`] cleans the same way whatever its source, so the store only
//! ever sees bounded names and snake_case predicates, and every fact names an extracted
//! entity.

use std::collections::{HashMap, HashSet};

use gantry_core::validate::{MAX_LABEL_BYTES, MAX_NAME_BYTES};
use serde::{Deserialize, Serialize};

/// Most entities, and most facts, kept from one turn.
pub const MAX_EXTRACTED: usize = 50;
/// Longest predicate kept, after normalisation.
pub const MAX_PREDICATE_BYTES: usize = 64;
/// The entity that stands for the person chatting ("I", "my").
pub const USER_ENTITY: &str = "User";
/// The kind given when none is known.
pub(super) const DEFAULT_KIND: &str = "thing";

/// Predicates that hold one object at a time: a new fact closes the old one.
const EXCLUSIVE: &[&str] = &[
    "name_is", "lives_in", "works_at", "age", "born_in", "birthday",
];

/// Whether a (normalised) predicate admits one object at a time, such as `lives_in`.
pub fn is_exclusive(predicate: &str) -> bool {
    EXCLUSIVE.contains(&predicate)
}

/// A person, place or thing named in a turn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedEntity {
    /// The name as written.
    pub name: String,
    /// `person`, `place`, `organisation`, `thing`, ...; empty means unknown.
    #[serde(default)]
    pub kind: String,
}

/// A fact `subject --predicate--> object`, by entity name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedRelation {
    /// The name of the entity the fact is about.
    pub subject: String,
    /// The relation, e.g. `works_at`.
    pub predicate: String,
    /// The name of the other entity.
    pub object: String,
}

/// What one turn says: entities and facts, by name. Also the JSON the model must answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedFacts {
    /// The entities named.
    pub entities: Vec<ExtractedEntity>,
    /// The facts stated between them.
    pub relations: Vec<ExtractedRelation>,
}

impl ExtractedFacts {
    /// Whether there is nothing to record.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.relations.is_empty()
    }

    /// The facts cleaned for the store; whatever produced them, nothing else is written.
    ///
    /// Names are trimmed with inner whitespace collapsed, and dropped when empty, longer
    /// than 200 bytes or holding control characters; the first spelling of a name (any
    /// case) wins, with the most specific kind seen. Kinds are lower-cased (`thing` when
    /// unknown). Predicates become snake_case ([`normalise_predicate`]). Facts whose
    /// subject or object is not an entity kept here, or that relate an entity to itself,
    /// are dropped, as are repeats. At most [`MAX_EXTRACTED`] entities and facts are kept.
    pub fn validated(self) -> Self {
        let mut entities: Vec<ExtractedEntity> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for entity in self.entities {
            let Some(name) = clean_name(&entity.name) else {
                continue;
            };
            let kind = clean_kind(&entity.kind);
            let key = name.to_lowercase();
            if let Some(&at) = by_key.get(&key) {
                if let Some(kept) = entities.get_mut(at)
                    && kept.kind == DEFAULT_KIND
                {
                    kept.kind = kind;
                }
                continue;
            }
            if entities.len() >= MAX_EXTRACTED {
                continue;
            }
            by_key.insert(key, entities.len());
            entities.push(ExtractedEntity { name, kind });
        }
        let canonical = |name: &str| {
            let key = clean_name(name)?.to_lowercase();
            by_key
                .get(&key)
                .and_then(|&at| entities.get(at))
                .map(|e| e.name.clone())
        };
        let mut relations = Vec::new();
        let mut seen = HashSet::new();
        for relation in self.relations {
            if relations.len() >= MAX_EXTRACTED {
                break;
            }
            let (Some(subject), Some(object), Some(predicate)) = (
                canonical(&relation.subject),
                canonical(&relation.object),
                normalise_predicate(&relation.predicate),
            ) else {
                continue;
            };
            if subject == object {
                continue;
            }
            let fact = ExtractedRelation {
                subject,
                predicate,
                object,
            };
            if seen.insert(fact.clone()) {
                relations.push(fact);
            }
        }
        Self {
            entities,
            relations,
        }
    }
}

impl std::hash::Hash for ExtractedRelation {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.subject, &self.predicate, &self.object).hash(state);
    }
}

fn clean_name(name: &str) -> Option<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let ok =
        !name.is_empty() && name.len() <= MAX_NAME_BYTES && !name.chars().any(char::is_control);
    ok.then_some(name)
}

fn clean_kind(kind: &str) -> String {
    let kind = kind.trim().to_lowercase();
    if kind.is_empty() || kind.len() > MAX_LABEL_BYTES || kind.chars().any(char::is_control) {
        DEFAULT_KIND.to_owned()
    } else {
        kind
    }
}

/// A predicate in snake_case: lower case, each run of other characters and each
/// lower-to-upper step (`worksAt`) becoming one `_`. `None` when nothing is left or the
/// result is longer than [`MAX_PREDICATE_BYTES`].
pub fn normalise_predicate(predicate: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    let mut after_lower = false;
    for c in predicate.chars() {
        if !c.is_alphanumeric() {
            gap = true;
            after_lower = false;
            continue;
        }
        if (gap || (c.is_uppercase() && after_lower)) && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        after_lower = !c.is_uppercase();
        out.extend(c.to_lowercase());
    }
    (!out.is_empty() && out.len() <= MAX_PREDICATE_BYTES).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_become_snake_case() {
        assert_eq!(normalise_predicate("works_at").as_deref(), Some("works_at"));
        assert_eq!(normalise_predicate("Works At").as_deref(), Some("works_at"));
        assert_eq!(normalise_predicate("worksAt").as_deref(), Some("works_at"));
        assert_eq!(
            normalise_predicate(" lives-in! ").as_deref(),
            Some("lives_in")
        );
        assert_eq!(normalise_predicate("IS_A").as_deref(), Some("is_a"));
        assert_eq!(normalise_predicate("---"), None);
        assert_eq!(normalise_predicate(""), None);
        assert_eq!(
            normalise_predicate(&"a".repeat(MAX_PREDICATE_BYTES)).map(|p| p.len()),
            Some(64)
        );
        assert_eq!(
            normalise_predicate(&"a".repeat(MAX_PREDICATE_BYTES + 1)),
            None
        );
    }
}
