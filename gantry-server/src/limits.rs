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
use ipnet::IpNet;

use crate::app::AppState;
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

/// The client's address, when the server was started with it (`serve` is): the peer's,
/// or, when the peer is a trusted proxy, the nearest address in `X-Forwarded-For` that is
/// not one (proxies append the address they saw, so only the right end can be believed).
pub(crate) struct ClientAddress(pub(crate) Option<IpAddr>);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok());
        Ok(Self(peer.map(|peer| {
            client_behind(peer, forwarded, &state.trusted_proxies)
        })))
    }
}

/// The client's address seen from `peer` through `forwarded` (the `X-Forwarded-For`
/// values in order), believing only `trusted` proxies.
fn client_behind<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(address) = hop.trim().parse::<IpAddr>() else {
            // Garbage from the client's side of the chain: stop at what is known.
            break;
        };
        client = address;
        if !is_trusted(&address) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(address: &str) -> IpAddr {
        address.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_from_the_right() {
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        // No proxy configured, or a peer that is not one: the peer, whatever it says.
        assert_eq!(
            client_behind(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_behind(ip("127.0.0.1"), ["1.2.3.4"].into_iter(), &[]),
            ip("127.0.0.1")
        );
        // Through the local proxy: the address it saw.
        assert_eq!(
            client_behind(ip("127.0.0.1"), ["198.51.100.7"].into_iter(), &trusted),
            ip("198.51.100.7")
        );
        // A client that forges a first hop is not believed: the nearest untrusted hop wins.
        assert_eq!(
            client_behind(
                ip("127.0.0.1"),
                ["6.6.6.6, 198.51.100.7", "10.1.2.3"].into_iter(),
                &trusted
            ),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last address known.
        assert_eq!(
            client_behind(ip("127.0.0.1"), ["not-an-ip"].into_iter(), &trusted),
            ip("127.0.0.1")
        );
        // IPv6 proxies and clients.
        let v6 = nets(&["::1/128"]);
        assert_eq!(
            client_behind(ip("::1"), ["2001:db8::5"].into_iter(), &v6),
            ip("2001:db8::5")
        );
    }
}
