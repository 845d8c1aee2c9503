//! Invite codes: while sign-up is by invite
//! ([`SignupPolicy::Invite`](super::SignupPolicy::Invite)), an admin makes a code for each
//! person, who registers with it once. Like API keys, a code is shown once
//! and stored only as its hash; unknown, used and expired codes are refused alike.

use std::time::Duration;

use time::OffsetDateTime;

use super::accounts::{Admission, NewAccount};
use super::{AdminScope, Engine};
use crate::ids::InviteId;
use crate::model::{Invite, Role, User};
use crate::{Error, Result, auth, validate};

/// What every invite code starts with, so one is recognisable where it is pasted.
pub const INVITE_PREFIX: &str = "gi_";
/// The longest code looked up; anything longer is refused without a query.
const MAX_CODE_BYTES: usize = 128;
/// How long an invite lasts unless the admin says otherwise: a week.
pub const DEFAULT_INVITE_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The longest an invite may last: a year.
const MAX_INVITE_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// A new invite. `code` is the only copy of the secret: hand it to the person invited.
#[derive(Clone)]
pub struct NewInvite {
    /// The code, starting with [`INVITE_PREFIX`].
    pub code: String,
    /// The invite as stored (note, times).
    pub info: Invite,
}

impl std::fmt::Debug for NewInvite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInvite")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Creates an account for someone signing up with an invite code, using the code up.
    /// Under [`SignupPolicy::Open`](super::SignupPolicy::Open) the code is not needed and
    /// is left unused; under `Closed` no code helps (`Forbidden`); the installation's first
    /// account is created as [`Self::register`] creates it.
    pub async fn register_with_invite(&self, account: NewAccount, code: &str) -> Result<User> {
        if self.admission().await? == Admission::Anyone {
            return self.create_signed_up(account).await;
        }
        let code = code.trim();
        if code.is_empty() || code.len() > MAX_CODE_BYTES {
            return Err(Error::invalid(
                "invite_code",
                "must be the code an admin gave you",
            ));
        }
        let new = account.into_user_blocking(Role::User).await?;
        self.inner
            .store
            .create_user_with_invite(new, &auth::hash_token(code), OffsetDateTime::now_utc())
            .await
    }
}

impl AdminScope {
    /// Makes an invite that lasts `valid_for` (at most a year), with a note saying who it
    /// is for. The code is in the answer once and never again.
    pub async fn create_invite(&self, note: &str, valid_for: Duration) -> Result<NewInvite> {
        let note = note.trim();
        if !note.is_empty() {
            validate::required("note", note, validate::MAX_LABEL_BYTES)?;
        }
        if valid_for.is_zero() || valid_for > MAX_INVITE_LIFETIME {
            return Err(Error::invalid(
                "valid_for",
                "must be more than nothing and at most a year",
            ));
        }
        let code = format!("{INVITE_PREFIX}{}", auth::new_token()?);
        let expires_at = OffsetDateTime::now_utc() + valid_for;
        let info = self
            .store()
            .create_invite(
                self.admin.as_ref().map(|admin| admin.id),
                note,
                &auth::hash_token(&code),
                expires_at,
            )
            .await?;
        let days = valid_for.as_secs().div_ceil(86_400);
        let target = if note.is_empty() {
            "an invite".to_owned()
        } else {
            format!("an invite: {note}")
        };
        self.audit(
            "invite.create",
            None,
            target,
            format!("valid for {days} days"),
        )
        .await;
        Ok(NewInvite { code, info })
    }

    /// The invites, newest first, used and unused (never their codes).
    pub async fn invites(&self) -> Result<Vec<Invite>> {
        self.store().list_invites().await
    }

    /// Withdraws an invite: its code stops working (an account made with it stays).
    pub async fn delete_invite(&self, id: InviteId) -> Result<()> {
        self.store().delete_invite(id).await?;
        self.audit("invite.delete", None, format!("invite {}", id.0), "")
            .await;
        Ok(())
    }
}
