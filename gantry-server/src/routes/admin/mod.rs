//! Routes under `/api/admin`, for admins only: every handler takes its rights from
//! `Caller::admin`, which answers 403 to anyone else.

pub(crate) mod invites;
