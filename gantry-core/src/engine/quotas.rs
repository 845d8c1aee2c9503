//! Quotas: how much one user may keep (conversations, messages per conversation,
//! documents and their bytes, personas, collections). Checked before anything is created,
//! so a refused request changes nothing. Two requests racing for the last place may both
//! pass: a quota can be exceeded by the requests in flight at the moment it is reached,
//! never by more.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AdminScope, UserScope};
use crate::ids::{ConversationId, UserId};
use crate::model::{Holdings, QuotaOverrides, Quotas};
use crate::{Error, Result};

/// A user's quotas and what they use of them, for a settings page or an admin's view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaReport {
    /// The limits that apply: the defaults with the admin's changes.
    pub limits: Quotas,
    /// The admin's changes alone.
    pub overrides: QuotaOverrides,
    /// What the user keeps now.
    pub used: Holdings,
}

/// What a new item adds to a user's holdings.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Adding {
    pub(crate) conversations: u64,
    pub(crate) documents: u64,
    pub(crate) document_bytes: u64,
    pub(crate) personas: u64,
    pub(crate) collections: u64,
}

impl Adding {
    pub(crate) fn conversations(n: u64) -> Self {
        Self {
            conversations: n,
            ..Self::default()
        }
    }

    pub(crate) fn document(bytes: u64) -> Self {
        Self {
            documents: 1,
            document_bytes: bytes,
            ..Self::default()
        }
    }

    pub(crate) fn persona() -> Self {
        Self {
            personas: 1,
            ..Self::default()
        }
    }

    pub(crate) fn collection() -> Self {
        Self {
            collections: 1,
            ..Self::default()
        }
    }
}

impl UserScope {
    /// The user's quotas and what they use of them.
    pub async fn quotas(&self) -> Result<QuotaReport> {
        self.engine.quota_report(self.user).await
    }

    /// Refuses (`LimitReached`, naming the quota and what to do) when `adding` would take
    /// the user past a quota; the place to call it is before anything is written. Returns
    /// the limits that apply.
    pub(crate) async fn make_room(&self, adding: Adding) -> Result<Quotas> {
        let report = self.engine.quota_report(self.user).await?;
        let (limits, used) = (report.limits, report.used);
        let over = |held: u64, more: u64, limit: u64| more > 0 && held.saturating_add(more) > limit;
        let refuse = |what: String| Err(Error::LimitReached { what });
        if over(
            used.conversations,
            adding.conversations,
            limits.conversations,
        ) {
            return refuse(format!(
                "your account may keep {} conversations and has {}; delete some, or ask an \
                 admin for more",
                limits.conversations, used.conversations
            ));
        }
        if over(used.documents, adding.documents, limits.documents) {
            return refuse(format!(
                "your account may keep {} documents and has {}; delete some, or ask an admin \
                 for more",
                limits.documents, used.documents
            ));
        }
        if over(
            used.document_bytes,
            adding.document_bytes,
            limits.document_bytes,
        ) {
            return refuse(format!(
                "your documents may take {} and take {}, so this upload of {} does not fit; \
                 delete some, or ask an admin for more",
                Size(limits.document_bytes),
                Size(used.document_bytes),
                Size(adding.document_bytes)
            ));
        }
        if over(used.personas, adding.personas, limits.personas) {
            return refuse(format!(
                "your account may keep {} personas; delete one, or ask an admin for more",
                limits.personas
            ));
        }
        if over(used.collections, adding.collections, limits.collections) {
            return refuse(format!(
                "your account may keep {} collections; delete one, or ask an admin for more",
                limits.collections
            ));
        }
        Ok(limits)
    }

    /// Refuses (`LimitReached`) when `conversation` has no room for `adding` more messages.
    pub(crate) async fn make_room_for_messages(
        &self,
        conversation: ConversationId,
        adding: u64,
    ) -> Result<()> {
        let store = self.store();
        let (overrides, held) = tokio::try_join!(
            store.quota_overrides(self.user),
            store.count_messages(self.user, conversation)
        )?;
        let limit = self.engine.inner.settings.quotas.with(&overrides);
        if held.saturating_add(adding) > limit.messages_per_conversation {
            return Err(Error::LimitReached {
                what: format!(
                    "a conversation may hold {} messages and this one has {held}; start a new \
                     conversation",
                    limit.messages_per_conversation
                ),
            });
        }
        Ok(())
    }
}

impl AdminScope {
    /// A user's quotas and what they use of them.
    pub async fn quotas_of(&self, user: UserId) -> Result<QuotaReport> {
        self.user(user).await?;
        self.engine.quota_report(user).await
    }

    /// Changes a user's quotas: each field set replaces the default, each `None` restores
    /// it. Lowering a quota below what the user keeps deletes nothing; it only refuses new
    /// items until they are under it.
    pub async fn set_quotas(&self, user: UserId, overrides: QuotaOverrides) -> Result<QuotaReport> {
        let account = self.user(user).await?;
        self.store().set_quota_overrides(user, overrides).await?;
        let detail = serde_json::to_string(&overrides).unwrap_or_default();
        self.audit_user("user.quotas", &account, detail).await;
        self.engine.quota_report(user).await
    }
}

