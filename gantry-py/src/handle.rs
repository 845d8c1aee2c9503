//! The open Gantry every Python object of one installation shares, which `close()` lets
//! go: after it, the objects that came from it (scopes, namespaces) raise instead of
//! keeping the indexes open, so the data directory can be opened again at once, as a
//! closed file can.

use std::sync::{Arc, PoisonError, RwLock};

use gantry::{Backend, Error, UserId};

use crate::errors::Fail;

/// A shared slot holding the open `gantry::Gantry` until it is closed.
#[derive(Clone, Debug)]
pub(crate) struct Handle(Arc<RwLock<Option<gantry::Gantry>>>);

impl Handle {
    pub(crate) fn new(gantry: gantry::Gantry) -> Self {
        Self(Arc::new(RwLock::new(Some(gantry))))
    }

    /// The open Gantry (a cheap clone); `Unavailable` once closed.
    pub(crate) fn get(&self) -> Result<gantry::Gantry, Fail> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                Error::unavailable(Backend::Component("gantry"), "this Gantry is closed").into()
            })
    }

    /// Whether `close` has run.
    pub(crate) fn is_closed(&self) -> bool {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Closes Gantry (waiting for answers in progress, saving the indexes) and lets it
    /// go; closing again does nothing.
    pub(crate) async fn close(&self) -> Result<(), Fail> {
        let open = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(gantry) = open {
            gantry.close().await?;
            self.0
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
        }
        Ok(())
    }
}

/// A user's scope on a shared handle: the scope is made per call, so it never keeps a
/// closed Gantry open.
#[derive(Clone, Debug)]
pub(crate) struct Scoped {
    pub(crate) handle: Handle,
    pub(crate) user: UserId,
}

impl Scoped {
    pub(crate) fn new(handle: Handle, user: UserId) -> Self {
        Self { handle, user }
    }

    /// The user's scope; `Unavailable` once Gantry is closed.
    pub(crate) fn scope(&self) -> Result<gantry::UserScope, Fail> {
        Ok(self.handle.get()?.for_user(self.user))
    }

    /// The open Gantry.
    pub(crate) fn gantry(&self) -> Result<gantry::Gantry, Fail> {
        self.handle.get()
    }
}
