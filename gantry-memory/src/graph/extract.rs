//! Facts from chat turns: extraction (a language model, or fixed sentence patterns) and
//! writing the result into the graph.
//!
//! Both extractors produce [`ExtractedFacts`], which [`ExtractedFacts::validated`] cleans
//! the same way whatever its source, so the store only ever sees bounded names and
//! snake_case predicates, and every fact names an extracted entity.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use gantry_core::llm::{ChatMessage, ChatModel, ChatRequest};
use gantry_core::model::{MessageRole, NewEntity, NewRelation};
use gantry_core::validate::{MAX_LABEL_BYTES, MAX_NAME_BYTES};
use gantry_core::{EntityId, Error, MessageId, Result, UserId};
use serde::{Deserialize, Serialize};

use super::memory::GraphMemory;

/// Most entities, and most facts, kept from one turn.
pub const MAX_EXTRACTED: usize = 50;
/// Longest predicate kept, after normalisation.
pub const MAX_PREDICATE_BYTES: usize = 64;
/// The entity that stands for the person chatting ("I", "my").
pub const USER_ENTITY: &str = "User";
/// Longest text handed to the model; a fact-bearing message is far shorter.
const MAX_INPUT_BYTES: usize = 16 * 1024;
/// Longest bad answer echoed back to the model when asking again.
const MAX_ECHO_BYTES: usize = 1024;
/// Most tokens an extraction answer may take. A turn's facts fit easily; a small model that
/// rambles is cut off here, so a prompt, one unusable answer echoed back and the retry's
/// answer still fit a 2,048-token context.
const MAX_ANSWER_TOKENS: u32 = 512;
/// The kind given when none is known.
const DEFAULT_KIND: &str = "thing";

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

// ---------------------------------------------------------------------------------------
// Deterministic extraction.

/// Capitalised words that do not start a name ("The Louvre" is `Louvre`; a sentence-initial
/// "My" or "What" is not a name at all).
const STOPWORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "i",
    "me",
    "my",
    "mine",
    "we",
    "us",
    "our",
    "you",
    "your",
    "he",
    "him",
    "his",
    "she",
    "her",
    "it",
    "its",
    "they",
    "them",
    "their",
    "this",
    "that",
    "these",
    "those",
    "what",
    "who",
    "whom",
    "whose",
    "where",
    "when",
    "why",
    "how",
    "which",
    "is",
    "are",
    "was",
    "were",
    "am",
    "be",
    "do",
    "does",
    "did",
    "and",
    "but",
    "or",
    "so",
    "if",
    "in",
    "on",
    "at",
    "of",
    "to",
    "for",
    "from",
    "with",
    "hi",
    "hello",
    "hey",
    "yes",
    "no",
    "ok",
    "okay",
    "please",
    "thanks",
    "thank",
    "also",
    "then",
    "there",
    "here",
    "can",
    "could",
    "would",
    "should",
    "will",
    "let",
    "just",
    "yesterday",
    "today",
    "tomorrow",
    "maybe",
    "well",
    "now",
    "it's",
    "that's",
    "what's",
    "there's",
    "he's",
    "she's",
    "let's",
    "who's",
    "i've",
    "i'd",
    "i'll",
    "we're",
    "you're",
    "they're",
    "dear",
    "oh",
];

/// Words that end a common-noun phrase ("a doctor in Paris" is `doctor`).
const PHRASE_BREAKS: &[&str] = &[
    "and", "or", "but", "who", "which", "that", "at", "in", "on", "for", "from", "with", "of",
    "to", "since", "because", "when", "where", "while", "than", "as", "by", "about", "like", "so",
    "too", "very", "really", "is", "are", "was", "were", "a", "an", "the",
];

/// Relations between people; the entities on both sides of `X is Y's <word>` are people.
const PEOPLE_WORDS: &[&str] = &[
    "mother",
    "father",
    "mom",
    "mum",
    "dad",
    "parent",
    "sister",
    "brother",
    "sibling",
    "son",
    "daughter",
    "child",
    "wife",
    "husband",
    "partner",
    "spouse",
    "girlfriend",
    "boyfriend",
    "friend",
    "boss",
    "manager",
    "colleague",
    "coworker",
    "cousin",
    "uncle",
    "aunt",
    "grandmother",
    "grandfather",
    "niece",
    "nephew",
    "neighbour",
    "neighbor",
    "roommate",
];

