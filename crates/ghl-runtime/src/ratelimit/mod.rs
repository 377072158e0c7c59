//! Client-side rate limiting per token owner (a location or a company).
//!
//! HighLevel allows 100 requests per 10 seconds and 200,000 per day per location or
//! company, and answers 429 beyond that; clients that keep hammering have had their IP
//! blocked by Cloudflare. A [`RateLimiter`] paces calls per owner with a GCRA limiter
//! (`governor`) and adapts to what the server reports in its `X-RateLimit-*` headers:
//!
//! - `X-RateLimit-Max` + `X-RateLimit-Interval-Milliseconds` different from the local quota:
//!   the local quota is replaced by the server's;
//! - `X-RateLimit-Remaining: 0`: calls for that owner wait one interval;
//! - `X-RateLimit-Daily-Remaining: 0`: calls fail at once with
//!   [`Error::RateLimited`](crate::Error::RateLimited) (`daily: true`) until the time
//!   `X-RateLimit-Daily-Reset` names (for a minute when it names none, then the next
//!   answer says again).
//!
//! The last limits the server reported are readable with [`RateLimiter::snapshot`] or
//! [`Client::rate_limits`](crate::Client::rate_limits). One limiter can be shared by several
//! clients (e.g. several tokens for the same location) with
//! [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter).
//!
//! Across processes, [`RateLimiter::shared`] counts through a [`SharedQuota`]: `RedisRateLimit`
//! (feature `redis`, in `redis_quota.rs`) keeps it in Redis.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::BoxFuture;

#[cfg(feature = "redis")]
mod redis_quota;
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter as Gcra};
#[cfg(feature = "redis")]
pub use redis_quota::{RedisRateLimit, RedisSource};
use reqwest::header::{HeaderMap, HeaderName};

type DirectLimiter = Gcra<
    governor::state::direct::NotKeyed,
    governor::state::InMemoryState,
    DefaultClock,
    governor::middleware::NoOpMiddleware<<DefaultClock as Clock>::Instant>,
>;

/// How long a daily-quota exhaustion blocks calls before the client tries again, when the
/// server does not say when the quota returns.
const DAILY_BLOCK: Duration = Duration::from_secs(60);

/// The longest a daily-quota exhaustion blocks calls, whatever the server says: a day and
/// an hour (a reset further away is a misread header, not a quota).
const DAILY_BLOCK_MAX: Duration = Duration::from_secs(25 * 3600);

/// The local quota of a [`RateLimiter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests allowed per interval (burst). Default 100.
    pub max_requests: u32,
    /// Interval. Default 10 s.
    pub interval: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            max_requests: 100,
            interval: Duration::from_secs(10),
        }
    }
}

/// The rate-limit headers of the last response seen for one owner.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitSnapshot {
    /// `X-RateLimit-Max`: requests allowed per interval.
    pub max: Option<u32>,
    /// `X-RateLimit-Remaining`: requests left in the current interval.
    pub remaining: Option<u32>,
    /// `X-RateLimit-Interval-Milliseconds`.
    pub interval: Option<Duration>,
    /// `X-RateLimit-Limit-Daily`.
    pub daily_limit: Option<u64>,
    /// `X-RateLimit-Daily-Remaining`.
    pub daily_remaining: Option<u64>,
    /// `X-RateLimit-Daily-Reset`: when the daily quota returns (see
    /// [`parse_reset`](RateLimitSnapshot::parse_reset) for the forms read).
    pub daily_reset: Option<SystemTime>,
    /// When the response was received.
    pub observed_at: SystemTime,
}

