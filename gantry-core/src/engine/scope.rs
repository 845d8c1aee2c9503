//! Scoped handles: every operation on user data goes through one, so it is always clear who
//! is acting, and nothing can forget to say.
//!
//! [`UserScope`] is one user's view: their conversations, documents, memory, personas,
//! search, usage, API keys and exports. Its methods never take a user id; every store call
//! it makes is filtered by its user, so another user's id answers `NotFound`, exactly like
//! a missing one. [`AdminScope`] is an enabled admin's view of the whole installation
//! (accounts, global personas, usage, bulk export); getting one checks the role.

use super::Engine;
use crate::ids::UserId;
use crate::model::{Role, User};
use crate::{Error, Result, Store};

/// One user's view of the engine, from [`Engine::for_user`] (an id the caller already
/// trusts) or from authenticating a session or API key. Cheap to clone.
#[derive(Clone)]
pub struct UserScope {
    pub(crate) engine: Engine,
    pub(crate) user: UserId,
}

impl std::fmt::Debug for UserScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserScope")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl UserScope {
    /// The acting user's id.
    pub fn id(&self) -> UserId {
        self.user
    }

    /// The acting user's account.
    pub async fn me(&self) -> Result<User> {
        self.store().user(self.user).await
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.engine.inner.store
    }
}

/// An enabled admin's view of the whole installation, from [`Engine::admin`] (or, for a
/// program that holds the installation itself, [`Engine::operator`]). Cheap to clone. It
/// holds no rights beyond the moment it was checked: front ends get a fresh one per
/// request, so a demoted or disabled admin loses it at once.
#[derive(Clone)]
pub struct AdminScope {
    pub(crate) engine: Engine,
    /// The acting admin; `None` for the operator.
    pub(crate) admin: Option<User>,
}

impl std::fmt::Debug for AdminScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminScope")
            .field("admin", &self.admin.as_ref().map(|a| a.id))
            .finish_non_exhaustive()
    }
}

impl AdminScope {
    /// The acting admin's account; `None` for the operator.
    pub fn me(&self) -> Option<&User> {
        self.admin.as_ref()
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.engine.inner.store
    }
}

impl Engine {
    /// Acts as `user`: the caller vouches for the id (it authenticated them itself, or it is
    /// a program acting for its own user). Front ends facing people get the scope from
    /// [`Engine::authenticate`] instead.
    pub fn for_user(&self, user: UserId) -> UserScope {
        UserScope {
            engine: self.clone(),
            user,
        }
    }

    /// Acts as the admin `actor`: refused (`Forbidden`) unless the account is an enabled
    /// admin, and `NotFound` when it does not exist.
    pub async fn admin(&self, actor: UserId) -> Result<AdminScope> {
        let admin = self.inner.store.user(actor).await?;
        if admin.role != Role::Admin || admin.disabled {
            return Err(Error::forbidden("only an admin may do this"));
        }
        Ok(AdminScope {
            engine: self.clone(),
            admin: Some(admin),
        })
    }

    /// Admin rights without an account, for a program that holds the installation itself:
    /// the command line working on its own data directory, a migration script. Whoever can
    /// open the store has these rights anyway; front ends that serve people never use this,
    /// they authenticate the person and call [`Self::admin`].
    pub fn operator(&self) -> AdminScope {
        AdminScope {
            engine: self.clone(),
            admin: None,
        }
    }
}
