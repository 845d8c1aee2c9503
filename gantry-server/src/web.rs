//! The web UI, embedded: the files Vite built (`web/dist`, copied in by `build.rs`) served
//! from the binary itself. Hashed assets are cached for a year; every other path that is
//! not the API's answers `index.html`, where the UI's router takes over. Paths under
//! `/api/` and `/v1/` that are no route stay the API's JSON 404.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

use crate::error::ApiError;

/// The built UI (or a page saying how to build it).
static WEB: Dir<'static> = include_dir!("$OUT_DIR/web");

/// Serves a file of the UI, or its `index.html` for the UI's own routes.
pub(crate) async fn serve(request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") || path.starts_with("/v1/") || path == "/api" {
        return ApiError::not_found("route").into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return ApiError::not_found("route").into_response();
    }
    let wanted = path.trim_start_matches('/');
    if let Some(file) = WEB.get_file(wanted).filter(|_| !wanted.is_empty()) {
        let immutable = wanted.starts_with("assets/");
        return file_response(wanted, file.contents(), immutable);
    }
    // A missing asset is a 404, not the page (a stale tab asking for an old bundle).
    if wanted.starts_with("assets/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match WEB.get_file("index.html") {
        Some(index) => file_response("index.html", index.contents(), false),
        None => ApiError::not_found("page").into_response(),
    }
}

fn file_response(name: &str, contents: &'static [u8], immutable: bool) -> Response {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let mut response = contents.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
