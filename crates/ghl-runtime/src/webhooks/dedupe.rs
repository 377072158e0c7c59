//! Replay and duplicate protection: which `webhookId`s were already accepted, in one
//! process ([`MemoryDedupeStore`]) or across a fleet (`RedisDedupeStore`, feature `redis`).
//!
//! HighLevel retries a delivery it got no 2xx answer for, possibly to another worker of
//! the same app. A delivery is *claimed* when it is accepted and *released* when its
//! handling fails, so that exactly one worker handles it, and HighLevel's redelivery after
//! a failure is handled again.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::WebhookError;

/// The future a [`DedupeStore`] method returns (boxed: the trait is used as
/// `Arc<dyn DedupeStore>`).
pub type DedupeFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, WebhookError>> + Send + 'a>>;

/// Remembers accepted `webhookId`s to drop duplicates and replays, for every process that
/// shares it.
///
/// Errors are [`WebhookError::DedupeStore`] (answered with a 500, so that HighLevel
/// delivers the event again once the store is back).
pub trait DedupeStore: Send + Sync {
    /// Claims `webhook_id` for `ttl`: `Ok(true)` when no live claim exists (the caller
    /// handles the delivery), `Ok(false)` when one does (a duplicate or a replay).
    /// Atomic: of several concurrent claims of one id, exactly one gets `true`.
    fn claim<'a>(&'a self, webhook_id: &'a str, ttl: Duration) -> DedupeFuture<'a, bool>;

    /// Drops the claim of `webhook_id`, so that a redelivery is accepted: its handling
    /// failed.
    fn release<'a>(&'a self, webhook_id: &'a str) -> DedupeFuture<'a, ()>;
}

/// A [`DedupeStore`] in memory, for one process: bounded in size, expired claims dropped
/// first, then the claims closest to expiry; `O(log n)` a claim.
#[derive(Debug)]
pub struct MemoryDedupeStore {
    state: Mutex<MemoryState>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct MemoryState {
    /// Each claimed id's expiry and sequence number (the key of `by_expiry`).
    claims: HashMap<String, (Instant, u64)>,
    /// The claims in order of expiry (ties by sequence).
    by_expiry: BTreeSet<(Instant, u64, String)>,
    next: u64,
}

impl MemoryState {
    fn remove(&mut self, id: &str) {
        if let Some((until, seq)) = self.claims.remove(id) {
            self.by_expiry.remove(&(until, seq, id.to_owned()));
        }
    }

    /// Drops the claim that expires first.
    fn pop_first(&mut self) {
        if let Some((_, _, id)) = self.by_expiry.pop_first() {
            self.claims.remove(&id);
        }
    }
}

impl Default for MemoryDedupeStore {
    fn default() -> Self {
        MemoryDedupeStore::with_capacity(100_000)
    }
}

impl MemoryDedupeStore {
    /// A store with room for 100,000 ids.
    pub fn new() -> MemoryDedupeStore {
        MemoryDedupeStore::default()
    }

    /// A store with room for `capacity` ids (at least 1).
    pub fn with_capacity(capacity: usize) -> MemoryDedupeStore {
        MemoryDedupeStore {
            state: Mutex::new(MemoryState::default()),
            capacity: capacity.max(1),
        }
    }

    /// How many live or not yet dropped claims it holds.
    pub fn len(&self) -> usize {
        self.state().claims.len()
    }

    /// True when it holds no claim.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// [`DedupeStore::claim`] at `now`.
    fn claim_at(&self, webhook_id: &str, ttl: Duration, now: Instant) -> bool {
        let mut s = self.state();
        if s.claims
            .get(webhook_id)
            .is_some_and(|(until, _)| *until > now)
        {
            return false;
        }
        s.remove(webhook_id);
        // Expired claims first, then the ones closest to expiry, until there is room.
        while s
            .by_expiry
            .first()
            .is_some_and(|(until, _, _)| *until <= now)
        {
            s.pop_first();
        }
        while s.claims.len() >= self.capacity {
            s.pop_first();
        }
        let seq = s.next;
        s.next += 1;
        let until = now + ttl;
        s.claims.insert(webhook_id.to_owned(), (until, seq));
        s.by_expiry.insert((until, seq, webhook_id.to_owned()));
        true
    }
}

impl DedupeStore for MemoryDedupeStore {
    fn claim<'a>(&'a self, webhook_id: &'a str, ttl: Duration) -> DedupeFuture<'a, bool> {
        let claimed = self.claim_at(webhook_id, ttl, Instant::now());
        Box::pin(async move { Ok(claimed) })
    }

    fn release<'a>(&'a self, webhook_id: &'a str) -> DedupeFuture<'a, ()> {
        self.state().remove(webhook_id);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(feature = "redis")]
pub use redis_dedupe::RedisDedupeStore;

#[cfg(feature = "redis")]
mod redis_dedupe {
    use super::*;
    use crate::store::RedisTokenStore;
    use redis::aio::ConnectionManager;
    use std::fmt;

