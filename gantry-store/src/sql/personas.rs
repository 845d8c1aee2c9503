//! Personas: global ones (no owner) and users' own, at most one default of each kind.

use async_trait::async_trait;
use gantry_core::ids::{PersonaId, UserId};
use gantry_core::model::{NewPersona, Persona};
use gantry_core::store::PersonaStore;
use gantry_core::{Error, Result};

use super::super::This;
use super::rows::persona_row;
use super::{Tx, commit, require, require_affected};
use crate::convert::{DbResult, now, to_micros};
use crate::shared::persona_cols;

/// Fails with `NotFound` unless the persona is global or the user's own.
pub(super) async fn usable_persona(tx: &mut Tx, user: UserId, id: PersonaId) -> Result<()> {
    let query =
        sqlx::query("SELECT 1 FROM personas WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)")
            .bind(id.0)
            .bind(user.0);
    require(tx, query, || id.describe()).await
}

async fn fetch_persona(tx: &mut Tx, id: PersonaId) -> Result<Persona> {
    let row = sqlx::query(concat!(
        "SELECT ",
        persona_cols!(),
        " FROM personas WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    persona_row(&row)
}

/// Clears the default among the owner's personas (the global ones for `None`), before
/// another becomes it.
async fn clear_default(tx: &mut Tx, owner: Option<UserId>) -> Result<()> {
    sqlx::query(
        "UPDATE personas SET is_default = FALSE WHERE is_default AND owner_id IS NOT DISTINCT FROM $1",
    )
    .bind(owner.map(|o| o.0))
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

#[async_trait]
impl PersonaStore for This {
    async fn create_persona(&self, owner: Option<UserId>, new: NewPersona) -> Result<Persona> {
        new.validate()?;
        let at = now();
        let persona = Persona {
            id: PersonaId::new(),
            owner_id: owner,
            name: new.name,
            system_prompt: new.system_prompt,
            default_model: new.default_model,
            temperature: new.temperature,
            is_default: new.is_default,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.begin_write().await?;
        if let Some(owner) = owner {
            let query = sqlx::query("SELECT 1 FROM users WHERE id = $1").bind(owner.0);
            require(&mut tx, query, || owner.describe()).await?;
        }
        if persona.is_default {
            clear_default(&mut tx, owner).await?;
        }
        sqlx::query(concat!(
            "INSERT INTO personas (",
            persona_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(persona.id.0)
        .bind(owner.map(|o| o.0))
        .bind(&persona.name)
        .bind(&persona.system_prompt)
        .bind(&persona.default_model)
        .bind(persona.temperature)
        .bind(persona.is_default)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .execute(&mut *tx)
        .await
        .db()?;
        commit(tx).await?;
        Ok(persona)
    }

    async fn persona(&self, user: UserId, id: PersonaId) -> Result<Persona> {
        let row = sqlx::query(concat!(
            "SELECT ",
            persona_cols!(),
            " FROM personas WHERE id = $1 AND (owner_id IS NULL OR owner_id = $2)"
        ))
        .bind(id.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        persona_row(&row)
    }

    async fn list_personas(&self, user: UserId) -> Result<Vec<Persona>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            persona_cols!(),
            " FROM personas WHERE owner_id IS NULL OR owner_id = $1 ORDER BY name, id"
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(persona_row).collect()
    }

    async fn update_persona(
        &self,
        owner: Option<UserId>,
        id: PersonaId,
        new: NewPersona,
    ) -> Result<Persona> {
        new.validate()?;
        let mut tx = self.begin_write().await?;
        let query = sqlx::query(
            "SELECT 1 FROM personas WHERE id = $1 AND owner_id IS NOT DISTINCT FROM $2",
        )
        .bind(id.0)
        .bind(owner.map(|o| o.0));
        require(&mut tx, query, || id.describe()).await?;
        if new.is_default {
            clear_default(&mut tx, owner).await?;
        }
        sqlx::query(
            "UPDATE personas SET name = $2, system_prompt = $3, default_model = $4, \
             temperature = $5, is_default = $6, updated_at = $7 WHERE id = $1",
        )
        .bind(id.0)
        .bind(&new.name)
        .bind(&new.system_prompt)
        .bind(&new.default_model)
        .bind(new.temperature)
        .bind(new.is_default)
        .bind(to_micros(now()))
        .execute(&mut *tx)
        .await
        .db()?;
        let persona = fetch_persona(&mut tx, id).await?;
        commit(tx).await?;
        Ok(persona)
    }

    async fn delete_persona(&self, owner: Option<UserId>, id: PersonaId) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM personas WHERE id = $1 AND owner_id IS NOT DISTINCT FROM $2")
                .bind(id.0)
                .bind(owner.map(|o| o.0))
                .execute(&self.pool)
                .await
                .db()?;
        require_affected(&done, || id.describe())
    }
}
