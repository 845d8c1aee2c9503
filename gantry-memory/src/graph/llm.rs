//! Fact extraction with a chat model: the prompt and JSON schema, one retry, and repair of
//! what small models wrap around their JSON.

use std::sync::Arc;

use gantry_core::llm::{ChatMessage, ChatModel, ChatRequest};
use gantry_core::model::MessageRole;
use gantry_core::{Backend, Error, Result};

use super::facts::ExtractedFacts;

/// Longest text handed to the model; a fact-bearing message is far shorter.
const MAX_INPUT_BYTES: usize = 16 * 1024;
/// Longest bad answer echoed back to the model when asking again.
const MAX_ECHO_BYTES: usize = 1024;
/// Most tokens an extraction answer may take. The schema's bounds keep a whole answer
/// well inside it, so a small model that repeats itself reaches the end of a list, not the
/// end of its budget; a prompt, one unusable answer echoed back and the retry's answer
/// still fit a 2,048-token context.
const MAX_ANSWER_TOKENS: u32 = 640;
/// Most entities, and most facts, the schema lets the model list (one turn rarely states
/// more; [`MAX_EXTRACTED`](super::facts::MAX_EXTRACTED) still bounds what is kept from any other source).
const MAX_LISTED: usize = 8;
/// Longest name the schema allows, in characters.
const MAX_NAME_CHARS: usize = 48;
/// Longest kind or predicate the schema allows, in characters.
const MAX_WORD_CHARS: usize = 32;

const SYSTEM_PROMPT: &str = "You extract facts for a personal knowledge graph from one chat \
message. Answer with one JSON object and nothing else, of the form \
{\"entities\":[{\"name\":\"...\",\"kind\":\"...\"}],\"relations\":[{\"subject\":\"...\",\
\"predicate\":\"...\",\"object\":\"...\"}]}. Entities are the people, places, organisations, \
projects and things the message names; kind is one word such as person, place, \
organisation, project or thing. The person writing is the entity \"User\". Predicates are \
short snake_case verbs such as name_is, lives_in, works_at, likes, is_a, sister_of. Every \
subject and object must be the name of an entity in the list. Only facts the message \
states, no guesses. If there are none, answer {\"entities\":[],\"relations\":[]}.";

