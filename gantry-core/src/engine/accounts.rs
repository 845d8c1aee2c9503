//! Accounts, personas and usage: who may do what, and what it cost.

use time::OffsetDateTime;

use super::Engine;
use crate::ids::{PersonaId, UserId};
use crate::model::{NewPersona, NewUser, Persona, Role, UsageSummary, User};
use crate::{Error, Result, auth, validate};

/// A new account, with its password in the clear (hashed before it is stored).
#[derive(Clone)]
pub struct NewAccount {
    /// Login name.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// The password, 8 to 1,024 bytes.
    pub password: String,
}

impl NewAccount {
    /// An account with this email, display name and password.
    pub fn new(
        email: impl Into<String>,
        display_name: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            email: email.into(),
            display_name: display_name.into(),
            password: password.into(),
        }
    }
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Creates an account; the first account of a store becomes its admin.
    pub async fn register(&self, account: NewAccount) -> Result<User> {
        let password_hash = auth::hash_password(&account.password)?;
        let role = if self.inner.store.count_users().await? == 0 {
            Role::Admin
        } else {
            Role::User
        };
        let new = NewUser {
            email: account.email,
            display_name: account.display_name,
            password_hash,
            role,
        };
        new.validate()?;
        let user = self.inner.store.create_user(new).await?;
        if user.role == Role::Admin {
            // Two accounts made at once on an empty store both saw zero: only the earliest
            // keeps the admin role.
            let first = self
                .inner
                .store
                .list_users(crate::store::PageRequest::first(1))
                .await?;
            if first.items.first().is_some_and(|u| u.id != user.id) {
                return self.inner.store.set_role(user.id, Role::User).await;
            }
        }
        Ok(user)
    }

    /// The account with this email (in any case), if there is one.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(self.inner.store.credentials(email).await?.map(|c| c.user))
    }

    /// One account.
    pub async fn user(&self, id: UserId) -> Result<User> {
        self.inner.store.user(id).await
    }

    /// Refuses (`Forbidden`) unless `actor` is an enabled admin; returns the admin. For
    /// front ends guarding admin-only actions of their own.
    pub async fn require_admin(&self, actor: UserId) -> Result<User> {
        let user = self.inner.store.user(actor).await?;
        if user.role != Role::Admin || user.disabled {
            return Err(Error::forbidden("only an admin may do this"));
        }
        Ok(user)
    }

    /// Creates a persona: the user's own, or (`global`, admins only) one everybody sees.
    /// Marking it the default replaces the previous default of the same scope.
    pub async fn create_persona(
        &self,
        actor: UserId,
        global: bool,
        new: NewPersona,
    ) -> Result<Persona> {
        new.validate()?;
        let owner = self.persona_scope(actor, global).await?;
        self.inner.store.create_persona(owner, new).await
    }

    /// The global personas and the user's own, by name.
    pub async fn personas(&self, user: UserId) -> Result<Vec<Persona>> {
        self.inner.store.list_personas(user).await
    }

    /// Replaces a persona of the given scope (`global`: admins only).
    pub async fn update_persona(
        &self,
        actor: UserId,
        global: bool,
        id: PersonaId,
        new: NewPersona,
    ) -> Result<Persona> {
        new.validate()?;
        let owner = self.persona_scope(actor, global).await?;
        self.inner.store.update_persona(owner, id, new).await
    }

    /// Deletes a persona of the given scope (`global`: admins only); conversations that used
    /// it fall back to the default.
    pub async fn delete_persona(&self, actor: UserId, global: bool, id: PersonaId) -> Result<()> {
        let owner = self.persona_scope(actor, global).await?;
        self.inner.store.delete_persona(owner, id).await
    }

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

    async fn persona_scope(&self, actor: UserId, global: bool) -> Result<Option<UserId>> {
        if global {
            self.require_admin(actor).await?;
            Ok(None)
        } else {
            self.inner.store.user(actor).await?;
            Ok(Some(actor))
        }
    }

    /// Token usage and latency per user, model and UTC day in `[from, to)`, for everyone or
    /// one user: the admin's view.
    pub async fn usage(
        &self,
        actor: UserId,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageSummary>> {
        self.require_admin(actor).await?;
        validate::time_range(from, to)?;
        self.inner.store.usage_summary(user, from, to).await
    }

    /// The user's own usage per model and day in `[from, to)`.
    pub async fn my_usage(
        &self,
        user: UserId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageSummary>> {
        validate::time_range(from, to)?;
        self.inner.store.usage_summary(Some(user), from, to).await
    }
}