    /// A [`DedupeStore`] in Redis, shared by every process of an app (feature `redis`): a
    /// claim is `SET {prefix}:webhook:{webhookId} 1 NX PX ttl`, a release a `DEL`, so of
    /// several workers given the same delivery exactly one handles it.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use ghl_runtime::store::RedisTokenStore;
    /// use ghl_runtime::webhooks::{RedisDedupeStore, WebhookVerifier};
    ///
    /// # async fn run() -> ghl_runtime::Result<()> {
    /// let store = RedisTokenStore::connect("redis://127.0.0.1:6379/").await?;
    /// let verifier = WebhookVerifier::new()
    ///     .dedupe_store(Arc::new(RedisDedupeStore::from_store(&store)));
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Clone)]
    pub struct RedisDedupeStore {
        conn: ConnectionManager,
        prefix: String,
    }

    impl fmt::Debug for RedisDedupeStore {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("RedisDedupeStore")
                .field("prefix", &self.prefix)
                .finish_non_exhaustive()
        }
    }

    impl RedisDedupeStore {
        /// A store on `conn`, with keys under `ghl`.
        pub fn new(conn: ConnectionManager) -> RedisDedupeStore {
            RedisDedupeStore {
                conn,
                prefix: "ghl".to_owned(),
            }
        }

        /// A store on the connection of a token store, with its key prefix.
        pub fn from_store(store: &RedisTokenStore) -> RedisDedupeStore {
            RedisDedupeStore {
                conn: store.connection().clone(),
                prefix: store.key_prefix().to_owned(),
            }
        }

        /// The prefix of its keys (default `ghl`), to keep several apps or environments
        /// apart in one database.
        pub fn prefix(mut self, prefix: impl Into<String>) -> RedisDedupeStore {
            self.prefix = prefix.into();
            self
        }

        /// The key of a delivery's claim.
        pub fn key(&self, webhook_id: &str) -> String {
            format!("{}:webhook:{webhook_id}", self.prefix)
        }
    }

    fn failure(what: &str, e: &redis::RedisError) -> WebhookError {
        WebhookError::DedupeStore {
            reason: format!("redis: {what}: {}", crate::error::RedisFailure::of(e)),
        }
    }

    impl DedupeStore for RedisDedupeStore {
        fn claim<'a>(&'a self, webhook_id: &'a str, ttl: Duration) -> DedupeFuture<'a, bool> {
            Box::pin(async move {
                let mut conn = self.conn.clone();
                let set: Option<String> = redis::cmd("SET")
                    .arg(self.key(webhook_id))
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl.as_millis().max(1) as u64)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| failure("cannot claim a delivery", &e))?;
                Ok(set.is_some())
            })
        }

        fn release<'a>(&'a self, webhook_id: &'a str) -> DedupeFuture<'a, ()> {
            Box::pin(async move {
                let mut conn = self.conn.clone();
                let _: i64 = redis::cmd("DEL")
                    .arg(self.key(webhook_id))
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| failure("cannot release a delivery", &e))?;
                Ok(())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_exclusive_until_they_expire_or_are_released() {
        let s = MemoryDedupeStore::with_capacity(10);
        let t0 = Instant::now();
        let ttl = Duration::from_secs(60);
        assert!(s.claim_at("a", ttl, t0));
        assert!(!s.claim_at("a", ttl, t0 + Duration::from_secs(59)));
        // Expired: claimed again.
        assert!(s.claim_at("a", ttl, t0 + Duration::from_secs(61)));
        s.state().remove("a");
        assert!(s.claim_at("a", ttl, t0 + Duration::from_secs(62)));
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn bounded_expired_first_then_soonest_expiry() {
        let s = MemoryDedupeStore::with_capacity(3);
        let t0 = Instant::now();
        assert!(s.claim_at("short", Duration::from_secs(1), t0));
        assert!(s.claim_at("long", Duration::from_secs(100), t0));
        assert!(s.claim_at("mid", Duration::from_secs(50), t0));
        // Full; `short` has expired by now, so it goes and the others stay.
        assert!(s.claim_at("d", Duration::from_secs(100), t0 + Duration::from_secs(2)));
        assert_eq!(s.len(), 3);
        assert!(!s.claim_at("long", Duration::from_secs(1), t0 + Duration::from_secs(3)));
        assert!(!s.claim_at("mid", Duration::from_secs(1), t0 + Duration::from_secs(3)));
        // Full and nothing expired: the claim closest to expiry (`mid`) makes room.
        assert!(s.claim_at("e", Duration::from_secs(100), t0 + Duration::from_secs(3)));
        assert_eq!(s.len(), 3);
        assert!(s.claim_at("mid", Duration::from_secs(100), t0 + Duration::from_secs(4)));
        let st = s.state();
        assert_eq!(st.claims.len(), st.by_expiry.len());
    }

    #[test]
    fn many_claims_stay_within_capacity() {
        let s = MemoryDedupeStore::with_capacity(1000);
        let t0 = Instant::now();
        for i in 0..100_000u64 {
            assert!(s.claim_at(&format!("wh-{i}"), Duration::from_secs(3600), t0));
        }
        assert_eq!(s.len(), 1000);
        // The newest ids are the ones kept.
        assert!(!s.claim_at("wh-99999", Duration::from_secs(1), t0));
    }
}
