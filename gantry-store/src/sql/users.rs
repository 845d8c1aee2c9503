//! Accounts: the users table, whose deletion takes everything the user owns with it.

use async_trait::async_trait;
use gantry_core::ids::UserId;
use gantry_core::model::{Credentials, Holdings, NewUser, QuotaOverrides, Role, User};
use gantry_core::store::{Cursor, Page, PageRequest, UserStore};
use gantry_core::{Error, Result};
use uuid::Uuid;

use super::super::{BACKEND, Db, This};
use super::changes::{Doomed, tombstone};
use super::rows::{get, user_row};
use super::{commit, require_affected};
use crate::convert::{DbResult, now, to_micros, to_u64};
use crate::shared::{
    check_email_spelling, contains_pattern, email_key, name_search, paged, title_key, user_cols,
    uuid_cursor,
};

/// Brings every stored search key to its current form, in one pass over the accounts:
/// email keys to [`email_key`]'s (they were once lower-cased emails, which differ from it
/// only for addresses outside ASCII), name keys to [`title_key`]'s (the migration that
/// added them used SQL's `LOWER`, which folds only ASCII on SQLite). An address whose new
/// key another account already has keeps its old key, with a warning: an administrator
/// must decide which account keeps the address.
pub(in super::super) async fn rekey_users(pool: &sqlx::Pool<Db>) -> Result<()> {
    let rows: Vec<(Uuid, String, String, String, String)> =
        sqlx::query_as("SELECT id, email, email_key, display_name, name_key FROM users")
            .fetch_all(pool)
            .await
            .db()?;
    for (id, email, old_email, name, old_name) in rows {
        let key = email_key(&email);
        if key != old_email {
            let done = sqlx::query("UPDATE users SET email_key = $2 WHERE id = $1")
                .bind(id)
                .bind(&key)
                .execute(pool)
                .await;
            if let Err(error) = done {
                tracing::warn!(%id, %email, %error, "cannot re-key this email: another account has the same address");
            }
        }
        let key = title_key(&name);
        if key != old_name {
            sqlx::query("UPDATE users SET name_key = $2 WHERE id = $1")
                .bind(id)
                .bind(&key)
                .execute(pool)
                .await
                .db()?;
        }
    }
    Ok(())
}

