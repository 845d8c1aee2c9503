//! Moving conversations in and out: export one as JSON, Markdown or PDF; import Gantry's
//! JSON or ChatGPT's `conversations.json`.

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gantry::ConversationId;
use gantry::engine::ExportFormat;
use gantry::model::Conversation;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PathId, Query};

/// The export's format.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportQuery {
    /// `json` (imports back exactly; the default), `markdown` or `pdf`.
    format: Option<String>,
}

/// One conversation as a file to download.
#[utoipa::path(get, path = "/api/chat/conversations/{id}/export", tag = "transfer",
    params(("id" = String, Path, description = "The conversation's id"), ExportQuery),
    responses((status = 200, description = "The file, as an attachment"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn export(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let format = match query.format.as_deref().unwrap_or("json") {
        "json" => ExportFormat::Json,
        "markdown" | "md" => ExportFormat::Markdown,
        "pdf" => ExportFormat::Pdf,
        other => {
            return Err(ApiError::invalid(
                "format",
                format!("`{other}` is not a format: use json, markdown or pdf"),
            ));
        }
    };
    let bytes = caller.scope().export_conversation(id, format).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    // The id names the file: a title could hold anything.
    let disposition = format!(
        "attachment; filename=\"conversation-{}.{}\"",
        id.0,
        format.extension()
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Imports a conversation exported as Gantry JSON (the request body), under new ids.
#[utoipa::path(post, path = "/api/chat/import", tag = "transfer",
    request_body(content = String, content_type = "application/json",
        description = "A conversation exported as Gantry JSON"),
    responses((status = 201, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn import(Authed(caller): Authed, body: Bytes) -> ApiResult<impl IntoResponse> {
    let conversation = caller.scope().import_conversation(body.to_vec()).await?;
    Ok((StatusCode::CREATED, axum::Json(conversation)))
}

/// What a ChatGPT import did.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChatGptImportView {
    /// The conversations created.
    imported: Vec<Conversation>,
    /// Conversations of the file left out, with why.
    skipped: Vec<SkippedView>,
}

/// A conversation of the file that was left out.
#[derive(Serialize, ToSchema)]
pub(crate) struct SkippedView {
    /// Its position in the file, from 0.
    index: usize,
    /// Its title, when it had one.
    title: Option<String>,
    /// Why.
    reason: String,
}

/// Imports ChatGPT's `conversations.json` (the request body): each conversation on the
/// branch its user last saw; unreadable ones are skipped and reported.
#[utoipa::path(post, path = "/api/chat/import/chatgpt", tag = "transfer",
    request_body(content = String, content_type = "application/json",
        description = "ChatGPT's conversations.json"),
    responses((status = 201, body = ChatGptImportView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn import_chatgpt(
    Authed(caller): Authed,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let report = caller.scope().import_chatgpt(body.to_vec()).await?;
    Ok(report_view(report))
}

/// Imports Claude's `conversations.json` (the request body); unreadable conversations are
/// skipped and reported.
#[utoipa::path(post, path = "/api/chat/import/claude", tag = "transfer",
    request_body(content = String, content_type = "application/json",
        description = "Claude's conversations.json"),
    responses((status = 201, body = ChatGptImportView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn import_claude(
    Authed(caller): Authed,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let report = caller.scope().import_claude(body.to_vec()).await?;
    Ok(report_view(report))
}

fn report_view(report: gantry::ChatGptReport) -> impl IntoResponse {
    (
        StatusCode::CREATED,
        axum::Json(ChatGptImportView {
            imported: report.imported,
            skipped: report
                .skipped
                .into_iter()
                .map(|s| SkippedView {
                    index: s.index,
                    title: s.title,
                    reason: s.reason,
                })
                .collect(),
        }),
    )
}
