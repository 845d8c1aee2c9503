//! Accounts and the ways a caller proves who they are: registration, sign-in sessions, API
//! keys, password changes, and an admin's management of accounts.
//!
//! Secrets never leave this module in the clear except once, to the person who asked for
//! them (a new session token, a new API key); the store only sees their hashes.

use std::sync::OnceLock;
use std::time::Duration;

use time::OffsetDateTime;

use super::{AdminScope, Engine, UserScope};
use crate::ids::{ApiKeyId, UserId};
use crate::model::{ApiKey, NewUser, Role, Session, StoreStats, User};
use crate::store::{Page, PageRequest};
use crate::{Error, Result, auth, validate};

/// What every API key starts with, so a leaked key is recognisable (and never mistaken for
/// a session token).
pub const API_KEY_PREFIX: &str = "gk_";
/// How many characters of a key are kept in the clear, to tell keys apart.
const SHOWN_KEY_CHARS: usize = API_KEY_PREFIX.len() + 8;
/// The longest token or key looked up; anything longer is refused without a query.
const MAX_TOKEN_BYTES: usize = 256;
/// The answer to every failed sign-in, whatever was wrong.
const BAD_CREDENTIALS: &str = "wrong email or password";

/// Who may create their own account with [`Engine::register`]. The first account of an
/// installation can always be created (it becomes the admin); admins can always create
/// accounts ([`AdminScope::create_user`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupPolicy {
    /// Only admins create accounts (after the first).
    #[default]
    Closed,
    /// Anyone who can reach Gantry may register.
    Open,
    /// Whoever has an invite code an admin made may register, once per code
    /// ([`Engine::register_with_invite`]).
    Invite,
}

/// What [`AdminScope::update_user`] changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserChange {
    /// The name shown to others.
    pub display_name: Option<String>,
    /// Admin or user.
    pub role: Option<Role>,
    /// Disabled accounts are refused at once, everywhere.
    pub disabled: Option<bool>,
}

