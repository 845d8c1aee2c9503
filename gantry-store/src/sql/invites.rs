//! Invite codes, found by the hash of the code; using one and creating its account are
//! one transaction, so a code makes exactly one account however many try it at once.

use async_trait::async_trait;
use gantry_core::ids::{InviteId, UserId};
use gantry_core::model::{Invite, NewUser, User};
use gantry_core::store::InviteStore;
use gantry_core::validate::{self, MAX_LABEL_BYTES};
use gantry_core::{Error, Result};
use time::OffsetDateTime;

use super::super::{Row, This};
use super::rows::{get, time};
use super::users::insert_user;
use super::{commit, require_affected};
use crate::convert::{DbResult, from_micros, now, to_micros};

macro_rules! invite_cols {
    () => {
        "id, created_by, note, created_at, expires_at, used_by, used_at"
    };
}

/// What every refused code answers: unknown, used and expired look alike.
const REFUSED: &str =
    "this invite code is not valid: it may be used or expired; ask an admin for a new one";

fn invite_row(row: &Row) -> Result<Invite> {
    Ok(Invite {
        id: InviteId(get(row, "id")?),
        created_by: get::<Option<uuid::Uuid>>(row, "created_by")?.map(UserId),
        note: get(row, "note")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        used_by: get::<Option<uuid::Uuid>>(row, "used_by")?.map(UserId),
        used_at: get::<Option<i64>>(row, "used_at")?
            .map(from_micros)
            .transpose()?,
    })
}

#[async_trait]
impl InviteStore for This {
    async fn create_invite(
        &self,
        created_by: Option<UserId>,
        note: &str,
        code_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Invite> {
        validate::optional(
            "note",
            Some(note).filter(|n| !n.is_empty()),
            MAX_LABEL_BYTES,
        )?;
        validate::required("code_hash", code_hash, 128)?;
        let invite = Invite {
            id: InviteId::new(),
            created_by,
            note: note.to_owned(),
            created_at: now(),
            // Stored to the microsecond, like every time.
            expires_at: from_micros(to_micros(expires_at))?,
            used_by: None,
            used_at: None,
        };
        sqlx::query(
            "INSERT INTO invites (id, created_by, note, code_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(invite.id.0)
        .bind(created_by.map(|user| user.0))
        .bind(&invite.note)
        .bind(code_hash)
        .bind(to_micros(invite.created_at))
        .bind(to_micros(invite.expires_at))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(invite)
    }

    async fn list_invites(&self) -> Result<Vec<Invite>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            invite_cols!(),
            " FROM invites ORDER BY created_at DESC, id DESC LIMIT 1000"
        ))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(invite_row).collect()
    }

    async fn delete_invite(&self, id: InviteId) -> Result<()> {
        let done = sqlx::query("DELETE FROM invites WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())
    }

    async fn create_user_with_invite(
        &self,
        new: NewUser,
        code_hash: &str,
        now: OffsetDateTime,
    ) -> Result<User> {
        new.validate()?;
        let mut tx = self.begin_write().await?;
        // Claimed first: of two sign-ups with one code, the second finds it used (on
        // PostgreSQL it waits for the first's row lock, then sees `used_at` set).
        let claimed = sqlx::query(
            "UPDATE invites SET used_at = $2 \
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING id",
        )
        .bind(code_hash)
        .bind(to_micros(now))
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some(claimed) = claimed else {
            return Err(Error::forbidden(REFUSED));
        };
        let invite: uuid::Uuid = get(&claimed, "id")?;
        let user = insert_user(&mut tx, new).await?;
        sqlx::query("UPDATE invites SET used_by = $2 WHERE id = $1")
            .bind(invite)
            .bind(user.id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await?;
        Ok(user)
    }
}
