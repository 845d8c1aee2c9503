//! Token usage and latency per user, model and UTC day: each user sees their own, admins
//! everyone's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
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

/// Usage added up, for one user, model or day, or for everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageTotals {
    /// Model calls.
    pub requests: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
}

impl UsageTotals {
    fn add(&mut self, row: &UsageSummary) {
        self.requests += row.requests;
        self.prompt_tokens += row.prompt_tokens;
        self.completion_tokens += row.completion_tokens;
    }
}

/// Usage over a range, per user, per model and per day with totals: what a usage chart
/// draws.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    /// Per user, model and day, by day.
    pub rows: Vec<UsageSummary>,
    /// Per user.
    pub by_user: BTreeMap<UserId, UsageTotals>,
    /// Per model.
    pub by_model: BTreeMap<String, UsageTotals>,
    /// Per UTC day (`YYYY-MM-DD`), days without use left out.
    pub by_day: BTreeMap<String, UsageTotals>,
    /// Everything in the range.
    pub total: UsageTotals,
}

impl UsageReport {
    fn of(rows: Vec<UsageSummary>) -> Self {
        let mut report = Self::default();
        for row in &rows {
            report.by_user.entry(row.user_id).or_default().add(row);
            report
                .by_model
                .entry(row.model.clone())
                .or_default()
                .add(row);
            report
                .by_day
                .entry(row.day.to_string())
                .or_default()
                .add(row);
            report.total.add(row);
        }
        report.rows = rows;
        report
    }
}

impl AdminScope {
    /// Usage in `[from, to)` per user, model and day, with totals, for everyone or one
    /// user.
    pub async fn usage_report(
        &self,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<UsageReport> {
        Ok(UsageReport::of(self.usage(user, from, to).await?))
    }

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
