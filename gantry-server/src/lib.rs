//! The HTTP side of Gantry: a JSON API with server-sent events over the [`gantry::Gantry`]
//! handle, served by `gantry serve`.
//!
//! Handlers translate HTTP to the SDK's operations and back; the rules (who may do what,
//! what is valid, limits) live in the engine. What lives here is HTTP's own: cookies and
//! bearer tokens, the same-origin check on cookie-authenticated changes, status codes and
//! the JSON error shape ([`error`]), body limits, security headers, and the OpenAPI
//! document, generated from the handlers' own types and served at `/api/openapi.json`.

pub mod app;
mod auth;
pub mod error;
mod extract;
mod limits;
mod metrics;
mod routes;
mod serve;
mod trace;
mod turns;
mod web;

pub use app::{AppState, openapi, router};
pub use serve::{Listening, serve};