impl RateLimitSnapshot {
    /// Reads the `X-RateLimit-*` headers; `None` when none is present.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimitSnapshot> {
        // One pass over the names is cheaper than five hashed lookups that all miss, which
        // is what most answers (and every answer of a server without limits) would cost.
        if !headers
            .keys()
            .any(|name| name.as_str().starts_with("x-ratelimit-"))
        {
            return None;
        }
        // Named once, not parsed from strings on every response.
        static MAX: HeaderName = HeaderName::from_static("x-ratelimit-max");
        static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
        static INTERVAL: HeaderName = HeaderName::from_static("x-ratelimit-interval-milliseconds");
        static DAILY_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit-daily");
        static DAILY_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-daily-remaining");
        static DAILY_RESET: HeaderName = HeaderName::from_static("x-ratelimit-daily-reset");
        fn num<T: std::str::FromStr>(headers: &HeaderMap, name: &HeaderName) -> Option<T> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        }
        let max = num(headers, &MAX);
        let remaining = num(headers, &REMAINING);
        let interval = num::<u64>(headers, &INTERVAL).map(Duration::from_millis);
        let daily_limit = num(headers, &DAILY_LIMIT);
        let daily_remaining = num(headers, &DAILY_REMAINING);
        let observed_at = SystemTime::now();
        let daily_reset = headers
            .get(&DAILY_RESET)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| RateLimitSnapshot::parse_reset(v, observed_at));
        if max.is_none()
            && remaining.is_none()
            && interval.is_none()
            && daily_limit.is_none()
            && daily_remaining.is_none()
            && daily_reset.is_none()
        {
            return None;
        }
        Some(RateLimitSnapshot {
            max,
            remaining,
            interval,
            daily_limit,
            daily_remaining,
            daily_reset,
            observed_at,
        })
    }

    /// Reads a reset time as rate-limit headers give it (HighLevel does not document the
    /// form of `X-RateLimit-Daily-Reset`, so every common one is read, each by its one
    /// obvious reading): a Unix time in milliseconds (13 digits and more) or in seconds
    /// (10 to 12 digits), a number of seconds from `now` (fewer digits), or an RFC 3339
    /// time. `None` for anything else.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use ghl_runtime::ratelimit::RateLimitSnapshot;
    /// let now = UNIX_EPOCH + Duration::from_secs(1_765_000_000);
    /// let at = UNIX_EPOCH + Duration::from_secs(1_765_065_600);
    /// assert_eq!(RateLimitSnapshot::parse_reset("1765065600000", now), Some(at));
    /// assert_eq!(RateLimitSnapshot::parse_reset("1765065600", now), Some(at));
    /// assert_eq!(RateLimitSnapshot::parse_reset("65600", now), Some(at));
    /// assert_eq!(RateLimitSnapshot::parse_reset("2025-12-07T00:00:00Z", now), Some(at));
    /// assert_eq!(RateLimitSnapshot::parse_reset("tomorrow", now), None);
    /// ```
    pub fn parse_reset(value: &str, now: SystemTime) -> Option<SystemTime> {
        let value = value.trim();
        if let Ok(n) = value.parse::<f64>() {
            if !n.is_finite() || n < 0.0 {
                return None;
            }
            return Some(if n >= 1e12 {
                std::time::UNIX_EPOCH + Duration::from_secs_f64(n / 1000.0)
            } else if n >= 1e9 {
                std::time::UNIX_EPOCH + Duration::from_secs_f64(n)
            } else {
                now + Duration::from_secs_f64(n)
            });
        }
        crate::timestamp::parse_timestamp(value)
    }
}

/// What a [`SharedQuota`] answers for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The call may go out now (it was counted).
    Admitted,
    /// The quota is used up: ask again after this long.
    Wait(Duration),
    /// The owner's daily quota is used up.
    DailyExhausted,
}

/// A quota counted in one place for every process of an app (e.g. `RedisRateLimit`, feature
/// `redis`), so that N workers together stay under the server's per-owner limits, which
/// apply to all of an app's callers. Set it with [`RateLimiter::shared`]; each call is
/// then admitted by it as well as by the process's own limiter. When it fails (its server
/// is unreachable), calls are paced by the process's own limiter alone.
pub trait SharedQuota: Send + Sync {
    /// Counts one call of `owner` if fewer than `max` were admitted in the last
    /// `interval` (and the daily cap is not reached).
    fn admit<'a>(
        &'a self,
        owner: &'a str,
        max: u32,
        interval: Duration,
    ) -> BoxFuture<'a, crate::Result<Admission>>;

    /// Makes every process wait `delay` before the next call of `owner` (the server
    /// reported no remaining requests, or answered 429 with `Retry-After`).
    fn pause<'a>(&'a self, owner: &'a str, delay: Duration) -> BoxFuture<'a, crate::Result<()>>;
}