#[derive(Debug)]
struct Word {
    /// As written, without a possessive `'s`.
    text: String,
    /// Lower case, as written (with any `'s`).
    lower: String,
    cap: bool,
    possessive: bool,
    stop: bool,
    /// Punctuation (a comma, a bracket) follows, so a name cannot run on.
    gap_after: bool,
}

impl Word {
    fn new(raw: &str) -> Self {
        let raw = raw.trim_matches(|c| c == '\'' || c == '-');
        let lower = raw.to_lowercase();
        let stop = STOPWORDS.contains(&lower.as_str());
        let possessive = !stop && lower.len() > 2 && lower.ends_with("'s");
        let text = if possessive {
            raw.get(..raw.len() - 2).unwrap_or(raw).to_owned()
        } else {
            raw.to_owned()
        };
        Self {
            cap: text.chars().next().is_some_and(char::is_uppercase),
            text,
            lower,
            possessive,
            stop,
            gap_after: false,
        }
    }

    fn is(&self, word: &str) -> bool {
        self.lower == word
    }
}

/// Splits a sentence into words: runs of letters, digits, inner apostrophes and hyphens.
/// `I'm` becomes `I am`, so it reads like the spelt-out form.
fn sentence_words(sentence: &str) -> Vec<Word> {
    let mut words: Vec<Word> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<Word>| {
        let raw = std::mem::take(current);
        if raw.chars().any(char::is_alphanumeric) {
            if raw.eq_ignore_ascii_case("i'm") {
                words.push(Word::new("I"));
                words.push(Word::new("am"));
            } else {
                words.push(Word::new(&raw));
            }
        }
    };
    for c in sentence.chars() {
        let c = if c == '\u{2019}' { '\'' } else { c };
        if c.is_alphanumeric() || ((c == '\'' || c == '-') && !current.is_empty()) {
            current.push(c);
        } else {
            flush(&mut current, &mut words);
            if !c.is_whitespace()
                && let Some(last) = words.last_mut()
            {
                last.gap_after = true;
            }
        }
    }
    flush(&mut current, &mut words);
    words
}

/// One sentence's words and the capitalised names in it.
struct Sentence {
    words: Vec<Word>,
    /// `[start, end)` word ranges of names; a possessive word ends its name.
    names: Vec<(usize, usize)>,
}

