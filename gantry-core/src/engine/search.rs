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
use crate::ids::{ChunkId, CollectionId, MessageId};
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

/// A passage of one of the user's documents that answers a query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChunkMatch {
    /// The document.
    pub document: Document,
    /// The passage.
    pub chunk_id: ChunkId,
    /// Its text, as the store has it.
    pub text: String,
    /// HTML: an excerpt with the query's words in `<mark>`, the rest escaped.
    pub snippet: String,
    /// Higher is better; comparable only within one answer.
    pub score: f32,
    /// Its section's headings, outermost first, joined by ` > ` (documents with headings).
    pub heading: Option<String>,
    /// The page it lies on, from 1 (PDFs).
    pub page: Option<u32>,
}

/// The most collections one passage search may be limited to.
pub const MAX_SEARCH_COLLECTIONS: usize = 50;

impl UserScope {
    /// The `k` (1 to 50) passages of the user's documents that best answer `query`, best
    /// first, by hybrid retrieval confirmed by the store; limited to the documents of
    /// `collections` when any are given (another user's collection is `NotFound`).
    pub async fn search_passages(
        &self,
        query: &str,
        collections: &[CollectionId],
        k: usize,
    ) -> Result<Vec<ChunkMatch>> {
        let query = check_query(query)?;
        if k == 0 || k > MAX_SEARCH_RESULTS {
            return Err(Error::invalid(
                "top_k",
                format!("must be between 1 and {MAX_SEARCH_RESULTS}"),
            ));
        }
        if collections.len() > MAX_SEARCH_COLLECTIONS {
            return Err(Error::invalid(
                "collection_ids",
                format!("at most {MAX_SEARCH_COLLECTIONS}"),
            ));
        }
        let mut parents = Vec::new();
        for &collection in collections {
            let documents = self.collection_documents(collection).await?;
            parents.extend(documents.into_iter().map(|d| d.id.0));
        }
        if !collections.is_empty() && parents.is_empty() {
            return Ok(Vec::new());
        }
        let filter = SearchFilter {
            owner_id: self.user,
            kind: Some(ChangeKind::Chunk),
            parents,
        };
        let confirmed = self.engine.retrieve_confirmed(query, &filter, k).await?;
        Ok(confirmed
            .into_iter()
            .filter_map(
                |Confirmed { hit, parent, place }| match (hit_source(&hit), parent) {
                    (Some(chunk_id), Parent::Document(document)) => Some(ChunkMatch {
                        document,
                        chunk_id,
                        text: hit.text,
                        snippet: hit.snippet,
                        score: hit.score,
                        heading: place.heading,
                        page: place.page,
                    }),
                    _ => None,
                },
            )
            .collect())
    }

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
        for Confirmed { hit, parent, .. } in self.retrieve_kind(query, kind, limit * 3).await? {
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

/// The chunk a hit is, if it is one.
fn hit_source(hit: &super::Retrieved) -> Option<ChunkId> {
    (hit.item.kind == ChangeKind::Chunk).then_some(ChunkId(hit.item.id))
}
