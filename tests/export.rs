//! Conversation export and import: Gantry JSON (exact round trip, every refusal), Markdown,
//! PDF (text read back with pdf-extract), the admin ZIP, and ChatGPT's `conversations.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read};

use gantry::export::{
    self, ConversationExport, MAX_EXPORT_BYTES, MAX_EXPORT_MESSAGES, REPLACEMENT_CHARACTER,
    parse_chatgpt, parse_claude, to_markdown, to_pdf, write_pdf, write_zip, zip_entry_name,
};
use gantry::model::{Conversation, Message, MessageRole, MessageStatus};
use gantry::{ConversationId, Error, MessageId, PersonaId, UserId};
use proptest::prelude::*;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde_json::{Value, json};
use time::{OffsetDateTime, UtcOffset};

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

/// 2024-11-24 10:00:00 UTC.
const NOON: i64 = 1_732_442_400;

fn conversation(title: &str) -> Conversation {
    Conversation {
        id: ConversationId::new(),
        owner_id: UserId::new(),
        title: title.to_owned(),
        pinned: false,
        archived: false,
        persona_id: None,
        model: None,
        created_at: at(NOON),
        updated_at: at(NOON + 3600),
    }
}

fn message(chat: &Conversation, role: MessageRole, content: &str, minute: i64) -> Message {
    Message {
        id: MessageId::new(),
        conversation_id: chat.id,
        owner_id: chat.owner_id,
        role,
        content: content.to_owned(),
        status: MessageStatus::Complete,
        model: (role == MessageRole::Assistant).then(|| "llama-3.1-8b".to_owned()),
        prompt_tokens: None,
        completion_tokens: None,
        error: None,
        created_at: at(NOON + 60 * minute),
        context: None,
    }
}

fn export_of(title: &str, contents: &[(MessageRole, &str)]) -> ConversationExport {
    let chat = conversation(title);
    let messages: Vec<Message> = contents
        .iter()
        .enumerate()
        .map(|(i, (role, content))| message(&chat, *role, content, i as i64))
        .collect();
    ConversationExport::new(&chat, &messages)
}

fn trip() -> ConversationExport {
    export_of(
        "Trip plans",
        &[
            (MessageRole::User, "Plan three days in Lisbon, please."),
            (
                MessageRole::Assistant,
                "Day 1: Alfama.\n\n```python\nbudget = 450  # euros\nprint(budget)\n```\n\nDay 2: Belém.",
            ),
            (MessageRole::User, "Thanks!"),
        ],
    )
}

fn invalid_field(error: &Error) -> &'static str {
    error
        .invalid_field()
        .unwrap_or_else(|| panic!("expected an invalid-input error, got {error}"))
}

// ---------------------------------------------------------------------------------------
// Gantry JSON
// ---------------------------------------------------------------------------------------

/// Text a store accepts: no NUL, not blank, at most `max` bytes.
fn text(max: usize) -> impl Strategy<Value = String> {
    any::<String>().prop_map(move |raw| {
        let mut text: String = raw.replace('\0', "");
        if text.trim().is_empty() {
            text.insert(0, 't');
        }
        while text.len() > max {
            text.pop();
        }
        text
    })
}

fn any_time() -> impl Strategy<Value = OffsetDateTime> {
    // Years 1 to 9998, any nanosecond, any offset a time zone can have (with seconds).
    (
        -62_000_000_000i64..253_000_000_000,
        0u32..1_000_000_000,
        -86_399i32..86_400,
    )
        .prop_map(|(seconds, nanos, offset)| {
            OffsetDateTime::from_unix_timestamp(seconds)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap()
                .to_offset(UtcOffset::from_whole_seconds(offset).unwrap())
        })
}

fn any_message(chat: Conversation) -> impl Strategy<Value = Message> {
    (
        prop_oneof![
            Just(MessageRole::System),
            Just(MessageRole::User),
            Just(MessageRole::Assistant)
        ],
        prop_oneof![
            Just(MessageStatus::Complete),
            Just(MessageStatus::Partial),
            Just(MessageStatus::Error)
        ],
        text(2000),
        any::<bool>(),
        proptest::option::of(text(200)),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(text(4096)),
        any_time(),
    )
        .prop_map(
            move |(role, status, content, empty, model, prompt, completion, error, created_at)| {
                Message {
                    id: MessageId::new(),
                    conversation_id: chat.id,
                    owner_id: chat.owner_id,
                    role,
                    // Only an unfinished message may be empty.
                    content: if empty && status != MessageStatus::Complete {
                        String::new()
                    } else {
                        content
                    },
                    status,
                    model,
                    prompt_tokens: prompt,
                    completion_tokens: completion,
                    error,
                    created_at,
                    context: None,
                }
            },
        )
}