/// Inserts a checked account.
pub(super) async fn insert_user(
    conn: &mut <Db as sqlx::Database>::Connection,
    new: NewUser,
) -> Result<User> {
    new.validate()?;
    check_email_spelling(&new.email)?;
    let user = User {
        id: UserId::new(),
        email: new.email,
        display_name: new.display_name,
        role: new.role,
        disabled: false,
        created_at: now(),
    };
    sqlx::query(
        "INSERT INTO users (id, email, email_key, display_name, password_hash, role, disabled, created_at, name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(user.id.0)
    .bind(&user.email)
    .bind(email_key(&user.email))
    .bind(&user.display_name)
    .bind(&new.password_hash)
    .bind(user.role.as_str())
    .bind(user.disabled)
    .bind(to_micros(user.created_at))
    .bind(title_key(&user.display_name))
    .execute(&mut *conn)
    .await
    .db_conflict(|| format!("a user with email {} already exists", user.email))?;
    Ok(user)
}

/// What an insert under the users lock does about the accounts already there.
enum FirstAccount {
    /// Insert anyway; the first account becomes an admin.
    BecomesAdmin,
    /// Insert an admin only while there is no account (else `Conflict`).
    Only,
}

/// Inserts an account deciding "is it the first?" under a lock, so of several inserts on
/// an empty store exactly one sees it empty.
async fn insert_under_lock(store: &This, mut new: NewUser, first: FirstAccount) -> Result<User> {
    new.validate()?;
    check_email_spelling(&new.email)?;
    let mut tx = store.begin_write().await?;
    // SQLite's write transaction already takes the one write lock. On PostgreSQL this
    // lock mode conflicts with itself (and with every insert), so registrations on an
    // empty store take turns and exactly one of them sees it empty.
    if BACKEND == "postgres" {
        sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .db()?;
    }
    let any: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users LIMIT 1")
        .fetch_optional(&mut *tx)
        .await
        .db()?;
    match (any, first) {
        (None, _) => new.role = Role::Admin,
        (Some(_), FirstAccount::Only) => {
            return Err(Error::conflict("Gantry is already set up: sign in"));
        }
        (Some(_), FirstAccount::BecomesAdmin) => {}
    }
    let user = insert_user(&mut tx, new).await?;
    commit(tx).await?;
    Ok(user)
}

#[async_trait]
impl UserStore for This {
    async fn create_user(&self, new: NewUser) -> Result<User> {
        let mut conn = self.pool.acquire().await.db()?;
        insert_user(&mut conn, new).await
    }

    async fn create_user_or_first_admin(&self, new: NewUser) -> Result<User> {
        insert_under_lock(self, new, FirstAccount::BecomesAdmin).await
    }

    async fn create_first_admin(&self, new: NewUser) -> Result<User> {
        insert_under_lock(self, new, FirstAccount::Only).await
    }

    async fn user(&self, id: UserId) -> Result<User> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        user_row(&row)
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_cols!(),
            ", password_hash FROM users WHERE email_key = $1"
        ))
        .bind(email_key(email))
        .fetch_optional(&self.pool)
        .await
        .db()?;
        row.map(|row| {
            Ok(Credentials {
                user: user_row(&row)?,
                password_hash: get(&row, "password_hash")?,
            })
        })
        .transpose()
    }

    async fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
        gantry_core::validate::page_limit(page.limit)?;
        let after = uuid_cursor(page.cursor.as_ref(), Uuid::nil())?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let users = rows.iter().map(user_row).collect::<Result<Vec<_>>>()?;
        Ok(paged(users, page.limit, |u| {
            Cursor(u.id.0.simple().to_string())
        }))
    }

    async fn search_users(&self, query: &str, limit: u32) -> Result<Vec<User>> {
        let Some(name) = name_search(query, limit)? else {
            return Ok(Vec::new());
        };
        let email = contains_pattern(&email_key(query));
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE email_key LIKE $1 ESCAPE '\\' OR name_key LIKE $2 ESCAPE '\\' \
             ORDER BY id LIMIT $3"
        ))
        .bind(email)
        .bind(name)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(user_row).collect()
    }

    async fn set_display_name(&self, id: UserId, display_name: &str) -> Result<User> {
        gantry_core::validate::required(
            "display_name",
            display_name,
            gantry_core::validate::MAX_NAME_BYTES,
        )?;
        let done = sqlx::query("UPDATE users SET display_name = $2, name_key = $3 WHERE id = $1")
            .bind(id.0)
            .bind(display_name)
            .bind(title_key(display_name))
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())?;
        self.user(id).await
    }

    async fn count_users(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .db()?;
        to_u64(n, "count")
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<User> {
        let done = sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(id.0)
            .bind(role.as_str())
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())?;
        self.user(id).await
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
            .bind(id.0)
            .bind(disabled)
            .execute(&mut *tx)
            .await
            .db()?;
        require_affected(&done, || id.describe())?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        commit(tx).await?;
        self.user(id).await
    }

    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()> {
        gantry_core::validate::required("password_hash", password_hash, 1024)?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .db()?;
        require_affected(&done, || id.describe())?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await
    }

    async fn delete_user(&self, id: UserId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        tombstone(&mut tx, Doomed::MessagesOfOwner, id.0).await?;
        tombstone(&mut tx, Doomed::ChunksOfOwner, id.0).await?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        require_affected(&done, || id.describe())?;
        commit(tx).await
    }

    async fn holdings(&self, id: UserId) -> Result<Holdings> {
        let (conversations, documents, document_bytes, personas, collections): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM conversations WHERE owner_id = $1), \
               (SELECT COUNT(*) FROM documents WHERE owner_id = $1), \
               (SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM documents WHERE owner_id = $1), \
               (SELECT COUNT(*) FROM personas WHERE owner_id = $1), \
               (SELECT COUNT(*) FROM collections WHERE owner_id = $1)",
        )
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(Holdings {
            conversations: to_u64(conversations, "count")?,
            documents: to_u64(documents, "count")?,
            document_bytes: to_u64(document_bytes, "size")?,
            personas: to_u64(personas, "count")?,
            collections: to_u64(collections, "count")?,
        })
    }

    async fn quota_overrides(&self, id: UserId) -> Result<QuotaOverrides> {
        let json: Option<String> =
            sqlx::query_scalar("SELECT overrides FROM user_quotas WHERE user_id = $1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .db()?;
        match json {
            None => Ok(QuotaOverrides::default()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| Error::internal(format!("stored quota changes are unreadable: {e}"))),
        }
    }

    async fn set_quota_overrides(&self, id: UserId, overrides: QuotaOverrides) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        if exists.is_none() {
            return Err(Error::not_found(id.describe()));
        }
        if overrides == QuotaOverrides::default() {
            sqlx::query("DELETE FROM user_quotas WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
        } else {
            let json = serde_json::to_string(&overrides)
                .map_err(|e| Error::internal(format!("quota changes: {e}")))?;
            sqlx::query(
                "INSERT INTO user_quotas (user_id, overrides) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET overrides = excluded.overrides",
            )
            .bind(id.0)
            .bind(json)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        commit(tx).await
    }
}
