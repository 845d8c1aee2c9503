//! A conversation as a Markdown document: the title as a heading, then each message under
//! a heading with its role and time, its content as written.
//!
//! Message content is Markdown written by people and models, and can be unfinished: a code
//! fence never closed, an HTML comment never ended. Pasted as is, such content would swallow
//! every message after it. So each message is checked by parsing it with a heading after it:
//! if the heading would not survive, an unclosed fence is closed, and if that is not enough
//! the message is shown verbatim in a code block whose fence nothing in it can close.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::model::MessageStatus;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag};

use super::{ConversationExport, human_time, role_label};

/// Renders the export as Markdown for reading or pasting into notes. Content is kept as
/// written, except that a message whose Markdown would run into the next one is closed off
/// (see the module documentation).
pub fn to_markdown(export: &ConversationExport) -> String {
    let conversation = &export.conversation;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", inline(&conversation.title));

    let count = export.messages.len();
    let mut facts = vec![
        format!("Created {}", human_time(conversation.created_at)),
        format!("updated {}", human_time(conversation.updated_at)),
        format!("{count} message{}", if count == 1 { "" } else { "s" }),
    ];
    if let Some(model) = &conversation.model {
        facts.push(format!("model {}", inline(model)));
    }
    if conversation.pinned {
        facts.push("pinned".to_owned());
    }
    if conversation.archived {
        facts.push("archived".to_owned());
    }
    let _ = writeln!(out, "*{}*\n", facts.join(" · "));

    for message in &export.messages {
        let mut heading = format!(
            "{} · {}",
            role_label(message.role),
            human_time(message.created_at)
        );
        if let Some(model) = &message.model {
            let _ = write!(heading, " · {}", inline(model));
        }
        let _ = writeln!(out, "## {heading}\n");

        if message.content.trim().is_empty() {
            out.push_str("*(no text)*\n\n");
        } else {
            out.push_str(&self_contained(&message.content));
            out.push_str("\n\n");
        }
        match message.status {
            MessageStatus::Complete => {}
            MessageStatus::Partial => {
                out.push_str("> *Stopped before the answer was complete.*\n\n");
            }
            MessageStatus::Error => {
                let reason = message.error.as_deref().unwrap_or("the answer failed");
                let _ = writeln!(out, "> **Error:** {}\n", inline(reason));
            }
        }
    }
    out
}

/// Text for one line of Markdown (a heading, a fact) that shows as written: line breaks
/// and control characters become spaces and Markdown punctuation is escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    let trimmed = out.trim();
    if trimmed.is_empty() {
        "(untitled)".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The content, closed off so that what follows it in the document stays outside it.
fn self_contained(content: &str) -> Cow<'_, str> {
    let content = content.trim_end_matches(['\n', '\r']);
    if ends_cleanly(content) {
        return Cow::Borrowed(content);
    }
    if let Some(fence) = open_fence(content) {
        let closed = format!("{content}\n{fence}");
        if ends_cleanly(&closed) {
            return Cow::Owned(closed);
        }
    }
    Cow::Owned(verbatim(content))
}

/// The heading text used to test whether content ends cleanly.
const PROBE: &str = "gantry-export-probe-7d1c";

/// Whether a level-2 heading after the content is still a top-level heading.
fn ends_cleanly(content: &str) -> bool {
    let document = format!("{content}\n\n## {PROBE}\n");
    let mut depth = 0usize;
    let mut in_probe_heading = false;
    for event in Parser::new_ext(&document, options()) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) if depth == 0 => {
                in_probe_heading = true;
                depth += 1;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_probe_heading = false;
            }
            Event::Text(text) if in_probe_heading && text.as_ref() == PROBE => return true,
            _ => {}
        }
    }
    false
}

/// The Markdown extensions common renderers understand (GitHub's flavour).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

/// The closing fence for a top-level code fence left open at the end of the content.
fn open_fence(content: &str) -> Option<String> {
    let mut open: Option<(char, usize)> = None;
    for line in content.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            continue;
        }
        let rest = &line[indent..];
        let Some(first) = rest.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let run = rest.chars().take_while(|c| *c == first).count();
        match open {
            None if run >= 3 => {
                let info = &rest[run..];
                if first == '~' || !info.contains('`') {
                    open = Some((first, run));
                }
            }
            Some((fence, length))
                if first == fence && run >= length && rest[run..].trim().is_empty() =>
            {
                open = None;
            }
            _ => {}
        }
    }
    open.map(|(fence, length)| fence.to_string().repeat(length))
}

/// The content in a fenced code block that no line of it can close.
fn verbatim(content: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{content}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_content_is_untouched() {
        let content = "Here:\n\n```rust\nfn main() {}\n```\n\nDone.";
        assert_eq!(self_contained(content), content);
    }

    #[test]
    fn an_open_fence_is_closed_with_its_own_kind() {
        assert_eq!(open_fence("a\n~~~~ py\nx = 1"), Some("~~~~".to_owned()));
        assert_eq!(
            self_contained("a\n````\ncode"),
            "a\n````\ncode\n````".to_owned()
        );
    }

    #[test]
    fn an_unending_html_comment_becomes_verbatim() {
        let shown = self_contained("before\n\n<!-- never ends\n\nmore ``` text");
        assert!(shown.starts_with("````text\n"), "{shown}");
        assert!(ends_cleanly(&shown));
    }

    #[test]
    fn inline_text_escapes_markdown() {
        assert_eq!(inline("*Plan* #1\nnext"), r"\*Plan\* \#1 next");
        assert_eq!(inline(" \n "), "(untitled)");
    }
}
