//! Documents and their chunks. Every chunk written takes a change number, so the indexes
//! follow; deleting a document or its chunks leaves a tombstone for each chunk.

use async_trait::async_trait;
use gantry_core::ids::{ChunkId, DocumentId, UserId};
use gantry_core::model::{Chunk, Document, DocumentStatus, NewChunk, NewDocument};
use gantry_core::store::{Cursor, DocumentStore, Page, PageRequest};
use gantry_core::{Error, Result};
use uuid::Uuid;

use super::super::{Db, This};
use super::changes::{Doomed, lock_counter, next_seqs, tombstone};
use super::rows::{chunk_row, document_row};
use super::{commit, require_affected, require_owned};
use crate::convert::{DbResult, embedding_to_bytes, now, to_micros};
use crate::shared::{chunk_cols, document_cols, name_search, paged, title_key, uuid_cursor};

#[async_trait]
impl DocumentStore for This {
    async fn create_document(&self, owner: UserId, new: NewDocument) -> Result<Document> {
        new.validate()?;
        let at = now();
        let document = Document {
            id: DocumentId::new(),
            owner_id: owner,
            filename: new.filename,
            content_type: new.content_type,
            size_bytes: new.size_bytes,
            status: DocumentStatus::Processing,
            failure_reason: None,
            created_at: at,
            updated_at: at,
        };
        let done = sqlx::query(concat!(
            "INSERT INTO documents (",
            document_cols!(),
            ", name_key) \
             SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM users WHERE id = $2"
        ))
        .bind(document.id.0)
        .bind(owner.0)
        .bind(&document.filename)
        .bind(&document.content_type)
        .bind(i64::try_from(document.size_bytes).unwrap_or(i64::MAX))
        .bind(document.status.as_str())
        .bind(&document.failure_reason)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .bind(title_key(&document.filename))
        .execute(&self.pool)
        .await
        .db()?;
        require_affected(&done, || owner.describe())?;
        Ok(document)
    }

    async fn document(&self, owner: UserId, id: DocumentId) -> Result<Document> {
        let row = sqlx::query(concat!(
            "SELECT ",
            document_cols!(),
            " FROM documents WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id.0)
        .bind(owner.0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        document_row(&row)
    }

    async fn list_documents(&self, owner: UserId, page: PageRequest) -> Result<Page<Document>> {
        gantry_core::validate::page_limit(page.limit)?;
        let before = uuid_cursor(page.cursor.as_ref(), Uuid::max())?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            document_cols!(),
            " FROM documents \
             WHERE owner_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ))
        .bind(owner.0)
        .bind(before)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(document_row).collect::<Result<Vec<_>>>()?;
        Ok(paged(items, page.limit, |d| {
            Cursor(d.id.0.simple().to_string())
        }))
    }

    async fn set_document_status(
        &self,
        owner: UserId,
        id: DocumentId,
        status: DocumentStatus,
        failure_reason: Option<String>,
    ) -> Result<Document> {
        gantry_core::validate::optional(
            "failure_reason",
            failure_reason.as_deref(),
            gantry_core::validate::MAX_REASON_BYTES,
        )?;
        if (status == DocumentStatus::Failed) != failure_reason.is_some() {
            return Err(Error::invalid(
                "failure_reason",
                "is required for a failed document and only for one",
            ));
        }
        let row = sqlx::query(concat!(
            "UPDATE documents SET status = $3, failure_reason = $4, updated_at = $5 \
             WHERE id = $1 AND owner_id = $2 RETURNING ",
            document_cols!()
        ))
        .bind(id.0)
        .bind(owner.0)
        .bind(status.as_str())
        .bind(&failure_reason)
        .bind(to_micros(now()))
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        document_row(&row)
    }

    async fn delete_document(&self, owner: UserId, id: DocumentId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, id).await?;
        tombstone(&mut tx, Doomed::ChunksOfDocument, id.0).await?;
        sqlx::query("DELETE FROM documents WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await
    }

    async fn add_chunks(
        &self,
        owner: UserId,
        document: DocumentId,
        chunks: Vec<NewChunk>,
    ) -> Result<Vec<Chunk>> {
        if chunks.len() > gantry_core::validate::MAX_CHUNKS_PER_CALL {
            return Err(Error::invalid(
                "chunks",
                format!(
                    "at most {} per call, got {}",
                    gantry_core::validate::MAX_CHUNKS_PER_CALL,
                    chunks.len()
                ),
            ));
        }
        for chunk in &chunks {
            chunk.validate()?;
        }
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, document).await?;
        if chunks.is_empty() {
            return Ok(Vec::new());
        }
        let count = i64::try_from(chunks.len()).unwrap_or(i64::MAX);
        let first = next_seqs(&mut tx, count).await?;
        let mut out = Vec::with_capacity(chunks.len());
        for (seq, new) in (first..).zip(chunks) {
            let chunk = Chunk {
                id: ChunkId::new(),
                document_id: document,
                owner_id: owner,
                ordinal: new.ordinal,
                text: new.text,
                token_count: new.token_count,
                embedding: new.embedding,
                heading: new.heading,
                page: new.page,
            };
            sqlx::query(concat!(
                "INSERT INTO chunks (",
                chunk_cols!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(chunk.id.0)
            .bind(document.0)
            .bind(owner.0)
            .bind(i64::from(chunk.ordinal))
            .bind(&chunk.text)
            .bind(i64::from(chunk.token_count))
            .bind(chunk.embedding.as_deref().map(embedding_to_bytes))
            .bind(seq)
            .bind(chunk.heading.as_deref())
            .bind(chunk.page.map(i64::from))
            .execute(&mut *tx)
            .await
            .db_conflict(|| {
                format!(
                    "{} already has a chunk {}",
                    document.describe(),
                    chunk.ordinal
                )
            })?;
            out.push(chunk);
        }
        commit(tx).await?;
        Ok(out)
    }

    async fn chunks(&self, owner: UserId, document: DocumentId) -> Result<Vec<Chunk>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            chunk_cols!(),
            " FROM chunks WHERE document_id = $1 AND owner_id = $2 ORDER BY ordinal"
        ))
        .bind(document.0)
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        if rows.is_empty() {
            self.document(owner, document).await?;
        }
        rows.iter().map(chunk_row).collect()
    }

    async fn delete_chunks(&self, owner: UserId, document: DocumentId) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, document).await?;
        tombstone(&mut tx, Doomed::ChunksOfDocument, document.0).await?;
        let done = sqlx::query("DELETE FROM chunks WHERE document_id = $1")
            .bind(document.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await?;
        Ok(done.rows_affected())
    }

