//! Search across everything a user has (the Cmd+K palette): conversations by title and by
//! what was said in them, and documents by name and content, with highlighted snippets.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::UserScope;
use super::conversations::check_query;
use super::recheck::{Confirmed, Parent};
use crate::Error;
use crate::Result;
use crate::html::highlight;
use crate::ids::{ChunkId, MessageId};
use crate::index::SearchFilter;
use crate::model::{Conversation, Document};
use crate::prompt::Source;
use crate::store::ChangeKind;

/// The most results of each kind one search returns.
pub const MAX_SEARCH_RESULTS: usize = 50;

/// A conversation that matches, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// Conversations, title matches first.
    pub conversations: Vec<ConversationMatch>,
    /// Documents, name matches first.
    pub documents: Vec<DocumentMatch>,
}

impl UserScope {
    /// Searches the user's conversations and documents: titles and file names by substring,
    /// messages and document text by hybrid retrieval. At most `limit` (1 to 50) of each.
    pub async fn search(&self, query: &str, limit: usize) -> Result<SearchResults> {
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
            .store()
            .search_conversations(self.user, query, limit as u32)
            .await?;
        for conversation in titled {
            seen.insert(conversation.id.0);
            results.conversations.push(ConversationMatch {
                snippet: highlight(&conversation.title, query),
                conversation,
                message_id: None,
            });
        }
        self.add_retrieved(
            query,
            ChangeKind::Message,
            limit,
            &mut seen,
            &mut results.conversations,
            |source, parent, snippet| match (source, parent) {
                (Source::Message { id, .. }, Parent::Conversation(conversation)) => {
                    Some(ConversationMatch {
                        conversation,
                        message_id: Some(id),
                        snippet,
                    })
                }
                _ => None,
            },
        )
        .await?;

        let mut seen = HashSet::new();
        let named = self
            .store()
            .search_documents(self.user, query, limit as u32)
            .await?;
        for document in named {
            seen.insert(document.id.0);
            results.documents.push(DocumentMatch {
                snippet: highlight(&document.filename, query),
                document,
                chunk_id: None,
            });
        }
        self.add_retrieved(
            query,
            ChangeKind::Chunk,
            limit,
            &mut seen,
            &mut results.documents,
            |source, parent, snippet| match (source, parent) {
                (Source::Chunk { id, .. }, Parent::Document(document)) => Some(DocumentMatch {
                    document,
                    chunk_id: Some(id),
                    snippet,
                }),
                _ => None,
            },
        )
        .await?;
        Ok(results)
    }

    /// Fills `found` up to `limit` from hybrid retrieval over the user's items of `kind`,
    /// confirmed by the store: one result per conversation or document not yet in `seen`,
    /// made by `make` from the hit's source, its parent and its snippet.
    async fn add_retrieved<T>(
        &self,
        query: &str,
        kind: ChangeKind,
        limit: usize,
        seen: &mut HashSet<Uuid>,
        found: &mut Vec<T>,
        make: impl Fn(Source, Parent, String) -> Option<T>,
    ) -> Result<()> {
        if found.len() >= limit {
            return Ok(());
        }
        for Confirmed { hit, parent } in self.retrieve_kind(query, kind, limit * 3).await? {
            if found.len() >= limit {
                break;
            }
            if !seen.insert(hit.item.parent_id) {
                continue;
            }
            if let Some(item) = make(hit.item.source(), parent, hit.snippet) {
                found.push(item);
            }
        }
        Ok(())
    }

    async fn retrieve_kind(
        &self,
        query: &str,
        kind: ChangeKind,
        k: usize,
    ) -> Result<Vec<Confirmed>> {
        let filter = SearchFilter {
            owner_id: self.user,
            kind: Some(kind),
            parents: Vec::<Uuid>::new(),
        };
        self.engine.retrieve_confirmed(query, &filter, k).await
    }
}
