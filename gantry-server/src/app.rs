//! The router: every route, its OpenAPI description (from the same attributes, so the two
//! cannot drift), and the layers every response passes through.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::limits::LoginLimits;
use crate::routes::{
    admin, auth, chat, collections, conversations, documents, health, keys, memory, models, openai,
    personas, search, setup, transfer, usage,
};
use crate::trace;
use crate::turns::RunningTurns;

/// What every handler reaches: the SDK handle and the server's settings.
#[derive(Clone)]
pub struct AppState {
    pub(crate) gantry: gantry::Gantry,
    /// The origin cookie-authenticated changes must come from, e.g. `http://127.0.0.1:8000`.
    pub(crate) origin: Arc<str>,
    /// Whether the session cookie is `Secure`.
    pub(crate) cookie_secure: bool,
    /// Answers being generated, so another request can stop one.
    pub(crate) turns: RunningTurns,
    /// Sign-in and sign-up attempts, per address and per account.
    pub(crate) logins: LoginLimits,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub(crate) trusted_proxies: Arc<[ipnet::IpNet]>,
    /// The last probe of the chat backends, for `/ready`.
    pub(crate) model_probe: health::ProbeCache,
    /// When the server started, for its uptime.
    pub(crate) started: std::time::Instant,
    /// What `/metrics` reports.
    pub(crate) metrics: crate::metrics::Metrics,
}

impl AppState {
    /// The state for `gantry`, reached at `public_url` (scheme, host and port), with the
    /// server's settings (cookies, sign-in limits, trusted proxies).
    pub fn new(gantry: gantry::Gantry, public_url: &str) -> gantry::Result<Self> {
        let settings = &gantry.config().server;
        let turns = RunningTurns::default();
        turns.follow_stops(gantry.signals());
        Ok(Self {
            origin: Arc::from(origin_of(public_url)),
            cookie_secure: settings.cookie_secure(public_url),
            turns,
            logins: LoginLimits::new(settings.logins_per_minute),
            trusted_proxies: settings.trusted_proxies()?.into(),
            model_probe: health::ProbeCache::default(),
            started: std::time::Instant::now(),
            metrics: crate::metrics::Metrics::default(),
            gantry,
        })
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("origin", &self.origin)
            .field("cookie_secure", &self.cookie_secure)
            .finish_non_exhaustive()
    }
}

/// `scheme://host[:port]` of a URL, without path or trailing slash.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gantry",
        description = "Gantry's HTTP API: accounts, conversations with streamed answers, and more. \
            Errors are JSON `{\"error\": {\"code\", \"message\", \"field\"}}`. Chat answers stream \
            as server-sent events of JSON objects (`context`, `token`, `done`, `error`, then \
            `[DONE]`); unlike the product Gantry re-creates, there is no raw-text stream with a \
            `__META__` trailer, and a model's failure is an error, never saved as answer text."
    ),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

/// Every route with its OpenAPI description; uploads with their own body limit.
fn api_routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(documents::upload))
        .routes(routes!(transfer::import))
        .routes(routes!(transfer::import_chatgpt))
        .routes(routes!(transfer::import_claude))
        .layer(DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(uploads)
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(setup::status, setup::set_up))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::register))
        .routes(routes!(auth::change_password))
        .routes(routes!(conversations::list, conversations::create))
        .routes(routes!(
            conversations::get,
            conversations::update,
            conversations::delete
        ))
        .routes(routes!(chat::send, conversations::messages))
        .routes(routes!(chat::stop))
        .routes(routes!(chat::regenerate))
        .routes(routes!(chat::follow))
        .routes(routes!(conversations::delete_message))
        .routes(routes!(transfer::export))
        .routes(routes!(models::list))
        .routes(routes!(models::active))
        .routes(routes!(documents::search))
        .routes(routes!(documents::list))
        .routes(routes!(documents::get, documents::delete))
        .routes(routes!(documents::reindex))
        .routes(routes!(search::search))
        .routes(routes!(memory::list))
        .routes(routes!(memory::forget_fact))
        .routes(routes!(memory::forget_entity))
        .routes(routes!(keys::create, keys::list))
        .routes(routes!(keys::revoke))
        .routes(routes!(admin::invites::create, admin::invites::list))
        .routes(routes!(admin::invites::delete))
        .routes(routes!(admin::users::list, admin::users::create))
        .routes(routes!(
            admin::users::get,
            admin::users::update,
            admin::users::delete
        ))
        .routes(routes!(admin::users::reset_password))
        .routes(routes!(admin::usage::quotas, admin::usage::set_quotas))
        .routes(routes!(admin::usage::report))
        .routes(routes!(admin::personas::list, admin::personas::create))
        .routes(routes!(admin::personas::update, admin::personas::delete))
        .routes(routes!(admin::audit::list))
        .routes(routes!(admin::audit::export))
        .routes(routes!(admin::export::export))
        .routes(routes!(admin::system::system))
        .routes(routes!(admin::models::list, admin::models::add))
        .routes(routes!(admin::models::test))
        .routes(routes!(admin::models::remove))
        .routes(routes!(admin::models::load))
        .routes(routes!(admin::models::unload))
        .routes(routes!(admin::models::set_default))
        .routes(routes!(personas::list, personas::create))
        .routes(routes!(personas::get, personas::update, personas::delete))
        .routes(routes!(usage::usage))
        .routes(routes!(usage::quotas))
        .routes(routes!(collections::list, collections::create))
        .routes(routes!(
            collections::get,
            collections::update,
            collections::delete
        ))
        .routes(routes!(collections::membership))
        .routes(routes!(collections::scope_of, collections::set_scope))
        .routes(routes!(conversations::toggle_pin))
        .routes(routes!(conversations::set_persona))
        .routes(routes!(openai::chat_completions))
        .routes(routes!(openai::models))
        .routes(routes!(openai::embeddings))
}

