//! Login sessions, found by the hash of their bearer token.

use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::ids::{SessionId, UserId};
use gantry_core::model::{Session, User};
use gantry_core::store::SessionStore;
use time::OffsetDateTime;

use super::super::This;
use super::require_affected;
use super::rows::{get, time, user_row};
use crate::convert::{DbResult, from_micros, now, to_micros};

#[async_trait]
impl SessionStore for This {
    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Session> {
        gantry_core::validate::required("token_hash", token_hash, 128)?;
        let session = Session {
            id: SessionId::new(),
            user_id: user,
            created_at: now(),
            expires_at: from_micros(to_micros(expires_at))?,
        };
        let done = sqlx::query(
            "INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) \
             SELECT $1, id, $3, $4, $5 FROM users WHERE id = $2 AND NOT disabled",
        )
        .bind(session.id.0)
        .bind(user.0)
        .bind(token_hash)
        .bind(to_micros(session.created_at))
        .bind(to_micros(session.expires_at))
        .execute(&self.pool)
        .await
        .db()?;
        require_affected(&done, || user.describe())?;
        Ok(session)
    }

    async fn session_by_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, User)>> {
        let row = sqlx::query(
            "SELECT s.id AS session_id, s.created_at AS session_created_at, s.expires_at, \
                    u.id, u.email, u.display_name, u.role, u.disabled, u.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
        )
        .bind(token_hash)
        .bind(to_micros(now))
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.map(|row| {
            let user = user_row(&row)?;
            let session = Session {
                id: SessionId(get(&row, "session_id")?),
                user_id: user.id,
                created_at: time(&row, "session_created_at")?,
                expires_at: time(&row, "expires_at")?,
            };
            Ok((session, user))
        })
        .transpose()
    }

    async fn delete_session(&self, user: UserId, id: SessionId) -> Result<()> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(user.0)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(to_micros(now))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected())
    }
}
