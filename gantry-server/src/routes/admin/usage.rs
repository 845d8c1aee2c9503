//! Usage for admins: tokens and requests per user, model and day, with totals (what the
//! usage charts draw), and each user's quotas and allowances.

use gantry::UserId;
use gantry::engine::{QuotaReport, UsageReport};
use gantry::model::QuotaOverrides;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId, Query};

/// A time range (RFC 3339; default the last 30 days) and whose usage.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsageQuery {
    /// From (inclusive), e.g. `2026-11-01T00:00:00Z`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<OffsetDateTime>,
    /// To (exclusive).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<OffsetDateTime>,
    /// One account's usage only.
    #[param(value_type = Option<String>, format = Uuid)]
    user_id: Option<uuid::Uuid>,
}

/// Usage per user, model and day in a range, with totals per user, per model, per day and
/// overall.
#[utoipa::path(get, path = "/api/admin/usage", tag = "admin", params(UsageQuery),
    responses((status = 200, body = UsageReport), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn report(
    Admin(admin): Admin,
    Query(query): Query<UsageQuery>,
) -> ApiResult<axum::Json<UsageReport>> {
    let to = query.to.unwrap_or_else(OffsetDateTime::now_utc);
    let from = query.from.unwrap_or(to - time::Duration::days(30));
    let user = query.user_id.map(UserId);
    Ok(axum::Json(admin.usage_report(user, from, to).await?))
}

/// An account's quotas and allowances (what it may keep, turns a minute, tokens a day),
/// and what it uses of them.
#[utoipa::path(get, path = "/api/admin/users/{id}/quotas", tag = "admin",
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = QuotaReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn quotas(
    Admin(admin): Admin,
    PathId(id): PathId<UserId>,
) -> ApiResult<axum::Json<QuotaReport>> {
    Ok(axum::Json(admin.quotas_of(id).await?))
}

/// Replaces an account's changes to the defaults: each field set replaces the default,
/// each absent or `null` one restores it. Takes effect at the account's next request.
#[utoipa::path(put, path = "/api/admin/users/{id}/quotas", tag = "admin",
    request_body = QuotaOverrides,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = QuotaReport), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn set_quotas(
    Admin(admin): Admin,
    PathId(id): PathId<UserId>,
    Json(overrides): Json<QuotaOverrides>,
) -> ApiResult<axum::Json<QuotaReport>> {
    Ok(axum::Json(admin.set_quotas(id, overrides).await?))
}