fn any_export() -> impl Strategy<Value = ConversationExport> {
    (
        text(300),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(text(200)),
        any_time(),
        any_time(),
    )
        .prop_flat_map(
            |(title, pinned, archived, persona, model, created_at, updated_at)| {
                let chat = Conversation {
                    id: ConversationId::new(),
                    owner_id: UserId::new(),
                    title,
                    pinned,
                    archived,
                    persona_id: persona.then(PersonaId::new),
                    model,
                    created_at,
                    updated_at,
                };
                proptest::collection::vec(any_message(chat.clone()), 0..6)
                    .prop_map(move |messages| ConversationExport::new(&chat, &messages))
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn json_round_trip_is_exact(export in any_export()) {
        let json = export.to_json().unwrap();
        let back = ConversationExport::from_json(&json).unwrap();
        prop_assert_eq!(&back, &export);
        // Byte for byte, too: times keep their nanoseconds and offsets are written as UTC.
        prop_assert_eq!(back.to_json().unwrap(), json);
    }
}

#[test]
fn json_has_the_documented_shape() {
    let mut export = trip();
    export.conversation.persona_id = Some(PersonaId::new());
    let value: Value = serde_json::from_slice(&export.to_json().unwrap()).unwrap();
    assert_eq!(value["format"], "gantry.conversation");
    assert_eq!(value["version"], 1);

    let conversation = value["conversation"].as_object().unwrap();
    let mut keys: Vec<&str> = conversation.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "archived",
            "created_at",
            "id",
            "model",
            "persona_id",
            "pinned",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(conversation["title"], "Trip plans");
    assert_eq!(conversation["created_at"], "2024-11-24T10:00:00Z");
    assert_eq!(
        conversation["id"],
        export.conversation.id.to_string().as_str()
    );

    let messages = value["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    let mut keys: Vec<&str> = messages[1]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "completion_tokens",
            "content",
            "created_at",
            "error",
            "id",
            "model",
            "prompt_tokens",
            "role",
            "status"
        ]
    );
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["status"], "complete");
    assert_eq!(messages[1]["created_at"], "2024-11-24T10:01:00Z");
    // Owner ids stay behind: an export is portable.
    assert!(
        !String::from_utf8(export.to_json().unwrap())
            .unwrap()
            .contains("owner")
    );
}

#[test]
fn times_with_an_offset_are_written_in_utc() {
    let mut chat = conversation("Offsets");
    chat.created_at = at(NOON).to_offset(UtcOffset::from_hms(5, 30, 0).unwrap());
    let export = ConversationExport::new(&chat, &[]);
    let value: Value = serde_json::from_slice(&export.to_json().unwrap()).unwrap();
    assert_eq!(value["conversation"]["created_at"], "2024-11-24T10:00:00Z");
    // An export written by another tool with an offset reads as the same instant.
    let text = String::from_utf8(export.to_json().unwrap())
        .unwrap()
        .replace("2024-11-24T10:00:00Z", "2024-11-24T15:30:00+05:30");
    let back = ConversationExport::from_json(text.as_bytes()).unwrap();
    assert_eq!(back.conversation.created_at, at(NOON));
}

/// The trip export as JSON, changed by `edit`.
fn edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&trip().to_json().unwrap()).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// Reads `bytes`, expecting a refusal naming `field` with `words` in its message.
fn refused(bytes: &[u8], field: &str, words: &[&str]) {
    let error = ConversationExport::from_json(bytes).unwrap_err();
    assert_eq!(invalid_field(&error), field, "{error}");
    let message = error.to_string();
    for word in words {
        assert!(
            message.contains(word),
            "`{message}` should mention `{word}`"
        );
    }
}

#[test]
fn another_format_or_version_is_refused() {
    refused(
        &edited(|v| v["format"] = json!("gantry.persona")),
        "format",
        &["gantry.persona", "gantry.conversation"],
    );
    refused(
        &edited(|v| {
            v.as_object_mut().unwrap().remove("format");
        }),
        "format",
        &["missing"],
    );
    refused(&edited(|v| v["version"] = json!(2)), "version", &["2"]);
    refused(
        &edited(|v| {
            v.as_object_mut().unwrap().remove("version");
        }),
        "version",
        &["missing"],
    );
    // ChatGPT's file handed to the wrong importer.
    refused(b"[{\"title\": \"x\"}]", "export", &["not a Gantry"]);
    refused(b"{\"format\": ", "export", &["not valid JSON"]);
    refused(&[0xff, 0xfe, 0x00], "export", &["not valid JSON"]);
    let mut trailing = trip().to_json().unwrap();
    trailing.extend_from_slice(b" {}");
    refused(&trailing, "export", &["after the JSON"]);
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let mut huge = trip().to_json().unwrap();
    huge.resize(MAX_EXPORT_BYTES + 1, b' ');
    refused(&huge, "export", &["52428801 bytes", "50 MiB"]);
}

#[test]
fn too_many_messages_are_refused() {
    let export = trip();
    let one =
        serde_json::to_string(&serde_json::to_value(&export).unwrap()["messages"][0]).unwrap();
    let messages = vec![one.as_str(); MAX_EXPORT_MESSAGES + 1].join(",");
    let conversation =
        serde_json::to_string(&serde_json::to_value(&export).unwrap()["conversation"]).unwrap();
    let json = format!(
        r#"{{"format":"gantry.conversation","version":1,"conversation":{conversation},"messages":[{messages}]}}"#
    );
    assert!(json.len() < MAX_EXPORT_BYTES);
    refused(json.as_bytes(), "messages", &["100001", "100000"]);
}

