//! API keys, found by the hash of the key; each acts as its owner while the owner is
//! enabled.

use async_trait::async_trait;
use gantry_core::ids::{ApiKeyId, UserId};
use gantry_core::model::{ApiKey, User};
use gantry_core::store::{ApiKeyStore, UserStore};
use gantry_core::validate::{self, MAX_LABEL_BYTES};
use gantry_core::{Error, Result};
use time::OffsetDateTime;

use super::super::{Row, This};
use super::require_affected;
use super::rows::{get, time};
use crate::convert::{DbResult, from_micros, now, to_micros};

/// The columns every query reads, under names that do not clash with a user's.
macro_rules! key_cols {
    () => {
        "id AS key_id, owner_id, name, prefix, created_at AS key_created_at, last_used_at"
    };
}

fn api_key_row(row: &Row) -> Result<ApiKey> {
    Ok(ApiKey {
        id: ApiKeyId(get(row, "key_id")?),
        owner_id: UserId(get(row, "owner_id")?),
        name: get(row, "name")?,
        prefix: get(row, "prefix")?,
        created_at: time(row, "key_created_at")?,
        last_used_at: get::<Option<i64>>(row, "last_used_at")?
            .map(from_micros)
            .transpose()?,
    })
}

#[async_trait]
impl ApiKeyStore for This {
    async fn create_api_key(
        &self,
        owner: UserId,
        name: &str,
        prefix: &str,
        key_hash: &str,
    ) -> Result<ApiKey> {
        validate::required("name", name, MAX_LABEL_BYTES)?;
        validate::required("prefix", prefix, 32)?;
        validate::required("key_hash", key_hash, 128)?;
        let key = ApiKey {
            id: ApiKeyId::new(),
            owner_id: owner,
            name: name.to_owned(),
            prefix: prefix.to_owned(),
            created_at: now(),
            last_used_at: None,
        };
        let done = sqlx::query(
            "INSERT INTO api_keys (id, owner_id, name, prefix, key_hash, created_at) \
             SELECT $1, id, $3, $4, $5, $6 FROM users WHERE id = $2 AND NOT disabled",
        )
        .bind(key.id.0)
        .bind(owner.0)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(key_hash)
        .bind(to_micros(key.created_at))
        .execute(&self.pool)
        .await
        .db()?;
        require_affected(&done, || owner.describe())?;
        Ok(key)
    }

    async fn list_api_keys(&self, owner: UserId) -> Result<Vec<ApiKey>> {
        // A person keeps a handful of keys; the bound keeps a script that made thousands
        // from reading them all at once.
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_cols!(),
            " FROM api_keys WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000"
        ))
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(api_key_row).collect()
    }

    async fn delete_api_key(&self, owner: UserId, id: ApiKeyId) -> Result<()> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = $1 AND owner_id = $2")
            .bind(id.0)
            .bind(owner.0)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())
    }

    async fn api_key_by_hash(
        &self,
        key_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiKey, User)>> {
        let row = sqlx::query(concat!(
            "UPDATE api_keys SET last_used_at = $2 \
             WHERE key_hash = $1 AND owner_id IN (SELECT id FROM users WHERE NOT disabled) \
             RETURNING ",
            key_cols!()
        ))
        .bind(key_hash)
        .bind(to_micros(now))
        .fetch_optional(&self.pool)
        .await
        .db()?;
        let Some(row) = row else {
            return Ok(None);
        };
        let key = api_key_row(&row)?;
        match self.user(key.owner_id).await {
            Ok(user) if !user.disabled => Ok(Some((key, user))),
            // Deleted or disabled between the two statements: the key no longer works.
            Ok(_) | Err(Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}
