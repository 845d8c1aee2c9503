//! The HTTP side of Gantry: an axum API with server-sent events, sign-in, the admin
//! endpoints and the embedded web UI, served by `gantry serve`.
//!
//! It is not built yet: see the README's status table. Behaviour lives in the `gantry`
//! SDK; this crate will only translate HTTP to SDK calls and errors to status codes.

pub use gantry::Error;
