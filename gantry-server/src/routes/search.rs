//! Cmd+K: one search over the caller's conversations and documents.

use gantry::engine::SearchResults;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Query;

/// What to look for.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    /// The words (at most 300 bytes). Blank finds nothing.
    #[serde(default)]
    q: String,
    /// At most this many of each kind (1 to 50; default 20).
    limit: Option<usize>,
}

/// Conversations by title and by what was said, documents by name and by content, each
/// with an HTML snippet (escaped, matches in `<mark>`).
#[utoipa::path(get, path = "/api/chat/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub(crate) async fn search(
    Authed(caller): Authed,
    Query(query): Query<SearchQuery>,
) -> ApiResult<axum::Json<SearchResults>> {
    if query.q.trim().is_empty() {
        return Ok(axum::Json(SearchResults::default()));
    }
    let results = caller
        .scope()
        .search(&query.q, query.limit.unwrap_or(20))
        .await?;
    Ok(axum::Json(results))
}