#[test]
fn bad_fields_are_refused_with_their_place() {
    refused(
        &edited(|v| v["messages"][2]["role"] = json!("bot")),
        "role",
        &["messages[2].role", "bot"],
    );
    refused(
        &edited(|v| v["messages"][1]["status"] = json!("done")),
        "status",
        &["messages[1].status", "done"],
    );
    refused(
        &edited(|v| v["messages"][0]["content"] = json!("   ")),
        "content",
        &["messages[0].content", "must not be empty"],
    );
    refused(
        &edited(|v| v["messages"][1]["content"] = json!("a\u{0}b")),
        "content",
        &["messages[1].content", "NUL"],
    );
    refused(
        &edited(|v| v["messages"][1]["content"] = json!("x".repeat(256 * 1024 + 1))),
        "content",
        &["messages[1].content", "at most 262144 bytes"],
    );
    refused(
        &edited(|v| v["conversation"]["title"] = json!("")),
        "title",
        &["conversation.title", "must not be empty"],
    );
    refused(
        &edited(|v| v["conversation"]["title"] = json!("é".repeat(151))),
        "title",
        &["conversation.title", "at most 300 bytes"],
    );
    refused(
        &edited(|v| v["messages"][1]["model"] = json!("m".repeat(201))),
        "model",
        &["messages[1].model"],
    );
    refused(
        &edited(|v| v["messages"][0]["created_at"] = json!("yesterday")),
        "created_at",
        &["messages[0].created_at", "yesterday"],
    );
    refused(
        &edited(|v| v["messages"][2]["id"] = json!("not-a-uuid")),
        "id",
        &["messages[2].id"],
    );
    refused(
        &edited(|v| v["messages"][0]["prompt_tokens"] = json!(-5)),
        "prompt_tokens",
        &["messages[0].prompt_tokens"],
    );
    refused(
        &edited(|v| {
            v["messages"][2].as_object_mut().unwrap().remove("content");
        }),
        "messages",
        &["messages[2]", "missing field `content`"],
    );
    refused(
        &edited(|v| v["messages"] = json!({"0": {}})),
        "messages",
        &["messages", "expected a sequence"],
    );
}

#[test]
fn unfinished_messages_and_unknown_fields_are_accepted() {
    let bytes = edited(|v| {
        v["exported_by"] = json!("a newer Gantry");
        v["messages"][1]["content"] = json!("");
        v["messages"][1]["status"] = json!("error");
        v["messages"][1]["error"] = json!("the model server went away");
    });
    let export = ConversationExport::from_json(&bytes).unwrap();
    assert_eq!(export.messages[1].status, MessageStatus::Error);
    assert_eq!(
        export.messages[1].error.as_deref(),
        Some("the model server went away")
    );
}

// ---------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------

/// Top-level headings (level and text) and the code blocks (language and text) of a
/// Markdown document, as a renderer sees them.
/// A heading's level and text.
type Heading = (HeadingLevel, String);
/// A code block's language and text.
type CodeBlock = (String, String);

fn outline(markdown: &str) -> (Vec<Heading>, Vec<CodeBlock>) {
    let mut headings = Vec::new();
    let mut code = Vec::new();
    let mut depth = 0;
    let mut heading: Option<Heading> = None;
    let mut block: Option<CodeBlock> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) if depth == 0 => {
                heading = Some((level, String::new()));
                depth += 1;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => info.to_string(),
                    pulldown_cmark::CodeBlockKind::Indented => String::new(),
                };
                block = Some((language, String::new()));
                depth += 1;
            }
            Event::Start(_) => depth += 1,
            Event::End(TagEnd::Heading(_)) if depth == 1 && heading.is_some() => {
                headings.extend(heading.take());
                depth -= 1;
            }
            Event::End(TagEnd::CodeBlock) => {
                code.extend(block.take());
                depth -= 1;
            }
            Event::End(_) => depth -= 1,
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading)) = &mut heading {
                    heading.push_str(&text);
                } else if let Some((_, block)) = &mut block {
                    block.push_str(&text);
                }
            }
            _ => {}
        }
    }
    (headings, code)
}

#[test]
fn markdown_has_the_title_and_a_heading_per_message() {
    let markdown = to_markdown(&trip());
    let (headings, code) = outline(&markdown);
    assert_eq!(
        headings,
        [
            (HeadingLevel::H1, "Trip plans".to_owned()),
            (HeadingLevel::H2, "User · 2024-11-24 10:00 UTC".to_owned()),
            (
                HeadingLevel::H2,
                "Assistant · 2024-11-24 10:01 UTC · llama-3.1-8b".to_owned()
            ),
            (HeadingLevel::H2, "User · 2024-11-24 10:02 UTC".to_owned()),
        ]
    );
    // The message's code fence is a code block, with its language and text intact.
    assert_eq!(
        code,
        [(
            "python".to_owned(),
            "budget = 450  # euros\nprint(budget)\n".to_owned()
        )]
    );
    // Content is as written.
    assert!(markdown.contains("Day 1: Alfama.\n\n```python\n"));
    assert!(markdown.contains("Day 2: Belém."));
    assert!(markdown.contains("3 messages"));
}

