//! The audit log: what admins did, who to, and when. Every admin action the engine offers
//! writes its entry once the action is done, so the log shows changes that happened, not
//! attempts. A failure to write an entry is logged loudly but does not undo the action.

use time::OffsetDateTime;

use super::AdminScope;
use crate::Result;
use crate::model::{AuditEntry, NewAuditEntry, User};
use crate::store::{Page, PageRequest};

impl AdminScope {
    /// The audit log, newest first, a page at a time (`since`: only entries at or after).
    pub async fn audit_log(
        &self,
        since: Option<OffsetDateTime>,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        self.store().list_audit(since, page).await
    }

    /// Records an admin action taken outside the engine (the facade's model backends, say):
    /// `action` as in [`AuditEntry::action`], `target` and `detail` in words. A failure to
    /// write is logged, as for the engine's own actions.
    pub async fn record(&self, action: &'static str, target: String, detail: String) {
        self.audit(action, None, target, detail).await;
    }

    /// Records an action on `user`.
    pub(crate) async fn audit_user(
        &self,
        action: &'static str,
        user: &User,
        detail: impl Into<String>,
    ) {
        self.audit(action, Some(user), user.email.clone(), detail)
            .await;
    }

    /// Records an action on something (`target`, in words), about `user` if any.
    pub(crate) async fn audit(
        &self,
        action: &'static str,
        user: Option<&User>,
        target: String,
        detail: impl Into<String>,
    ) {
        let entry = NewAuditEntry {
            actor_id: self.admin.as_ref().map(|admin| admin.id),
            actor: self
                .admin
                .as_ref()
                .map_or_else(|| "operator".to_owned(), |admin| admin.email.clone()),
            action,
            target_id: user.map(|user| user.id),
            target,
            detail: detail.into(),
        };
        if let Err(error) = self.store().record_audit(entry).await {
            tracing::error!(%error, action, "could not write an audit log entry");
        }
    }
}
