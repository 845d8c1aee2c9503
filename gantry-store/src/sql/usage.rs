//! Usage records, one per model call, summed per user, model and day.

use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::ids::UserId;
use gantry_core::model::{NewUsage, UsageSummary};
use gantry_core::store::UsageStore;
use time::OffsetDateTime;

use super::super::This;
use super::require_affected;
use super::rows::get;
use crate::convert::{DbResult, from_micros, now, to_micros, to_u64};

#[async_trait]
impl UsageStore for This {
    async fn record_usage(&self, usage: NewUsage) -> Result<()> {
        usage.validate()?;
        let done = sqlx::query(
            "INSERT INTO usage_records (user_id, model, prompt_tokens, completion_tokens, latency_ms, created_at) \
             SELECT id, $2, $3, $4, $5, $6 FROM users WHERE id = $1",
        )
        .bind(usage.user_id.0)
        .bind(&usage.model)
        .bind(i64::from(usage.prompt_tokens))
        .bind(i64::from(usage.completion_tokens))
        .bind(i64::from(usage.latency_ms))
        .bind(to_micros(now()))
        .execute(&self.pool)
        .await
        .db()?;
        require_affected(&done, || usage.user_id.describe())
    }

    async fn usage_summary(
        &self,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageSummary>> {
        const DAY_MICROS: i64 = 86_400_000_000;
        let rows = sqlx::query(
            "SELECT user_id, model, created_at / 86400000000 AS day, COUNT(*) AS requests, \
             CAST(SUM(prompt_tokens) AS BIGINT) AS prompt_tokens, \
             CAST(SUM(completion_tokens) AS BIGINT) AS completion_tokens, \
             CAST(SUM(latency_ms) AS BIGINT) AS total_latency_ms \
             FROM usage_records \
             WHERE created_at >= $1 AND created_at < $2 AND ($3 IS NULL OR user_id = $3) \
             GROUP BY user_id, model, created_at / 86400000000 \
             ORDER BY day, user_id, model",
        )
        .bind(to_micros(from))
        .bind(to_micros(to))
        .bind(user.map(|u| u.0))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                let day: i64 = get(row, "day")?;
                Ok(UsageSummary {
                    user_id: UserId(get(row, "user_id")?),
                    model: get(row, "model")?,
                    day: from_micros(day * DAY_MICROS)?.date(),
                    requests: to_u64(get(row, "requests")?, "requests")?,
                    prompt_tokens: to_u64(get(row, "prompt_tokens")?, "prompt_tokens")?,
                    completion_tokens: to_u64(get(row, "completion_tokens")?, "completion_tokens")?,
                    total_latency_ms: to_u64(get(row, "total_latency_ms")?, "latency_ms")?,
                })
            })
            .collect()
    }
}
