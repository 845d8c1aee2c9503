//! Decoding under a JSON schema: at every step, tokens that would break the schema are
//! masked (llguidance over the model's own vocabulary), so even a very small model returns
//! JSON that parses and fits.

use std::sync::OnceLock;

use gantry_core::{Error, Result};
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, ParserFactory};
use serde_json::{Value, json};

/// The most characters a string may take when the schema sets no `maxLength`: without a
/// bound, a small model can stay inside one string until it runs out of tokens.
pub const MAX_STRING_CHARS: u64 = 256;

/// Builds grammar samplers for one model. The vocabulary walk behind it takes a moment,
/// so it happens on the first constrained request, not at load.
#[derive(Default)]
pub(crate) struct Grammars {
    factory: OnceLock<std::result::Result<ParserFactory, String>>,
}

impl std::fmt::Debug for Grammars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grammars")
            .field("ready", &self.factory.get().is_some())
            .finish()
    }
}

impl Grammars {
    /// A sampler stage that allows only continuations of JSON valid under `schema`.
    pub(crate) fn json_sampler(&self, model: &LlamaModel, schema: &Value) -> Result<LlamaSampler> {
        let factory = self
            .factory
            .get_or_init(|| {
                let env = LlamaSampler::llguidance_tok_env(model);
                ParserFactory::new_simple(&env).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::internal(format!("preparing constrained decoding: {e}")))?;
        let grammar = TopLevelGrammar::from_json_schema(bounded(schema.clone()));
        let parser = factory
            .create_parser(grammar)
            .map_err(|e| Error::invalid("json_schema", format!("cannot be followed: {e}")))?;
        Ok(LlamaSampler::from(Matcher::new(Ok(parser))))
    }
}

/// `schema` with every unbounded string given [`MAX_STRING_CHARS`], and JSON laid out on
/// one line (`, ` and `: ` between items, no other whitespace), so the model cannot pad
/// its answer with blank lines until the token limit.
pub(crate) fn bounded(mut schema: Value) -> Value {
    bound_strings(&mut schema);
    if let Value::Object(root) = &mut schema {
        root.entry("x-guidance").or_insert_with(|| {
            json!({ "whitespace_flexible": false, "item_separator": ", ", "key_separator": ": " })
        });
    }
    schema
}

fn bound_strings(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            let constrained = ["maxLength", "enum", "const", "pattern", "format"]
                .iter()
                .any(|key| map.contains_key(*key));
            if is_string && !constrained {
                map.insert("maxLength".into(), json!(MAX_STRING_CHARS));
            }
            for (key, value) in map.iter_mut() {
                if !matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    bound_strings(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bound_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbounded_strings_get_a_limit_and_bounded_ones_keep_theirs() {
        let schema = bounded(json!({
            "type": "object",
            "properties": {
                "name": { "type": "string" },
                "code": { "type": "string", "maxLength": 4 },
                "kind": { "type": "string", "enum": ["a", "b"] },
                "tags": { "type": "array", "items": { "type": ["string", "null"] } },
                "type": { "type": "integer" }
            }
        }));
        let props = &schema["properties"];
        assert_eq!(props["name"]["maxLength"], json!(MAX_STRING_CHARS));
        assert_eq!(props["code"]["maxLength"], json!(4));
        assert!(props["kind"].get("maxLength").is_none());
        assert_eq!(props["tags"]["items"]["maxLength"], json!(MAX_STRING_CHARS));
        assert!(props["type"].get("maxLength").is_none());
        assert_eq!(schema["x-guidance"]["whitespace_flexible"], json!(false));
    }
}
