//! Deterministic fact extraction: a few fixed sentence patterns and the word lists they
//! read names and relations with. No model, so free, and limited.

use super::facts::{DEFAULT_KIND, ExtractedEntity, ExtractedFacts, ExtractedRelation, USER_ENTITY};

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