    async fn fail_unfinished_documents(
        &self,
        untouched_since: time::OffsetDateTime,
        reason: &str,
    ) -> Result<u64> {
        gantry_core::validate::required("reason", reason, gantry_core::validate::MAX_REASON_BYTES)?;
        let mut tx = self.begin_write().await?;
        let stale: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM documents WHERE status = 'processing' AND updated_at < $1",
        )
        .bind(to_micros(untouched_since))
        .fetch_all(&mut *tx)
        .await
        .db()?;
        for id in &stale {
            tombstone(&mut tx, Doomed::ChunksOfDocument, *id).await?;
            sqlx::query("DELETE FROM chunks WHERE document_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .db()?;
            sqlx::query(
                "UPDATE documents SET status = 'failed', failure_reason = $2, updated_at = $3 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(reason)
            .bind(to_micros(now()))
            .execute(&mut *tx)
            .await
            .db()?;
        }
        commit(tx).await?;
        Ok(stale.len() as u64)
    }

    async fn search_documents(
        &self,
        owner: UserId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Document>> {
        let Some(pattern) = name_search(query, limit)? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(concat!(
            "SELECT ",
            document_cols!(),
            " FROM documents \
             WHERE owner_id = $1 AND name_key LIKE $2 ESCAPE '\\' \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(owner.0)
        .bind(pattern)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(document_row).collect()
    }

    async fn reindex_chunks(&self, owner: UserId, document: DocumentId) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, document).await?;
        // Read the chunks under the counter's lock, so none is added or deleted before
        // they are renumbered.
        lock_counter(&mut tx).await?;
        let ids: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM chunks WHERE document_id = $1 ORDER BY ordinal")
                .bind(document.0)
                .fetch_all(&mut *tx)
                .await
                .db()?;
        if ids.is_empty() {
            return Ok(0);
        }
        let count = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        let first = next_seqs(&mut tx, count).await?;
        for (seq, id) in (first..).zip(&ids) {
            sqlx::query("UPDATE chunks SET embedding = NULL, seq = $1 WHERE id = $2")
                .bind(seq)
                .bind(id)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        commit(tx).await?;
        Ok(ids.len() as u64)
    }

    async fn chunks_by_id(&self, owner: UserId, ids: &[ChunkId]) -> Result<Vec<Chunk>> {
        let mut out = Vec::with_capacity(ids.len());
        // One query per slice of ids (a turn re-reads its retrieved chunks at once).
        for slice in ids.chunks(crate::shared::MAX_IDS_PER_QUERY) {
            let mut query = sqlx::QueryBuilder::<Db>::new(concat!(
                "SELECT ",
                chunk_cols!(),
                " FROM chunks WHERE owner_id = "
            ));
            query.push_bind(owner.0).push(" AND id IN (");
            let mut list = query.separated(", ");
            for id in slice {
                list.push_bind(id.0);
            }
            query.push(")");
            let rows = query.build().fetch_all(&self.pool).await.db()?;
            for row in &rows {
                out.push(chunk_row(row)?);
            }
        }
        // In the order asked for, as before.
        let position: std::collections::HashMap<ChunkId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        out.sort_by_key(|chunk| position.get(&chunk.id).copied().unwrap_or(usize::MAX));
        Ok(out)
    }
}
