//! What the engine needs beyond the store and the language model, as traits, so each part
//! can be swapped: retrieval, keeping indexes in step, learning facts, reading documents.
//!
//! `gantry-memory` implements all of them; a test or an embedding application may bring
//! its own.

use async_trait::async_trait;

use crate::Result;
use crate::ids::{DocumentId, UserId};
use crate::index::{IndexedItem, SearchFilter, StageTimings};
use crate::model::{Document, Message};

/// One retrieved item with its text, best first in a result list.
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieved {
    /// What it is and where it came from.
    pub item: IndexedItem,
    /// Higher is better; comparable only within one result list.
    pub score: f32,
    /// The whole text (a message or a document chunk).
    pub text: String,
    /// A short HTML excerpt with the query's words in `<mark>`, everything else escaped.
    pub snippet: String,
}

/// What a retrieval found, best first, and where it spent its time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retrieval {
    /// Best first.
    pub hits: Vec<Retrieved>,
    /// Per stage, reported with an answer's context.
    pub timings: StageTimings,
}

impl From<Vec<Retrieved>> for Retrieval {
    /// Hits from a retriever that does not time its stages.
    fn from(hits: Vec<Retrieved>) -> Self {
        Self {
            hits,
            timings: StageTimings::default(),
        }
    }
}

/// Finds a user's messages and document chunks that answer a query.
#[async_trait]
pub trait Retriever: Send + Sync {
    /// The `k` best items that pass `filter`, best first.
    async fn retrieve(&self, query: &str, filter: &SearchFilter, k: usize) -> Result<Retrieval>;
}

/// Keeps the derived indexes in step with the store.
#[async_trait]
pub trait IndexSync: Send + Sync {
    /// Asks for the latest writes to be indexed soon, without waiting.
    fn nudge(&self);
    /// Indexes everything written before the call, then returns (what `flush` waits for).
    /// Writes that arrive meanwhile are left to the background.
    async fn sync(&self) -> Result<()>;
}

/// No indexes: nothing is retrieved and there is nothing to keep in step. What an engine
/// opened without indexes uses (an admin tool, or a front end that only manages accounts).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoIndexes;

#[async_trait]
impl Retriever for NoIndexes {
    async fn retrieve(&self, _query: &str, _filter: &SearchFilter, _k: usize) -> Result<Retrieval> {
        Ok(Retrieval::default())
    }
}

#[async_trait]
impl IndexSync for NoIndexes {
    fn nudge(&self) {}

    async fn sync(&self) -> Result<()> {
        Ok(())
    }
}

/// Learns facts for the knowledge graph from what a user says.
#[async_trait]
pub trait FactLearner: Send + Sync {
    /// Extracts and records facts stated in `message`; returns how many were recorded.
    /// Never fails: a turn must not break because extraction did.
    async fn learn(&self, owner: UserId, message: &Message) -> usize;
}

/// Turns an uploaded file into a document's chunks.
#[async_trait]
pub trait DocumentReader: Send + Sync {
    /// Reads `bytes` (an upload named `filename`) into `document`, which is `processing`,
    /// and returns it as it ends: `ready`, or `failed` with a reason a person understands.
    async fn read(
        &self,
        owner: UserId,
        document: DocumentId,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<Document>;

    /// Refuses, before anything is recorded, a file this reader cannot read at all (an
    /// unsupported type: `UnsupportedType`). The default accepts everything and lets
    /// [`Self::read`] fail the document.
    fn check(&self, _filename: &str, _bytes: &[u8]) -> Result<()> {
        Ok(())
    }
}
