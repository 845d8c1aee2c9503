//! Assembling a chat turn's prompt within the model's context length.
//!
//! A turn's prompt holds, in order: the system prompt (the persona's, or a default), the
//! retrieved context as numbered sources the answer can cite, as much recent history as
//! still fits, and the question. Everything is counted in tokens by a counter the caller
//! supplies (the model's own tokenizer where one is at hand, an estimate otherwise), and
//! room is kept for the answer. What does not fit is left out in a fixed order: the oldest
//! history first, then the lowest-ranked context; the question and system prompt never are.

use serde::{Deserialize, Serialize};

use crate::ids::{ChunkId, ConversationId, DocumentId, MessageId, RelationId};
use crate::llm::ChatMessage;
use crate::model::MessageRole;
use crate::{Error, Result};

/// Where a piece of context came from, so an answer can cite it: typed ids, so a message's
/// id can never be taken for a chunk's (serialised as plain UUID strings with a `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// An earlier message of the user's, in this or another conversation.
    Message {
        /// The message.
        id: MessageId,
        /// Its conversation.
        conversation_id: ConversationId,
    },
    /// A chunk of one of the user's documents.
    Chunk {
        /// The chunk.
        id: ChunkId,
        /// Its document.
        document_id: DocumentId,
    },
    /// A fact from the user's knowledge graph.
    Fact {
        /// The relation.
        id: RelationId,
    },
}

/// One retrieved piece of context, best first in the list handed to [`build_prompt`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextItem {
    /// Where it came from.
    pub source: Source,
    /// The text put in front of the model.
    pub text: String,
}

/// The room a prompt has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromptBudget {
    /// The model's context length, in tokens.
    pub context_length: usize,
    /// Tokens kept free for the answer.
    pub answer_tokens: usize,
    /// The most tokens retrieved context may take; the rest goes to history.
    pub max_context_tokens: usize,
}

/// A prompt ready to send, and what went into it.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltPrompt {
    /// The messages, system first and the question last.
    pub messages: Vec<ChatMessage>,
    /// The context items included, in the order they are numbered (`[1]`, `[2]`, …).
    pub cited: Vec<ContextItem>,
    /// How many of the most recent history messages were included.
    pub history_used: usize,
    /// The prompt's size by the caller's counter.
    pub tokens: usize,
}

/// Tokens a message costs beyond its text (role markers and separators in chat templates).
const PER_MESSAGE_TOKENS: usize = 4;

/// The system prompt used when the persona has none.
pub const DEFAULT_SYSTEM_PROMPT: &str =
    "You are a helpful assistant. Answer accurately and concisely.";

