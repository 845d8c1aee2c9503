//! Backoff between attempts: exponential, with full jitter so many clients that failed
//! together do not retry together.

use std::time::Duration;

use crate::config::RetryPolicy;

/// The wait before attempt `attempt + 1` (attempt counts from 0), at least `floor`
/// (a backend's `Retry-After`), never above the policy's cap.
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32, floor: Option<Duration>) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX));
    let ceiling = exp.min(policy.max_delay);
    let jittered = ceiling.mul_f64(fastrand::f64());
    jittered
        .max(floor.unwrap_or_default())
        .min(policy.max_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let policy = RetryPolicy {
            retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for attempt in 0..10 {
            let d = backoff(&policy, attempt, None);
            assert!(d <= Duration::from_millis(100 << attempt.min(4)).min(policy.max_delay));
        }
        assert_eq!(
            backoff(&policy, 0, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            backoff(&policy, 0, Some(Duration::from_secs(60))),
            policy.max_delay
        );
    }
}
