//! Sign-in and sign-up attempts are limited per client address and per account, so
//! passwords cannot be guessed at speed from one place or against one person. Past a limit
//! the answer is 429 with `Retry-After`. The keyed state is trimmed as it grows, so many
//! addresses cannot exhaust memory either.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// How many checks pass between trims of the keyed state.
const TRIM_EVERY: u64 = 1_024;

/// Limits on sign-in and sign-up attempts.
#[derive(Clone)]
pub(crate) struct LoginLimits {
    by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    by_account: Arc<DefaultKeyedRateLimiter<String>>,
    checks: Arc<AtomicU64>,
}

impl LoginLimits {
    /// `per_minute` attempts per address and per account, refilled evenly over a minute.
    pub(crate) fn new(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute);
        Self {
            by_address: Arc::new(RateLimiter::keyed(quota)),
            by_account: Arc::new(RateLimiter::keyed(quota)),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// One attempt from `address` for the account `email`: `Ok`, or 429 with how long to
    /// wait. Counted against both, so changing address or account alone does not help.
    pub(crate) fn attempt(&self, address: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(TRIM_EVERY)
        {
            self.by_address.retain_recent();
            self.by_account.retain_recent();
        }
        let clock = DefaultClock::default();
        let account = email.trim().to_lowercase();
        let refused = address
            .and_then(|address| self.by_address.check_key(&address).err())
            .or_else(|| self.by_account.check_key(&account).err());
        match refused {
            None => Ok(()),
            Some(not_until) => {
                let wait = not_until.wait_time_from(clock.now());
                Err(ApiError::rate_limited(
                    "too many sign-in attempts; wait a little and try again",
                    wait.as_secs() + 1,
                ))
            }
        }
    }
}

/// The client's address, when the server was started with it (`serve` is).
pub(crate) struct ClientAddress(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}
