//! Routes under `/api/admin`, for admins only: every handler takes its rights from
//! `Caller::admin`, which answers 403 to anyone else. So far: invite codes and accounts.

pub(crate) mod invites;
pub(crate) mod users;
