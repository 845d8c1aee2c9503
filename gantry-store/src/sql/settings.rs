//! Settings admins change while Gantry runs: added model backends and named values.

use async_trait::async_trait;
use gantry_core::store::SettingsStore;
use gantry_core::validate::{self, MAX_LABEL_BYTES};
use gantry_core::{Error, Result};

use super::super::This;
use super::require_affected;
use super::rows::get;
use crate::convert::{DbResult, now, to_micros};

/// The longest backend configuration kept (a URL, a key, limits: a few hundred bytes).
const MAX_CONFIG_BYTES: usize = 16 * 1024;
/// The longest setting value.
const MAX_VALUE_BYTES: usize = 4 * 1024;

#[async_trait]
impl SettingsStore for This {
    async fn list_backends(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT name, config FROM model_backends ORDER BY created_at, name")
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter()
            .map(|row| Ok((get(row, "name")?, get(row, "config")?)))
            .collect()
    }

    async fn add_backend(&self, name: &str, config: &str) -> Result<()> {
        validate::required("name", name, MAX_LABEL_BYTES)?;
        validate::required("config", config, MAX_CONFIG_BYTES)?;
        sqlx::query("INSERT INTO model_backends (name, config, created_at) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(config)
            .bind(to_micros(now()))
            .execute(&self.pool)
            .await
            .db_conflict(|| format!("a model backend named `{name}` already exists"))?;
        Ok(())
    }

    async fn remove_backend(&self, name: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM model_backends WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || format!("model backend `{name}`"))
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.map(|row| get(&row, "value")).transpose()
    }

    async fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        validate::required("key", key, MAX_LABEL_BYTES)?;
        match value {
            Some(value) => {
                if value.len() > MAX_VALUE_BYTES {
                    return Err(Error::invalid("value", "is too long"));
                }
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await
                .db()?;
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE key = $1")
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .db()?;
            }
        }
        Ok(())
    }
}
