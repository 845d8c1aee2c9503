//! Retrieval re-checked against the store. The indexes are caches that can lag the store
//! (a backlog, an embedder that is down) or be wrong (a restored backup), so nothing they
//! return reaches a prompt, a snippet or a citation until the store confirms it: the
//! message or chunk still exists and is the user's, its conversation or document too, a
//! document is `ready` (never half-read), and the text is the store's, not the index's
//! copy. A deleted item is therefore gone from every answer the moment its delete commits,
//! however far behind the indexes are.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::Result;
use crate::engine::{Engine, Retrieved};
use crate::html::{highlight, start_of};
use crate::ids::{ChunkId, ConversationId, DocumentId, MessageId, UserId};
use crate::index::{SearchFilter, StageTimings};
use crate::model::{Conversation, Document, DocumentStatus};
use crate::store::ChangeKind;

/// The longest excerpt a re-made snippet shows, in characters.
const SNIPPET_CHARS: usize = 240;

/// A retrieved item the store has confirmed, with what it belongs to.
#[derive(Clone, Debug)]
pub(crate) struct Confirmed {
    /// The hit, its text (and, when the store's text differs, its snippet) the store's.
    pub hit: Retrieved,
    /// The conversation or document it belongs to.
    pub parent: Parent,
    /// A chunk's place in its document: its section's heading path and its page.
    pub place: Place,
}

/// Where a chunk lies in its document (nothing, for a message).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Place {
    pub heading: Option<String>,
    pub page: Option<u32>,
}

/// Confirmed hits and where the search and the re-check spent their time.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConfirmedRetrieval {
    pub hits: Vec<Confirmed>,
    pub timings: StageTimings,
    /// Re-reading the hits from the store.
    pub confirm: Duration,
}

/// A confirmed item's conversation or document.
#[derive(Clone, Debug)]
pub(crate) enum Parent {
    Conversation(Conversation),
    Document(Document),
}

impl Parent {
    /// How a citation names it: the conversation's title or the document's file name.
    pub(crate) fn label(&self) -> &str {
        match self {
            Self::Conversation(c) => &c.title,
            Self::Document(d) => &d.filename,
        }
    }
}

impl Engine {
    /// The `k` best items for `query` that pass `filter`, best first, each confirmed by the
    /// store as `filter.owner_id`; what the store does not confirm is dropped.
    pub(crate) async fn retrieve_confirmed(
        &self,
        query: &str,
        filter: &SearchFilter,
        k: usize,
    ) -> Result<Vec<Confirmed>> {
        Ok(self.retrieve_timed(query, filter, k).await?.hits)
    }

    /// [`Self::retrieve_confirmed`], with the time each stage took.
    pub(crate) async fn retrieve_timed(
        &self,
        query: &str,
        filter: &SearchFilter,
        k: usize,
    ) -> Result<ConfirmedRetrieval> {
        let found = self.inner.retriever.retrieve(query, filter, k).await?;
        let started = Instant::now();
        let hits = self.confirm(filter.owner_id, query, found.hits).await;
        Ok(ConfirmedRetrieval {
            hits,
            timings: found.timings,
            confirm: started.elapsed(),
        })
    }

    /// Re-reads `hits` from the store as `user`, in their order, dropping what it does not
    /// confirm. A store error drops the hits it concerns (and is logged): retrieval trouble
    /// makes an answer poorer, never wrong.
    pub(crate) async fn confirm(
        &self,
        user: UserId,
        query: &str,
        hits: Vec<Retrieved>,
    ) -> Vec<Confirmed> {
        let store = &self.inner.store;
        let (mut texts, mut parents): (HashMap<Uuid, String>, HashMap<Uuid, Parent>) =
            Default::default();
        let mut places: HashMap<Uuid, Place> = HashMap::new();

        let message_ids: Vec<MessageId> =
            distinct(&hits, ChangeKind::Message, |h| h.item.id, MessageId);
        let messages =
            futures::future::join_all(message_ids.iter().map(|&id| store.message(user, id))).await;
        for message in messages.into_iter().flatten() {
            texts.insert(message.id.0, message.content);
        }
        let chunk_ids: Vec<ChunkId> = distinct(&hits, ChangeKind::Chunk, |h| h.item.id, ChunkId);
        if !chunk_ids.is_empty() {
            match store.chunks_by_id(user, &chunk_ids).await {
                Ok(chunks) => {
                    for chunk in chunks {
                        let place = Place {
                            heading: chunk.heading,
                            page: chunk.page,
                        };
                        places.insert(chunk.id.0, place);
                        texts.insert(chunk.id.0, chunk.text);
                    }
                }
                Err(error) => tracing::warn!(%error, "re-reading retrieved chunks failed"),
            }
        }

        let conversations = distinct(
            &hits,
            ChangeKind::Message,
            |h| h.item.parent_id,
            ConversationId,
        );
        let found =
            futures::future::join_all(conversations.iter().map(|&id| store.conversation(user, id)))
                .await;
        for conversation in found.into_iter().flatten() {
            parents.insert(conversation.id.0, Parent::Conversation(conversation));
        }
        let documents = distinct(&hits, ChangeKind::Chunk, |h| h.item.parent_id, DocumentId);
        let found =
            futures::future::join_all(documents.iter().map(|&id| store.document(user, id))).await;
        for document in found.into_iter().flatten() {
            if document.status == DocumentStatus::Ready {
                parents.insert(document.id.0, Parent::Document(document));
            }
        }

        hits.into_iter()
            .filter_map(|mut hit| {
                let text = texts.remove(&hit.item.id)?;
                let parent = parents.get(&hit.item.parent_id)?.clone();
                if text.trim().is_empty() {
                    return None;
                }
                if text != hit.text {
                    hit.snippet = snippet(&text, query);
                    hit.text = text;
                }
                let place = places.remove(&hit.item.id).unwrap_or_default();
                Some(Confirmed { hit, parent, place })
            })
            .collect()
    }
}

/// The distinct keys (`|h| h.item.id` or `|h| h.item.parent_id`) of the hits of `kind`,
/// as typed ids.
fn distinct<T>(
    hits: &[Retrieved],
    kind: ChangeKind,
    key: fn(&Retrieved) -> Uuid,
    id: fn(Uuid) -> T,
) -> Vec<T> {
    let mut out: Vec<Uuid> = Vec::new();
    for hit in hits.iter().filter(|h| h.item.kind == kind) {
        let k = key(hit);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out.into_iter().map(id).collect()
}

/// A snippet of the store's text when it differs from the index's: its start, with the
/// query marked.
fn snippet(text: &str, query: &str) -> String {
    let (start, cut) = start_of(text, SNIPPET_CHARS);
    let mut html = highlight(
        &start.split_whitespace().collect::<Vec<_>>().join(" "),
        query,
    );
    if cut {
        html.push('…');
    }
    html
}
