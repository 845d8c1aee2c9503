//! Request extractors whose failures are the API's JSON errors, never axum's plain-text
//! rejections: a JSON body (malformed, wrong types, missing fields, too large), a path id
//! (not an id answers 404, like an id that does not exist) and query strings.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; see the module docs.
pub(crate) struct Json<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_error(&rejection)),
        }
    }
}

/// A `multipart/form-data` body; anything else is the API's JSON error (415), never axum's
/// plain-text rejection.
pub(crate) struct Multipart(pub(crate) axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(request, state)
            .await
            .map(Self)
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    format!(
                        "send the file as multipart/form-data with a boundary (field `file`): {}",
                        clean(&rejection.body_text())
                    ),
                )
            })
    }
}

/// The API error for a body that is not the JSON a route expects.
fn json_error(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // "missing field `content` at line 1 column 2", "invalid type: ..."
            let detail = error.body_text();
            let field = field_in(&detail).unwrap_or_else(|| "body".to_owned());
            ApiError::invalid(field, clean(&detail))
        }
        JsonRejection::JsonSyntaxError(error) => ApiError::invalid(
            "body",
            format!("malformed JSON: {}", clean(&error.body_text())),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is larger than the server accepts",
        ),
        other => ApiError::invalid("body", clean(&other.body_text())),
    }
}

/// The field serde names in a message: "missing field `content`", "unknown field `x`",
/// or the path before ": " in "content: invalid type ...".
fn field_in(detail: &str) -> Option<String> {
    let detail = detail
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(detail);
    if let Some(start) = detail.find("field `") {
        let rest = &detail[start + 7..];
        return rest.find('`').map(|end| rest[..end].to_owned());
    }
    let (path, _) = detail.split_once(": ")?;
    (!path.contains(' ')).then(|| path.to_owned())
}

/// axum's message without its own preamble.
fn clean(detail: &str) -> String {
    detail
        .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        .trim_start_matches("Failed to parse the request body as JSON: ")
        .to_owned()
}

/// An optional JSON body: absent or empty is `None`.
pub(crate) struct OptionalJson<T>(pub(crate) Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let has_body = request
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|length| length != "0");
        let has_type = request
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE);
        if !has_body || !has_type {
            return Ok(Self(None));
        }
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| Self(Some(value)))
    }
}

/// A query string.
pub(crate) struct Query<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(query_error(&rejection)),
        }
    }
}

fn query_error(rejection: &QueryRejection) -> ApiError {
    let detail = rejection
        .body_text()
        .trim_start_matches("Failed to deserialize query string: ")
        .to_owned();
    let field = field_in(&detail).unwrap_or_else(|| "query".to_owned());
    ApiError::invalid(field, detail)
}

/// A path of one id. Anything that is not an id answers 404, the same as an id that
/// does not exist, so a path reveals nothing about how ids are parsed.
pub(crate) struct PathId<I>(pub(crate) I);

impl<S: Send + Sync, I: From<uuid::Uuid>> FromRequestParts<S> for PathId<I> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found("resource"))?;
        raw.parse::<uuid::Uuid>()
            .map(|id| Self(I::from(id)))
            .map_err(|_| {
                ApiError::not_found(format!("`{}`", raw.chars().take(64).collect::<String>()))
            })
    }
}

/// A path of one name (a model backend's, say). A path that does not decode answers 404,
/// like a name that does not exist.
pub(crate) struct PathName(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for PathName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(name)| Self(name))
            .map_err(|_| ApiError::not_found("resource"))
    }
}

#[cfg(test)]
mod tests {
    use super::field_in;

    #[test]
    fn the_field_at_fault_is_found_in_serde_messages() {
        assert_eq!(
            field_in("missing field `content` at line 1 column 2").as_deref(),
            Some("content")
        );
        assert_eq!(
            field_in("temperature: invalid type: string \"hot\", expected f32 at line 1 column 20")
                .as_deref(),
            Some("temperature")
        );
        assert_eq!(field_in("expected value at line 1 column 1"), None);
    }
}
