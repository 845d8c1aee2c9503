//! Personas: a system prompt with a default model and temperature. Each user has their
//! own; admins keep global ones everybody sees. One of each scope may be the default.

use super::quotas::Adding;
use super::{AdminScope, Engine, UserScope};
use crate::ids::{PersonaId, UserId};
use crate::model::{NewPersona, Persona};
use crate::{Error, Result};

impl UserScope {
    /// Creates one of the user's own personas. Marking it the default replaces their
    /// previous default.
    pub async fn create_persona(&self, new: NewPersona) -> Result<Persona> {
        new.validate()?;
        self.make_room(Adding::persona()).await?;
        self.store().create_persona(Some(self.user), new).await
    }

    /// One persona the user can use: a global one or their own.
    pub async fn persona(&self, id: PersonaId) -> Result<Persona> {
        self.store().persona(self.user, id).await
    }

    /// The global personas and the user's own, by name.
    pub async fn personas(&self) -> Result<Vec<Persona>> {
        self.store().list_personas(self.user).await
    }

    /// The persona the user can use whose name is exactly `name` (their own before a
    /// global one): how a program that knows only model names picks a persona.
    pub async fn persona_named(&self, name: &str) -> Result<Option<Persona>> {
        let personas = self.personas().await?;
        let named = |own: bool| {
            personas
                .iter()
                .find(|p| p.name == name && p.owner_id.is_some() == own)
                .cloned()
        };
        Ok(named(true).or_else(|| named(false)))
    }

    /// Replaces one of the user's own personas (global ones are the admins').
    pub async fn update_persona(&self, id: PersonaId, new: NewPersona) -> Result<Persona> {
        self.store().update_persona(Some(self.user), id, new).await
    }

    /// Deletes one of the user's own personas; conversations that used it fall back to the
    /// default.
    pub async fn delete_persona(&self, id: PersonaId) -> Result<()> {
        self.store().delete_persona(Some(self.user), id).await
    }
}

impl AdminScope {
    /// Creates a global persona, which every user sees. Marking it the default replaces
    /// the previous global default.
    pub async fn create_persona(&self, new: NewPersona) -> Result<Persona> {
        new.validate()?;
        let persona = self.store().create_persona(None, new).await?;
        self.audit("persona.create", None, persona.name.clone(), "global")
            .await;
        Ok(persona)
    }

    /// The global personas, by name.
    pub async fn personas(&self) -> Result<Vec<Persona>> {
        // Listing for an id no account has gives the global ones alone.
        let all = self
            .store()
            .list_personas(UserId(uuid::Uuid::nil()))
            .await?;
        Ok(all.into_iter().filter(|p| p.owner_id.is_none()).collect())
    }

    /// Replaces a global persona.
    pub async fn update_persona(&self, id: PersonaId, new: NewPersona) -> Result<Persona> {
        let persona = self.store().update_persona(None, id, new).await?;
        self.audit("persona.update", None, persona.name.clone(), "global")
            .await;
        Ok(persona)
    }

    /// Deletes a global persona; conversations that used it fall back to the default.
    pub async fn delete_persona(&self, id: PersonaId) -> Result<()> {
        self.store().delete_persona(None, id).await?;
        self.audit(
            "persona.delete",
            None,
            format!("persona {}", id.0),
            "global",
        )
        .await;
        Ok(())
    }
}

impl Engine {
    /// The persona a conversation uses: its own when set and still there, else the user's
    /// default, else the global default, else none (the built-in system prompt).
    pub(crate) async fn effective_persona(
        &self,
        user: UserId,
        chosen: Option<PersonaId>,
    ) -> Result<Option<Persona>> {
        if let Some(id) = chosen {
            match self.inner.store.persona(user, id).await {
                Ok(persona) => return Ok(Some(persona)),
                Err(Error::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        let personas = self.inner.store.list_personas(user).await?;
        let own = personas
            .iter()
            .find(|p| p.is_default && p.owner_id == Some(user));
        let global = personas
            .iter()
            .find(|p| p.is_default && p.owner_id.is_none());
        Ok(own.or(global).cloned())
    }
}