impl Sentence {
    fn new(text: &str) -> Self {
        let words = sentence_words(text);
        let mut names = Vec::new();
        let mut i = 0;
        while i < words.len() {
            if !words[i].cap || words[i].stop || words[i].text.is_empty() {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < words.len()
                && !words[i].gap_after
                && !words[i].possessive
                && words[i + 1].cap
                && !words[i + 1].stop
            {
                i += 1;
            }
            i += 1;
            names.push((start, i));
        }
        Self { words, names }
    }

    fn lower(&self, i: usize) -> &str {
        self.words.get(i).map_or("", |w| w.lower.as_str())
    }

    fn text(&self, range: (usize, usize)) -> String {
        self.words[range.0..range.1]
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The subject just before word `i`: `I`, or a name ending there.
    fn subject_before(&self, i: usize) -> Option<Mention> {
        let previous = self.words.get(i.checked_sub(1)?)?;
        if previous.gap_after || previous.possessive {
            return None;
        }
        if previous.is("i") {
            return Some(Mention::user(i - 1));
        }
        let &(start, end) = self.names.iter().find(|(_, end)| *end == i)?;
        Some(Mention::new(start, self.text((start, end))))
    }

    /// A name starting at word `i`, after an optional `the`, and not possessive.
    fn name_at(&self, i: usize) -> Option<(usize, usize)> {
        self.any_name_at(i)
            .filter(|&(_, end)| !self.words[end - 1].possessive)
    }

    /// A name starting at word `i`, after an optional `the`.
    fn any_name_at(&self, i: usize) -> Option<(usize, usize)> {
        let i = if self.lower(i) == "the" { i + 1 } else { i };
        self.names.iter().copied().find(|(start, _)| *start == i)
    }

    /// A common-noun phrase from word `i`: up to four words, ending at punctuation or a
    /// word such as `in` or `and`.
    fn noun_phrase_at(&self, i: usize) -> Option<(usize, usize)> {
        let mut end = i;
        while end < self.words.len() && end - i < 4 {
            let word = &self.words[end];
            if PHRASE_BREAKS.contains(&word.lower.as_str()) || word.possessive {
                break;
            }
            end += 1;
            if word.gap_after {
                break;
            }
        }
        (end > i).then_some((i, end))
    }

    /// Lower-case relation words from `i` (one or two, e.g. `best friend`), with the
    /// index after them.
    fn relation_words(&self, i: usize) -> Option<(String, usize)> {
        let mut end = i;
        while end < self.words.len() && end - i < 2 {
            let word = &self.words[end];
            if word.cap || word.stop || PHRASE_BREAKS.contains(&word.lower.as_str()) {
                break;
            }
            end += 1;
            if word.gap_after {
                break;
            }
        }
        (end > i).then(|| (self.text((i, end)), end))
    }
}

/// An entity mention: where it starts (for reading order), its name and kind.
struct Mention {
    at: usize,
    name: String,
    kind: &'static str,
}

impl Mention {
    fn new(at: usize, name: String) -> Self {
        Self {
            at,
            name,
            kind: DEFAULT_KIND,
        }
    }

    fn user(at: usize) -> Self {
        Self {
            at,
            name: USER_ENTITY.to_owned(),
            kind: "person",
        }
    }

    fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }
}

/// Facts from fixed patterns, without a model. Deterministic: the same text always gives
/// the same facts, in reading order.
///
/// The text is split into sentences at `.`, `!`, `?`, `;` and line breaks. Entities are
/// runs of Capitalised words (not across punctuation; a leading stopword such as `The`,
/// `My` or `What` is dropped, and a possessive `'s` ends the run). The writer is the
/// entity [`USER_ENTITY`] (`I`, `my`). Facts come from these patterns, where `X` is a
/// name or `I` just before the verb, `Y` a name, and `noun` up to four lower-case words:
///
/// | pattern                          | fact                          |
/// |----------------------------------|-------------------------------|
/// | `my name is Y`                   | User `name_is` Y              |
/// | `X is a/an noun`, `I am a noun`  | X `is_a` noun                 |
/// | `X works at/for Y`               | X `works_at` Y                |
/// | `X lives in Y`                   | X `lives_in` Y                |
/// | `X likes Y/noun`                 | X `likes` Y                   |
/// | `X is Y's rel`, `X is my rel`    | X `rel_of` Y (or User)        |
/// | `Y's rel is X`, `my rel is X`    | X `rel_of` Y (or User)        |
///
/// (`work`, `live` and `like` with `I`.) A capitalised word that starts a sentence and is
/// not a stopword is read as part of a name, so "Tell Alice" yields `Tell Alice`.
pub fn extract_deterministic(text: &str) -> ExtractedFacts {
    let mut facts = ExtractedFacts::default();
    for part in text.split(['.', '!', '?', ';', '\n', '\r']) {
        let sentence = Sentence::new(part);
        let mut mentions: Vec<Mention> = sentence
            .names
            .iter()
            .map(|&range| Mention::new(range.0, sentence.text(range)))
            .collect();
        let mut relations = Vec::new();
        for i in 0..sentence.words.len() {
            sentence_patterns(&sentence, i, &mut mentions, &mut relations);
        }
        mentions.sort_by_key(|m| m.at);
        facts
            .entities
            .extend(mentions.into_iter().map(|m| ExtractedEntity {
                name: m.name,
                kind: m.kind.to_owned(),
            }));
        facts.relations.extend(relations);
    }
    facts.validated()
}

/// The patterns that start at word `i`; found entities and facts are appended.
fn sentence_patterns(
    s: &Sentence,
    i: usize,
    mentions: &mut Vec<Mention>,
    relations: &mut Vec<ExtractedRelation>,
) {
    let mut fact =
        |mentions: &mut Vec<Mention>, subject: Mention, predicate: String, object: Mention| {
            relations.push(ExtractedRelation {
                subject: subject.name.clone(),
                predicate,
                object: object.name.clone(),
            });
            mentions.push(subject);
            mentions.push(object);
        };
    let word = s.lower(i);
    let next = s.lower(i + 1);
    match word {
        "my" if next == "name" && s.lower(i + 2) == "is" => {
            let name = s.name_at(i + 3).or_else(|| {
                let w = s.words.get(i + 3)?;
                (!w.stop && !w.possessive).then_some((i + 3, i + 4))
            });
            if let Some(range) = name {
                let object = Mention::new(range.0, s.text(range)).kind("person");
                fact(mentions, Mention::user(i), "name_is".into(), object);
            }
        }
        "my" => {
            // my <rel> is X
            if let Some((rel, after)) = s.relation_words(i + 1)
                && s.lower(after) == "is"
                && let Some(range) = s.name_at(after + 1)
            {
                let kind = people_kind(&rel);
                let subject = Mention::new(range.0, s.text(range)).kind(kind);
                fact(mentions, subject, format!("{rel} of"), Mention::user(i));
            }
        }
        "is" | "am" => {
            let Some(subject) = s.subject_before(i) else {
                return;
            };
            if word == "am" && subject.name != USER_ENTITY {
                return;
            }
            if next == "a" || next == "an" {
                if let Some(range) = s.noun_phrase_at(i + 2) {
                    let object = Mention::new(range.0, s.text(range)).kind("concept");
                    fact(mentions, subject, "is_a".into(), object);
                }
            } else if next == "my" {
                if let Some((rel, _)) = s.relation_words(i + 2) {
                    let kind = people_kind(&rel);
                    let object = Mention::user(i + 1);
                    fact(mentions, subject.kind(kind), format!("{rel} of"), object);
                }
            } else if let Some(range) = s.any_name_at(i + 1)
                && s.words[range.1 - 1].possessive
                && let Some((rel, _)) = s.relation_words(range.1)
            {
                let kind = people_kind(&rel);
                let object = Mention::new(range.0, s.text(range)).kind(kind);
                fact(mentions, subject.kind(kind), format!("{rel} of"), object);
            }
        }
        "works" | "work" | "lives" | "live" | "likes" | "like" => {
            let Some(subject) = s.subject_before(i) else {
                return;
            };
            let plain = matches!(word, "work" | "live" | "like");
            if plain && subject.name != USER_ENTITY {
                return;
            }
            let (predicate, preposition_ok, object_kind) = match word {
                "works" | "work" => ("works_at", next == "at" || next == "for", "organisation"),
                "lives" | "live" => ("lives_in", next == "in", "place"),
                _ => ("likes", true, DEFAULT_KIND),
            };
            if !preposition_ok {
                return;
            }
            let object = if predicate == "likes" {
                s.name_at(i + 1).or_else(|| s.noun_phrase_at(i + 1))
            } else {
                s.name_at(i + 2)
            };
            if let Some(range) = object {
                let object = Mention::new(range.0, s.text(range)).kind(object_kind);
                fact(mentions, subject.kind("person"), predicate.into(), object);
            }
        }
        _ => {
            // Y's <rel> is X
            let Some(w) = s.words.get(i) else { return };
            if !w.possessive || w.gap_after {
                return;
            }
            let Some(&(start, end)) = s.names.iter().find(|(_, end)| *end == i + 1) else {
                return;
            };
            if let Some((rel, after)) = s.relation_words(i + 1)
                && s.lower(after) == "is"
                && let Some(range) = s.name_at(after + 1)
            {
                let kind = people_kind(&rel);
                let owner = Mention::new(start, s.text((start, end))).kind(kind);
                let subject = Mention::new(range.0, s.text(range)).kind(kind);
                fact(mentions, subject, format!("{rel} of"), owner);
            }
        }
    }
}

fn people_kind(relation: &str) -> &'static str {
    let last = relation.rsplit(' ').next().unwrap_or(relation);
    if PEOPLE_WORDS.contains(&last) {
        "person"
    } else {
        DEFAULT_KIND
    }
}

// ---------------------------------------------------------------------------------------
// Extraction with a language model.

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
/// constrained decoding cannot answer anything else.
fn schema() -> serde_json::Value {
    let string = serde_json::json!({ "type": "string" });
    serde_json::json!({
        "type": "object",
        "properties": {
            "entities": {
                "type": "array",
                "maxItems": MAX_EXTRACTED,
                "items": {
                    "type": "object",
                    "properties": { "name": string, "kind": string },
                    "required": ["name", "kind"],
                    "additionalProperties": false
                }
            },
            "relations": {
                "type": "array",
                "maxItems": MAX_EXTRACTED,
                "items": {
                    "type": "object",
                    "properties": { "subject": string, "predicate": string, "object": string },
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
                backend: "fact extraction model".to_owned(),
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
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

// ---------------------------------------------------------------------------------------
// Writing facts.

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
