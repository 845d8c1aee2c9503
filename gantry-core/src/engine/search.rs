//! Search across everything a user has (the Cmd+K palette): conversations by title and by
//! what was said in them, and documents by name and content, with highlighted snippets.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Engine;
use super::conversations::check_query;
use crate::Error;
use crate::Result;
use crate::ids::{ChunkId, ConversationId, DocumentId, MessageId, UserId};
use crate::index::SearchFilter;
use crate::model::{Conversation, Document};
use crate::store::ChangeKind;

/// The most results of each kind one search returns.
pub const MAX_SEARCH_RESULTS: usize = 50;

/// A conversation that matches, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationMatch {
    /// The conversation.
    pub conversation: Conversation,
    /// The matching message, when the match is in what was said rather than the title.
    pub message_id: Option<MessageId>,
    /// HTML: the title or message excerpt, the query's words in `<mark>`, the rest escaped.
    pub snippet: String,
}

/// A document that matches, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentMatch {
    /// The document.
    pub document: Document,
    /// The matching chunk, when the match is in the text rather than the file name.
    pub chunk_id: Option<ChunkId>,
    /// HTML: the file name or chunk excerpt, the query's words in `<mark>`.
    pub snippet: String,
}

/// What a search found, best first in each list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Conversations, title matches first.
    pub conversations: Vec<ConversationMatch>,
    /// Documents, name matches first.
    pub documents: Vec<DocumentMatch>,
}

impl Engine {
    /// Searches the user's conversations and documents: titles and file names by substring,
    /// messages and document text by hybrid retrieval. At most `limit` (1 to 50) of each.
    pub async fn search(&self, user: UserId, query: &str, limit: usize) -> Result<SearchResults> {
        let query = check_query(query)?;
        if limit == 0 || limit > MAX_SEARCH_RESULTS {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_SEARCH_RESULTS}"),
            ));
        }
        let mut results = SearchResults::default();
        let mut seen = HashSet::new();

        let titled = self
            .inner
            .store
            .search_conversations(user, query, limit as u32)
            .await?;
        for conversation in titled {
            seen.insert(conversation.id.0);
            results.conversations.push(ConversationMatch {
                snippet: highlight(&conversation.title, query),
                conversation,
                message_id: None,
            });
        }
        if results.conversations.len() < limit {
            let hits = self
                .retrieve_kind(user, query, ChangeKind::Message, limit * 3)
                .await?;
            for hit in hits {
                if results.conversations.len() >= limit {
                    break;
                }
                if !seen.insert(hit.item.parent_id) {
                    continue;
                }
                let Ok(conversation) = self
                    .inner
                    .store
                    .conversation(user, ConversationId(hit.item.parent_id))
                    .await
                else {
                    continue;
                };
                results.conversations.push(ConversationMatch {
                    conversation,
                    message_id: Some(MessageId(hit.item.id)),
                    snippet: hit.snippet,
                });
            }
        }

        let mut seen = HashSet::new();
        let named = self
            .inner
            .store
            .search_documents(user, query, limit as u32)
            .await?;
        for document in named {
            seen.insert(document.id.0);
            results.documents.push(DocumentMatch {
                snippet: highlight(&document.filename, query),
                document,
                chunk_id: None,
            });
        }
        if results.documents.len() < limit {
            let hits = self
                .retrieve_kind(user, query, ChangeKind::Chunk, limit * 3)
                .await?;
            for hit in hits {
                if results.documents.len() >= limit {
                    break;
                }
                if !seen.insert(hit.item.parent_id) {
                    continue;
                }
                let Ok(document) = self
                    .inner
                    .store
                    .document(user, DocumentId(hit.item.parent_id))
                    .await
                else {
                    continue;
                };
                results.documents.push(DocumentMatch {
                    document,
                    chunk_id: Some(ChunkId(hit.item.id)),
                    snippet: hit.snippet,
                });
            }
        }
        Ok(results)
    }

    async fn retrieve_kind(
        &self,
        user: UserId,
        query: &str,
        kind: ChangeKind,
        k: usize,
    ) -> Result<Vec<super::Retrieved>> {
        let filter = SearchFilter {
            owner_id: user,
            kind: Some(kind),
            parents: Vec::<Uuid>::new(),
        };
        self.inner.retriever.retrieve(query, &filter, k).await
    }
}

/// `text` as HTML with every case-insensitive occurrence of `query` in `<mark>`.
pub(crate) fn highlight(text: &str, query: &str) -> String {
    let lower = text.to_lowercase();
    let needle = query.to_lowercase();
    // Lower-casing can change byte lengths; mark nothing rather than cut a character.
    if needle.is_empty() || lower.len() != text.len() {
        return escape(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    while let Some(found) = lower[at..].find(&needle) {
        let start = at + found;
        let end = start + needle.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        out.push_str(&escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn highlights_every_occurrence_and_escapes_the_rest() {
        assert_eq!(
            highlight("Rust <tips> & rust", "rust"),
            "<mark>Rust</mark> &lt;tips&gt; &amp; <mark>rust</mark>"
        );
        assert_eq!(highlight("plain", "zzz"), "plain");
    }
}
