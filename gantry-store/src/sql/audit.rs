//! The audit log: appended to, read newest first by its sequence number.

use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::ids::UserId;
use gantry_core::model::{AuditEntry, NewAuditEntry};
use gantry_core::store::{AuditStore, Cursor, Page, PageRequest};
use gantry_core::validate::{self, MAX_REASON_BYTES};
use time::OffsetDateTime;

use super::super::{Row, This};
use super::rows::{get, time};
use crate::convert::{DbResult, now, to_micros};
use crate::shared::paged;

fn audit_row(row: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: get(row, "seq")?,
        at: time(row, "at")?,
        actor_id: get::<Option<uuid::Uuid>>(row, "actor_id")?.map(UserId),
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        target_id: get::<Option<uuid::Uuid>>(row, "target_id")?.map(UserId),
        target: get(row, "target")?,
        detail: get(row, "detail")?,
    })
}

#[async_trait]
impl AuditStore for This {
    async fn record_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry> {
        validate::bounded("actor", &entry.actor, MAX_REASON_BYTES)?;
        validate::bounded("target", &entry.target, MAX_REASON_BYTES)?;
        validate::bounded("detail", &entry.detail, MAX_REASON_BYTES)?;
        let row = sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor, action, target_id, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING seq, at, actor_id, actor, action, target_id, target, detail",
        )
        .bind(to_micros(now()))
        .bind(entry.actor_id.map(|u| u.0))
        .bind(&entry.actor)
        .bind(entry.action)
        .bind(entry.target_id.map(|u| u.0))
        .bind(&entry.target)
        .bind(&entry.detail)
        .fetch_one(&self.pool)
        .await
        .db()?;
        audit_row(&row)
    }

    async fn list_audit(
        &self,
        since: Option<OffsetDateTime>,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        validate::page_limit(page.limit)?;
        let before = match &page.cursor {
            None => i64::MAX,
            Some(Cursor(cursor)) => cursor
                .parse::<i64>()
                .map_err(|_| gantry_core::Error::invalid("cursor", "is not one this list gave"))?,
        };
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, actor, action, target_id, target, detail FROM audit_log \
             WHERE seq < $1 AND at >= $2 ORDER BY seq DESC LIMIT $3",
        )
        .bind(before)
        .bind(since.map_or(i64::MIN, to_micros))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let entries = rows.iter().map(audit_row).collect::<Result<Vec<_>>>()?;
        Ok(paged(entries, page.limit, |e| Cursor(e.seq.to_string())))
    }
}