/// Chat turns a minute, per user, in this process: each user's limiter, rebuilt when their
/// limit changes. (With several instances each keeps its own count, so a user may reach
/// the limit once per instance.)
#[derive(Default)]
pub(crate) struct TurnRates {
    limiters: Mutex<HashMap<UserId, (u64, DefaultDirectRateLimiter)>>,
}

impl TurnRates {
    /// Takes one turn from `user`'s allowance of `per_minute`, or says how long to wait.
    fn take(&self, user: UserId, per_minute: u64) -> std::result::Result<(), Duration> {
        let Some(rate) = NonZeroU32::new(u32::try_from(per_minute).unwrap_or(u32::MAX)) else {
            return Err(Duration::from_secs(60));
        };
        let mut limiters = self
            .limiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = limiters
            .entry(user)
            .or_insert_with(|| (per_minute, RateLimiter::direct(Quota::per_minute(rate))));
        if entry.0 != per_minute {
            *entry = (per_minute, RateLimiter::direct(Quota::per_minute(rate)));
        }
        entry
            .1
            .check()
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

impl super::Engine {
    /// Refuses (`Throttled`, naming the allowance and when it refills) a turn past the
    /// user's tokens a day or turns a minute.
    pub(crate) async fn admit_turn(&self, user: UserId) -> Result<()> {
        let store = &self.inner.store;
        let now = OffsetDateTime::now_utc();
        let midnight = now.replace_time(time::Time::MIDNIGHT);
        let (overrides, today) = tokio::try_join!(
            store.quota_overrides(user),
            store.usage_summary(Some(user), midnight, now + time::Duration::SECOND)
        )?;
        let limits = self.inner.settings.quotas.with(&overrides);
        let used: u64 = today
            .iter()
            .map(|day| day.prompt_tokens.saturating_add(day.completion_tokens))
            .sum();
        if used >= limits.tokens_per_day {
            let refill = midnight + time::Duration::DAY - now;
            let refill = Duration::try_from(refill).unwrap_or(Duration::from_secs(60));
            return Err(Error::Throttled {
                what: format!(
                    "your account may use {} tokens a day and has used {used} today; more at \
                     00:00 UTC (in {}), or ask an admin for more",
                    limits.tokens_per_day,
                    Wait(refill)
                ),
                retry_after: refill,
            });
        }
        self.inner
            .turn_rates
            .take(user, limits.requests_per_minute)
            .map_err(|wait| Error::Throttled {
                what: format!(
                    "your account may ask {} questions a minute; try again in {}",
                    limits.requests_per_minute,
                    Wait(wait)
                ),
                retry_after: wait,
            })
    }

    async fn quota_report(&self, user: UserId) -> Result<QuotaReport> {
        let store = &self.inner.store;
        let (overrides, used) =
            tokio::try_join!(store.quota_overrides(user), store.holdings(user))?;
        Ok(QuotaReport {
            limits: self.inner.settings.quotas.with(&overrides),
            overrides,
            used,
        })
    }
}

/// A wait as people read it: `5 h 12 min`, `3 min`, `40 s`.
struct Wait(Duration);

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.0.as_secs().max(1);
        let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
        match (hours, minutes) {
            (0, 0) => write!(f, "{seconds} s"),
            (0, minutes) => write!(f, "{minutes} min"),
            (hours, 0) => write!(f, "{hours} h"),
            (hours, minutes) => write!(f, "{hours} h {minutes} min"),
        }
    }
}

/// A byte count as people read it: `1 GiB`, `3.5 MiB`, `200 KiB`, `12 bytes`.
struct Size(u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
        for (unit, size) in UNITS {
            if self.0 >= size {
                let whole = self.0 / size;
                let tenths = (self.0 % size) * 10 / size;
                return if tenths == 0 {
                    write!(f, "{whole} {unit}")
                } else {
                    write!(f, "{whole}.{tenths} {unit}")
                };
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Size, TurnRates, Wait};
    use crate::ids::UserId;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(Wait(Duration::from_millis(300)).to_string(), "1 s");
        assert_eq!(Wait(Duration::from_secs(40)).to_string(), "40 s");
        assert_eq!(Wait(Duration::from_secs(180)).to_string(), "3 min");
        assert_eq!(
            Wait(Duration::from_secs(5 * 3600 + 12 * 60)).to_string(),
            "5 h 12 min"
        );
    }

    #[test]
    fn turns_a_minute_are_counted_per_user_and_follow_a_changed_limit() {
        let rates = TurnRates::default();
        let (ada, eve) = (UserId::new(), UserId::new());
        for _ in 0..3 {
            assert!(rates.take(ada, 3).is_ok());
        }
        let wait = rates
            .take(ada, 3)
            .expect_err("the fourth turn in a minute waits");
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            rates.take(eve, 3).is_ok(),
            "another user has their own allowance"
        );
        assert!(
            rates.take(ada, 10).is_ok(),
            "a raised limit applies at once"
        );
        assert!(
            rates.take(eve, 0).is_err(),
            "a limit of 0 refuses every turn"
        );
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(Size(1 << 30).to_string(), "1 GiB");
        assert_eq!(Size(3 * (1 << 20) + (1 << 19)).to_string(), "3.5 MiB");
        assert_eq!(Size(200 << 10).to_string(), "200 KiB");
        assert_eq!(Size(12).to_string(), "12 bytes");
    }
}
