//! Every request has an id: the client's `X-Request-Id` when it sends a sane one (at most
//! 64 letters, digits, `-`, `_`, `.`), else a fresh UUID; it is sent back on the response
//! (errors and panics included) and carried by the request's log span with its method,
//! route, the signed-in user (recorded by `Authed`), status and latency, so a person's
//! report of a failure can be found in the log.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The header a request id travels in.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client.
const MAX_ID_BYTES: usize = 64;

/// Drops a client's request id that is too long or has characters logs should not carry,
/// so a fresh one is made instead.
pub(crate) async fn sanitise_request_id(mut request: Request) -> Request {
    let sane = request.headers().get(&REQUEST_ID).is_none_or(|value| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_ID_BYTES
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !sane {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

/// Gives a request without an id a fresh one.
pub(crate) fn set_request_id() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid)
}

/// Sends the request's id back on its response.
pub(crate) fn propagate_request_id() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(REQUEST_ID)
}

/// The tracing layer [`trace_requests`] builds.
pub(crate) type RequestTrace = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    fn(&Request) -> tracing::Span,
    DefaultOnRequest,
    DefaultOnResponse,
>;

/// The request's span, and one log line per response (status and latency) at `info`.
pub(crate) fn trace_requests() -> RequestTrace {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&Request) -> tracing::Span)
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route,
        user_id = tracing::field::Empty,
    )
}