/// How [`Engine::admission`] lets someone sign up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// Without a code.
    Anyone,
    /// Only with an admin's invite code.
    ByInvite,
}

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

    /// [`Self::into_user`] with the hashing (about 50 ms of CPU) on a blocking thread.
    pub(super) async fn into_user_blocking(self, role: Role) -> Result<NewUser> {
        validate::email(&self.email)?;
        validate::required("display_name", &self.display_name, validate::MAX_NAME_BYTES)?;
        tokio::task::spawn_blocking(move || self.into_user(role))
            .await
            .map_err(|e| Error::internal_from("hashing a password", e))?
    }

    /// Checks the fields and hashes the password, in that order: a bad email costs no
    /// hashing time.
    fn into_user(self, role: Role) -> Result<NewUser> {
        validate::email(&self.email)?;
        validate::required("display_name", &self.display_name, validate::MAX_NAME_BYTES)?;
        let password_hash = auth::hash_password(&self.password)?;
        Ok(NewUser {
            email: self.email,
            display_name: self.display_name,
            password_hash,
            role,
        })
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

/// A new sign-in session. `token` is the only copy of the secret: hand it to the client
/// (a cookie, a config file) and present it to [`Engine::authenticate`].
#[derive(Clone)]
pub struct SignedIn {
    /// The bearer token.
    pub token: String,
    /// The session, as stored.
    pub session: Session,
    /// Who signed in.
    pub user: User,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("session", &self.session)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A new API key. `key` is the only copy of the secret: show it to its owner once.
#[derive(Clone)]
pub struct NewApiKey {
    /// The key, starting with [`API_KEY_PREFIX`].
    pub key: String,
    /// The key as stored (name, prefix, times).
    pub info: ApiKey,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiKey")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// How a caller proved who they are.
#[derive(Clone, Debug, PartialEq)]
pub enum Credential {
    /// A sign-in session (a browser's cookie, say).
    Session(Session),
    /// An API key (a program's `Authorization: Bearer`).
    ApiKey(ApiKey),
}

/// An authenticated caller: who they are, how they proved it, and their scope.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The account, as it is now (enabled).
    pub user: User,
    /// The session or key presented.
    pub credential: Credential,
    scope: UserScope,
}

impl Caller {
    /// What the caller may do as themself.
    pub fn scope(&self) -> &UserScope {
        &self.scope
    }

    /// What the caller may do as an admin: refused (`Forbidden`) unless they are one.
    pub fn admin(&self) -> Result<AdminScope> {
        if self.user.role != Role::Admin {
            return Err(Error::forbidden("only an admin may do this"));
        }
        Ok(AdminScope {
            engine: self.scope.engine.clone(),
            admin: Some(self.user.clone()),
        })
    }
}

/// A hash that matches no password, verified when an email is unknown so that a sign-in
/// takes the same time whether or not the account exists.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        auth::hash_password("gantry decoy password, never a real one").unwrap_or_default()
    })
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl Engine {
    /// Creates an account for someone signing up. The first account of an installation
    /// becomes its admin, whatever the policy; after that, the [`SignupPolicy`] decides
    /// (`Forbidden` when sign-up is closed or needs an invite code).
    pub async fn register(&self, account: NewAccount) -> Result<User> {
        match self.admission().await? {
            Admission::Anyone => self.create_signed_up(account).await,
            Admission::ByInvite => Err(Error::forbidden(
                "sign-up needs an invite code: ask an admin for one",
            )),
        }
    }

    /// Who may sign up now: anyone for the installation's first account or under an open
    /// policy, whoever has a code under the invite policy; `Forbidden` when it is closed.
    pub(super) async fn admission(&self) -> Result<Admission> {
        if self.inner.store.count_users().await? == 0 {
            return Ok(Admission::Anyone);
        }
        match self.inner.settings.signup {
            SignupPolicy::Open => Ok(Admission::Anyone),
            SignupPolicy::Invite => Ok(Admission::ByInvite),
            SignupPolicy::Closed => Err(Error::forbidden(
                "sign-up is closed: ask an admin for an account",
            )),
        }
    }

    /// Creates the account of someone the policy admits without a code.
    pub(super) async fn create_signed_up(&self, account: NewAccount) -> Result<User> {
        let new = account.into_user_blocking(Role::User).await?;
        // The store decides "first" again under its lock: two sign-ups on an empty store
        // both got past the policy check, and exactly one of them becomes the admin.
        self.inner.store.create_user_or_first_admin(new).await
    }

    /// Whether the installation still has no account: a front end then offers to create
    /// the first admin ([`Self::set_up`]).
    pub async fn needs_setup(&self) -> Result<bool> {
        Ok(self.inner.store.count_users().await? == 0)
    }

    /// Creates the installation's first account, an admin, whatever the sign-up policy;
    /// `Conflict` once any account exists (also when another set-up won a race).
    pub async fn set_up(&self, account: NewAccount) -> Result<User> {
        if !self.needs_setup().await? {
            return Err(Error::conflict("Gantry is already set up: sign in"));
        }
        let new = account.into_user_blocking(Role::Admin).await?;
        self.inner.store.create_first_admin(new).await
    }

    /// Removes every user's expired sessions (they are already refused; this frees their
    /// rows); returns how many. `Gantry` runs it every hour.
    pub async fn remove_expired_sessions(&self) -> Result<u64> {
        self.inner
            .store
            .delete_expired_sessions(time::OffsetDateTime::now_utc())
            .await
    }

    /// Signs in with an email (in any case) and password, starting a session that lasts
    /// the configured lifetime. A wrong password, an unknown email and a disabled account
    /// all answer the same `Unauthenticated` error, after the same work.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn> {
        if email.len() > validate::MAX_EMAIL_BYTES
            || password.len() > *validate::PASSWORD_BYTES.end()
        {
            return Err(Error::unauthenticated(BAD_CREDENTIALS));
        }
        let found = self.inner.store.credentials(email).await?;
        let stored = found.as_ref().map(|c| c.password_hash.clone());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            let hash = stored.as_deref().unwrap_or_else(|| decoy_hash());
            auth::verify_password(&password, hash)
        })
        .await
        .map_err(|e| Error::internal_from("checking a password", e))?;
        match found {
            Some(credentials) if matches && !credentials.user.disabled => {
                self.start_session(credentials.user).await
            }
            _ => Err(Error::unauthenticated(BAD_CREDENTIALS)),
        }
    }

    /// Who presents `token`: a session token from [`Self::sign_in`] or an API key. Refused
    /// (`Unauthenticated`) when it is unknown, expired, revoked, or its account is disabled.
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return Err(Error::unauthenticated("no valid session or API key"));
        }
        let hash = auth::hash_token(token);
        let (user, credential) = if token.starts_with(API_KEY_PREFIX) {
            let (key, user) = self
                .inner
                .store
                .api_key_by_hash(&hash, now())
                .await?
                .ok_or_else(|| Error::unauthenticated("the API key is unknown or revoked"))?;
            (user, Credential::ApiKey(key))
        } else {
            let (session, user) = self
                .inner
                .store
                .session_by_token(&hash, now())
                .await?
                .ok_or_else(|| Error::unauthenticated("the session has expired or ended"))?;
            (user, Credential::Session(session))
        };
        if user.disabled {
            return Err(Error::unauthenticated("the account is disabled"));
        }
        Ok(Caller {
            scope: self.for_user(user.id),
            user,
            credential,
        })
    }

    /// Ends the session `token` stands for. An unknown or expired token is already signed
    /// out, so that is not an error.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        match self.authenticate(token).await {
            Ok(Caller {
                user,
                credential: Credential::Session(session),
                ..
            }) => match self.inner.store.delete_session(user.id, session.id).await {
                Ok(()) | Err(Error::NotFound { .. }) => Ok(()),
                Err(error) => Err(error),
            },
            Ok(_) | Err(Error::Unauthenticated { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    async fn start_session(&self, user: User) -> Result<SignedIn> {
        let token = auth::new_token()?;
        let lifetime = self.inner.settings.session_lifetime;
        let expires_at = now() + lifetime;
        let session = self
            .inner
            .store
            .create_session(user.id, &auth::hash_token(&token), expires_at)
            .await?;
        Ok(SignedIn {
            token,
            session,
            user,
        })
    }
}

impl UserScope {
    /// Changes the user's password after checking the current one. Every session of the
    /// account ends (another device signed in with the old password is signed out) and a
    /// new one starts for the caller.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<SignedIn> {
        validate::password(new)?;
        let user = self.me().await?;
        let credentials = self
            .store()
            .credentials(&user.email)
            .await?
            .ok_or_else(|| Error::not_found(self.user.describe()))?;
        let current = current.to_owned();
        let new = new.to_owned();
        let hashed = tokio::task::spawn_blocking(move || {
            if !auth::verify_password(&current, &credentials.password_hash) {
                return Err(Error::invalid("current_password", "is not your password"));
            }
            auth::hash_password(&new)
        })
        .await
        .map_err(|e| Error::internal_from("hashing a password", e))??;
        self.store().set_password_hash(self.user, &hashed).await?;
        self.engine.start_session(user).await
    }

    /// Creates an API key that acts as this user, named so its owner can tell it apart.
    /// The key is in the answer once and never again.
    pub async fn create_api_key(&self, name: &str) -> Result<NewApiKey> {
        let key = format!("{API_KEY_PREFIX}{}", auth::new_token()?);
        let shown = &key[..SHOWN_KEY_CHARS];
        let info = self
            .store()
            .create_api_key(self.user, name.trim(), shown, &auth::hash_token(&key))
            .await?;
        Ok(NewApiKey { key, info })
    }

    /// The user's API keys, newest first (names and prefixes, never the keys).
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        self.store().list_api_keys(self.user).await
    }

    /// Revokes one of the user's API keys: it stops working at once.
    pub async fn revoke_api_key(&self, id: ApiKeyId) -> Result<()> {
        self.store().delete_api_key(self.user, id).await
    }
}

