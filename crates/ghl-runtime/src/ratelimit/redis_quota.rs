//! [`RedisRateLimit`]: the shared quota of [`super::RateLimiter::shared`] kept in Redis, on a
//! [`RedisSource`]'s connection (a `RedisTokenStore`'s, usually; feature `redis`).

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::aio::ConnectionManager;

use super::{Admission, SharedQuota};
use crate::Result;
use crate::error::redis_error;

/// Where a [`RedisRateLimit`] counts: a Redis connection and the prefix of its keys.
/// [`RedisTokenStore`](crate::store::RedisTokenStore) is one, so that the quota lives beside
/// the tokens; implement it to count on a connection of your own.
pub trait RedisSource {
    /// The connection (multiplexed: clones share it).
    fn connection(&self) -> &ConnectionManager;
    /// The prefix of every key (`{prefix}:rl:{owner}`, ...).
    fn key_prefix(&self) -> &str;
}

static ADMIT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "local pause = redis.call('PTTL', KEYS[2])
         if pause > 0 then return pause end
         local t = redis.call('TIME')
         local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
         local interval = tonumber(ARGV[2])
         redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
         if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
           local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
           local wait = tonumber(oldest[2]) + interval - now
           if wait < 1 then wait = 1 end
           return wait
         end
         if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then
           return -1
         end
         redis.call('ZADD', KEYS[1], now, ARGV[3])
         redis.call('PEXPIRE', KEYS[1], interval + 1000)
         redis.call('INCR', KEYS[3])
         redis.call('EXPIRE', KEYS[3], 172800)
         return 0",
    )
});

/// Extends an owner's shared pause to at least `ARGV[1]` ms.
static PAUSE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
           redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
         end
         return 1",
    )
});

/// A [`SharedQuota`] in Redis: the per-owner burst limit (100 per 10 s unless the server's
/// `X-RateLimit-*` headers say otherwise) and daily cap counted for all processes of an app,
/// and pauses (a `Remaining: 0` or a 429) seen by one process applied by all.
///
/// Each owner's admissions are a sorted set of timestamps from the Redis server's clock
/// (`{prefix}:rl:{owner}`), trimmed and checked by one Lua script, so that no window of the
/// interval holds more than the quota. The window is widened by a margin (default 250 ms)
/// for the time a request takes to reach the API. Daily counts are kept per UTC day.
///
/// ```no_run
/// # async fn run() -> ghl_runtime::Result<()> {
/// use std::sync::Arc;
/// use ghl_runtime::ratelimit::{RateLimitConfig, RateLimiter, RedisRateLimit};
/// use ghl_runtime::store::RedisTokenStore;
///
/// let store = RedisTokenStore::connect("redis://127.0.0.1:6379/").await?;
/// let limiter = RateLimiter::shared(RateLimitConfig::default(), Arc::new(RedisRateLimit::new(&store)));
/// let settings = ghl_runtime::Client::builder().rate_limiter(limiter);
/// # let _ = settings; Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisRateLimit {
    conn: ConnectionManager,
    prefix: String,
    daily_max: u64,
    margin: Duration,
}

impl fmt::Debug for RedisRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimit")
            .field("prefix", &self.prefix)
            .field("daily_max", &self.daily_max)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimit {
    /// A shared quota on `store`'s connection and key prefix (a
    /// [`RedisTokenStore`](crate::store::RedisTokenStore)); daily cap 200,000 per owner.
    pub fn new(store: &impl RedisSource) -> RedisRateLimit {
        RedisRateLimit {
            conn: store.connection().clone(),
            prefix: store.key_prefix().to_owned(),
            daily_max: 200_000,
            margin: Duration::from_millis(250),
        }
    }

    /// The daily cap per owner (default 200,000, HighLevel's).
    pub fn daily_max(mut self, max: u64) -> RedisRateLimit {
        self.daily_max = max;
        self
    }

    /// How much wider than the interval the counting window is (default 250 ms), for the
    /// time between admission and the request's arrival.
    pub fn margin(mut self, margin: Duration) -> RedisRateLimit {
        self.margin = margin;
        self
    }
}

impl SharedQuota for RedisRateLimit {
    fn admit<'a>(
        &'a self,
        owner: &'a str,
        max: u32,
        interval: Duration,
    ) -> BoxFuture<'a, Result<Admission>> {
        Box::pin(async move {
            let day = crate::token::unix_now() / 86_400;
            let mut conn = self.conn.clone();
            let answer: i64 = ADMIT
                .key(format!("{}:rl:{owner}", self.prefix))
                .key(format!("{}:rl-pause:{owner}", self.prefix))
                .key(format!("{}:rl-day:{owner}:{day}", self.prefix))
                .arg(max.max(1))
                .arg((interval + self.margin).as_millis() as u64)
                // A member unique to this admission (two in one millisecond stay two).
                .arg(crate::token::random_id())
                .arg(self.daily_max)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot count a call", &e))?;
            Ok(match answer {
                0 => Admission::Admitted,
                n if n < 0 => Admission::DailyExhausted,
                n => Admission::Wait(Duration::from_millis(n as u64)),
            })
        })
    }

    fn pause<'a>(&'a self, owner: &'a str, delay: Duration) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let _: i64 = PAUSE
                .key(format!("{}:rl-pause:{owner}", self.prefix))
                .arg(delay.as_millis().max(1) as u64)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot share a pause", &e))?;
            Ok(())
        })
    }
}
