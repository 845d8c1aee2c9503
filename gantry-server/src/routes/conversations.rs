//! Conversations: list (keyset pages), create, read with its latest messages, rename, pin,
//! archive, delete.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::ConversationId;
use gantry::model::{Conversation, ConversationPatch, Message, NewConversation};
use gantry::store::{ConversationFilter, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, OptionalJson, PathId, Query};
use crate::routes::page::{PageView, page_request};

/// Which page of a list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// The archive instead of the active conversations.
    #[serde(default)]
    archived: bool,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
    /// `next` of the previous page.
    cursor: Option<String>,
}

/// A new conversation; every field may be left out.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewConversationRequest {
    /// The title (default "New conversation", replaced after the first answer).
    #[serde(default)]
    title: String,
    /// A persona of the user's or a global one.
    persona_id: Option<uuid::Uuid>,
    /// The model to answer with.
    model: Option<String>,
}

/// A conversation and its latest messages.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConversationWithMessages {
    conversation: Conversation,
    /// The latest messages, oldest first.
    messages: Vec<Message>,
    /// Pass as `cursor` to `GET .../messages` for older ones; absent at the start.
    next: Option<String>,
}

/// What to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConversationUpdate {
    /// A new title.
    title: Option<String>,
    /// Pin or unpin.
    pinned: Option<bool>,
    /// Archive or restore.
    archived: Option<bool>,
    /// The model to answer with from now on; an empty string
    /// goes back to the persona's or the server's default.
    model: Option<String>,
}

/// The caller's conversations, a page at a time.
#[utoipa::path(get, path = "/api/chat/conversations", tag = "conversations", params(ListQuery),
    responses((status = 200, body = PageView<Conversation>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    Authed(caller): Authed,
    Query(query): Query<ListQuery>,
) -> ApiResult<axum::Json<PageView<Conversation>>> {
    let filter = ConversationFilter {
        archived: query.archived,
    };
    let page = caller
        .scope()
        .conversations(filter, page_request(query.limit, query.cursor))
        .await?;
    Ok(axum::Json(page.into()))
}

/// Starts a conversation (the body may be empty or absent).
#[utoipa::path(post, path = "/api/chat/conversations", tag = "conversations",
    request_body(content = NewConversationRequest, description = "Optional"),
    responses((status = 201, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn create(
    Authed(caller): Authed,
    OptionalJson(body): OptionalJson<NewConversationRequest>,
) -> ApiResult<impl IntoResponse> {
    let request = body.unwrap_or_default();
    let conversation = caller
        .scope()
        .create_conversation(NewConversation {
            title: request.title,
            persona_id: request.persona_id.map(gantry::PersonaId),
            model: request.model,
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(conversation)))
}

/// One conversation with its latest 50 messages.
#[utoipa::path(get, path = "/api/chat/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, body = ConversationWithMessages), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
) -> ApiResult<axum::Json<ConversationWithMessages>> {
    let scope = caller.scope();
    let conversation = scope.conversation(id).await?;
    let page = scope.messages(id, PageRequest::first(50)).await?;
    Ok(axum::Json(ConversationWithMessages {
        conversation,
        messages: page.items,
        next: page.next.map(|cursor| cursor.0),
    }))
}

/// Renames, pins or archives a conversation, or changes the model it answers with.
#[utoipa::path(patch, path = "/api/chat/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = ConversationUpdate,
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn update(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    Json(request): Json<ConversationUpdate>,
) -> ApiResult<axum::Json<Conversation>> {
    let patch = ConversationPatch {
        title: request.title,
        pinned: request.pinned,
        archived: request.archived,
        model: request
            .model
            .map(|model| Some(model.trim().to_owned()).filter(|m| !m.is_empty())),
        ..ConversationPatch::default()
    };
    Ok(axum::Json(
        caller.scope().update_conversation(id, patch).await?,
    ))
}

/// Deletes a conversation and everything learnt from it.
#[utoipa::path(delete, path = "/api/chat/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
) -> ApiResult<StatusCode> {
    caller.scope().delete_conversation(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which page of messages.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessagesQuery {
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
    /// `next` of the previous page (older messages).
    cursor: Option<String>,
}

/// A conversation's messages: the latest page first, older pages through `cursor`.
#[utoipa::path(get, path = "/api/chat/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id"), MessagesQuery),
    responses((status = 200, body = PageView<Message>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn messages(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    Query(query): Query<MessagesQuery>,
) -> ApiResult<axum::Json<PageView<Message>>> {
    let page = caller
        .scope()
        .messages(id, page_request(query.limit, query.cursor))
        .await?;
    Ok(axum::Json(page.into()))
}

/// Deletes one message (and the facts it taught).
#[utoipa::path(delete, path = "/api/chat/messages/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_message(
    Authed(caller): Authed,
    PathId(id): PathId<gantry::MessageId>,
) -> ApiResult<StatusCode> {
    caller.scope().delete_message(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pins or unpins a conversation (it toggles, as in the product Gantry re-creates).
#[utoipa::path(patch, path = "/api/chat/conversations/{id}/pin", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, body = Conversation), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn toggle_pin(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
) -> ApiResult<axum::Json<Conversation>> {
    let scope = caller.scope();
    let pinned = scope.conversation(id).await?.pinned;
    Ok(axum::Json(scope.pin_conversation(id, !pinned).await?))
}

/// The persona a conversation uses.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonaChoice {
    /// A persona of the caller's or a global one; `null` for the default.
    persona_id: Option<uuid::Uuid>,
}

/// Sets or clears the conversation's persona.
#[utoipa::path(patch, path = "/api/chat/conversations/{id}/persona", tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = PersonaChoice,
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn set_persona(
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    Json(request): Json<PersonaChoice>,
) -> ApiResult<axum::Json<Conversation>> {
    let patch = ConversationPatch {
        persona_id: Some(request.persona_id.map(gantry::PersonaId)),
        ..ConversationPatch::default()
    };
    Ok(axum::Json(
        caller.scope().update_conversation(id, patch).await?,
    ))
}
