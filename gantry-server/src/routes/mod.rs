//! The routes, one module per resource. Each handler is annotated with its OpenAPI
//! description, which also places it in the router (`app::router`).

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod chat;
pub(crate) mod collections;
pub(crate) mod conversations;
pub(crate) mod documents;
pub(crate) mod health;
pub(crate) mod keys;
pub(crate) mod memory;
pub(crate) mod models;
pub(crate) mod openai;
pub(crate) mod page;
pub(crate) mod personas;
pub(crate) mod search;
pub(crate) mod setup;
pub(crate) mod transfer;
pub(crate) mod usage;
