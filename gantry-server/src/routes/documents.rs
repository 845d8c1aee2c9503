//! The Knowledge Vault: uploads (multipart, answered at once as `processing`), the list,
//! one document (poll it for `ready` or `failed`), re-indexing and deletion.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::DocumentId;
use gantry::model::Document;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Multipart, PathId, Query};
use crate::routes::page::{PageView, page_request};

/// Which page, or which collection's documents.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
    /// `next` of the previous page.
    cursor: Option<String>,
    /// Only this collection's documents (all of them, newest first; no further pages).
    collection_id: Option<uuid::Uuid>,
}

/// An upload: one file, and optionally a collection to put it in.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct UploadForm {
    /// The file (.txt, .md, .csv, .html, .pdf, .docx).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    /// A collection of the caller's to put the document in (sent before `file`).
    collection_id: Option<String>,
}

/// Uploads a file to the Knowledge Vault (multipart, field `file`). Answers at once with
/// the document `processing`; poll `GET /api/documents/{id}` for `ready` or `failed` (with
/// the reason). Larger than the upload limit: 413.
#[utoipa::path(post, path = "/api/documents/upload", tag = "documents",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Document), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Multipart(mut form): Multipart,
) -> ApiResult<impl IntoResponse> {
    let limit = state.gantry.engine().settings().max_upload_bytes;
    let mut collection = None;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("collection_id") {
            let text = field.text().await.map_err(multipart_error)?;
            let id = text
                .trim()
                .parse::<uuid::Uuid>()
                .map(gantry::CollectionId)
                .map_err(|_| ApiError::not_found("collection"))?;
            // Checked before the upload, so a wrong collection records nothing.
            caller.scope().collection_documents(id).await?;
            collection = Some(id);
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        // The name is kept as data (shown, and used to tell the kind); never as a path.
        let filename = field.file_name().unwrap_or("upload").to_owned();
        let content_type = field.content_type().unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        let document = caller
            .scope()
            .upload_document(&filename, &content_type, bytes)
            .await?;
        if let Some(collection) = collection {
            caller
                .scope()
                .add_to_collection(collection, document.id)
                .await?;
        }
        return Ok((StatusCode::CREATED, axum::Json(document)));
    }
    Err(ApiError::invalid(
        "file",
        "send the file as the multipart field `file`",
    ))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the file is larger than the {} MiB upload limit",
            limit >> 20
        ),
    )
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the upload is larger than the server accepts",
        );
    }
    ApiError::invalid(
        "file",
        format!("the multipart body is malformed: {}", error.body_text()),
    )
}

/// The caller's documents, newest first.
#[utoipa::path(get, path = "/api/documents", tag = "documents", params(PageQuery),
    responses((status = 200, body = PageView<Document>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    Authed(caller): Authed,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<PageView<Document>>> {
    if let Some(collection) = query.collection_id {
        let mut items = caller
            .scope()
            .collection_documents(gantry::CollectionId(collection))
            .await?;
        items.sort_by_key(|d| std::cmp::Reverse(d.created_at));
        return Ok(axum::Json(PageView { items, next: None }));
    }
    let page = caller
        .scope()
        .documents(page_request(query.limit, query.cursor))
        .await?;
    Ok(axum::Json(page.into()))
}

/// One document: its status (`processing`, `ready`, `failed` with the reason).
#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "The document's id")),
    responses((status = 200, body = Document), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    Authed(caller): Authed,
    PathId(id): PathId<DocumentId>,
) -> ApiResult<axum::Json<Document>> {
    Ok(axum::Json(caller.scope().document(id).await?))
}

/// Deletes a document; nothing of it is retrieved once this answers.
#[utoipa::path(delete, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "The document's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Authed(caller): Authed,
    PathId(id): PathId<DocumentId>,
) -> ApiResult<StatusCode> {
    caller.scope().delete_document(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Indexes a ready document's chunks again (after the embedder changed, say).
#[utoipa::path(post, path = "/api/documents/{id}/reindex", tag = "documents",
    params(("id" = String, Path, description = "The document's id")),
    responses((status = 200, body = Document), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn reindex(
    Authed(caller): Authed,
    PathId(id): PathId<DocumentId>,
) -> ApiResult<axum::Json<Document>> {
    Ok(axum::Json(caller.scope().reindex_document(id).await?))
}

/// A passage search.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PassageSearch {
    /// What to look for (at most 300 bytes).
    query: String,
    /// Only these collections' documents (at most 50); absent or empty: every document.
    #[serde(default)]
    collection_ids: Vec<uuid::Uuid>,
    /// How many passages (1 to 50; default 5).
    top_k: Option<usize>,
}

/// The passages of the caller's documents that best answer a query, best first, with
/// their document, text and score.
#[utoipa::path(post, path = "/api/documents/search", tag = "documents",
    request_body = PassageSearch,
    responses((status = 200, body = Vec<gantry::engine::ChunkMatch>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn search(
    Authed(caller): Authed,
    Json(request): Json<PassageSearch>,
) -> ApiResult<axum::Json<Vec<gantry::engine::ChunkMatch>>> {
    let collections: Vec<gantry::CollectionId> = request
        .collection_ids
        .into_iter()
        .map(gantry::CollectionId)
        .collect();
    let found = caller
        .scope()
        .search_passages(&request.query, &collections, request.top_k.unwrap_or(5))
        .await?;
    Ok(axum::Json(found))
}
