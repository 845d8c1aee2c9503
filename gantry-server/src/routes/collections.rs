//! Collections of documents, and the documents and collections a conversation draws on.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::model::{Collection, ConversationScope, Document, NewCollection};
use gantry::{CollectionId, ConversationId, DocumentId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId};

/// A collection's name and what belongs in it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CollectionRequest {
    /// Shown in the Vault; unique per user in any case.
    name: String,
    /// What belongs in it.
    #[serde(default)]
    description: String,
}

impl From<CollectionRequest> for NewCollection {
    fn from(request: CollectionRequest) -> Self {
        Self {
            name: request.name,
            description: request.description,
        }
    }
}

/// A collection and its documents.
#[derive(Serialize, ToSchema)]
pub(crate) struct CollectionWithDocuments {
    collection: Collection,
    documents: Vec<Document>,
}

/// Which document to put in or take out of a collection.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembershipRequest {
    /// The document.
    document_id: uuid::Uuid,
    /// `true` to add (the default), `false` to remove.
    #[serde(default = "yes")]
    member: bool,
}

fn yes() -> bool {
    true
}

/// The caller's collections, by name.
#[utoipa::path(get, path = "/api/documents/collections", tag = "documents",
    responses((status = 200, body = Vec<Collection>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(Authed(caller): Authed) -> ApiResult<axum::Json<Vec<Collection>>> {
    Ok(axum::Json(caller.scope().collections().await?))
}

/// Creates a collection.
#[utoipa::path(post, path = "/api/documents/collections", tag = "documents",
    request_body = CollectionRequest,
    responses((status = 201, body = Collection), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn create(
    Authed(caller): Authed,
    Json(request): Json<CollectionRequest>,
) -> ApiResult<impl IntoResponse> {
    let collection = caller.scope().create_collection(request.into()).await?;
    Ok((StatusCode::CREATED, axum::Json(collection)))
}

/// One collection with its documents.
#[utoipa::path(get, path = "/api/documents/collections/{id}", tag = "documents",
    params(("id" = String, Path, description = "The collection's id")),
    responses((status = 200, body = CollectionWithDocuments), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    Authed(caller): Authed,
    PathId(id): PathId<CollectionId>,
) -> ApiResult<axum::Json<CollectionWithDocuments>> {
    let scope = caller.scope();
    let collection = scope.collection(id).await?;
    let documents = scope.collection_documents(id).await?;
    Ok(axum::Json(CollectionWithDocuments {
        collection,
        documents,
    }))
}

/// Renames a collection or changes its description.
#[utoipa::path(patch, path = "/api/documents/collections/{id}", tag = "documents",
    params(("id" = String, Path, description = "The collection's id")),
    request_body = CollectionRequest,
    responses((status = 200, body = Collection), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn update(
    Authed(caller): Authed,
    PathId(id): PathId<CollectionId>,
    Json(request): Json<CollectionRequest>,
) -> ApiResult<axum::Json<Collection>> {
    Ok(axum::Json(
        caller.scope().update_collection(id, request.into()).await?,
    ))
}

/// Deletes a collection (its documents stay in the Vault).
#[utoipa::path(delete, path = "/api/documents/collections/{id}", tag = "documents",
    params(("id" = String, Path, description = "The collection's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Authed(caller): Authed,
    PathId(id): PathId<CollectionId>,
) -> ApiResult<StatusCode> {
    caller.scope().delete_collection(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a document in a collection, or takes it out.
#[utoipa::path(post, path = "/api/documents/collections/{id}/documents", tag = "documents",
    params(("id" = String, Path, description = "The collection's id")),
    request_body = MembershipRequest,
    responses((status = 204, description = "Done"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn membership(
    Authed(caller): Authed,
    PathId(id): PathId<CollectionId>,
    Json(request): Json<MembershipRequest>,
) -> ApiResult<StatusCode> {
    let document = DocumentId(request.document_id);
    if request.member {
        caller.scope().add_to_collection(id, document).await?;
    } else {
        caller.scope().remove_from_collection(id, document).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What a conversation draws on: these documents and collections (both empty or
/// `null`: everything the caller owns).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeRequest {
    /// `[{"type": "document" | "collection", "id": ...}]`, or `null` for everything.
    document_scope: Option<Vec<ScopeItem>>,
}

/// One document or collection in a scope.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeItem {
    /// `document` or `collection`.
    #[serde(rename = "type")]
    kind: ScopeKind,
    /// Its id.
    id: uuid::Uuid,
}

/// What a scope item names.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ScopeKind {
    /// A document.
    Document,
    /// A collection, with documents added to it later.
    Collection,
}

/// What a conversation's answers draw on: empty lists for every document.
#[utoipa::path(get, path = "/api/chat/conversations/{id}/document-scope", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, body = ConversationScope), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn scope_of(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
) -> ApiResult<axum::Json<ConversationScope>> {
    Ok(axum::Json(caller.scope().conversation_scope(id).await?))
}

/// Sets what a conversation's answers draw on.
#[utoipa::path(patch, path = "/api/chat/conversations/{id}/document-scope", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = ScopeRequest,
    responses((status = 200, body = ConversationScope), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn set_scope(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    Json(request): Json<ScopeRequest>,
) -> ApiResult<axum::Json<ConversationScope>> {
    let mut scope = ConversationScope::default();
    for item in request.document_scope.unwrap_or_default() {
        match item.kind {
            ScopeKind::Document => scope.documents.push(DocumentId(item.id)),
            ScopeKind::Collection => scope.collections.push(CollectionId(item.id)),
        }
    }
    Ok(axum::Json(
        caller.scope().scope_conversation(id, scope).await?,
    ))
}