/// The JSON schema of [`ExtractedFacts`], sent with the request so servers that support
/// constrained decoding cannot answer anything else. Lists and strings are bounded, so
/// the longest answer it admits fits [`MAX_ANSWER_TOKENS`] in practice.
fn schema() -> serde_json::Value {
    let name = serde_json::json!({ "type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS });
    let word = serde_json::json!({ "type": "string", "minLength": 1, "maxLength": MAX_WORD_CHARS });
    serde_json::json!({
        "type": "object",
        "properties": {
            "entities": {
                "type": "array",
                "maxItems": MAX_LISTED,
                "items": {
                    "type": "object",
                    "properties": { "name": name, "kind": word },
                    "required": ["name", "kind"],
                    "additionalProperties": false
                }
            },
            "relations": {
                "type": "array",
                "maxItems": MAX_LISTED,
                "items": {
                    "type": "object",
                    "properties": { "subject": name, "predicate": word, "object": name },
                    "required": ["subject", "predicate", "object"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["entities", "relations"],
        "additionalProperties": false
    })
}

/// Extracts facts with a chat model, asking for JSON against a schema.
#[derive(Clone)]
pub struct LlmExtractor {
    model: Arc<dyn ChatModel>,
    model_name: Option<String>,
}

impl std::fmt::Debug for LlmExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmExtractor")
            .field("model_name", &self.model_name)
            .finish_non_exhaustive()
    }
}

impl LlmExtractor {
    /// An extractor using `model`; `model_name` picks one of the backend's models (`None`
    /// for its default).
    pub fn new(model: Arc<dyn ChatModel>, model_name: Option<String>) -> Self {
        Self { model, model_name }
    }

    /// The facts stated in `text` (its first 16 KiB), validated.
    ///
    /// One call at temperature 0. An answer that does not parse is repaired (code fences
    /// stripped, the outermost `{...}` taken); failing that, the model is asked once more,
    /// shown its answer and the error. A second failure is an [`Error::Protocol`]; errors
    /// from the model itself are returned as they are.
    pub async fn extract(&self, text: &str) -> Result<ExtractedFacts> {
        let mut messages = vec![
            ChatMessage {
                role: MessageRole::System,
                content: SYSTEM_PROMPT.to_owned(),
            },
            ChatMessage {
                role: MessageRole::User,
                content: truncate(text, MAX_INPUT_BYTES).to_owned(),
            },
        ];
        let first = self.ask(messages.clone()).await?;
        let reason = match parse_answer(&first) {
            Ok(facts) => return Ok(facts.validated()),
            Err(reason) => reason,
        };
        tracing::debug!(%reason, "extraction answer unusable; asking again");
        messages.push(ChatMessage {
            role: MessageRole::Assistant,
            content: truncate(&first, MAX_ECHO_BYTES).to_owned(),
        });
        messages.push(ChatMessage {
            role: MessageRole::User,
            content: format!(
                "That answer could not be used ({reason}). Answer again with only the JSON \
                 object: {{\"entities\":[...],\"relations\":[...]}}."
            ),
        });
        let second = self.ask(messages).await?;
        parse_answer(&second)
            .map(ExtractedFacts::validated)
            .map_err(|reason| Error::Protocol {
                backend: Backend::Component("fact extraction model"),
                what: format!("no usable facts JSON after one retry: {reason}"),
            })
    }

    async fn ask(&self, messages: Vec<ChatMessage>) -> Result<String> {
        let request = ChatRequest {
            model: self.model_name.clone(),
            messages,
            temperature: Some(0.0),
            max_tokens: Some(MAX_ANSWER_TOKENS),
            json_schema: Some(schema()),
            ..ChatRequest::default()
        };
        Ok(self.model.complete(request).await?.text)
    }
}

/// Parses an answer as [`ExtractedFacts`], repairing what small models commonly wrap
/// around the JSON. The error is the first parse failure's, for the retry prompt.
fn parse_answer(answer: &str) -> std::result::Result<ExtractedFacts, String> {
    let first = match serde_json::from_str::<ExtractedFacts>(answer.trim()) {
        Ok(facts) => return Ok(facts),
        Err(e) => e.to_string(),
    };
    let repaired = outermost_object(strip_fences(answer));
    match repaired.map(serde_json::from_str::<ExtractedFacts>) {
        Some(Ok(facts)) => Ok(facts),
        _ => Err(first),
    }
}

/// The text inside the first ```` ``` ```` fence (any language tag), or all of it.
fn strip_fences(answer: &str) -> &str {
    let Some(open) = answer.find("```") else {
        return answer;
    };
    let body = &answer[open + 3..];
    // Skip the language tag, up to the end of the fence's line.
    let body = body.find('\n').map_or(body, |nl| &body[nl + 1..]);
    body.find("```").map_or(body, |close| &body[..close])
}

/// From the first `{` to the last `}`.
fn outermost_object(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    (end > start).then(|| &text[start..=end])
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::facts::{ExtractedEntity, is_exclusive};

    #[test]
    fn answers_are_repaired_before_giving_up() {
        assert_eq!(strip_fences("```json\n{}\n```"), "{}\n");
        assert_eq!(strip_fences("```\n{}```"), "{}");
        assert_eq!(strip_fences("{}"), "{}");
        assert_eq!(outermost_object("x {\"a\": {}} y"), Some("{\"a\": {}}"));
        assert_eq!(outermost_object("} {"), None);
        assert!(parse_answer("[]").is_err());
        assert!(parse_answer("{\"entities\": []}").is_err());
        assert_eq!(
            parse_answer("```json\n{\"entities\": [], \"relations\": []}\n```"),
            Ok(ExtractedFacts::default())
        );
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn the_schema_matches_the_type() {
        let example = serde_json::to_value(ExtractedFacts {
            entities: vec![ExtractedEntity {
                name: "A".into(),
                kind: "person".into(),
            }],
            relations: Vec::new(),
        })
        .unwrap();
        let schema = schema();
        for key in ["entities", "relations"] {
            assert!(example.get(key).is_some());
            assert!(schema["properties"].get(key).is_some());
        }
        assert!(is_exclusive("lives_in") && !is_exclusive("likes"));
    }
}
