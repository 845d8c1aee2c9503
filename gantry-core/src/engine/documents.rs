//! The Knowledge Vault: documents a user uploads, read into chunks that retrieval draws on.

use super::UserScope;
use super::ports::DocumentReader;
use super::quotas::Adding;
use super::readings::Ticket;
use crate::ids::DocumentId;
use crate::model::{Document, DocumentStatus, NewDocument};
use crate::store::{Page, PageRequest};
use crate::{Backend, Error, Result};

impl UserScope {
    /// Adds a document and reads it before returning: the document comes back `ready`, or
    /// `failed` with a reason a person understands. Its chunks are searchable soon after
    /// (at once after [`crate::engine::IndexSync::sync`]). The reading runs to its end
    /// even if this call is dropped (a client that disconnects), so no document is left
    /// `processing`.
    pub async fn add_document(
        &self,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Document> {
        let ticket = self.engine.inner.readings.admit(self.user)?;
        let (reader, document) = self.accept(filename, content_type, &bytes).await?;
        self.read_in_background(ticket, reader, document, filename, bytes)
            .await
            .map_err(|e| Error::internal_from("reading a document", e))?
    }

    /// Accepts an upload and returns it `processing`; it is read in the background (poll
    /// [`Self::document`] for `ready` or `failed`), a few at a time. Refused with
    /// `LimitReached`, changing nothing, when the user already has
    /// [`max_readings_per_user`](crate::engine::EngineSettings) uploads waiting or being read,
    /// or when everyone's queue is full.
    pub async fn upload_document(
        &self,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Document> {
        let ticket = self.engine.inner.readings.admit(self.user)?;
        let (reader, document) = self.accept(filename, content_type, &bytes).await?;
        // Detached: the handle is not awaited, the task runs to its end.
        let _reading = self.read_in_background(ticket, reader, document.clone(), filename, bytes);
        Ok(document)
    }

    /// Reads an accepted document on a task of its own. Any failure part-way (a store
    /// error, say) leaves no half-read document: its chunks are removed and it is marked
    /// `failed` with the reason.
    fn read_in_background(
        &self,
        ticket: Ticket,
        reader: std::sync::Arc<dyn DocumentReader>,
        document: Document,
        filename: &str,
        bytes: Vec<u8>,
    ) -> tokio::task::JoinHandle<Result<Document>> {
        let (engine, user) = (self.engine.clone(), self.user);
        let (id, filename) = (document.id, filename.to_owned());
        self.engine.inner.background.spawn(async move {
            // Counted until this task ends; runs when a slot is free.
            let _slot = ticket.run_slot().await;
            let read = reader.read(user, id, &filename, bytes).await;
            drop(ticket);
            if let Err(error) = &read {
                tracing::warn!(%error, document = %id, "reading a document failed");
                let store = &engine.inner.store;
                let reason = format!("the upload could not be saved ({error}); upload it again");
                if store.delete_chunks(user, id).await.is_ok() {
                    let failed = DocumentStatus::Failed;
                    let _ = store
                        .set_document_status(user, id, failed, Some(reason))
                        .await;
                }
            }
            engine.inner.index.nudge();
            read
        })
    }

    /// Checks an upload and records it as `processing`.
    async fn accept(
        &self,
        filename: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(std::sync::Arc<dyn DocumentReader>, Document)> {
        let reader = self.engine.inner.documents.clone().ok_or_else(|| {
            Error::unavailable(Backend::Component("document reader"), "none is configured")
        })?;
        let max = self.engine.inner.settings.max_upload_bytes;
        if bytes.len() > max {
            return Err(Error::invalid(
                "file",
                format!("is {} bytes; the largest accepted is {max}", bytes.len()),
            ));
        }
        // The type is informational (extraction goes by the file name); none given is
        // recorded as generic bytes.
        let content_type = match content_type.trim() {
            "" => "application/octet-stream",
            given => given,
        };
        let new = NewDocument {
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            size_bytes: bytes.len() as u64,
        };
        new.validate()?;
        reader.check(filename, bytes)?;
        self.make_room(Adding::document(new.size_bytes)).await?;
        let document = self.store().create_document(self.user, new).await?;
        Ok((reader, document))
    }

    /// One document.
    pub async fn document(&self, id: DocumentId) -> Result<Document> {
        self.store().document(self.user, id).await
    }

    /// The user's documents, newest first, a page at a time.
    pub async fn documents(&self, page: PageRequest) -> Result<Page<Document>> {
        self.store().list_documents(self.user, page).await
    }

    /// Re-indexes a document's chunks (after the embedder changed, say): every index takes
    /// them again, the vector index embedding them anew. Returns the document, whose chunks
    /// are searchable as before once the background indexer has caught up.
    pub async fn reindex_document(&self, id: DocumentId) -> Result<Document> {
        let document = self.store().document(self.user, id).await?;
        if document.status != DocumentStatus::Ready {
            return Err(Error::conflict(format!(
                "{} is {}; only a ready document can be re-indexed",
                id.describe(),
                document.status
            )));
        }
        self.store().reindex_chunks(self.user, id).await?;
        self.engine.inner.index.nudge();
        Ok(document)
    }

    /// Deletes a document and its chunks; retrieval no longer finds it once this returns.
    pub async fn delete_document(&self, id: DocumentId) -> Result<()> {
        self.store().delete_document(self.user, id).await?;
        self.engine.inner.index.nudge();
        Ok(())
    }
}