/// Why [`RateLimiter::acquire`] refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The daily quota is exhausted; it returns after this long, when known.
    Daily(Option<Duration>),
}

struct OwnerState {
    quota: (u32, Duration),
    gcra: Arc<DirectLimiter>,
    pause_until: Option<Instant>,
    daily_block_until: Option<Instant>,
    /// Whether `daily_block_until` is the server's reset time (not a guess).
    daily_reset_known: bool,
    snapshot: Option<RateLimitSnapshot>,
}

impl OwnerState {
    /// How long until the daily quota returns, when the server said.
    fn daily_retry_after(&self, now: Instant) -> Option<Duration> {
        self.daily_block_until
            .filter(|_| self.daily_reset_known)
            .map(|until| until.saturating_duration_since(now))
    }
}

/// The pacing state of one owner. A client whose owner is fixed keeps its slot and
/// reaches it without a lookup in the limiter's map; each owner has its own lock, so
/// calls for different owners never wait on each other.
pub(crate) struct OwnerSlot {
    state: Mutex<OwnerState>,
    /// The quota shared with other processes, and the owner it is counted for.
    shared: Option<(Arc<dyn SharedQuota>, Arc<str>)>,
}

impl OwnerSlot {
    fn new(config: RateLimitConfig, shared: Option<(Arc<dyn SharedQuota>, Arc<str>)>) -> OwnerSlot {
        OwnerSlot {
            shared,
            state: Mutex::new(OwnerState {
                quota: (config.max_requests, config.interval),
                gcra: make_gcra(config.max_requests, config.interval),
                pause_until: None,
                daily_block_until: None,
                daily_reset_known: false,
                snapshot: None,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, OwnerState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Admits a call at once when it need not wait: `Some(Ok)` when admitted (counted
    /// against the quota), `Some(Err)` when refused, `None` when it must wait (then
    /// [`OwnerSlot::acquire`] does the waiting).
    pub(crate) fn try_acquire(&self) -> Option<Result<(), Refusal>> {
        let mut s = self.state();
        if s.daily_block_until.is_some() || s.pause_until.is_some() {
            let now = Instant::now();
            if let Some(until) = s.daily_block_until {
                if until > now {
                    return Some(Err(Refusal::Daily(s.daily_retry_after(now))));
                }
                s.daily_block_until = None;
            }
            match s.pause_until {
                Some(until) if until > now => return None,
                Some(_) => s.pause_until = None,
                None => {}
            }
        }
        if self.shared.is_some() {
            // The shared quota is asked asynchronously, in `acquire`.
            return None;
        }
        s.gcra.check().ok().map(Ok)
    }

    /// Waits until a call may go out.
    pub(crate) async fn acquire(&self) -> Result<(), Refusal> {
        loop {
            let now = Instant::now();
            let (gcra, pause) = {
                let mut s = self.state();
                if let Some(until) = s.daily_block_until {
                    if until > now {
                        return Err(Refusal::Daily(s.daily_retry_after(now)));
                    }
                    s.daily_block_until = None;
                }
                let pause = match s.pause_until {
                    Some(until) if until > now => Some(until - now),
                    Some(_) => {
                        s.pause_until = None;
                        None
                    }
                    None => None,
                };
                (s.gcra.clone(), pause)
            };
            if let Some(wait) = pause {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "rate limit: server reported no remaining requests, waiting"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            match gcra.check() {
                Ok(()) => return self.acquire_shared().await,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    tracing::trace!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limit: local quota reached, waiting"
                    );
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// Admission by the shared quota, if any, after the local one.
    async fn acquire_shared(&self) -> Result<(), Refusal> {
        let Some((shared, owner)) = &self.shared else {
            return Ok(());
        };
        loop {
            let (max, interval) = self.state().quota;
            match shared.admit(owner, max, interval).await {
                Ok(Admission::Admitted) => return Ok(()),
                Ok(Admission::DailyExhausted) => return Err(Refusal::Daily(None)),
                Ok(Admission::Wait(wait)) => {
                    tracing::trace!(
                        wait_ms = wait.as_millis() as u64,
                        "rate limit: shared quota reached, waiting"
                    );
                    tokio::time::sleep(wait.clamp(Duration::from_millis(1), interval)).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "rate limit: shared quota unavailable, pacing locally only");
                    return Ok(());
                }
            }
        }
    }

    /// Tells the other processes to pause this owner's calls too.
    fn share_pause(&self, delay: Duration) {
        let Some((shared, owner)) = &self.shared else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (shared, owner) = (shared.clone(), owner.clone());
        runtime.spawn(async move {
            if let Err(e) = shared.pause(&owner, delay).await {
                tracing::warn!(error = %e, "rate limit: cannot share a pause");
            }
        });
    }

    /// Records the rate-limit headers of a response.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let Some(snap) = RateLimitSnapshot::from_headers(headers) else {
            return;
        };
        let now = Instant::now();
        let mut s = self.state();
        let interval = snap.interval.unwrap_or(s.quota.1);
        if let Some(max) = snap.max {
            if max > 0 && (max, interval) != s.quota {
                s.quota = (max, interval);
                s.gcra = make_gcra(max, interval);
            }
        }
        if snap.remaining == Some(0) {
            s.pause_until = Some(now + interval);
            self.share_pause(interval);
        }
        if snap.daily_remaining == Some(0) {
            // Until the reset the server names (when it is ahead and plausible), else a
            // minute, after which the next answer says again.
            let until_reset = snap
                .daily_reset
                .and_then(|at| at.duration_since(snap.observed_at).ok())
                .filter(|d| !d.is_zero() && *d <= DAILY_BLOCK_MAX);
            s.daily_block_until = Some(now + until_reset.unwrap_or(DAILY_BLOCK));
            s.daily_reset_known = until_reset.is_some();
        }
        s.snapshot = Some(snap);
    }

    /// Makes the owner wait `delay` before its next call (after a 429 with `Retry-After`).
    pub(crate) fn pause(&self, delay: Duration) {
        self.share_pause(delay);
        let until = Instant::now() + delay;
        let mut s = self.state();
        if s.pause_until.is_none_or(|p| p < until) {
            s.pause_until = Some(until);
        }
    }
}

struct Shared {
    config: RateLimitConfig,
    remote: Option<Arc<dyn SharedQuota>>,
    owners: Mutex<HashMap<Arc<str>, Arc<OwnerSlot>>>,
}

/// A per-owner client-side rate limiter; cheap to clone (clones share state).
#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(RateLimitConfig::default())
    }
}

fn make_gcra(max: u32, interval: Duration) -> Arc<DirectLimiter> {
    let max = NonZeroU32::new(max.max(1)).unwrap_or(NonZeroU32::MIN);
    let period = (interval / max.get()).max(Duration::from_nanos(1));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(max);
    Arc::new(Gcra::direct(quota))
}

impl RateLimiter {
    /// A limiter with the given local quota.
    pub fn new(config: RateLimitConfig) -> RateLimiter {
        RateLimiter {
            shared: Arc::new(Shared {
                config,
                remote: None,
                owners: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// A limiter with the given local quota that also admits every call through `quota`,
    /// shared with the app's other processes (see [`SharedQuota`]).
    pub fn shared(config: RateLimitConfig, quota: Arc<dyn SharedQuota>) -> RateLimiter {
        RateLimiter {
            shared: Arc::new(Shared {
                config,
                remote: Some(quota),
                owners: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The local quota new owners start with.
    pub fn config(&self) -> RateLimitConfig {
        self.shared.config
    }

    fn owners(&self) -> MutexGuard<'_, HashMap<Arc<str>, Arc<OwnerSlot>>> {
        match self.shared.owners.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The slot of `owner`, created with the local quota on first use.
    pub(crate) fn slot(&self, owner: &str) -> Arc<OwnerSlot> {
        let mut owners = self.owners();
        if let Some(slot) = owners.get(owner) {
            return slot.clone();
        }
        let owner: Arc<str> = Arc::from(owner);
        let remote = self.shared.remote.clone().map(|r| (r, owner.clone()));
        let slot = Arc::new(OwnerSlot::new(self.shared.config, remote));
        owners.insert(owner, slot.clone());
        slot
    }

    /// The last limits the server reported for `owner` (a location or company id, or the
    /// client's own owner key).
    pub fn snapshot(&self, owner: &str) -> Option<RateLimitSnapshot> {
        let slot = self.owners().get(owner)?.clone();
        slot.state().snapshot.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[tokio::test]
    async fn local_quota_paces_calls() {
        let l = RateLimiter::new(RateLimitConfig {
            max_requests: 5,
            interval: Duration::from_millis(200),
        });
        let start = Instant::now();
        let loc = l.slot("loc");
        for _ in 0..5 {
            loc.acquire().await.unwrap();
        }
        assert!(start.elapsed() < Duration::from_millis(30));
        // The 6th must wait about 40 ms (one replenish period).
        loc.acquire().await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(30));
        // Another owner is not affected.
        let t = Instant::now();
        l.slot("other").acquire().await.unwrap();
        assert!(t.elapsed() < Duration::from_millis(20));
    }

    #[tokio::test]
    async fn headers_adapt_and_are_readable() {
        let l = RateLimiter::default();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-max", HeaderValue::from_static("100"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert(
            "x-ratelimit-interval-milliseconds",
            HeaderValue::from_static("50"),
        );
        h.insert("x-ratelimit-daily-remaining", HeaderValue::from_static("5"));
        let loc = l.slot("loc");
        loc.observe(&h);
        let snap = l.snapshot("loc").unwrap();
        assert_eq!(snap.remaining, Some(0));
        assert_eq!(snap.interval, Some(Duration::from_millis(50)));
        assert_eq!(snap.daily_remaining, Some(5));
        let t = Instant::now();
        loc.acquire().await.unwrap();
        assert!(t.elapsed() >= Duration::from_millis(40));

        h.insert("x-ratelimit-daily-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("10"));
        loc.observe(&h);
        assert_eq!(loc.acquire().await, Err(Refusal::Daily(None)));
    }

    #[tokio::test]
    async fn the_daily_reset_says_when_calls_resume() {
        let l = RateLimiter::default();
        let loc = l.slot("loc");
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-daily-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-daily-reset", HeaderValue::from_static("7200"));
        loc.observe(&h);
        let snap = l.snapshot("loc").unwrap();
        let ahead = snap
            .daily_reset
            .unwrap()
            .duration_since(snap.observed_at)
            .unwrap();
        assert_eq!(ahead, Duration::from_secs(7200));
        // Refused with the time left, not the one-minute guess.
        match loc.try_acquire() {
            Some(Err(Refusal::Daily(Some(left)))) => {
                assert!(left > Duration::from_secs(7190) && left <= Duration::from_secs(7200));
            }
            other => panic!("{other:?}"),
        }
        // An absolute reset in the past, or days away, is not believed: a minute.
        let l = RateLimiter::default();
        let loc = l.slot("loc");
        for reset in ["1000000000", "99999999"] {
            h.insert("x-ratelimit-daily-reset", HeaderValue::from_static(reset));
            loc.observe(&h);
            assert_eq!(loc.try_acquire(), Some(Err(Refusal::Daily(None))));
        }
    }
}
