//! Prometheus metrics at `/metrics`: requests and latency by route and status, time to
//! first token and generation speed by model, retrieval time per stage, answers being
//! streamed, backend errors by kind, and (read at each scrape) index lag and what the
//! store holds. Labels are route templates and error codes, never ids or text, so the
//! number of series stays small whatever the traffic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::app::AppState;
use crate::error::ApiError;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IndexLabels {
    index: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Seconds, from 1 ms to about 33 s.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Tokens a second, from 1 to about 2,000.
fn rates() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 12))
}

/// Every metric the server keeps. Clones share them.
#[derive(Clone)]
pub(crate) struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms<RouteLabels>,
    first_token: Histograms<ModelLabels>,
    tokens_per_second: Histograms<ModelLabels>,
    retrieval: Histograms<StageLabels>,
    streams: Gauge,
    backend_errors: Family<KindLabels, Counter>,
    index_lag: Family<IndexLabels, Gauge>,
    stored: Family<KindLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("gantry");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency = Histograms::<RouteLabels>::new_with_constructor(seconds as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request (to its headers, for streams), by method and route",
            latency.clone(),
        );
        let first_token =
            Histograms::<ModelLabels>::new_with_constructor(seconds as fn() -> Histogram);
        registry.register(
            "time_to_first_token_seconds",
            "From a question to the first token of its answer, by model",
            first_token.clone(),
        );
        let tokens_per_second =
            Histograms::<ModelLabels>::new_with_constructor(rates as fn() -> Histogram);
        registry.register(
            "generation_tokens_per_second",
            "Answer tokens per second of generation, by model",
            tokens_per_second.clone(),
        );
        let retrieval =
            Histograms::<StageLabels>::new_with_constructor(seconds as fn() -> Histogram);
        registry.register(
            "retrieval_stage_seconds",
            "Time spent gathering a turn's context, per stage (embed, vector, keyword, fuse, confirm, facts, total)",
            retrieval.clone(),
        );
        let streams = Gauge::default();
        registry.register(
            "active_streams",
            "Answers being generated now",
            streams.clone(),
        );
        let backend_errors = Family::<KindLabels, Counter>::default();
        registry.register(
            "backend_errors",
            "Answers that failed, by kind (backend_unavailable, backend_timeout, backend_error, rate_limited...)",
            backend_errors.clone(),
        );
        let index_lag = Family::<IndexLabels, Gauge>::default();
        registry.register(
            "index_lag_changes",
            "Store changes an index has still to apply",
            index_lag.clone(),
        );
        let stored = Family::<KindLabels, Gauge>::default();
        registry.register(
            "stored_items",
            "What the store holds (the indexes hold its messages and chunks)",
            stored.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                first_token,
                tokens_per_second,
                retrieval,
                streams,
                backend_errors,
                index_lag,
                stored,
            }),
        }
    }
}

impl Metrics {
    /// Records a turn's context timings.
    pub(crate) fn context(&self, timings: &gantry::ContextTimings) {
        let stages = [
            ("embed", timings.retrieval.embed),
            ("vector", timings.retrieval.vector),
            ("keyword", timings.retrieval.keyword),
            ("fuse", timings.retrieval.fuse),
            ("confirm", timings.confirm),
            ("facts", timings.facts),
            ("total", timings.total),
        ];
        for (stage, took) in stages {
            self.inner
                .retrieval
                .get_or_create(&StageLabels { stage })
                .observe(took.as_secs_f64());
        }
    }

    /// Records an answer's time to first token and speed, as kept with it.
    pub(crate) fn answered(&self, message: &gantry::model::Message) {
        let labels = ModelLabels {
            model: message.model.as_deref().unwrap_or("default").to_owned(),
        };
        let timings = message.context.as_ref().map(|context| context.timings);
        if let Some(first) = timings.and_then(|t| t.time_to_first_token_ms) {
            self.inner
                .first_token
                .get_or_create(&labels)
                .observe(Duration::from_millis(first).as_secs_f64());
        }
        if let Some(rate) = timings.and_then(|t| t.tokens_per_second) {
            self.inner
                .tokens_per_second
                .get_or_create(&labels)
                .observe(rate);
        }
    }

    /// Counts a failed answer by its error code.
    pub(crate) fn backend_error(&self, kind: &'static str) {
        self.inner
            .backend_errors
            .get_or_create(&KindLabels { kind })
            .inc();
    }

    /// One more answer being streamed, until the guard is dropped.
    pub(crate) fn stream(&self) -> StreamGuard {
        self.inner.streams.inc();
        StreamGuard(self.inner.streams.clone())
    }

    /// The text exposition, with the gauges read from `gantry` now.
    async fn render(&self, gantry: &gantry::Gantry) -> String {
        if let Ok(index) = gantry.index_status().await {
            for (index_name, applied) in [("vector", index.vectors), ("keyword", index.keywords)] {
                if let Some(applied) = applied {
                    self.inner
                        .index_lag
                        .get_or_create(&IndexLabels { index: index_name })
                        .set((index.store_seq - applied).max(0));
                }
            }
        }
        if let Ok(stats) = gantry.operator().stats().await {
            let counts = [
                ("users", stats.users),
                ("conversations", stats.conversations),
                ("messages", stats.messages),
                ("documents", stats.documents),
                ("chunks", stats.chunks),
            ];
            for (kind, count) in counts {
                self.inner
                    .stored
                    .get_or_create(&KindLabels { kind })
                    .set(i64::try_from(count).unwrap_or(i64::MAX));
            }
        }
        let mut text = String::new();
        if let Err(error) =
            prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
        {
            tracing::warn!(%error, "could not encode the metrics");
        }
        text
    }
}

/// Holds one place in the active-streams gauge.
pub(crate) struct StreamGuard(Gauge);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts every request and times it, by its route template. It runs as a route layer, so
/// only requests that matched a route are counted: paths that are no route (a scanner's)
/// cannot grow the series.
pub(crate) async fn record(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    metrics
        .inner
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .inner
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status,
        })
        .inc();
    response
}

/// The metrics in Prometheus' text format; with `metrics_token` configured, only for a
/// request that sends it as `Authorization: Bearer`.
pub(crate) async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = state.gantry.config().server.metrics_token.as_deref() {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if sent != Some(token) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send the metrics token as `Authorization: Bearer` (server.metrics_token)",
            )
            .into_response();
        }
    }
    let text = state.metrics.render(&state.gantry).await;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
