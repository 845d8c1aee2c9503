//! Token usage and latency per user, model and UTC day: each user sees their own, admins
//! everyone's.

use time::OffsetDateTime;

use super::{AdminScope, UserScope};
use crate::ids::UserId;
use crate::model::UsageSummary;
use crate::{Result, validate};

impl UserScope {
    /// The user's own usage per model and day in `[from, to)`.
    pub async fn usage(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageSummary>> {
        validate::time_range(from, to)?;
        self.store().usage_summary(Some(self.user), from, to).await
    }
}

impl AdminScope {
    /// Usage per user, model and day in `[from, to)`, for everyone or one user.
    pub async fn usage(
        &self,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageSummary>> {
        validate::time_range(from, to)?;
        self.store().usage_summary(user, from, to).await
    }
}
