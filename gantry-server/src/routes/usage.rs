//! The caller's own usage and quotas.

use gantry::engine::QuotaReport;
use gantry::model::UsageSummary;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Query;

/// A time range, RFC 3339; default the last 30 days.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct RangeQuery {
    /// From (inclusive), e.g. `2026-11-01T00:00:00Z`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<OffsetDateTime>,
    /// To (exclusive).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<OffsetDateTime>,
}

/// Tokens and requests per model and day.
#[utoipa::path(get, path = "/api/usage", tag = "usage", params(RangeQuery),
    responses((status = 200, body = Vec<UsageSummary>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub(crate) async fn usage(
    Authed(caller): Authed,
    Query(range): Query<RangeQuery>,
) -> ApiResult<axum::Json<Vec<UsageSummary>>> {
    let to = range.to.unwrap_or_else(OffsetDateTime::now_utc);
    let from = range.from.unwrap_or(to - time::Duration::days(30));
    Ok(axum::Json(caller.scope().usage(from, to).await?))
}

/// The caller's quotas and what they use of them.
#[utoipa::path(get, path = "/api/quotas", tag = "usage",
    responses((status = 200, body = QuotaReport), (status = 401, body = ErrorBody)))]
pub(crate) async fn quotas(Authed(caller): Authed) -> ApiResult<axum::Json<QuotaReport>> {
    Ok(axum::Json(caller.scope().quotas().await?))
}