#[test]
fn markdown_content_cannot_swallow_the_messages_after_it() {
    let export = export_of(
        "Unfinished *things* # [1]",
        &[
            (MessageRole::User, "Fix this:\n```rust\nfn main() {"),
            (MessageRole::Assistant, "~~~~\nstill open"),
            (
                MessageRole::User,
                "A comment:\n\n<!-- that never ends\n\nstill inside",
            ),
            (MessageRole::Assistant, "Title\n===\n\n    indented code"),
            (MessageRole::User, "The end."),
        ],
    );
    let markdown = to_markdown(&export);
    let (headings, code) = outline(&markdown);
    let levels: Vec<HeadingLevel> = headings.iter().map(|(level, _)| *level).collect();
    // The title, the setext heading written inside message 4, and five message headings.
    assert_eq!(
        headings[0],
        (HeadingLevel::H1, "Unfinished *things* # [1]".to_owned())
    );
    let message_headings: Vec<&String> = headings
        .iter()
        .filter(|(level, _)| *level == HeadingLevel::H2)
        .map(|(_, text)| text)
        .collect();
    assert_eq!(message_headings.len(), 5, "{markdown}");
    assert!(message_headings[4].starts_with("User · "));
    assert!(levels.contains(&HeadingLevel::H1));
    // The unclosed blocks hold exactly their own text.
    assert!(code.contains(&("rust".to_owned(), "fn main() {\n".to_owned())));
    assert!(code.contains(&(String::new(), "still open\n".to_owned())));
    // The comment that never ends is shown, not hidden.
    assert!(
        code.iter()
            .any(|(_, text)| text.contains("<!-- that never ends") && text.contains("still inside")),
        "{markdown}"
    );
    assert!(markdown.trim_end().ends_with("The end."));
}

#[test]
fn markdown_notes_unfinished_and_failed_answers() {
    let mut export = trip();
    export.messages[1].status = MessageStatus::Partial;
    export.messages[2].status = MessageStatus::Error;
    export.messages[2].content = String::new();
    export.messages[2].error = Some("model *unavailable*".to_owned());
    let markdown = to_markdown(&export);
    assert!(markdown.contains("> *Stopped before the answer was complete.*"));
    assert!(markdown.contains("*(no text)*"));
    assert!(markdown.contains(r"> **Error:** model \*unavailable\*"));
}

// ---------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------

fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"));
    pdf_extract::extract_text_from_mem(pdf).unwrap()
}

/// Whitespace collapsed to single spaces, so wrapped lines compare with the original.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn pdf_shows_the_title_and_every_message() {
    let export = trip();
    let pdf = to_pdf(&export);
    let text = squeeze(&pdf_text(&pdf));
    for expected in [
        "Trip plans",
        "User · 2024-11-24 10:00 UTC",
        "Plan three days in Lisbon, please.",
        "Assistant · 2024-11-24 10:01 UTC · llama-3.1-8b",
        "Day 1: Alfama.",
        "budget = 450 # euros",
        "print(budget)",
        "Day 2: Belém.",
        "Thanks!",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    // Messages are in order.
    let first = text.find("Plan three days").unwrap();
    let second = text.find("Day 2: Belém.").unwrap();
    let third = text.find("Thanks!").unwrap();
    assert!(first < second && second < third);
    // Nothing here needed a replacement, so there is no note about one.
    assert!(!text.contains("cannot show"));

    let mut written = Vec::new();
    write_pdf(&export, &mut written).unwrap();
    assert_eq!(written, pdf, "the same export gives the same bytes");
}

#[test]
fn a_long_conversation_spans_pages_in_order() {
    let chat = conversation("A very long conversation");
    let messages: Vec<Message> = (0..300)
        .map(|i| {
            let role = if i % 2 == 0 {
                MessageRole::User
            } else {
                MessageRole::Assistant
            };
            let body = format!(
                "Message number {i} begins here. {} Message number {i} ends here.",
                "This sentence is filler that makes the line wrap across the page width. "
                    .repeat(1 + i % 4)
            );
            message(&chat, role, &body, i as i64)
        })
        .collect();
    let export = ConversationExport::new(&chat, &messages);
    let text = squeeze(&pdf_text(&to_pdf(&export)));

    let mut position = 0;
    for i in 0..300 {
        for marker in [
            format!("Message number {i} begins here."),
            format!("Message number {i} ends here."),
        ] {
            let found = text[position..]
                .find(&marker)
                .unwrap_or_else(|| panic!("`{marker}` missing or out of order"));
            position += found + marker.len();
        }
    }
    let pages = text.matches("Page ").count();
    assert!(pages > 10, "300 messages fit on {pages} pages");
    assert!(text.contains(&format!("Page 1 of {pages}")));
    assert!(text.contains(&format!("Page {pages} of {pages}")));
}

#[test]
fn long_words_and_lines_wrap_without_losing_text() {
    let word = "x".repeat(3000);
    let code = format!("```\n{}\n```", "let value = compute(); ".repeat(40));
    let export = export_of(
        "Wrapping",
        &[(MessageRole::User, &word), (MessageRole::Assistant, &code)],
    );
    let text = pdf_text(&to_pdf(&export)).replace("Exported from Gantry", "");
    assert_eq!(text.matches('x').count(), 3000);
    assert_eq!(text.matches("compute();").count(), 40);
    // A 3000-character word cannot fit on one line of an A4 page.
    let longest = text.lines().map(|line| line.trim().len()).max().unwrap();
    assert!(longest < 200, "a line of {longest} characters");
}

