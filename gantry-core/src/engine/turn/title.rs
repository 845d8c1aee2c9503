//! Titling a new conversation after its first turn: by the model when the settings say
//! so, from the question's first words otherwise.

use super::Job;
use crate::engine::{DEFAULT_TITLE, Engine};
use crate::llm::{ChatMessage, ChatRequest};
use crate::model::{ConversationPatch, MessageRole};

/// The longest title, in characters.
const TITLE_CHARS: usize = 80;

impl Engine {
    /// Titles a conversation that had the default title when the turn began, unless it was
    /// renamed meanwhile. Trouble is logged, never returned: this runs after the turn.
    pub(super) async fn title_new_conversation(&self, job: &Job) {
        let plan = &job.plan;
        if plan.conversation.title == DEFAULT_TITLE {
            let title = self.title_for(job).await;
            // Only while the title is still the default, decided by the store in the same
            // statement: a rename that lands meanwhile wins.
            let patch = ConversationPatch {
                title: Some(title),
                title_if: Some(DEFAULT_TITLE.to_owned()),
                ..ConversationPatch::default()
            };
            if let Err(error) = self
                .inner
                .store
                .update_conversation(plan.user, plan.conversation.id, patch)
                .await
            {
                tracing::warn!(%error, "could not title the conversation");
            }
        }
    }

    /// A short title: the model's, or the question's first words.
    async fn title_for(&self, job: &Job) -> String {
        let plan = &job.plan;
        let question: String = job.question.content.chars().take(500).collect();
        if self.inner.settings.title_with_model {
            let request = ChatRequest {
                model: plan.model.clone(),
                messages: vec![ChatMessage {
                    role: MessageRole::User,
                    content: format!(
                        "Write a title of at most six words for a conversation that begins \
                         with the message below. Answer with the title only.\n\n{question}"
                    ),
                }],
                temperature: Some(0.0),
                max_tokens: Some(24),
                ..ChatRequest::default()
            };
            match plan.chat.complete(request).await {
                Ok(response) => {
                    if let Some(title) = clean_title(&response.text) {
                        return title;
                    }
                }
                Err(error) => tracing::info!(%error, "titling by the model failed"),
            }
        }
        fallback_title(&job.question.content)
    }
}

/// The model's title, cleaned: first line, no quotes or "Title:" prefix, at most 80
/// characters. `None` when nothing usable is left.
fn clean_title(raw: &str) -> Option<String> {
    let line = raw.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line
        .strip_prefix("Title:")
        .or_else(|| line.strip_prefix("title:"))
        .unwrap_or(line);
    let line = line.trim_matches(|c: char| c.is_whitespace() || "\"'*#`“”".contains(c));
    let words: Vec<&str> = line.split_whitespace().collect();
    let title = shorten(&words.join(" "));
    (!title.is_empty()).then_some(title)
}

/// The question's first words, as a title.
fn fallback_title(question: &str) -> String {
    let words: Vec<&str> = question.split_whitespace().take(8).collect();
    let mut title = shorten(&words.join(" "));
    if title.is_empty() {
        DEFAULT_TITLE.clone_into(&mut title);
    } else if question.split_whitespace().nth(8).is_some() && !title.ends_with('…') {
        title.push('…');
    }
    title
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= TITLE_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(TITLE_CHARS - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > TITLE_CHARS / 2 => cut[..space].to_owned(),
        _ => cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_the_model_are_cleaned() {
        assert_eq!(
            clean_title("  \"Trip to Lisbon\"\nmore").as_deref(),
            Some("Trip to Lisbon")
        );
        assert_eq!(
            clean_title("Title: **Rust lifetimes**").as_deref(),
            Some("Rust lifetimes")
        );
        assert_eq!(clean_title(" \n \"\" "), None);
        let long = clean_title(&"word ".repeat(40)).unwrap_or_default();
        assert!(long.chars().count() <= TITLE_CHARS && long.ends_with('…'));
    }

    #[test]
    fn fallback_titles_take_the_first_words() {
        assert_eq!(fallback_title("What is   BM25?"), "What is BM25?");
        assert_eq!(
            fallback_title("one two three four five six seven eight nine ten"),
            "one two three four five six seven eight…"
        );
        assert_eq!(fallback_title("   "), DEFAULT_TITLE);
    }
}