impl AdminScope {
    /// Accounts in order of creation, a page at a time.
    pub async fn users(&self, page: PageRequest) -> Result<Page<User>> {
        self.store().list_users(page).await
    }

    /// One account.
    pub async fn user(&self, id: UserId) -> Result<User> {
        self.store().user(id).await
    }

    /// Accounts whose email or display name contains `query` (in any case), in the order
    /// they were made, at most `limit` (1 to 500).
    pub async fn search_users(&self, query: &str, limit: u32) -> Result<Vec<User>> {
        self.store().search_users(query, limit).await
    }

    /// Changes the name an account shows to others.
    pub async fn rename_user(&self, id: UserId, display_name: &str) -> Result<User> {
        let before = self.user(id).await?;
        let user = self
            .store()
            .set_display_name(id, display_name.trim())
            .await?;
        if user.display_name != before.display_name {
            let detail = format!("{} -> {}", before.display_name, user.display_name);
            self.audit_user("user.rename", &user, detail).await;
        }
        Ok(user)
    }

    /// Renames an account, changes its role and disables or enables it, as `change` says.
    /// Everything is checked before anything is changed (a bad name, or an admin's own
    /// role or state, refuses the whole change).
    pub async fn update_user(&self, id: UserId, change: UserChange) -> Result<User> {
        if let Some(name) = &change.display_name {
            validate::required("display_name", name.trim(), validate::MAX_NAME_BYTES)?;
        }
        if change.role.is_some() {
            self.not_myself(id, "change their own role")?;
        }
        if change.disabled.is_some() {
            self.not_myself(id, "disable themself")?;
        }
        let mut user = self.user(id).await?;
        if let Some(name) = &change.display_name {
            user = self.rename_user(id, name).await?;
        }
        if let Some(role) = change.role {
            user = self.set_role(id, role).await?;
        }
        if let Some(disabled) = change.disabled {
            user = self.set_disabled(id, disabled).await?;
        }
        Ok(user)
    }

