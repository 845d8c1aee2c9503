//! The audit log of admins' actions: a page at a time as JSON, or all of it as CSV.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gantry::model::AuditEntry;
use gantry::store::{Cursor, PageRequest};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Query;
use crate::routes::page::{PageView, page_request};

/// Which entries.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// Only entries at or after this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<OffsetDateTime>,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
    /// `next` of the previous page (older entries).
    cursor: Option<String>,
}

/// What admins did, newest first.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = PageView<AuditEntry>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    Admin(admin): Admin,
    Query(query): Query<AuditQuery>,
) -> ApiResult<axum::Json<PageView<AuditEntry>>> {
    let page = page_request(query.limit, query.cursor);
    Ok(axum::Json(admin.audit_log(query.since, page).await?.into()))
}

/// Which entries to export.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditExportQuery {
    /// Only entries at or after this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<OffsetDateTime>,
}

/// The audit log as a CSV file (newest first): `seq,at,actor,action,target,detail`.
#[utoipa::path(get, path = "/api/admin/audit/export", tag = "admin", params(AuditExportQuery),
    responses((status = 200, description = "CSV, as an attachment", content_type = "text/csv"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn export(
    Admin(admin): Admin,
    Query(query): Query<AuditExportQuery>,
) -> ApiResult<Response> {
    let mut csv = String::from("seq,at,actor,action,target,detail\n");
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = PageRequest {
            limit: gantry::validate::MAX_PAGE,
            cursor: cursor.take(),
        };
        let page = admin.audit_log(query.since, page).await?;
        for entry in &page.items {
            let at = entry
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let fields = [
                entry.seq.to_string(),
                at,
                entry.actor.clone(),
                entry.action.clone(),
                entry.target.clone(),
                entry.detail.clone(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            csv.push_str(&line.join(","));
            csv.push('\n');
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"gantry-audit.csv\""),
    );
    Ok(response)
}

/// A CSV field, quoted when it must be, with a leading `=`, `+`, `-` or `@` defused so a
/// spreadsheet does not run it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