#[test]
fn every_script_dejavu_covers_round_trips() {
    let export = export_of(
        "Поездка в Αθήνα",
        &[
            (
                MessageRole::User,
                "Ελληνικά: καλημέρα. Русский: съешь ещё этих булок. Crème brûlée, naïve, Øre, Łódź, Ğüş.",
            ),
            (
                MessageRole::Assistant,
                "עברית: שלום עולם. العربية: مرحبا بالعالم. Quotes „so“ “and” ‘so’ «ça» → done — ok…\n\n```python\nпривет = \"мир\"  # комментарий\nprint(привет)\n```",
            ),
        ],
    );
    let pdf = to_pdf(&export);
    let text = squeeze(&pdf_text(&pdf));
    for expected in [
        "Поездка в Αθήνα",
        "Ελληνικά: καλημέρα.",
        "Русский: съешь ещё этих булок.",
        "Crème brûlée, naïve, Øre, Łódź, Ğüş.",
        "עברית: שלום עולם.",
        "العربية: مرحبا بالعالم.",
        "Quotes „so“ “and” ‘so’ «ça» → done — ok…",
        "привет = \"мир\" # комментарий",
        "print(привет)",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    assert!(!text.contains('?'), "{text}");
    assert!(!text.contains(REPLACEMENT_CHARACTER), "{text}");
    assert!(!text.contains("cannot show"), "{text}");
    assert_eq!(to_pdf(&export), pdf, "the same export gives the same bytes");
}

#[test]
fn cjk_text_round_trips_through_an_installed_font() {
    let export = export_of(
        "日本語のテキスト",
        &[
            (MessageRole::User, "中文 and 한국어, please."),
            (
                MessageRole::Assistant,
                "日本語のテキスト、中文、한국어。\n```\n名前 = \"値\"\n```",
            ),
        ],
    );
    let pdf = to_pdf(&export);
    let text = squeeze(&pdf_text(&pdf));
    assert!(
        !text.contains("cannot show"),
        "no installed font has Chinese, Japanese or Korean: install some, such as Debian's \
         fonts-droid-fallback and fonts-wqy-microhei (as .ci/run does). The PDF said: {text}"
    );
    for expected in [
        "日本語のテキスト",
        "中文 and 한국어, please.",
        "日本語のテキスト、中文、한국어。",
        "名前 = \"値\"",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from: {text}");
    }
    assert_eq!(to_pdf(&export), pdf, "the same export gives the same bytes");
}

#[test]
fn a_character_no_font_has_is_replaced_and_named() {
    // U+0378 is unassigned, so no font has it; the zero-width joiner is simply dropped.
    let export = export_of(
        "Odd characters",
        &[(
            MessageRole::User,
            "Before \u{378} after, zero\u{200D}width.",
        )],
    );
    let text = squeeze(&pdf_text(&to_pdf(&export)));
    let r = REPLACEMENT_CHARACTER;
    assert!(
        text.contains(&format!("Before {r} after, zerowidth.")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "This PDF cannot show U+0378: no font here has it, so it appears as {r}."
        )),
        "{text}"
    );
    assert!(text.contains("The JSON and Markdown exports keep it"));
    assert!(text.contains("fonts-noto-cjk"));
}

#[test]
fn a_short_export_stays_small() {
    // The fonts are cut down to the glyphs used, so a few messages take tens of kB.
    let size = to_pdf(&trip()).len();
    assert!(size < 200_000, "a three-message PDF takes {size} bytes");
}

// ---------------------------------------------------------------------------------------
// ZIP
// ---------------------------------------------------------------------------------------

fn read_zip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut file = archive.by_index(index).unwrap();
            let name = file.name().unwrap().into_owned();
            assert!(file.enclosed_name().is_some(), "{name} escapes the folder");
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (name, content)
        })
        .collect()
}