/// The OpenAPI document of every route, as `/api/openapi.json` serves it: for tools (the
/// web UI's typed client is generated from it) that need it without a running server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes(0).split_for_parts().1;
    unique_operation_ids(&mut doc);
    doc
}

/// Makes every operation id unique, as OpenAPI requires (client generators name their
/// functions after them): a handler's name where no other handler has it, else the
/// method and path (`get_api_admin_users`).
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for item in doc.paths.paths.values() {
        for operation in operations(item) {
            if let Some(id) = &operation.operation_id {
                *seen.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for (path, item) in &mut doc.paths.paths {
        let mut by_method = [
            ("get", item.get.as_mut()),
            ("put", item.put.as_mut()),
            ("post", item.post.as_mut()),
            ("delete", item.delete.as_mut()),
            ("patch", item.patch.as_mut()),
        ];
        for (method, operation) in &mut by_method {
            let Some(operation) = operation else { continue };
            let shared = operation
                .operation_id
                .as_ref()
                .is_none_or(|id| seen.get(id).copied().unwrap_or(0) > 1);
            if shared {
                let words: String = path
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                let words: Vec<&str> = words.split('_').filter(|w| !w.is_empty()).collect();
                operation.operation_id = Some(format!("{method}_{}", words.join("_")));
            }
        }
    }
}

fn operations(
    item: &utoipa::openapi::PathItem,
) -> impl Iterator<Item = &utoipa::openapi::path::Operation> {
    [&item.get, &item.put, &item.post, &item.delete, &item.patch]
        .into_iter()
        .flatten()
}

/// The router with its OpenAPI document (also served at `/api/openapi.json`).
pub fn router(state: AppState, max_body_bytes: usize) -> (Router, utoipa::openapi::OpenApi) {
    // Uploads have their own, larger limit (the engine's upload limit, plus the
    // multipart framing).
    let upload_limit = state.gantry.engine().settings().max_upload_bytes + 64 * 1024;
    let state_metrics = state.metrics.clone();
    let metrics_state = state.clone();
    let (api, mut doc) = api_routes(upload_limit)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
        .split_for_parts();
    unique_operation_ids(&mut doc);
    let metrics = state_metrics;
    let document = doc.clone();
    let serve_doc = move || {
        let doc = document.clone();
        async move { axum::Json(doc) }
    };
    let metrics_route = axum::Router::new()
        .route("/metrics", axum::routing::get(crate::metrics::serve))
        .with_state(metrics_state);
    let router = api
        .route("/api/openapi.json", axum::routing::get(serve_doc))
        .merge(metrics_route)
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::record,
        ))
        // The web UI answers every other GET; unknown API paths stay JSON 404s.
        .fallback(crate::web::serve)
        .layer(CatchPanicLayer::custom(|_panic| {
            tracing::error!("a handler panicked");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; see the server log",
            )
            .into_response()
        }))
        .layer(header_layer(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(trace::propagate_request_id())
        .layer(trace::trace_requests())
        .layer(trace::set_request_id())
        .layer(axum::middleware::map_request(trace::sanitise_request_id));
    (router, doc)
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://chat.example.com/"),
            "https://chat.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
        assert_eq!(origin_of("http://h:1/app/x"), "http://h:1");
    }
}
