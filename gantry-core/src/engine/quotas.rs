//! Quotas: how much one user may keep (conversations, messages per conversation,
//! documents and their bytes, personas, collections). Checked before anything is created,
//! so a refused request changes nothing. Two requests racing for the last place may both
//! pass: a quota can be exceeded by the requests in flight at the moment it is reached,
//! never by more.

use serde::{Deserialize, Serialize};

use super::{AdminScope, UserScope};
use crate::ids::{ConversationId, UserId};
use crate::model::{Holdings, QuotaOverrides, Quotas};
use crate::{Error, Result};

/// A user's quotas and what they use of them, for a settings page or an admin's view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaReport {
    /// The limits that apply: the defaults with the admin's changes.
    pub limits: Quotas,
    /// The admin's changes alone.
    pub overrides: QuotaOverrides,
    /// What the user keeps now.
    pub used: Holdings,
}

/// What a new item adds to a user's holdings.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Adding {
    pub(crate) conversations: u64,
    pub(crate) documents: u64,
    pub(crate) document_bytes: u64,
    pub(crate) personas: u64,
    pub(crate) collections: u64,
}

impl Adding {
    pub(crate) fn conversations(n: u64) -> Self {
        Self {
            conversations: n,
            ..Self::default()
        }
    }

    pub(crate) fn document(bytes: u64) -> Self {
        Self {
            documents: 1,
            document_bytes: bytes,
            ..Self::default()
        }
    }

    pub(crate) fn persona() -> Self {
        Self {
            personas: 1,
            ..Self::default()
        }
    }

    pub(crate) fn collection() -> Self {
        Self {
            collections: 1,
            ..Self::default()
        }
    }
}

impl UserScope {
    /// The user's quotas and what they use of them.
    pub async fn quotas(&self) -> Result<QuotaReport> {
        self.engine.quota_report(self.user).await
    }

    /// Refuses (`LimitReached`, naming the quota and what to do) when `adding` would take
    /// the user past a quota; the place to call it is before anything is written. Returns
    /// the limits that apply.
    pub(crate) async fn make_room(&self, adding: Adding) -> Result<Quotas> {
        let report = self.engine.quota_report(self.user).await?;
        let (limits, used) = (report.limits, report.used);
        let over = |held: u64, more: u64, limit: u64| more > 0 && held.saturating_add(more) > limit;
        let refuse = |what: String| Err(Error::LimitReached { what });
        if over(
            used.conversations,
            adding.conversations,
            limits.conversations,
        ) {
            return refuse(format!(
                "your account may keep {} conversations and has {}; delete some, or ask an \
                 admin for more",
                limits.conversations, used.conversations
            ));
        }
        if over(used.documents, adding.documents, limits.documents) {
            return refuse(format!(
                "your account may keep {} documents and has {}; delete some, or ask an admin \
                 for more",
                limits.documents, used.documents
            ));
        }
        if over(
            used.document_bytes,
            adding.document_bytes,
            limits.document_bytes,
        ) {
            return refuse(format!(
                "your documents may take {} and take {}, so this upload of {} does not fit; \
                 delete some, or ask an admin for more",
                Size(limits.document_bytes),
                Size(used.document_bytes),
                Size(adding.document_bytes)
            ));
        }
        if over(used.personas, adding.personas, limits.personas) {
            return refuse(format!(
                "your account may keep {} personas; delete one, or ask an admin for more",
                limits.personas
            ));
        }
        if over(used.collections, adding.collections, limits.collections) {
            return refuse(format!(
                "your account may keep {} collections; delete one, or ask an admin for more",
                limits.collections
            ));
        }
        Ok(limits)
    }

    /// Refuses (`LimitReached`) when `conversation` has no room for `adding` more messages.
    pub(crate) async fn make_room_for_messages(
        &self,
        conversation: ConversationId,
        adding: u64,
    ) -> Result<()> {
        let store = self.store();
        let (overrides, held) = tokio::try_join!(
            store.quota_overrides(self.user),
            store.count_messages(self.user, conversation)
        )?;
        let limit = self.engine.inner.settings.quotas.with(&overrides);
        if held.saturating_add(adding) > limit.messages_per_conversation {
            return Err(Error::LimitReached {
                what: format!(
                    "a conversation may hold {} messages and this one has {held}; start a new \
                     conversation",
                    limit.messages_per_conversation
                ),
            });
        }
        Ok(())
    }
}

impl AdminScope {
    /// A user's quotas and what they use of them.
    pub async fn quotas_of(&self, user: UserId) -> Result<QuotaReport> {
        self.user(user).await?;
        self.engine.quota_report(user).await
    }

    /// Changes a user's quotas: each field set replaces the default, each `None` restores
    /// it. Lowering a quota below what the user keeps deletes nothing; it only refuses new
    /// items until they are under it.
    pub async fn set_quotas(&self, user: UserId, overrides: QuotaOverrides) -> Result<QuotaReport> {
        self.store().set_quota_overrides(user, overrides).await?;
        self.engine.quota_report(user).await
    }
}

impl super::Engine {
    async fn quota_report(&self, user: UserId) -> Result<QuotaReport> {
        let store = &self.inner.store;
        let (overrides, used) =
            tokio::try_join!(store.quota_overrides(user), store.holdings(user))?;
        Ok(QuotaReport {
            limits: self.inner.settings.quotas.with(&overrides),
            overrides,
            used,
        })
    }
}

/// A byte count as people read it: `1 GiB`, `3.5 MiB`, `200 KiB`, `12 bytes`.
struct Size(u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
        for (unit, size) in UNITS {
            if self.0 >= size {
                let whole = self.0 / size;
                let tenths = (self.0 % size) * 10 / size;
                return if tenths == 0 {
                    write!(f, "{whole} {unit}")
                } else {
                    write!(f, "{whole}.{tenths} {unit}")
                };
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Size;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(Size(1 << 30).to_string(), "1 GiB");
        assert_eq!(Size(3 * (1 << 20) + (1 << 19)).to_string(), "3.5 MiB");
        assert_eq!(Size(200 << 10).to_string(), "200 KiB");
        assert_eq!(Size(12).to_string(), "12 bytes");
    }
}