    /// The account with this email (in any case), if there is one.
    pub async fn find_user(&self, email: &str) -> Result<Option<User>> {
        Ok(self.store().credentials(email).await?.map(|c| c.user))
    }

    /// Creates an account with the given role, whatever the sign-up policy.
    pub async fn create_user(&self, account: NewAccount, role: Role) -> Result<User> {
        let new = account.into_user_blocking(role).await?;
        let user = self.store().create_user(new).await?;
        self.audit_user("user.create", &user, format!("role {role}"))
            .await;
        Ok(user)
    }

    /// Makes an account an admin or an ordinary user. An admin cannot change their own
    /// role (so there is always an admin left).
    pub async fn set_role(&self, id: UserId, role: Role) -> Result<User> {
        self.not_myself(id, "change their own role")?;
        let before = self.user(id).await?;
        let user = self.store().set_role(id, role).await?;
        if before.role != user.role {
            let detail = format!("{} -> {}", before.role, user.role);
            self.audit_user("user.role", &user, detail).await;
        }
        Ok(user)
    }

    /// Disables an account (its sessions and API keys stop working at once) or enables it
    /// again. An admin cannot disable themself.
    pub async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<User> {
        self.not_myself(id, "disable themself")?;
        let before = self.user(id).await?;
        let user = self.store().set_disabled(id, disabled).await?;
        if before.disabled != user.disabled {
            let action = if disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            self.audit_user(action, &user, "").await;
        }
        Ok(user)
    }

    /// Sets a new password for an account and ends all its sessions.
    pub async fn reset_password(&self, id: UserId, password: &str) -> Result<()> {
        validate::password(password)?;
        let user = self.user(id).await?;
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|e| Error::internal_from("hashing a password", e))??;
        self.store().set_password_hash(id, &hash).await?;
        self.audit_user("user.password", &user, "password reset; sessions ended")
            .await;
        Ok(())
    }

    /// Deletes an account and everything it owns (conversations, documents, memory, usage,
    /// sessions, keys); nothing of it is retrieved once this returns. An admin cannot
    /// delete themself.
    pub async fn delete_user(&self, id: UserId) -> Result<()> {
        self.not_myself(id, "delete themself")?;
        let user = self.user(id).await?;
        self.store().delete_user(id).await?;
        self.engine.forgot(id);
        self.audit_user("user.delete", &user, "with all their data")
            .await;
        Ok(())
    }

    /// Counts of what the installation holds.
    pub async fn stats(&self) -> Result<StoreStats> {
        self.store().stats().await
    }

    /// Writes a consistent copy of the database to the new file `to` while it stays in
    /// use (SQLite only).
    pub async fn backup(&self, to: &std::path::Path) -> Result<()> {
        self.store().backup(to).await
    }

    fn not_myself(&self, id: UserId, action: &str) -> Result<()> {
        if self.admin.as_ref().is_some_and(|admin| admin.id == id) {
            return Err(Error::forbidden(format!("an admin cannot {action}")));
        }
        Ok(())
    }
}

/// How long sessions last unless configured: a day, as people expect of a chat site.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
