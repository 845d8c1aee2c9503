//! Routes under `/api/admin`, for admins only: every handler takes its rights from the
//! `Admin` extractor, which answers 403 to anyone else before reading the request. Invite
//! codes, accounts, usage and quotas, system personas, model backends, the audit log, bulk
//! export and the system's state.

pub(crate) mod audit;
pub(crate) mod export;
pub(crate) mod invites;
pub(crate) mod models;
pub(crate) mod personas;
pub(crate) mod system;
pub(crate) mod usage;
pub(crate) mod users;