/// Builds a turn's prompt: `system` (the persona's prompt, or the default when empty),
/// `context` best first, `history` oldest first (without the question), and the question.
/// Fails, naming the question, when the system prompt and question alone leave no room for
/// an answer.
pub fn build_prompt(
    system: &str,
    context: &[ContextItem],
    history: &[ChatMessage],
    question: &str,
    budget: &PromptBudget,
    count_tokens: &dyn Fn(&str) -> usize,
) -> Result<BuiltPrompt> {
    let system = if system.trim().is_empty() {
        DEFAULT_SYSTEM_PROMPT
    } else {
        system
    };
    let cost = |text: &str| count_tokens(text) + PER_MESSAGE_TOKENS;
    let available = budget.context_length.saturating_sub(budget.answer_tokens);
    let fixed = cost(system) + cost(question);
    if fixed > available {
        return Err(Error::invalid(
            "question",
            format!(
                "needs about {fixed} tokens with the system prompt; the model's context of {} \
                 tokens keeps {} for the answer",
                budget.context_length, budget.answer_tokens
            ),
        ));
    }
    let mut left = available - fixed;

    // Context: best first, while it fits its share; numbered for citation.
    let mut cited = Vec::new();
    let mut sources = String::new();
    let mut context_left = budget.max_context_tokens.min(left);
    const HEADER: &str = "Use these sources where they help, and cite them by number, like [1]:";
    let header_cost = count_tokens(HEADER) + 2;
    if !context.is_empty() && header_cost < context_left {
        context_left -= header_cost;
        for item in context {
            let entry = format!("[{}] {}", cited.len() + 1, item.text.trim());
            let entry_cost = count_tokens(&entry) + 1;
            if entry_cost > context_left {
                continue; // a shorter, lower-ranked item may still fit
            }
            context_left -= entry_cost;
            sources.push('\n');
            sources.push_str(&entry);
            cited.push(item.clone());
        }
    }
    let system_text = if cited.is_empty() {
        system.to_owned()
    } else {
        format!("{system}\n\n{HEADER}{sources}")
    };
    left = available.saturating_sub(cost(&system_text) + cost(question));

    // History: newest first, while it fits; then back in order.
    let mut history_used = 0;
    for message in history.iter().rev() {
        let message_cost = cost(&message.content);
        if message_cost > left {
            break; // keep the history contiguous: never skip a message and take an older one
        }
        left -= message_cost;
        history_used += 1;
    }
    let mut messages = Vec::with_capacity(history_used + 2);
    messages.push(ChatMessage {
        role: MessageRole::System,
        content: system_text,
    });
    messages.extend(history[history.len() - history_used..].iter().cloned());
    messages.push(ChatMessage {
        role: MessageRole::User,
        content: question.to_owned(),
    });
    let tokens = messages.iter().map(|m| cost(&m.content)).sum();
    Ok(BuiltPrompt {
        messages,
        cited,
        history_used,
        tokens,
    })
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    /// One token per word: easy to reason about in tests.
    fn words(text: &str) -> usize {
        text.split_whitespace().count()
    }

    fn said(role: MessageRole, text: &str) -> ChatMessage {
        ChatMessage {
            role,
            content: text.to_owned(),
        }
    }

    fn item(n: u128, text: &str) -> ContextItem {
        ContextItem {
            source: Source::Chunk {
                id: ChunkId(Uuid::from_u128(n)),
                document_id: DocumentId(Uuid::nil()),
            },
            text: text.to_owned(),
        }
    }

    fn budget(context_length: usize) -> PromptBudget {
        PromptBudget {
            context_length,
            answer_tokens: 20,
            max_context_tokens: 40,
        }
    }

    #[test]
    fn everything_fits_in_order_with_numbered_sources() {
        let history = [
            said(MessageRole::User, "hello there"),
            said(MessageRole::Assistant, "hi, how can I help"),
        ];
        let context = [
            item(1, "Paris is in France."),
            item(2, "Lisbon is in Portugal."),
        ];
        let built = build_prompt(
            "Be brief.",
            &context,
            &history,
            "where is Lisbon?",
            &budget(500),
            &words,
        )
        .unwrap();
        assert_eq!(built.messages.len(), 4);
        assert_eq!(built.messages[0].role, MessageRole::System);
        assert!(built.messages[0].content.starts_with("Be brief."));
        assert!(
            built.messages[0]
                .content
                .contains("[1] Paris is in France.")
        );
        assert!(
            built.messages[0]
                .content
                .contains("[2] Lisbon is in Portugal.")
        );
        assert_eq!(built.messages[1..3], history);
        assert_eq!(built.messages[3].content, "where is Lisbon?");
        assert_eq!(built.cited, context);
        assert_eq!(built.history_used, 2);
        assert!(built.tokens <= 500 - 20);
    }

    #[test]
    fn the_oldest_history_goes_first_and_the_prompt_fits() {
        let history: Vec<ChatMessage> = (0..50)
            .map(|i| {
                said(
                    MessageRole::User,
                    &format!("message number {i} with some words"),
                )
            })
            .collect();
        let built = build_prompt("", &[], &history, "and now?", &budget(120), &words).unwrap();
        assert!(built.history_used > 0 && built.history_used < 50);
        // The newest messages, contiguous, in order.
        assert_eq!(
            built.messages[1..built.messages.len() - 1],
            history[50 - built.history_used..]
        );
        assert!(built.tokens <= 120 - 20, "{} tokens", built.tokens);
        assert_eq!(built.messages[0].content, DEFAULT_SYSTEM_PROMPT);
    }

    #[test]
    fn context_keeps_to_its_share_and_skips_what_does_not_fit() {
        let long = "word ".repeat(35);
        let context = [
            item(1, "first short source"),
            item(2, &long),
            item(3, "third short source"),
        ];
        let built = build_prompt("s", &context, &[], "q", &budget(1_000), &words).unwrap();
        let ids: Vec<Source> = built.cited.iter().map(|c| c.source).collect();
        assert_eq!(ids, vec![context[0].source, context[2].source]);
        assert!(built.messages[0].content.contains("[2] third short source"));
    }

    proptest::proptest! {
        /// Whatever the sizes, the prompt fits the budget (or the question is refused),
        /// ends with the question, and its history is the newest messages, in order.
        #[test]
        fn the_prompt_always_fits(
            lengths in proptest::collection::vec(1usize..60, 0..40),
            sources in proptest::collection::vec(1usize..30, 0..10),
            question in 1usize..80,
            context_length in 40usize..400,
        ) {
            let history: Vec<ChatMessage> = lengths
                .iter()
                .map(|n| said(MessageRole::User, &"w ".repeat(*n)))
                .collect();
            let context: Vec<ContextItem> = sources
                .iter()
                .enumerate()
                .map(|(i, n)| item(i as u128, &"c ".repeat(*n)))
                .collect();
            let question = "q ".repeat(question);
            let budget = budget(context_length);
            match build_prompt("sys", &context, &history, &question, &budget, &words) {
                Ok(built) => {
                    proptest::prop_assert!(built.tokens <= context_length - budget.answer_tokens);
                    let n = built.messages.len();
                    proptest::prop_assert_eq!(&built.messages[n - 1].content, &question);
                    proptest::prop_assert_eq!(&built.messages[1..n - 1], &history[history.len() - built.history_used..]);
                }
                Err(error) => proptest::prop_assert_eq!(error.invalid_field(), Some("question")),
            }
        }
    }

    #[test]
    fn a_question_too_long_for_the_model_is_refused() {
        let question = "word ".repeat(200);
        let error = build_prompt("s", &[], &[], &question, &budget(100), &words).unwrap_err();
        assert_eq!(error.invalid_field(), Some("question"));
    }
}