#[test]
fn zip_reads_back_to_identical_exports() {
    let exports = vec![
        trip(),
        export_of("Second", &[(MessageRole::User, "Hello 👋")]),
        export_of("Empty one", &[]),
    ];
    let mut out = Cursor::new(Vec::new());
    write_zip(exports.clone(), &mut out).unwrap();
    let files = read_zip(out.into_inner());
    assert_eq!(files.len(), 4);

    let (name, manifest) = files.last().unwrap();
    assert_eq!(name, export::MANIFEST_FILE);
    let manifest: Value = serde_json::from_slice(manifest).unwrap();
    assert_eq!(manifest["count"], 3);
    let generated = manifest["generated_at"].as_str().unwrap();
    let generated =
        OffsetDateTime::parse(generated, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(
        (OffsetDateTime::now_utc() - generated)
            .whole_seconds()
            .abs()
            < 60
    );

    for (export, (name, json)) in exports.iter().zip(&files) {
        assert_eq!(name, &zip_entry_name(export));
        assert_eq!(&ConversationExport::from_json(json).unwrap(), export);
    }
    let listed: Vec<&str> = manifest["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["file"].as_str().unwrap())
        .collect();
    let names: Vec<&str> = files[..3].iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(listed, names);
    assert_eq!(manifest["conversations"][1]["title"], "Second");
    assert_eq!(manifest["conversations"][0]["messages"], 3);
}

#[test]
fn zip_names_are_safe_whatever_the_title() {
    let long = "word ".repeat(100);
    let hostile = [
        ("../../etc/passwd", "etc-passwd"),
        ("", "conversation"),
        ("   ", "conversation"),
        (long.as_str(), ""),
        ("🎉🎉 Party 🎉", "party"),
        ("🎉", "conversation"),
        ("C:\\Windows\\System32", "c-windows-system32"),
        (".hidden", "hidden"),
        ("a/b\\c:d*e?f\"g<h>i|j", "a-b-c-d-e-f-g-h-i-j"),
        ("Café crème in Zürich", "cafe-creme-in-zurich"),
        ("line\nbreak\0nul", "line-break-nul"),
        ("..", "conversation"),
    ];
    let mut exports = Vec::new();
    for (title, slug) in hostile {
        let export = export_of(title, &[(MessageRole::User, "hi")]);
        let name = zip_entry_name(&export);
        let id = export.conversation.id.to_string();
        assert!(name.starts_with("2024-11-24-"), "{name}");
        assert!(name.ends_with(&format!("-{id}.json")), "{name}");
        if !slug.is_empty() {
            assert_eq!(name, format!("2024-11-24-{slug}-{id}.json"));
        }
        assert!(name.len() <= 120, "{} bytes: {name}", name.len());
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'),
            "{name}"
        );
        assert!(!name.contains(".."), "{name}");
        assert_eq!(name.matches('.').count(), 1, "{name}");
        exports.push(export);
    }
    let mut out = Cursor::new(Vec::new());
    write_zip(exports.clone(), &mut out).unwrap();
    let files = read_zip(out.into_inner());
    assert_eq!(files.len(), exports.len() + 1);
    for (export, (name, json)) in exports.iter().zip(&files) {
        assert!(!name.contains('/') && !name.contains('\\'));
        assert_eq!(json, &export.to_json().unwrap());
        // A blank title or a NUL never comes out of a store, and is refused on the way in.
        if export.validate().is_ok() {
            assert_eq!(&ConversationExport::from_json(json).unwrap(), export);
        } else {
            assert!(ConversationExport::from_json(json).is_err());
        }
    }
}

#[test]
fn zip_refuses_the_same_conversation_twice() {
    let export = trip();
    let mut out = Cursor::new(Vec::new());
    let error = write_zip([export.clone(), export.clone()], &mut out).unwrap_err();
    assert!(matches!(error, Error::Conflict { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains(&export.conversation.id.to_string())
    );
}

// ---------------------------------------------------------------------------------------
// ChatGPT import
// ---------------------------------------------------------------------------------------

const FIXTURE: &str = include_str!("fixtures/chatgpt-conversations.json");

fn micros(seconds: f64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos((seconds * 1e6).round() as i128 * 1000).unwrap()
}

fn lines(export: &ConversationExport) -> Vec<(MessageRole, &str)> {
    export
        .messages
        .iter()
        .map(|message| (message.role, message.content.as_str()))
        .collect()
}

#[test]
fn chatgpt_export_reads_the_branch_the_user_saw() {
    let import = parse_chatgpt(FIXTURE.as_bytes()).unwrap();
    let titles: Vec<&str> = import
        .conversations
        .iter()
        .map(|export| export.conversation.title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "Lisbon trip plans",
            export::UNTITLED,
            "Résumé review",
            export::UNTITLED
        ]
    );

    // Branches: the regenerated answer and the edited-away question are left out; so are
    // the hidden system message, the code sent to a tool, its output, and the memory note.
    let trip = &import.conversations[0];
    assert_eq!(
        lines(trip),
        [
            (
                MessageRole::User,
                "Plan a 3-day trip to Lisbon for two in March."
            ),
            (
                MessageRole::Assistant,
                "Here is a plan:\n\n**Day 1:** Alfama and the castle.\n**Day 2:** Belém.\n**Day 3:** Sintra.\n\n```text\nBudget: €450 per person\n```"
            ),
            (
                MessageRole::User,
                "Which pastries should we try? And how many days is 3 * 24 hours?"
            ),
            (
                MessageRole::Assistant,
                "Try *pastéis de nata* at Manteigaria — and a bifana. 3 × 24 hours is 3 days."
            ),
        ]
    );
    assert_eq!(trip.conversation.created_at, micros(1_732_442_400.123_456));
    assert_eq!(trip.conversation.updated_at, micros(1_732_442_700.9));
    assert_eq!(trip.messages[0].created_at, micros(1_732_442_401.5));
    assert_eq!(trip.messages[3].created_at, at(1_732_442_700));
    assert_eq!(trip.messages[1].model.as_deref(), Some("gpt-4o"));
    assert_eq!(trip.messages[0].model, None);
    assert!(!trip.conversation.archived);
    assert!(
        trip.messages
            .iter()
            .all(|message| message.status == MessageStatus::Complete)
    );

    // No title; a photo with a question keeps the question; a message without a time
    // takes the conversation's; no update time means the last message's.
    let plant = &import.conversations[1];
    assert_eq!(
        lines(plant),
        [
            (MessageRole::User, "What plant is this? 🌱"),
            (
                MessageRole::Assistant,
                "It looks like a *Monstera deliciosa* (Swiss cheese plant)."
            ),
        ]
    );
    assert_eq!(plant.messages[0].created_at, at(1_732_500_000));
    assert_eq!(plant.conversation.updated_at, micros(1_732_500_030.5));

    // Custom instructions and reasoning are hidden in ChatGPT and left out here; text
    // parts are joined; archived stays archived.
    let resume = &import.conversations[2];
    assert_eq!(
        lines(resume),
        [
            (
                MessageRole::User,
                "日本語の履歴書も見てもらえますか？\n\nIt is two pages long."
            ),
            (MessageRole::Assistant, "はい、大丈夫です。Paste it here."),
        ]
    );
    assert!(resume.conversation.archived);
    assert_eq!(resume.messages[1].model.as_deref(), Some("o1"));

    // Without current_node (older exports), the newest branch is read.
    let haiku = &import.conversations[3];
    assert_eq!(
        lines(haiku),
        [
            (MessageRole::User, "Write a haiku about rain."),
            (
                MessageRole::Assistant,
                "Soft rain on the roof\nthe kettle begins to sing\nno one needs to leave"
            ),
        ]
    );

    // The damaged ones are listed with their place and reason.
    let skipped: Vec<(usize, Option<&str>)> = import
        .skipped
        .iter()
        .map(|skipped| (skipped.index, skipped.title.as_deref()))
        .collect();
    assert_eq!(
        skipped,
        [
            (3, Some("Broken export")),
            (4, Some("Looping tree")),
            (5, Some("Empty chat"))
        ]
    );
    assert!(import.skipped[0].reason.contains("mapping"));
    assert!(import.skipped[1].reason.contains("loops"));
    assert!(
        import.skipped[2]
            .reason
            .contains("no user or assistant text")
    );

    // What the import yields is what a Gantry export would be.
    for export in &import.conversations {
        export.validate().unwrap();
        let json = export.to_json().unwrap();
        assert_eq!(&ConversationExport::from_json(&json).unwrap(), export);
    }
}

#[test]
fn chatgpt_import_refuses_what_is_not_its_export() {
    for (bytes, words) in [
        (
            &b"{\"conversations\": []}"[..],
            "JSON array of conversations",
        ),
        (b"PK\x03\x04rest of a zip", "ZIP"),
        (b"[{\"title\": ", "EOF"),
        (b"[] []", "trailing"),
    ] {
        let error = parse_chatgpt(bytes).unwrap_err();
        assert_eq!(invalid_field(&error), "conversations.json");
        assert!(error.to_string().contains(words), "{error}");
    }
    let huge = vec![b' '; export::MAX_CHATGPT_BYTES + 1];
    let error = parse_chatgpt(&huge).unwrap_err();
    assert!(error.to_string().contains("256 MiB"), "{error}");

    let empty = parse_chatgpt(b"[]").unwrap();
    assert!(empty.conversations.is_empty() && empty.skipped.is_empty());
}

#[test]
fn chatgpt_import_survives_odd_conversations() {
    let long = "é".repeat(200_000);
    let file = json!([
        "not a conversation",
        {"title": null, "create_time": null, "update_time": null, "current_node": "b",
         "mapping": {
            "a": {"id": "a", "message": {"author": {"role": "user"}, "create_time": null,
                  "content": {"content_type": "text", "parts": [long]}}, "parent": null, "children": ["b"]},
            "b": {"id": "b", "message": {"author": {"role": "assistant"}, "create_time": "soon",
                  "content": {"content_type": "text", "parts": ["  ", "Short\u{0} answer", 42]}},
                  "parent": "a", "children": []}
         }},
        {"title": "x".repeat(500), "mapping": {"only": {"message": null, "parent": "only", "children": []}},
         "current_node": "only"}
    ]);
    let started = OffsetDateTime::now_utc();
    let import = parse_chatgpt(&serde_json::to_vec(&file).unwrap()).unwrap();
    assert_eq!(import.conversations.len(), 1);
    let odd = &import.conversations[0];
    assert_eq!(odd.conversation.title, export::UNTITLED);
    // No times anywhere: the time of the import.
    assert!(
        (odd.conversation.created_at - started)
            .whole_seconds()
            .abs()
            < 60
    );
    assert_eq!(odd.messages[1].created_at, odd.conversation.created_at);
    // A message longer than Gantry keeps is cut, marked, and not called complete.
    let first = &odd.messages[0];
    assert!(first.content.len() <= 256 * 1024);
    assert!(first.content.starts_with("éé"));
    assert!(first.content.ends_with("longer than Gantry keeps.]"));
    assert_eq!(first.status, MessageStatus::Partial);
    // NUL is removed, blank and non-text parts dropped.
    assert_eq!(odd.messages[1].content, "Short answer");

    let skipped: Vec<(usize, &str)> = import
        .skipped
        .iter()
        .map(|skipped| (skipped.index, skipped.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0].0, 0);
    assert!(skipped[0].1.contains("not a JSON object"));
    assert_eq!(skipped[1].0, 2);
    assert!(skipped[1].1.contains("loops"), "{}", skipped[1].1);
    assert_eq!(import.skipped[1].title.as_ref().unwrap().len(), 300);
}

#[test]
fn chatgpt_import_of_a_deep_tree_is_quick() {
    // 20,000 messages in one chain, each pointing at the previous one.
    let mut mapping = serde_json::Map::new();
    for i in 0..20_000 {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        mapping.insert(
            format!("n{i}"),
            json!({"message": {"author": {"role": role}, "create_time": 1_700_000_000 + i,
                   "content": {"content_type": "text", "parts": [format!("message {i}")]}},
                   "parent": if i == 0 { Value::Null } else { json!(format!("n{}", i - 1)) },
                   "children": [format!("n{}", i + 1)]}),
        );
    }
    let file = json!([{"title": "Deep", "mapping": mapping, "current_node": "n19999"}]);
    let started = std::time::Instant::now();
    let import = parse_chatgpt(&serde_json::to_vec(&file).unwrap()).unwrap();
    assert!(started.elapsed().as_secs() < 20);
    let messages = &import.conversations[0].messages;
    assert_eq!(messages.len(), 20_000);
    assert_eq!(messages[19_999].content, "message 19999");
    assert!(
        messages
            .windows(2)
            .all(|pair| pair[0].created_at < pair[1].created_at)
    );
}

/// Claude's export, as its data export writes it: messages in order, text in `content`
/// parts (tool use and other parts left out) or, in older files, in `text`.
#[test]
fn claude_export_keeps_human_and_assistant_text_in_order() {
    let file = json!([
        {
            "uuid": "c-1",
            "name": "Lemon trees 🍋",
            "created_at": "2025-03-01T10:00:00.000000Z",
            "updated_at": "2025-03-01T10:05:00.000000Z",
            "account": {"uuid": "a"},
            "chat_messages": [
                {"uuid": "m1", "sender": "human", "text": "ignored when content has text",
                 "content": [{"type": "text", "text": "How do I grow lemons?"}],
                 "created_at": "2025-03-01T10:00:01.000000Z", "attachments": [], "files": []},
                {"uuid": "m2", "sender": "assistant",
                 "content": [
                     {"type": "text", "text": "Sun, drainage,"},
                     {"type": "tool_use", "name": "search", "input": {"q": "lemons"}},
                     {"type": "text", "text": "and patience."}
                 ],
                 "created_at": "2025-03-01T10:00:09.000000Z"},
                {"uuid": "m3", "sender": "human", "content": [{"type": "text", "text": "   "}],
                 "created_at": "2025-03-01T10:01:00.000000Z"}
            ]
        },
        {
            "name": "Older file",
            "created_at": "2024-01-01T00:00:00Z",
            "chat_messages": [
                {"sender": "human", "text": "Hello from 2024"},
                {"sender": "assistant", "text": "Hello!"}
            ]
        },
        {"name": "Damaged", "chat_messages": "not a list"},
        {"name": "Empty", "chat_messages": []},
        42
    ]);
    let import = parse_claude(file.to_string().as_bytes()).unwrap();
    assert_eq!(import.conversations.len(), 2);
    let first = &import.conversations[0];
    assert_eq!(first.conversation.title, "Lemon trees 🍋");
    let texts: Vec<(&MessageRole, &str)> = first
        .messages
        .iter()
        .map(|m| (&m.role, m.content.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (&MessageRole::User, "How do I grow lemons?"),
            (&MessageRole::Assistant, "Sun, drainage,\n\nand patience."),
        ]
    );
    assert_eq!(
        first.conversation.created_at,
        OffsetDateTime::parse(
            "2025-03-01T10:00:00Z",
            &time::format_description::well_known::Rfc3339
        )
        .unwrap()
    );
    assert_eq!(first.messages[1].created_at.second(), 9);
    let older = &import.conversations[1];
    assert_eq!(older.messages[0].content, "Hello from 2024");
    assert_eq!(older.messages[1].role, MessageRole::Assistant);
    // The unreadable ones are listed, with their index and why.
    let skipped: Vec<(usize, Option<&str>)> = import
        .skipped
        .iter()
        .map(|s| (s.index, s.title.as_deref()))
        .collect();
    assert_eq!(
        skipped,
        [(2, Some("Damaged")), (3, Some("Empty")), (4, None)]
    );
    assert!(
        import.skipped[1]
            .reason
            .contains("no human or assistant text")
    );
}

#[test]
fn claude_import_refuses_what_is_not_its_export() {
    for (bytes, says) in [
        (&b"PK\x03\x04zip"[..], "ZIP"),
        (&b"{\"not\": \"a list\"}"[..], "array"),
        (&b"[{\"name\": \"x\""[..], "EOF"),
    ] {
        let error = parse_claude(bytes).unwrap_err();
        assert_eq!(error.invalid_field(), Some("conversations.json"));
        assert!(error.to_string().contains(says), "{error}");
    }
}
