//! [`RedisTokenStore`]: token sets and refresh locks in Redis (feature `redis`).

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionManager;

use super::{OwnerTokenStore, RefreshLock, StoreFuture};
use crate::error::redis_error;
use crate::ratelimit::RedisSource;
use crate::token::{Secret, TokenSet};
use crate::{Error, Result};

/// Stores a token set and its fencing token, and lists its owner.
static SAVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "redis.call('HSET', KEYS[1], 'json', ARGV[1], 'fence', ARGV[2])
         redis.call('SADD', KEYS[2], ARGV[3])
         return 1",
    )
});

/// The fencing check: stores the new set only while the stored fencing token is the one
/// that was spent.
static REPLACE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('HGET', KEYS[1], 'fence') == ARGV[1] then
           redis.call('HSET', KEYS[1], 'json', ARGV[2], 'fence', ARGV[3])
           return 1
         end
         return 0",
    )
});

static DELETE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "local n = redis.call('DEL', KEYS[1])
         redis.call('SREM', KEYS[2], ARGV[1])
         return n",
    )
});

/// Releases a lock only for its holder.
static UNLOCK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then
           return redis.call('DEL', KEYS[1])
         end
         return 0",
    )
});

/// A sliding-window log per owner on the server's clock: admits a call when fewer than
/// `max` were admitted in the last `interval` and the day's count is under the cap;
/// otherwise answers how long to wait (ms), or -1 for the daily cap. A shared pause wins.
/// An [`OwnerTokenStore`] in Redis, shared by any number of processes and machines.
///
/// Keys, under a prefix (default `ghl`): `{prefix}:tokens:{owner}`, a hash holding the
/// token set as JSON (`json`) and its [fencing token](TokenSet::fencing_token) (`fence`);
/// `{prefix}:lock:{owner}`, the refresh lock (`SET NX PX`, released by a script only by
/// its holder); `{prefix}:owners`, the set of owners. The compare-and-set of
/// [`replace`](OwnerTokenStore::replace) is a Lua script, atomic on the server. Token sets
/// never expire in Redis: an installation's refresh token is valid until it is used or
/// the app is uninstalled. Scripts touch two keys, so a Redis Cluster is not supported;
/// use a single primary (with replicas or Sentinel as you like).
///
/// The connection is a [`ConnectionManager`]: multiplexed (clones share it) and
/// reconnecting after failures.
#[derive(Clone)]
pub struct RedisTokenStore {
    conn: ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    /// Connects to `url` (`redis://[user:password@]host:port/db`). Fails with
    /// [`Error::TokenStore`] when the URL is invalid or the server unreachable.
    pub async fn connect(url: &str) -> Result<RedisTokenStore> {
        let client = redis::Client::open(url).map_err(|e| redis_error("invalid URL", &e))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(3);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| redis_error("cannot connect", &e))?;
        Ok(RedisTokenStore::with_connection(conn))
    }

    /// A store on an existing connection (to share it with the rest of an app).
    pub fn with_connection(conn: ConnectionManager) -> RedisTokenStore {
        RedisTokenStore {
            conn,
            prefix: "ghl".to_owned(),
        }
    }

    /// The prefix of every key (default `ghl`), to keep several apps or environments
    /// apart in one database.
    pub fn prefix(mut self, prefix: impl Into<String>) -> RedisTokenStore {
        self.prefix = prefix.into();
        self
    }

    /// The connection (shared by clones).
    pub fn connection(&self) -> &ConnectionManager {
        &self.conn
    }

    /// The prefix of its keys (see [`prefix`](Self::prefix)).
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The key of `owner`'s token set.
    pub fn tokens_key(&self, owner: &str) -> String {
        format!("{}:tokens:{owner}", self.prefix)
    }

    /// The key of `owner`'s refresh lock.
    pub fn lock_key(&self, owner: &str) -> String {
        format!("{}:lock:{owner}", self.prefix)
    }

    fn owners_key(&self) -> String {
        format!("{}:owners", self.prefix)
    }

    fn encode(tokens: &TokenSet) -> Result<String> {
        serde_json::to_string(tokens).map_err(|e| Error::TokenStore {
            message: "cannot encode a token set".to_owned(),
            source: Box::new(e),
        })
    }
}

/// A [`RedisRateLimit`](crate::ratelimit::RedisRateLimit) on the store's connection and key
/// prefix.
impl RedisSource for RedisTokenStore {
    fn connection(&self) -> &ConnectionManager {
        &self.conn
    }

    fn key_prefix(&self) -> &str {
        &self.prefix
    }
}

impl OwnerTokenStore for RedisTokenStore {
    fn load<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Option<TokenSet>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let json: Option<Vec<u8>> = redis::cmd("HGET")
                .arg(self.tokens_key(owner))
                .arg("json")
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot load tokens", &e))?;
            let Some(json) = json else { return Ok(None) };
            // serde's error never quotes the input, so no token can leak into it.
            serde_json::from_slice(&json)
                .map(Some)
                .map_err(|e| Error::TokenStore {
                    message: format!("redis: cannot parse the token set of {owner}"),
                    source: Box::new(e),
                })
        })
    }

    fn save<'a>(&'a self, owner: &'a str, tokens: &'a TokenSet) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let json = Self::encode(tokens)?;
            let mut conn = self.conn.clone();
            let _: i64 = SAVE
                .key(self.tokens_key(owner))
                .key(self.owners_key())
                .arg(json)
                .arg(tokens.fencing_token().expose())
                .arg(owner)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot save tokens", &e))?;
            Ok(())
        })
    }

    fn replace<'a>(
        &'a self,
        owner: &'a str,
        spent: &'a Secret,
        tokens: &'a TokenSet,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let json = Self::encode(tokens)?;
            let mut conn = self.conn.clone();
            let replaced: i64 = REPLACE
                .key(self.tokens_key(owner))
                .arg(spent.expose())
                .arg(json)
                .arg(tokens.fencing_token().expose())
                .invoke_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot replace tokens", &e))?;
            Ok(replaced == 1)
        })
    }

    fn delete<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let deleted: i64 = DELETE
                .key(self.tokens_key(owner))
                .key(self.owners_key())
                .arg(owner)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot delete tokens", &e))?;
            Ok(deleted > 0)
        })
    }

    fn owners(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let mut owners: Vec<String> = redis::cmd("SMEMBERS")
                .arg(self.owners_key())
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot list owners", &e))?;
            owners.sort();
            Ok(owners)
        })
    }

    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, Option<RefreshLock>> {
        Box::pin(async move {
            let lock = RefreshLock::random();
            let mut conn = self.conn.clone();
            let set: Option<String> = redis::cmd("SET")
                .arg(self.lock_key(owner))
                .arg(lock.id())
                .arg("NX")
                .arg("PX")
                .arg(ttl.as_millis().max(1) as u64)
                .query_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot take the refresh lock", &e))?;
            Ok(set.map(|_| lock))
        })
    }

    fn unlock<'a>(&'a self, owner: &'a str, lock: &'a RefreshLock) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let _: i64 = UNLOCK
                .key(self.lock_key(owner))
                .arg(lock.id())
                .invoke_async(&mut conn)
                .await
                .map_err(|e| redis_error("cannot release the refresh lock", &e))?;
            Ok(())
        })
    }
}
